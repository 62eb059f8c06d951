// MUNIT's networks at the official defaults: parameter counts (NVlabs/MUNIT and
// itsss/img2img_sa, computed by instantiating the official code; architectures.md §0.1, §4.7),
// state names, where the attention blocks sit, their gamma initialised 0, and the options' checks.
import Configuration
import Models
import NN
import TensorCore
import XCTest

final class MUNITNetworkTests: XCTestCase {
    func testMUNITNetworksMatchTheOfficialCountsAndNames() {
        var s = RandomStream(seed: 0, purpose: "count")
        let gen = AdaINGen(options: MUNITOptions(), stream: &s)
        let dis = MsImageDis(dim: 64, layers: 4, scales: 3, padType: .reflect, ganType: .lsgan, stream: &s)
        XCTAssertEqual(gen.parameterCount, 15_026_187)
        XCTAssertEqual(gen.enc_style.parameterCount, 2_764_936)
        XCTAssertEqual(gen.enc_content.parameterCount, 5_385_856)
        XCTAssertEqual(gen.dec.parameterCount, 5_754_627)
        XCTAssertEqual(gen.mlp.parameterCount, 1_120_768)
        XCTAssertEqual(dis.parameterCount, 8_271_171)
        XCTAssertEqual(adaINParameterCount(gen.dec), 4096)
        let names = gen.namedParameters().map(\.path)
        XCTAssertEqual(names.first, "enc_style.model.0.conv.weight")
        XCTAssertTrue(names.contains("enc_style.model.6.weight"))
        XCTAssertTrue(names.contains("enc_content.model.3.model.3.model.1.conv.bias"))
        XCTAssertTrue(names.contains("dec.model.0.model.3.model.1.conv.weight"))
        XCTAssertTrue(names.contains("dec.model.2.norm.gamma"))
        XCTAssertEqual(names.suffix(2), ["mlp.model.2.fc.weight", "mlp.model.2.fc.bias"])
        let buffers = gen.namedBuffers().map(\.path)
        XCTAssertTrue(buffers.contains("dec.model.0.model.0.model.0.norm.running_mean"))
    }

    func testSelfAttentionNetworksMatchTheOfficialCountsAndPlaces() {
        var s = RandomStream(seed: 0, purpose: "count")
        var options = MUNITOptions()
        options.selfAttention = true
        let gen = AdaINGen(options: options, stream: &s)
        let dis = MsImageDis(dim: 64, layers: 4, scales: 3, padType: .reflect, ganType: .lsgan, selfAttention: true, stream: &s)
        XCTAssertEqual(gen.parameterCount, 15_108_428)
        XCTAssertEqual(dis.parameterCount, 9_256_134)
        // After the residual blocks, before the first upsampling; before each scale's 1×1 conv.
        XCTAssertTrue(gen.dec.model.layers[1] is SelfAttention)
        XCTAssertTrue(gen.dec.model.layers[2] is Upsample)
        for net in dis.cnns {
            XCTAssertTrue(net.layers[4] is SelfAttention)
            XCTAssertTrue(net.layers[5] is Conv2d)
        }
        let names = gen.namedParameters().map(\.path)
        XCTAssertTrue(names.contains("dec.model.1.query_conv.weight"))
        XCTAssertTrue(names.contains("dec.model.1.gamma"))
        XCTAssertTrue(names.contains("dec.model.5.norm.gamma"))
        XCTAssertTrue(dis.namedParameters().map(\.path).contains("cnns.2.4.value_conv.bias"))
    }

    /// Kaiming generators, N(0, 0.02) discriminators, attention gamma 0, LayerNorm γ in [0, 1).
    func testInitialisationIsTheOfficialOne() throws {
        var options = MUNITOptions()
        options.selfAttention = true
        options.genDim = 8
        options.disDim = 8
        options.mlpDim = 16
        let model = try MUNIT(options: options, seed: 3, rank: 0)
        for (name, module) in model.networks {
            for (path, p) in module.namedParameters() {
                let v = p.value.values
                if path.hasSuffix("gamma") && p.shape == [1] {
                    XCTAssertEqual(v, [0], "\(name).\(path)")
                } else if path.hasSuffix("norm.gamma") {
                    XCTAssertTrue(v.allSatisfy { $0 >= 0 && $0 < 1 }, "\(name).\(path)")
                } else if path.hasSuffix("bias") || path.hasSuffix("beta") {
                    XCTAssertTrue(v.allSatisfy { $0 == 0 }, "\(name).\(path)")
                } else if name.hasPrefix("dis") {
                    let std = (v.map { $0 * $0 }.reduce(0, +) / Float(v.count)).squareRoot()
                    XCTAssertEqual(std, 0.02, accuracy: 0.01, "\(name).\(path)")
                }
            }
        }
    }

    func testVGGWithoutWeightsIsOneClearError() {
        var options = MUNITOptions()
        options.vggWeight = 1
        XCTAssertNotNil(options.problem)
        XCTAssertTrue(options.problem?.contains("munit.vgg16_weights") ?? false)
        XCTAssertThrowsError(
            try ModelRegistry.standard.model(named: "munit")!.makeModel(
                ConfigValues(["munit.vgg_w": .double(1)]), context: ModelBuildContext(seed: 0)))
    }
}
