// Splitting loops across cores, and the compute-thread setting shared with OpenBLAS.
import CBLAS
import Dispatch
import Foundation

/// Parallel loops for the work that is not a BLAS call.
public enum Parallel {
    /// Threads used by parallel loops and by OpenBLAS. See ``ComputeRuntime/configure(threads:)``.
    public static var threadCount: Int { storedThreadCount }
    @usableFromInline static var storedThreadCount: Int = ComputeRuntime.initialThreadCount()

    /// Calls `body` on disjoint subranges covering `0..<count`, in parallel when there is more
    /// than `grain` work per thread. Subranges are contiguous and chosen deterministically, so
    /// a loop that writes each index once gives the same result for any thread count.
    @inlinable
    public static func forEach(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
        let threads = threadCount
        if threads <= 1 || count <= grain {
            if count > 0 { body(0..<count) }
            return
        }
        let chunks = min(threads, (count + grain - 1) / grain)
        if chunks <= 1 { body(0..<count); return }
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let lo = count * c / chunks
                let hi = count * (c + 1) / chunks
                if lo < hi { body(lo..<hi) }
            }
        }
    }

    /// Runs `body(i)` for `i` in `0..<count`, spread over the threads (one task per index).
    @inlinable
    public static func forEachTask(_ count: Int, _ body: (Int) -> Void) {
        if threadCount <= 1 || count <= 1 {
            for i in 0..<count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: count, execute: body)
        }
    }
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
        i2i_blas_set_threads(Int32(n))
        return n
    }

    /// Loads OpenBLAS if needed; stops the process with a clear message when it is missing.
    @inline(__always)
    public static func ensureLoaded() {
        if let error = loadResult { fatalError(error) }
    }

    /// Sets the threads for parallel loops and OpenBLAS.
    public static func configure(threads: Int) {
        ensureLoaded()
        Parallel.storedThreadCount = max(1, threads)
        i2i_blas_set_threads(Int32(max(1, threads)))
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

    /// Threads OpenBLAS uses.
    public static var blasThreads: Int {
        ensureLoaded()
        return Int(i2i_blas_threads())
    }
}
