// Adam exactly as PyTorch's `torch.optim.Adam` (single-tensor path): coupled L2 weight decay
// added to the gradient, m updated by lerp, bias corrections computed in double precision, and
// p ← p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + eps). One loop over each group's flat
// buffers; parameters of frozen modules are skipped. TensorFlow's `AdamOptimizer` (AGGAN) adds
// eps to √v before the bias correction instead; `Settings.epsilonBeforeCorrection` selects that.
//
// Sharded optimiser state (ZeRO stage 1): a group may hold its moments for a contiguous range
// of its flat buffer only (`GroupState.shard`, set by the trainer; NN knows nothing of ranks).
// `step()` then updates the parameters in that range only, with the same float operations per
// element; the caller brings the other ranges up to date. Moments are allocated (zeroed) on
// first use, so a sharded group never holds moments for the whole buffer.
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
        /// The elements of the group's flat buffers whose moments this state holds and whose
        /// parameters ``Adam/step()`` updates: all of them unless the state is sharded.
        public private(set) var shard: Range<Int>
        /// Steps taken.
        public var step: Int = 0
        private var moments: (TensorStorage, TensorStorage)?

        init(group: ParameterGroup, settings: Settings) {
            self.group = group
            self.settings = settings
            shard = 0..<group.count
        }

        /// First moments, flat: element i is the moment of flat element `shard.lowerBound + i`.
        public var exp_avg: TensorStorage { allocatedMoments.0 }
        /// Second moments, laid out as ``exp_avg``.
        public var exp_avg_sq: TensorStorage { allocatedMoments.1 }
        /// Whether the moments have been allocated (they are zero until then).
        public var hasMoments: Bool { moments != nil }

        /// Holds moments for `range` of the flat buffers from now on: values inside the old
        /// shard are kept, the rest start at zero, and the old buffers are freed.
        public func setShard(_ range: Range<Int>) {
            precondition(range.lowerBound >= 0 && range.upperBound <= group.count, "Adam: shard \(range) outside 0..<\(group.count)")
            guard range != shard else { return }
            if let (m, v) = moments {
                let fresh = (GroupState.zeros(range.count), GroupState.zeros(range.count))
                let kept = shard.clamped(to: range)
                if !kept.isEmpty {
                    let from = kept.lowerBound - shard.lowerBound, to = kept.lowerBound - range.lowerBound
                    (fresh.0.pointer + to).update(from: m.pointer + from, count: kept.count)
                    (fresh.1.pointer + to).update(from: v.pointer + from, count: kept.count)
                }
                moments = fresh
            }
            shard = range
        }

        private var allocatedMoments: (TensorStorage, TensorStorage) {
            if let moments { return moments }
            let fresh = (GroupState.zeros(shard.count), GroupState.zeros(shard.count))
            moments = fresh
            return fresh
        }

        private static func zeros(_ count: Int) -> TensorStorage {
            let storage = TensorStorage(count: Swift.max(count, 1))
            storage.pointer.update(repeating: 0, count: storage.count)
            return storage
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

    /// Applies one update to every group from its flat gradient buffer (to each group's
    /// ``GroupState/shard``), then runs `completeUpdate` (a sharded trainer gathers the other
    /// ranks' slices there) and ``postStepHook``.
    public func step(completeUpdate: () -> Void = {}) {
        Profiler.measure(.optimizer) {
            for state in groups { update(state) }
        }
        completeUpdate()
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
        // Moments are indexed from the shard's start: m[i] belongs to flat element i + shard start.
        let m = state.exp_avg.pointer - state.shard.lowerBound, v = state.exp_avg_sq.pointer - state.shard.lowerBound
        for segment in state.group.segments {
            if !segment.parameter.value.requiresGrad { continue }  // frozen
            let mine = (segment.offset..<(segment.offset + segment.count)).clamped(to: state.shard)
            if mine.isEmpty { continue }
            let lo = mine.lowerBound
            Parallel.forEach(mine.count, grain: 1 << 15) { range in
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
