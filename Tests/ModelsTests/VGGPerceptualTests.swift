// The VGG16 perceptual loss of the MUNIT code base (used by UNIT's master with vgg_w > 0, and by
// MUNIT) against its PyTorch expression (Fixtures/make_fixtures.py vgg16): the same random
// weights on a copy narrowed 16 times, the loss and its gradient in the translated image.
import HDF5Kit
import Models
import NN
import TensorCore
import TestSupport
import XCTest

final class VGGPerceptualTests: XCTestCase {
    func testLossAndInputGradientMatchTheReference() throws {
        let file = try HDF5File.open(modelFixtureFolder + "/vgg16.h5")
        defer { try? file.close() }
        var stream = RandomStream(seed: 0, purpose: "vgg")
        let vgg = Vgg16(widthDivisor: try file.root.attribute("width_divisor", as: Int.self), stream: &stream)
        try vgg.loadState(from: file.root.openGroup("networks/vgg16"))
        vgg.freeze()
        let x = try readModelTensor(file.root, "x")
        x.requiresGrad = true
        let loss = vgg.perceptualLoss(x, try readModelTensor(file.root, "y"))
        loss.backward()
        let expected = try file.root.attribute("loss", as: Double.self)
        XCTAssertTrue(Tolerance(absolute: 1e-6, relative: 1e-4).accepts(Double(loss.item), expected), "loss \(loss.item) vs \(expected)")
        let grad = try XCTUnwrap(x.grad)
        assertClose(grad, try readModelTensor(file.root, "grad_x"), Tolerance(absolute: 1e-6, relative: 1e-3), path: "∂loss/∂x")
        // The official network's shape: 13 convs, relu5_3 at 1/8 of the input (no pool after conv4_3).
        XCTAssertEqual(vgg.namedParameters().count, 26)
        XCTAssertEqual(vgg(Vgg16.preprocess(x)).shape, [2, 512 / 16, 4, 4])
        var full = RandomStream(seed: 0, purpose: "vgg")
        XCTAssertEqual(Vgg16(stream: &full).parameterCount, 14_714_688)
    }
}
