// A softmax-weighted warp that never holds the whole query × key map: CoCosNet's correspondence
// (microsoft/CoCosNet, models/networks/correspondence.py: softmax over exemplar positions of the
// cosine similarity divided by τ = 0.01, then the exemplar's values warped by that matrix) and
// its generator's non-local attention (models/networks/architecture.py `Attention`, τ = 1, with
// 16384 queries and 4096 keys at 256 px).
//
//   S[i, j] = Σ_d q[d, i]·k[d, j] / τ     P = softmax over j     out[c, i] = Σ_j v[c, j]·P[i, j]
// Shapes: query [B, D, Nq], key [B, D, Nk], values [B, C, Nk] → [B, C, Nq].
//
// Flash-attention style on the CPU: the query positions are taken in blocks of R rows. Per block
// the forward GEMMs the energies into one R × Nk buffer, turns them into probabilities in place
// (stable softmax) and GEMMs them into the output; all it keeps for the backward is the
// log-sum-exp of each row, L[i] = max_j S[i, j] + log Σ_j exp(S[i, j] − max). The backward
// recomputes each block's P = exp(S − L) from q and k and forms
//   ∂v += g·P,   ∂P = gᵀ·v,   ∂S = P ⊙ (∂P − ρ) with ρ[i] = Σ_c g[c, i]·out[c, i] (= Σ_j P ∂P),
//   ∂q = k·∂Sᵀ/τ,   ∂k += q·∂S/τ.
// Invariant: between forward and backward only L ([B, Nq]) and the saved output exist beside
// the inputs; the forward holds one R × Nk block, the backward two (P and ∂P, ∂S in place).
//
// Memory at B = 1, Nq = Nk = 4096 (64×64 features), D = 2304 (3×3 unfolded 256-dim), C = 154:
// one full map is 4096² · 4 B = 64 MiB. The composed expression (bmm, scale, softmax, bmm) keeps
// the energies, the scaled energies and the softmax for the backward (192 MiB) and the backward
// allocates maps of the same size for their gradients. Here the default block is R = 256 rows
// (R · Nk ≈ 1 M floats = 4 MiB), the saved statistics 16 KiB: with the inputs (q, k 36 MiB each,
// v and out 2.4 MiB each) the op adds about 4 MiB forward and 8 MiB backward. The arithmetic
// is the composed expression's plus one recomputation of the energies (Nq·Nk·D MACs).
// Measured (one-off executable, forward + backward of ⟨out, R⟩ at those shapes, τ = 0.01): peak
// RSS 231 MiB here against 652 MiB composed (VmHWM; inputs alone 94 MiB), the same time (≈2 s).
import Foundation

