// Self-attention blocks over the pixels of a feature map.
// SAGAN's block (MUNIT with self-attention): query and key 1×1 convs to C/8, value 1×1 conv
// to C, energy qᵀk without scaling, softmax over keys, y = γ·out + x with γ initialised 0.
// BigGAN's block (CoCosNet): θ and φ to C/8, g to C/2, 2×2 max-pooling of φ and g, output
// conv C/2 → C, spectral norm on all four convs, γ initialised 0 (a 0-dimensional tensor in
// microsoft/CoCosNet models/networks/architecture.py `Attention`: `torch.tensor(0.)`).
import TensorCore

/// SAGAN self-attention (`query_conv`, `key_conv`, `value_conv`, `gamma`).
public final class SelfAttention: Layer {
    public let query_conv: Conv2d
    public let key_conv: Conv2d
    public let value_conv: Conv2d
    public let gamma: Parameter

    public init(channels: Int, stream: inout RandomStream) {
        query_conv = Conv2d(inChannels: channels, outChannels: channels / 8, kernelSize: 1, stream: &stream)
        key_conv = Conv2d(inChannels: channels, outChannels: channels / 8, kernelSize: 1, stream: &stream)
        value_conv = Conv2d(inChannels: channels, outChannels: channels, kernelSize: 1, stream: &stream)
        gamma = Parameter(Tensor.zeros([1]))
        super.init()
    }

    /// [B, C, H, W] → same shape.
    ///
    /// Attention is [B, N, N] with N = H·W, one map per sample kept for the backward.
    public override func forward(_ x: Tensor) -> Tensor {
        let b = x.shape[0], c = x.shape[1], n = x.shape[2] * x.shape[3]
        let q = query_conv(x).reshaped([b, -1, n])  // [B, C/8, N]
        let k = key_conv(x).reshaped([b, -1, n])  // [B, C/8, N]
        let v = value_conv(x).reshaped([b, -1, n])  // [B, C, N]
        // out[c, i] = Σ_j v[c, j]·softmax_j(q[:, i]·k[:, j])
        let out = dotProductAttention(query: q, key: k, value: v).reshaped([b, c, x.shape[2], x.shape[3]])
        return gamma.value * out + x
    }
}

/// BigGAN-style attention with pooled keys (`theta`, `phi`, `g`, `o`, `gamma`).
public final class PooledAttention: Layer {
    public let theta: Conv2d
    public let phi: Conv2d
    public let g: Conv2d
    public let o: Conv2d
    public let gamma: Parameter

    /// `gammaShape` is `[1]` by default, `[]` for CoCosNet's scalar `gamma`.
    public init(channels: Int, spectralNorm: Bool = true, gammaShape: [Int] = [1], stream: inout RandomStream) {
        theta = Conv2d(
            inChannels: channels, outChannels: channels / 8, kernelSize: 1, bias: false,
            spectralNorm: spectralNorm, stream: &stream)
        phi = Conv2d(
            inChannels: channels, outChannels: channels / 8, kernelSize: 1, bias: false,
            spectralNorm: spectralNorm, stream: &stream)
        g = Conv2d(
            inChannels: channels, outChannels: channels / 2, kernelSize: 1, bias: false,
            spectralNorm: spectralNorm, stream: &stream)
        o = Conv2d(
            inChannels: channels / 2, outChannels: channels, kernelSize: 1, bias: false,
            spectralNorm: spectralNorm, stream: &stream)
        gamma = Parameter(Tensor.zeros(gammaShape))
        super.init()
    }

    /// [B, C, H, W] → same shape (H and W even).
    ///
    /// The attention map β = softmax_j(θᵢ·φⱼ) is [B, N, N/4] (N = H·W); it goes through the
    /// blocked `softmaxWarp`, which keeps no map for the backward (CoCosNet's generator
    /// attends at 128² for a 256 crop: 16384 × 4096 entries, 256 MiB per sample, composed).
    public override func forward(_ x: Tensor) -> Tensor {
        let b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3], n = h * w
        let th = theta(x).reshaped([b, c / 8, n])  // [B, C/8, N]
        let ph = phi(x).maxPool2d(kernel: 2).reshaped([b, c / 8, n / 4])  // [B, C/8, N/4]
        let gg = g(x).maxPool2d(kernel: 2).reshaped([b, c / 2, n / 4])  // [B, C/2, N/4]
        // mixed[c, i] = Σ_j g[c, j]·β[i, j], β[i, j] = softmax_j(Σ_d θ[d, i]·φ[d, j]) (no scaling).
        let mixed = softmaxWarp(query: th, key: ph, values: gg, temperature: 1).reshaped([b, c / 2, h, w])
        return gamma.value * o(mixed) + x
    }
}
