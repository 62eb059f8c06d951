// `i2i bench`: performance benchmarks; each benchmark is a subcommand.
import ArgumentParser

/// Groups the benchmarks.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Performance benchmarks (human and --json output).",
        subcommands: [BenchTrain.self, BenchOps.self, BenchData.self, BenchAllReduce.self, BenchScaling.self])
}
