// CoCosNet's networks against their PyTorch expression (launch/reference/i2i_reference/
// cocosnet_networks.py; Fixtures/make_fixtures.py cocosnet_networks): the same weights on a copy
// narrowed to 64 px, semantic_nc 6, ngf 2, ndf 4 (every option otherwise at the ADE20k command's
// value), one training-mode forward and backward of each network — the adaptor features, the
// warped exemplar, warped mask and warp cycle, the generator's output, every discriminator
// feature, the gradient of a scalar function of the outputs in every parameter and input, and
// the spectral-norm vectors after the power iterations. Also the parameter counts at the ADE20k
// defaults (microsoft/CoCosNet instantiated: netG 96,664,260, netCorr 59,315,716, netD
// 6,862,194) and the official initialisation.
import HDF5Kit
import Models
import NN
import TensorCore
import TestSupport
import XCTest

final class CoCosNetNetworkTests: XCTestCase {
    /// Built for real at the defaults (construction only, no forward).
    func testParameterCountsAtTheADE20kDefaults() {
        let o = CoCosNetOptions()
        XCTAssertNil(o.architectureProblem)
        var s = RandomStream(seed: 0, purpose: "count")
        XCTAssertEqual(CoCosNetGenerator(options: o, stream: &s).parameterCount, 96_664_260)
        XCTAssertEqual(CoCosNetCorrespondence(options: o, stream: &s).parameterCount, 59_315_716)
        XCTAssertEqual(CoCosNetDiscriminator(options: o, stream: &s).parameterCount, 6_862_194)
    }

    /// The options of the fixture's `CoCosNetConfig` (its root attributes).
    static func fixtureOptions(_ root: HDF5Group) throws -> CoCosNetOptions {
        var o = CoCosNetOptions()
        o.semanticChannels = try root.attribute("semantic_nc", as: Int.self)
        o.generatorChannels = try root.attribute("ngf", as: Int.self)
        o.discriminatorChannels = try root.attribute("ndf", as: Int.self)
        o.adaptorKernel = try root.attribute("adaptor_kernel", as: Int.self)
        o.warpStride = try root.attribute("warp_stride", as: Int.self)
        o.matchKernel = try root.attribute("match_kernel", as: Int.self)
        o.maskMix = try root.attribute("maskmix", as: Int.self) != 0
        o.useAttention = try root.attribute("use_attention", as: Int.self) != 0
        o.ponoC = try root.attribute("pono_c", as: Int.self) != 0
        o.discriminatorLayers = try root.attribute("n_layers_D", as: Int.self)
        o.discriminatorScales = try root.attribute("num_D", as: Int.self)
        o.spadeHidden = try root.attribute("spade_hidden", as: Int.self)
        XCTAssertEqual(o.correspondenceFeatureChannels, try root.attribute("corr_feature_channel", as: Int.self))
        o.correspondenceInterChannels = try root.attribute("corr_inter_channels", as: Int.self)
        o.temperature = Float(try root.attribute("temperature", as: Double.self))
        return o
    }

    /// Compares relative to the largest expected magnitude of the tensor.
    ///
    /// |a − e| ≤ scale·max|e| + 1e-7 + 1e-4·|e| (float32 against float64 through a softmax at
    /// τ = 0.01 and spectral, instance and positional norms). The 1e-7 floor covers the conv
    /// biases in front of an instance norm, whose gradient is 0 (1e-17 in float64, 1e-8 in float32).
    func assertScaledClose(
        _ actual: Tensor?, _ expected: Tensor, scale: Double, path: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        guard let actual else { return XCTFail("\(path): no tensor", file: file, line: line) }
        let peak = expected.values.reduce(0) { Swift.max($0, Double(Swift.abs($1))) }
        assertClose(actual, expected, Tolerance(absolute: scale * peak + 1e-7, relative: 1e-4), path: path, file: file, line: line)
    }