/// `values · softmax(queryᵀ·key / temperature)ᵀ` per sample, computed in blocks of query rows so
/// that no full query × key map is kept: [B, D, Nq], [B, D, Nk], [B, C, Nk] → [B, C, Nq].
///
/// `blockRows` sets the rows per block (nil: about 1 M map entries per block, a multiple of 16).
public func softmaxWarp(query: Tensor, key: Tensor, values: Tensor, temperature: Float, blockRows: Int? = nil) -> Tensor {
    check(
        query.rank == 3 && key.rank == 3 && values.rank == 3 && key.shape[0] == query.shape[0]
            && key.shape[1] == query.shape[1] && values.shape[0] == query.shape[0] && values.shape[2] == key.shape[2],
        "softmaxWarp: expected query [B, D, Nq], key [B, D, Nk] and values [B, C, Nk], got \(query.shape), \(key.shape), \(values.shape)"
    )
    check(temperature > 0 && temperature.isFinite, "softmaxWarp: temperature must be positive, got \(temperature)")
    check(blockRows.map { $0 > 0 } ?? true, "softmaxWarp: blockRows must be positive, got \(blockRows ?? 0)")
    let b = query.shape[0], d = query.shape[1], nq = query.shape[2], nk = key.shape[2], c = values.shape[1]
    let rows = Swift.max(1, Swift.min(nq, blockRows ?? Swift.max(16, (1 << 20) / Swift.max(nk, 1) / 16 * 16)))
    let scale = 1 / temperature
    let out = Tensor(uninitializedShape: [b, c, nq])
    let logSumExp = Tensor(uninitializedShape: [b, nq])
    FlopCounter.forward(macs: b * nq * nk * (d + c))
    let block = Tensor(uninitializedShape: [rows, nk])
    let pb = block.data, pl = logSumExp.data
    for s in 0..<b {
        let q = query.data + s * d * nq, k = key.data + s * d * nk, v = values.data + s * c * nk
        for i0 in stride(from: 0, to: nq, by: rows) {
            let r = Swift.min(rows, nq - i0)
            // S = qᵀ·k/τ: [r, D]·[D, Nk].
            BLAS.sgemm(transposeA: true, m: r, n: nk, k: d, alpha: scale, a: q + i0, lda: nq, b: k, ldb: nk, c: pb, ldc: nk)
            Parallel.forEach(r, grain: 8) { span in
                for i in span {
                    let row = pb + i * nk
                    var m = -Float.infinity
                    for j in 0..<nk { m = Swift.max(m, row[j]) }
                    var total: Float = 0
                    for j in 0..<nk {
                        let e = Foundation.exp(row[j] - m)
                        row[j] = e
                        total += e
                    }
                    let inv = 1 / total
                    for j in 0..<nk { row[j] *= inv }
                    pl[s * nq + i0 + i] = m + Foundation.log(total)
                }
            }
            // out[:, i0..<i0+r] = v·Pᵀ: [C, Nk]·[r, Nk]ᵀ.
            BLAS.sgemm(
                transposeB: true, m: c, n: r, k: nk, a: v, lda: nk, b: pb, ldb: nk, c: out.data + s * c * nq + i0, ldc: nq)
        }
    }
    let saved = out.detached()  // not `out` itself: out → node → closure → out would never be freed
    return out.recorded("softmax_warp", [query, key, values]) { g, needs in
        FlopCounter.backward(macs: b * nq * nk * d, data: true, weight: false)  // the recomputed energies
        if needs[0] || needs[1] { FlopCounter.backward(macs: b * nq * nk * c, data: true, weight: false) }  // ∂P
        if needs[0] { FlopCounter.backward(macs: b * nq * nk * d, data: true, weight: false) }
        if needs[1] { FlopCounter.backward(macs: b * nq * nk * d, data: true, weight: false) }
        if needs[2] { FlopCounter.backward(macs: b * nq * nk * c, data: true, weight: false) }
        let gq = needs[0] ? Tensor(uninitializedShape: query.shape) : nil
        let gk = needs[1] ? Tensor(uninitializedShape: key.shape) : nil
        let gv = needs[2] ? Tensor(uninitializedShape: values.shape) : nil
        let needsEnergy = needs[0] || needs[1]
        let probabilities = Tensor(uninitializedShape: [rows, nk])
        let energyGradient = needsEnergy ? Tensor(uninitializedShape: [rows, nk]) : nil
        var rho = [Float](repeating: 0, count: nq)
        let pp = probabilities.data, pl = logSumExp.data
        for s in 0..<b {
            let q = query.data + s * d * nq, k = key.data + s * d * nk, v = values.data + s * c * nk
            let gs = g.data + s * c * nq, os = saved.data + s * c * nq
            if needsEnergy {
                // ρ[i] = Σ_c g[c, i]·out[c, i].
                rho.withUnsafeMutableBufferPointer { p in
                    for i in 0..<nq { p[i] = 0 }
                    for ch in 0..<c {
                        for i in 0..<nq { p[i] += gs[ch * nq + i] * os[ch * nq + i] }
                    }
                }
            }
            for i0 in stride(from: 0, to: nq, by: rows) {
                let r = Swift.min(rows, nq - i0), first = i0 == 0
                // P = exp(qᵀ·k/τ − L), recomputed: [r, D]·[D, Nk].
                BLAS.sgemm(transposeA: true, m: r, n: nk, k: d, alpha: scale, a: q + i0, lda: nq, b: k, ldb: nk, c: pp, ldc: nk)
                Parallel.forEach(r, grain: 8) { span in
                    for i in span {
                        let row = pp + i * nk, l = pl[s * nq + i0 + i]
                        for j in 0..<nk { row[j] = Foundation.exp(row[j] - l) }
                    }
                }
                // ∂v += g[:, block]·P: [C, r]·[r, Nk].
                if let gv {
                    BLAS.sgemm(
                        m: c, n: nk, k: r, a: gs + i0, lda: nq, b: pp, ldb: nk, beta: first ? 0 : 1, c: gv.data + s * c * nk,
                        ldc: nk)
                }
                guard let energyGradient else { continue }
                let pg = energyGradient.data
                // ∂P = g[:, block]ᵀ·v: [r, C]·[C, Nk]; then ∂S = P ⊙ (∂P − ρ) in place.
                BLAS.sgemm(transposeA: true, m: r, n: nk, k: c, a: gs + i0, lda: nq, b: v, ldb: nk, c: pg, ldc: nk)
                rho.withUnsafeBufferPointer { p in
                    Parallel.forEach(r, grain: 8) { span in
                        for i in span {
                            let row = pg + i * nk, pr = pp + i * nk, dot = p[i0 + i]
                            for j in 0..<nk { row[j] = pr[j] * (row[j] - dot) }
                        }
                    }
                }
                // ∂q[:, block] = k·∂Sᵀ/τ: [D, Nk]·[r, Nk]ᵀ; ∂k += q[:, block]·∂S/τ: [D, r]·[r, Nk].
                if let gq {
                    BLAS.sgemm(
                        transposeB: true, m: d, n: r, k: nk, alpha: scale, a: k, lda: nk, b: pg, ldb: nk,
                        c: gq.data + s * d * nq + i0, ldc: nq)
                }
                if let gk {
                    BLAS.sgemm(
                        m: d, n: nk, k: r, alpha: scale, a: q + i0, lda: nq, b: pg, ldb: nk, beta: first ? 0 : 1,
                        c: gk.data + s * d * nk, ldc: nk)
                }
            }
        }
        return [gq, gk, gv]
    }
}
