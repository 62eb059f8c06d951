// Residual blocks in the three families the models use, with their reference state names:
// - `ResnetBlock` (CycleGAN, U-GAT-IT's encoder, AGGAN): `conv_block` = pad, conv, IN, ReLU,
//   pad, conv, IN, output x + block(x) (AGGAN: ReLU after the sum);
// - `Conv2dBlock` / `ResBlock` (MUNIT, UNIT): pad, conv, norm (IN, LN, AdaIN or none),
//   activation; `model` = two conv blocks, output x + model(x);
// - `ResnetAdaILNBlock` (U-GAT-IT's decoder): `pad1 conv1 norm1 relu1 pad2 conv2 norm2`
//   with adaILN.
import TensorCore

/// CycleGAN's residual block.
///
/// Reflect or replicate padding adds pad layers
/// (`conv_block.1.weight`, `conv_block.5.weight`); zero padding goes into the convs
/// (`conv_block.0.weight`, `conv_block.3.weight`).
public final class ResnetBlock: Layer {
    public let conv_block: Sequential
    /// AGGAN's TensorFlow generator applies ReLU to x + block(x).
    public let reluAfterSum: Bool

    public init(
        channels: Int, padding: PaddingMode = .reflect, bias: Bool = true, affineNorm: Bool = false,
        dropout: Double = 0, reluAfterSum: Bool = false, stream: inout RandomStream
    ) {
        var layers: [Layer] = []
        func conv(_ s: inout RandomStream) -> Conv2d {
            Conv2d(
                inChannels: channels, outChannels: channels, kernelSize: 3, padding: padding == .zero ? 1 : 0,
                bias: bias, stream: &s)
        }
        if padding != .zero { layers.append(Pad2d(1, mode: padding)) }
        layers += [conv(&stream), InstanceNorm2d(features: channels, affine: affineNorm), ReLU()]
        if dropout > 0 {
            layers.append(Dropout(p: dropout, stream: RandomStream(key: RandomStream.mix([stream.key, stream.counter]))))
        }
        if padding != .zero { layers.append(Pad2d(1, mode: padding)) }
        layers += [conv(&stream), InstanceNorm2d(features: channels, affine: affineNorm)]
        self.conv_block = Sequential(layers)
        self.reluAfterSum = reluAfterSum
        super.init()
    }

    /// [N, C, H, W] → same shape.
    public override func forward(_ x: Tensor) -> Tensor {
        let y = x + conv_block(x)
        return reluAfterSum ? y.relu() : y
    }
}

/// Normalisations a ``Conv2dBlock`` can apply.
public enum BlockNorm: String, Sendable, CaseIterable { case none, instance = "in", layer = "ln", adain }
/// Activations a ``Conv2dBlock`` can apply.
public enum BlockActivation: String, Sendable, CaseIterable { case none, relu, lrelu, tanh }

/// MUNIT's conv block: pad (reflect, replicate or zero), conv (with bias), norm, activation.
///
/// State names `conv.*` and `norm.*`.
public final class Conv2dBlock: Layer {
    public let pad: Pad2d
    public let norm: Layer?
    public let conv: Conv2d
    public let activation: BlockActivation

    public init(
        inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int, padding: Int,
        norm: BlockNorm = .none, activation: BlockActivation = .relu, padMode: PaddingMode = .zero,
        stream: inout RandomStream
    ) {
        self.pad = Pad2d(padding, mode: padMode)
        switch norm {
        case .none: self.norm = nil
        case .instance: self.norm = InstanceNorm2d(features: outChannels)
        case .layer: self.norm = LayerNorm(features: outChannels, stream: &stream)
        case .adain: self.norm = AdaptiveInstanceNorm2d(features: outChannels)
        }
        self.conv = Conv2d(
            inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize, stride: stride,
            stream: &stream)
        self.activation = activation
        super.init()
    }

    /// [N, in, H, W] → [N, out, H', W'].
    ///
    /// The conv reads the padding in place, and a norm followed by ReLU or LeakyReLU runs as
    /// one fused op.
    public override func forward(_ x: Tensor) -> Tensor {
        normalizeAndActivate(conv.forward(x, padding: pad.padding, paddingMode: pad.mode))
    }

