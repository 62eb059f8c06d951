// Everything before a run's first step, on every rank: the run folder's lock and checks
// (rank 0), the dataset of the kind the model trains on, the model, where training starts
// (fresh, `--init-from` or `--resume`), the start-up broadcast and handshake, and the number of
// steps to run; only then does rank 0 write the resolved config and open the run's files.
import Checkpointing
import Configuration
import Datasets
import Distributed
import Foundation
import HDF5Kit
import Models
import NN
import TensorCore

/// A run ready for its first step.
struct PreparedRun {
    let model: GANModel
    let batchKind: BatchKind
    let source: TrainingSource
    let sampler: ShardedSampler
    let augmentation: Augmentation
    let start: StartState
    let totalSteps: Int
    /// Rank 0's sample-grid writer.
    let samples: SampleWriter?
    /// Set when the run ends before training (`--steps 0`, or the run is already complete).
    let outcomeWithoutTraining: TrainOutcome?

    /// The model's batch from one loaded batch.
    func batch(from data: Batch) throws -> TrainingBatch {
        try TrainingBatch(data, kind: batchKind)
    }
}

/// Where training starts.
struct StartState {
    var step = 0
    var position = SamplerPosition.start
    var skipped = 0
    /// The checkpoint a `--resume` continues from.
    var resumedFrom: String?
}

extension Trainer {
    /// Sets up the run (see the file comment); every rank returns the same decisions.
    func prepare() throws -> PreparedRun {
        let comm = communicator
        comm.timeoutSeconds = config.distributed.timeoutSeconds
        ConvolutionSettings.winograd = config.compute.winograd && ProcessInfo.processInfo.environment["I2I_WINOGRAD"] != "0"
        // The run folder is locked and checked first, and written to only once every check of
        // the run has passed (commitStart below): a refused start changes nothing in it.
        try onRoot { try claimRunFolder() }
        if isRoot { comm.info("config (\(request.configPath)):\n" + config.summary()) }

        // Data: every rank opens the file itself, read-only, after MPI has started.
        let kind = config.registration.batchKind
        let (data, source, sampler) = try Trainer.agreeing(on: comm) {
            let data = try DatasetFile(path: request.dataPath)
            guard data.info.isPaired == (kind == .paired) else {
                throw ConfigError(
                    "\(request.dataPath) holds \(data.info.isPaired ? "paired label maps and images" : "unpaired A and B images"), "
                        + "and \(config.model) trains on \(kind == .paired ? "paired label maps and images (i2i preprocess --paired)" : "unpaired A and B images")"
                )
            }
            let source = try data.trainingSource()
            do {
                let sampler = try ShardedSampler(
                    countA: source.countA, countB: source.countB, globalBatch: config.globalBatch,
                    worldSize: comm.size, rank: comm.rank, seed: config.seed, exemplarLists: source.exemplarLists)
                return (data, source, sampler)
            } catch { throw ConfigError("\(request.dataPath): \(error)") }
        }
        datasetHash = data.info.contentHash
        let augmentation = Augmentation(loadSize: config.data.loadSize, cropSize: config.data.cropSize, flip: config.data.flip)

        // Model and start state. Frozen loss networks (VGG) are loaded only for a run that
        // trains: `--steps 0` (an initial checkpoint, `--init-from` conversions) needs none.
        let model = try Trainer.agreeing(on: comm) {
            try config.makeModel(rank: comm.rank, loadFrozenWeights: config.steps == 0 ? nil : Trainer.loadFrozenWeights)
        }
        if let problem = model.imageSizeProblem(augmentation.cropSize) { throw ConfigError("data.crop_size: \(problem)") }
        guard augmentation.loadSize >= augmentation.cropSize else {
            throw ConfigError("data.load_size \(augmentation.loadSize) is smaller than data.crop_size \(augmentation.cropSize)")
        }
        var start = StartState()
        try loadStartState(model: model, into: &start)
        try StateSync.broadcastFromRoot(model: model, communicator: comm, shardOptimizer: config.distributed.shardOptimizer)
        try handshake(model: model, data: data)

        try onRoot { try commitStart(start) }

        let scheduleSteps = model.trainingLength.steps(stepsPerEpoch: sampler.stepsPerEpoch)
        let total = config.steps >= 0 ? config.steps : scheduleSteps
        func ready(_ outcome: TrainOutcome?, samples: SampleWriter? = nil) -> PreparedRun {
            PreparedRun(
                model: model, batchKind: kind, source: source, sampler: sampler, augmentation: augmentation, start: start,
                totalSteps: total, samples: samples, outcomeWithoutTraining: outcome)
        }
        if config.steps == 0 {
            try checkpoint(model: model, step: start.step, position: start.position, skipped: start.skipped)
            comm.info("wrote the initial checkpoint (--steps 0)")
            return ready(.finished(step: start.step))
        }
        if start.step >= total {
            comm.info("nothing to do: the run is already at step \(start.step) of \(total)")
            if isRoot { FileManager.default.createFile(atPath: folder.finishedMarker, contents: nil) }
            return ready(.finished(step: start.step))
        }
        try describeSchedule(model: model, start: start, total: total, scheduleSteps: scheduleSteps, stepsPerEpoch: sampler.stepsPerEpoch)
        // A run extended with more steps is not finished until they are done (launch loops stop
        // resuming when the marker exists).
        if isRoot { try? FileManager.default.removeItem(atPath: folder.finishedMarker) }
        // The sample images are read before the loader starts: from then on its prefetch thread
        // owns the dataset file, and reading it here too raced with that thread (a crash).
        let samples = try Trainer.agreeing(on: comm) {
            isRoot
                ? try SampleWriter(
                    data: data, kind: kind, count: config.train.sampleCount, size: augmentation.cropSize,
                    folder: folder.samplesPath) : nil
        }
        let threads = Parallel.threadCount
        comm.info(
            "training \(config.model) on \(comm.size) rank\(comm.size == 1 ? "" : "s") × \(threads) thread\(threads == 1 ? "" : "s"), "
                + "global batch \(config.globalBatch), \(sampler.stepsPerEpoch) steps per epoch, steps \(start.step)..<\(total)")
        return ready(nil, samples: samples)
    }