    func testForwardAndGradientsMatchThePyTorchExpression() throws {
        let file = try HDF5File.open(modelFixtureFolder + "/cocosnet_networks.h5")
        defer { try? file.close() }
        let root = file.root
        let o = try Self.fixtureOptions(root)
        XCTAssertNil(o.architectureProblem)
        var stream = RandomStream(seed: 0, purpose: "cocosnet")
        let corr = CoCosNetCorrespondence(options: o, stream: &stream)
        let gen = CoCosNetGenerator(options: o, stream: &stream)
        let dis = CoCosNetDiscriminator(options: o, stream: &stream)
        let nets: [(String, Module)] = [("netCorr", corr), ("netG", gen), ("netD", dis)]
        for (name, net) in nets {
            // Every parameter and buffer by its state_dict key; no key left over on either side.
            let official = Set(try root.openGroup("networks/\(name)").childNames)
            XCTAssertEqual(Set(net.stateTensors().map(\.key)), official, name)
            try net.loadState(from: root.openGroup("networks/\(name)"))
        }
        let label = try readModelTensor(root, "inputs/label"), exemplar = try readModelTensor(root, "inputs/exemplar")
        let exemplarLabel = try readModelTensor(root, "inputs/exemplar_label"), real = try readModelTensor(root, "inputs/real")

        // netCorr, then the domain-alignment pass of the real image (the official order of the
        // image adaptor's two power iterations).
        let out = corr(labelMap: label, exemplar: exemplar, exemplarLabelMap: exemplarLabel, warpCycle: true)
        let realFeatures = corr.imageFeatures(real)
        let featureTolerance = 2e-5
        assertScaledClose(out.labelFeatures, try readModelTensor(root, "corr/feature_seg"), scale: featureTolerance, path: "feature_seg")
        assertScaledClose(out.exemplarFeatures, try readModelTensor(root, "corr/feature_img"), scale: featureTolerance, path: "feature_img")
        assertScaledClose(realFeatures, try readModelTensor(root, "corr/feature_real"), scale: featureTolerance, path: "feature_real")
        assertScaledClose(out.warpedImage, try readModelTensor(root, "corr/warp_out"), scale: 1e-4, path: "warp_out")
        assertScaledClose(out.warpedMask, try readModelTensor(root, "corr/warp_mask"), scale: 1e-4, path: "warp_mask")
        assertScaledClose(out.warpCycle, try readModelTensor(root, "corr/warp_cycle"), scale: 1e-4, path: "warp_cycle")
        let lossCorr =
            10 * l1Loss(out.labelFeatures, realFeatures) + out.warpedImage.squared().mean() + 3 * out.warpedMask.squared().mean()
            + 2 * out.warpCycle!.squared().mean()
        lossCorr.backward()
        try assertLoss(lossCorr, root, "loss_corr")

        // netG on the reference's warp (a leaf, for its gradient).
        let warped = try readModelTensor(root, "gen/warped")
        warped.requiresGrad = true
        let fake = gen(warped: warped, labelMap: label)
        assertScaledClose(fake, try readModelTensor(root, "gen/out"), scale: 1e-5, path: "netG output")
        let lossGen = (fake - real).squared().mean()
        lossGen.backward()
        try assertLoss(lossGen, root, "loss_gen")
        assertScaledClose(warped.grad, try readModelTensor(root, "gen/grad_warped"), scale: 1e-4, path: "∂netG loss/∂warped")

        // netD on concat(label, real).
        let image = real.detached()
        image.requiresGrad = true
        let scales = dis(labelMap: label, image: image)
        XCTAssertEqual(scales.map(\.count), [5, 5])
        var lossDis = Tensor.zeros([])
        for (i, features) in scales.enumerated() {
            for (j, t) in features.enumerated() {
                assertScaledClose(t, try readModelTensor(root, "dis/\(i)_\(j)"), scale: 1e-5, path: "netD scale \(i) layer \(j)")
                lossDis = lossDis + Float(j + 1) * t.squared().mean()
            }
            lossDis = lossDis + features[features.count - 1].mean()
        }
        lossDis.backward()
        try assertLoss(lossDis, root, "loss_dis")
        assertScaledClose(image.grad, try readModelTensor(root, "dis/grad_image"), scale: 1e-4, path: "∂netD loss/∂image")

        // Parameter gradients within 1e-3 of each tensor's peak: PyTorch itself in float32 on these
        // weights is 2.5e-4 of the peak off its float64 gradients in netG's up_3 and 1e-4 in
        // netCorr's trunk PReLU slopes (measured with the fixture's weights and inputs).
        for (name, net) in nets {
            let grads = try root.openGroup("grads/\(name)")
            let present = Set(try grads.childNames)
            var worst = (ratio: 0.0, key: "")
            for (key, parameter) in net.namedParameters() {
                if present.contains(key) {
                    let expected = try readModelTensor(grads, key)
                    assertScaledClose(parameter.gradient, expected, scale: 1e-3, path: "\(name) ∂/∂\(key)")
                    if let actual = parameter.gradient {
                        let peak = expected.values.reduce(0) { Swift.max($0, Swift.abs($1)) }
                        let error = zip(actual.values, expected.values).reduce(0) { Swift.max($0, Swift.abs($1.0 - $1.1)) }
                        if peak > 1e-6, Double(error / peak) > worst.ratio { worst = (Double(error / peak), key) }
                    }
                } else {
                    // Only the discriminators' unused decoder has no gradient in PyTorch.
                    XCTAssertTrue(key.contains(".dec."), "\(name) \(key) has no reference gradient")
                    XCTAssertTrue(parameter.gradient.map { $0.values.allSatisfy { $0 == 0 } } ?? true, "\(name) \(key)")
                }
            }
            // The power iterations ran as in PyTorch (one per training forward of each SN layer).
            let final = try root.openGroup("final/\(name)")
            for (key, buffer) in net.namedBuffers() {
                assertScaledClose(buffer.value, try readModelTensor(final, key), scale: 1e-5, path: "\(name) \(key) after the forwards")
            }
            XCTAssertEqual(Set(net.namedBuffers().map(\.path)), Set(try final.childNames), name)
            print("\(name): largest gradient error \(String(format: "%.2e", worst.ratio)) of the tensor's peak (\(worst.key))")
        }
    }

