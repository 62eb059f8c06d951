// Containers and parameter-free layers: Sequential (children indexed 0, 1, … as in PyTorch,
// so `model.1.weight` comes out right), activations, padding layers, nearest upsampling,
// identity. Sequential runs a norm (instance, layer, adaptive instance) directly followed by a
// ReLU or LeakyReLU as one fused op, a Pad2d directly followed by an unpadded Conv2d as one conv that reads the
// padding in place, and a ×2 Upsample followed by a 5×5 Conv2dBlock on the low-resolution input
// (MUNIT's decoder; nearestUpsampledConv5x5); the layers (and so the state names) stay as declared.
import TensorCore

/// Layers applied in order.
///
/// Children are named by their index, as `nn.Sequential` names them.
public final class Sequential: Layer {
    /// The layers, including parameter-free ones (they occupy indices, as in PyTorch).
    public let layers: [Layer]

    /// A sequence of layers.
    public init(_ layers: [Layer]) {
        self.layers = layers
        super.init()
    }

    public override func namedMembers() -> [(name: String, value: Any)] {
        layers.enumerated().map { ("\($0.offset)", $0.element as Any) }
    }

    public override func forward(_ x: Tensor) -> Tensor {
        var y = x
        var i = 0
        while i < layers.count {
            if i + 1 < layers.count, let norm = layers[i] as? ActivationFusingNorm,
                let activation = Sequential.fusableActivation(layers[i + 1])
            {
                y = norm.forward(y, activation: activation)
                i += 2
            } else if i + 1 < layers.count, let up = layers[i] as? Upsample, up.factor == 2, let block = layers[i + 1] as? Conv2dBlock,
                block.readsUpsampledInput
            {
                y = block.forward(upsampled: y)
                i += 2
            } else if i + 1 < layers.count, let pad = layers[i] as? Pad2d, let conv = layers[i + 1] as? Conv2d,
                conv.padding == .none
            {
                y = conv.forward(y, padding: pad.padding, paddingMode: pad.mode)
                i += 2
            } else {
                y = layers[i].forward(y)
                i += 1
            }
        }
        return y
    }

    /// The activation a norm can apply in its own pass, if `layer` is one.
    static func fusableActivation(_ layer: Layer) -> NormActivation? {
        if layer is ReLU { return .relu }
        if let leaky = layer as? LeakyReLU { return .leakyRelu(leaky.slope) }
        return nil
    }
}

/// max(x, 0).
public final class ReLU: Layer {
    public override init() { super.init() }
    public override func forward(_ x: Tensor) -> Tensor { x.relu() }
}

/// Leaky ReLU with a fixed negative slope.
public final class LeakyReLU: Layer {
    public let slope: Float
    public init(_ slope: Float = 0.2) { self.slope = slope; super.init() }
    public override func forward(_ x: Tensor) -> Tensor { x.leakyRelu(slope) }
}

/// Parametric ReLU with one learnable slope (`weight`, initialised 0.25) or one per channel.
public final class PReLU: Layer {
    public let weight: Parameter
    public init(parameters: Int = 1, initialSlope: Float = 0.25) {
        weight = Parameter(Tensor(shape: [parameters], repeating: initialSlope))
        super.init()
    }
    public override func forward(_ x: Tensor) -> Tensor { prelu(x, weight: weight.value) }
}

/// Hyperbolic tangent.
public final class Tanh: Layer {
    public override init() { super.init() }
    public override func forward(_ x: Tensor) -> Tensor { x.tanh() }
}

/// Logistic sigmoid.
public final class Sigmoid: Layer {
    public override init() { super.init() }
    public override func forward(_ x: Tensor) -> Tensor { x.sigmoid() }
}

/// Passes its input through.
public final class Identity: Layer {
    public override init() { super.init() }
    public override func forward(_ x: Tensor) -> Tensor { x }
}

/// Pads the last two dimensions (PyTorch `ReflectionPad2d`, `ReplicationPad2d`, `ZeroPad2d`).
public final class Pad2d: Layer {
    public let padding: Padding
    public let mode: PaddingMode
    public init(_ padding: Padding, mode: PaddingMode) {
        self.padding = padding
        self.mode = mode
        super.init()
    }
    public convenience init(_ amount: Int, mode: PaddingMode) { self.init(Padding(amount), mode: mode) }
    public override func forward(_ x: Tensor) -> Tensor { x.padded(padding, mode: mode) }
}

/// Nearest-neighbour upsampling by an integer factor (PyTorch `Upsample(scale_factor:)`).
public final class Upsample: Layer {
    public let factor: Int
    public init(factor: Int) { self.factor = factor; super.init() }
    public override func forward(_ x: Tensor) -> Tensor { x.upsampleNearest(factor: factor) }
}

/// Global average pooling to 1×1 (PyTorch `AdaptiveAvgPool2d(1)`): [N, C, H, W] → [N, C, 1, 1].
public final class GlobalAveragePool: Layer {
    public override init() { super.init() }
    public override func forward(_ x: Tensor) -> Tensor { x.mean(axes: [2, 3], keepDims: true) }
}
