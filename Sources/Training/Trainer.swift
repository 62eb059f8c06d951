// The training loop, one code path for a single process and for any number of MPI ranks:
// set up (config, run folder, dataset, model, resume or init-from, broadcast, handshake), then
// per step: next batch, learning rates, the model's step, collective decisions (skip on
// non-finite values, stop on a signal), metrics averaged across ranks, samples and checkpoints.
import Datasets
import Distributed
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
    public var initFrom: String?
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
    case interrupted(step: Int)
}

/// Runs training.
public final class Trainer {
    let request: TrainRequest
    let communicator: Communicator
    let config: ExperimentConfig
    let folder: RunFolder
    var isRoot: Bool { communicator.rank == 0 }

    /// Resolves the configuration (CLI overrides applied) and checks it against the world size.
    public init(request: TrainRequest, communicator: Communicator) throws {
        self.request = request
        self.communicator = communicator
        var overrides = request.overrides
        if let s = request.steps { overrides.append("train.steps=\(s)") }
        if let b = request.batchSize { overrides.append("train.batch_size=\(b)") }
        if let s = request.seed { overrides.append("seed=\(s)") }
        config = try Trainer.agreeing(on: communicator) {
            try ExperimentConfig.load(path: request.configPath, overrides: overrides)
        }
        let batch = config.globalBatch
        guard batch >= 1 else { throw ConfigError("train.batch_size must be at least 1, got \(batch)") }
        guard batch % communicator.size == 0 else {
            throw ConfigError("train.batch_size \(batch) is not divisible by the \(communicator.size) ranks; use a multiple of \(communicator.size)")
        }
        folder = RunFolder(path: request.runPath)
    }

