// The trainer's state handling: where a run starts (fresh, `--init-from` weights, or the newest
// good checkpoint with `--resume`), the start-up handshake, checkpoints, and metrics lines.
import Checkpointing
import Configuration
import Datasets
import Distributed
import Foundation
import HDF5Kit
import Models
import NN
import TensorCore
import Terminal

extension Trainer {
    /// Loads `--resume` or `--init-from` state on rank 0 (per-rank pools on every rank) and
    /// agrees on the starting position.
    func loadStartState(model: GANModel, into start: inout StartState) throws {
        let comm = communicator
        comm.phase = "start-up load"
        if request.resume {
            var chosen: String? = nil
            var failure: String? = nil
            if isRoot {
                for path in folder.checkpoints.incompleteFiles() {
                    comm.warning("ignoring \(path): a checkpoint write that did not finish (never loaded; deleted at the next checkpoint)")
                }
                let (reader, skipped) = folder.checkpoints.newestGood()
                for (path, reason) in skipped { comm.warning("skipping checkpoint \(path): \(reason)") }
                if let reader {
                    do {
                        guard reader.header.model == config.model else {
                            throw CheckpointError(
                                path: reader.path, reason: "holds a \(reader.header.model) model, the config trains \(config.model)")
                        }
                        let saved = try? ExperimentConfig.parse(yaml: reader.header.config, source: reader.path, registry: registry)
                        if let savedBatch = saved?.globalBatch, savedBatch != config.globalBatch {
                            throw CheckpointError(
                                path: reader.path,
                                reason: "was written with a global batch of \(savedBatch) and this run has "
                                    + "\(config.globalBatch); its data position counts global batches, so resume with --batch-size \(savedBatch) "
                                    + "(the number of ranks may change), or start a new run from its weights with --init-from")
                        }
                        try checkSameData(reader)
                        try reader.loadNetworks(model.networks)
                        try reader.loadOptimizers(model.optimizers)
                        chosen = reader.path
                        start = StartState(
                            step: reader.header.step,
                            position: SamplerPosition(epoch: reader.header.samplerEpoch, step: reader.header.samplerStep),
                            skipped: reader.header.skippedSteps)
                    } catch { failure = "\(error)" }
                } else if !skipped.isEmpty {
                    failure = "--resume: no usable checkpoint in \(folder.checkpoints.path) (\(skipped.count) skipped)"
                }
            }
            // A checkpoint that does not fit this run, or none usable: retrying cannot help (exit 2).
            waitForRootFileWork()
            if let message = try comm.broadcast(value: failure, root: 0) { throw ConfigError(message) }
            chosen = try comm.broadcast(value: chosen, root: 0)
            let numbers = try comm.broadcast(value: [start.step, start.position.epoch, start.position.step, start.skipped], root: 0)
            start = StartState(step: numbers[0], position: SamplerPosition(epoch: numbers[1], step: numbers[2]), skipped: numbers[3])
            guard let path = chosen else {
                comm.info("--resume: no checkpoint in \(folder.checkpoints.path) yet; starting from scratch")
                return
            }
            comm.info("resuming from \(path) at step \(start.step) (\(start.position))")
            start.resumedFrom = path
            let reader = try CheckpointReader(path: path, verifyContents: false)
            if reader.header.worldSize == comm.size, let state = try reader.rankState(comm.rank) {
                StateSync.restore(state, into: model)
            } else if reader.header.worldSize != comm.size {
                comm.info(
                    "the checkpoint was written by \(reader.header.worldSize) ranks and this run has \(comm.size): image pools start empty (the one state that depends on the rank count)"
                )
            }
        } else if let weights = request.initFrom {
            var failure: String? = nil
            if isRoot {
                do { try loadInitialWeights(from: weights, into: model) } catch { failure = "\(error)" }
            }
            waitForRootFileWork()
            if let message = try comm.broadcast(value: failure, root: 0) { throw ConfigError(message) }
            comm.info("initial weights from \(weights)")
        }
    }

    /// Refuses a checkpoint trained on another dataset (its recorded content hash differs from
    /// this run's) unless `--allow-other-data` says so, which is recorded in log.txt.
    private func checkSameData(_ reader: CheckpointReader) throws {
        guard let saved = reader.header.datasetHash, saved != datasetHash else { return }
        let what =
            "a checkpoint trained on another dataset (content hash \(saved.prefix(16))…; \(request.dataPath) has \(datasetHash.prefix(16))…)"
        guard request.allowOtherData else {
            throw CheckpointError(
                path: reader.path,
                reason: "was trained on another dataset (content hash \(saved.prefix(16))…, and \(request.dataPath) has "
                    + "\(datasetHash.prefix(16))…); resume on the same data, or pass --allow-other-data to continue on this one on purpose")
        }
        communicator.warning("--allow-other-data: continuing from \(what)")
        startNotes.append("--allow-other-data: continuing from \(what)")
    }

