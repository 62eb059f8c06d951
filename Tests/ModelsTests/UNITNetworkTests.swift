// UNIT's networks at the official defaults: parameter counts (mingyuliutw/UNIT, computed by
// instantiating the official code), state names, the official initialisation, the shared
// blocks of the paper variant held once, and the options' checks.
import Configuration
import Models
import NN
import TensorCore
import XCTest

final class UNITNetworkTests: XCTestCase {
    func testMasterNetworksMatchTheOfficialCountsAndNames() {
        var s = RandomStream(seed: 0, purpose: "count")
        let options = UNITOptions()
        let gen = VAEGen(options: options, stream: &s)
        let dis = MsImageDis(dim: 64, layers: 4, scales: 3, padType: .reflect, ganType: .lsgan, stream: &s)
        XCTAssertEqual(gen.parameterCount, 11_140_483)
        XCTAssertEqual(gen.enc.parameterCount, 5_385_856)
        XCTAssertEqual(gen.dec.parameterCount, 5_754_627)
        XCTAssertEqual(dis.parameterCount, 8_271_171)
        let names = gen.namedParameters().map(\.path)
        XCTAssertEqual(names.first, "enc.model.0.conv.weight")
        XCTAssertTrue(names.contains("enc.model.3.model.3.model.1.conv.bias"))
        XCTAssertTrue(names.contains("dec.model.0.model.0.model.0.conv.weight"))
        XCTAssertTrue(names.contains("dec.model.2.norm.gamma"))
        XCTAssertTrue(names.contains("dec.model.4.norm.beta"))
        XCTAssertEqual(names.last, "dec.model.5.conv.bias")
        let disNames = dis.namedParameters().map(\.path)
        XCTAssertEqual(disNames.prefix(2), ["cnns.0.0.conv.weight", "cnns.0.0.conv.bias"])
        XCTAssertEqual(disNames.last, "cnns.2.4.bias")
        XCTAssertEqual(disNames.count, 3 * 5 * 2)
    }

    func testPaperNetworksMatchTheOfficialCountsAndNames() {
        var s = RandomStream(seed: 0, purpose: "count")
        var options = UNITOptions()
        options.variant = .paper
        let gen = COCOResGen(options: options, stream: &s)
        let dis = COCODis(channels: 64, layers: options.resolvedDisLayers, stream: &s)
        XCTAssertEqual(gen.parameterCount, 18_017_286)
        XCTAssertEqual(gen.encode_A.parameterCount, 3_918_976)
        XCTAssertEqual(gen.enc_shared.parameterCount, 1_180_160)
        XCTAssertEqual(gen.decode_B.parameterCount, 3_909_507)
        XCTAssertEqual(dis.parameterCount, 50_298_114)
        let names = gen.namedParameters().map(\.path)
        XCTAssertEqual(names.first, "encode_A.0.model.0.weight")
        XCTAssertTrue(names.contains("encode_B.3.model.3.bias"))
        XCTAssertTrue(names.contains("enc_shared.0.model.0.weight"))
        XCTAssertTrue(names.contains("dec_shared.0.model.3.weight"))
        XCTAssertTrue(names.contains("decode_A.3.model.0.weight"))
        XCTAssertEqual(names.last, "decode_B.5.bias")
        XCTAssertEqual(dis.namedParameters().map(\.path).last, "model_B.6.bias")
        // The 1×1 output layer is a transposed conv: weight [in, out, 1, 1].
        XCTAssertEqual(gen.namedParameters().first { $0.path == "decode_A.5.weight" }?.parameter.shape, [64, 3, 1, 1])
    }

    /// The shared blocks are one set of weights: stored once and in one optimiser segment.
    func testPaperSharedBlocksAreHeldOnce() throws {
        let model = try tinyModel(.paper)
        let gen = model.networks[0].module
        let identities = gen.namedParameters().map { ObjectIdentifier($0.parameter) }
        XCTAssertEqual(Set(identities).count, identities.count)
        let segments = model.optimizers[0].groups.flatMap { $0.group.segments }
        XCTAssertEqual(segments.count, gen.namedParameters().count)
        XCTAssertEqual(Set(segments.map { ObjectIdentifier($0.parameter) }).count, segments.count)
        XCTAssertEqual(model.optimizers[0].groups.reduce(0) { $0 + $1.group.count }, gen.parameterCount)
        XCTAssertEqual(model.networks.map(\.name), ["gen", "dis"])
    }

