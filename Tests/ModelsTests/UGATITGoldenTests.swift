// U-GAT-IT full and light against the PyTorch expression of znxlwm/UGATIT-pytorch
// (Fixtures/make_fixtures.py ugatit / ugatit_light, launch/reference/i2i_reference/ugatit_*.py):
// 96 px (the global discriminator's minimum), ch 2, n_res 2, batch 2, from the same weights and
// spectral-norm vectors. Checked: every loss term of three iterations (D step then G step, each
// with Adam, coupled weight decay and the linear decay, which halves the rate of the third
// iteration of a 4-iteration schedule), every parameter gradient of the first iteration (the
// CAM's weight_orig re-weighting and the BCE CAM losses included), every ρ after the three
// iterations (clipped to [0, 1] after each G step: the fixture has ρ values on the bounds) and
// every spectral-norm vector u, v after them (one power iteration per training forward: three
// per discriminator and iteration), and the evaluation-mode translation and heat map.
import HDF5Kit
import Models
import NN
import TensorCore
import TestSupport
import XCTest

final class UGATITGoldenTests: XCTestCase {
    static let lossNames =
        ["GA", "LA", "GB", "LB"].flatMap { ["D_ad_loss_\($0)", "D_ad_cam_loss_\($0)"] }
        + ["D_loss_A", "D_loss_B", "Discriminator_loss"]
        + ["GA", "LA", "GB", "LB"].flatMap { ["G_ad_loss_\($0)", "G_ad_cam_loss_\($0)"] }
        + [
            "G_recon_loss_A", "G_recon_loss_B", "G_identity_loss_A", "G_identity_loss_B", "G_cam_loss_A", "G_cam_loss_B",
            "G_loss_A", "G_loss_B", "Generator_loss",
        ]

    func testFullModelMatchesTheReference() throws {
        try checkAgainstReference(file: "ugatit.h5", light: false)
    }

    func testLightModelMatchesTheReference() throws {
        try checkAgainstReference(file: "ugatit_light.h5", light: true)
    }

    /// The model of a fixture file: its configuration (root attributes) and initial weights.
    static func referenceModel(_ root: HDF5Group) throws -> UGATIT {
        var o = UGATITOptions()
        o.light = try root.attribute("light", as: Int.self) != 0
        o.channels = try root.attribute("ch", as: Int.self)
        o.residualBlocks = try root.attribute("n_res", as: Int.self)
        o.imageSize = try root.attribute("img_size", as: Int.self)
        o.advWeight = Float(try root.attribute("adv_weight", as: Double.self))
        o.cycleWeight = Float(try root.attribute("cycle_weight", as: Double.self))
        o.identityWeight = Float(try root.attribute("identity_weight", as: Double.self))
        o.camWeight = Float(try root.attribute("cam_weight", as: Double.self))
        o.learningRate = try root.attribute("lr", as: Double.self)
        o.weightDecay = try root.attribute("weight_decay", as: Double.self)
        o.iterations = try root.attribute("iteration", as: Int.self)
        o.decay = try root.attribute("decay_flag", as: Int.self) != 0
        XCTAssertNil(o.problem)
        let model = UGATIT(options: o, seed: 1)
        for (name, net) in model.networks { try net.loadState(from: root.openGroup("networks/\(name)")) }
        return model
    }

    /// uint8 pixels (any layout) as x / 127.5 − 1 in `shape`.
    static func pixels(_ group: HDF5Group, _ path: String, shape: [Int]) throws -> Tensor {
        let bytes = try group.openDataset(path).read(as: UInt8.self)
        return Tensor(shape: shape, values: bytes.map { Float($0) / 127.5 - 1 })
    }