    /// Loads `/networks/<net>` groups of `path` (a checkpoint or a PyTorch export); networks
    /// absent from the file keep their initialisation.
    private func loadInitialWeights(from path: String, into model: GANModel) throws {
        let file: HDF5File
        do { file = try HDF5File.open(path, mode: .readOnly, fileLocking: false) } catch {
            throw ConfigError("--init-from: \(error)")
        }
        defer { try? file.close() }
        guard file.root.contains("networks") else {
            throw ConfigError("--init-from \(path): no '/networks' group (expected /networks/<net>/<state key> datasets)")
        }
        let present = try file.root.openGroup("networks").childNames
        let known = model.networks.map(\.name)
        if let stranger = present.first(where: { !known.contains($0) }) {
            throw ConfigError(
                "--init-from \(path): network '\(stranger)' is not part of \(config.model) (its networks: \(known.joined(separator: ", ")))"
            )
        }
        for (name, module) in model.networks where present.contains(name) {
            do { try module.loadState(from: file.root.openGroup("networks/\(name)")) } catch {
                throw ConfigError("--init-from: \(error)")
            }
        }
    }

    /// Every rank compares code version, config, parameter layout, dataset and batch.
    func handshake(model: GANModel, data: DatasetFile) throws {
        communicator.phase = "start-up handshake"
        let parameters = (model.networks + model.frozenNetworks).flatMap { net in
            net.module.namedParameters().map { (path: net.name + "." + $0.path, shape: $0.parameter.shape) }
        }
        var counts: [String: Int] = [:]
        for s in data.info.splits { counts[s.name] = s.count }
        let fingerprint = Fingerprint(
            codeVersion: i2iVersion, configHash: config.hash, parameterLayout: Fingerprint.layoutHash(of: parameters),
            parameterCount: parameters.reduce(0) { $0 + $1.shape.elementCount }, datasetHash: data.info.contentHash,
            datasetCounts: counts, globalBatch: config.globalBatch, seed: config.seed,
            extra: ["frozen weights": Trainer.frozenWeightsChecksum(model)])
        try compareConfigurations()
        do { try communicator.verifyConsistency(fingerprint) } catch DistributedError.mismatch(let message) {
            throw ConfigError(message)  // thrown on every rank alike: bad input, exit status 2
        }
    }

    /// A checksum of the frozen networks' weights, which every rank loads from its own copy of
    /// a user file ("none" when the model has none).
    static func frozenWeightsChecksum(_ model: GANModel) -> String {
        let tensors = model.frozenNetworks.flatMap { $0.module.stateTensors().map(\.tensor) }
        guard !tensors.isEmpty else { return "none" }
        return String(ParameterChecksum(tensors.map { UnsafeBufferPointer(start: $0.data, count: $0.count) }).hash, radix: 16)
    }

    /// All-gathers the resolved configurations; when a rank's differs, throws on every rank a
    /// line naming the rank and the first differing key (the fingerprint only has their hash).
    private func compareConfigurations() throws {
        guard communicator.size > 1 else { return }
        let texts = communicator.allGather(Array(config.yaml().utf8)).map { String(decoding: $0, as: UTF8.self) }
        var votes: [String: Int] = [:]
        for t in texts { votes[t, default: 0] += 1 }
        let best = votes.values.max() ?? 0
        guard let reference = texts.firstIndex(where: { votes[$0] == best }),
            let odd = texts.indices.first(where: { texts[$0] != texts[reference] })
        else { return }
        let parse = { (text: String) in try? ExperimentConfig.parse(yaml: text, source: "a rank's config", registry: self.registry) }
        let difference = parse(texts[odd]).flatMap { mine in parse(texts[reference]).flatMap { ExperimentConfig.firstDifference(mine, $0) }
        }
        throw ConfigError(
            "rank \(odd) differs from rank \(reference) in config key \(difference?.key ?? "?") "
                + "(rank \(odd): \(difference?.a ?? "?"), rank \(reference): \(difference?.b ?? "?"))")
    }

