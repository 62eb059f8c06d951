// The multi-scale discriminator of the MUNIT code base (NVlabs/MUNIT and mingyuliutw/UNIT master,
// `networks.py`: `MsImageDis`), shared by UNIT and MUNIT.
//
// `cnns.<s>` judges the input average-pooled s times (AvgPool2d 3, stride 2, padding 1,
// count_include_pad False); each is
//   0          pad 1 → conv 4×4 stride 2, input → dim, no norm, activation (LeakyReLU 0.2)
//   1…n−1      pad 1 → conv 4×4 stride 2, doubling the channels, `norm`, activation
//   n          conv 1×1 → 1 score per position
// At 256 px with 4 layers the scores are 16², 8² and 4². Losses, summed over the scales:
//   LSGAN  D: mean(D(fake)²) + mean((D(real) − 1)²)     G: mean((D(fake) − 1)²)
//   NSGAN  D: BCE(D(fake), 0) + BCE(D(real), 1)         G: BCE(D(fake), 1)   (on logits)
// The official losses are not halved and carry no weight; the trainers multiply by gan_w.
import NN
import TensorCore

/// The adversarial objective of ``MsImageDis`` (`gan_type`).
public enum MultiScaleGANType: String, CaseIterable, Codable, Sendable {
    case lsgan, nsgan
}

/// MUNIT's multi-scale PatchGAN discriminator.
public final class MsImageDis: Module {
    /// One network per scale, full resolution first.
    public let cnns: [Sequential]
    public let ganType: MultiScaleGANType

    /// `scales` networks of `layers` stride-2 convs starting at `dim` filters.
    public init(
        inputDim: Int = 3, dim: Int, layers: Int, scales: Int, norm: BlockNorm = .none,
        activation: BlockActivation = .lrelu, padType: PaddingMode, ganType: MultiScaleGANType,
        stream: inout RandomStream
    ) {
        var cnns: [Sequential] = []
        for _ in 0..<scales {
            var channels = dim
            var net: [Layer] = [
                Conv2dBlock(
                    inChannels: inputDim, outChannels: dim, kernelSize: 4, stride: 2, padding: 1, norm: .none,
                    activation: activation, padMode: padType, stream: &stream)
            ]
            for _ in 1..<layers {
                net.append(
                    Conv2dBlock(
                        inChannels: channels, outChannels: channels * 2, kernelSize: 4, stride: 2, padding: 1,
                        norm: norm, activation: activation, padMode: padType, stream: &stream))
                channels *= 2
            }
            net.append(Conv2d(inChannels: channels, outChannels: 1, kernelSize: 1, stream: &stream))
            cnns.append(Sequential(net))
        }
        self.cnns = cnns
        self.ganType = ganType
        super.init()
    }

    /// The scores of every scale: [N, 1, H/2^layers, W/2^layers], then each coarser scale's.
    public func callAsFunction(_ x: Tensor) -> [Tensor] {
        var outputs: [Tensor] = []
        var input = x
        for (s, net) in cnns.enumerated() {
            outputs.append(net(input))
            if s + 1 < cnns.count { input = input.avgPool2d(kernel: 3, stride: 2, padding: 1, countIncludePad: false) }
        }
        return outputs
    }

    /// The discriminator's loss (`calc_dis_loss`): fakes judged fake, reals judged real.
    ///
    /// Fakes and reals pass the networks as one batch (every layer works per sample, so this
    /// is the official two passes' result with larger, faster matrix products).
    public func discriminatorLoss(fake: Tensor, real: Tensor) -> Tensor {
        let n = fake.shape[0]
        let scores = self(concat([fake, real], axis: 0))
        var total: Tensor?
        for s in scores {
            let f = s.slice(axis: 0, 0..<n), r = s.slice(axis: 0, n..<s.shape[0])
            let term: Tensor
            switch ganType {
            case .lsgan: term = mseLoss(f, target: 0) + mseLoss(r, target: 1)
            case .nsgan: term = bceWithLogitsLoss(f, target: 0) + bceWithLogitsLoss(r, target: 1)
            }
            total = total.map { $0 + term } ?? term
        }
        return total!
    }

    /// The generator's loss (`calc_gen_loss`): fakes judged real.
    public func generatorLoss(fake: Tensor) -> Tensor {
        var total: Tensor?
        for f in self(fake) {
            let term: Tensor
            switch ganType {
            case .lsgan: term = mseLoss(f, target: 1)
            case .nsgan: term = bceWithLogitsLoss(f, target: 1)
            }
            total = total.map { $0 + term } ?? term
        }
        return total!
    }

    /// Why `size` × `size` inputs cannot be judged (a scale whose input is smaller than its
    /// reflect padding needs), or nil.
    public static func sizeProblem(_ size: Int, layers: Int, scales: Int) -> String? {
        var input = size
        for scale in 0..<scales {
            var t = input
            for layer in 0..<layers {
                if t < 2 {
                    return "\(size) px is too small for the \(scales)-scale, \(layers)-layer discriminator "
                        + "(scale \(scale) reaches layer \(layer) at \(t) px)"
                }
                t = (t + 2 - 4) / 2 + 1
            }
            input = (input + 2 - 3) / 2 + 1
        }
        return nil
    }
}
