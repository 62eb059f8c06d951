// The fully connected layer's op: y = x · Wᵀ + b with W in PyTorch's [out, in] layout, without
// materialising Wᵀ (U-GAT-IT's first FC layer holds 268 M weights).
// Shapes: x [N, in], weight [out, in], bias [out] → [N, out].

/// x · weightᵀ (+ bias).
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) -> Tensor {
    check(
        x.rank == 2 && weight.rank == 2 && x.shape[1] == weight.shape[1],
        "linear: input \(x.shape) does not match weight \(weight.shape) ([out, in])")
    let n = x.shape[0], k = x.shape[1], m = weight.shape[0]
    if let bias { check(bias.count == m, "linear: bias \(bias.shape) does not match \(m) outputs") }
    let out = Tensor(uninitializedShape: [n, m])
    FlopCounter.forward(macs: n * m * k)
    if let bias {
        for i in 0..<n { (out.data + i * m).update(from: bias.data, count: m) }
    }
    BLAS.sgemm(
        transposeB: true, m: n, n: m, k: k, a: x.data, lda: k, b: weight.data, ldb: k,
        beta: bias == nil ? 0 : 1, c: out.data, ldc: m)
    let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
    // The weight's gradient goes straight into its gradient buffer when the engine hands it
    // over (beta 1): for the 268 M-weight layer no 1 GB temporary is written and then added.
    return out.recorded(
        "linear", inputs,
        backwardAccumulating: { g, needs, into in
            var gx: Tensor? = nil, gw: Tensor? = nil, gb: Tensor? = nil
            FlopCounter.backward(macs: n * m * k, data: needs[0], weight: needs[1])
            if needs[0] {  // g [n, m] · W [m, k]
                gx = Tensor(uninitializedShape: x.shape)
                BLAS.sgemm(m: n, n: k, k: m, a: g.data, lda: m, b: weight.data, ldb: k, c: gx!.data, ldc: k)
            }
            if needs[1] {  // gᵀ [m, n] · x [n, k]  (+ the buffer's contents when accumulating)
                let destination = into[1] ?? Tensor(uninitializedShape: weight.shape)
                BLAS.sgemm(
                    transposeA: true, m: m, n: k, k: n, a: g.data, lda: m, b: x.data, ldb: k,
                    beta: into[1] == nil ? 0 : 1, c: destination.data, ldc: k)
                gw = into[1] == nil ? destination : nil
            }
            if needs.count > 2 && needs[2] {
                let t = Tensor.zeros(bias!.shape)
                for i in 0..<n { for j in 0..<m { t.data[j] += g.data[i * m + j] } }
                gb = t
            }
            return bias == nil ? [gx, gw] : [gx, gw, gb]
        })
}
