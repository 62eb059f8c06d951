// The adversarial objectives of the reference code (`GANLoss` in CycleGAN's networks.py):
// LSGAN (MSE against 1 for real, 0 for fake), vanilla (BCE with logits) and hinge.

import TensorCore

/// Adversarial loss kinds.
public enum GANMode: String, CaseIterable, Codable, Sendable {
    case lsgan, vanilla, hinge

    /// The loss of a discriminator's raw scores against "real" (`true`) or "fake".
    ///
    /// For hinge, the discriminator form is used when `forDiscriminator`, else −mean(x).
    public func loss(_ scores: Tensor, real: Bool, forDiscriminator: Bool = false) -> Tensor {
        switch self {
        case .lsgan: return mseLoss(scores, target: real ? 1 : 0)
        case .vanilla: return bceWithLogitsLoss(scores, target: real ? 1 : 0)
        case .hinge:
            if forDiscriminator { return real ? hingeRealLoss(scores) : hingeFakeLoss(scores) }
            return hingeGeneratorLoss(scores)
        }
    }
}