    func assertLoss(_ loss: Tensor, _ root: HDF5Group, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let expected = try root.attribute(name, as: Double.self)
        XCTAssertTrue(
            Tolerance(absolute: 1e-6, relative: 1e-4).accepts(Double(loss.item), expected), "\(name) \(loss.item) vs \(expected)",
            file: file, line: line)
    }

    /// Xavier normal × 0.02 on every conv weight (spectral-norm `weight_orig` included), biases 0,
    /// PReLU slopes 0.25, attention γ 0 (a scalar), unit spectral-norm vectors.
    func testOfficialInitialisation() {
        var o = CoCosNetOptions()
        o.semanticChannels = 6
        o.generatorChannels = 16
        o.discriminatorChannels = 16
        o.spadeHidden = 32
        o.correspondenceInterChannels = 32
        var s = RandomStream(seed: 3, purpose: "init")
        let nets: [Module] = [
            CoCosNetCorrespondence(options: o, stream: &s), CoCosNetGenerator(options: o, stream: &s),
            CoCosNetDiscriminator(options: o, stream: &s),
        ]
        var checkedWeights = 0
        for net in nets {
            for (path, module) in net.namedModules() {
                if let conv = module as? Conv2d {
                    if let bias = conv.bias { XCTAssertTrue(bias.value.values.allSatisfy { $0 == 0 }, "\(path).bias") }
                    let w = conv.weight.value.values
                    let k = conv.weight.shape[2] * conv.weight.shape[3]
                    let expected = 0.02 * (2 / Double((conv.weight.shape[0] + conv.weight.shape[1]) * k)).squareRoot()
                    if w.count >= 20_000 {
                        let std = (w.reduce(0) { $0 + Double($1) * Double($1) } / Double(w.count)).squareRoot()
                        XCTAssertEqual(std, expected, accuracy: 0.03 * expected, path)
                        checkedWeights += 1
                    }
                    if let sn = conv.spectralNorm {
                        for v in [sn.u.value, sn.v.value] {
                            XCTAssertEqual(v.values.reduce(0) { $0 + Double($1) * Double($1) }, 1, accuracy: 1e-5, path)
                        }
                    }
                }
                if let prelu = module as? PReLU { XCTAssertEqual(prelu.weight.value.values, [0.25], path) }
                if let attention = module as? PooledAttention {
                    XCTAssertEqual(attention.gamma.shape, [], path)
                    XCTAssertEqual(attention.gamma.value.values, [0], path)
                }
            }
        }
        XCTAssertGreaterThan(checkedWeights, 20)
    }

