// Splitting loops across cores, and the compute-thread setting shared with OpenBLAS.
//
// All parallelism goes through one fork-join pool (CKernels' `i2i_pool_run`): parallel loops,
// and GEMMs, which `BLAS.sgemm` splits into one single-threaded OpenBLAS call per thread.
// OpenBLAS's own threads are never used: they spin after each call and would compete with the
// pool's threads for the same cores.
import CBLAS
import CKernels
import Foundation

/// Parallel loops for the work that is not a BLAS call.
public enum Parallel {
    /// Threads used by parallel loops and GEMMs.
    ///
    /// See ``ComputeRuntime/configure(threads:)``.
    public static var threadCount: Int { storedThreadCount }
    static var storedThreadCount: Int = ComputeRuntime.initialThreadCount()

    /// Whether the calling thread is inside a parallel task (where loops run serially).
    public static var isInsideTask: Bool { i2i_pool_in_task() != 0 }

    /// Calls `body` on disjoint subranges covering `0..<count`, in parallel when there is more
    /// than `grain` work.
    ///
    /// Subranges are contiguous and chosen deterministically, so a loop that
    /// writes each index once gives the same result for any thread count. Large loops are cut
    /// into up to four ranges per thread, so that a thread the OS has descheduled for a moment
    /// holds up little work.
    public static func forEach(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
        let threads = threadCount
        if threads <= 1 || count <= grain || isInsideTask {
            if count > 0 { body(0..<count) }
            return
        }
        let chunks = min(4 * threads, max(min(threads, (count + grain - 1) / grain), count / max(grain, 1)))
        if chunks <= 1 { body(0..<count); return }
        run(chunks) { c in
            let lo = count * c / chunks
            let hi = count * (c + 1) / chunks
            if lo < hi { body(lo..<hi) }
        }
    }

    /// Runs `body(i)` for `i` in `0..<count`, spread over the threads (one task per index,
    /// handed out in order to whichever thread is free).
    ///
    /// The body always runs as a task, also
    /// with one thread: GEMMs inside it run whole on the calling thread.
    public static func forEachTask(_ count: Int, _ body: (Int) -> Void) {
        run(count, body)
    }

    /// Hands `body` to the pool through a C function pointer and a pointer to the closure.
    private static func run(_ count: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { escaping in
            var task = PoolTask(body: escaping)
            withUnsafeMutablePointer(to: &task) { pointer in
                i2i_pool_run(
                    count,
                    { context, index in
                        context!.assumingMemoryBound(to: PoolTask.self).pointee.body(index)
                    }, pointer)
            }
        }
    }
}

/// The closure a pool job runs.
private struct PoolTask {
    let body: (Int) -> Void
}

/// Process-wide compute settings: OpenBLAS loading, its kernel family, and thread counts.
public enum ComputeRuntime {
    private static let loadResult: String? = {
        var buffer = [CChar](repeating: 0, count: 512)
        if i2i_blas_load(&buffer, Int32(buffer.count)) != 0 {
            return String(cString: buffer)
        }
        return nil
    }()

    static func initialThreadCount() -> Int {
        ensureLoaded()
        let n = defaultThreadCount(ranksOnNode: 1)
        i2i_blas_set_threads(1)
        i2i_pool_set_threads(Int32(n))
        return Int(i2i_pool_threads())
    }

    /// Loads OpenBLAS if needed; stops the process with a clear message when it is missing.
    @inline(__always)
    public static func ensureLoaded() {
        if let error = loadResult { fatalError(error) }
    }

    /// Sets the threads for parallel loops and GEMMs (OpenBLAS itself runs single-threaded
    /// inside each thread's share).
    public static func configure(threads: Int) {
        ensureLoaded()
        _ = Parallel.threadCount  // the initial setting first, so that it cannot override this one
        i2i_blas_set_threads(1)
        i2i_pool_set_threads(Int32(max(1, threads)))
        Parallel.storedThreadCount = Int(i2i_pool_threads())
    }

    /// The default thread count: `I2I_THREADS` when set, otherwise the node's cores divided by
    /// the ranks sharing the node (at least 1).
    public static func defaultThreadCount(ranksOnNode: Int) -> Int {
        if let s = ProcessInfo.processInfo.environment["I2I_THREADS"], let n = Int(s), n > 0 { return n }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        return max(1, cores / max(1, ranksOnNode))
    }

    /// The kernel family OpenBLAS selected (for example "SkylakeX").
    public static var blasCoreName: String {
        ensureLoaded()
        return String(cString: i2i_blas_core_name())
    }

    /// Threads OpenBLAS uses inside one call (1: the pool splits GEMMs instead).
    public static var blasThreads: Int {
        ensureLoaded()
        return Int(i2i_blas_threads())
    }
}
