// The training loop, one code path for a single process and for any number of MPI ranks. Set-up
// (Trainer+Setup.swift) resolves the config, opens the data, builds the model, loads the start
// state and checks that the ranks agree; then each step reads the next batch, sets the learning
// rates, runs the model's step (gradients all-reduced while backward runs, updates skipped
// together on non-finite values), logs metrics averaged across ranks, and writes samples and
// checkpoints. The loop below is the whole of it.
import Checkpointing
import Configuration
import Datasets
import Distributed
import FileSafety
import Foundation
import Models
import NN
import TensorCore
import Terminal

/// What `i2i train` asked for.
public struct TrainRequest {
    public var configPath: String
    public var dataPath: String
    public var runPath: String
    public var steps: Int?
    public var batchSize: Int?
    public var seed: Int?
    public var resume = false
    /// Resume from a checkpoint trained on another dataset, on purpose.
    public var allowOtherData = false
    public var initFrom: String?
    /// Start a new run in a run folder that holds one (its contents are deleted once every
    /// check of the new run has passed).
    public var overwrite = false
    public var overrides: [String] = []

    public init(configPath: String, dataPath: String, runPath: String) {
        self.configPath = configPath
        self.dataPath = dataPath
        self.runPath = runPath
    }
}

/// How a run ended.
public enum TrainOutcome: Equatable {
    /// The schedule (or `--steps`) completed.
    case finished(step: Int)
    /// A signal asked to stop; a checkpoint was written at `step`.
    ///
    /// `signal` is the signal's number, the same on every rank (the highest received when
    /// ranks got different ones); `i2i train` exits with 128 + `signal`.
    case interrupted(step: Int, signal: Int32)

    /// The exit status of `i2i train` for this outcome: 0 when finished, 128 + the signal's
    /// number when stopped by one (143 for SIGTERM, 130 for SIGINT, 138 for SIGUSR1), as
    /// `timeout`, shells and Slurm report a process ended by that signal.
    public var exitStatus: Int32 {
        switch self {
        case .finished: return 0
        case .interrupted(_, let signal): return 128 + signal
        }
    }
}

/// Runs training.
public final class Trainer {
    let request: TrainRequest
    let communicator: Communicator
    /// The resolved configuration.
    public let config: ExperimentConfig
    let registry: ModelRegistry
    let folder: RunFolder
    /// Fault injection and tracing (tests only); nothing in production.
    public var hooks: TrainingHooks = NoTrainingHooks()
    /// The content hash of the training data (set up by `prepare`), recorded in checkpoints.
    var datasetHash = ""
    /// Lines for log.txt found during set-up, written once the start is committed (rank 0).
    var startNotes: [String] = []
    var isRoot: Bool { communicator.rank == 0 }
    /// Rank 0's lock on the run folder, held from the start of set-up to the end of the run.
    var lock: RunLock?
    /// The outermost folder set-up created for the run folder (removed again by a failed start).
    var createdFolder: String?
    /// Whether set-up has written to the run folder (after every check passed).
    var startCommitted = false

    /// Resolves the configuration (CLI overrides applied) and checks it against the world size.
    public init(request: TrainRequest, communicator: Communicator, registry: ModelRegistry = .standard) throws {
        self.request = request
        self.communicator = communicator
        self.registry = registry
        var overrides = request.overrides
        if let s = request.steps { overrides.append("train.steps=\(s)") }
        if let b = request.batchSize { overrides.append("train.batch_size=\(b)") }
        if let s = request.seed { overrides.append("seed=\(s)") }
        config = try Trainer.agreeing(on: communicator) {
            try ExperimentConfig.load(path: request.configPath, overrides: overrides, registry: registry)
        }
        let batch = config.globalBatch
        guard batch % communicator.size == 0 else {
            throw ConfigError(
                "train.batch_size \(batch) is not divisible by the \(communicator.size) ranks; use a multiple of \(communicator.size)")
        }
        folder = RunFolder(path: request.runPath)
    }

