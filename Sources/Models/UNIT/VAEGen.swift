// UNIT master's generator of one domain (mingyuliutw/UNIT master, `networks.py: VAEGen`): a
// content encoder and a decoder with instance norm in its residual blocks. It is a "reduced"
// VAE: the encoder's output is the mean of a Gaussian with unit variance, so sampling adds
// N(0, I) noise to it (done by the model, which owns the noise stream) and the KL term is
// mean(h²). With the defaults (dim 64, 2 downsamplings, 4 residual blocks) the latent of a
// 256 px image is [256, 64, 64] and the network has 11,140,483 parameters.
import NN
import TensorCore

/// Encoder and decoder of one domain: `enc` (ContentEncoder), `dec` (Decoder).
public final class VAEGen: Module {
    public let enc: ContentEncoder
    public let dec: Decoder

    /// The official network for `options` (master keys).
    public init(options: UNITOptions, inputDim: Int = 3, stream: inout RandomStream) {
        enc = ContentEncoder(
            downsample: options.downsample, residualBlocks: options.residualBlocks, inputDim: inputDim, dim: options.genDim,
            norm: .instance, activation: options.activation, padType: options.padType, stream: &stream)
        dec = Decoder(
            upsample: options.downsample, residualBlocks: options.residualBlocks, dim: enc.outputDim, outputDim: inputDim,
            residualNorm: .instance, activation: options.activation, padType: options.padType, stream: &stream)
        super.init()
    }

    /// [N, 3, H, W] → the latent mean h, [N, dim·2^d, H/2^d, W/2^d].
    public func encode(_ images: Tensor) -> Tensor { enc(images) }

    /// A latent [N, C, h, w] → images [N, 3, H, W] in (−1, 1).
    public func decode(_ hiddens: Tensor) -> Tensor { dec(hiddens) }
}