    /// The official initialisation of both variants.
    ///
    /// Master: Kaiming normal (std √(2 / fan_in)) on the generators' convs, N(0, 0.02) on the
    /// discriminators', biases 0, LayerNorm γ uniform in [0, 1). Paper: N(0, 0.02) on conv
    /// weights, biases keep PyTorch's default U(±1/√fan_in).
    func testInitialisationIsTheOfficialOne() throws {
        let master = try tinyModel(.master, genDim: 32)
        let gen = master.networks[0].module, dis = master.networks[2].module
        let encoderConv = try XCTUnwrap(gen.namedParameters().first { $0.path == "enc.model.2.conv.weight" }?.parameter)
        XCTAssertEqual(standardDeviation(encoderConv.value), (2.0 / Double(64 * 16)).squareRoot(), accuracy: 0.002)
        let disConv = try XCTUnwrap(dis.namedParameters().first { $0.path == "cnns.0.1.conv.weight" }?.parameter)
        XCTAssertEqual(standardDeviation(disConv.value), 0.02, accuracy: 0.001)
        for (path, p) in gen.namedParameters() + dis.namedParameters() where path.hasSuffix(".bias") && !path.contains("norm") {
            XCTAssertTrue(p.value.values.allSatisfy { $0 == 0 }, "\(path) is not 0")
        }
        let gamma = try XCTUnwrap(gen.namedParameters().first { $0.path == "dec.model.2.norm.gamma" }?.parameter)
        XCTAssertTrue(gamma.value.values.allSatisfy { $0 >= 0 && $0 < 1 })
        XCTAssertGreaterThan(standardDeviation(gamma.value), 0.15)  // U[0, 1): 0.289

        let paper = try tinyModel(.paper, genDim: 32)
        let params = paper.networks[0].module.namedParameters()
        let conv = try XCTUnwrap(params.first { $0.path == "encode_A.2.model.0.weight" }?.parameter)
        XCTAssertEqual(standardDeviation(conv.value), 0.02, accuracy: 0.001)
        let bias = try XCTUnwrap(params.first { $0.path == "encode_A.2.model.0.bias" }?.parameter)
        let bound = 1 / Float(64 * 9).squareRoot()
        XCTAssertTrue(bias.value.values.allSatisfy { abs($0) <= bound })
        XCTAssertGreaterThan(bias.value.values.map(abs).max()!, bound / 2)
    }

    /// StepLR stepped before each update: iteration i trains at lr · γ^⌊(i + 1) / step_size⌋.
    func testMasterLearningRateStepsBeforeEachIteration() throws {
        let model = try tinyModel(.master, settings: ["unit.step_size": "3", "unit.lr": "0.001"])
        for (iteration, expected) in [(0, 1e-3), (1, 1e-3), (2, 5e-4), (4, 5e-4), (5, 2.5e-4)] {
            model.updateLearningRates(epoch: 0, iteration: iteration)
            XCTAssertEqual(model.optimizers[1].groups[0].group.learningRate, expected, accuracy: 1e-12, "iteration \(iteration)")
        }
        XCTAssertEqual(model.trainingLength, .iterations(1_000_000))
        XCTAssertEqual(try tinyModel(.paper).trainingLength, .iterations(500_000))
    }

    func testImageSizesAndOptionsAreChecked() throws {
        let master = try tinyModel(.master)
        XCTAssertNil(master.imageSizeProblem(32))
        XCTAssertNotNil(master.imageSizeProblem(30))  // not a multiple of 4
        XCTAssertNotNil(master.imageSizeProblem(8))  // the second scale's last layer would see 1 px
        XCTAssertNil(try tinyModel(.paper).imageSizeProblem(216))
        XCTAssertNil(UNITOptions().problem)
        var options = UNITOptions()
        options.ganWeight = -2
        XCTAssertNotNil(options.problem)
        options = UNITOptions()
        options.variant = .paper
        options.generatorFrontBlocks = 2
        XCTAssertNotNil(options.problem)
        XCTAssertThrowsError(try tinyModel(.paper, settings: ["unit.n_gen_front_blk": "2"]))
    }

    /// A small model of `variant` through the registry.
    private func tinyModel(_ variant: UNITVariant, genDim: Int = 4, settings: [String: String] = [:]) throws -> GANModel {
        var values = ConfigValues()
        values.set("unit.variant", .string(variant.rawValue))
        values.set("unit.gen_dim", .int(genDim))
        values.set("unit.dis_dim", .int(4))
        values.set("unit.dis_n_layer", .int(3))
        values.set("unit.dis_num_scales", .int(2))
        values.set("unit.n_res", .int(1))
        values.set("unit.n_enc_res_blk", .int(1))
        values.set("unit.n_gen_res_blk", .int(1))
        for (key, text) in settings { values.set(key, Int(text).map(ConfigValue.int) ?? .double(Double(text)!)) }
        return try UNIT.registration.makeModel(values, context: ModelBuildContext(seed: 1))
    }

    private func standardDeviation(_ t: Tensor) -> Double {
        let v = t.values.map(Double.init)
        let mean = v.reduce(0, +) / Double(v.count)
        return (v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(v.count)).squareRoot()
    }
}
