// Normalisation layers whose numerics differ in ways that matter for parity:
// InstanceNorm2d (biased variance, eps inside the square root, optional affine γ/β),
// MUNIT's LayerNorm (unbiased std over C×H×W, eps added to the std, γ ~ U[0,1)),
// and positional normalisation (per-pixel statistics over channels, unbiased variance).
import TensorCore

/// A normalisation that can apply a directly following ReLU or LeakyReLU in the same op
/// (``Sequential`` and ``Conv2dBlock`` use this): one pass over memory less each way, and no
/// separate pre-activation tensor kept for the backward.
public protocol ActivationFusingNorm: Layer {
    /// The norm followed by `activation`, as one op.
    func forward(_ x: Tensor, activation: NormActivation) -> Tensor
}

/// Instance normalisation (`nn.InstanceNorm2d`, no running statistics).
///
/// Affine parameters are `weight` (1) and `bias` (0).
public final class InstanceNorm2d: Layer, ActivationFusingNorm {
    public let weight: Parameter?
    public let bias: Parameter?
    public let eps: Float

    /// Instance norm over `features` channels.
    public init(features: Int, affine: Bool = false, eps: Float = 1e-5) {
        self.weight = affine ? Parameter(Tensor.ones([features])) : nil
        self.bias = affine ? Parameter(Tensor.zeros([features])) : nil
        self.eps = eps
        super.init()
    }

    /// [N, C, H, W] → same shape.
    public override func forward(_ x: Tensor) -> Tensor {
        instanceNorm(x, weight: weight?.value, bias: bias?.value, eps: eps)
    }

    /// The norm followed by `activation`, fused into one op.
    public func forward(_ x: Tensor, activation: NormActivation) -> Tensor {
        instanceNorm(x, weight: weight?.value, bias: bias?.value, eps: eps, activation: activation)
    }
}

/// MUNIT/UNIT's layer norm: per sample (x − mean) / (std + eps) with the unbiased std over
/// C×H×W, then per-channel `gamma` (initialised uniform in [0, 1)) and `beta` (0); one fused op
/// (``layerNorm(_:weight:bias:eps:activation:)``).
public final class LayerNorm: Layer, ActivationFusingNorm {
    public let gamma: Parameter?
    public let beta: Parameter?
    public let eps: Float

    /// Layer norm over `features` channels; γ is drawn from `stream`.
    public init(features: Int, affine: Bool = true, eps: Float = 1e-5, stream: inout RandomStream) {
        self.gamma = affine ? Parameter(Tensor.uniform([features], using: &stream)) : nil
        self.beta = affine ? Parameter(Tensor.zeros([features])) : nil
        self.eps = eps
        super.init()
    }

    /// [N, C, ...] → same shape.
    public override func forward(_ x: Tensor) -> Tensor { forward(x, activation: .none) }

    /// The norm followed by `activation`, fused into one op.
    public func forward(_ x: Tensor, activation: NormActivation) -> Tensor {
        layerNorm(x, weight: gamma?.value, bias: beta?.value, eps: eps, activation: activation)
    }
}

/// Positional normalisation (CoCosNet's PONO): at every pixel, (x − mean) / √(var + eps) over
/// the channels, with the unbiased variance.
public func positionalNorm(_ x: Tensor, eps: Float = 1e-5) -> Tensor {
    let mean = x.mean(axes: [1], keepDims: true)
    let std = x.variance(axes: [1], unbiased: true, keepDims: true).adding(eps).sqrt()
    return (x - mean) / std
}

/// Positional normalisation as a layer.
public final class PositionalNorm2d: Layer {
    public let eps: Float
    public init(eps: Float = 1e-5) { self.eps = eps; super.init() }
    public override func forward(_ x: Tensor) -> Tensor { positionalNorm(x, eps: eps) }
}
