// Adam exactly as PyTorch's `torch.optim.Adam` (single-tensor path): coupled L2 weight decay
// added to the gradient, m updated by lerp, bias corrections computed in double precision, and
// p ← p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + eps). One loop over each group's flat
// buffers; parameters of frozen modules are skipped. TensorFlow's `AdamOptimizer` (AGGAN) adds
// eps to √v before the bias correction instead; `Settings.epsilonBeforeCorrection` selects that.
import Foundation
import TensorCore

/// The Adam optimiser over one or more parameter groups.
public final class Adam {
    /// Hyper-parameters of one group.
    public struct Settings: Equatable, Sendable {
        public var beta1: Double
        public var beta2: Double
        public var eps: Double
        public var weightDecay: Double
        /// TensorFlow's form, p ← p − lr·√(1 − β2ᵗ)/(1 − β1ᵗ) · m / (√v + eps) (the "ε̂" of Kingma
        /// & Ba): eps is added before the bias correction, so it weighs √(1 − β2ᵗ)⁻¹ times more
        /// than in PyTorch's form.
        ///
        /// Only parameters with gradients near eps see a difference.
        public var epsilonBeforeCorrection: Bool

        public init(
            beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8, weightDecay: Double = 0,
            epsilonBeforeCorrection: Bool = false
        ) {
            self.beta1 = beta1
            self.beta2 = beta2
            self.eps = eps
            self.weightDecay = weightDecay
            self.epsilonBeforeCorrection = epsilonBeforeCorrection
        }
    }

    /// A parameter group with its moments and step count.
    public final class GroupState {
        public let group: ParameterGroup
        public var settings: Settings
        /// First moments, flat, same layout as the group.
        public let exp_avg: TensorStorage
        /// Second moments, flat.
        public let exp_avg_sq: TensorStorage
        /// Steps taken.
        public var step: Int = 0

        init(group: ParameterGroup, settings: Settings) {
            self.group = group
            self.settings = settings
            exp_avg = TensorStorage(count: Swift.max(group.count, 1))
            exp_avg_sq = TensorStorage(count: Swift.max(group.count, 1))
            exp_avg.pointer.update(repeating: 0, count: exp_avg.count)
            exp_avg_sq.pointer.update(repeating: 0, count: exp_avg_sq.count)
        }
    }

    /// A name for checkpoints (`/optimizers/<name>`).
    public let name: String
    /// The groups, in order.
    public private(set) var groups: [GroupState]
    /// Called after every step (U-GAT-IT clamps every ρ to [0, 1] here).
    public var postStepHook: (() -> Void)?

    /// An optimiser over `groups`, each with its settings.
    public init(name: String, groups: [(ParameterGroup, Settings)]) {
        self.name = name
        self.groups = groups.map { GroupState(group: $0.0, settings: $0.1) }
    }

    /// Applies one update to every group from its flat gradient buffer.
    public func step() {
        Profiler.measure(.optimizer) {
            for state in groups { update(state) }
        }
        postStepHook?()
    }

    /// Zeroes the gradients of every group.
    public func zeroGradients() {
        for state in groups { state.group.zeroGradients() }
    }

    /// √(Σ g²) over all groups.
    public func gradientNorm() -> Double {
        groups.reduce(0) { $0 + Foundation.pow($1.group.gradientNorm(), 2) }.squareRoot()
    }

    private func update(_ state: GroupState) {
        state.step += 1
        let s = state.settings
        let t = Double(state.step)
        let biasCorrection1 = 1 - Foundation.pow(s.beta1, t)
        let biasCorrection2Sqrt = (1 - Foundation.pow(s.beta2, t)).squareRoot()
        let stepSize = Float(state.group.learningRate / biasCorrection1)
        let w1 = Float(1 - s.beta1), b2 = Float(s.beta2), eps = Float(s.eps), wd = Float(s.weightDecay)
        let bc2 = Float(biasCorrection2Sqrt)
        let tfEpsilon = s.epsilonBeforeCorrection
        let p = state.group.values.pointer, g = state.group.gradients.pointer
        let m = state.exp_avg.pointer, v = state.exp_avg_sq.pointer
        for segment in state.group.segments {
            if !segment.parameter.value.requiresGrad { continue }  // frozen
            let lo = segment.offset
            Parallel.forEach(segment.count, grain: 1 << 15) { range in
                for j in range {
                    let i = lo + j
                    var grad = g[i]
                    if wd != 0 { grad += wd * p[i] }
                    // m.lerp_(grad, 1 − β1), with ATen's two-sided lerp formula
                    let diff = grad - m[i]
                    m[i] = w1 < 0.5 ? m[i] + w1 * diff : grad - diff * (1 - w1)
                    v[i] = v[i] * b2 + (1 - b2) * grad * grad
                    let denom = tfEpsilon ? (v[i].squareRoot() + eps) / bc2 : v[i].squareRoot() / bc2 + eps
                    p[i] -= stepSize * m[i] / denom
                }
            }
        }
    }
}
