// The `debug.*` settings and the hooks they switch on: fault injection and tracing used by the
// multi-rank tests (Tests/TrainingTests) to check the trainer's failure behaviour through the
// real CLI. All of them are off by default, and then `i2i train` does not install the hooks at
// all; none is read from the environment.
import Checkpointing
import Configuration
// The `debug.*` settings: fault injection and tracing used by the multi-rank tests
// (Tests/TrainingTests) to check the trainer's failure behaviour through the real CLI. All of
// them are off by default and cost nothing then; none is read from the environment.
import Datasets
import Distributed
import Foundation
import Models
import NN
import TensorCore

/// `debug.*`: test hooks, all off by default.
///
/// Steps are counted from 1, as in metrics.jsonl.
public struct DebugOptions: ConfigSection, Equatable, Sendable {
    public enum CrashKind: String, CaseIterable, Sendable { case kill, stall }

    public var nonFiniteRank = -1
    public var nonFiniteStep = 0
    public var crashRank = -1
    public var crashStep = 0
    public var crashKind = CrashKind.kill
    public var checkpointPauseSeconds = 0.0
    public var stepPauseSeconds = 0.0
    public var perRankChecksums = false
    public var traceSamples = false

    public init() {}
    public static let section = "debug"
    public static let settings: [Setting<DebugOptions>] = [
        .int(
            "nonfinite_rank", \.nonFiniteRank, .within(-1, 1_000_000),
            "test hook: this rank's losses become NaN at debug.nonfinite_step (-1: off)"),
        .int("nonfinite_step", \.nonFiniteStep, .within(0, 1e12), "test hook: the step at which debug.nonfinite_rank's losses become NaN"),
        .int("crash_rank", \.crashRank, .within(-1, 1_000_000), "test hook: this rank fails at the start of debug.crash_step (-1: off)"),
        .int("crash_step", \.crashStep, .within(0, 1e12), "test hook: the step at whose start debug.crash_rank fails"),
        .choice(
            "crash_kind", \.crashKind,
            "test hook: kill (the rank SIGKILLs itself) or stall (it stops taking part, so the others reach the collective deadline)"),
        .double(
            "checkpoint_pause_seconds", \.checkpointPauseSeconds, .within(0, 4000),
            "test hook: rank 0 sleeps this long after writing a checkpoint's temporary file, before renaming it"),
        .double(
            "step_pause_seconds", \.stepPauseSeconds, .within(0, 4000),
            "test hook: every rank sleeps this long at the start of each step (a slow step)"),
        .bool(
            "per_rank_checksums", \.perRankChecksums,
            "test hook: every rank prints a checksum of its networks and optimiser state after each step"),
        .bool(
            "trace_samples", \.traceSamples,
            "test hook: rank 0 writes each step's global sample indices (position:A:B) to log.txt"),
    ]

    /// Whether any hook is on.
    public var isActive: Bool { self != DebugOptions() }
}

/// The hooks the `debug` section asks for.
public final class FaultInjection: TrainingHooks {
    let options: DebugOptions

    public init(_ options: DebugOptions) { self.options = options }

    /// Whether `rank` poisons its losses in `step` (counted from 1).
    public func poisonsLosses(step: Int, rank: Int) -> Bool { rank == options.nonFiniteRank && step == options.nonFiniteStep }

    /// Fails this rank at the start of `step` when configured to (SIGKILL, or a stall that never
    /// returns, so the other ranks reach their collective deadline and abort the job), and
    /// traces the step's samples.
    public func stepStarting(_ step: Int, samples: [SampleIndex], communicator comm: Communicator, folder: RunFolder) {
        if comm.rank == options.crashRank && step == options.crashStep {
            let stall = options.crashKind == .stall
            comm.warning("debug: \(stall ? "stalling" : "killing") this rank at the start of step \(step) (debug.crash_rank)")
            if stall {
                while true { sleep(3600) }
            }
            kill(getpid(), SIGKILL)
        }
        if options.traceSamples { trace(samples, step: step, communicator: comm, folder: folder) }
        if options.stepPauseSeconds > 0 { usleep(UInt32(options.stepPauseSeconds * 1e6)) }
    }

    /// Sleeps after a checkpoint's temporary file is written (rank 0), so a test can kill the
    /// writer mid-write.
    public func checkpointWritten(step: Int, communicator comm: Communicator) {
        let seconds = options.checkpointPauseSeconds
        guard seconds > 0 else { return }
        comm.info(
            "debug: pausing \(seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)) s before committing the checkpoint of step \(step)"
        )
        usleep(UInt32(seconds * 1e6))
    }

    /// Prints this rank's checksums of network tensors and optimiser state (every rank prints:
    /// the point is to compare ranks).
    public func stepFinished(_ step: Int, model: GANModel, communicator comm: Communicator) {
        guard options.perRankChecksums else { return }
        let (networks, optimizers) = FaultInjection.checksums(of: model)
        let line = String(
            format: "debug: rank %d step %d networks %016llx optimizers %016llx",
            comm.rank, step, networks.hash, optimizers.hash)
        fputs(line + "\n", stdout)
        fflush(stdout)
    }

    /// Checksums of every network's state tensors and of every optimiser's moments (this rank's
    /// slice of them when the optimiser state is sharded).
    static func checksums(of model: GANModel) -> (networks: ParameterChecksum, optimizers: ParameterChecksum) {
        let tensors = model.networks.flatMap { $0.module.stateTensors().map(\.1) }
        let networks = ParameterChecksum(tensors.map { UnsafeBufferPointer(start: $0.data, count: $0.count) })
        let moments = model.optimizers.flatMap { optimizer in
            optimizer.groups.flatMap { state in
                [
                    UnsafeBufferPointer(start: state.exp_avg.pointer, count: state.shard.count),
                    UnsafeBufferPointer(start: state.exp_avg_sq.pointer, count: state.shard.count),
                ]
            }
        }
        return (networks, ParameterChecksum(moments))
    }

    /// Gathers the step's sample indices of every rank; rank 0 appends them to log.txt in
    /// global order as `position:A:B`.
    private func trace(_ samples: [SampleIndex], step: Int, communicator comm: Communicator, folder: RunFolder) {
        var mine: [Int64] = []
        for s in samples { mine += [Int64(s.position), Int64(s.a), Int64(s.b ?? -1)] }
        let bytes = mine.withUnsafeBytes { [UInt8]($0) }
        let all = comm.allGather(bytes).flatMap { b in b.withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) } }
        guard comm.isRoot else { return }
        var triples: [[Int64]] = stride(from: 0, to: all.count, by: 3).map { i in Array(all[i..<(i + 3)]) }
        triples.sort { $0[0] < $1[0] }
        let text = triples.map { t in t.map(String.init).joined(separator: ":") }.joined(separator: " ")
        try? folder.appendLog("samples step \(step): " + text)
    }
}
