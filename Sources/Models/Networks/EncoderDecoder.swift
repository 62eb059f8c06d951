// The content encoder and the decoder of the MUNIT code base (NVlabs/MUNIT and mingyuliutw/UNIT
// master, `networks.py`: `ContentEncoder`, `Decoder`), shared by UNIT's `VAEGen` (instance norm
// in the decoder's residual blocks) and MUNIT's `AdaINGen` (AdaIN there).
//
// ContentEncoder, `model`:
//   0      pad 3 → conv 7×7, input → dim, norm, activation              [N, dim, H, W]
//   1…d    pad 1 → conv 4×4 stride 2, doubling the channels, norm, act.  [N, dim·2^d, H/2^d, W/2^d]
//   d+1    ResBlocks: n_res × (conv 3×3, norm, act., conv 3×3, norm) + x
// Decoder, `model`:
//   0      ResBlocks with `res_norm`
//   then   per upsampling: Upsample ×2 nearest, pad 2 → conv 5×5 halving the channels → LayerNorm → act.
//   last   pad 3 → conv 7×7 → output channels, tanh
import NN
import TensorCore

/// MUNIT's content encoder: [N, input, H, W] → [N, dim·2^downsample, H/2^downsample, W/2^downsample].
public final class ContentEncoder: Layer {
    public let model: Sequential
    /// Channels of the output (the latent code).
    public let outputDim: Int

    /// The official encoder with `downsample` stride-2 convs and `residualBlocks` blocks.
    public init(
        downsample: Int, residualBlocks: Int, inputDim: Int, dim: Int, norm: BlockNorm, activation: BlockActivation,
        padType: PaddingMode, stream: inout RandomStream
    ) {
        var layers: [Layer] = [
            Conv2dBlock(
                inChannels: inputDim, outChannels: dim, kernelSize: 7, stride: 1, padding: 3, norm: norm,
                activation: activation, padMode: padType, stream: &stream)
        ]
        var channels = dim
        for _ in 0..<downsample {
            layers.append(
                Conv2dBlock(
                    inChannels: channels, outChannels: channels * 2, kernelSize: 4, stride: 2, padding: 1, norm: norm,
                    activation: activation, padMode: padType, stream: &stream))
            channels *= 2
        }
        layers.append(
            ResBlocks(
                count: residualBlocks, channels: channels, norm: norm, activation: activation, padMode: padType,
                stream: &stream))
        self.model = Sequential(layers)
        self.outputDim = channels
        super.init()
    }

    public override func forward(_ x: Tensor) -> Tensor { model(x) }
}

/// MUNIT's decoder: [N, dim, h, w] → [N, output, h·2^upsample, w·2^upsample] in (−1, 1).
public final class Decoder: Layer {
    public let model: Sequential

    /// The official decoder; `residualNorm` is `.instance` in UNIT and `.adain` in MUNIT.
    public init(
        upsample: Int, residualBlocks: Int, dim: Int, outputDim: Int, residualNorm: BlockNorm,
        activation: BlockActivation, padType: PaddingMode, stream: inout RandomStream
    ) {
        var layers: [Layer] = [
            ResBlocks(
                count: residualBlocks, channels: dim, norm: residualNorm, activation: activation, padMode: padType,
                stream: &stream)
        ]
        var channels = dim
        for _ in 0..<upsample {
            layers.append(Upsample(factor: 2))
            layers.append(
                Conv2dBlock(
                    inChannels: channels, outChannels: channels / 2, kernelSize: 5, stride: 1, padding: 2, norm: .layer,
                    activation: activation, padMode: padType, stream: &stream))
            channels /= 2
        }
        layers.append(
            Conv2dBlock(
                inChannels: channels, outChannels: outputDim, kernelSize: 7, stride: 1, padding: 3, norm: .none,
                activation: .tanh, padMode: padType, stream: &stream))
        self.model = Sequential(layers)
        super.init()
    }

    public override func forward(_ x: Tensor) -> Tensor { model(x) }
}
