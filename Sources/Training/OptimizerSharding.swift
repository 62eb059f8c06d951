// Sharded optimiser state (`distributed.shard_optimizer: true`, ZeRO stage 1) outside the step:
// slicing the Adam moments among ranks at start-up and gathering them for checkpoints. The
// step itself is in DistributedStepContext (reduce-scatter, update of the slice, all-gather).
//
// Invariants:
// - Every group's moments are sliced by `ShardLayout` over the group's flat buffer and the
//   job's ranks; between steps rank r holds exactly slice r (possibly not yet allocated, which
//   means zero).
// - Checkpoints have one format: while rank 0 writes, it gathers each whole moment buffer of
//   each group in turn (the writer's order: optimisers, groups, exp_avg then exp_avg_sq),
//   writes it and frees it, so it never holds more than one whole buffer; the other ranks
//   send their slices in the same order. A checkpoint resumes on any rank count, sharded or
//   not: rank 0 reads the whole moments and scatters the slices.
// - Step counts and learning rates are the same on every rank (every rank steps every group).
import Checkpointing
import Distributed
import NN
import TensorCore

enum OptimizerSharding {
    /// The slices of `state`'s flat buffer on `communicator`'s ranks.
    static func layout(of state: Adam.GroupState, on communicator: Communicator) -> ShardLayout {
        ShardLayout(elementCount: state.group.count, ranks: communicator.size)
    }

    /// Gives every rank its slice of each group's moments.
    ///
    /// Rank 0's moments, when it has any (read from a checkpoint), are scattered; otherwise
    /// every rank starts with zero moments, allocated for its slice only when first used.
    /// Every rank calls this at the same point.
    static func scatterFromRoot(_ optimizers: [Adam], communicator comm: Communicator) throws {
        for optimizer in optimizers {
            for state in optimizer.groups {
                let shards = layout(of: state, on: comm)
                let mine = shards.slice(of: comm.rank)
                let loaded = comm.size > 1 ? try comm.broadcast(value: comm.isRoot && state.hasMoments, root: 0) : state.hasMoments
                guard loaded, comm.size > 1 else {
                    state.setShard(mine)
                    continue
                }
                let counts = shards.counts(in: 0..<shards.elementCount)
                if !comm.isRoot { state.setShard(mine) }
                let n = state.shard.count
                for moments in [state.exp_avg, state.exp_avg_sq] {
                    comm.wait(comm.startScatter(UnsafeMutableBufferPointer(start: moments.pointer, count: n), counts: counts, root: 0))
                }
                if comm.isRoot { state.setShard(mine) }
            }
        }
    }

    /// The gathers of one checkpoint write, in the order every rank follows.
    final class MomentGathers {
        private let communicator: Communicator
        private let timeout: Double
        private let items: [(optimizer: Adam, group: Int, moment: String)]
        private var done = 0

        /// The gathers of `optimizers`' moments, each waited for under `timeout` (rank 0 may
        /// be writing the file meanwhile).
        init(_ optimizers: [Adam], communicator: Communicator, timeout: Double) {
            self.communicator = communicator
            self.timeout = timeout
            items = optimizers.flatMap { optimizer in
                optimizer.groups.indices.flatMap { g in Adam.momentNames.map { (optimizer, g, $0) } }
            }
        }

        /// Rank 0, as the checkpoint writer's ``MomentSource``: gathers the whole buffer the
        /// writer asks for (the next in the order) and passes it to `body`; it is freed after.
        func gather(_ optimizer: Adam, _ group: Int, _ moment: String, _ body: (UnsafeBufferPointer<Float>) throws -> Void) throws {
            precondition(
                done < items.count && items[done].optimizer === optimizer && items[done].group == group
                    && items[done].moment == moment, "checkpoint: moments asked for out of order")
            done += 1
            let state = optimizer.groups[group]
            let shards = OptimizerSharding.layout(of: state, on: communicator)
            let mine = shards.slice(of: communicator.rank)
            let whole = TensorStorage(count: Swift.max(shards.elementCount, 1))
            let own = moment == "exp_avg" ? state.exp_avg : state.exp_avg_sq
            (whole.pointer + mine.lowerBound).update(from: own.pointer, count: mine.count)
            let buffer = UnsafeMutableBufferPointer(start: whole.pointer, count: shards.elementCount)
            communicator.wait(
                communicator.startGather(buffer, counts: shards.counts(in: 0..<shards.elementCount), root: 0), timeout: timeout)
            try body(UnsafeBufferPointer(buffer))
        }

        /// Rank 0 after the write: the gathers a failed write did not reach, so that the other
        /// ranks are not left waiting.
        func finish() {
            while done < items.count {
                let item = items[done]
                try? gather(item.optimizer, item.group, item.moment) { _ in }
            }
        }

        /// The other ranks: sends this rank's slice of every buffer, in order.
        func sendAll() {
            for (optimizer, group, moment) in items {
                let state = optimizer.groups[group]
                let shards = OptimizerSharding.layout(of: state, on: communicator)
                let own = moment == "exp_avg" ? state.exp_avg : state.exp_avg_sq
                let buffer = UnsafeMutableBufferPointer(start: own.pointer, count: state.shard.count)
                communicator.wait(
                    communicator.startGather(buffer, counts: shards.counts(in: 0..<shards.elementCount), root: 0), timeout: timeout)
            }
            done = items.count
        }
    }
}
