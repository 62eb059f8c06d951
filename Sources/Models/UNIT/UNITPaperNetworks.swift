// The networks of UNIT's paper code (mingyuliutw/UNIT branch `version_02`,
// `src/trainers/cocogan_nets.py` and `common_net.py`), with its state names. Every conv is
// zero-padded with a bias; the blocks wrap their layers in a `model` Sequential.
//
// COCOResGen (cat2tiger: ch 64, 3 front / 3 residual / 1 shared blocks each side; 216 px):
//   encode_A/B   LeakyReLUConv2d 7×7 (3 → ch, slope 0.01); ReLUINSConv2d 3×3 stride 2 doubling
//                the channels (n_enc_front_blk − 1 times); INSResBlock × n_enc_res_blk
//   enc_shared   INSResBlock × n_enc_shared_blk, then the latent noise (added by the model)
//   dec_shared   INSResBlock × n_gen_shared_blk
//   decode_A/B   INSResBlock × n_gen_res_blk; ReLUINSConvTranspose2d 3×3 stride 2 (padding 1,
//                output padding 1) halving the channels (n_gen_front_blk − 1 times);
//                ConvTranspose2d 1×1 → 3; tanh
// The shared blocks exist once: both domains' latents pass through the same weights, and their
// gradients add up in them. 18,017,286 parameters at cat2tiger.
// COCODis (n_layer 6): per domain, LeakyReLUConv2d 3×3 stride 2 (3 → ch, then doubling) × n_layer,
// conv 1×1 → 1; 50,298,114 parameters at cat2tiger (both domains).
import NN
import TensorCore

/// Conv → LeakyReLU(0.01) (`LeakyReLUConv2d`).
public final class LeakyReLUConv2d: Layer {
    public let model: Sequential

    public init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int, padding: Int, stream: inout RandomStream) {
        model = Sequential([
            Conv2d(
                inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize, stride: stride, padding: padding, stream: &stream),
            LeakyReLU(0.01),
        ])
        super.init()
    }

    public override func forward(_ x: Tensor) -> Tensor { model(x) }
}

/// Conv → instance norm → ReLU (`ReLUINSConv2d`).
public final class ReLUINSConv2d: Layer {
    public let model: Sequential

    public init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int, padding: Int, stream: inout RandomStream) {
        model = Sequential([
            Conv2d(
                inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize, stride: stride, padding: padding, stream: &stream),
            InstanceNorm2d(features: outChannels), ReLU(),
        ])
        super.init()
    }

    public override func forward(_ x: Tensor) -> Tensor { model(x) }
}

/// Transposed conv → instance norm → ReLU (`ReLUINSConvTranspose2d`).
public final class ReLUINSConvTranspose2d: Layer {
    public let model: Sequential

    public init(
        inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int, padding: Int, outputPadding: Int,
        stream: inout RandomStream
    ) {
        model = Sequential([
            ConvTranspose2d(
                inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize, stride: stride, padding: padding,
                outputPadding: outputPadding, stream: &stream),
            InstanceNorm2d(features: outChannels), ReLU(),
        ])
        super.init()
    }

    public override func forward(_ x: Tensor) -> Tensor { model(x) }
}

/// The paper code's residual block (`INSResBlock`): x + IN(conv(ReLU(IN(conv(x))))), 3×3 zero-padded convs.
public final class INSResBlock: Layer {
    public let model: Sequential

    public init(channels: Int, stream: inout RandomStream) {
        model = Sequential([
            Conv2d(inChannels: channels, outChannels: channels, kernelSize: 3, padding: 1, stream: &stream),
            InstanceNorm2d(features: channels), ReLU(),
            Conv2d(inChannels: channels, outChannels: channels, kernelSize: 3, padding: 1, stream: &stream),
            InstanceNorm2d(features: channels),
        ])
        super.init()
    }

    /// [N, C, H, W] → same shape.
    public override func forward(_ x: Tensor) -> Tensor { model(x) + x }
}

/// Both domains' encoders and decoders with the shared layers between them (`COCOResGen`).
public final class COCOResGen: Module {
    public let encode_A: Sequential
    public let encode_B: Sequential
    public let enc_shared: Sequential
    public let dec_shared: Sequential
    public let decode_A: Sequential
    public let decode_B: Sequential

    /// The generator for `options` (paper keys).
    public init(options o: UNITOptions, inputDim: Int = 3, stream: inout RandomStream) {
        func residual(_ count: Int, _ channels: Int, _ s: inout RandomStream) -> [Layer] {
            (0..<count).map { _ in INSResBlock(channels: channels, stream: &s) }
        }
        func encoder(_ s: inout RandomStream) -> Sequential {
            var layers: [Layer] = [
                LeakyReLUConv2d(inChannels: inputDim, outChannels: o.genDim, kernelSize: 7, stride: 1, padding: 3, stream: &s)
            ]
            var channels = o.genDim
            for _ in 1..<o.encoderFrontBlocks {
                layers.append(
                    ReLUINSConv2d(inChannels: channels, outChannels: channels * 2, kernelSize: 3, stride: 2, padding: 1, stream: &s))
                channels *= 2
            }
            return Sequential(layers + residual(o.encoderResidualBlocks, channels, &s))
        }
        func decoder(_ channels: Int, _ s: inout RandomStream) -> Sequential {
            var layers = residual(o.generatorResidualBlocks, channels, &s)
            var c = channels
            for _ in 1..<o.generatorFrontBlocks {
                layers.append(
                    ReLUINSConvTranspose2d(
                        inChannels: c, outChannels: c / 2, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, stream: &s))
                c /= 2
            }
            layers.append(ConvTranspose2d(inChannels: c, outChannels: inputDim, kernelSize: 1, stream: &s))
            layers.append(Tanh())
            return Sequential(layers)
        }
        let latent = o.genDim << (o.encoderFrontBlocks - 1)
        encode_A = encoder(&stream)
        encode_B = encoder(&stream)
        enc_shared = Sequential(residual(o.encoderSharedBlocks, latent, &stream))
        dec_shared = Sequential(residual(o.generatorSharedBlocks, latent, &stream))
        decode_A = decoder(latent, &stream)
        decode_B = decoder(latent, &stream)
        super.init()
    }
}

/// One discriminator per domain (`COCODis`): `model_A` judges domain A, `model_B` domain B.
public final class COCODis: Module {
    public let model_A: Sequential
    public let model_B: Sequential

    public init(channels: Int, layers: Int, inputDim: Int = 3, stream: inout RandomStream) {
        func net(_ s: inout RandomStream) -> Sequential {
            var result: [Layer] = [
                LeakyReLUConv2d(inChannels: inputDim, outChannels: channels, kernelSize: 3, stride: 2, padding: 1, stream: &s)
            ]
            var c = channels
            for _ in 1..<layers {
                result.append(LeakyReLUConv2d(inChannels: c, outChannels: c * 2, kernelSize: 3, stride: 2, padding: 1, stream: &s))
                c *= 2
            }
            result.append(Conv2d(inChannels: c, outChannels: 1, kernelSize: 1, stream: &s))
            return Sequential(result)
        }
        model_A = net(&stream)
        model_B = net(&stream)
        super.init()
    }
}
