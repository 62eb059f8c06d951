// U-GAT-IT's networks: parameter counts at the official 256 px / ch 64 / n_res 4 (the counts of
// znxlwm/UGATIT-pytorch networks.py instantiated: G full 278,959,808, G light 10,589,888,
// D global 53,130,176, D local 3,290,560), state names against the PyTorch expression's
// state_dict keys (the golden fixtures' /networks groups), the size rules, and ρ clipping.
import HDF5Kit
import Models
import NN
import TensorCore
import XCTest

final class UGATITNetworkTests: XCTestCase {
    /// Light generator and both discriminators built for real at 256 px; the full generator's
    /// count is the light one with its first FC layer (C → C) replaced by the flatten FC
    /// ((256/4)²·C → C), from the shapes, without allocating its 268 M weights.
    func testParameterCountsAtTheOfficialSize() {
        var o = UGATITOptions()
        o.light = true
        var s = RandomStream(seed: 0, purpose: "count")
        let light = UGATITGenerator(options: o, stream: &s)
        XCTAssertEqual(light.parameterCount, 10_589_888)
        let fc0 = light.namedParameters().first { $0.path == "FC.0.weight" }!.parameter
        XCTAssertEqual(fc0.shape, [256, 256])
        XCTAssertEqual(o.fullFCInputs, 64 * 64 * 256)
        XCTAssertEqual(light.parameterCount - fc0.value.count + o.fullFCInputs * 256, 278_959_808)
        XCTAssertEqual(UGATITDiscriminator(channels: 64, layers: 7, stream: &s).parameterCount, 53_130_176)
        XCTAssertEqual(UGATITDiscriminator(channels: 64, layers: 5, stream: &s).parameterCount, 3_290_560)
    }

    /// The full generator at a small size, built for real: its FC reads the flattened bottleneck.
    func testFullGeneratorFlattensTheBottleneck() {
        var o = UGATITOptions()
        o.channels = 2
        o.imageSize = 96
        var s = RandomStream(seed: 0, purpose: "full")
        let g = UGATITGenerator(options: o, stream: &s)
        let fc0 = g.namedParameters().first { $0.path == "FC.0.weight" }!.parameter
        XCTAssertEqual(fc0.shape, [8, 24 * 24 * 8])
        let out = withoutGradient { g(Tensor.zeros([2, 3, 96, 96])) }
        XCTAssertEqual(out.image.shape, [2, 3, 96, 96])
        XCTAssertEqual(out.camLogit.shape, [2, 2])
        XCTAssertEqual(out.heatmap.shape, [2, 1, 24, 24])
    }

    /// Every state name (parameters and spectral-norm buffers) equals the PyTorch
    /// expression's state_dict keys, for all six networks of both variants.
    func testStateNamesAreTheOfficialKeys() throws {
        for name in ["ugatit.h5", "ugatit_light.h5"] {
            let file = try HDF5File.open(modelFixtureFolder + "/" + name)
            defer { try? file.close() }
            let model = try UGATITGoldenTests.referenceModel(file.root)
            XCTAssertEqual(model.networks.map(\.name), ["genA2B", "genB2A", "disGA", "disGB", "disLA", "disLB"])
            for (net, module) in model.networks {
                let ours = Set(module.namedParameters().map(\.path) + module.namedBuffers().map(\.path))
                let official = Set(try file.root.openGroup("networks/\(net)").childNames)
                XCTAssertEqual(ours, official, "\(name) \(net)")
            }
            let keys = model.disGA.namedParameters().map(\.path) + model.disGA.namedBuffers().map(\.path)
            for key in ["gap_fc.weight_orig", "gap_fc.weight_u", "conv.weight_orig", "model.1.weight_orig", "conv1x1.weight"] {
                XCTAssertTrue(keys.contains(key), key)
            }
            XCTAssertTrue(model.genA2B.namedParameters().map(\.path).contains("UpBlock1_2.norm2.rho"))
        }
    }

