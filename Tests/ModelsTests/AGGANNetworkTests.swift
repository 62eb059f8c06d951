// AGGAN's networks at the official defaults: parameter counts (as counted from the official TF code's variables),
// state names, output shapes, TF's padding and activation conventions, and the initialisation.
import Models
import NN
import TensorCore
import TestSupport
import XCTest

final class AGGANNetworkTests: XCTestCase {
    func testParameterCountsMatchTheTensorFlowModel() {
        var s = RandomStream(seed: 0, purpose: "count")
        XCTAssertEqual(AGGANGenerator(stream: &s).parameterCount, 2_855_811)
        XCTAssertEqual(AGGANAttention(stream: &s).parameterCount, 104_001)
        XCTAssertEqual(AGGANAttention(kernels: .paper, stream: &s).parameterCount, 154_689)
        XCTAssertEqual(AGGANDiscriminator(stream: &s).parameterCount, 2_766_657)
    }

    func testStateNamesFollowTheTensorFlowScopes() {
        var s = RandomStream(seed: 0, purpose: "names")
        let unit = ["conv.weight", "conv.bias", "norm.weight", "norm.bias"]
        func scoped(_ scopes: [String]) -> [String] { scopes.flatMap { scope in unit.map { scope + "." + $0 } } }
        let blocks = (1...9).flatMap { ["r\($0).c1", "r\($0).c2"] }
        XCTAssertEqual(
            AGGANGenerator(stream: &s).namedParameters().map(\.path),
            scoped(["c1", "c2", "c3"] + blocks + ["c4", "c5"]) + ["c6.conv.weight", "c6.conv.bias"])
        XCTAssertEqual(
            AGGANAttention(stream: &s).namedParameters().map(\.path),
            scoped(["c1", "c2", "r1.c1", "r1.c2", "c4", "c5"]) + ["c6.conv.weight", "c6.conv.bias"])
        XCTAssertEqual(
            AGGANDiscriminator(stream: &s).namedParameters().map(\.path),
            scoped(["c1", "c2", "c3", "c4"]) + ["c5.conv.weight", "c5.conv.bias"])
        let model = AGGAN(options: tinyOptions(), seed: 1, rank: 0)
        XCTAssertEqual(model.networks.map(\.name), ["g_A", "g_B", "g_A_ae", "g_B_ae", "d_A", "d_B"])
        XCTAssertEqual(model.optimizers.map(\.name), ["g_A", "g_B", "d_A", "d_B"])
        XCTAssertEqual(model.optimizerGA.groups.map(\.group.name), ["g_A", "g_A_ae"])
        XCTAssertEqual(model.optimizerGA.groups[1].group.segments.first?.path, "g_A_ae.c1.conv.weight")
    }

    func testShapesAndTheAttentionKernels() {
        var s = RandomStream(seed: 2, purpose: "shapes")
        let x = Tensor.uniform([2, 3, 32, 32], low: -1, high: 1, using: &s)
        let g = AGGANGenerator(ngf: 4, blocks: 1, stream: &s)
        XCTAssertEqual(g(x).shape, [2, 3, 32, 32])
        for kernels in AttentionKernels.allCases {
            let att = AGGANAttention(ngf: 4, kernels: kernels, stream: &s)
            XCTAssertEqual(att.c6.conv.weight.shape, kernels == .official ? [1, 4, 1, 1] : [1, 4, 7, 7])
            XCTAssertEqual(att.c4.conv.weight.shape, kernels == .official ? [8, 8, 1, 1] : [8, 8, 3, 3])
            let m = att(x)
            XCTAssertEqual(m.shape, [2, 1, 32, 32])
            XCTAssertTrue(m.values.allSatisfy { $0 > 0 && $0 < 1 })
        }
        let d = AGGANDiscriminator(ndf: 2, stream: &s)
        XCTAssertEqual(d(x, mask: nil, threshold: 0, normalize: true).shape, [2, 1, 7, 7])  // 32/8 + 3
    }

