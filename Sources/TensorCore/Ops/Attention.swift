// Dot-product attention over positions, as one op so that only one N×N map per sample is kept:
// SAGAN's block (MUNIT with self-attention) at 256 px has N = 4096 positions, a 64 MiB map per
// image. Composed of bmm, softmax and permute, autograd would keep the energies, the attention
// and its transposed copy (three maps); here the forward writes the energies and turns them into
// the attention in place, reads the attention transposed inside the GEMM, and the backward
// needs one transient map for the attention's gradient.
//
//   E[i, j] = Σ_d q[d, i]·k[d, j]        A = softmax over j        out[c, i] = Σ_j v[c, j]·A[i, j]
// Shapes: query, key [B, D, N]; value [B, C, N] → [B, C, N].
import Foundation

/// `value · softmax(queryᵀ·key)ᵀ` per sample: [B, D, N], [B, D, N], [B, C, N] → [B, C, N].
public func dotProductAttention(query: Tensor, key: Tensor, value: Tensor) -> Tensor {
    check(
        query.rank == 3 && key.shape == query.shape && value.rank == 3 && value.shape[0] == query.shape[0]
            && value.shape[2] == query.shape[2],
        "dotProductAttention: expected query and key [B, D, N] and value [B, C, N], got \(query.shape), \(key.shape), \(value.shape)")
    let b = query.shape[0], d = query.shape[1], n = query.shape[2], c = value.shape[1]
    let attention = Tensor(uninitializedShape: [b, n, n])
    let out = Tensor(uninitializedShape: [b, c, n])
    FlopCounter.forward(macs: b * n * n * (d + c))
    let pa = attention.data
    for s in 0..<b {
        let a = pa + s * n * n
        // E = qᵀ·k: [N, D]·[D, N].
        BLAS.sgemm(
            transposeA: true, m: n, n: n, k: d, a: query.data + s * d * n, lda: n, b: key.data + s * d * n, ldb: n,
            c: a, ldc: n)
        Parallel.forEach(n, grain: 16) { rows in
            for i in rows {
                let row = a + i * n
                var m = -Float.infinity
                for j in 0..<n { m = Swift.max(m, row[j]) }
                var total: Float = 0
                for j in 0..<n {
                    let e = Foundation.exp(row[j] - m)
                    row[j] = e
                    total += e
                }
                let inv = 1 / total
                for j in 0..<n { row[j] *= inv }
            }
        }
        // out = v·Aᵀ: [C, N]·[N, N]ᵀ.
        BLAS.sgemm(
            transposeB: true, m: c, n: n, k: n, a: value.data + s * c * n, lda: n, b: a, ldb: n, c: out.data + s * c * n,
            ldc: n)
    }
    return out.recorded("attention", [query, key, value]) { g, needs in
        // The closure holds the attention map (its only owner once the forward returns).
        let pa = attention.data
        FlopCounter.backward(macs: b * n * n * (c + 2 * d), data: true, weight: false)
        FlopCounter.backward(macs: b * n * n * c, data: true, weight: false)
        let gq = needs[0] ? Tensor(uninitializedShape: query.shape) : nil
        let gk = needs[1] ? Tensor(uninitializedShape: key.shape) : nil
        let gv = needs[2] ? Tensor(uninitializedShape: value.shape) : nil
        let needsEnergy = needs[0] || needs[1]
        let ga = needsEnergy ? Tensor(uninitializedShape: [n, n]) : nil
        for s in 0..<b {
            let a = pa + s * n * n, gs = g.data + s * c * n
            // ∂v = g·A: [C, N]·[N, N].
            if let gv {
                BLAS.sgemm(m: c, n: n, k: n, a: gs, lda: n, b: a, ldb: n, c: gv.data + s * c * n, ldc: n)
            }
            guard let ga else { continue }
            // ∂A = gᵀ·v: [N, C]·[C, N]; then ∂E = A ⊙ (∂A − Σ_j ∂A ⊙ A) row by row, in place.
            BLAS.sgemm(transposeA: true, m: n, n: n, k: c, a: gs, lda: n, b: value.data + s * c * n, ldb: n, c: ga.data, ldc: n)
            let pg = ga.data
            Parallel.forEach(n, grain: 16) { rows in
                for i in rows {
                    let row = pg + i * n, ar = a + i * n
                    var dot: Float = 0
                    for j in 0..<n { dot += row[j] * ar[j] }
                    for j in 0..<n { row[j] = ar[j] * (row[j] - dot) }
                }
            }
            // ∂q = k·∂Eᵀ: [D, N]·[N, N]ᵀ; ∂k = q·∂E: [D, N]·[N, N].
            if let gq {
                BLAS.sgemm(
                    transposeB: true, m: d, n: n, k: n, a: key.data + s * d * n, lda: n, b: pg, ldb: n, c: gq.data + s * d * n,
                    ldc: n)
            }
            if let gk {
                BLAS.sgemm(m: d, n: n, k: n, a: query.data + s * d * n, lda: n, b: pg, ldb: n, c: gk.data + s * d * n, ldc: n)
            }
        }
        return [gq, gk, gv]
    }
}
