// CoCosNet's loss terms against their PyTorch expressions (Fixtures/make_fixtures.py
// cocosnet_losses, launch/reference/i2i_reference/cocosnet_losses.py, written as
// microsoft/CoCosNet's pix2pix_model.py, ContextualLoss.py and loss.py compute them): each
// term's value and its gradient in every differentiable input, on random inputs at small sizes.
// Tolerances: values 1e-6 absolute + 1e-5 relative; gradients 1e-6 absolute + 1e-3 relative
// (the reference runs in float64 from the same float32 inputs; our sums are float32).
import HDF5Kit
import Models
import TensorCore
import TestSupport
import XCTest

final class CoCosNetLossTests: XCTestCase {
    private let valueTolerance = Tolerance(absolute: 1e-6, relative: 1e-5)
    private let gradientTolerance = Tolerance(absolute: 1e-6, relative: 1e-3)
    private let layers = ["r12", "r22", "r32", "r42", "r52"]

    private struct Inputs {
        var fake: [Tensor], real: [Tensor], ref: [Tensor]
        var predFake: [[Tensor]], predReal: [[Tensor]]
        var named: [String: Tensor]
    }

    private func open() throws -> (HDF5File, Inputs) {
        let file = try HDF5File.open(modelFixtureFolder + "/cocosnet_losses.h5")
        let root = file.root
        func list(_ group: String) throws -> [Tensor] { try layers.map { try readModelTensor(root, "\(group)/\($0)") } }
        func scales(_ group: String) throws -> [[Tensor]] {
            try (0..<2).map { s in try (0..<5).map { try readModelTensor(root, "\(group)/\(s)/\($0)") } }
        }
        var named: [String: Tensor] = [:]
        for name in ["self_ref", "warp_mask", "label", "ref_label", "warp_cycle", "ref_image", "warp_out", "real_image"] {
            named[name] = try readModelTensor(root, name)
        }
        let inputs = Inputs(
            fake: try list("fake"), real: try list("real"), ref: try list("ref"), predFake: try scales("pred_fake"),
            predReal: try scales("pred_real"), named: named)
        return (file, inputs)
    }

    /// Compares `term`'s value and the gradients in `wrt` (fixture name → our input tensor).
    private func check(_ file: HDF5File, _ term: String, _ wrt: [String: Tensor], _ loss: () -> Tensor) throws {
        for x in wrt.values { x.requiresGrad = true; x.grad = nil }
        let value = loss()
        XCTAssertEqual(value.count, 1, "\(term): not a scalar")
        let group = try file.root.openGroup("terms/\(term)")
        let expected = try group.attribute("loss", as: Double.self)
        XCTAssertTrue(valueTolerance.accepts(Double(value.item), expected), "\(term): \(value.item) vs PyTorch \(expected)")
        let names = wrt.keys.sorted()
        let grads = gradients(of: value, withRespectTo: names.map { wrt[$0]! })
        for (name, g) in zip(names, grads) {
            let reference = try readModelTensor(group, "grad/\(name)")
            assertClose(try XCTUnwrap(g, "\(term): no gradient for \(name)"), reference, gradientTolerance, path: "\(term) ∂\(name)")
        }
        for x in wrt.values { x.requiresGrad = false }
    }

