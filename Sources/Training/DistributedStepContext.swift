// The trainer's side of a model's step: back-propagation into one optimiser's parameters with
// the gradient all-reduce overlapping the backward pass, and updates decided together by all
// ranks (a non-finite loss or gradient on any rank makes every rank skip the update).
//
// With `shardOptimizer` (ZeRO stage 1) the same path shards the update: each bucket is
// reduce-scattered, so a rank holds the mean gradient of its slice only; the finite check
// covers that slice and the flags are combined across ranks as before; Adam updates the slice
// (its moments exist for the slice only); the updated parameters are all-gathered before the
// optimiser's post-step hook runs. No model knows: every update goes through `step(_:loss:)`.
//
// Gradient memory exists only from a backward to its update: the buffers start each backward
// released (zero, no pages: `zeroReleasingPages`) and are released again after the update (or
// the skip), so a GAN's G step does not carry the discriminators' gradients and vice versa,
// and a forward pass holds no gradients at all (PyTorch's `zero_grad(set_to_none=True)`, its
// default, frees them likewise). Sharded, the gradient memory is sharded as well (ZeRO stage
// 2): the synchroniser also hands back each bucket's pages outside this rank's slice once reduced.
// Sharding is the memory-tight mode, so it also caps the tensor pool's cache of freed buffers
// at `shardedPoolCacheBytes` (256 MiB) unless `compute.pool_cache_mb` says otherwise: with the
// default 8 GiB cap, activations freed during backward stayed cached and a 2-rank U-GAT-IT
// (full, 256 px) rank held 6 GB of them. The price is page faults on fresh allocations.
import Checkpointing
import Configuration
import Distributed
import Foundation
import Models
import NN
import TensorCore

/// Implements ``StepContext`` over a communicator; one code path for one or many ranks.
public final class DistributedStepContext: StepContext {
    private let communicator: Communicator
    private let bucketBytes: Int
    private let shardOptimizer: Bool
    /// Per parameter group: its synchroniser and the segment index of each leaf tensor.
    private var synchronizers: [ObjectIdentifier: (sync: GradientSynchronizer, segments: [ObjectIdentifier: Int])] = [:]
    /// Updates skipped in the current step.
    public private(set) var skippedInStep = 0
    /// Names of the optimisers whose update was skipped in the current step.
    private(set) var skippedOptimizers: [String] = []
    /// Ranks whose own loss was non-finite in the current step (before any averaging).
    private(set) var nonFiniteLossRanks = Set<Int>()
    /// Test hook (`debug.nonfinite_rank`): this rank's losses are NaN in the current step.
    var poisonLosses = false
    /// Seconds spent waiting on communication in the current step.
    public private(set) var communicationSeconds = 0.0

    /// A context over `communicator`; `shardOptimizer` shards each optimiser's moments,
    /// update and gradient memory among the ranks (`distributed.shard_optimizer`).
    ///
    /// `poolCacheBytes` caps the process's tensor pool cache (`compute.pool_cache_mb`); nil
    /// leaves it at its default, or ``shardedPoolCacheBytes`` when sharded.
    public init(communicator: Communicator, bucketBytes: Int, shardOptimizer: Bool = false, poolCacheBytes: Int? = nil) {
        self.communicator = communicator
        self.bucketBytes = bucketBytes
        self.shardOptimizer = shardOptimizer
        if let cap = poolCacheBytes ?? (shardOptimizer ? DistributedStepContext.shardedPoolCacheBytes : nil) {
            MemoryPool.shared.limitCache(to: cap)
        }
    }

    /// The tensor pool's cache cap while the optimiser state is sharded.
    public static let shardedPoolCacheBytes = 256 << 20

    /// Clears the per-step counters.
    public func beginStep() {
        skippedInStep = 0
        skippedOptimizers = []
        nonFiniteLossRanks = []
        communicationSeconds = 0
        poisonLosses = false
    }

