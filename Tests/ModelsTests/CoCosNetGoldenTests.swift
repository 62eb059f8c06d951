// CoCosNet against the PyTorch expression of microsoft/CoCosNet (Fixtures/make_fixtures.py
// cocosnet; launch/reference/i2i_reference/cocosnet_model.py, cocosnet_networks.py,
// cocosnet_losses.py): 64 px, semantic_nc 6, narrow widths, a VGG19 narrowed 16 times with
// random weights, batch 2, from the same weights and spectral-norm vectors. Checked: every loss
// term of three iterations (G step then D step, TTUR Adam with eps 1e-3 on the generator side;
// the warp cycle and warp self terms switched on; self-reference flags (1, 0), (0, 1) and (0, 0),
// the last leaving fm and warp-self at 0), every gradient of the first iteration (netG and
// netCorr from the G loss, netD from the D loss), every spectral-norm vector after the three
// iterations (one power iteration per training forward: the image adaptor twice per G step,
// netD once per step on the stacked fake and real pairs), and the evaluation-mode translation
// with its warped exemplar.
import HDF5Kit
import Models
import NN
import TensorCore
import TestSupport
import XCTest

final class CoCosNetGoldenTests: XCTestCase {
    static let lossNames = [
        "no_vgg_feat", "G_warp_cycle", "G_warp_self", "GAN", "GAN_Feat", "fm", "perc", "contextual", "mask", "G_loss", "D_Fake",
        "D_real", "D_loss",
    ]

    /// The model of the fixture: its configuration (root attributes), initial weights and VGG19.
    static func referenceModel(_ root: HDF5Group) throws -> CoCosNet {
        var o = CoCosNetOptions()
        o.semanticChannels = try root.attribute("semantic_nc", as: Int.self)
        o.generatorChannels = try root.attribute("ngf", as: Int.self)
        o.discriminatorChannels = try root.attribute("ndf", as: Int.self)
        o.spadeHidden = try root.attribute("spade_hidden", as: Int.self)
        XCTAssertEqual(o.correspondenceFeatureChannels, try root.attribute("corr_feature_channel", as: Int.self))
        o.correspondenceInterChannels = try root.attribute("corr_inter_channels", as: Int.self)
        o.learningRate = try root.attribute("lr", as: Double.self)
        func weight(_ key: String) throws -> Float { Float(try root.attribute(key, as: Double.self)) }
        o.domainAlignmentWeight = try weight("novgg_featpair")
        o.ganWeight = try weight("weight_gan")
        o.featureMatchingWeight = try weight("lambda_feat")
        o.vggWeight = try weight("lambda_vgg")
        o.pseudoPairRatio = try weight("fm_ratio")
        o.perceptualWeight = try weight("weight_perceptual")
        o.contextualWeight = try weight("ctx_w")
        o.maskWeight = try weight("weight_mask")
        o.warpCycleWeight = try weight("warp_cycle_w")
        o.warpSelfWeight = try weight("warp_self_w")
        o.vgg19Weights = "fixture"
        o.vggWidthDivisor = try root.attribute("vgg_width_divisor", as: Int.self)
        XCTAssertNil(o.problem)
        let context = ModelBuildContext(seed: 1) { _, name, module in try module.loadState(from: root.openGroup("networks/\(name)")) }
        let model = try CoCosNet(options: o, seed: 1, context: context)
        for (name, net) in model.networks { try net.loadState(from: root.openGroup("networks/\(name)")) }
        return model
    }

    /// uint8 class ids [n, 1, H, W] as floats.
    static func labels(_ group: HDF5Group, _ path: String, shape: [Int]) throws -> Tensor {
        Tensor(shape: shape, values: try group.openDataset(path).read(as: UInt8.self).map { Float($0) })
    }

    /// uint8 pixels [n, 3, H, W] as x / 127.5 − 1.
    static func pixels(_ group: HDF5Group, _ path: String, shape: [Int]) throws -> Tensor {
        Tensor(shape: shape, values: try group.openDataset(path).read(as: UInt8.self).map { Float($0) / 127.5 - 1 })
    }

