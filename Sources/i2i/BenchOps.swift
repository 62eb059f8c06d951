// `i2i bench ops [--json]`: conv2d forward / backward-data / backward-weight GFLOPS at
// CycleGAN's shapes beside the raw sgemm rate of the same run.
import ArgumentParser
import Benchmarks
import Foundation
import TensorCore

/// Benchmarks the convolution kernels.
struct BenchOps: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ops",
        abstract: "GFLOPS of conv2d forward, backward-data and backward-weight at CycleGAN's shapes, beside sgemm.")

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Option(help: "Timed repetitions per pass (the median is reported).")
    var repetitions = 7

    @Option(help: "Compute threads (default: I2I_THREADS or all cores).")
    var threads: Int?

    @Option(
        help: ArgumentHelp(
            "Clock: wall or cpu (process CPU time; for kernel work on a busy machine).",
            visibility: .hidden))
    var clock = "wall"

    func validate() throws {
        try require(Measurement.Clock(rawValue: clock) != nil, "--clock must be wall or cpu, not \(clock)")
        try require(repetitions >= 1, "--repetitions must be at least 1, not \(repetitions)")
        try require((threads ?? 1) >= 1, "--threads must be at least 1, not \(threads ?? 0)")
    }

    func run() throws {
        if let threads { ComputeRuntime.configure(threads: threads) }
        Measurement.clock = Measurement.Clock(rawValue: clock)!
        let report = OpsBenchmark.run(repetitions: repetitions)
        if json {
            print(try BenchJSON.encode(report))
            return
        }
        print(
            "sgemm M=256 N=4096 K=2304: \(BenchJSON.format(report.sgemmGflops, 1)) GFLOPS "
                + "(\(report.threads) threads, OpenBLAS \(report.blasCore))")
        print("case                            forward  bwd-data  bwd-weight   total  of sgemm")
        for c in report.cases {
            let name = c.name.padding(toLength: 30, withPad: " ", startingAt: 0)
            print(
                "\(name) \(BenchJSON.format(c.gflopsForward, 1, width: 8))  \(BenchJSON.format(c.gflopsBackwardData, 1, width: 8))"
                    + "  \(BenchJSON.format(c.gflopsBackwardWeight, 1, width: 10))  \(BenchJSON.format(c.gflopsTotal, 1, width: 6))"
                    + "  \(BenchJSON.format(c.fractionOfSgemm * 100, 0, width: 6)) %")
        }
        print("(GFLOPS; each pass the median of \(repetitions) runs, batch 1)")
    }
}

/// JSON and number formatting shared by the bench commands.
enum BenchJSON {
    /// Compact JSON with snake_case keys.
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// `value` with `digits` decimals, right-aligned in `width` characters.
    static func format(_ value: Double, _ digits: Int, width: Int = 0) -> String {
        var s = String(format: "%.\(digits)f", value)
        while s.count < width { s = " " + s }
        return s
    }
}
