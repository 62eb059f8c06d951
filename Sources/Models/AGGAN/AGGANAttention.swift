// AGGAN's attention network as the official TensorFlow code executes it (`autoenc_upsample` in
// model.py of the official repository): reflect pad 3 → conv 7×7 stride 2, conv 3×3 stride 2
// `SAME`, one reflect-padded residual block, then twice nearest ×2 upsampling and a conv, and
// a last conv to one channel with a sigmoid.
//
// The last three convs are written in model.py as 3×3, 3×3 and 7×7 `VALID` convs, but their
// kernel tuple goes into `general_conv2d`'s `f_h` slot while `(1, 1)` lands in `f_w`, the only
// kernel argument that reaches the conv: they run as 1×1 convs, which is also why the mask
// comes out at the image's size. `AttentionKernels.paper` builds the 3×3/3×3/7×7 convs the
// paper draws instead, with the reflect pads (1, 1, 3) that model.py leaves commented out, so
// that the mask keeps the image's size.
//
// Keys follow TF's scopes: c1, c2, r1, c4, c5, c6 (there is no c3).
// Shapes: [N, 3, H, W] → [N, 1, H, W] in (0, 1) (H, W divisible by 4).
// Parameters at ngf 32: 104,001 (official kernels), 154,689 (paper kernels).
import NN
import TensorCore

/// Kernel sizes of the attention network's last three convs.
public enum AttentionKernels: String, Codable, CaseIterable, Sendable {
    /// 1×1, 1×1, 1×1: what the official code runs.
    case official
    /// 3×3, 3×3, 7×7 (reflect padded): what the paper and the code's text describe.
    case paper
}

/// The attention (mask) network.
public final class AGGANAttention: Layer {
    /// Reflect pad 3, conv 7×7 stride 2, IN, ReLU.
    public let c1: AGGANConv
    /// Conv 3×3 stride 2 `SAME`, IN, ReLU.
    public let c2: AGGANConv
    /// Residual block with reflect padding.
    public let r1: AGGANResidualBlock
    /// After the first ×2 upsampling: conv (1×1 or 3×3), IN, ReLU.
    public let c4: AGGANConv
    /// After the second ×2 upsampling: conv (1×1 or 3×3), IN, ReLU.
    public let c5: AGGANConv
    /// Conv (1×1 or 7×7) to one channel, no norm; a sigmoid follows.
    public let c6: AGGANConv
    public let kernels: AttentionKernels

    /// The attention network with `ngf` filters (TF: 32, the generator's global value).
    public init(ngf: Int = 32, kernels: AttentionKernels = .official, stream: inout RandomStream) {
        c1 = AGGANConv(
            inChannels: 3, outChannels: ngf, kernelSize: 7, stride: 2, padding: .reflect(3), norm: true,
            activation: .relu, stream: &stream)
        c2 = AGGANConv(
            inChannels: ngf, outChannels: ngf * 2, kernelSize: 3, stride: 2, padding: .same, norm: true,
            activation: .relu, stream: &stream)
        r1 = AGGANResidualBlock(channels: ngf * 2, padding: .reflect, stream: &stream)
        let paper = kernels == .paper
        c4 = AGGANConv(
            inChannels: ngf * 2, outChannels: ngf * 2, kernelSize: paper ? 3 : 1,
            padding: paper ? .reflect(1) : .valid, norm: true, activation: .relu, stream: &stream)
        c5 = AGGANConv(
            inChannels: ngf * 2, outChannels: ngf, kernelSize: paper ? 3 : 1,
            padding: paper ? .reflect(1) : .valid, norm: true, activation: .relu, stream: &stream)
        c6 = AGGANConv(
            inChannels: ngf, outChannels: 1, kernelSize: paper ? 7 : 1,
            padding: paper ? .reflect(3) : .valid, norm: false, activation: .none, stream: &stream)
        self.kernels = kernels
        super.init()
    }

    /// The mask [N, 1, H, W].
    ///
    /// TF's `resize_images` with method 1 (nearest neighbour,
    /// align_corners false) at exactly twice the size reads source pixel ⌊i/2⌋: a plain ×2 repeat.
    public override func forward(_ x: Tensor) -> Tensor {
        precondition(
            x.shape[2] % 4 == 0 && x.shape[3] % 4 == 0,
            "AGGANAttention: height and width must be divisible by 4, got \(x.shape)")
        let features = r1(c2(c1(x)))
        let up1 = c4(features.upsampleNearest(factor: 2))
        return c6(c5(up1.upsampleNearest(factor: 2))).sigmoid()
    }
}
