// AGGAN's discriminator as the official TensorFlow code builds it (`discriminator` in
// AlamiMejjati/Unsupervised-Attention-guided-Image-to-Image-Translation, model.py): the input is first multiplied by its binarised attention mask
// 1[mask ≥ τ], then five 4×4 convs, each after a zero pad of 2 (not PyTorch's 1), strides 2, 2,
// 2, 1, 1, with instance norm (also on the first layer) and LeakyReLU(0.2) on the first four.
// Raw scores, no sigmoid.
//
// The norm can be bypassed per call (TF's `donorm`, false in the second training stage); its
// variables exist either way. Keys follow TF's scopes: c1 … c5.
// Shapes: [N, 3, H, W] → [N, 1, H/8 + 3, W/8 + 3] for H, W divisible by 8 (35×35 at 256).
// Parameters at ndf 64: 2,766,657.
import NN
import TensorCore

/// The five-layer PatchGAN of AGGAN's TF code.
public final class AGGANDiscriminator: Module {
    public let c1: AGGANConv
    public let c2: AGGANConv
    public let c3: AGGANConv
    /// Stride 1, 8·ndf filters.
    public let c4: AGGANConv
    /// Stride 1 to one channel, no norm, no activation.
    public let c5: AGGANConv

    /// The discriminator with `ndf` filters in the first layer (TF: 64).
    public init(ndf: Int = 64, stream: inout RandomStream) {
        func layer(_ i: Int, _ o: Int, stride: Int, last: Bool = false, _ s: inout RandomStream) -> AGGANConv {
            AGGANConv(
                inChannels: i, outChannels: o, kernelSize: 4, stride: stride, padding: .zero(2), norm: !last,
                activation: last ? .none : .leakyRelu, stream: &s)
        }
        c1 = layer(3, ndf, stride: 2, &stream)
        c2 = layer(ndf, ndf * 2, stride: 2, &stream)
        c3 = layer(ndf * 2, ndf * 4, stride: 2, &stream)
        c4 = layer(ndf * 4, ndf * 8, stride: 1, &stream)
        c5 = layer(ndf * 8, 1, stride: 1, last: true, &stream)
        super.init()
    }

    /// Scores for `images` [N, 3, H, W] seen through `mask` [N, 1, H, W]: pixels whose mask is
    /// below `threshold` are zeroed first (the binarised mask carries no gradient).
    ///
    /// With a threshold ≤ 0 every pixel is kept (a sigmoid's output is never negative), as in TF's
    /// first stage. `normalize` false bypasses the instance norms.
    public func callAsFunction(_ images: Tensor, mask: Tensor?, threshold: Float, normalize: Bool) -> Tensor {
        var x = images
        if let mask, threshold > 0 { x = x * AGGANDiscriminator.binarized(mask, threshold: threshold) }
        for layer in [c1, c2, c3, c4, c5] { x = layer(x, normalize: normalize) }
        return x
    }

    /// 1 where `mask` ≥ `threshold`, else 0 (TF `cast(greater_equal(mask, τ))`), outside the graph.
    public static func binarized(_ mask: Tensor, threshold: Float) -> Tensor {
        let m = mask.data
        let out = Tensor(uninitializedShape: mask.shape)
        for i in 0..<mask.count { out.data[i] = m[i] >= threshold ? 1 : 0 }
        return out
    }
}
