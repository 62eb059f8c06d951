// Matrix products: matmul of two matrices and batched matmul.
// Shapes: [M, K] × [K, N] → [M, N]; [B, M, K] × [B, K, N] → [B, M, N] (a [K, N] right-hand
// side is shared by every batch).

/// Matrix product of two 2-D tensors, or batched product of 3-D tensors.
public func matmul(_ a: Tensor, _ b: Tensor) -> Tensor {
    if a.rank == 2 && b.rank == 2 {
        check(a.shape[1] == b.shape[0], "matmul: shapes \(a.shape) and \(b.shape) do not chain (\(a.shape[1]) ≠ \(b.shape[0]))")
        let m = a.shape[0], k = a.shape[1], n = b.shape[1]
        let out = Tensor(uninitializedShape: [m, n])
        FlopCounter.forward(macs: m * n * k)
        BLAS.sgemm(m: m, n: n, k: k, a: a.data, lda: k, b: b.data, ldb: n, c: out.data, ldc: n)
        return out.recorded("matmul", [a, b]) { g, needs in
            FlopCounter.backward(macs: m * n * k, data: needs[0], weight: needs[1])
            var ga: Tensor? = nil, gb: Tensor? = nil
            if needs[0] {  // g [m,n] × bᵀ [n,k]
                ga = Tensor(uninitializedShape: [m, k])
                BLAS.sgemm(transposeB: true, m: m, n: k, k: n, a: g.data, lda: n, b: b.data, ldb: n, c: ga!.data, ldc: k)
            }
            if needs[1] {  // aᵀ [k,m] × g [m,n]
                gb = Tensor(uninitializedShape: [k, n])
                BLAS.sgemm(transposeA: true, m: k, n: n, k: m, a: a.data, lda: k, b: g.data, ldb: n, c: gb!.data, ldc: n)
            }
            return [ga, gb]
        }
    }
    return batchedMatmul(a, b)
}

/// Batched matrix product: [B, M, K] × [B, K, N] → [B, M, N], or × [K, N] shared.
public func batchedMatmul(_ a: Tensor, _ b: Tensor) -> Tensor {
    check(
        a.rank == 3 && (b.rank == 3 || b.rank == 2),
        "batchedMatmul: expected [B, M, K] × [B, K, N] or [K, N], got \(a.shape) × \(b.shape)")
    let batch = a.shape[0], m = a.shape[1], k = a.shape[2]
    let shared = b.rank == 2
    let kb = shared ? b.shape[0] : b.shape[1], n = shared ? b.shape[1] : b.shape[2]
    check(
        kb == k && (shared || b.shape[0] == batch),
        "batchedMatmul: shapes \(a.shape) and \(b.shape) do not chain")
    let out = Tensor(uninitializedShape: [batch, m, n])
    let strideB = shared ? 0 : k * n
    FlopCounter.forward(macs: batch * m * n * k)
    for i in 0..<batch {
        BLAS.sgemm(
            m: m, n: n, k: k, a: a.data + i * m * k, lda: k, b: b.data + i * strideB, ldb: n,
            c: out.data + i * m * n, ldc: n)
    }
    return out.recorded("bmm", [a, b]) { g, needs in
        FlopCounter.backward(macs: batch * m * n * k, data: needs[0], weight: needs[1])
        var ga: Tensor? = nil, gb: Tensor? = nil
        if needs[0] {
            ga = Tensor(uninitializedShape: a.shape)
            for i in 0..<batch {
                BLAS.sgemm(
                    transposeB: true, m: m, n: k, k: n, a: g.data + i * m * n, lda: n,
                    b: b.data + i * strideB, ldb: n, c: ga!.data + i * m * k, ldc: k)
            }
        }
        if needs[1] {
            gb = shared ? Tensor.zeros(b.shape) : Tensor(uninitializedShape: b.shape)
            for i in 0..<batch {
                BLAS.sgemm(
                    transposeA: true, m: k, n: n, k: m, a: a.data + i * m * k, lda: k,
                    b: g.data + i * m * n, ldb: n, beta: shared ? 1 : 0, c: gb!.data + i * strideB, ldc: n)
            }
        }
        return [ga, gb]
    }
}