    func testSizeRules() {
        XCTAssertNil(UGATITDiscriminator.sizeProblem(256, layers: 7))
        XCTAssertNil(UGATITDiscriminator.sizeProblem(96, layers: 7))
        XCTAssertEqual(
            UGATITDiscriminator.sizeProblem(64, layers: 7), "the 7-layer discriminator needs images of at least 96 px, not 64")
        XCTAssertNil(UGATITDiscriminator.sizeProblem(32, layers: 5))
        var o = UGATITOptions()
        o.channels = 2
        o.imageSize = 96
        let full = UGATIT(options: o, seed: 0)
        XCTAssertNil(full.imageSizeProblem(96))
        XCTAssertNotNil(full.imageSizeProblem(128), "the full model's FC fixes the size")
        o.light = true
        let light = UGATIT(options: o, seed: 0)
        XCTAssertNil(light.imageSizeProblem(128))
        XCTAssertNotNil(light.imageSizeProblem(64))
        XCTAssertNotNil(light.imageSizeProblem(98))
        o.imageSize = 90
        XCTAssertNotNil(o.problem)
    }

    /// lr₀ up to iteration/2, then minus lr₀/(iteration/2) per step (steps counted from 1, as the
    /// official loop does), and 0 past the end instead of a negative rate.
    func testLinearDecayOverTheSecondHalf() {
        var o = UGATITOptions()
        o.channels = 1
        o.residualBlocks = 0
        o.light = true
        o.iterations = 10
        let model = UGATIT(options: o, seed: 0)
        var rates: [Double] = []
        for i in [0, 4, 5, 6, 9, 10, 30] {
            model.updateLearningRates(epoch: 0, iteration: i)
            rates.append(model.optimizerD.groups[0].group.learningRate)
        }
        for (got, expected) in zip(rates, [1e-4, 1e-4, 0.8e-4, 0.6e-4, 0, 0, 0]) { XCTAssertEqual(got, expected, accuracy: 1e-12) }
        o.decay = false
        let constant = UGATIT(options: o, seed: 0)
        constant.updateLearningRates(epoch: 0, iteration: 9)
        XCTAssertEqual(constant.optimizerG.groups[0].group.learningRate, 1e-4)
    }

    /// `clipRho` clamps every adaILN and ILN ρ into [0, 1] and leaves values inside alone.
    func testRhoClipping() {
        var o = UGATITOptions()
        o.channels = 2
        o.residualBlocks = 1
        o.light = true
        var s = RandomStream(seed: 0, purpose: "rho")
        let g = UGATITGenerator(options: o, stream: &s)
        XCTAssertEqual(g.rhos.count, 2 + 2)  // one adaILN block (2), two ILN layers
        let values: [Float] = [-0.5, 0.25, 1.5, 1]
        for (rho, v) in zip(g.rhos, values) { rho.value.fill(v) }
        g.clipRho()
        XCTAssertEqual(g.rhos.map { $0.value.values[0] }, [0, 0.25, 1, 1])
    }
}

final class JetColourTests: XCTestCase {
    /// MATLAB's jet by hand: 0 → dark blue (0, 0, ½), ½ → (½, 1, ½), 1 → dark red (½, 0, 0),
    /// ⅜ → (0, 1, 1); as RGB in [-1, 1].
    func testJetColoursByHand() {
        let values = Tensor(shape: [1, 1, 1, 4], values: [0, 0.5, 1, 0.375])
        let rgb = jetColours(values)
        XCTAssertEqual(rgb.shape, [1, 3, 1, 4])
        let v = rgb.values
        XCTAssertEqual(Array(v[0..<4]), [-1, 0, 0, -1])  // red
        XCTAssertEqual(Array(v[4..<8]), [-1, 1, -1, 1])  // green
        XCTAssertEqual(Array(v[8..<12]), [0, 0, -1, 1])  // blue
        let map = AuxiliaryMap(name: "heatmap", tensor: values, kind: .heatmap)
        XCTAssertEqual(map.displayImage!.values, v)
    }
}
