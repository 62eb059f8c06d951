// The `debug.*` settings: fault injection and tracing used by the multi-rank tests
// (Tests/TrainingTests) to check the trainer's failure behaviour through the real CLI. All of
// them are off by default and cost nothing then; none is read from the environment.
import Datasets
import Distributed
import Foundation
import Models
import NN
import TensorCore

/// The `debug` section, read once per run.
struct DebugHooks {
    let nonFiniteRank, nonFiniteStep: Int
    let crashRank, crashStep: Int
    let crashKind: String
    let checkpointPauseSeconds: Double
    let perRankChecksums: Bool
    let traceSamples: Bool

    init(_ c: ExperimentConfig) {
        nonFiniteRank = c.values.int("debug.nonfinite_rank")
        nonFiniteStep = c.values.int("debug.nonfinite_step")
        crashRank = c.values.int("debug.crash_rank")
        crashStep = c.values.int("debug.crash_step")
        crashKind = c.values.string("debug.crash_kind")
        checkpointPauseSeconds = c.values.double("debug.checkpoint_pause_seconds")
        perRankChecksums = c.values.bool("debug.per_rank_checksums")
        traceSamples = c.values.bool("debug.trace_samples")
    }

    /// Whether `rank` poisons its losses in `step` (counted from 1).
    func poisons(step: Int, rank: Int) -> Bool { rank == nonFiniteRank && step == nonFiniteStep }

    /// Fails this rank at the start of `step` (counted from 1) when configured to: SIGKILL, or a
    /// stall that never returns (the other ranks reach their collective deadline and abort the job).
    func crashIfAsked(step: Int, communicator comm: Communicator) {
        guard comm.rank == crashRank && step == crashStep else { return }
        comm.warning("debug: \(crashKind == "stall" ? "stalling" : "killing") this rank at the start of step \(step) (debug.crash_rank)")
        if crashKind == "stall" {
            while true { sleep(3600) }
        }
        kill(getpid(), SIGKILL)
    }

    /// Sleeps after a checkpoint's temporary file is written (rank 0), so a test can kill the
    /// writer mid-write.
    func pauseBeforeCheckpointCommit(step: Int, communicator comm: Communicator) {
        guard checkpointPauseSeconds > 0 else { return }
        comm.info("debug: pausing \(formatted(checkpointPauseSeconds)) s before committing the checkpoint of step \(step)")
        usleep(UInt32(Swift.min(checkpointPauseSeconds, 4000) * 1e6))
    }

    /// Prints this rank's checksums of network tensors and optimiser state (every rank prints:
    /// the point is to compare ranks).
    func printChecksums(model: GANModel, step: Int, communicator comm: Communicator) {
        guard perRankChecksums else { return }
        let (networks, optimizers) = DebugHooks.checksums(of: model)
        let line = String(format: "debug: rank %d step %d networks %016llx optimizers %016llx",
                          comm.rank, step, networks.hash, optimizers.hash)
        fputs(line + "\n", stdout)
        fflush(stdout)
    }

    /// Checksums of every network's state tensors and of every optimiser's moments.
    static func checksums(of model: GANModel) -> (networks: ParameterChecksum, optimizers: ParameterChecksum) {
        let tensors = model.networks.flatMap { $0.module.stateTensors().map(\.1) }
        let networks = ParameterChecksum(tensors.map { UnsafeBufferPointer(start: $0.data, count: $0.count) })
        let moments = model.optimizers.flatMap { optimizer in
            optimizer.groups.flatMap { state in
                [UnsafeBufferPointer(start: state.exp_avg.pointer, count: state.group.count),
                 UnsafeBufferPointer(start: state.exp_avg_sq.pointer, count: state.group.count)]
            }
        }
        return (networks, ParameterChecksum(moments))
    }

    /// Gathers the step's sample indices of every rank; rank 0 appends them to log.txt in
    /// global order as `position:A:B`.
    func traceSamples(_ samples: [SampleIndex], step: Int, communicator comm: Communicator, folder: RunFolder) {
        guard traceSamples else { return }
        var mine: [Int64] = []
        for s in samples { mine += [Int64(s.position), Int64(s.a), Int64(s.b ?? -1)] }
        let bytes = mine.withUnsafeBytes { [UInt8]($0) }
        let all = comm.allGather(bytes).flatMap { b in b.withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) } }
        guard comm.isRoot else { return }
        var triples: [[Int64]] = stride(from: 0, to: all.count, by: 3).map { i in Array(all[i..<(i + 3)]) }
        triples.sort { $0[0] < $1[0] }
        let text = triples.map { t in t.map(String.init).joined(separator: ":") }.joined(separator: " ")
        folder.appendLog("samples step \(step): " + text)
    }

    private func formatted(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
