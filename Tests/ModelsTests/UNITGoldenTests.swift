// UNIT, both variants, against PyTorch expressions of the official code
// (Fixtures/make_fixtures.py, launch/reference/i2i_reference/unit_*.py): tiny configurations
// from the same weights, the reference's latent noise fed in draw order; every loss term over
// three iterations (D step then G step, each with Adam, weight decay and the schedule) and every
// parameter gradient of the first iteration.
import Checkpointing
import HDF5Kit
import Models
import NN
import TensorCore
import TestSupport
import XCTest

final class UNITGoldenTests: XCTestCase {
    func testMasterLossesAndGradientsMatchTheReference() throws {
        try checkAgainstReference(
            file: "unit.h5", variant: .master,
            losses: [
                "dis_a", "dis_b", "dis_total", "gen_adv_a", "gen_adv_b", "gen_recon_x_a", "gen_recon_x_b", "gen_recon_kl_a",
                "gen_recon_kl_b", "gen_cyc_x_a", "gen_cyc_x_b", "gen_recon_kl_cyc_aba", "gen_recon_kl_cyc_bab", "gen_total",
            ],
            noiseDraws: 6)
    }

    func testPaperLossesAndGradientsMatchTheReference() throws {
        try checkAgainstReference(
            file: "unit_paper.h5", variant: .paper,
            losses: [
                "dis_a", "dis_b", "dis_total", "gen_ad_a", "gen_ad_b", "gen_ll_a", "gen_ll_b", "gen_ll_aba", "gen_ll_bab",
                "gen_enc", "gen_enc_aba", "gen_enc_bab", "gen_total",
            ],
            noiseDraws: 4)
    }

    /// The model of a fixture file: its configuration (root attributes) and initial weights.
    private func referenceModel(_ root: HDF5Group, variant: UNITVariant) throws -> GANModel & NoiseFed {
        var o = UNITOptions()
        o.variant = variant
        o.disLayers = try root.attribute("dis_n_layer", as: Int.self)
        switch variant {
        case .master:
            o.genDim = try root.attribute("dim", as: Int.self)
            o.downsample = try root.attribute("n_downsample", as: Int.self)
            o.residualBlocks = try root.attribute("n_res", as: Int.self)
            o.disDim = try root.attribute("dis_dim", as: Int.self)
            o.disScales = try root.attribute("num_scales", as: Int.self)
        case .paper:
            o.genDim = try root.attribute("ch", as: Int.self)
            o.encoderFrontBlocks = try root.attribute("n_enc_front_blk", as: Int.self)
            o.encoderResidualBlocks = try root.attribute("n_enc_res_blk", as: Int.self)
            o.encoderSharedBlocks = try root.attribute("n_enc_shared_blk", as: Int.self)
            o.generatorSharedBlocks = try root.attribute("n_gen_shared_blk", as: Int.self)
            o.generatorResidualBlocks = try root.attribute("n_gen_res_blk", as: Int.self)
            o.generatorFrontBlocks = try root.attribute("n_gen_front_blk", as: Int.self)
            o.disDim = try root.attribute("dis_ch", as: Int.self)
        }
        let model: GANModel & NoiseFed =
            variant == .master ? try UNIT(options: o, seed: 1, rank: 0) : UNITPaper(options: o, seed: 1, rank: 0)
        for (name, net) in model.networks { try net.loadState(from: root.openGroup("networks/\(name)")) }
        return model
    }

    private func checkAgainstReference(
        file name: String, variant: UNITVariant, losses lossNames: [String], noiseDraws: Int
    ) throws {
        // Both convolution paths: im2col, and Winograd where it applies (3×3 convs with ≥ 16
        // channels, at any map size: the tiny maps here would otherwise take im2col).
        let saved = (ConvolutionSettings.winograd, ConvolutionSettings.winogradMaximumRelativeWork)
        defer { (ConvolutionSettings.winograd, ConvolutionSettings.winogradMaximumRelativeWork) = saved }
        ConvolutionSettings.winogradMaximumRelativeWork = .infinity
        for winograd in [false, true] {
            ConvolutionSettings.winograd = winograd
            try checkAgainstReference(
                file: name, variant: variant, losses: lossNames, noiseDraws: noiseDraws, label: "winograd \(winograd)")
        }
    }

    private func checkAgainstReference(
        file name: String, variant: UNITVariant, losses lossNames: [String], noiseDraws: Int, label: String
    ) throws {
        let file = try HDF5File.open(modelFixtureFolder + "/" + name)
        defer { try? file.close() }
        let model = try referenceModel(file.root, variant: variant)
        let context = RecordingStepContext()
        let lossTolerance = Tolerance(absolute: 1e-5, relative: 2e-4)
        for step in 0..<3 {
            let s = try file.root.openGroup("step\(step)")
            var draws = try (0..<noiseDraws).map { try readModelTensor(s, "noise/\($0)") }
            model.noiseOverride = { shape in
                guard !draws.isEmpty else {
                    XCTFail("step \(step): more noise draws than the reference's \(noiseDraws)")
                    return Tensor.zeros(shape)
                }
                let next = draws.removeFirst()
                XCTAssertEqual(next.shape, shape, "step \(step): noise draw \(noiseDraws - draws.count - 1)")
                return next
            }
            let batch = TrainingBatch.unpaired(ImageBatch(a: try readModelTensor(s, "a"), b: try readModelTensor(s, "b")))
            context.recording = step == 0
            model.updateLearningRates(epoch: 0, iteration: step)
            let losses = model.trainStep(batch, epoch: 0, context: context)
            XCTAssertTrue(draws.isEmpty, "step \(step): \(draws.count) of the reference's noise draws unused")
            XCTAssertEqual(losses.map(\.name), lossNames)
            let expected = try s.openGroup("losses")
            for (lossName, value) in losses {
                let e = try expected.attribute(lossName, as: Double.self)
                XCTAssertTrue(lossTolerance.accepts(Double(value), e), "\(name) \(label) step \(step) \(lossName): \(value) vs \(e)")
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
                    // Float32 against a float64 reference. Measured worst cases: 1.2e-5 on a bias
                    // that precedes an instance norm (mathematically 0) with im2col; 4.2e-5 on
                    // gen_a's first conv with Winograd, whose gradient passes four networks in the
                    // cycle path (PyTorch's float32 run of the same step stays within 1e-5 + 1e-3·|e|).
                    assertClose(
                        got, expectedGrad, Tolerance(absolute: 5e-5, relative: 1e-3), path: "\(name) \(label) \(net).\(key) gradient")
                    compared += 1
                }
            }
            XCTAssertEqual(compared, model.networks.reduce(0) { $0 + $1.module.namedParameters().count })
        }
    }
}

/// A model whose latent noise a test can supply.
protocol NoiseFed: AnyObject {
    var noiseOverride: ((_ shape: [Int]) -> Tensor)? { get set }
}

extension UNIT: NoiseFed {}
extension UNITPaper: NoiseFed {}
