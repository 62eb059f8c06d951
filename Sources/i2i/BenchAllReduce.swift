// `i2i bench allreduce`: float32 sum all-reduce time and bandwidth by message size, over the
// ranks of the job (run it under mpirun). Bus bandwidth uses the nccl-tests formula, so the
// figure is comparable to the link's peak whatever the number of ranks.
import ArgumentParser
import Benchmarks
import Distributed
import Foundation

/// Measures all-reduce bandwidth by message size.
struct BenchAllReduce: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allreduce",
        abstract: "All-reduce bandwidth by message size (run under mpirun).",
        discussion: """
            Times float32 sum all-reduces through the path gradient synchronisation uses \
            (non-blocking, tested against a deadline). Reports the median over iterations of the \
            slowest rank's time, algorithm bandwidth = bytes / time and bus bandwidth = \
            algbw × 2(n−1)/n (nccl-tests). Example: launch/mpirun-local 2 .build/release/i2i bench allreduce
            """)

    @Option(help: "Message sizes, comma-separated, with K, M or G suffixes (default 4K,16K,…,64M).")
    var sizes: String?

    @Option(help: "Timed iterations per size (default: 50 for small messages down to 5 for 64 MiB).")
    var iterations: Int?

    @Option(help: "Untimed warm-up iterations per size.")
    var warmup: Int = 2

    @Flag(help: "Time a blocking MPI_Allreduce instead (no deadline), for comparison.")
    var blocking = false

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func validate() throws {
        if let sizes { _ = try BenchAllReduce.parseSizes(sizes) }
        if let iterations { try require(iterations >= 1, "--iterations must be at least 1, not \(iterations)") }
        try require(warmup >= 0, "--warmup must be 0 or more, not \(warmup)")
    }

    func run() throws {
        let comm: Communicator
        do { comm = try makeCommunicator() } catch {
            throw commandFailure("\(error)", status: ExitStatus.failure)
        }
        let threads = comm.configureComputeThreads()
        let nodes = comm.allReduce([comm.localRank == 0 ? 1 : 0], .sum)[0]
        let messageSizes = try sizes.map(BenchAllReduce.parseSizes) ?? AllReduceBenchmark.defaultSizes
        let mode = blocking && comm is MPICommunicator ? "blocking" : "nonblocking"

        if !json {
            comm.info(
                "all-reduce (float32 sum): \(comm.size) rank\(comm.size == 1 ? "" : "s") on \(nodes) node\(nodes == 1 ? "" : "s"), "
                    + "\(threads) compute thread\(threads == 1 ? "" : "s") per rank, \(mode)")
            if comm.size == 1 {
                comm.info("world size 1: there is nothing to communicate; run under mpirun -np N to measure")
            }
            comm.info("bus bandwidth = algorithm bandwidth × 2(n−1)/n (nccl-tests)")
            comm.info("      size  iters     time (µs)  algbw (GB/s)  busbw (GB/s)  check")
        }
        var results = [AllReduceBenchmark.Measurement]()
        for bytes in messageSizes {
            comm.phase = "bench allreduce \(bytes) bytes"
            let m = AllReduceBenchmark.measure(
                on: comm, bytes: bytes, warmup: warmup, iterations: iterations,
                blocking: blocking)
            results.append(m)
            if !json {
                comm.info(
                    pad(BenchAllReduce.formatBytes(m.bytes), 10) + pad(String(m.iterations), 7)
                        + pad(String(format: "%.1f", m.secondsMedian * 1e6), 14)
                        + pad(String(format: "%.3f", m.algorithmBandwidth), 14)
                        + pad(String(format: "%.3f", m.busBandwidth), 14) + "  " + (m.correct ? "ok" : "WRONG"))
            }
        }
        if json {
            let report = Report(
                ranks: comm.size, nodes: nodes, threads: threads, mode: mode,
                formula: "busbw = algbw * 2(n-1)/n", cases: results)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            comm.info(String(decoding: try encoder.encode(report), as: UTF8.self))
        }
        let allCorrect = results.allSatisfy(\.correct)
        if !allCorrect { comm.error("some all-reduce results were wrong") }
        comm.exitJob(allCorrect ? 0 : 1)
    }

    /// The `--json` document.
    struct Report: Encodable {
        var ranks: Int
        var nodes: Int
        var threads: Int
        var mode: String
        var formula: String
        var cases: [AllReduceBenchmark.Measurement]
    }

    /// "4K,1M,64M" → byte counts (K, M, G are powers of 1024); bad usage (status 2) otherwise.
    static func parseSizes(_ text: String) throws -> [Int] {
        try text.split(separator: ",").map { item in
            let s = item.trimmingCharacters(in: .whitespaces).uppercased()
            let unit: Int
            switch s.last {
            case "K": unit = 1 << 10
            case "M": unit = 1 << 20
            case "G": unit = 1 << 30
            default: unit = 1
            }
            let digits = unit == 1 ? s : String(s.dropLast())
            guard let n = Int(digits), n > 0, n.multipliedReportingOverflow(by: unit).overflow == false, n * unit >= 4 else {
                throw commandFailure("--sizes: '\(item)' is not a size of at least 4 bytes such as 4096, 64K or 16M")
            }
            return n * unit
        }
    }

    /// 4096 → "4 KiB", 67108864 → "64 MiB".
    static func formatBytes(_ bytes: Int) -> String {
        for (unit, name) in [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")] where bytes >= unit && bytes % unit == 0 {
            return "\(bytes / unit) \(name)"
        }
        return "\(bytes) B"
    }
}

private func pad(_ text: String, _ width: Int) -> String {
    String(repeating: " ", count: max(0, width - text.count)) + text
}
