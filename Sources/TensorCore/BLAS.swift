// The one place that calls OpenBLAS. Row-major GEMM with explicit transposes.
//
// OpenBLAS runs single-threaded; a large GEMM called outside a parallel task is split here
// into one block of rows or columns per thread (along the longer of M and N), each block a
// separate OpenBLAS call on the thread pool. Inside a task (for example one of the 36
// independent GEMMs of a Winograd convolution) a GEMM runs whole on the calling thread.
import CBLAS

/// Single-precision matrix multiply through OpenBLAS.
public enum BLAS {
    /// Multiply-accumulates below which a GEMM is not split across threads.
    static let splitThreshold = 1 << 20

    /// C[m×n] = alpha · op(A) · op(B) + beta · C, all row-major.
    ///
    /// `lda`, `ldb`, `ldc` are the row strides of A, B and C as stored (before any transpose).
    public static func sgemm(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let threads = Parallel.threadCount  // also loads OpenBLAS and sets it single-threaded
        if m == 0 || n == 0 { return }
        if k == 0 {
            if beta == 0 {
                for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) }
            } else if beta != 1 {
                for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } }
            }
            return
        }
        let insideTask = Parallel.isInsideTask
        if !insideTask { Profiler.addFlops(2 * Double(m) * Double(n) * Double(k)) }
        let splitN = n >= m
        let extent = splitN ? n : m, align = splitN ? 16 : 8
        let parts = min(threads, extent / (2 * align))
        if parts < 2 || m * n * k < splitThreshold || insideTask {
            call(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        Parallel.forEachTask(parts) { t in
            let lo = (extent * t / parts) / align * align
            let hi = t == parts - 1 ? extent : (extent * (t + 1) / parts) / align * align
            if lo >= hi { return }
            if splitN {  // columns lo..<hi of op(B) and C
                let bPart = transposeB ? b + lo * ldb : b + lo
                call(transposeA, transposeB, m, hi - lo, k, alpha, a, lda, bPart, ldb, beta, c + lo, ldc)
            } else {  // rows lo..<hi of op(A) and C
                let aPart = transposeA ? a + lo : a + lo * lda
                call(transposeA, transposeB, hi - lo, n, k, alpha, aPart, lda, b, ldb, beta, c + lo * ldc, ldc)
            }
        }
    }

    @inline(__always)
    private static func call(
        _ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
        _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int
    ) {
        i2i_sgemm(
            ta ? 1 : 0, tb ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta,
            c, Int32(ldc))
    }
}
