// Every NN layer against PyTorch (fixtures from Fixtures/make_fixtures.py): output and
// gradients with respect to inputs and parameters, with the state loaded by PyTorch names.
import Checkpointing
import HDF5Kit
import NN
import TensorCore
import TestSupport
import XCTest

final class LayerParityTests: XCTestCase {
    private var file: HDF5File!
    private var stream = RandomStream(seed: 3, purpose: "layer tests")

    override func setUpWithError() throws { file = try openNNFixture("layers.h5") }
    override func tearDown() { try? file?.close(); file = nil }

    private func run(
        _ name: String, _ module: Module, tolerance: Tolerance = .standard,
        file callerFile: StaticString = #filePath, line: UInt = #line,
        forward: ([String: Tensor]) -> Tensor
    ) throws {
        try LayerCase(file, name).check(module, tolerance: tolerance, file: callerFile, line: line, forward: forward)
    }

    func testConvolutionWithReflectAndReplicatePadding() throws {
        let reflect = Conv2d(inChannels: 3, outChannels: 5, kernelSize: 3, padding: 1, paddingMode: .reflect, stream: &stream)
        try run("conv_reflect", reflect) { reflect($0["x"]!) }
        let replicate = Conv2d(
            inChannels: 3, outChannels: 4, kernelSize: 3, stride: 2, padding: 1,
            paddingMode: .replicate, stream: &stream)
        try run("conv_replicate_s2", replicate) { replicate($0["x"]!) }
    }

    func testTransposedConvolutionAndLinear() throws {
        let convT = ConvTranspose2d(
            inChannels: 4, outChannels: 3, kernelSize: 3, stride: 2, padding: 1,
            outputPadding: 1, stream: &stream)
        try run("conv_transpose", convT) { convT($0["x"]!) }
        let linear = Linear(inFeatures: 6, outFeatures: 4, stream: &stream)
        try run("linear", linear) { linear($0["x"]!) }
    }

    func testSpectralNormOverThreeTrainingForwards() throws {
        let conv = Conv2d(
            inChannels: 4, outChannels: 6, kernelSize: 4, stride: 2, padding: 1, spectralNorm: true,
            stream: &stream)
        let g = try file.root.openGroup("conv_sn_steps")
        try conv.loadState(from: g.openGroup("state"))
        for step in 0..<3 {
            let s = try g.openGroup("step\(step)")
            let out = withoutGradient { conv(try! readTensor(s, "x")) }
            assertClose(out, try readTensor(s, "output"), path: "conv_sn_steps/step\(step)/output")
            assertClose(conv.spectralNorm!.u.value, try readTensor(s, "weight_u"), path: "step\(step)/weight_u")
            assertClose(conv.spectralNorm!.v.value, try readTensor(s, "weight_v"), path: "step\(step)/weight_v")
            let w = withoutGradient { conv.spectralNorm!.normalizedWeight(conv.weight.value, training: false) }
            assertClose(w, try readTensor(s, "weight"), path: "step\(step)/normalised weight")
        }
        let trained = Conv2d(
            inChannels: 4, outChannels: 6, kernelSize: 4, stride: 2, padding: 1, spectralNorm: true,
            stream: &stream)
        try run("conv_sn", trained) { trained($0["x"]!) }
        let linear = Linear(inFeatures: 5, outFeatures: 3, bias: false, spectralNorm: true, stream: &stream)
        linear.eval()
        try run("linear_sn_eval", linear) { linear($0["x"]!) }
    }

    func testInstanceAndLayerNorms() throws {
        let affine = InstanceNorm2d(features: 4, affine: true)
        try run("instance_norm_affine", affine) { affine($0["x"]!) }
        let plain = InstanceNorm2d(features: 4)
        try run("instance_norm", plain) { plain($0["x"]!) }
        let ln = LayerNorm(features: 4, stream: &stream)
        try run("layer_norm", ln) { ln($0["x"]!) }
        let ln1 = LayerNorm(features: 3, stream: &stream)
        try run("layer_norm_batch1", ln1) { ln1($0["x"]!) }
        try run("pono", Identity()) { positionalNorm($0["x"]!) }
    }

