// CoCosNet's VGG19 against its PyTorch expression (Fixtures/make_fixtures.py vgg19): the same
// random weights on a copy narrowed 16 times, the five features the losses read, and the
// gradient of a loss through all of them in the input image.
import HDF5Kit
import Models
import NN
import TensorCore
import TestSupport
import XCTest

final class VGG19Tests: XCTestCase {
    func testFeaturesAndInputGradientMatchTheReference() throws {
        let file = try HDF5File.open(modelFixtureFolder + "/vgg19.h5")
        defer { try? file.close() }
        var stream = RandomStream(seed: 0, purpose: "vgg")
        let vgg = Vgg19(widthDivisor: try file.root.attribute("width_divisor", as: Int.self), stream: &stream)
        try vgg.loadState(from: file.root.openGroup("networks/vgg19"))
        vgg.freeze()
        let x = try readModelTensor(file.root, "x"), y = try readModelTensor(file.root, "y")
        x.requiresGrad = true
        let features = vgg(Vgg19.preprocess(x), Vgg19.lossLayers)
        XCTAssertEqual(features.map(\.shape), [[2, 4, 32, 32], [2, 8, 16, 16], [2, 16, 8, 8], [2, 32, 4, 4], [2, 32, 2, 2]])
        for (layer, feature) in zip(Vgg19.lossLayers, features) {
            assertClose(
                feature, try readModelTensor(file.root, layer.rawValue), Tolerance(absolute: 1e-4, relative: 1e-4), path: layer.rawValue)
        }
        let targets = vgg(Vgg19.preprocess(y), Vgg19.lossLayers)
        var loss = mseLoss(features[0], targets[0])
        for k in 1..<5 { loss = loss + mseLoss(features[k], targets[k]) }
        loss.backward()
        let expected = try file.root.attribute("loss", as: Double.self)
        XCTAssertTrue(Tolerance(absolute: 1e-6, relative: 1e-4).accepts(Double(loss.item), expected), "loss \(loss.item) vs \(expected)")
        assertClose(
            try XCTUnwrap(x.grad), try readModelTensor(file.root, "grad_x"), Tolerance(absolute: 1e-6, relative: 1e-3), path: "∂loss/∂x")
        // The official network: 16 convs, 20,024,384 parameters; the forward stops at the deepest layer asked for.
        XCTAssertEqual(vgg.namedParameters().count, 32)
        var full = RandomStream(seed: 0, purpose: "vgg")
        XCTAssertEqual(Vgg19(stream: &full).parameterCount, 20_024_384)
        XCTAssertEqual(vgg(Vgg19.preprocess(x), [.p5, .r11]).map(\.shape), [[2, 32, 1, 1], [2, 4, 32, 32]])
    }
}
