// MUNIT and MUNIT with self-attention against PyTorch expressions of the official code
// (Fixtures/make_fixtures.py munit / munit_sa, launch/reference/i2i_reference/munit_*.py):
// tiny configurations from the same weights, the reference's style codes fed in draw order;
// every loss term over three iterations (D step then G step, each with Adam, weight decay and
// the schedule) and every parameter gradient of the first iteration (the attention blocks'
// included: the fixture sets their gamma away from the official 0).
// The L1 terms' gradient is the sign of each difference, so a difference that float32 rounding
// moves across 0 changes every gradient upstream of it by a step (2·w / numel at that pixel);
// the fixtures keep step 0's differences ≥ 1e-4 from 0 (make_fixtures.py asserts it). With
// self-attention the decoder's softmax is sharp (energies up to 14) and amplifies rounding:
// im2col stays within 2.3e-4 absolute of the float64 gradients (measured), Winograd's larger
// rounding flips some differences (gradients off by up to 0.14, and through Adam the later
// steps' losses by 3e-4), so with self-attention the Winograd run compares step 0's losses only.
import Checkpointing
import HDF5Kit
import Models
import NN
import TensorCore
import TestSupport
import XCTest

final class MUNITGoldenTests: XCTestCase {
    static let lossNames = [
        "dis_a", "dis_b", "dis_total", "gen_adv_a", "gen_adv_b", "gen_recon_x_a", "gen_recon_x_b", "gen_recon_s_a",
        "gen_recon_s_b", "gen_recon_c_a", "gen_recon_c_b", "gen_cycrecon_x_a", "gen_cycrecon_x_b", "gen_total",
    ]

    func testMUNITLossesAndGradientsMatchTheReference() throws {
        try checkAgainstReference(file: "munit.h5", selfAttention: false)
    }

    func testSelfAttentionLossesAndGradientsMatchTheReference() throws {
        try checkAgainstReference(file: "munit_sa.h5", selfAttention: true)
    }

    /// Float32 against the float64 reference: UNIT's golden tolerance for MUNIT (both conv
    /// paths), 2e-4 absolute for self-attention with im2col, none (step 0's losses only) with Winograd.
    private func gradientTolerance(selfAttention: Bool, winograd: Bool) -> Tolerance? {
        if !selfAttention { return Tolerance(absolute: 5e-5, relative: 1e-3) }
        return winograd ? nil : Tolerance(absolute: 2e-4, relative: 1e-3)
    }

    /// The model of a fixture file: its configuration (root attributes) and initial weights.
    static func referenceModel(_ root: HDF5Group) throws -> MUNIT {
        var o = MUNITOptions()
        o.selfAttention = try root.attribute("self_attention", as: Int.self) != 0
        o.genDim = try root.attribute("dim", as: Int.self)
        o.styleDim = try root.attribute("style_dim", as: Int.self)
        o.mlpDim = try root.attribute("mlp_dim", as: Int.self)
        o.downsample = try root.attribute("n_downsample", as: Int.self)
        o.residualBlocks = try root.attribute("n_res", as: Int.self)
        o.disDim = try root.attribute("dis_dim", as: Int.self)
        o.disLayers = try root.attribute("dis_n_layer", as: Int.self)
        o.disScales = try root.attribute("num_scales", as: Int.self)
        o.ganWeight = Float(try root.attribute("gan_w", as: Double.self))
        o.reconXWeight = Float(try root.attribute("recon_x_w", as: Double.self))
        o.reconSWeight = Float(try root.attribute("recon_s_w", as: Double.self))
        o.reconCWeight = Float(try root.attribute("recon_c_w", as: Double.self))
        o.reconXCycleWeight = Float(try root.attribute("recon_x_cyc_w", as: Double.self))
        let model = try MUNIT(options: o, seed: 1, rank: 0)
        for (name, net) in model.networks { try net.loadState(from: root.openGroup("networks/\(name)")) }
        return model
    }

    private func checkAgainstReference(file name: String, selfAttention: Bool) throws {
        // Both convolution paths: im2col, and Winograd where it applies (3×3 convs with ≥ 16
        // channels, at any map size: the tiny maps here would otherwise take im2col).
        let saved = (ConvolutionSettings.winograd, ConvolutionSettings.winogradMaximumRelativeWork)
        defer { (ConvolutionSettings.winograd, ConvolutionSettings.winogradMaximumRelativeWork) = saved }
        ConvolutionSettings.winogradMaximumRelativeWork = .infinity
        for winograd in [false, true] {
            ConvolutionSettings.winograd = winograd
            try checkAgainstReference(
                file: name, selfAttention: selfAttention, label: "winograd \(winograd)",
                gradients: gradientTolerance(selfAttention: selfAttention, winograd: winograd))
        }
    }

    private func checkAgainstReference(file name: String, selfAttention: Bool, label: String, gradients: Tolerance?) throws {
        let file = try HDF5File.open(modelFixtureFolder + "/" + name)
        defer { try? file.close() }
        let model = try MUNITGoldenTests.referenceModel(file.root)
        XCTAssertEqual(model.options.selfAttention, selfAttention)
        let context = RecordingStepContext()
        let lossTolerance = Tolerance(absolute: 1e-5, relative: 2e-4)
        let drawsPerStep = 4
        for step in 0..<(gradients == nil ? 1 : 3) {
            let s = try file.root.openGroup("step\(step)")
            var draws = try (0..<drawsPerStep).map { try readModelTensor(s, "noise/\($0)") }
            model.noiseOverride = { shape in
                guard !draws.isEmpty else {
                    XCTFail("step \(step): more style draws than the reference's \(drawsPerStep)")
                    return Tensor.zeros(shape)
                }
                let next = draws.removeFirst()
                XCTAssertEqual(next.shape, shape, "step \(step): style draw \(drawsPerStep - draws.count - 1)")
                return next
            }
            let batch = TrainingBatch.unpaired(ImageBatch(a: try readModelTensor(s, "a"), b: try readModelTensor(s, "b")))
            context.recording = step == 0
            model.updateLearningRates(epoch: 0, iteration: step)
            let losses = model.trainStep(batch, epoch: 0, context: context)
            XCTAssertTrue(draws.isEmpty, "step \(step): \(draws.count) of the reference's style draws unused")
            XCTAssertEqual(losses.map(\.name), MUNITGoldenTests.lossNames)
            let expected = try s.openGroup("losses")
            for (lossName, value) in losses {
                let e = try expected.attribute(lossName, as: Double.self)
                XCTAssertTrue(lossTolerance.accepts(Double(value), e), "\(name) \(label) step \(step) \(lossName): \(value) vs \(e)")
            }
            guard step == 0, let gradientTolerance = gradients else { continue }
            let grads = try s.openGroup("grads")
            var compared = 0
            for (net, module) in model.networks {
                for (key, _) in module.namedParameters() {
                    let expectedGrad = try readModelTensor(grads, "\(net)/\(key)")
                    guard let got = context.gradients["\(net).\(key)"] else {
                        XCTFail("no gradient recorded for \(net).\(key)")
                        continue
                    }
                    assertClose(got, expectedGrad, gradientTolerance, path: "\(name) \(label) \(net).\(key) gradient")
                    compared += 1
                }
            }
            XCTAssertEqual(compared, model.networks.reduce(0) { $0 + $1.module.namedParameters().count })
        }
    }
}

extension MUNIT: NoiseFed {}
