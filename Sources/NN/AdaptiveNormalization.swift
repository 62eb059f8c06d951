// Normalisations whose affine parameters come from elsewhere:
// MUNIT's AdaptiveInstanceNorm2d (γ and β assigned from an MLP's output, in module order),
// U-GAT-IT's adaILN (instance/layer mix with learnable ρ, γ and β from the generator's FC
// head) and ILN (learnable ρ, γ, β). U-GAT-IT uses unbiased variances.
import TensorCore

/// Instance norm whose per-sample, per-channel scale (`weight`) and shift (`bias`) are set
/// before each forward by ``assignAdaINParameters(_:to:)``.
///
/// Keeps MUNIT's unused `running_mean` and `running_var` buffers so that state names match.
public final class AdaptiveInstanceNorm2d: Layer, ActivationFusingNorm {
    public let features: Int
    public let eps: Float
    public let running_mean: Buffer
    public let running_var: Buffer
    /// [N·C] scale ("std" in MUNIT), set from the MLP.
    public var assignedWeight: Tensor?
    /// [N·C] shift ("mean" in MUNIT), set from the MLP.
    public var assignedBias: Tensor?

    /// AdaIN over `features` channels.
    public init(features: Int, eps: Float = 1e-5) {
        self.features = features
        self.eps = eps
        self.running_mean = Buffer(Tensor.zeros([features]))
        self.running_var = Buffer(Tensor.ones([features]))
        super.init()
    }

    /// [N, C, H, W] → same shape.
    public override func forward(_ x: Tensor) -> Tensor { forward(x, activation: .none) }

    /// The norm, the assigned per-plane scale and shift, and `activation`, as one op.
    public func forward(_ x: Tensor, activation: NormActivation) -> Tensor {
        guard let w = assignedWeight, let b = assignedBias else {
            fatalError("AdaptiveInstanceNorm2d: weight and bias must be assigned (assignAdaINParameters) before the forward")
        }
        let n = x.shape[0], c = x.shape[1]
        check(w.count == n * c, "AdaptiveInstanceNorm2d: assigned \(w.count) scales for \(n)×\(c) planes")
        check(b.count == n * c, "AdaptiveInstanceNorm2d: assigned \(b.count) shifts for \(n)×\(c) planes")
        return instanceNorm(x, weight: w, bias: b, eps: eps, activation: activation)
    }
}

/// Number of values the MLP must produce for every AdaIN layer under `module`.
public func adaINParameterCount(_ module: Module) -> Int {
    module.namedModules().reduce(0) { total, entry in
        total + ((entry.module as? AdaptiveInstanceNorm2d).map { 2 * $0.features } ?? 0)
    }
}

/// Assigns `parameters` [N, total] to the AdaIN layers under `module` in module order: for
/// each layer the first C columns are its bias (mean), the next C its weight (std).
public func assignAdaINParameters(_ parameters: Tensor, to module: Module) {
    let n = parameters.shape[0]
    var offset = 0
    for (_, m) in module.namedModules() {
        guard let layer = m as? AdaptiveInstanceNorm2d else { continue }
        let c = layer.features
        check(
            offset + 2 * c <= parameters.shape[1],
            "assignAdaINParameters: \(parameters.shape[1]) values are too few for the AdaIN layers")
        layer.assignedBias = parameters.slice(axis: 1, offset..<(offset + c)).reshaped([n * c])
        layer.assignedWeight = parameters.slice(axis: 1, (offset + c)..<(offset + 2 * c)).reshaped([n * c])
        offset += 2 * c
    }
}

/// U-GAT-IT's adaptive layer-instance norm: learnable `rho` [1, C, 1, 1] (initialised 0.9);
/// γ and β [N, C] are passed to the forward.
public final class AdaILN: Module {
    public let rho: Parameter
    public let eps: Float

    public init(features: Int, eps: Float = 1e-5) {
        self.rho = Parameter(Tensor(shape: [1, features, 1, 1], repeating: 0.9))
        self.eps = eps
        super.init()
    }

    /// [N, C, H, W] with γ, β [N, C] → same shape, followed by `activation` in the same op
    /// (``instanceLayerNorm(_:rho:weight:bias:eps:activation:)``).
    public func callAsFunction(_ x: Tensor, gamma: Tensor, beta: Tensor, activation: NormActivation = .none) -> Tensor {
        let n = x.shape[0], c = x.shape[1]
        check(gamma.count == n * c && beta.count == n * c, "AdaILN: γ \(gamma.shape) and β \(beta.shape) must be [\(n), \(c)]")
        return instanceLayerNorm(
            x, rho: rho.value.reshaped([c]), weight: gamma.reshaped([n * c]), bias: beta.reshaped([n * c]), eps: eps,
            activation: activation)
    }
}

/// U-GAT-IT's layer-instance norm: learnable `rho` (0), `gamma` (1), `beta` (0), each [1, C, 1, 1].
public final class ILN: Layer, ActivationFusingNorm {
    public let rho: Parameter
    public let gamma: Parameter
    public let beta: Parameter
    public let eps: Float

    public init(features: Int, eps: Float = 1e-5) {
        self.rho = Parameter(Tensor.zeros([1, features, 1, 1]))
        self.gamma = Parameter(Tensor.ones([1, features, 1, 1]))
        self.beta = Parameter(Tensor.zeros([1, features, 1, 1]))
        self.eps = eps
        super.init()
    }

    public override func forward(_ x: Tensor) -> Tensor { forward(x, activation: .none) }

    /// The norm followed by `activation`, as one op.
    public func forward(_ x: Tensor, activation: NormActivation) -> Tensor {
        let c = rho.value.count
        return instanceLayerNorm(
            x, rho: rho.value.reshaped([c]), weight: gamma.value.reshaped([c]), bias: beta.value.reshaped([c]), eps: eps,
            activation: activation)
    }
}