    private func checkAgainstReference(file name: String, light: Bool) throws {
        let file = try HDF5File.open(modelFixtureFolder + "/" + name)
        defer { try? file.close() }
        let model = try UGATITGoldenTests.referenceModel(file.root)
        XCTAssertEqual(model.options.light, light)
        let size = model.options.imageSize, n = try file.root.attribute("batch", as: Int.self)

        // Translation and heat map of the initial weights, evaluation mode (no power iteration).
        for (_, net) in model.networks { net.eval() }
        let hwc = try file.root.openDataset("translation/input_pixels").read(as: UInt8.self)
        var chw = [Float](repeating: 0, count: 3 * size * size)
        for i in 0..<(size * size) { for c in 0..<3 { chw[c * size * size + i] = Float(hwc[i * 3 + c]) / 127.5 - 1 } }
        let image = Tensor(shape: [1, 3, size, size], values: chw)
        for direction in Direction.allCases {
            let result = model.translate(image, direction: direction)
            let d = direction.rawValue
            assertClose(
                result.images, try readModelTensor(file.root, "translation/\(d)"), Tolerance(absolute: 2e-5, relative: 1e-4),
                path: "\(name) translation \(d)")
            let raw = (direction == .a2b ? model.genA2B : model.genB2A)(image).heatmap
            assertClose(
                raw, try readModelTensor(file.root, "translation/\(d)_heatmap"), Tolerance(absolute: 1e-4, relative: 1e-4),
                path: "\(name) heat map \(d)")
            assertClose(
                result.map("heatmap")!.tensor, try readModelTensor(file.root, "translation/\(d)_heatmap_image"),
                Tolerance(absolute: 2e-5, relative: 1e-4), path: "\(name) heat map image \(d)")
        }
        for (_, net) in model.networks { net.train() }

        let context = RecordingStepContext()
        let lossTolerance = Tolerance(absolute: 1e-5, relative: 2e-4)
        for step in 0..<3 {
            let s = try file.root.openGroup("step\(step)")
            let shape = [n, 3, size, size]
            let batch = TrainingBatch.unpaired(
                ImageBatch(
                    a: try UGATITGoldenTests.pixels(s, "a_pixels", shape: shape),
                    b: try UGATITGoldenTests.pixels(s, "b_pixels", shape: shape)))
            context.recording = step == 0
            model.updateLearningRates(epoch: 0, iteration: step)
            let losses = model.trainStep(batch, epoch: 0, context: context)
            XCTAssertEqual(losses.map(\.name), UGATITGoldenTests.lossNames)
            let expected = try s.openGroup("losses")
            for (lossName, value) in losses {
                let e = try expected.attribute(lossName, as: Double.self)
                XCTAssertTrue(lossTolerance.accepts(Double(value), e), "\(name) step \(step) \(lossName): \(value) vs \(e)")
            }
            guard step == 0 else { continue }
            let grads = try s.openGroup("grads")
            var compared = 0
            for (net, module) in model.networks {
                for (key, _) in module.namedParameters() {
                    let expectedGrad = try readModelTensor(grads, "\(net)/\(key)")
                    guard let got = context.gradients["\(net).\(key)"] else {
                        XCTFail("no gradient recorded for \(net).\(key)")
                        continue
                    }
                    assertClose(got, expectedGrad, Tolerance(absolute: 5e-5, relative: 1e-3), path: "\(name) \(net).\(key) gradient")
                    compared += 1
                }
            }
            XCTAssertEqual(compared, model.networks.reduce(0) { $0 + $1.module.namedParameters().count })
        }
        XCTAssertEqual(model.optimizerG.groups[0].group.learningRate, model.options.learningRate / 2, accuracy: 1e-12)

        // ρ after three clipped G steps, and the power-iteration vectors after nine iterations each.
        var rhosOnBounds = 0, vectors = 0
        for (net, module) in model.networks {
            let final = try file.root.openGroup("final/\(net)")
            for (key, parameter) in module.namedParameters() where key.hasSuffix("rho") {
                let expected = try readModelTensor(final, key)
                assertClose(parameter.value, expected, Tolerance(absolute: 1e-6, relative: 1e-4), path: "\(name) \(net).\(key)")
                rhosOnBounds += expected.values.filter { $0 == 0 || $0 == 1 }.count
                XCTAssertTrue(parameter.value.values.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(net).\(key) outside [0, 1]")
            }
            for (key, buffer) in module.namedBuffers() where key.hasSuffix("weight_u") || key.hasSuffix("weight_v") {
                assertClose(
                    buffer.value, try readModelTensor(final, key), Tolerance(absolute: 1e-5, relative: 1e-3), path: "\(name) \(net).\(key)")
                vectors += 1
            }
        }
        XCTAssertGreaterThan(rhosOnBounds, 0, "the fixture should exercise the ρ clipping")
        // Spectral norms: n_layers − 1 convs in `model`, gap_fc, gmp_fc and `conv`: 9 global, 7 local.
        XCTAssertEqual(vectors, 2 * (2 * 9 + 2 * 7), "every spectral norm's u and v")
    }
}