    /// Whether ``forward(upsampled:)`` applies: a 5×5 stride-1 conv with padding 2.
    public var readsUpsampledInput: Bool {
        conv.weight.shape[2] == 5 && conv.weight.shape[3] == 5 && conv.stride == (1, 1) && pad.padding == Padding(2)
            && conv.spectralNorm == nil
    }

    /// The block applied to `upsampleNearest(x, 2)`, computed on x (``nearestUpsampledConv5x5``):
    /// [N, in, H, W] → [N, out, 2H, 2W].
    public func forward(upsampled x: Tensor) -> Tensor {
        normalizeAndActivate(nearestUpsampledConv5x5(x, weight: conv.weight.value, bias: conv.bias?.value, paddingMode: pad.mode))
    }

    private func normalizeAndActivate(_ convolved: Tensor) -> Tensor {
        var y = convolved
        if let fusing = norm as? ActivationFusingNorm {
            switch activation {
            case .relu: return fusing.forward(y, activation: .relu)
            case .lrelu: return fusing.forward(y, activation: .leakyRelu(0.2))
            case .none, .tanh: break
            }
        }
        if let norm { y = norm(y) }
        switch activation {
        case .none: return y
        case .relu: return y.relu()
        case .lrelu: return y.leakyRelu(0.2)
        case .tanh: return y.tanh()
        }
    }
}

/// MUNIT's residual block: `model` = [conv block with activation, conv block without], plus x.
public final class ResBlock: Layer {
    public let model: Sequential

    public init(
        channels: Int, norm: BlockNorm, activation: BlockActivation = .relu, padMode: PaddingMode,
        stream: inout RandomStream
    ) {
        self.model = Sequential([
            Conv2dBlock(
                inChannels: channels, outChannels: channels, kernelSize: 3, stride: 1, padding: 1,
                norm: norm, activation: activation, padMode: padMode, stream: &stream),
            Conv2dBlock(
                inChannels: channels, outChannels: channels, kernelSize: 3, stride: 1, padding: 1,
                norm: norm, activation: .none, padMode: padMode, stream: &stream),
        ])
        super.init()
    }

    public override func forward(_ x: Tensor) -> Tensor { model(x) + x }
}

/// MUNIT's stack of residual blocks (`ResBlocks`): `model` holds `count` ``ResBlock``s.
public final class ResBlocks: Layer {
    public let model: Sequential

    public init(
        count: Int, channels: Int, norm: BlockNorm, activation: BlockActivation = .relu, padMode: PaddingMode,
        stream: inout RandomStream
    ) {
        var blocks: [Layer] = []
        for _ in 0..<count {
            blocks.append(ResBlock(channels: channels, norm: norm, activation: activation, padMode: padMode, stream: &stream))
        }
        self.model = Sequential(blocks)
        super.init()
    }

    /// [N, C, H, W] → same shape.
    public override func forward(_ x: Tensor) -> Tensor { model(x) }
}

/// U-GAT-IT's decoder block with adaILN; γ and β [N, C] come from the generator's FC head.
public final class ResnetAdaILNBlock: Module {
    public let pad1: Pad2d
    public let conv1: Conv2d
    public let norm1: AdaILN
    public let relu1: ReLU
    public let pad2: Pad2d
    public let conv2: Conv2d
    public let norm2: AdaILN

    public init(channels: Int, bias: Bool = false, stream: inout RandomStream) {
        pad1 = Pad2d(1, mode: .reflect)
        conv1 = Conv2d(inChannels: channels, outChannels: channels, kernelSize: 3, bias: bias, stream: &stream)
        norm1 = AdaILN(features: channels)
        relu1 = ReLU()
        pad2 = Pad2d(1, mode: .reflect)
        conv2 = Conv2d(inChannels: channels, outChannels: channels, kernelSize: 3, bias: bias, stream: &stream)
        norm2 = AdaILN(features: channels)
        super.init()
    }

    /// [N, C, H, W] → same shape.
    public func callAsFunction(_ x: Tensor, gamma: Tensor, beta: Tensor) -> Tensor {
        // The convs read the reflect padding in place; the first norm's ReLU runs inside it.
        var out = norm1(conv1.forward(x, padding: pad1.padding, paddingMode: pad1.mode), gamma: gamma, beta: beta, activation: .relu)
        out = norm2(conv2.forward(out, padding: pad2.padding, paddingMode: pad2.mode), gamma: gamma, beta: beta)
        return out + x
    }
}
