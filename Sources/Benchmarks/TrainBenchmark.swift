// `i2i bench train`: the wall time of whole training steps of a model (batch 1 by default) on random
// images in [-1, 1], after warm-up steps, with the effective FLOP rate of the step, the
// in-run sgemm rate and the process's peak resident memory, and optionally a profile of where
// the step's time goes.
//
// Started by an MPI launcher, every rank runs the step through the trainer's
// DistributedStepContext (gradient all-reduce, or with `--set distributed.shard_optimizer=true`
// reduce-scatter, sharded Adam and parameter all-gather) and the report has each rank's peak
// resident memory: the figure optimiser-state sharding changes.
//
// Frozen loss networks (CoCosNet's VGG19) are built as in training; `cocosnet.vgg19_weights`
// defaults to `random` here (an untrained VGG19): the step's time and memory do not depend on
// the frozen weights' values, and a benchmark needs no download.
import Configuration
import Distributed
import Foundation
import Models
import TensorCore
import Training

/// What `i2i bench train` measures.
public struct TrainBenchmarkOptions: Sendable {
    /// A registered model's name; it is built with its default options and `overrides`.
    public var model = "cyclegan"
    /// `key=value` settings of the model's section (`unit.variant=paper`), as `train --set` takes them.
    public var overrides: [String] = []
    public var size = 128
    /// Samples per step (per rank).
    public var batch = 1
    public var warmupSteps = 2
    public var timedSteps = 5
    public var profile = false
    public var seed: UInt64 = 0
    public init() {}
}

/// The report of `i2i bench train` (JSON fields as the README's `i2i bench` section lists them, plus extras).
public struct TrainReport: Codable, Sendable {
    public var model: String
    public var size: Int
    public var batch: Int
    public var ranks: Int
    public var threads: Int
    /// Median over the timed steps.
    public var secondsPerStep: Double
    public var gflopsEffective: Double
    public var sgemmGflops: Double
    public var peakRssBytes: Int
    /// The most bytes of tensor storage live at once during the timed steps (`MemoryPool`).
    public var peakLiveTensorBytes: Int
    /// Bytes the memory pool held on its free lists after the timed steps.
    public var cachedTensorBytes: Int
    /// Every rank's peak resident memory, by rank (one entry for a single process).
    public var peakRssBytesPerRank: [Int]
    /// Whether the optimiser state was sharded among the ranks (`distributed.shard_optimizer`).
    public var shardOptimizer: Bool
    /// Logical FLOPs of one step (see `FlopCounter`), the same count for every framework.
    public var flopsPerStep: Double
    public var flopsForward: Double
    public var flopsBackwardData: Double
    public var flopsBackwardWeight: Double
    /// Every timed step, in order.
    public var secondsAll: [Double]
    /// CPU seconds per wall second over the timed steps (2 = both cores busy throughout).
    public var cpuUtilization: Double
    /// Minor page faults per timed step.
    public var pageFaultsPerStep: Double
    public var profile: StepProfile?
}

/// Runs training steps and measures them.
public enum TrainBenchmark {
    /// Settings each model gets before the user's `--set` overrides: a frozen network the model
    /// needs a file for is untrained (`cocosnet.vgg19_weights=none` times the step without it).
    public static let modelDefaults: [String: [String]] = ["cocosnet": ["cocosnet.vgg19_weights=\(Vgg19.untrained)"]]

    /// Builds the model with its default options and times its training step; with a
    /// `communicator`, on every rank of it (each rank on the same synthetic batch).
    public static func run(
        _ options: TrainBenchmarkOptions, communicator: Communicator? = nil, registry: ModelRegistry = .standard
    ) throws -> TrainReport {
        guard let registration = registry.model(named: options.model) else {
            throw ConfigError("no model '\(options.model)'; models: \(registry.names.joined(separator: ", "))")
        }
        let config = try ExperimentConfig.parse(
            yaml: "model: \(options.model)\n", source: "bench train",
            overrides: (modelDefaults[options.model] ?? []) + options.overrides, registry: registry)
        let model = try registration.makeModel(
            config.values, context: ModelBuildContext(seed: options.seed, loadFrozenWeights: Trainer.loadFrozenWeights))
        if let problem = model.imageSizeProblem(options.size) { throw ConfigError("--size: \(problem)") }
        var stream = RandomStream(seed: options.seed, purpose: "bench.train.images")
        let batch = SyntheticBatch.make(registration.batchKind, count: options.batch, size: options.size, using: &stream)
        let distributed = communicator.map {
            DistributedStepContext(
                communicator: $0, bucketBytes: config.distributed.bucketBytes, shardOptimizer: config.distributed.shardOptimizer,
                poolCacheBytes: config.compute.poolCacheBytes)
        }
        if distributed == nil, let cap = config.compute.poolCacheBytes { MemoryPool.shared.limitCache(to: cap) }
        let context: StepContext = distributed ?? LocalStepContext()
        func step() {
            distributed?.beginStep()
            _ = model.trainStep(batch, epoch: 0, context: context)
        }
        for _ in 0..<options.warmupSteps { step() }

        var times: [Double] = []
        var flops = FlopCounter.Totals()
        let faults0 = Measurement.minorPageFaults, cpu0 = Measurement.cpuSeconds
        MemoryPool.shared.resetCounters()
        if options.profile {
            Profiler.reset()
            Profiler.usesThreadCPUTime = Measurement.clock == .cpu
            Profiler.isEnabled = true
        }
        for i in 0..<max(1, options.timedSteps) {
            FlopCounter.reset()
            let t = Measurement.time { step() }
            times.append(t)
            if i == 0 { flops = FlopCounter.totals }
        }
        Profiler.isEnabled = false
        let cpu = Measurement.cpuSeconds - cpu0, faults = Measurement.minorPageFaults - faults0
        let wall = times.reduce(0, +)
        let median = Measurement.median(times)
        // Measured after the steps, so that it sees the machine in the same state.
        let pool = MemoryPool.shared.statistics
        let sgemm = Measurement.sgemmGFLOPS()
        let peak = Measurement.peakResidentBytes
        var peaks = [peak]
        if let comm = communicator {
            comm.phase = "bench results"
            peaks = comm.allReduce((0..<comm.size).map { $0 == comm.rank ? peak : 0 }, .sum)
        }
        return TrainReport(
            model: options.model, size: options.size, batch: options.batch, ranks: communicator?.size ?? 1, threads: Parallel.threadCount,
            secondsPerStep: median, gflopsEffective: flops.total / median * 1e-9, sgemmGflops: sgemm,
            peakRssBytes: peak, peakLiveTensorBytes: pool.peakLiveBytes, cachedTensorBytes: pool.cachedBytes,
            peakRssBytesPerRank: peaks, shardOptimizer: config.distributed.shardOptimizer,
            flopsPerStep: flops.total, flopsForward: flops.forward,
            flopsBackwardData: flops.backwardData, flopsBackwardWeight: flops.backwardWeight, secondsAll: times,
            cpuUtilization: cpu / wall, pageFaultsPerStep: Double(faults) / Double(times.count),
            profile: options.profile ? StepProfile.collect(steps: times.count, wallSeconds: wall) : nil)
    }
}
