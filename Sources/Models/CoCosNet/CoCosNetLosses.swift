// CoCosNet's loss terms (microsoft/CoCosNet, models/pix2pix_model.py `compute_generator_loss`,
// `compute_discriminator_loss`; models/networks/loss.py `GANLoss` with gan_mode hinge;
// util/util.py `weighted_l1_loss`, `mse_loss`), each before its option weight, which the model
// applies (lambda_vgg·fm_ratio, weight_perceptual, weight_gan, lambda_feat, weight_mask,
// warp_cycle_w, warp_self_w; ../shared/reference/architectures.md §6.6). The contextual loss is
// in ContextualLoss.swift.
//
// Invariants: targets taken from the real image or the exemplar are detached here, as the
// official code does (`.detach()`); every function returns a scalar except `contextual` ([B]).
// Self-reference flags: s_b = self_ref_b / (Σ self_ref + 1e-5) (pix2pix_model.py), so a batch
// without a self-referenced sample gives 0 for the terms that use s, and one with a single such
// sample weights it 1/(1 + 1e-5) — the mean over the batch (and pixels) then divides by B.
import TensorCore

/// CoCosNet's loss terms as functions of tensors (with autograd).
public enum CoCosNetLosses {
    /// The relu1_2 … relu5_2 weights of the pseudo-pair feature matching (pix2pix_model.py).
    public static let featureMatchingWeights: [Float] = [1.0 / 32, 1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0]

    /// s = self_ref / (Σ self_ref + 1e-5) from the batch's self-reference flags (`selfReference`,
    /// B values, 1 where the exemplar is the ground-truth image), shaped [B, 1, 1, 1].
    public static func selfReferenceWeights(_ selfReference: Tensor) -> Tensor {
        let flags = selfReference.detached().reshaped([-1])
        let total = flags.values.reduce(Float(0), +)
        return (flags * (1 / (total + 1e-5))).reshaped([flags.count, 1, 1, 1])
    }

    /// `fm`: Σ_l w_l · mean(|fake_l − real_l| · s) over relu1_2 … relu5_2 (`weighted_l1_loss`), the
    /// generated image's VGG features against the ground truth's (detached); `selfReference` [B].
    public static func featureMatching(fake: [Tensor], real: [Tensor], selfReference: Tensor) -> Tensor {
        check(
            fake.count == 5 && real.count == 5,
            "feature matching: expected the five VGG features relu1_2 … relu5_2, got \(fake.count) and \(real.count)")
        check(
            selfReference.count == fake[0].shape[0],
            "feature matching: \(selfReference.count) self-reference flags for a batch of \(fake[0].shape[0])")
        let s = selfReferenceWeights(selfReference)
        var loss = Tensor(scalar: 0)
        for (w, (f, r)) in zip(featureMatchingWeights, zip(fake, real)) {
            loss = loss + ((f - r.detached()).abs() * s).mean() * w
        }
        return loss
    }

    /// The VGG layer of the perceptual term (`which_perceptual`).
    public enum PerceptualLayer: Sendable {
        /// relu5_2 (`5_2`, the default; ADE20k).
        case relu5_2
        /// relu4_2 (`4_2`; CelebA-HQ and DeepFashion).
        case relu4_2
    }

    /// `perc`: mean((fake − real)²) of one VGG feature (`mse_loss`), the ground truth's detached;
    /// both lists are relu1_2 … relu5_2.
    public static func perceptual(fake: [Tensor], real: [Tensor], layer: PerceptualLayer = .relu5_2) -> Tensor {
        check(
            fake.count == 5 && real.count == 5,
            "perceptual loss: expected the five VGG features relu1_2 … relu5_2, got \(fake.count) and \(real.count)")
        let k = layer == .relu5_2 ? 4 : 3
        return mseLoss(fake[k], real[k].detached())
    }

    /// `GAN` (generator, hinge): −mean of each scale's final output, averaged over the scales;
    /// `fake` holds each scale's outputs, the final one last (`GANLoss.__call__` reads `[-1]`).
    public static func hingeGenerator(fake: [[Tensor]]) -> Tensor {
        check(!fake.isEmpty && fake.allSatisfy { !$0.isEmpty }, "hinge loss: expected at least one scale with outputs")
        return fake.map { hingeGeneratorLoss($0[$0.count - 1]) }.reduce(Tensor(scalar: 0), +) * (1 / Float(fake.count))
    }

    /// `D_real` and `D_Fake` (discriminator, hinge): mean(relu(1 − D(real))) and
    /// mean(relu(1 + D(fake))) of each scale's final output, each averaged over the scales.
    public static func hingeDiscriminator(real: [[Tensor]], fake: [[Tensor]]) -> (real: Tensor, fake: Tensor) {
        check(
            !real.isEmpty && !fake.isEmpty && (real + fake).allSatisfy { !$0.isEmpty },
            "hinge loss: expected at least one scale with outputs")
        let r = real.map { hingeRealLoss($0[$0.count - 1]) }.reduce(Tensor(scalar: 0), +) * (1 / Float(real.count))
        let f = fake.map { hingeFakeLoss($0[$0.count - 1]) }.reduce(Tensor(scalar: 0), +) * (1 / Float(fake.count))
        return (r, f)
    }

