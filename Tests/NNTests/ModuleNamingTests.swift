import NN
import TensorCore
import XCTest

/// State names and parameter counts must equal PyTorch's `state_dict` for the same structure.
final class ModuleNamingTests: XCTestCase {
    private final class Net: Module {
        let model: Sequential
        let head: Linear?
        let blocks: [ResnetBlock]
        init(stream: inout RandomStream) {
            model = Sequential([
                Pad2d(3, mode: .reflect),
                Conv2d(inChannels: 3, outChannels: 4, kernelSize: 7, stream: &stream),
                InstanceNorm2d(features: 4),
                ReLU(),
            ])
            head = nil
            blocks = [ResnetBlock(channels: 4, stream: &stream), ResnetBlock(channels: 4, padding: .zero, stream: &stream)]
            super.init()
        }
    }

    func testPathsFollowPyTorchStateDictKeys() {
        var s = RandomStream(seed: 1, purpose: "test")
        let net = Net(stream: &s)
        XCTAssertEqual(
            net.namedParameters().map(\.path),
            [
                "model.1.weight", "model.1.bias",
                "blocks.0.conv_block.1.weight", "blocks.0.conv_block.1.bias",
                "blocks.0.conv_block.5.weight", "blocks.0.conv_block.5.bias",
                "blocks.1.conv_block.0.weight", "blocks.1.conv_block.0.bias",
                "blocks.1.conv_block.3.weight", "blocks.1.conv_block.3.bias",
            ])
        // 3·4·49 + 4 + 4 · (4·4·9 + 4)
        XCTAssertEqual(net.parameterCount, 3 * 4 * 49 + 4 + 4 * (4 * 4 * 9 + 4))
    }

    func testSpectralNormNamesAndBuffers() {
        var s = RandomStream(seed: 1, purpose: "test")
        let conv = Conv2d(inChannels: 2, outChannels: 3, kernelSize: 3, spectralNorm: true, stream: &s)
        XCTAssertEqual(conv.namedParameters().map(\.path), ["weight_orig", "bias"])
        XCTAssertEqual(conv.namedBuffers().map(\.path), ["weight_u", "weight_v"])
        XCTAssertEqual(conv.namedBuffers().map(\.buffer.value.shape), [[3], [18]])
    }

    func testFreezingStopsGradients() {
        var s = RandomStream(seed: 1, purpose: "test")
        let net = Net(stream: &s)
        net.blocks[0].freeze()
        XCTAssertEqual(net.trainableParameters().count, 6)
        let x = Tensor.normal([1, 3, 8, 8], using: &s)
        var y = net.model(x)
        for b in net.blocks { y = b(y) }
        y.sum().backward()
        XCTAssertNil(net.blocks[0].conv_block.layers[1].namedParameters()[0].parameter.gradient)
        XCTAssertNotNil(net.blocks[1].namedParameters()[0].parameter.gradient)
    }
}
