// The 70×70 PatchGAN discriminator of CycleGAN (`NLayerDiscriminator`, n_layers 3): state
// names `model.0`, `model.2`, `model.5`, `model.8`, `model.11` as in the official code.
//
// Shapes: [N, 3, H, W] → [N, 1, H/8 − 2, W/8 − 2] (30×30 for 256×256), raw scores (no sigmoid).
import NN
import TensorCore

/// C64 (no norm) - C128 - C256 - C512 (stride 1) - 1 channel, 4×4 kernels, LeakyReLU 0.2.
public final class PatchDiscriminator: Layer {
    public let model: Sequential

    public init(inputChannels: Int = 3, ndf: Int = 64, layers nLayers: Int = 3, stream: inout RandomStream) {
        var layers: [Layer] = [
            Conv2d(inChannels: inputChannels, outChannels: ndf, kernelSize: 4, stride: 2, padding: 1, stream: &stream),
            LeakyReLU(0.2),
        ]
        var mult = 1
        for n in 1..<max(nLayers, 1) {
            let previous = mult
            mult = min(1 << n, 8)
            layers += [
                Conv2d(
                    inChannels: ndf * previous, outChannels: ndf * mult, kernelSize: 4, stride: 2, padding: 1,
                    stream: &stream),
                InstanceNorm2d(features: ndf * mult), LeakyReLU(0.2),
            ]
        }
        let previous = mult
        mult = min(1 << nLayers, 8)
        layers += [
            Conv2d(
                inChannels: ndf * previous, outChannels: ndf * mult, kernelSize: 4, stride: 1, padding: 1,
                stream: &stream),
            InstanceNorm2d(features: ndf * mult), LeakyReLU(0.2),
            Conv2d(inChannels: ndf * mult, outChannels: 1, kernelSize: 4, stride: 1, padding: 1, stream: &stream),
        ]
        self.model = Sequential(layers)
        super.init()
    }

    public override func forward(_ x: Tensor) -> Tensor { model(x) }
}