    /// `GAN_Feat` before lambda_feat: Σ_scales Σ_layers but the last mean|D_l(fake) − D_l(real)| / num_D,
    /// the real image's outputs detached.
    public static func discriminatorFeatureMatching(fake: [[Tensor]], real: [[Tensor]]) -> Tensor {
        check(
            fake.count == real.count && zip(fake, real).allSatisfy { $0.count == $1.count } && !fake.isEmpty,
            "discriminator feature matching: the fake and real outputs differ in scales or layers")
        var loss = Tensor(scalar: 0)
        for (f, r) in zip(fake, real) {
            for j in 0..<(f.count - 1) { loss = loss + l1Loss(f[j], r[j].detached()) }
        }
        return loss * (1 / Float(fake.count))
    }

    /// `F.interpolate(label, scale_factor=0.25, mode='nearest')`: [B, 1, H, W] → [B, 1, ⌊H/4⌋, ⌊W/4⌋],
    /// pixel (4i, 4j) of the input (PyTorch's nearest source index ⌊dst · 4⌋).
    public static func quarterNearest(_ label: Tensor) -> Tensor {
        check(label.rank == 4 && label.shape[1] == 1, "warped-mask loss: expected a label map [B, 1, H, W], got \(label.shape)")
        let b = label.shape[0], h = label.shape[2], w = label.shape[3], ho = h / 4, wo = w / 4
        let out = Tensor(uninitializedShape: [b, 1, ho, wo])
        for s in 0..<b {
            for i in 0..<ho {
                for j in 0..<wo { out.data[(s * ho + i) * wo + j] = label.data[(s * h + 4 * i) * w + 4 * j] }
            }
        }
        return out
    }

    /// `mask` (warp_mask_losstype direct), before weight_mask.
    ///
    /// Σ w·(−log(warp_mask[gt] + 1e-10)) / (Σ w + 1e-5) over the pixels of the quarter-resolution
    /// ground-truth label, where w = 0 for class 0 and for classes absent from the exemplar's
    /// quarter-resolution label, else 1. warpMask [B, classes, H/4, W/4] (the exemplar's one-hot
    /// mask warped); label and exemplarLabel [B, 1, H, W] class ids (as Float) at full resolution.
    public static func warpedMask(_ warpMask: Tensor, label: Tensor, exemplarLabel: Tensor) -> Tensor {
        let gt = quarterNearest(label), ref = quarterNearest(exemplarLabel)
        check(
            warpMask.rank == 4 && warpMask.shape[0] == gt.shape[0] && warpMask.shape[2...] == gt.shape[2...]
                && ref.shape == gt.shape,
            "warped-mask loss: expected warp_mask [B, classes, H/4, W/4] and labels [B, 1, H, W], got \(warpMask.shape), \(label.shape), \(exemplarLabel.shape)"
        )
        let b = gt.shape[0], m = gt.count / Swift.max(b, 1)
        let weight = Tensor(uninitializedShape: gt.shape)
        var total: Float = 0
        for s in 0..<b {
            let present = Set((0..<m).map { Int(ref.data[s * m + $0]) })
            for i in 0..<m {
                let k = Int(gt.data[s * m + i])
                let w: Float = k == 0 || !present.contains(k) ? 0 : 1
                weight.data[s * m + i] = w
                total += w
            }
        }
        // nllLoss divides by Σ w; the official normaliser is Σ w + 1e-5.
        let mean = nllLoss(warpMask.adding(1e-10).log(), target: gt.reshaped([b, -1]), weight: weight.reshaped([b, -1]))
        return mean * (total / (total + 1e-5))
    }

    /// `G_warp_cycle` before warp_cycle_w: mean|warp_cycle − avgpool_stride(exemplar)|; warpCycle
    /// [B, 3, H/stride, W/stride], exemplar [B, 3, H, W] (`warp_stride` 4).
    public static func warpCycle(_ warpCycle: Tensor, exemplar: Tensor, stride: Int = 4) -> Tensor {
        l1Loss(warpCycle, exemplar.detached().avgPool2d(kernel: stride))
    }

    /// `G_warp_self` before warp_self_w: mean(|warp_out − real| · s), warpOut and real [B, 3, H, W],
    /// selfReference [B].
    public static func warpSelf(_ warpOut: Tensor, real: Tensor, selfReference: Tensor) -> Tensor {
        check(
            selfReference.count == warpOut.shape[0],
            "warp self loss: \(selfReference.count) self-reference flags for a batch of \(warpOut.shape[0])")
        return ((warpOut - real.detached()).abs() * selfReferenceWeights(selfReference)).mean()
    }
}
