// `i2i train`: trains a model from a YAML config on a dataset file, in one process or under
// `mpirun` (rank and size come from MPI). Bad configs and inputs exit 2 with one line; run-time
// failures exit 1 and end the whole job; a run stopped by a signal exits 128 + its number once
// its checkpoint is written.
import ArgumentParser
import Configuration
import Datasets
import Distributed
import Foundation
import Models
import TensorCore
import Training

/// Trains a model.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model (single process, or one rank per process under mpirun).",
        discussion: """
            Examples:
              i2i train configs/cyclegan-tiny.yaml --data stripes.h5 --out runs/tiny --steps 20
              mpirun -np 2 i2i train configs/cyclegan.yaml --data horse2zebra.h5 --out runs/h2z --resume
            Models (the config's `model:` key):\n
            """ + ModelRegistry.standard.models.map { "  \($0.name): \($0.summary)" }.joined(separator: "\n"))

    @Argument(help: "The YAML config (configs/*.yaml).") var config: String
    @Option(help: "The dataset file (from `i2i preprocess` or `i2i demo-data`).") var data: String
    @Option(help: "The run folder (config.yaml, checkpoints/, samples/, metrics.jsonl, log.txt).") var out: String
    @Option(help: "Optimisation steps to run (overrides train.steps; 0 writes the initial checkpoint and exits).") var steps: Int?
    @Option(name: .customLong("batch-size"), help: "Global batch size (overrides train.batch_size).") var batchSize: Int?
    @Option(help: "Seed of every random stream (overrides seed).") var seed: Int?
    @Flag(help: "Continue from the newest good checkpoint in the run folder (starts fresh when there is none).") var resume = false
    @Flag(
        name: .customLong("allow-other-data"),
        help: "With --resume: continue on a dataset other than the checkpoint's (recorded in log.txt).")
    var allowOtherData = false
    @Flag(help: "Start a new run in a run folder that holds one (its files are deleted once the new run's checks pass).")
    var overwrite = false
    @Option(name: .customLong("init-from"), help: "Start from network weights laid out as a checkpoint's /networks.") var initFrom: String?
    @Option(name: .customLong("set"), help: "Override a config key: --set cyclegan.lambda_A=5 (repeatable).") var overrides: [String] = []
    @Option(
        help: "Compute threads per rank (overrides compute.threads; default: the node's cores divided by the ranks on it, or I2I_THREADS).")
    var threads: Int?

    func validate() throws {
        if let steps { try require(steps >= 0, "--steps must be 0 or more, not \(steps)") }
        if let batchSize { try require(batchSize >= 1, "--batch-size must be at least 1, not \(batchSize)") }
        if let threads { try require(threads >= 1, "--threads must be at least 1, not \(threads)") }
        try require(!(resume && initFrom != nil), "--resume and --init-from cannot be combined")
        try require(resume || !allowOtherData, "--allow-other-data only applies with --resume")
        try require(!(resume && overwrite), "--resume and --overwrite cannot be combined")
        try require(FileManager.default.fileExists(atPath: config), "config file '\(config)' does not exist")
        try require(FileManager.default.fileExists(atPath: data), "dataset file '\(data)' does not exist")
        if let initFrom { try require(FileManager.default.fileExists(atPath: initFrom), "--init-from file '\(initFrom)' does not exist") }
    }

    func run() throws {
        let communicator: Communicator
        do { communicator = try makeCommunicator() } catch {
            throw commandFailure("\(error)", status: ExitStatus.failure)
        }
        var request = TrainRequest(configPath: config, dataPath: data, runPath: out)
        request.steps = steps
        request.batchSize = batchSize
        request.seed = seed
        request.resume = resume
        request.allowOtherData = allowOtherData
        request.initFrom = initFrom
        request.overwrite = overwrite
        request.overrides = overrides
        do {
            let trainer = try Trainer(request: request, communicator: communicator)
            let configured = threads ?? trainer.config.compute.threads
            if configured > 0 { ComputeRuntime.configure(threads: configured) } else { communicator.configureComputeThreads() }
            if trainer.config.debug.isActive { trainer.hooks = FaultInjection(trainer.config.debug) }
            let outcome = try trainer.run()
            // 128 + the signal when a signal stopped the run (its checkpoint is written),
            // on every rank, so that resume loops can tell it from a failure (README).
            communicator.exitJob(outcome.exitStatus)
        } catch let error as ConfigError {
            if communicator.rank == 0 { FileHandle.standardError.write(Data("error: \(error)\n".utf8)) }
            communicator.exitJob(ExitStatus.badInput)
        } catch let error as DatasetError {
            if communicator.rank == 0 { FileHandle.standardError.write(Data("error: \(error)\n".utf8)) }
            communicator.exitJob(ExitStatus.badInput)
        } catch {
            communicator.abortJob("\(error)")
        }
    }
}