    /// Says (rank 0, and in log.txt) when the run outlasts the model's schedule, or when every
    /// learning rate reaches 0 before the last step: the steps after that change nothing.
    func describeSchedule(model: GANModel, start: StartState, total: Int, scheduleSteps: Int, stepsPerEpoch: Int) throws {
        var notes: [String] = []
        if total > scheduleSteps {
            notes.append(
                "train.steps \(total) runs past the end of \(config.model)'s schedule at step \(scheduleSteps) "
                    + "(\(model.trainingLength.describe(stepsPerEpoch: stepsPerEpoch)))")
        }
        // Probe the rate at every epoch start (the schedules change by epoch or decay steadily) and
        // at the last step; the loop sets the rates again before each step.
        let firstEpoch = (start.step + stepsPerEpoch - 1) / stepsPerEpoch
        let probes = Array(stride(from: firstEpoch * stepsPerEpoch, to: total, by: stepsPerEpoch).prefix(100_000)) + [total - 1]
        for step in probes where step >= start.step {
            model.updateLearningRates(epoch: step / stepsPerEpoch, iteration: step)
            if model.optimizers.allSatisfy({ $0.groups.allSatisfy { $0.group.learningRate <= 0 } }) {
                notes.append("every learning rate is 0 from step \(step + 1) of \(total): the steps after it do not train")
                break
            }
        }
        guard isRoot else { return }
        for note in notes {
            communicator.warning(note)
            try folder.appendLog("warning: " + note)
        }
    }

    /// Loads a frozen network from a user file laid out as a checkpoint's `/networks/<name>`
    /// (or with the state keys directly at the root).
    public static func loadFrozenWeights(path: String, name: String, module: Module) throws {
        let file: HDF5File
        do { file = try HDF5File.open(path, mode: .readOnly, fileLocking: false) } catch {
            throw ConfigError("\(name) weights: \(error)")
        }
        defer { try? file.close() }
        let group = file.root.contains("networks/\(name)") ? try file.root.openGroup("networks/\(name)") : file.root
        do { try module.loadState(from: group) } catch { throw ConfigError("\(name) weights: \(error)") }
    }
}

extension TrainingBatch {
    /// The model's batch from one loaded batch of the matching kind.
    init(_ data: Batch, kind: BatchKind) throws {
        switch kind {
        case .unpaired:
            guard let b = data.b else { throw ConfigError("the model needs unpaired A and B images") }
            self = .unpaired(ImageBatch(a: data.a, b: b))
        case .paired:
            guard let labels = data.labels, let exemplars = data.exemplars, let exemplarLabels = data.exemplarLabels else {
                throw ConfigError("the model needs paired label maps and images")
            }
            self = .paired(
                PairedBatch(
                    labels: labels, images: data.a, exemplars: exemplars, exemplarLabels: exemplarLabels,
                    isSelfReference: data.samples.map(\.isSelfReference)))
        }
    }
}
