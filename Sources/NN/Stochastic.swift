// Layers that draw random numbers while training — dropout and additive Gaussian noise (UNIT's
// latent noise) — from seeded streams that belong to the layer, so a run is reproducible and
// the stream position can be checkpointed. Both pass their input through in evaluation mode.
import TensorCore

/// Zeroes each element with probability `p` and scales the rest by 1/(1 − p) while training.
public final class Dropout: Layer {
    public let p: Double
    /// The layer's own random stream.
    public var stream: RandomStream

    public init(p: Double, stream: RandomStream) {
        self.p = p
        self.stream = stream
        super.init()
    }

    public override func forward(_ x: Tensor) -> Tensor {
        guard isTraining && p > 0 else { return x }
        let keep = Tensor.bernoulli(x.shape, probability: 1 - p, using: &stream)
        return x * keep.scaled(by: Float(1 / (1 - p)))
    }
}

/// Adds N(0, σ²) noise while training.
public final class GaussianNoise: Layer {
    public let std: Float
    public var stream: RandomStream

    public init(std: Float = 1, stream: RandomStream) {
        self.std = std
        self.stream = stream
        super.init()
    }

    public override func forward(_ x: Tensor) -> Tensor {
        guard isTraining && std > 0 else { return x }
        return x + Tensor.normal(x.shape, std: std, using: &stream)
    }
}
