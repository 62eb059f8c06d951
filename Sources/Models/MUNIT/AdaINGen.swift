// MUNIT's generator of one domain (NVlabs/MUNIT `networks.py`: `AdaINGen`, `StyleEncoder`,
// `MLP`, `LinearBlock`; itsss/img2img_sa `networks.py: AdaInGenerator` with the decoder's
// self-attention block). Names follow the code: `enc_style`, `enc_content`, `dec`, `mlp`.
//
// StyleEncoder, `model` (n_downsample hard-wired to 4 by AdaINGen, norm none):
//   0      pad 3 → conv 7×7, input → dim, activation                    [N, dim, H, W]
//   1, 2   pad 1 → conv 4×4 stride 2, doubling the channels, activation [N, 4·dim, H/4, W/4]
//   3, 4   pad 1 → conv 4×4 stride 2, same channels, activation         [N, 4·dim, H/16, W/16]
//   5      global average pool                                          [N, 4·dim, 1, 1]
//   6      conv 1×1 → style_dim                                         [N, style_dim, 1, 1]
// MLP, `model`: LinearBlock style_dim → mlp_dim, (n_blk − 2) × mlp_dim → mlp_dim with the
// activation, LinearBlock mlp_dim → the decoder's AdaIN parameter count without activation.
// decode(c, s): the MLP's output is assigned to the decoder's AdaIN layers in module order (per
// layer the first C values are the bias "mean", the next C the weight "std"), then dec(c).
// Defaults (dim 64, style 8, mlp 256, 2 downsamplings, 4 residual blocks): 15,026,187
// parameters (style encoder 2,764,936, content encoder 5,385,856, decoder 5,754,627, MLP
// 1,120,768); with self-attention the decoder has 82,241 more.
import NN
import TensorCore

/// MUNIT's style encoder: [N, input, H, W] → [N, style_dim, 1, 1].
public final class StyleEncoder: Layer {
    public let model: Sequential

    /// The official encoder with `downsample` stride-2 convs (the first two double the channels).
    public init(
        downsample: Int, inputDim: Int, dim: Int, styleDim: Int, activation: BlockActivation, padType: PaddingMode,
        stream: inout RandomStream
    ) {
        var layers: [Layer] = [
            Conv2dBlock(
                inChannels: inputDim, outChannels: dim, kernelSize: 7, stride: 1, padding: 3, norm: .none,
                activation: activation, padMode: padType, stream: &stream)
        ]
        var channels = dim
        for i in 0..<downsample {
            let out = i < 2 ? channels * 2 : channels
            layers.append(
                Conv2dBlock(
                    inChannels: channels, outChannels: out, kernelSize: 4, stride: 2, padding: 1, norm: .none,
                    activation: activation, padMode: padType, stream: &stream))
            channels = out
        }
        layers.append(GlobalAveragePool())
        layers.append(Conv2d(inChannels: channels, outChannels: styleDim, kernelSize: 1, stream: &stream))
        self.model = Sequential(layers)
        super.init()
    }

    public override func forward(_ x: Tensor) -> Tensor { model(x) }
}

/// MUNIT's fully connected block (`LinearBlock`, norm none): `fc`, then the activation.
public final class LinearBlock: Layer {
    public let fc: Linear
    public let activation: BlockActivation

    public init(inFeatures: Int, outFeatures: Int, activation: BlockActivation, stream: inout RandomStream) {
        fc = Linear(inFeatures: inFeatures, outFeatures: outFeatures, stream: &stream)
        self.activation = activation
        super.init()
    }

    /// [N, in] → [N, out].
    public override func forward(_ x: Tensor) -> Tensor {
        let y = fc(x)
        switch activation {
        case .none: return y
        case .relu: return y.relu()
        case .lrelu: return y.leakyRelu(0.2)
        case .tanh: return y.tanh()
        }
    }
}

/// MUNIT's MLP from a style code to the AdaIN parameters (`MLP`, norm none).
public final class MLP: Layer {
    public let model: Sequential

    /// `blocks` LinearBlocks: input → dim, dim → dim (blocks − 2 times), dim → output (no activation).
    public init(
        inputDim: Int, outputDim: Int, dim: Int, blocks: Int, activation: BlockActivation, stream: inout RandomStream
    ) {
        var layers: [Layer] = [LinearBlock(inFeatures: inputDim, outFeatures: dim, activation: activation, stream: &stream)]
        for _ in 0..<max(0, blocks - 2) {
            layers.append(LinearBlock(inFeatures: dim, outFeatures: dim, activation: activation, stream: &stream))
        }
        layers.append(LinearBlock(inFeatures: dim, outFeatures: outputDim, activation: .none, stream: &stream))
        self.model = Sequential(layers)
        super.init()
    }

    /// [N, S, 1, 1] or [N, S] → [N, output].
    public override func forward(_ x: Tensor) -> Tensor { model(x.reshaped([x.shape[0], -1])) }
}

/// Style encoder, content encoder, AdaIN decoder and MLP of one domain.
public final class AdaINGen: Module {
    public let enc_style: StyleEncoder
    public let enc_content: ContentEncoder
    public let dec: Decoder
    public let mlp: MLP

    /// The official network for `options` (state names as `AdaINGen`'s, or `AdaInGenerator`'s
    /// with `munit.self_attention`).
    public init(options: MUNITOptions, inputDim: Int = 3, stream: inout RandomStream) {
        enc_style = StyleEncoder(
            downsample: 4, inputDim: inputDim, dim: options.genDim, styleDim: options.styleDim, activation: options.activation,
            padType: options.padType, stream: &stream)
        enc_content = ContentEncoder(
            downsample: options.downsample, residualBlocks: options.residualBlocks, inputDim: inputDim, dim: options.genDim,
            norm: .instance, activation: options.activation, padType: options.padType, stream: &stream)
        dec = Decoder(
            upsample: options.downsample, residualBlocks: options.residualBlocks, dim: enc_content.outputDim,
            outputDim: inputDim, residualNorm: .adain, activation: options.activation, padType: options.padType,
            selfAttention: options.selfAttention, stream: &stream)
        mlp = MLP(
            inputDim: options.styleDim, outputDim: adaINParameterCount(dec), dim: options.mlpDim, blocks: 3,
            activation: options.activation, stream: &stream)
        super.init()
    }

    /// [N, 3, H, W] → (content [N, C, h, w], style [N, style_dim, 1, 1]).
    public func encode(_ images: Tensor) -> (content: Tensor, style: Tensor) { (enc_content(images), enc_style(images)) }

    /// Content [N, C, h, w] and style [N, style_dim, 1, 1] → images [N, 3, H, W] in (−1, 1).
    public func decode(_ content: Tensor, _ style: Tensor) -> Tensor {
        assignAdaINParameters(mlp(style), to: dec)
        return dec(content)
    }
}
