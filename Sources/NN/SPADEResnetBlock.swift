// The residual block built on SPADE that CoCosNet's generator and domain adaptors stack
// (microsoft/CoCosNet models/networks/architecture.py `SPADEResnetBlock`, with `norm_G`
// spectralspade…3x3 and the default pad_type 'nozero'):
//
//   fmiddle = min(fin, fout)
//   shortcut = x                                         if fin = fout
//            = conv_s(norm_s(x, cond))                   otherwise (SN conv 1×1 without bias)
//   dx  = conv_0(reflect-pad 1(LReLU_0.2(norm_0(x, cond))))     SN conv 3×3, fin → fmiddle
//   dx  = conv_1(reflect-pad 1(LReLU_0.2(norm_1(dx, cond))))    SN conv 3×3, fmiddle → fout
//   out = shortcut + dx
//
// Every SPADE here has positional normalisation (`--PONO`) and reflection-padded 3×3 convs.
// State names as after `torch.nn.utils.spectral_norm`: `conv_0.weight_orig`, `conv_0.bias`,
// `conv_0.weight_u`, `conv_0.weight_v`, …, `norm_0.mlp_shared.1.weight`, ….
import TensorCore

/// CoCosNet's SPADE residual block (`conv_0`, `conv_1`, `conv_s`, `norm_0`, `norm_1`, `norm_s`).
///
/// Invariant: `conv_s` and `norm_s` exist exactly when the input and output widths differ.
public final class SPADEResnetBlock: Module {
    /// SN conv 3×3 (reflect pad 1), fin → fmiddle, with bias.
    public let conv_0: Conv2d
    /// SN conv 3×3 (reflect pad 1), fmiddle → fout, with bias.
    public let conv_1: Conv2d
    /// The learned shortcut: SN conv 1×1 without bias, fin → fout.
    public let conv_s: Conv2d?
    public let norm_0: SPADE
    public let norm_1: SPADE
    public let norm_s: SPADE?

    /// A block from `fin` to `fout` channels conditioned on a `conditionChannels`-channel map,
    /// its SPADEs' shared conv `hidden` wide (128 in the official code).
    public init(fin: Int, fout: Int, conditionChannels: Int, hidden: Int = 128, stream: inout RandomStream) {
        let fmiddle = min(fin, fout)
        let learned = fin != fout
        conv_0 = Conv2d(
            inChannels: fin, outChannels: fmiddle, kernelSize: 3, padding: 1, paddingMode: .reflect, spectralNorm: true,
            stream: &stream)
        conv_1 = Conv2d(
            inChannels: fmiddle, outChannels: fout, kernelSize: 3, padding: 1, paddingMode: .reflect, spectralNorm: true,
            stream: &stream)
        conv_s =
            learned
            ? Conv2d(inChannels: fin, outChannels: fout, kernelSize: 1, bias: false, spectralNorm: true, stream: &stream) : nil
        func spade(_ features: Int, _ s: inout RandomStream) -> SPADE {
            SPADE(features: features, conditionChannels: conditionChannels, hidden: hidden, paddingMode: .reflect, stream: &s)
        }
        norm_0 = spade(fin, &stream)
        norm_1 = spade(fmiddle, &stream)
        norm_s = learned ? spade(fin, &stream) : nil
        super.init()
    }

    /// x [N, fin, H, W], condition [N, Cc, h, w] (resized to H × W inside SPADE) → [N, fout, H, W].
    public func callAsFunction(_ x: Tensor, condition: Tensor) -> Tensor {
        // Resized once for the block's two or three SPADEs (each would make its own copy).
        let condition = condition.resizeNearest(height: x.shape[2], width: x.shape[3])
        var shortcut = x
        if let conv_s, let norm_s { shortcut = conv_s(norm_s(x, condition: condition)) }
        var dx = conv_0(norm_0(x, condition: condition).leakyRelu(0.2))
        dx = conv_1(norm_1(dx, condition: condition).leakyRelu(0.2))
        return shortcut + dx
    }
}