    /// Trains until the schedule ends, `--steps` is reached or a signal arrives.
    public func run() throws -> TrainOutcome {
        let comm = communicator
        comm.timeoutSeconds = config.values.double("distributed.timeout_seconds")
        if isRoot {
            try folder.prepare()
            try RunFolder.writeAtomically(config.yaml(), to: folder.configPath)
            comm.info(config.yaml(markChanged: true).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
        }
        comm.barrier()

        // Data: every rank opens the file itself, read-only, after MPI has started.
        let (data, source, sampler) = try Trainer.agreeing(on: comm) {
            let data = try DatasetFile(path: request.dataPath)
            let source = try data.trainingSource()
            do {
                let sampler = try ShardedSampler(countA: source.countA, countB: source.countB, globalBatch: config.globalBatch,
                                                 worldSize: comm.size, rank: comm.rank, seed: config.seed)
                return (data, source, sampler)
            } catch { throw ConfigError("\(request.dataPath): \(error)") }
        }
        let augmentation = Augmentation(loadSize: config.values.int("data.load_size"),
                                        cropSize: config.values.int("data.crop_size"), flip: config.values.bool("data.flip"))

        // Model and start state.
        let model = ModelFactory.make(config, rank: comm.rank)
        if let problem = model.imageSizeProblem(augmentation.cropSize) { throw ConfigError("data.crop_size: \(problem)") }
        guard augmentation.loadSize >= augmentation.cropSize else {
            throw ConfigError("data.load_size \(augmentation.loadSize) is smaller than data.crop_size \(augmentation.cropSize)")
        }
        var start = StartState()
        try loadStartState(model: model, into: &start)
        try StateSync.broadcastFromRoot(model: model, communicator: comm)
        try handshake(model: model, data: data)

        let stepsPerEpoch = sampler.stepsPerEpoch
        let total = config.steps > 0 ? config.steps : model.trainingEpochs * stepsPerEpoch
        if request.steps == 0 {
            try checkpoint(model: model, step: start.step, position: start.position, skipped: start.skipped)
            comm.info("wrote the initial checkpoint (--steps 0)")
            return .finished(step: start.step)
        }
        if start.step >= total {
            comm.info("nothing to do: the run is already at step \(start.step) of \(total)")
            if isRoot { FileManager.default.createFile(atPath: folder.finishedMarker, contents: nil) }
            return .finished(step: start.step)
        }

        // A run extended with more steps is not finished until they are done (launch loops stop
        // resuming when the marker exists).
        if isRoot { try? FileManager.default.removeItem(atPath: folder.finishedMarker) }
        // The sample images are read before the loader starts: from then on its prefetch thread
        // owns the dataset file, and reading it here too raced with that thread (a crash).
        let samples = try Trainer.agreeing(on: comm) {
            isRoot ? try SampleWriter(data: data, count: config.values.int("train.sample_count"),
                                      size: augmentation.cropSize, folder: folder.samplesPath) : nil
        }
        let loader = DataLoader(source: source, sampler: sampler, augmentation: augmentation, start: start.position)
        defer { loader.close() }
        let context = DistributedStepContext(
            communicator: comm, bucketBytes: Int(config.values.double("distributed.bucket_mb") * 1_048_576))
        let signals = SignalMonitor.install()
        let loop = LoopSettings(config)
        let hooks = DebugHooks(config)
        let bar = isRoot ? ProgressBar(total: total, label: "train", unit: "steps") : nil
        bar?.baseline = start.step
        comm.info("training \(config.model.rawValue) on \(comm.size) rank\(comm.size == 1 ? "" : "s") × \(Parallel.threadCount) thread\(Parallel.threadCount == 1 ? "" : "s"), global batch \(config.globalBatch), \(stepsPerEpoch) steps per epoch, steps \(start.step)..<\(total)")

        var step = start.step
        var skippedInARow = 0
        var skippedTotal = start.skipped
        var window = MetricsWindow()
        while step < total {
            comm.step = step + 1   // counted from 1, as in metrics.jsonl and the warnings
            comm.phase = "data loading"
            let t0 = DispatchTime.now().uptimeNanoseconds
            let position = loader.position
            let batch = try loader.next()
            let t1 = DispatchTime.now().uptimeNanoseconds
            guard let b = batch.b else { throw ConfigError("\(request.dataPath): the model needs unpaired A and B images") }
            model.updateLearningRates(epoch: position.epoch, iteration: step)
            hooks.crashIfAsked(step: step + 1, communicator: comm)
            hooks.traceSamples(batch.samples, step: step + 1, communicator: comm, folder: folder)
            context.beginStep()
            context.poisonLosses = hooks.poisons(step: step + 1, rank: comm.rank)
            comm.phase = "forward"
            let losses = model.trainStep(ImageBatch(a: batch.a, b: b), epoch: position.epoch, context: context)
            let t2 = DispatchTime.now().uptimeNanoseconds
            step += 1
            if context.skippedInStep > 0 {
                skippedInARow += 1
                skippedTotal += 1
                if isRoot { comm.warning("step \(step): \(context.skipReport) (\(skippedInARow) in a row)") }
                if skippedInARow >= loop.maxSkipped {
                    throw TrainingFailure("stopping: \(skippedInARow) steps in a row had non-finite losses or gradients (distributed.max_skipped_steps = \(loop.maxSkipped))")
                }
            } else { skippedInARow = 0 }
            window.add(losses: losses, data: Double(t1 - t0) * 1e-9, compute: Double(t2 - t1) * 1e-9 - context.communicationSeconds,
                       communication: context.communicationSeconds, images: config.globalBatch)
            if loop.checksumEvery > 0 && step % loop.checksumEvery == 0 {
                comm.phase = "parameter checksum"
                try comm.verifyParametersAgree(model.optimizers.flatMap { $0.groups.map { UnsafeBufferPointer($0.group.valueBuffer) } })
            }
            if step % loop.logEvery == 0 || step == total {
                log(window: &window, step: step, epoch: position.epoch, model: model, bar: bar, skipped: skippedTotal)
            } else { bar?.advance() }
            hooks.printChecksums(model: model, step: step, communicator: comm)
            let stop = comm.anyRank(signals.stopRequested)
            if isRoot, let samples, (loop.sampleEvery > 0 && step % loop.sampleEvery == 0) || step == total {
                try samples.write(model: model, step: step)
            }
            let next = loader.position
            if stop || step == total || (loop.checkpointEvery > 0 && step % loop.checkpointEvery == 0) {
                try checkpoint(model: model, step: step, position: next, skipped: skippedTotal)
            }
            if stop {
                bar?.finish()
                comm.info("stopped by \(Trainer.whoGotSignals(signals, communicator: comm)); checkpoint written at step \(step)")
                if isRoot { folder.appendLog("interrupted at step \(step)") }
                return .interrupted(step: step)
            }
        }
        bar?.finish()
        if isRoot {
            FileManager.default.createFile(atPath: folder.finishedMarker, contents: nil)
            folder.appendLog("finished at step \(step)")
            folder.close()
        }
        comm.info("finished: \(step) steps; checkpoints in \(folder.checkpoints.path), samples in \(folder.samplesPath)")
        return .finished(step: step)
    }
}

extension Trainer {
    /// Runs `body` on every rank and agrees on bad input: when it throws a ``ConfigError`` or
    /// `DatasetError` on some ranks only (a config or file that differs between nodes), every
    /// rank throws a ``ConfigError`` naming the first failing rank, so that the job ends with
    /// one line from rank 0 and exit status 2 instead of a silent exit on the failing rank.
    static func agreeing<T>(on comm: Communicator, _ body: () throws -> T) throws -> T {
        var value: T?
        var failure: Error?
        var message = ""
        do { value = try body() } catch let error as ConfigError {
            failure = error
            message = error.description
        } catch let error as DatasetError {
            failure = error
            message = "\(error)"
        }
        if comm.size > 1 {
            let messages = comm.allGather(Array(message.utf8)).map { String(decoding: $0, as: UTF8.self) }
            if let first = messages.firstIndex(where: { !$0.isEmpty }), messages.contains(where: { $0 != messages[first] }) {
                throw ConfigError("rank \(first): \(messages[first])")
            }
        }
        if let failure { throw failure }
        return value!
    }
}

extension Trainer {
    /// "SIGTERM on rank 1", "SIGUSR1 on ranks 0, 1": which ranks received which stop signal
    /// (one small all-reduce, on every rank).
    static func whoGotSignals(_ signals: SignalMonitor, communicator comm: Communicator) -> String {
        var numbers = [Int](repeating: 0, count: comm.size)
        numbers[comm.rank] = Int(signals.receivedSignal ?? 0)
        numbers = comm.allReduce(numbers, .max)
        var byName: [(name: String, ranks: [Int])] = []
        for (rank, number) in numbers.enumerated() where number != 0 {
            let name = [SIGINT: "SIGINT", SIGTERM: "SIGTERM", SIGUSR1: "SIGUSR1"][Int32(number)] ?? "signal \(number)"
            if let i = byName.firstIndex(where: { $0.name == name }) { byName[i].ranks.append(rank) } else { byName.append((name, [rank])) }
        }
        if comm.size == 1 { return byName.first?.name ?? "a signal" }
        return byName.map { "\($0.name) on rank\($0.ranks.count == 1 ? "" : "s") " + $0.ranks.map(String.init).joined(separator: ", ") }
            .joined(separator: " and ")
    }
}

/// A run-time failure (exit status 1).
public struct TrainingFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Where training starts.
struct StartState {
    var step = 0
    var position = SamplerPosition.start
    var skipped = 0
}

/// Loop cadences from the config.
struct LoopSettings {
    let logEvery, sampleEvery, checkpointEvery, checksumEvery, maxSkipped, keep: Int
    init(_ c: ExperimentConfig) {
        logEvery = Swift.max(1, c.values.int("train.log_every"))
        sampleEvery = c.values.int("train.sample_every")
        checkpointEvery = c.values.int("train.checkpoint_every")
        checksumEvery = c.values.int("distributed.checksum_every")
        maxSkipped = Swift.max(1, c.values.int("distributed.max_skipped_steps"))
        keep = Swift.max(1, c.values.int("train.keep_checkpoints"))
    }
}
