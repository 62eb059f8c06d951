// `i2i bench`: performance benchmarks; each benchmark is a subcommand.
import ArgumentParser

/// Groups the benchmarks.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Performance benchmarks (human and --json output).",
        subcommands: [BenchOps.self, BenchTrain.self, BenchData.self, BenchAllReduce.self])
}
