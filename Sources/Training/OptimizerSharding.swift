// Sharded optimiser state (`distributed.shard_optimizer: true`, ZeRO stage 1) outside the step:
// slicing the Adam moments among ranks at start-up and gathering them for checkpoints. The
// step itself is in DistributedStepContext (reduce-scatter, update of the slice, all-gather).
//
// Invariants:
// - Every group's moments are sliced by `ShardLayout` over the group's flat buffer and the
//   job's ranks; between steps rank r holds exactly slice r (possibly not yet allocated, which
//   means zero).
// - Checkpoints have one format: rank 0 gathers the whole moments, writes them as an unsharded
//   run would, and drops back to its slice. A checkpoint resumes on any rank count, sharded or
//   not: rank 0 reads the whole moments and scatters the slices.
// - Step counts and learning rates are the same on every rank (every rank steps every group).
// - Only rank 0 ever holds whole moments, and only while loading or writing a checkpoint.
import Distributed
import NN

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

    /// Gathers the whole moments of every group on rank 0, for a checkpoint.
    ///
    /// The other ranks send their slices. Undo with ``restoreSlices(_:communicator:)``.
    static func gatherToRoot(_ optimizers: [Adam], communicator comm: Communicator) {
        guard comm.size > 1 else { return }
        for optimizer in optimizers {
            for state in optimizer.groups {
                let shards = layout(of: state, on: comm)
                precondition(state.shard == shards.slice(of: comm.rank), "\(optimizer.name): moments are not this rank's slice")
                if comm.isRoot { state.setShard(0..<shards.elementCount) }
                let counts = shards.counts(in: 0..<shards.elementCount)
                let n = state.shard.count
                for moments in [state.exp_avg, state.exp_avg_sq] {
                    comm.wait(comm.startGather(UnsafeMutableBufferPointer(start: moments.pointer, count: n), counts: counts, root: 0))
                }
            }
        }
    }

    /// Drops rank 0's whole moments back to its slice after a checkpoint.
    static func restoreSlices(_ optimizers: [Adam], communicator comm: Communicator) {
        for optimizer in optimizers {
            for state in optimizer.groups { state.setShard(layout(of: state, on: comm).slice(of: comm.rank)) }
        }
    }
}