    func testAdaptiveLayerInstanceNorms() throws {
        let adailn = AdaILN(features: 4)
        try run("adailn", adailn) { adailn($0["x"]!, gamma: $0["gamma"]!, beta: $0["beta"]!) }
        let iln = ILN(features: 4)
        try run("iln", iln) { iln($0["x"]!) }
        let block = ResnetAdaILNBlock(channels: 4, stream: &stream)
        try run("adailn_block", block) { block($0["x"]!, gamma: $0["gamma"]!, beta: $0["beta"]!) }
    }

    func testAdaINAssignmentFollowsModuleOrder() throws {
        let decoder = Sequential([
            ResBlock(channels: 4, norm: .adain, padMode: .reflect, stream: &stream),
            ResBlock(channels: 4, norm: .adain, padMode: .reflect, stream: &stream),
        ])
        XCTAssertEqual(adaINParameterCount(decoder), 32)
        // The conv biases in front of each AdaIN have gradient 0 by construction (the fixture's,
        // from float64, is 1e-14); in float32 what is left is rounding noise of about 1e-7 of
        // the weight gradients beside them (up to 190 here), so the absolute tolerance is 1e-4.
        try run("adain_decoder", decoder, tolerance: Tolerance(absolute: 1e-4, relative: 1e-4)) { inputs in
            assignAdaINParameters(inputs["params"]!, to: decoder)
            return decoder(inputs["x"]!)
        }
    }

    func testSPADEAndAttention() throws {
        let spade = SPADE(features: 4, conditionChannels: 3, hidden: 8, stream: &stream)
        try run("spade", spade) { spade($0["x"]!, condition: $0["cond"]!) }
        let sagan = SelfAttention(channels: 16, stream: &stream)
        try run("self_attention", sagan) { sagan($0["x"]!) }
        let pooled = PooledAttention(channels: 16, stream: &stream)
        try run("pooled_attention", pooled) { pooled($0["x"]!) }
    }

    func testResidualBlocks() throws {
        let reflect = ResnetBlock(channels: 4, stream: &stream)
        try run("resnet_block_reflect", reflect) { reflect($0["x"]!) }
        let zero = ResnetBlock(channels: 4, padding: .zero, stream: &stream)
        try run("resnet_block_zero", zero) { zero($0["x"]!) }
        let aggan = ResnetBlock(channels: 4, padding: .zero, affineNorm: true, reluAfterSum: true, stream: &stream)
        try run("resnet_block_aggan", aggan) { aggan($0["x"]!) }
        let munitIN = ResBlock(channels: 4, norm: .instance, padMode: .reflect, stream: &stream)
        try run("munit_resblock_in", munitIN) { munitIN($0["x"]!) }
        let munitLN = ResBlock(channels: 4, norm: .layer, padMode: .reflect, stream: &stream)
        try run("munit_resblock_ln", munitLN) { munitLN($0["x"]!) }
        let prelu = PReLU()
        try run("prelu", prelu) { prelu($0["x"]!) }
    }

    func testDropoutAndNoiseAreIdentityInEvaluation() {
        let x = Tensor.normal([2, 3, 4], using: &stream)
        let dropout = Dropout(p: 0.5, stream: RandomStream(seed: 1, purpose: "dropout"))
        let noise = GaussianNoise(stream: RandomStream(seed: 1, purpose: "noise"))
        dropout.eval(); noise.eval()
        XCTAssertEqual(dropout(x).values, x.values)
        XCTAssertEqual(noise(x).values, x.values)
        dropout.train()
        let kept = dropout(x).values
        XCTAssertTrue(zip(kept, x.values).allSatisfy { $0 == 0 || Swift.abs($0 - 2 * $1) < 1e-6 })
        XCTAssertTrue(kept.contains(0))
    }
}
