// `i2i bench train --model cyclegan --size 128|256 [--batch N] [--json] [--profile]`: seconds per training
// step (median after warm-up), effective GFLOPS, the in-run sgemm rate and peak memory.
// Under an MPI launcher (`launch/mpirun-local 2 i2i bench train … [--set
// distributed.shard_optimizer=true]`) every rank steps and rank 0 prints each rank's peak memory.
import ArgumentParser
import Benchmarks
import Distributed
import Foundation
import Models
import TensorCore

/// Benchmarks whole training steps.
struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Seconds per training step (batch 1 by default; median after warm-up), effective GFLOPS, peak memory.")

    @Option(help: "Model: \(ModelRegistry.standard.names.joined(separator: ", ")) (at its default options).")
    var model = "cyclegan"

    @Option(help: "Image size (height = width).")
    var size = 128

    @Option(help: "Samples per step (per rank).")
    var batch = 1

    @Option(help: "Untimed warm-up steps.")
    var warmup = 2

    @Option(help: "Timed steps (the median is reported).")
    var steps = 5

    @Option(help: "Compute threads (default: I2I_THREADS or all cores).")
    var threads: Int?

    @Option(name: .customLong("set"), help: "Override a config key of the model: --set unit.variant=paper (repeatable).")
    var overrides: [String] = []

    @Flag(help: "Print where a step's time goes.")
    var profile = false

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Option(
        help: ArgumentHelp(
            "Clock: wall or cpu (process CPU time; with --threads 1, for kernel work on a busy machine).",
            visibility: .hidden))
    var clock = "wall"

    func validate() throws {
        try require(
            ModelRegistry.standard.model(named: model) != nil,
            "--model must be one of \(ModelRegistry.standard.names.joined(separator: ", ")), not \(model)")
        try require(Measurement.Clock(rawValue: clock) != nil, "--clock must be wall or cpu, not \(clock)")
        try require(size >= 32 && size % 8 == 0, "--size must be a multiple of 8 and at least 32, not \(size)")
        try require(batch >= 1, "--batch must be at least 1, not \(batch)")
        try require(steps >= 1, "--steps must be at least 1, not \(steps)")
        try require(warmup >= 0, "--warmup must not be negative, not \(warmup)")
        try require((threads ?? 1) >= 1, "--threads must be at least 1, not \(threads ?? 0)")
    }

    func run() throws {
        var comm: Communicator? = nil
        if startedByMPILauncher() {
            do { comm = try makeCommunicator() } catch { throw commandFailure("\(error)", status: ExitStatus.failure) }
            if threads == nil { comm?.configureComputeThreads() }
        }
        if let threads { ComputeRuntime.configure(threads: threads) }
        Measurement.clock = Measurement.Clock(rawValue: clock)!
        var options = TrainBenchmarkOptions()
        options.model = model
        options.overrides = overrides
        options.size = size
        options.batch = batch
        options.warmupSteps = warmup
        options.timedSteps = steps
        options.profile = profile
        let report = try reportingErrors { try TrainBenchmark.run(options, communicator: comm) }
        if comm?.isRoot ?? true { try printReport(report) }
        comm?.exitJob(0)
    }

    private func printReport(_ report: TrainReport) throws {
        if json {
            print(try BenchJSON.encode(report))
            return
        }
        let f = BenchJSON.format
        let ranks = report.ranks == 1 ? "" : ", \(report.ranks) ranks" + (report.shardOptimizer ? ", sharded optimizer state" : "")
        print("\(report.model) \(report.size)×\(report.size), batch \(report.batch)\(ranks), \(report.threads) threads")
        print(
            "  seconds per step  \(f(report.secondsPerStep, 3, 0))  (median of \(report.secondsAll.count): "
                + report.secondsAll.map { f($0, 3, 0) }.joined(separator: " ") + ")")
        print("  effective GFLOPS  \(f(report.gflopsEffective, 1, 0))  (\(f(report.flopsPerStep * 1e-9, 1, 0)) GFLOP per step)")
        print(
            "  sgemm GFLOPS      \(f(report.sgemmGflops, 1, 0))  (step at \(f(report.gflopsEffective / report.sgemmGflops * 100, 0, 0)) %)")
        print(
            "  peak RSS          \(f(Double(report.peakRssBytes) / 1048576, 0, 0)) MiB  (tensors: "
                + "\(f(Double(report.peakLiveTensorBytes) / 1048576, 0, 0)) MiB live at most, "
                + "\(f(Double(report.cachedTensorBytes) / 1048576, 0, 0)) MiB cached after the steps)")
        if report.ranks > 1 {
            print(
                "  peak RSS by rank  " + report.peakRssBytesPerRank.map { f(Double($0) / 1048576, 0, 0) + " MiB" }.joined(separator: ", "))
        }
        print("  CPU utilisation   \(f(report.cpuUtilization, 2, 0)) cores, \(f(report.pageFaultsPerStep, 0, 0)) page faults per step")
        if let p = report.profile {
            print("profile (per step, exclusive time):")
            print(p.table)
        }
    }
}