    /// Layer name → feature, for the layers from `first` on (relu1_2 is 0).
    private func allLayers(_ tensors: [Tensor], from first: Int = 0) -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: zip(layers[first...], tensors[first...]))
    }

    /// "s/j" → output j of scale s: the final outputs (`last`) or the intermediate ones.
    private func outputs(_ scales: [[Tensor]], last: Bool) -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (s, outputs) in scales.enumerated() {
            for (j, t) in outputs.enumerated() where (j == outputs.count - 1) == last { out["\(s)/\(j)"] = t }
        }
        return out
    }

    func testContextualLossMatchesTheReference() throws {
        let (file, x) = try open()
        defer { try? file.close() }
        let perSample = CoCosNetLosses.contextual(x.fake[3], target: x.ref[3])
        assertClose(perSample, try readModelTensor(file.root, "terms/cx_r42/per_sample"), valueTolerance, path: "CX(relu4_2) per sample")
        try check(file, "cx_r42", ["r42": x.fake[3]]) { CoCosNetLosses.contextual(x.fake[3], target: x.ref[3]).mean() }
        try check(file, "cx_r42_channel", ["r42": x.fake[3]]) {
            CoCosNetLosses.contextual(x.fake[3], target: x.ref[3], centering: .perChannel).mean()
        }
        try check(file, "contextual", allLayers(x.fake, from: 2)) { CoCosNetLosses.contextualStyle(fake: x.fake, exemplar: x.ref) }
        try check(file, "contextual_22", allLayers(x.fake, from: 1)) {
            CoCosNetLosses.contextualStyle(fake: x.fake, exemplar: x.ref, useRelu22: true)
        }
    }

    func testFeatureLossesMatchTheReference() throws {
        let (file, x) = try open()
        defer { try? file.close() }
        let both = Tensor(shape: [2], values: [1, 1]), one = x.named["self_ref"]!
        XCTAssertEqual(one.values, [1, 0])
        try check(file, "fm", allLayers(x.fake)) { CoCosNetLosses.featureMatching(fake: x.fake, real: x.real, selfReference: both) }
        try check(file, "fm_one", allLayers(x.fake)) { CoCosNetLosses.featureMatching(fake: x.fake, real: x.real, selfReference: one) }
        try check(file, "perc", ["r52": x.fake[4]]) { CoCosNetLosses.perceptual(fake: x.fake, real: x.real) }
        try check(file, "perc_r42", ["r42": x.fake[3]]) { CoCosNetLosses.perceptual(fake: x.fake, real: x.real, layer: .relu4_2) }
        // No self-referenced sample: s = 0 / (0 + 1e-5) = 0, so the term and its gradient vanish.
        let none = Tensor(shape: [2], values: [0, 0])
        x.fake[0].requiresGrad = true
        let zero = CoCosNetLosses.featureMatching(fake: x.fake, real: x.real, selfReference: none)
        XCTAssertEqual(zero.item, 0)
        XCTAssertEqual(try XCTUnwrap(gradients(of: zero, withRespectTo: [x.fake[0]])[0]).values.map(Swift.abs).max(), 0)
        x.fake[0].requiresGrad = false
        // The real features are targets: no gradient reaches them.
        x.fake[4].requiresGrad = true
        x.real[4].requiresGrad = true
        let perceptual = gradients(of: CoCosNetLosses.perceptual(fake: x.fake, real: x.real), withRespectTo: [x.fake[4], x.real[4]])
        XCTAssertNotNil(perceptual[0])
        XCTAssertNil(perceptual[1])
    }

    func testAdversarialLossesMatchTheReference() throws {
        let (file, x) = try open()
        defer { try? file.close() }
        try check(file, "gan_g", outputs(x.predFake, last: true)) { CoCosNetLosses.hingeGenerator(fake: x.predFake) }
        try check(file, "d_real", outputs(x.predReal, last: true)) {
            CoCosNetLosses.hingeDiscriminator(real: x.predReal, fake: x.predFake).real
        }
        try check(file, "d_fake", outputs(x.predFake, last: true)) {
            CoCosNetLosses.hingeDiscriminator(real: x.predReal, fake: x.predFake).fake
        }
        try check(file, "gan_feat", outputs(x.predFake, last: false)) {
            CoCosNetLosses.discriminatorFeatureMatching(fake: x.predFake, real: x.predReal)
        }
    }

    func testWarpLossesMatchTheReference() throws {
        let (file, x) = try open()
        defer { try? file.close() }
        let n = x.named
        try check(file, "mask", ["warp_mask": n["warp_mask"]!]) {
            CoCosNetLosses.warpedMask(n["warp_mask"]!, label: n["label"]!, exemplarLabel: n["ref_label"]!)
        }
        try check(file, "warp_cycle", ["warp_cycle": n["warp_cycle"]!]) {
            CoCosNetLosses.warpCycle(n["warp_cycle"]!, exemplar: n["ref_image"]!)
        }
        try check(file, "warp_self", ["warp_out": n["warp_out"]!]) {
            CoCosNetLosses.warpSelf(n["warp_out"]!, real: n["real_image"]!, selfReference: n["self_ref"]!)
        }
    }

    func testQuarterNearestPicksEveryFourthPixel() {
        // Hand check: 1×1×9×6 ramp v = 10·row + col → rows 0, 4 and columns 0 (⌊6/4⌋ = 1).
        let label = Tensor(shape: [1, 1, 9, 6], values: (0..<54).map { Float(10 * ($0 / 6) + $0 % 6) })
        let q = CoCosNetLosses.quarterNearest(label)
        XCTAssertEqual(q.shape, [1, 1, 2, 1])
        XCTAssertEqual(q.values, [0, 40])
    }
}
