// CoCosNet's translation network `netG` (microsoft/CoCosNet models/networks/generator.py
// `SPADEGenerator`, CBN_intype warp_mask, --PONO, --use_attention), for crop S, nf = ngf and the
// condition c = concat(warp_out, one-hot label map) [B, 3 + nc, S, S]:
//
//   fc          c resized (nearest) to S/32, conv 3×3 p1 (3 + nc) → 16nf, bias, no SN   [B, 16nf, S/32, S/32]
//   head_0      SPADEResnetBlock 16nf → 16nf
//   ×2, G_middle_0, G_middle_1  16nf → 16nf                                             S/16
//   ×2, up_0    16nf → 8nf                                                              S/8
//   ×2, up_1    8nf → 4nf                                                               S/4
//   ×2, attn    BigGAN attention over 4nf channels (SN θ, φ, g, o; γ starts at 0)       S/2
//   up_2        4nf → 2nf
//   ×2, up_3    2nf → nf                                                                S
//   conv_img    LReLU 0.2, conv 3×3 p1 nf → 3, tanh                                     [B, 3, S, S]
//
// Every SPADE block is conditioned on c (resized to its own size). ×2 is nearest upsampling.
// At the ADE20k defaults (nc 151, nf 64) netG has 96,664,260 parameters.
import NN
import TensorCore

/// `netG` (`fc`, `head_0`, `G_middle_0`, `G_middle_1`, `up_0`, `up_1`, `attn`, `up_2`, `up_3`, `conv_img`).
public final class CoCosNetGenerator: Module {
    public let fc: Conv2d
    public let head_0: SPADEResnetBlock
    public let G_middle_0: SPADEResnetBlock
    public let G_middle_1: SPADEResnetBlock
    public let up_0: SPADEResnetBlock
    public let up_1: SPADEResnetBlock
    /// The attention before `up_2` (`--use_attention`).
    public let attn: PooledAttention?
    public let up_2: SPADEResnetBlock
    public let up_3: SPADEResnetBlock
    public let conv_img: Conv2d

    /// The generator with the official initialisation (Xavier normal × `initGain` on every conv
    /// weight, biases 0, attention γ 0).
    public init(options o: CoCosNetOptions, stream: inout RandomStream) {
        precondition(o.architectureProblem == nil, o.architectureProblem ?? "")
        let nf = o.generatorChannels, cond = 3 + o.semanticChannels
        fc = Conv2d(inChannels: cond, outChannels: 16 * nf, kernelSize: 3, padding: 1, stream: &stream)
        func block(_ fin: Int, _ fout: Int, _ s: inout RandomStream) -> SPADEResnetBlock {
            SPADEResnetBlock(fin: fin, fout: fout, conditionChannels: cond, hidden: o.spadeHidden, stream: &s)
        }
        head_0 = block(16 * nf, 16 * nf, &stream)
        G_middle_0 = block(16 * nf, 16 * nf, &stream)
        G_middle_1 = block(16 * nf, 16 * nf, &stream)
        up_0 = block(16 * nf, 8 * nf, &stream)
        up_1 = block(8 * nf, 4 * nf, &stream)
        attn = o.useAttention ? PooledAttention(channels: 4 * nf, spectralNorm: true, gammaShape: [], stream: &stream) : nil
        up_2 = block(4 * nf, 2 * nf, &stream)
        up_3 = block(2 * nf, nf, &stream)
        conv_img = Conv2d(inChannels: nf, outChannels: 3, kernelSize: 3, padding: 1, stream: &stream)
        super.init()
        o.initializer.apply(to: self, using: &stream)
    }

    /// The official attribute order.
    public override func namedMembers() -> [(name: String, value: Any)] {
        var members: [(String, Any)] = [
            ("fc", fc), ("head_0", head_0), ("G_middle_0", G_middle_0), ("G_middle_1", G_middle_1), ("up_0", up_0),
            ("up_1", up_1),
        ]
        if let attn { members.append(("attn", attn)) }
        return members + [("up_2", up_2), ("up_3", up_3), ("conv_img", conv_img)]
    }

    /// warped [B, 3, S, S] (`warp_out`), labelMap [B, nc, S, S] (one-hot) → image [B, 3, S, S] in (−1, 1).
    ///
    /// S is a multiple of 32: the first feature map is S/32 on a side (the official code fixes it
    /// to crop_size/32, so at the training crop size the two agree).
    public func callAsFunction(warped: Tensor, labelMap: Tensor) -> Tensor {
        let cond = concat([warped, labelMap], axis: 1)  // [B, 3 + nc, S, S]
        let start = labelMap.shape[2] / 32
        var x = fc(cond.resizeNearest(height: start, width: start))  // [B, 16nf, S/32, S/32]
        x = head_0(x, condition: cond)
        x = G_middle_0(x.upsampleNearest(factor: 2), condition: cond)
        x = G_middle_1(x, condition: cond)
        x = up_0(x.upsampleNearest(factor: 2), condition: cond)
        x = up_1(x.upsampleNearest(factor: 2), condition: cond)
        x = x.upsampleNearest(factor: 2)
        if let attn { x = attn(x) }
        x = up_2(x, condition: cond)
        x = up_3(x.upsampleNearest(factor: 2), condition: cond)
        return conv_img(x.leakyRelu(0.2)).tanh()
    }
}