    func testTrainingMatchesTheReference() throws {
        let file = try HDF5File.open(modelFixtureFolder + "/cocosnet.h5")
        defer { try? file.close() }
        let model = try CoCosNetGoldenTests.referenceModel(file.root)
        XCTAssertNotNil(model.vgg, "the VGG19 terms need the frozen network")
        let size = try file.root.attribute("crop_size", as: Int.self), n = try file.root.attribute("batch", as: Int.self)

        // Translation of the initial weights, evaluation mode (no power iteration).
        for (_, net) in model.networks { net.eval() }
        let t = try file.root.openGroup("translation")
        let result = model.translate(
            TranslationRequest(
                images: try CoCosNetGoldenTests.labels(t, "label", shape: [1, 1, size, size]),
                exemplars: try CoCosNetGoldenTests.pixels(t, "exemplar_pixels", shape: [1, 3, size, size]),
                exemplarLabels: try CoCosNetGoldenTests.labels(t, "exemplar_label", shape: [1, 1, size, size])))
        assertClose(result.images, try readModelTensor(t, "out"), Tolerance(absolute: 2e-5, relative: 1e-4), path: "translation")
        assertClose(
            result.map("warped_exemplar")!.tensor, try readModelTensor(t, "warp_out"), Tolerance(absolute: 2e-5, relative: 1e-4),
            path: "warped exemplar")
        for (_, net) in model.networks { net.train() }

        // Tolerances from PyTorch's own float32 run of this fixture against its float64 reference
        // (same weights and batches): step 0's losses agree to 1e-6; the updates then carry
        // float32 rounding through τ = 0.01 softmaxes and sign-like Adam steps (β1 = 0) on weights
        // of order 1e-3, so after one update the losses differ by up to 1.9e-3 (G_warp_cycle) and
        // after two by up to 6.4e-3 (mask), and the spectral-norm vectors after three iterations
        // by up to 6.3e-3 (netCorr's adaptors, 3.7e-6 in netD). Step 0's gradients: see below.
        let context = RecordingStepContext()
        let lossTolerances = [5e-4, 6e-3, 1.5e-2].map { Tolerance(absolute: 1e-4, relative: $0) }
        var gradientErrors: [String: [(ratio: Double, key: String)]] = [:]
        for step in 0..<3 {
            let s = try file.root.openGroup("step\(step)")
            let flags = try readModelTensor(s, "self_ref").values
            let batch = TrainingBatch.paired(
                PairedBatch(
                    labels: try CoCosNetGoldenTests.labels(s, "label", shape: [n, 1, size, size]),
                    images: try CoCosNetGoldenTests.pixels(s, "image_pixels", shape: [n, 3, size, size]),
                    exemplars: try CoCosNetGoldenTests.pixels(s, "exemplar_pixels", shape: [n, 3, size, size]),
                    exemplarLabels: try CoCosNetGoldenTests.labels(s, "exemplar_label", shape: [n, 1, size, size]),
                    isSelfReference: flags.map { $0 > 0 }))
            context.recording = step == 0
            model.updateLearningRates(epoch: 0, iteration: step)
            let losses = model.trainStep(batch, epoch: 0, context: context)
            XCTAssertEqual(losses.map(\.name), CoCosNetGoldenTests.lossNames)
            let expected = try s.openGroup("losses")
            let byName = Dictionary(uniqueKeysWithValues: losses.map { ($0.name, $0.value) })
            var gTotal = 0.0
            let lossTolerance = lossTolerances[step]
            for name in CoCosNetGoldenTests.lossNames where !["G_loss", "D_loss"].contains(name) {
                let e = try expected.attribute(name, as: Double.self)
                if name.hasPrefix("D_") == false { gTotal += e }
                XCTAssertTrue(lossTolerance.accepts(Double(byName[name]!), e), "step \(step) \(name): \(byName[name]!) vs \(e)")
            }
            XCTAssertTrue(lossTolerance.accepts(Double(byName["G_loss"]!), gTotal), "step \(step) G_loss \(byName["G_loss"]!) vs \(gTotal)")
            guard step == 0 else { continue }
            let grads = try s.openGroup("grads")
            var networkPeaks: [String: Float] = [:]
            for (net, _) in model.networks {
                let group = try grads.openGroup(net)
                networkPeaks[net] =
                    try group.childNames.map { try readModelTensor(group, $0).values.reduce(Float(0)) { Swift.max($0, Swift.abs($1)) } }
                    .max() ?? 0
            }
            var compared = 0
            for (net, module) in model.networks {
                let group = try grads.openGroup(net)
                for (key, _) in module.namedParameters() where group.contains(key) {
                    guard let got = context.gradients["\(net).\(key)"] else {
                        XCTFail("no gradient recorded for \(net).\(key)")
                        continue
                    }
                    // The largest error over the scale max(tensor's peak, 1e-4 × the network's
                    // largest gradient) (a conv bias before an instance norm has a gradient of 0
                    // up to rounding); its limits follow the loop.
                    let expected = try readModelTensor(group, key)
                    let peak = expected.values.reduce(Float(0)) { Swift.max($0, Swift.abs($1)) }
                    let scale = Swift.max(peak, 1e-4 * networkPeaks[net]!)
                    let error = zip(got.values, expected.values).reduce(Float(0)) { Swift.max($0, Swift.abs($1.0 - $1.1)) }
                    gradientErrors[net, default: []].append((Double(error / scale), key))
                    compared += 1
                }
            }
            // Limits from the float32 spread of this fixture: float32 rounding alone moves some of
            // netG's and netCorr's step-0 gradients by percents (the correspondence's τ = 0.01
            // softmax over positional-normed features and the positional norms amplify it). PyTorch's
            // own float32 run against the float64 file: median 2.1e-5, 90th percentile 2.0e-4,
            // maximum 4.1e-2 (netCorr.adaptive_model_seg.layer5.0.weight_orig;
            // Fixtures/cocosnet_float32_spread.py). i2i's errors depend on which convs take
            // Winograd (each choice rounds differently), 2026-12-03: Winograd at every size, largest
            // 2.3e-3; im2col only, netCorr's largest 4.1e-2 (the same tensor as PyTorch's), medians
            // 8e-5 (netG) and 1.4e-5 (netCorr); the default choice, netG's largest 4.6e-2
            // (attn.gamma) and its median 4.3e-3 — a coherent shift of the whole generator, the
            // kind a near-tie decided the other way by rounding produces: in the relu4_2 contextual
            // term a row's two smallest distances lie 4.0e-6 apart (d ≈ 0.37, float64), and the
            // min's gradient goes to whichever rounding makes smaller. So: every tensor within
            // 1e-1, the median of each of netG and netCorr within 1e-2 (a wrong loss term's
            // gradient moves most tensors by more), and netD — not behind the correspondence;
            // 2.8e-6 at most — within 1e-4. The networks' own gradients are held to 1e-3 in
            // CoCosNetNetworkTests.
            for (net, errors) in gradientErrors {
                let ratios = errors.map(\.ratio).sorted()
                let worst = errors.max { $0.ratio < $1.ratio }!
                print(
                    "CoCosNet golden: \(net) step-0 gradient errors: median \(ratios[ratios.count / 2]), largest \(worst.ratio) (\(worst.key))"
                )
                let limit = net == "netD" ? 1e-4 : 1e-1
                for (ratio, key) in errors {
                    XCTAssertLessThanOrEqual(ratio, limit, "\(net).\(key) gradient: largest error \(ratio) of its scale")
                }
                if net != "netD" {
                    XCTAssertLessThanOrEqual(ratios[ratios.count / 2], 1e-2, "\(net): median step-0 gradient error")
                }
            }
            // Every parameter but netD's unused segmentation decoder (`dec`, 2 scales × its convs).
            let decoder = model.netD.namedParameters().filter { $0.path.contains(".dec.") }.count
            XCTAssertGreaterThan(decoder, 0)
            XCTAssertEqual(compared, model.networks.reduce(0) { $0 + $1.module.namedParameters().count } - decoder)
        }

        var vectors = 0
        for (net, module) in model.networks {
            let final = try file.root.openGroup("final/\(net)")
            let tolerance = net == "netD" ? Tolerance(absolute: 1e-4, relative: 0) : Tolerance(absolute: 1.5e-2, relative: 0)
            for (key, buffer) in module.namedBuffers() where key.hasSuffix("weight_u") || key.hasSuffix("weight_v") {
                assertClose(buffer.value, try readModelTensor(final, key), tolerance, path: "\(net).\(key)")
                vectors += 1
            }
        }
        XCTAssertGreaterThan(vectors, 0)
    }
}
