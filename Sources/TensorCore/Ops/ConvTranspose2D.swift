// Transposed 2-D convolution (PyTorch `conv_transpose2d`) with stride, padding, output
// padding and an optional bias, forward and backward.
//
// Shapes: x [N, C, H, W], weight [C, Co, kh, kw] (PyTorch's transposed layout), bias [Co]
// → [N, Co, Ho, Wo] with Ho = (H − 1)·s − 2p + kh + output_padding.
//
// A transposed conv is the adjoint of a conv from the output grid to the input grid, so its
// forward is that conv's backward-data (GEMM then col2im) and its backward-data is that conv's
// forward (im2col then GEMM).

/// Transposed convolution of `x` with `weight` (+ `bias`).
public func convTranspose2d(
    _ x: Tensor, weight: Tensor, bias: Tensor? = nil,
    stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
    outputPadding: (Int, Int) = (0, 0)
) -> Tensor {
    check(x.rank == 4, "convTranspose2d: input must be [N, C, H, W], got \(x.shape)")
    check(
        weight.rank == 4 && weight.shape[0] == x.shape[1],
        "convTranspose2d: weight \(weight.shape) must be [C=\(x.shape[1]), Co, kh, kw] for input \(x.shape)")
    check(
        outputPadding.0 < stride.0 && outputPadding.1 < stride.1,
        "convTranspose2d: output padding \(outputPadding) must be smaller than the stride \(stride)")
    let n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3]
    let co = weight.shape[1], kh = weight.shape[2], kw = weight.shape[3]
    if let bias { check(bias.shape == [co], "convTranspose2d: bias \(bias.shape) does not match \(co) output channels") }
    let ho = (h - 1) * stride.0 - 2 * padding.0 + kh + outputPadding.0
    let wo = (w - 1) * stride.1 - 2 * padding.1 + kw + outputPadding.1
    check(ho > 0 && wo > 0, "convTranspose2d: output size \(ho)×\(wo) is not positive for input \(x.shape)")
    // The adjoint conv maps [Co, Ho, Wo] to [C, H, W].
    let g = ConvGeometry(
        channels: co, height: ho, width: wo, kernel: (kh, kw), stride: stride,
        padding: Padding(
            left: padding.1, right: padding.1 - outputPadding.1,
            top: padding.0, bottom: padding.0 - outputPadding.0),
        op: "convTranspose2d")
    check(g.outputHeight == h && g.outputWidth == w, "convTranspose2d: inconsistent geometry for \(x.shape)")
    let k = co * kh * kw, hw = h * w, outPlane = ho * wo
    let out = Tensor.zeros([n, co, ho, wo])
    let macs = n * c * k * hw
    FlopCounter.forward(macs: macs)
    Profiler.measure(.convForward) {
        let block = g.rowsPerBlock()
        let col = Tensor(uninitializedShape: [k * block * w])
        for s in 0..<n {
            for r0 in Swift.stride(from: 0, to: h, by: block) {
                let rows = r0..<Swift.min(r0 + block, h)
                let cols = rows.count * w
                // col [(co, ky, kx), rows·W] = Wᵀ [K, C] · x[s] [C, rows·W]
                BLAS.sgemm(
                    transposeA: true, m: k, n: cols, k: c, a: weight.data, lda: k,
                    b: x.data + s * c * hw + r0 * w, ldb: hw, c: col.data, ldc: cols)
                col2im(col.data, g, rows: rows, into: out.data + s * co * outPlane)
            }
        }
    }
    if let bias { addChannelBias(out, bias) }
    let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
    return out.recorded("conv_transpose2d", inputs) { gy, needs in
        var gx: Tensor? = nil, gw: Tensor? = nil
        FlopCounter.backward(macs: macs, data: needs[0], weight: needs[1])
        if needs[0] { gx = Tensor(uninitializedShape: x.shape) }
        if needs[1] { gw = Tensor.zeros(weight.shape) }
        let block = g.rowsPerBlock()
        let col = Tensor(uninitializedShape: [k * block * w])
        for s in 0..<n {
            for r0 in Swift.stride(from: 0, to: h, by: block) {
                let rows = r0..<Swift.min(r0 + block, h)
                let cols = rows.count * w
                im2col(gy.data + s * co * outPlane, g, rows: rows, into: col.data)
                if let gx {  // dx [C, rows·W] = W [C, K] · col
                    Profiler.measure(.convBackwardData) {
                        BLAS.sgemm(
                            m: c, n: cols, k: k, a: weight.data, lda: k, b: col.data, ldb: cols,
                            c: gx.data + s * c * hw + r0 * w, ldc: hw)
                    }
                }
                if let gw {  // dW [C, K] += x [C, rows·W] · colᵀ
                    Profiler.measure(.convBackwardWeight) {
                        BLAS.sgemm(
                            transposeB: true, m: c, n: k, k: cols, a: x.data + s * c * hw + r0 * w, lda: hw,
                            b: col.data, ldb: cols, beta: 1, c: gw.data, ldc: k)
                    }
                }
            }
        }
        var result: [Tensor?] = [gx, gw]
        if bias != nil { result.append(needs[2] ? channelSums(gy) : nil) }
        return result
    }
}