    private func synchronizer(for group: ParameterGroup) -> (sync: GradientSynchronizer, segments: [ObjectIdentifier: Int]) {
        let key = ObjectIdentifier(group)
        if let existing = synchronizers[key] { return existing }
        let sync = GradientSynchronizer(
            communicator: communicator, segmentSizes: group.segments.map(\.count),
            bucketBytes: bucketBytes, name: "\(group.name) gradients", sharded: shardOptimizer)
        var segments: [ObjectIdentifier: Int] = [:]
        for (i, s) in group.segments.enumerated() { segments[ObjectIdentifier(s.parameter.value)] = i }
        let entry = (sync, segments)
        synchronizers[key] = entry
        return entry
    }

    public func backward(_ loss: Tensor, for optimizer: Adam) {
        communicator.phase = "\(optimizer.name) backward"
        for state in optimizer.groups { state.group.releaseGradients() }
        let entries = optimizer.groups.map { synchronizer(for: $0.group) }
        for (state, entry) in zip(optimizer.groups, entries) {
            // Sharded: the moments cover this rank's slice (a no-op once the trainer sliced them).
            if shardOptimizer { state.setShard(entry.sync.ownedElements) }
            entry.sync.begin(gradients: state.group.gradientBuffer)
        }
        let leaves = optimizer.groups.flatMap { $0.group.leafTensors }
        let loss = poisonLosses ? loss * Float.nan : loss
        loss.backward(accumulatingInto: leaves) { leaf in
            let id = ObjectIdentifier(leaf)
            for entry in entries {
                if let segment = entry.segments[id] { entry.sync.parameterReady(segment); return }
            }
        }
    }

    /// What was skipped in this step and why, for the warning rank 0 prints.
    var skipReport: String {
        let updates = skippedOptimizers.joined(separator: " and ") + (skippedOptimizers.count == 1 ? " update" : " updates")
        let cause =
            nonFiniteLossRanks.isEmpty
            ? "non-finite gradients"
            : communicator.size == 1
                ? "a non-finite loss"
                : "a non-finite loss on rank" + (nonFiniteLossRanks.count == 1 ? " " : "s ")
                    + nonFiniteLossRanks.sorted().map(String.init).joined(separator: ", ")
        return "\(cause); the \(updates) skipped on every rank"
    }

    @discardableResult
    public func step(_ optimizer: Adam, loss: Float) -> Bool {
        // Nothing reads the gradients after this step's update (the next backward starts from
        // zero), so their memory goes back whether the update runs or is skipped.
        defer {
            for state in optimizer.groups { state.group.releaseGradients() }
        }
        communicator.phase = "\(optimizer.name) gradient all-reduce"
        let start = DispatchTime.now().uptimeNanoseconds
        // finish() checks the averaged gradients for non-finite values as it scales them.
        var gradientsFinite = true
        for state in optimizer.groups {
            if !synchronizer(for: state.group).sync.finish() { gradientsFinite = false }
        }
        // Gradients are averaged by now, so a non-finite value on one rank shows on all of them
        // (sharded: on the rank owning its slice; the flags below combine the ranks' views);
        // the loss is still this rank's own, which names the rank where the trouble started.
        let lossBad = poisonLosses || !loss.isFinite
        let gradientsBad = !gradientsFinite
        communicator.phase = "\(optimizer.name) finite check"
        var flags = [Int](repeating: 0, count: communicator.size)
        flags[communicator.rank] = (lossBad ? 2 : 0) | (gradientsBad ? 1 : 0)
        flags = communicator.allReduce(flags, .max)
        communicationSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        if flags.contains(where: { $0 != 0 }) {
            skippedInStep += 1
            skippedOptimizers.append(optimizer.name)
            for (r, f) in flags.enumerated() where f & 2 != 0 { nonFiniteLossRanks.insert(r) }
            return false
        }
        communicator.phase = "\(optimizer.name) update"
        optimizer.step {
            guard shardOptimizer else { return }
            communicator.phase = "\(optimizer.name) parameter all-gather"
            let start = DispatchTime.now().uptimeNanoseconds
            for state in optimizer.groups { synchronizer(for: state.group).sync.gatherParameters(state.group.valueBuffer) }
            communicationSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        }
        return true
    }
}
