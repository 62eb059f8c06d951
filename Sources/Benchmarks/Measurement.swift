// Clocks and process counters shared by the benchmarks: wall time, medians, peak resident
// memory and page faults (getrusage), and the raw sgemm rate every report compares against.
import Foundation
import TensorCore

/// Timing and process-resource helpers.
public enum Measurement {
    /// What ``now()`` reads.
    public enum Clock: String, Sendable {
        /// Wall time (what every report gives).
        case wall
        /// CPU time of the whole process: on a busy machine, with one thread, a steadier
        /// measure of a kernel's own cost (other processes' time is not counted).
        case cpu
    }

    /// The clock of the timing helpers.
    nonisolated(unsafe) public static var clock = Clock.wall

    /// Seconds on the selected clock.
    @inline(__always)
    public static func now() -> Double {
        if clock == .cpu {
            var t = timespec()
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
            return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
        }
        return Double(DispatchTime.now().uptimeNanoseconds) * 1e-9
    }

    /// Seconds `body` takes.
    public static func time(_ body: () -> Void) -> Double {
        let start = now()
        body()
        return now() - start
    }

    /// The median of `values` (the mean of the middle two for an even count).
    public static func median(_ values: [Double]) -> Double {
        precondition(!values.isEmpty, "median of no values")
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    /// The median time of `repetitions` runs of `body` after `warmup` untimed ones.
    public static func medianTime(repetitions: Int, warmup: Int = 1, _ body: () -> Void) -> Double {
        for _ in 0..<warmup { body() }
        return median((0..<max(1, repetitions)).map { _ in time(body) })
    }

    /// The process's peak resident set size in bytes (`ru_maxrss`, kilobytes on Linux).
    public static var peakResidentBytes: Int {
        let usage = resourceUsage()
        return Int(usage.ru_maxrss) * 1024
    }

    /// Minor page faults of the process so far (first touches of fresh memory).
    public static var minorPageFaults: Int {
        let usage = resourceUsage()
        return Int(usage.ru_minflt)
    }

    /// CPU seconds (user + system) of the process so far, all threads.
    public static var cpuSeconds: Double {
        let usage = resourceUsage()
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    private static func resourceUsage() -> rusage {
        var usage = rusage()
        #if os(Linux)
            getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
            getrusage(RUSAGE_SELF, &usage)
        #endif
        return usage
    }

    /// GFLOPS of one OpenBLAS sgemm C[M×N] = A[M×K]·B[K×N] at the conv-shaped size
    /// M = 256, N = 4096, K = 2304 (a 256-channel 3×3 conv on 64×64), median of `repetitions`.
    public static func sgemmGFLOPS(m: Int = 256, n: Int = 4096, k: Int = 2304, repetitions: Int = 15) -> Double {
        var stream = RandomStream(seed: 1, purpose: "bench.sgemm")
        let a = Tensor.uniform([m, k], low: -1, high: 1, using: &stream)
        let b = Tensor.uniform([k, n], low: -1, high: 1, using: &stream)
        let c = Tensor.zeros([m, n])
        let seconds = medianTime(repetitions: repetitions, warmup: 2) {
            BLAS.sgemm(m: m, n: n, k: k, a: a.data, lda: k, b: b.data, ldb: n, c: c.data, ldc: n)
        }
        return 2 * Double(m) * Double(n) * Double(k) / seconds * 1e-9
    }
}
