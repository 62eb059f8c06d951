// Spectral normalisation with PyTorch's semantics (`torch.nn.utils.spectral_norm`): the raw
// weight is the parameter `weight_orig`; buffers `weight_u` [out] and `weight_v` [in·k·k] hold
// the power-iteration vectors; each training-mode forward runs one power iteration (without
// gradient) and updates them; evaluation runs none. The weight used is weight_orig / σ with
// σ = uᵀ·W·v, and the gradient flows through σ to weight_orig. Normalisation divides by
// max(‖x‖, eps) with eps 1e-12.
import TensorCore

/// The power-iteration state of a spectrally normalised weight.
public final class SpectralNormState {
    /// `weight_u`: the left singular vector estimate, [out].
    public let u: Buffer
    /// `weight_v`: the right singular vector estimate, [in·k·k].
    public let v: Buffer
    /// Added to norms before dividing.
    public let eps: Float

    /// Starts from u, v ~ N(0, 1), normalised (as PyTorch does at construction).
    public init(weightShape: [Int], stream: inout RandomStream, eps: Float = 1e-12) {
        let rows = weightShape[0], cols = weightShape.dropFirst().elementCount
        let u = Tensor.normal([rows], using: &stream)
        let v = Tensor.normal([cols], using: &stream)
        SpectralNormState.normalize(u, eps: eps)
        SpectralNormState.normalize(v, eps: eps)
        self.u = Buffer(u)
        self.v = Buffer(v)
        self.eps = eps
    }

    /// weight_orig / σ, running one power iteration first when `training`.
    ///
    /// σ reads fresh copies of u and v (PyTorch clones them after the power iteration), so a
    /// later forward's power iteration does not change the gradient of an earlier one.
    public func normalizedWeight(_ weightOrig: Tensor, training: Bool) -> Tensor {
        let rows = weightOrig.shape[0], cols = weightOrig.count / rows
        var uNow = u.value, vNow = v.value
        if training {
            withoutGradient {
                let w = weightOrig.detached().reshaped([rows, cols])
                // v = normalize(Wᵀ u), u = normalize(W v)
                let newV = matmul(u.value.reshaped([1, rows]), w).reshaped([cols])
                SpectralNormState.normalize(newV, eps: eps)
                let newU = linear(newV.reshaped([1, cols]), weight: w).reshaped([rows])
                SpectralNormState.normalize(newU, eps: eps)
                u.value.assign(newU)
                v.value.assign(newV)
                uNow = newU
                vNow = newV
            }
        }
        let w = weightOrig.reshaped([rows, cols])
        let wv = linear(vNow.reshaped([1, cols]), weight: w)  // [1, rows] = (W v)ᵀ
        let sigma = (wv * uNow.reshaped([1, rows])).sum()
        return weightOrig / sigma
    }

    /// x ← x / max(‖x‖₂, eps), in place.
    static func normalize(_ x: Tensor, eps: Float) {
        var sq: Double = 0
        for i in 0..<x.count { sq += Double(x.data[i]) * Double(x.data[i]) }
        let norm = Swift.max(Float(sq.squareRoot()), eps)
        for i in 0..<x.count { x.data[i] /= norm }
    }
}
