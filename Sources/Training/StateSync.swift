// Keeping ranks consistent: rank 0's networks and optimiser state are broadcast to every rank
// at start-up (after initialisation, `--init-from` or `--resume`), and each rank's own state
// (image pools and their random streams) is gathered to rank 0 for checkpoints.
import Checkpointing
import Configuration
import Distributed
import Foundation
import Models
import NN
import TensorCore

enum StateSync {
    /// Broadcasts every network tensor and every optimiser's moments, step counts and learning
    /// rates from rank 0, in a fixed order.
    ///
    /// With `shardOptimizer`, each rank receives only its slice of the moments (see
    /// OptimizerSharding).
    static func broadcastFromRoot(model: GANModel, communicator: Communicator, shardOptimizer: Bool = false) throws {
        if shardOptimizer { try OptimizerSharding.scatterFromRoot(model.optimizers, communicator: communicator) }
        guard communicator.size > 1 else { return }
        communicator.phase = "start-up broadcast"
        for (_, module) in model.networks {
            for (_, tensor) in module.stateTensors() {
                communicator.broadcast(UnsafeMutableBufferPointer(start: tensor.data, count: tensor.count), root: 0)
            }
        }
        for optimizer in model.optimizers {
            for state in optimizer.groups {
                let n = state.group.count
                if !shardOptimizer {
                    communicator.broadcast(UnsafeMutableBufferPointer(start: state.exp_avg.pointer, count: n), root: 0)
                    communicator.broadcast(UnsafeMutableBufferPointer(start: state.exp_avg_sq.pointer, count: n), root: 0)
                }
                let scalars = try communicator.broadcast(value: [Double(state.step), state.group.learningRate], root: 0)
                state.step = Int(scalars[0])
                state.group.learningRate = scalars[1]
            }
        }
    }

    /// This rank's pools and streams.
    static func localState(of model: GANModel) -> RankState {
        RankState(
            pools: model.pools.map { ($0.name, $0.entries) },
            streams: model.randomSources.map { ($0.name, $0.stream.state) })
    }

    /// Restores this rank's pools and streams (state the checkpoint does not hold is kept).
    static func restore(_ state: RankState, into model: GANModel) {
        for source in model.randomSources {
            if let saved = state.streams.first(where: { $0.name == source.name }), saved.state.count == 3 {
                source.stream = RandomStream(state: saved.state)
            }
        }
        for pool in model.pools {
            if let saved = state.pools.first(where: { $0.name == pool.name }) { pool.restore(entries: saved.entries) }
        }
    }

    /// Every rank's state, on rank 0 (other ranks get an empty array).
    ///
    /// Each rank in turn broadcasts its serialised state; the sizes are exchanged first.
    static func gatherToRoot(_ local: RankState, communicator: Communicator) -> [RankState] {
        guard communicator.size > 1 else { return [local] }
        communicator.phase = "checkpoint gather"
        var bytes = RankStateCoding.encode(local)
        let sizes = communicator.allReduce(
            (0..<communicator.size).map { $0 == communicator.rank ? bytes.count : 0 }, .sum)
        var result: [RankState] = []
        for r in 0..<communicator.size {
            var buffer = r == communicator.rank ? bytes : [UInt8](repeating: 0, count: sizes[r])
            buffer.withUnsafeMutableBytes { communicator.broadcast($0, root: r) }
            if communicator.rank == 0 { result.append(RankStateCoding.decode(buffer)) }
        }
        bytes.removeAll()
        return result
    }
}

/// A compact binary form of ``RankState`` for the gather.
enum RankStateCoding {
    static func encode(_ s: RankState) -> [UInt8] {
        var out: [UInt8] = []
        func int(_ v: Int) { withUnsafeBytes(of: Int64(v).littleEndian) { out += $0 } }
        func string(_ v: String) { let b = Array(v.utf8); int(b.count); out += b }
        int(s.streams.count)
        for (name, state) in s.streams { string(name); int(state.count); for v in state { int(Int(bitPattern: UInt(v))) } }
        int(s.pools.count)
        for (name, entries) in s.pools {
            string(name)
            int(entries.count)
            for entry in entries {
                int(entry.count)
                for t in entry {
                    int(t.rank)
                    for d in t.shape { int(d) }
                    out += UnsafeRawBufferPointer(start: t.data, count: t.count * 4)
                }
            }
        }
        return out
    }

    static func decode(_ bytes: [UInt8]) -> RankState {
        var i = 0
        func int() -> Int {
            var v: Int64 = 0
            withUnsafeMutableBytes(of: &v) { $0.copyBytes(from: bytes[i..<(i + 8)]) }
            i += 8
            return Int(Int64(littleEndian: v))
        }
        func string() -> String { let n = int(); defer { i += n }; return String(decoding: bytes[i..<(i + n)], as: UTF8.self) }
        var streams: [(String, [UInt64])] = []
        for _ in 0..<int() {
            let name = string()
            let n = int()
            streams.append((name, (0..<n).map { _ in UInt64(UInt(bitPattern: int())) }))
        }
        var pools: [(String, [[Tensor]])] = []
        for _ in 0..<int() {
            let name = string()
            var entries: [[Tensor]] = []
            for _ in 0..<int() {
                var parts: [Tensor] = []
                for _ in 0..<int() {
                    let rank = int()
                    let shape = (0..<rank).map { _ in int() }
                    let t = Tensor(uninitializedShape: shape)
                    let n = t.count * 4
                    bytes.withUnsafeBytes { UnsafeMutableRawPointer(t.data).copyMemory(from: $0.baseAddress! + i, byteCount: n) }
                    i += n
                    parts.append(t)
                }
                entries.append(parts)
            }
            pools.append((name, entries))
        }
        return RankState(pools: pools, streams: streams)
    }
}
