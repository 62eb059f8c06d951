// `i2i bench scaling`: weak scaling of a training step, the per-rank batch fixed. Started
// without MPI it is the driver: it runs itself alone (1 rank) and under `mpirun -np N`,
// alternating, `--repeats` times each, and reports the medians and the efficiency
// throughput(N) / (N × throughput(1)). Started by an MPI launcher (or with `--ranks 1`) it
// times steps in its own job and prints that job's figures.
import ArgumentParser
import Benchmarks
import Configuration
import Distributed
import Foundation
import Models
import TensorCore
import Training

/// Weak-scaling efficiency of training steps.
struct BenchScaling: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scaling",
        abstract: "Weak-scaling efficiency of a training step from 1 to N ranks (per-rank batch fixed).",
        discussion: """
            Times the trainer's step (gradient all-reduce overlapping the backward pass, collective \
            skip decisions) on synthetic in-memory images, CycleGAN at the paper's settings by \
            default. Each job reports the median over its timed steps of the slowest rank's step \
            time. Efficiency = images/s on N ranks / (N × images/s on 1 rank).
              i2i bench scaling --ranks 2 --repeats 3          # drives 1-rank and 2-rank jobs
              mpirun -np 2 i2i bench scaling --json            # one 2-rank job
            """)

    @Option(help: "Model: \(ModelRegistry.standard.names.joined(separator: ", ")) (the paper's settings).") var model = "cyclegan"
    @Option(help: "Image size (height = width).") var size = 128
    @Option(help: "Images per rank per step.") var batch = 1
    @Option(help: "Untimed warm-up steps per job.") var warmup = 2
    @Option(help: "Timed steps per job (the median is reported).") var steps = 5
    @Option(help: "Compute threads per rank (1 by default, as the PyTorch reference figure).") var threads = 1
    @Option(help: "Driver: the ranks of the scaled job (compared with 1 rank).") var ranks = 2
    @Option(help: "Driver: jobs of each size, alternating 1 rank and N ranks.") var repeats = 3
    @Option(help: "Driver: extra mpirun options, space-separated.") var mpirunOptions = ""
    @Option(name: .customLong("set"), help: "Override a config key of the model: --set cyclegan.n_blocks=6 (repeatable).")
    var overrides: [String] = []
    @Flag(help: "Print JSON instead of text.") var json = false

    func validate() throws {
        try require(
            ModelRegistry.standard.model(named: model) != nil,
            "--model must be one of \(ModelRegistry.standard.names.joined(separator: ", ")), not \(model)")
        try require(size >= 32 && size % 4 == 0, "--size must be a multiple of 4 and at least 32, not \(size)")
        try require(batch >= 1, "--batch must be at least 1, not \(batch)")
        try require(warmup >= 0, "--warmup must be 0 or more, not \(warmup)")
        try require(steps >= 1, "--steps must be at least 1, not \(steps)")
        try require(threads >= 1, "--threads must be at least 1, not \(threads)")
        try require(ranks >= 1, "--ranks must be at least 1, not \(ranks)")
        try require(repeats >= 1, "--repeats must be at least 1, not \(repeats)")
    }

    func run() throws {
        if startedByMPILauncher() || ranks == 1 { try measureThisJob() } else { try drive() }
    }

    // MARK: - One job

    private func measureThisJob() throws {
        let comm: Communicator
        do { comm = try makeCommunicator() } catch { throw commandFailure("\(error)", status: ExitStatus.failure) }
        ComputeRuntime.configure(threads: threads)
        let config: ExperimentConfig
        do {
            config = try ExperimentConfig.parse(
                yaml: "model: \(model)\n", source: "bench scaling",
                overrides: [
                    "data.load_size=\(size)", "data.crop_size=\(size)", "train.batch_size=\(batch * comm.size)",
                ] + overrides)
        } catch { throw commandFailure("\(error)") }
        let timings = try reportingErrors {
            try ScalingBenchmark.timeSteps(config: config, communicator: comm, batchPerRank: batch, warmup: warmup, steps: steps)
        }
        if comm.rank == 0 {
            if json {
                print(try BenchScaling.encode(JobReport(timings)))
            } else {
                print(
                    "\(model) \(size)×\(size), \(timings.ranks) rank\(timings.ranks == 1 ? "" : "s") × \(timings.threads) "
                        + "thread\(timings.threads == 1 ? "" : "s"), batch \(batch) per rank")
                print(
                    String(
                        format: "  seconds per step  %.3f  (median of %d: %@)", timings.secondsPerStep, timings.seconds.count,
                        timings.seconds.map { String(format: "%.3f", $0) }.joined(separator: " ")))
                print(String(format: "  images/s          %.3f", timings.imagesPerSecond))
                print(String(format: "  communication     %.3f s per step waited on rank 0", timings.communicationPerStep))
                print(String(format: "  CPU time          %.3f s per step (busiest rank)", timings.cpuPerStep))
            }
        }
        comm.exitJob(0)
    }

    // MARK: - Driver

    private func drive() throws {
        guard let mpirun = BenchScaling.onPath("mpirun") else {
            throw commandFailure("mpirun is not on PATH; it is needed for --ranks \(ranks)")
        }
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let job =
            [
                "bench", "scaling", "--model", model, "--size", String(size), "--batch", String(batch), "--warmup", String(warmup),
                "--steps", String(steps), "--threads", String(threads), "--json",
            ] + overrides.flatMap { ["--set", $0] }
        var launcher = ["--oversubscribe", "--bind-to", "none", "-np", String(ranks)]
        if geteuid() == 0 { launcher.insert("--allow-run-as-root", at: 0) }
        launcher += mpirunOptions.split(separator: " ").map(String.init)
        var one: [JobReport] = [], many: [JobReport] = []
        if !json {
            print(
                "\(model) \(size)×\(size), batch \(batch) per rank, \(threads) thread\(threads == 1 ? "" : "s") per rank: 1 rank vs \(ranks) ranks, \(repeats) jobs each"
            )
        }
        for i in 0..<repeats {
            let single = try BenchScaling.runJob(me, job + ["--ranks", "1"], environment: BenchScaling.withoutLauncher())
            one.append(single)
            let scaled = try BenchScaling.runJob(mpirun, launcher + [me] + job, environment: ProcessInfo.processInfo.environment)
            many.append(scaled)
            if !json {
                print(
                    String(
                        format: "  round %d: 1 rank %.3f s/step (CPU %.3f), %d ranks %.3f s/step (CPU %.3f)", i + 1,
                        single.secondsPerStep, single.cpuPerStep, ranks, scaled.secondsPerStep, scaled.cpuPerStep))
            }
        }
        let report = ScalingReport(
            model: model, size: size, batchPerRank: batch, threadsPerRank: threads, ranks: ranks,
            one: one, many: many, loadAverage: BenchScaling.loadAverage())
        if json {
            print(try BenchScaling.encode(report))
        } else {
            print(
                String(
                    format: "1 rank:   %.3f s/step, %.3f images/s (median of %d jobs)", report.secondsPerStep1, report.imagesPerSecond1,
                    repeats))
            print(
                String(
                    format: "%d ranks:  %.3f s/step, %.3f images/s (median of %d jobs), %.3f s/step waiting on communication",
                    ranks, report.secondsPerStepN, report.imagesPerSecondN, repeats, report.communicationPerStepN))
            print(
                String(
                    format: "weak-scaling efficiency: %.1f %%  (load average %.2f during the run)", report.efficiency * 100,
                    report.loadAverage))
            print(
                String(
                    format: "fastest step: %.3f s on 1 rank, %.3f s on %d (ratio %.1f %%)", report.bestSecondsPerStep1,
                    report.bestSecondsPerStepN, ranks, report.bestEfficiency * 100))
            print(
                String(
                    format: "CPU time per step: %.3f s on 1 rank, %.3f s on the busiest of %d (ratio %.1f %%)", report.cpuPerStep1,
                    report.cpuPerStepN, ranks, report.cpuEfficiency * 100))
        }
    }

    /// Runs one job and decodes the JSON line it prints.
    static func runJob(_ executable: String, _ arguments: [String], environment: [String: String]) throws -> JobReport {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0, let line = text.split(separator: "\n").last(where: { $0.hasPrefix("{") }),
            let report = try? JSONDecoder().decode(JobReport.self, from: Data(line.utf8))
        else {
            throw commandFailure(
                "a benchmark job failed (status \(process.terminationStatus)): \(([executable] + arguments).joined(separator: " "))\n\(text)",
                status: ExitStatus.failure)
        }
        return report
    }

    static func withoutLauncher() -> [String: String] {
        ProcessInfo.processInfo.environment.filter { !($0.key.hasPrefix("OMPI_") || $0.key.hasPrefix("PMI")) }
    }

    static func onPath(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static func loadAverage() -> Double {
        var loads = [Double](repeating: 0, count: 3)
        return getloadavg(&loads, 3) > 0 ? loads[0] : .nan
    }

    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// One job's figures (`--json` of a single job).
struct JobReport: Codable {
    var ranks, batchPerRank, threads, size: Int
    var secondsPerStep, imagesPerSecond, communicationPerStep, cpuPerStep: Double
    var seconds: [Double]
    /// The fastest timed step: the least disturbed by other work on a shared machine.
    var bestSecondsPerStep: Double { seconds.min() ?? .nan }

    init(_ t: StepTimings) {
        ranks = t.ranks
        batchPerRank = t.batchPerRank
        threads = t.threads
        size = t.size
        secondsPerStep = t.secondsPerStep
        imagesPerSecond = t.imagesPerSecond
        communicationPerStep = t.communicationPerStep
        cpuPerStep = t.cpuPerStep
        seconds = t.seconds
    }

    enum CodingKeys: String, CodingKey {
        case ranks, threads, size, seconds
        case batchPerRank = "batch_per_rank", secondsPerStep = "seconds_per_step", imagesPerSecond = "images_per_second"
        case communicationPerStep = "communication_seconds_per_step", cpuPerStep = "cpu_seconds_per_step"
    }
}

/// The driver's result (`--json`).
struct ScalingReport: Encodable {
    var model: String
    var size, batchPerRank, threadsPerRank, ranks: Int
    var one, many: [JobReport]
    var loadAverage: Double

    var secondsPerStep1: Double { median(one.map(\.secondsPerStep)) }
    var secondsPerStepN: Double { median(many.map(\.secondsPerStep)) }
    var imagesPerSecond1: Double { Double(batchPerRank) / secondsPerStep1 }
    var imagesPerSecondN: Double { Double(ranks * batchPerRank) / secondsPerStepN }
    var communicationPerStepN: Double { median(many.map(\.communicationPerStep)) }
    var efficiency: Double { imagesPerSecondN / (Double(ranks) * imagesPerSecond1) }
    var cpuPerStep1: Double { median(one.map(\.cpuPerStep)) }
    var cpuPerStepN: Double { median(many.map(\.cpuPerStep)) }
    /// The efficiency if every rank had had its core to itself: CPU time per step on 1 rank
    /// over that of the busiest rank on N (a diagnostic for a machine shared with other work).
    var cpuEfficiency: Double { cpuPerStep1 / cpuPerStepN }
    var bestSecondsPerStep1: Double { one.map(\.bestSecondsPerStep).min() ?? .nan }
    var bestSecondsPerStepN: Double { many.map(\.bestSecondsPerStep).min() ?? .nan }
    /// The efficiency from the fastest step of each size (weak scaling: equal step times mean 100 %).
    var bestEfficiency: Double { bestSecondsPerStep1 / bestSecondsPerStepN }

    enum CodingKeys: String, CodingKey {
        case model, size, ranks, efficiency
        case batchPerRank = "batch_per_rank", threadsPerRank = "threads_per_rank"
        case secondsPerStep1 = "seconds_per_step_1", secondsPerStepN = "seconds_per_step_n"
        case imagesPerSecond1 = "images_per_second_1", imagesPerSecondN = "images_per_second_n"
        case communicationPerStepN = "communication_seconds_per_step_n", loadAverage = "load_average"
        case cpuPerStep1 = "cpu_seconds_per_step_1", cpuPerStepN = "cpu_seconds_per_step_n", cpuEfficiency = "cpu_efficiency"
        case bestSecondsPerStep1 = "best_seconds_per_step_1", bestSecondsPerStepN = "best_seconds_per_step_n"
        case bestEfficiency = "best_efficiency"
        case one = "jobs_1", many = "jobs_n"
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model)
        try c.encode(size, forKey: .size)
        try c.encode(ranks, forKey: .ranks)
        try c.encode(batchPerRank, forKey: .batchPerRank)
        try c.encode(threadsPerRank, forKey: .threadsPerRank)
        try c.encode(secondsPerStep1, forKey: .secondsPerStep1)
        try c.encode(secondsPerStepN, forKey: .secondsPerStepN)
        try c.encode(imagesPerSecond1, forKey: .imagesPerSecond1)
        try c.encode(imagesPerSecondN, forKey: .imagesPerSecondN)
        try c.encode(communicationPerStepN, forKey: .communicationPerStepN)
        try c.encode(efficiency, forKey: .efficiency)
        try c.encode(cpuPerStep1, forKey: .cpuPerStep1)
        try c.encode(cpuPerStepN, forKey: .cpuPerStepN)
        try c.encode(cpuEfficiency, forKey: .cpuEfficiency)
        try c.encode(bestSecondsPerStep1, forKey: .bestSecondsPerStep1)
        try c.encode(bestSecondsPerStepN, forKey: .bestSecondsPerStepN)
        try c.encode(bestEfficiency, forKey: .bestEfficiency)
        try c.encode(loadAverage, forKey: .loadAverage)
        try c.encode(one, forKey: .one)
        try c.encode(many, forKey: .many)
    }
}
