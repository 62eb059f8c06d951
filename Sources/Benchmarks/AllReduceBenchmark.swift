// Measures float32 sum all-reduce over the ranks of a job, by message size, through the same
// non-blocking post-and-test path (with deadline) that gradient synchronisation uses.
// Bandwidths follow NVIDIA/nccl-tests, doc/PERFORMANCE.md: algorithm bandwidth = bytes / time, bus
// bandwidth = algorithm bandwidth × 2(n−1)/n, which is comparable to the link's peak whatever
// the number of ranks.
import Distributed

/// All-reduce timings and bandwidths for a list of message sizes.
public enum AllReduceBenchmark {
    /// The result for one message size.
    public struct Measurement: Codable, Equatable, Sendable {
        /// Message size in bytes (float32 elements × 4).
        public var bytes: Int
        /// Timed iterations after warm-up.
        public var iterations: Int
        /// Median over iterations of the slowest rank's time, in seconds.
        public var secondsMedian: Double
        /// bytes / secondsMedian, in GB/s (10⁹ bytes per second); 0 for one rank.
        public var algorithmBandwidth: Double
        /// algorithmBandwidth × 2(n−1)/n, in GB/s; 0 for one rank.
        public var busBandwidth: Double
        /// Whether every element held the expected sum after every iteration on every rank.
        public var correct: Bool

        enum CodingKeys: String, CodingKey {
            case bytes, iterations, correct
            case secondsMedian = "seconds_median"
            case algorithmBandwidth = "algbw_gbps"
            case busBandwidth = "busbw_gbps"
        }
    }

    /// 4 KiB to 64 MiB in steps of 4×.
    public static let defaultSizes: [Int] = (0..<8).map { 4096 << (2 * $0) }

    /// The nccl-tests bus-bandwidth factor for an all-reduce over `ranks`: 2(n−1)/n.
    public static func busBandwidthFactor(ranks: Int) -> Double {
        ranks > 1 ? 2 * Double(ranks - 1) / Double(ranks) : 0
    }

    /// Iterations used for a message of `bytes` when none are given: more for small messages.
    public static func defaultIterations(bytes: Int) -> Int {
        max(5, min(50, (256 << 20) / max(bytes, 1)))
    }

    /// Measures one message size on every rank (a collective: all ranks call it alike).
    ///
    /// - Parameters:
    ///   - bytes: message size, rounded down to whole float32 elements.
    ///   - blocking: time a plain blocking `MPI_Allreduce` (no deadline) instead, for comparison.
    public static func measure(
        on communicator: Communicator, bytes: Int, warmup: Int = 2, iterations: Int? = nil,
        blocking: Bool = false
    ) -> Measurement {
        let count = max(1, bytes / 4)
        let iterations = iterations ?? defaultIterations(bytes: count * 4)
        let n = communicator.size
        let mine = Float(communicator.rank + 1)
        let expected = Float(n * (n + 1) / 2)
        var buffer = [Float](repeating: 0, count: count)
        var times = [Double]()
        var correct = true
        buffer.withUnsafeMutableBufferPointer { data in
            for iteration in 0..<(warmup + iterations) {
                for i in data.indices { data[i] = mine }
                communicator.barrier()
                let start = MonotonicClock.seconds()
                if blocking, let mpi = communicator as? MPICommunicator {
                    mpi.blockingAllReduce(data)
                } else {
                    communicator.allReduce(data, .sum)
                }
                let elapsed = MonotonicClock.seconds() - start
                if iteration >= warmup { times.append(elapsed) }
                for v in data where v != expected { correct = false; break }
            }
        }
        // The collective is done when the slowest rank is done.
        let slowest = communicator.allReduce(times, .max).sorted()
        let median =
            slowest.count % 2 == 1
            ? slowest[slowest.count / 2]
            : (slowest[slowest.count / 2 - 1] + slowest[slowest.count / 2]) / 2
        let bytesMoved = Double(count * 4)
        // One rank moves nothing: report zero rather than bytes over a no-op's time.
        let algorithm = n > 1 && median > 0 ? bytesMoved / median / 1e9 : 0
        return Measurement(
            bytes: count * 4, iterations: iterations, secondsMedian: median,
            algorithmBandwidth: algorithm,
            busBandwidth: algorithm * busBandwidthFactor(ranks: n),
            correct: communicator.allRanks(correct))
    }
}
