// The ResNet generator of CycleGAN (`ResnetGenerator` in the official networks.py), shared by
// every model that uses it. With instance norm every conv has a bias; layer indices inside
// `model` follow the reference exactly, so state names such as `model.1.weight` and
// `model.10.conv_block.1.weight` match a PyTorch checkpoint.
//
// Shapes: [N, 3, H, W] → [N, 3, H, W] in [-1, 1] (H, W divisible by 4).
import NN
import TensorCore

/// c7s1-ngf, d(2·ngf), d(4·ngf), n × R(4·ngf), u(2·ngf), u(ngf), c7s1-3, tanh.
public final class ResnetGenerator: Layer {
    public let model: Sequential

    /// Builds the generator; weights start at PyTorch's default initialisation drawn from `stream`.
    public init(
        inputChannels: Int = 3, outputChannels: Int = 3, ngf: Int = 64, blocks: Int = 9,
        padding: PaddingMode = .reflect, dropout: Double = 0, stream: inout RandomStream
    ) {
        var layers: [Layer] = [
            Pad2d(3, mode: .reflect),
            Conv2d(inChannels: inputChannels, outChannels: ngf, kernelSize: 7, stream: &stream),
            InstanceNorm2d(features: ngf), ReLU(),
        ]
        for i in 0..<2 {
            let mult = 1 << i
            layers += [
                Conv2d(
                    inChannels: ngf * mult, outChannels: ngf * mult * 2, kernelSize: 3, stride: 2, padding: 1,
                    stream: &stream),
                InstanceNorm2d(features: ngf * mult * 2), ReLU(),
            ]
        }
        for _ in 0..<blocks {
            layers.append(ResnetBlock(channels: ngf * 4, padding: padding, dropout: dropout, stream: &stream))
        }
        for i in 0..<2 {
            let mult = 1 << (2 - i)
            layers += [
                ConvTranspose2d(
                    inChannels: ngf * mult, outChannels: ngf * mult / 2, kernelSize: 3, stride: 2,
                    padding: 1, outputPadding: 1, stream: &stream),
                InstanceNorm2d(features: ngf * mult / 2), ReLU(),
            ]
        }
        layers += [
            Pad2d(3, mode: .reflect),
            Conv2d(inChannels: ngf, outChannels: outputChannels, kernelSize: 7, stream: &stream),
            Tanh(),
        ]
        self.model = Sequential(layers)
        super.init()
    }

    public override func forward(_ x: Tensor) -> Tensor { model(x) }
}
