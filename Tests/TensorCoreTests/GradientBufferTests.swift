import TensorCore
import TestSupport
import XCTest

// How gradients reach a parameter's gradient buffer without extra copies, and how that buffer's
// memory is given back: a linear layer adds its weight gradient straight into the buffer (no
// weight-sized temporary: measured with the pool's live-byte peak), the sum equals the
// hand-computed one, the leaf is reported ready once, after its last contribution; and
// `zeroReleasingPages` zeroes exactly its range and leaves the whole pages inside it
// non-resident (`mincore`).
#if canImport(Glibc)
    import Glibc
#endif

final class GradientBufferTests: XCTestCase {
    /// loss = Σ linear(x1, W) + Σ 2·linear(x2, W) into a W whose buffer already holds 0.5:
    /// ∂loss/∂W[i, j] = x1[j] + 2·x2[j], so W.grad[i, j] = 0.5 + x1[j] + 2·x2[j] (small
    /// integers and halves: exact).
    func testLinearWeightGradientGoesStraightIntoTheGradientBuffer() {
        let m = 256, k = 4096  // 1 M weights, 4 MB
        let w = Tensor(shape: [m, k], values: (0..<(m * k)).map { Float($0 % 7) - 3 }, requiresGrad: true)
        w.grad = Tensor(shape: [m, k], repeating: 0.5)
        let x1 = Tensor(shape: [1, k], values: (0..<k).map { Float($0 % 5) - 2 })
        let x2 = Tensor(shape: [1, k], values: (0..<k).map { Float($0 % 3) })
        let loss = linear(x1, weight: w).sum() + (linear(x2, weight: w) * 2).sum()

        let before = MemoryPool.shared.statistics.liveBytes
        MemoryPool.shared.resetCounters()
        var readyCalls = 0
        var gradientWhenReady: [Float] = []
        loss.backward(accumulatingInto: [w]) { leaf in
            XCTAssertTrue(leaf === w)
            readyCalls += 1
            gradientWhenReady = leaf.grad!.values
        }
        let extra = MemoryPool.shared.statistics.peakLiveBytes - before
        XCTAssertLessThan(extra, m * k * 4 / 4, "backward held \(extra) bytes beyond the buffers: a weight-sized temporary")

        let expected = (0..<(m * k)).map { i -> Float in
            let j = i % k
            return 0.5 + (Float(j % 5) - 2) + 2 * Float(j % 3)
        }
        XCTAssertEqual(w.grad!.values, expected, "W.grad")
        XCTAssertEqual(readyCalls, 1, "the weight is reported ready once")
        XCTAssertEqual(gradientWhenReady, expected, "the weight is reported ready after its last contribution")
    }

    /// Without a gradient buffer (first pass) and through gradients(of:withRespectTo:), the
    /// linear layer's weight gradient is the same hand-computed sum (no buffer is handed over).
    func testLinearWeightGradientWithoutABufferIsUnchanged() {
        let w = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6], requiresGrad: true)
        let x = Tensor(shape: [2, 3], values: [1, -1, 2, 0, 3, -2])
        let g = gradients(of: linear(x, weight: w).sum(), withRespectTo: [w])[0]
        // ∂/∂W[i, j] = Σ_n x[n, j] = [1, 2, 0] for every row.
        assertExactly(g, shape: [2, 3], [1, 2, 0, 1, 2, 0], path: "gradients(of:) W")
        XCTAssertNil(w.grad)
        linear(x, weight: w).sum().backward()
        assertExactly(w.grad, shape: [2, 3], [1, 2, 0, 1, 2, 0], path: "first backward W")
        linear(x, weight: w).sum().backward()
        assertExactly(w.grad, shape: [2, 3], [2, 4, 0, 2, 4, 0], path: "second backward W (into the buffer)")
    }

    /// A range that starts and ends inside pages: every element in it reads zero afterwards,
    /// the elements around it keep their values, and the whole pages inside it are no longer
    /// resident.
    func testZeroReleasingPagesZeroesTheRangeAndReleasesItsWholePages() throws {
        let count = 1 << 20  // 4 MB
        let storage = TensorStorage(count: count)
        let all = storage.buffer
        for i in 0..<count { all[i] = Float(i % 13) + 1 }
        let lo = 1000, hi = count - 777
        let released = zeroReleasingPages(UnsafeMutableBufferPointer(rebasing: all[lo..<hi]))
        #if os(Linux)
            let page = systemPageSize
            let start = Int(bitPattern: storage.pointer + lo), end = Int(bitPattern: storage.pointer + hi)
            let first = (start + page - 1) / page * page, last = end / page * page
            XCTAssertEqual(released, last - first, "bytes released")
            // Read residency without touching the pages (reading them would fault zero pages in).
            var resident = [UInt8](repeating: 0, count: (last - first) / page)
            let rc = resident.withUnsafeMutableBufferPointer {
                mincore(UnsafeMutableRawPointer(bitPattern: first), last - first, $0.baseAddress)
            }
            XCTAssertEqual(rc, 0, "mincore")
            XCTAssertEqual(resident.filter { $0 & 1 != 0 }.count, 0, "pages still resident after release")
        #endif
        for i in 0..<count {
            let expected: Float = (lo..<hi).contains(i) ? 0 : Float(i % 13) + 1
            if all[i] != expected { return XCTFail("element \(i) is \(all[i]), expected \(expected)") }
        }
    }
}
