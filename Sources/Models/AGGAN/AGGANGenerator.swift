// AGGAN's generator as the official TensorFlow code builds it (`build_generator_resnet_9blocks`
// in model.py of the official repository): a CycleGAN-style ResNet with ngf 32, zero padding,
// affine instance norm, ReLU after each residual sum, TF `SAME` alignment in the strided
// convs and the transposed convs, and a 7×7 `SAME` output conv followed by tanh.
//
// Keys follow TF's scopes: c1, c2, c3, r1 … r<n>, c4, c5 (transposed), c6 — e.g.
// `r1.c2.norm.weight` ↔ `Model/g_A/r1/c2/instance_norm/scale`.
//
// Shapes: [N, 3, H, W] → [N, 3, H, W] in [-1, 1] (H, W divisible by 4).
// Parameters at ngf 32 and 9 blocks: 2,855,811.
import NN
import TensorCore

/// c7s1-ngf, d(2·ngf), d(4·ngf), n × R(4·ngf), u(2·ngf), u(ngf), c7s1-3, tanh — TF flavour.
public final class AGGANGenerator: Layer {
    /// Zero pad 3, conv 7×7, IN, ReLU.
    public let c1: AGGANConv
    /// Conv 3×3 stride 2 `SAME`, IN, ReLU.
    public let c2: AGGANConv
    public let c3: AGGANConv
    /// The residual blocks, named r1 … r<n> in the state.
    public let blocks: [AGGANResidualBlock]
    /// Transposed conv 3×3 stride 2 `SAME`, IN, ReLU.
    public let c4: AGGANDeconv
    public let c5: AGGANDeconv
    /// Conv 7×7 `SAME`, no norm, then tanh.
    public let c6: AGGANConv

    /// The generator with `ngf` filters and `blocks` residual blocks (TF: 32 and 9).
    ///
    /// Weights start at NN's defaults; ``initializeAGGANNetwork(_:stddev:using:)`` applies TF's.
    public init(ngf: Int = 32, blocks: Int = 9, stream: inout RandomStream) {
        c1 = AGGANConv(
            inChannels: 3, outChannels: ngf, kernelSize: 7, padding: .zero(3), norm: true,
            activation: .relu, stream: &stream)
        c2 = AGGANConv(
            inChannels: ngf, outChannels: ngf * 2, kernelSize: 3, stride: 2, padding: .same, norm: true,
            activation: .relu, stream: &stream)
        c3 = AGGANConv(
            inChannels: ngf * 2, outChannels: ngf * 4, kernelSize: 3, stride: 2, padding: .same,
            norm: true, activation: .relu, stream: &stream)
        var residual: [AGGANResidualBlock] = []
        for _ in 0..<blocks { residual.append(AGGANResidualBlock(channels: ngf * 4, padding: .zero, stream: &stream)) }
        self.blocks = residual
        c4 = AGGANDeconv(inChannels: ngf * 4, outChannels: ngf * 2, stream: &stream)
        c5 = AGGANDeconv(inChannels: ngf * 2, outChannels: ngf, stream: &stream)
        c6 = AGGANConv(
            inChannels: ngf, outChannels: 3, kernelSize: 7, padding: .same, norm: false, activation: .none,
            stream: &stream)
        super.init()
    }

    /// TF's scope names: the blocks are r1, r2, … (1-based) between c3 and c4.
    public override func namedMembers() -> [(name: String, value: Any)] {
        [("c1", c1 as Any), ("c2", c2), ("c3", c3)]
            + blocks.enumerated().map { ("r\($0.offset + 1)", $0.element as Any) }
            + [("c4", c4), ("c5", c5), ("c6", c6)]
    }

    public override func forward(_ x: Tensor) -> Tensor {
        precondition(
            x.shape[2] % 4 == 0 && x.shape[3] % 4 == 0,
            "AGGANGenerator: height and width must be divisible by 4, got \(x.shape)")
        var y = c3(c2(c1(x)))
        for block in blocks { y = block(y) }
        return c6(c5(c4(y))).tanh()
    }
}