    /// Gathers every rank's pools (and, with sharded optimiser state, the Adam moments) to
    /// rank 0, which writes the checkpoint; all ranks learn whether it succeeded.
    func checkpoint(model: GANModel, step: Int, position: SamplerPosition, skipped: Int) throws {
        let ranks = StateSync.gatherToRoot(StateSync.localState(of: model), communicator: communicator)
        // Sharded: rank 0 gathers each whole moment buffer as the writer reaches it.
        let gathers =
            config.distributed.shardOptimizer && communicator.size > 1
            ? OptimizerSharding.MomentGathers(
                model.optimizers, communicator: communicator,
                timeout: Swift.max(communicator.timeoutSeconds, config.distributed.checkpointTimeoutSeconds))
            : nil
        communicator.phase = "checkpoint write"
        var failure: String? = nil
        if isRoot {
            let path = folder.checkpoints.file(forStep: step)
            var header = CheckpointHeader(
                model: config.model, step: step, epoch: position.epoch,
                samplerEpoch: position.epoch, samplerStep: position.step,
                worldSize: communicator.size, config: config.yaml(), skippedSteps: skipped)
            header.datasetHash = datasetHash
            do {
                try CheckpointWriter.write(
                    to: path, header: header, networks: model.networks,
                    optimizers: model.optimizers, moments: gathers.map { $0.gather }, ranks: ranks
                ) {
                    hooks.checkpointWritten(step: step, communicator: communicator)
                }
                folder.checkpoints.prune(keep: config.train.keepCheckpoints)
            } catch { failure = "cannot write checkpoint \(path): \(error)" }
            if failure == nil {
                do { try folder.appendLog("checkpoint \(path)") } catch { failure = "\(error)" }
            }
        }
        if isRoot { gathers?.finish() } else { gathers?.sendAll() }
        waitForRootFileWork()
        if let message = try communicator.broadcast(value: failure, root: 0) { throw TrainingFailure(message) }
    }

    /// Waits for rank 0 to finish reading or writing a checkpoint.
    ///
    /// That can take far longer than
    /// any collective (a large file on slow shared storage), so the other ranks wait under
    /// `distributed.checkpoint_timeout_seconds` rather than the collective deadline, which would
    /// abort the job (and, under a resume loop, abort it again at every checkpoint).
    func waitForRootFileWork() {
        communicator.barrier(timeout: Swift.max(communicator.timeoutSeconds, config.distributed.checkpointTimeoutSeconds))
    }

    /// Averages the window's metrics across ranks; rank 0 prints and appends them.
    func log(window: inout MetricsWindow, step: Int, epoch: Int, model: GANModel, bar: ProgressBar?, skipped: Int) throws {
        communicator.phase = "metrics"
        let n = Double(Swift.max(window.steps, 1))
        let local =
            window.losses.map { $0.sum / n } + [
                window.data / n, window.compute / n, window.communication / n,
                Double(window.images) / Swift.max(window.seconds, 1e-9),
            ]
        let mean = communicator.allReduceMean(local)
        let k = window.losses.count
        let perSecond = mean[k + 3]  // every rank measures global images over its own step time
        if isRoot {
            var fields: [(String, Any)] = [("step", step), ("epoch", epoch)]
            for (i, entry) in window.losses.enumerated() { fields.append((entry.name, mean[i])) }
            for optimizer in model.optimizers { fields.append(("lr_\(optimizer.name)", optimizer.groups[0].group.learningRate)) }
            fields += [
                ("images_per_second", perSecond), ("time_data", mean[k]), ("time_compute", mean[k + 1]),
                ("time_communication", mean[k + 2]), ("skipped_steps", skipped),
            ]
            try folder.appendMetrics(fields)
            try folder.tensorBoard?.writeMetrics(step: step, fields: fields, losses: Set(window.losses.map(\.name)))
            let shown = window.losses.prefix(8).enumerated().map { String(format: "%@ %.3f", $0.element.name, mean[$0.offset]) }
            bar?.detail = String(format: "%.1f img/s ", perSecond) + shown.joined(separator: " ")
            bar?.advance(by: step - (bar?.done ?? step))
        }
        window = MetricsWindow()
    }
}

/// Sums of per-step measurements between two metrics lines.
struct MetricsWindow {
    var steps = 0
    var losses: [(name: String, sum: Double)] = []
    var data = 0.0, compute = 0.0, communication = 0.0
    var images = 0

    /// Seconds of the window's steps.
    var seconds: Double { data + compute + communication }

    mutating func add(
        losses l: [(name: String, value: Float)], data d: Double, compute c: Double,
        communication m: Double, images i: Int
    ) {
        if losses.isEmpty { losses = l.map { ($0.name, 0) } }
        for (j, entry) in l.enumerated() where j < losses.count { losses[j].sum += Double(entry.value) }
        steps += 1
        data += d
        compute += Swift.max(c, 0)
        communication += m
        images += i
    }
}
