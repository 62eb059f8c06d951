// BLAS.sgemm splits large GEMMs into one block of rows or columns per thread. Every transpose
// combination, split along M and along N, with row strides wider than the matrices, must give
// what one single-threaded call gives.
import TensorCore
import TestSupport
import XCTest

final class ParallelGEMMTests: XCTestCase {
    func testSplitGEMMsMatchOneCall() {
        let saved = Parallel.threadCount
        defer { ComputeRuntime.configure(threads: saved) }
        var inputs = TestInputs(seed: 41)
        for (m, n, k) in [(40, 700, 300), (700, 40, 300), (333, 333, 64)] {
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                // Stored shapes (before the transpose), each row padded by 3 elements.
                let (ar, ac) = ta ? (k, m) : (m, k), (br, bc) = tb ? (n, k) : (k, n)
                let a = inputs.normal([ar, ac + 3]), b = inputs.normal([br, bc + 3])
                let c0 = inputs.normal([m, n + 5])
                func product(threads: Int) -> [Float] {
                    ComputeRuntime.configure(threads: threads)
                    let c = c0.copy()
                    BLAS.sgemm(
                        transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 0.5, a: a.data, lda: ac + 3,
                        b: b.data, ldb: bc + 3, beta: 2, c: c.data, ldc: n + 5)
                    return c.values
                }
                let one = product(threads: 1), three = product(threads: 3)
                let expected = Tensor(shape: [m, n + 5], values: one)
                assertClose(
                    Tensor(shape: [m, n + 5], values: three), expected, Tolerance(absolute: 1e-4, relative: 1e-5),
                    path: "sgemm m \(m) n \(n) k \(k) transposeA \(ta) transposeB \(tb)")
            }
        }
    }
}
