// Spatially-adaptive denormalisation (SPADE, Park et al. 2019) as CoCosNet uses it: a
// parameter-free normalisation (positional norm or instance norm), the condition resized to
// the feature map by nearest neighbour, a shared 3×3 conv to 128 channels with ReLU, and 3×3
// convs producing γ and β; out = x̂·(1 + γ) + β (one op: `spadeModulation`). State names: `mlp_shared.0.*`,
// `mlp_gamma.*`, `mlp_beta.*` with zero padding; with reflection padding, as CoCosNet builds it
// (microsoft/CoCosNet models/networks/normalization.py `SPADE`, pad_type 'nozero'), the shared
// conv follows a ReflectionPad2d inside `mlp_shared`, so its state names are `mlp_shared.1.*`.
import TensorCore

/// SPADE normalisation of `features` channels conditioned on a `conditionChannels`-channel map.
public final class SPADE: Module {
    /// Which parameter-free normalisation runs first.
    public enum Normalization: Sendable { case positional, instance }

    public let mlp_shared: Sequential
    public let mlp_gamma: Conv2d
    public let mlp_beta: Conv2d
    public let normalization: Normalization

    public init(
        features: Int, conditionChannels: Int, hidden: Int = 128, kernelSize: Int = 3,
        normalization: Normalization = .positional, paddingMode: PaddingMode = .zero,
        stream: inout RandomStream
    ) {
        let pad = kernelSize / 2
        if paddingMode == .reflect {
            // [ReflectionPad2d, Conv2d (unpadded), ReLU]: Sequential runs the pad and conv as one conv.
            self.mlp_shared = Sequential([
                Pad2d(pad, mode: .reflect),
                Conv2d(inChannels: conditionChannels, outChannels: hidden, kernelSize: kernelSize, stream: &stream),
                ReLU(),
            ])
        } else {
            self.mlp_shared = Sequential([
                Conv2d(
                    inChannels: conditionChannels, outChannels: hidden, kernelSize: kernelSize, padding: pad,
                    paddingMode: paddingMode, stream: &stream),
                ReLU(),
            ])
        }
        self.mlp_gamma = Conv2d(
            inChannels: hidden, outChannels: features, kernelSize: kernelSize, padding: pad,
            paddingMode: paddingMode, stream: &stream)
        self.mlp_beta = Conv2d(
            inChannels: hidden, outChannels: features, kernelSize: kernelSize, padding: pad,
            paddingMode: paddingMode, stream: &stream)
        self.normalization = normalization
        super.init()
    }

    /// x [N, C, H, W], condition [N, Cc, h, w] (any size) → [N, C, H, W].
    public func callAsFunction(_ x: Tensor, condition: Tensor) -> Tensor {
        let cond = condition.resizeNearest(height: x.shape[2], width: x.shape[3])
        let actv = mlp_shared(cond)
        let gamma = mlp_gamma(actv), beta = mlp_beta(actv)
        // norm(x)·(1 + γ) + β as one op, which keeps x and γ instead of x̂ and 1 + γ.
        return spadeModulation(x, gamma: gamma, beta: beta, normalization: normalization == .positional ? .positional : .instance)
    }
}