    /// Trains until the schedule ends, `--steps` is reached or a signal arrives.
    public func run() throws -> TrainOutcome {
        let comm = communicator
        defer { lock?.release() }
        let run: PreparedRun
        do { run = try prepare() } catch {
            abandonStart()
            throw error
        }
        if let outcome = run.outcomeWithoutTraining { return outcome }
        let model = run.model, total = run.totalSteps, cadence = config.train
        let distributed = config.distributed, globalBatch = config.globalBatch  // read once, not per step
        let loader = DataLoader(source: run.source, sampler: run.sampler, augmentation: run.augmentation, start: run.start.position)
        defer { loader.close() }
        let context = DistributedStepContext(
            communicator: comm, bucketBytes: distributed.bucketBytes, shardOptimizer: distributed.shardOptimizer,
            poolCacheBytes: config.compute.poolCacheBytes)
        let signals = SignalMonitor.install()
        let bar = isRoot ? ProgressBar(total: total, label: "train", unit: "steps") : nil
        bar?.baseline = run.start.step
        var step = run.start.step
        var skips = SkipCounter(total: run.start.skipped, limit: distributed.maxSkippedSteps)
        var window = MetricsWindow()
        let page = RunPage(folder: folder, model: config.model, totalSteps: total, configSummary: config.summary())
        while step < total {
            comm.step = step + 1  // counted from 1, as in metrics.jsonl and the warnings
            comm.phase = "data loading"
            let t0 = DispatchTime.now().uptimeNanoseconds
            let position = loader.position
            let data = try loader.next()
            let t1 = DispatchTime.now().uptimeNanoseconds
            model.updateLearningRates(epoch: position.epoch, iteration: step)
            hooks.stepStarting(step + 1, samples: data.samples, communicator: comm, folder: folder)
            context.beginStep()
            context.poisonLosses = hooks.poisonsLosses(step: step + 1, rank: comm.rank)
            comm.phase = "forward"
            let losses = model.trainStep(try run.batch(from: data), epoch: position.epoch, context: context)
            let t2 = DispatchTime.now().uptimeNanoseconds
            step += 1
            try skips.record(context, step: step, communicator: comm)
            window.add(
                losses: losses, data: Double(t1 - t0) * 1e-9, compute: Double(t2 - t1) * 1e-9 - context.communicationSeconds,
                communication: context.communicationSeconds, images: globalBatch)
            if distributed.checksumEvery > 0 && step % distributed.checksumEvery == 0 {
                comm.phase = "parameter checksum"
                try comm.verifyParametersAgree(model.optimizers.flatMap { $0.groups.map { UnsafeBufferPointer($0.group.valueBuffer) } })
            }
            if step % cadence.logEvery == 0 || step == total {
                try log(window: &window, step: step, epoch: position.epoch, model: model, bar: bar, skipped: skips.total)
            } else {
                bar?.advance()
            }
            hooks.stepFinished(step, model: model, communicator: comm)
            let stop = comm.anyRank(signals.stopRequested)
            // The checkpoint first: on a disk about to fill up it is the file that matters.
            let checkpointed = stop || step == total || (cadence.checkpointEvery > 0 && step % cadence.checkpointEvery == 0)
            if checkpointed {
                try checkpoint(model: model, step: step, position: loader.position, skipped: skips.total)
            }
            let sampled = (cadence.sampleEvery > 0 && step % cadence.sampleEvery == 0) || step == total
            if isRoot, let samples = run.samples, sampled {
                let grid = try samples.write(model: model, step: step)
                try folder.tensorBoard?.write(
                    step: step, values: [.image(tag: "samples", png: grid.png, width: grid.width, height: grid.height, channels: 3)])
            }
            if isRoot && (sampled || checkpointed) {
                if step == total { FileManager.default.createFile(atPath: folder.finishedMarker, contents: nil) }
                try page.write(step: step)
            }
            if stop {
                bar?.finish()
                comm.info("stopped by \(Trainer.whoGotSignals(signals, communicator: comm)); checkpoint written at step \(step)")
                if isRoot { try folder.appendLog("interrupted at step \(step)") }
                return .interrupted(step: step, signal: Trainer.agreedSignal(signals, communicator: comm))
            }
        }
        bar?.finish()
        if isRoot {
            FileManager.default.createFile(atPath: folder.finishedMarker, contents: nil)
            try folder.appendLog("finished at step \(step)")
            folder.close()
        }
        comm.info("finished: \(step) steps; checkpoints in \(folder.checkpoints.path), samples in \(folder.samplesPath)")
        return .finished(step: step)
    }
}

/// Consecutive and total steps whose update was skipped for non-finite values.
struct SkipCounter {
    var total: Int
    let limit: Int
    var inARow = 0

    /// Counts the step just taken; throws when `limit` steps in a row were skipped.
    mutating func record(_ context: DistributedStepContext, step: Int, communicator comm: Communicator) throws {
        guard context.skippedInStep > 0 else {
            inARow = 0
            return
        }
        inARow += 1
        total += 1
        if comm.rank == 0 { comm.warning("step \(step): \(context.skipReport) (\(inARow) in a row)") }
        if inARow >= limit {
            throw TrainingFailure(
                "stopping: \(inARow) steps in a row had non-finite losses or gradients (distributed.max_skipped_steps = \(limit))")
        }
    }
}

/// A run-time failure (exit status 1).
public struct TrainingFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
