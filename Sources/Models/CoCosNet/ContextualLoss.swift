// CoCosNet's contextual loss (microsoft/CoCosNet, models/networks/ContextualLoss.py
// `ContextualLoss_forward`; combined in models/pix2pix_model.py `get_ctx_loss`): how well each
// position of the generated image's VGG features finds a close match among the exemplar's,
// regardless of where it sits — the term that carries the exemplar's style.
//
// For features x (generated) and y (exemplar), [B, C, H, W] (the positions of each may differ):
//   μ      = y's mean over channels at each position (`--PONO`, the ADE20k command), or over
//            positions for each channel (without it); both x and y are centred by μ
//   x̂, ŷ   = L2-normalised over channels (util.py `feature_normalize`: ‖·‖₂ + float64 eps)
//   d_ij   = 1 − x̂_i·ŷ_j                   d̃_ij = d_ij / (min_k d_ik + 1e-3)
//   A_ij   = exp((1 − d̃_ij)/h) / Σ_k exp((1 − d̃_ik)/h)     (h = 0.1; a softmax over k)
//   CX     = mean_i max_j A_ij              loss = −log CX, per sample → [B]
// The maps are [B, Nx, Ny]: at 256 px relu5_2 gives 256 × 256, relu4_2 and pooled relu3_2
// 1024 × 1024 — small beside the correspondence.
import TensorCore

/// How the contextual loss centres both feature sets by the target's mean.
public enum ContextualCentering: Sendable {
    /// The target's mean over channels at each position (`--PONO`, as every README command uses).
    case perPosition
    /// The target's mean over positions for each channel (without `--PONO`).
    case perChannel
}

extension CoCosNetLosses {
    /// `ContextualLoss_forward`: the per-sample contextual loss −log CX of `features` against
    /// `target`, both [B, C, H, W] (spatial sizes may differ) → [B].
    public static func contextual(
        _ features: Tensor, target: Tensor, bandwidth: Float = 0.1, centering: ContextualCentering = .perPosition
    ) -> Tensor {
        check(
            features.rank == 4 && target.rank == 4 && features.shape[0] == target.shape[0]
                && features.shape[1] == target.shape[1]
                && (centering == .perChannel || features.shape[2...] == target.shape[2...]),
            "contextual loss: expected features and target [B, C, H, W] with the same B and C (and size, when centred per position), got \(features.shape) and \(target.shape)"
        )
        let b = features.shape[0], c = features.shape[1]
        let mean = centering == .perPosition ? target.mean(axis: 1, keepDims: true) : target.mean(axes: [2, 3], keepDims: true)
        let x = featureNormalize(features - mean).reshaped([b, c, -1])  // [B, C, Nx]
        let y = featureNormalize(target - mean).reshaped([b, c, -1])  // [B, C, Ny]
        let distance = 1 - matmul(x.transposed(1, 2), y)  // [B, Nx, Ny]
        let relative = distance / (distance.min(axes: [2], keepDims: true) + 1e-3)
        let affinity = ((1 - relative) * (1 / bandwidth)).softmax(axis: -1)  // normalised over the target's positions
        let cx = affinity.max(axes: [2]).mean(axis: 1)  // [B]
        return cx.log().negated()
    }

    /// `get_ctx_loss`, before the option weight lambda_vgg·ctx_w.
    ///
    /// 8·CX(relu5_2) + 4·CX(relu4_2) + 2·CX(avgpool2(relu3_2)) [+ CX(avgpool4(relu2_2)) with
    /// `use_22ctx`], each the batch mean, between the generated image's VGG features and the
    /// exemplar's (detached); both lists are [relu1_2, relu2_2, relu3_2, relu4_2, relu5_2]
    /// (`Vgg19.lossLayers`).
    public static func contextualStyle(
        fake: [Tensor], exemplar: [Tensor], useRelu22: Bool = false, centering: ContextualCentering = .perPosition
    ) -> Tensor {
        check(
            fake.count == 5 && exemplar.count == 5,
            "contextual loss: expected the five VGG features relu1_2 … relu5_2, got \(fake.count) and \(exemplar.count)")
        func term(_ k: Int, pool: Int) -> Tensor {
            let x = pool > 1 ? fake[k].avgPool2d(kernel: pool) : fake[k]
            let y = pool > 1 ? exemplar[k].detached().avgPool2d(kernel: pool) : exemplar[k].detached()
            return contextual(x, target: y, centering: centering).mean()
        }
        var loss = term(4, pool: 1) * 8 + term(3, pool: 1) * 4 + term(2, pool: 2) * 2
        if useRelu22 { loss = loss + term(1, pool: 4) }
        return loss
    }
}