    func testTensorFlowSamePadding() {
        XCTAssertTrue(tensorFlowSamePadding(size: 256, kernel: 3, stride: 2) == (0, 1))
        XCTAssertTrue(tensorFlowSamePadding(size: 255, kernel: 3, stride: 2) == (1, 1))
        XCTAssertTrue(tensorFlowSamePadding(size: 256, kernel: 7, stride: 1) == (3, 3))
        XCTAssertTrue(tensorFlowSamePadding(size: 8, kernel: 1, stride: 1) == (0, 0))
    }

    /// A 3×3 stride-2 `SAME` conv of a 4×4 ramp with a one-hot kernel reads the pixel at
    /// (2i + ky, 2j + kx): the grid starts at the top-left pixel (PyTorch's padding 1 would start
    /// one pixel above and left).
    func testSameConvSamplesFromTheTopLeft() {
        var s = RandomStream(seed: 3, purpose: "same")
        let conv = AGGANConv(
            inChannels: 1, outChannels: 1, kernelSize: 3, stride: 2, padding: .same, norm: false,
            activation: .none, stream: &s)
        conv.conv.weight.value.fill(0)
        conv.conv.weight.value.data[0] = 1  // tap (0, 0)
        conv.conv.bias!.value.fill(0)
        let x = Tensor(shape: [1, 1, 4, 4], values: (0..<16).map(Float.init))
        assertExactly(conv(x), shape: [1, 1, 2, 2], [0, 2, 8, 10], path: "SAME conv, tap (0, 0)")
        conv.conv.weight.value.fill(0)
        conv.conv.weight.value.data[8] = 1  // tap (2, 2): the last row and column read the padding
        assertExactly(conv(x), shape: [1, 1, 2, 2], [10, 0, 0, 0], path: "SAME conv, tap (2, 2)")
    }

    func testLeakyReluHasTensorFlowsGradientAtZero() {
        let x = Tensor(shape: [3], values: [-1, 0, 2])
        x.requiresGrad = true
        let y = tensorFlowLeakyRelu(x, slope: 0.2)
        assertExactly(y, shape: [3], [-0.2, 0, 2], path: "lrelu")
        assertExactly(gradients(of: y.sum(), withRespectTo: [x])[0], shape: [3], [0.2, 1, 1], path: "lrelu gradient")
    }

    func testMaskBinarisation() {
        let mask = Tensor(shape: [1, 1, 1, 4], values: [0, 0.09, 0.1, 0.7])
        assertExactly(
            AGGANDiscriminator.binarized(mask, threshold: 0.1), shape: [1, 1, 1, 4], [0, 0, 1, 1],
            path: "1[mask ≥ 0.1]")
    }

    func testInitialisationIsTensorFlowsTruncatedNormal() {
        var s = RandomStream(seed: 4, purpose: "init")
        let g = AGGANGenerator(ngf: 8, blocks: 2, stream: &s)
        initializeAGGANNetwork(g, stddev: 0.02, using: &s)
        var weights: [Float] = []
        for (path, p) in g.namedParameters() {
            let v = p.value.values
            if path.hasSuffix("conv.weight") { weights += v }
            if path.hasSuffix("conv.bias") || path.hasSuffix("norm.bias") { XCTAssertTrue(v.allSatisfy { $0 == 0 }, path) }
            if path.hasSuffix("norm.weight") { XCTAssertTrue(v.allSatisfy { $0 >= 0.96 && $0 <= 1.04 && $0 != 1 }, path) }
        }
        XCTAssertTrue(weights.allSatisfy { Swift.abs($0) <= 0.04 })
        let mean = weights.reduce(0, +) / Float(weights.count)
        let std = (weights.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(weights.count)).squareRoot()
        XCTAssertEqual(mean, 0, accuracy: 5e-4)
        XCTAssertEqual(std, 0.02 * 0.8796, accuracy: 5e-4)  // σ of a normal truncated at ±2σ
    }
}

/// A small AGGAN configuration for tests.
func tinyOptions() -> AGGANOptions {
    var o = AGGANOptions()
    o.ngf = 2
    o.ndf = 2
    o.generatorBlocks = 1
    return o
}