    /// The options the fixture leaves at their ADE20k values, switched: no mask mix, 1×1 matching,
    /// centring over positions, warp stride 2, no attention — shapes only (no reference).
    func testVariantsKeepTheirShapes() {
        var base = CoCosNetOptions()
        base.semanticChannels = 5
        base.generatorChannels = 2
        base.discriminatorChannels = 4
        base.spadeHidden = 4
        base.correspondenceInterChannels = 4
        var variants: [CoCosNetOptions] = []
        for change in 0..<5 {
            var o = base
            switch change {
            case 0: o.maskMix = false
            case 1: o.matchKernel = 1
            case 2: o.ponoC = false
            case 3: o.warpStride = 2
            default: o.useAttention = false
            }
            XCTAssertNil(o.architectureProblem)
            variants.append(o)
        }
        var s = RandomStream(seed: 5, purpose: "variants")
        let label = Tensor.zeros([1, 5, 64, 64]), exemplar = Tensor.normal([1, 3, 64, 64], using: &s)
        for o in variants {
            let d = o.down
            let out = withoutGradient {
                CoCosNetCorrespondence(options: o, stream: &s)(
                    labelMap: label, exemplar: exemplar, exemplarLabelMap: label, warpCycle: true)
            }
            XCTAssertEqual(out.warpedImage.shape, [1, 3, 64, 64])
            XCTAssertEqual(out.warpedMask.shape, [1, 5, 64 / d, 64 / d])
            XCTAssertEqual(out.warpCycle?.shape, [1, 3, 64 / d, 64 / d])
            XCTAssertEqual(out.labelFeatures.shape, [1, 8, 64 / d, 64 / d])
            let fake = withoutGradient { CoCosNetGenerator(options: o, stream: &s)(warped: out.warpedImage, labelMap: label) }
            XCTAssertEqual(fake.shape, [1, 3, 64, 64])
            let scales = withoutGradient { CoCosNetDiscriminator(options: o, stream: &s)(labelMap: label, image: fake) }
            XCTAssertEqual(scales.map { $0.last!.shape }, [[1, 1, 6, 6], [1, 1, 2, 2]])
        }
    }

    func testOptionsProblems() {
        var o = CoCosNetOptions()
        o.vgg19Weights = "none"
        XCTAssertNil(o.problem)
        XCTAssertEqual(o.sizeProblem(100), "the generator starts from size/32: the crop size must be a multiple of 32, not 100")
        XCTAssertEqual(o.sizeProblem(32), "the 2-scale discriminator needs crops of at least 64 px for its smallest scale, not 32")
        XCTAssertNil(o.sizeProblem(64))
        o.vgg19Weights = ""
        XCTAssertTrue(o.problem?.hasPrefix("cocosnet.vgg19_weights must name") == true, o.problem ?? "")
        o = CoCosNetOptions()
        o.vgg19Weights = "none"
        o.discriminatorLayers = 3
        XCTAssertEqual(o.problem, "the discriminators' attention sits before model3, so use_attention needs n_layers_D 4, not 3")
        o.useAttention = false
        XCTAssertNil(o.problem)
        o = CoCosNetOptions()
        o.warpStride = 3
        XCTAssertEqual(o.problem, "warp_stride must be 2 or 4, not 3")
    }
}
