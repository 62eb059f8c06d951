// The blocked softmax warp (`softmaxWarp`) against the composed expression it replaces
// (matmul, scale, softmax over keys, matmul) and against finite differences: query and key
// counts that differ, blocks that do not divide the query count, τ = 0.01 (CoCosNet's
// correspondence) and τ = 1 (its generator attention), two samples.
import TensorCore
import TestSupport
import XCTest

final class SoftmaxWarpTests: XCTestCase {
    var inputs = TestInputs(seed: 31)

    /// `values · softmax(queryᵀ·key / τ)ᵀ` from the general ops.
    private func composed(_ q: Tensor, _ k: Tensor, _ v: Tensor, _ temperature: Float) -> Tensor {
        let energies = matmul(q.transposed(1, 2), k) * (1 / temperature)  // [B, Nq, Nk]
        return matmul(v, energies.softmax(axis: -1).transposed(1, 2))  // [B, C, Nq]
    }

    /// Forward and all three input gradients of ⟨out, R⟩ for the blocked op and the composed one.
    private func compare(
        _ name: String, b: Int, d: Int, nq: Int, nk: Int, c: Int, temperature: Float, std: Float, blockRows: Int?,
        tolerance: Tolerance
    ) {
        let q = inputs.normal([b, d, nq], std: std), k = inputs.normal([b, d, nk], std: std), v = inputs.normal([b, c, nk])
        let r = inputs.normal([b, c, nq])
        for x in [q, k, v] { x.requiresGrad = true }
        let fused = softmaxWarp(query: q, key: k, values: v, temperature: temperature, blockRows: blockRows)
        let reference = composed(q, k, v, temperature)
        assertClose(fused, reference, tolerance, path: "\(name) forward")
        let gf = gradients(of: (fused * r).sum(), withRespectTo: [q, k, v])
        let gr = gradients(of: (reference * r).sum(), withRespectTo: [q, k, v])
        for (i, label) in ["query", "key", "values"].enumerated() {
            guard let a = gf[i], let e = gr[i] else { return XCTFail("\(name): no gradient for \(label)") }
            assertClose(a, e, tolerance, path: "\(name) ∂\(label)")
        }
    }

    func testMatchesComposedExpression() {
        // 37 query rows in blocks of 8 (last block 5 rows), 23 keys.
        compare(
            "τ=1 blocks of 8", b: 2, d: 5, nq: 37, nk: 23, c: 3, temperature: 1, std: 1, blockRows: 8,
            tolerance: Tolerance(absolute: 1e-5, relative: 1e-4))
        // τ = 0.01 with inputs of std 0.1: energies of a few units, as CoCosNet's cosine / τ.
        compare(
            "τ=0.01 blocks of 16", b: 2, d: 7, nq: 50, nk: 31, c: 4, temperature: 0.01, std: 0.1, blockRows: 16,
            tolerance: Tolerance(absolute: 1e-4, relative: 1e-4))
        // Fewer queries than keys, the default block (one block holding every row).
        compare(
            "τ=1 default block", b: 2, d: 4, nq: 12, nk: 40, c: 2, temperature: 1, std: 1, blockRows: nil,
            tolerance: Tolerance(absolute: 1e-5, relative: 1e-4))
        // A block of one row.
        compare(
            "τ=1 single rows", b: 1, d: 3, nq: 5, nk: 9, c: 2, temperature: 1, std: 1, blockRows: 1,
            tolerance: Tolerance(absolute: 1e-5, relative: 1e-4))
    }

    func testFiniteDifferences() {
        checkFiniteDifferences(
            "softmaxWarp τ=1 Nq=7 Nk=5 blocks of 3",
            [inputs.normal([2, 3, 7]), inputs.normal([2, 3, 5]), inputs.normal([2, 2, 5])]
        ) { softmaxWarp(query: $0[0], key: $0[1], values: $0[2], temperature: 1, blockRows: 3) }
        // τ = 0.01: inputs of std 0.1 keep the energies O(1); ∂S/∂q = k/τ is O(10), so the step is 1e-3.
        checkFiniteDifferences(
            "softmaxWarp τ=0.01 Nq=5 Nk=6 blocks of 2",
            [inputs.normal([2, 3, 5], std: 0.1), inputs.normal([2, 3, 6], std: 0.1), inputs.normal([2, 2, 6])],
            step: 1e-3
        ) { softmaxWarp(query: $0[0], key: $0[1], values: $0[2], temperature: 0.01, blockRows: 2) }
    }

    func testOnlyValuesNeedAGradient() {
        let q = inputs.normal([2, 3, 6]), k = inputs.normal([2, 3, 4]), v = inputs.normal([2, 2, 4])
        v.requiresGrad = true
        let r = inputs.normal([2, 2, 6])
        let fused = gradients(of: (softmaxWarp(query: q, key: k, values: v, temperature: 1, blockRows: 4) * r).sum(), withRespectTo: [v])
        let reference = gradients(of: (composed(q, k, v, 1) * r).sum(), withRespectTo: [v])
        guard let a = fused[0], let e = reference[0] else { return XCTFail("no gradient for values") }
        assertClose(a, e, path: "∂values alone")
    }
}
