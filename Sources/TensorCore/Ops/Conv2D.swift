// 2-D convolution (cross-correlation, as PyTorch) with stride, per-side zero padding and an
// optional bias, forward and backward, through im2col and OpenBLAS GEMMs.
//
// Shapes: x [N, C, H, W], weight [Co, C, kh, kw], bias [Co] → [N, Co, Ho, Wo].
//
// GEMM orientation is chosen per shape. The usual path multiplies W [Co, K] by col [K, P].
// With few output channels (Co < 16, e.g. the 64→3 7×7 output layer) that GEMM has M = Co and
// runs at a few percent of peak, so the forward instead computes Y = W' [Co·kh·kw, C] · x [C, H·W]
// and sums the taps into the output, and (for stride 1) both backward passes work on the im2col
// of the output gradient, whose GEMMs have M = C or M = Co·kh·kw.
// 3×3 stride-1 convs with enough channels take the Winograd path (Winograd.swift) instead.
/// Output channels below which the transposed GEMM orientation is used.
let smallOutputChannels = 16

/// Convolution of `x` with `weight` (+ `bias`), `x` padded by `padding` in `paddingMode`.
///
/// Reflect or replicate padding is read in place by the Winograd path (no padded copy of the
/// input is made or kept for the backward pass); other paths pad explicitly first.
public func conv2d(
    _ x: Tensor, weight: Tensor, bias: Tensor? = nil,
    stride: (Int, Int) = (1, 1), padding: Padding = .none, paddingMode: PaddingMode
) -> Tensor {
    if paddingMode == .zero || padding == .none {
        return conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding)
    }
    let g = ConvGeometry(
        channels: x.shape[1], height: x.shape[2], width: x.shape[3],
        kernel: (weight.shape[2], weight.shape[3]), stride: stride, padding: padding, op: "conv2d")
    if x.rank == 4, weight.rank == 4, weight.shape[1] == x.shape[1], winogradApplies(g, outputChannels: weight.shape[0]) {
        if paddingMode == .reflect {
            check(
                padding.top < g.height && padding.bottom < g.height && padding.left < g.width && padding.right < g.width,
                "conv2d: reflect padding \(padding) must be smaller than the input's \(g.height)×\(g.width) plane")
        }
        return convolve(x, weight: weight, bias: bias, geometry: g, mode: paddingMode)
    }
    return conv2d(x.padded(padding, mode: paddingMode), weight: weight, bias: bias, stride: stride)
}

/// Convolution of `x` with `weight` (+ `bias`).
public func conv2d(
    _ x: Tensor, weight: Tensor, bias: Tensor? = nil,
    stride: (Int, Int) = (1, 1), padding: Padding = .none
) -> Tensor {
    check(x.rank == 4, "conv2d: input must be [N, C, H, W], got \(x.shape)")
    check(weight.rank == 4, "conv2d: weight must be [Co, C, kh, kw], got \(weight.shape)")
    check(
        weight.shape[1] == x.shape[1],
        "conv2d: input \(x.shape) has \(x.shape[1]) channels but weight \(weight.shape) expects \(weight.shape[1])")
    let g = ConvGeometry(
        channels: x.shape[1], height: x.shape[2], width: x.shape[3],
        kernel: (weight.shape[2], weight.shape[3]), stride: stride, padding: padding, op: "conv2d")
    return convolve(x, weight: weight, bias: bias, geometry: g, mode: .zero)
}

/// The conv op itself; `mode` other than zero only on the Winograd path.
private func convolve(
    _ x: Tensor, weight: Tensor, bias: Tensor?, geometry g: ConvGeometry,
    mode: PaddingMode
) -> Tensor {
    let co = weight.shape[0]
    if let bias { check(bias.shape == [co], "conv2d: bias \(bias.shape) does not match \(co) output channels") }
    let n = x.shape[0]
    let out = Tensor(uninitializedShape: [n, co, g.outputHeight, g.outputWidth])
    let macs = n * co * g.patchSize * g.outputPixels
    FlopCounter.forward(macs: macs)
    let winograd = winogradApplies(g, outputChannels: co)
    if winograd {
        winogradForward(x, weight, bias, g, mode, out)
    } else {
        Profiler.measure(.convForward) {
            if co < smallOutputChannels {
                convForwardSmallOutput(x, weight, g, out)
            } else {
                convForwardColumns(x, weight, g, out)
            }
        }
        if let bias { addChannelBias(out, bias) }
    }
    let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
    return out.recorded("conv2d", inputs) { gy, needs in
        var gx: Tensor? = nil, gw: Tensor? = nil, gb: Tensor? = nil
        FlopCounter.backward(macs: macs, data: needs[0], weight: needs[1])
        if winograd {
            (gx, gw) = winogradBackward(x, weight, gy, g, mode, needData: needs[0], needWeight: needs[1])
        } else if co < smallOutputChannels && g.strideY == 1 && g.strideX == 1 {
            (gx, gw) = convBackwardSmallOutput(x, weight, g, gy, needData: needs[0], needWeight: needs[1])
        } else {
            (gx, gw) = convBackwardColumns(x, weight, g, gy, needData: needs[0], needWeight: needs[1])
        }
        if needs.count > 2 && needs[2] { gb = channelSums(gy) }
        return bias == nil ? [gx, gw] : [gx, gw, gb]
    }
}

/// out[n] = W [Co, K] · im2col(x[n]), one block of output rows at a time.
private func convForwardColumns(_ x: Tensor, _ weight: Tensor, _ g: ConvGeometry, _ out: Tensor) {
    let n = x.shape[0], co = weight.shape[0], k = g.patchSize, p = g.outputPixels
    let inSize = g.channels * g.inputPixels
    if isPointwise(g) {
        for s in 0..<n {
            BLAS.sgemm(
                m: co, n: p, k: k, a: weight.data, lda: k, b: x.data + s * inSize, ldb: p,
                c: out.data + s * co * p, ldc: p)
        }
        return
    }
    let block = g.rowsPerBlock()
    let col = Tensor(uninitializedShape: [k * block * g.outputWidth])
    for s in 0..<n {
        for r0 in Swift.stride(from: 0, to: g.outputHeight, by: block) {
            let rows = r0..<Swift.min(r0 + block, g.outputHeight)
            let cols = rows.count * g.outputWidth
            im2col(x.data + s * inSize, g, rows: rows, into: col.data)
            BLAS.sgemm(
                m: co, n: cols, k: k, a: weight.data, lda: k, b: col.data, ldb: cols,
                c: out.data + s * co * p + r0 * g.outputWidth, ldc: p)
        }
    }
}

/// Few output channels: Y [Co·kh·kw, H·W] = W' · x, then out = Σ taps of Y.
private func convForwardSmallOutput(_ x: Tensor, _ weight: Tensor, _ g: ConvGeometry, _ out: Tensor) {
    let n = x.shape[0], co = weight.shape[0], c = g.channels
    let kk = g.kernelHeight * g.kernelWidth
    // W' [(co, ky, kx), c] from W [co, c, ky, kx].
    let wt = permuteCopy(weight, [0, 2, 3, 1])
    // Blocks of input rows, each added into every output row it reaches (no halo recomputed).
    let perRow = co * kk * g.width
    let block = Swift.max(
        1,
        Swift.min(
            g.height,
            Swift.max(
                ConvolutionSettings.im2colBlockFloats / perRow,
                ConvolutionSettings.im2colMinimumColumns / g.width)))
    let y = Tensor(uninitializedShape: [co * kk, block * g.width])
    out.fill(0)
    for s in 0..<n {
        for r0 in Swift.stride(from: 0, to: g.height, by: block) {
            let rows = r0..<Swift.min(r0 + block, g.height)
            let cols = rows.count * g.width
            BLAS.sgemm(
                m: co * kk, n: cols, k: c, a: wt.data, lda: c,
                b: x.data + s * c * g.inputPixels + r0 * g.width, ldb: g.inputPixels, c: y.data, ldc: cols)
            gatherTaps(y.data, g, inputRows: rows, outputChannels: co, into: out.data + s * co * g.outputPixels)
        }
    }
}

/// Backward through the im2col path: dcol = Wᵀ · dy then col2im; dW += dy · colᵀ.
private func convBackwardColumns(
    _ x: Tensor, _ weight: Tensor, _ g: ConvGeometry, _ gy: Tensor,
    needData: Bool, needWeight: Bool
) -> (Tensor?, Tensor?) {
    let n = x.shape[0], co = weight.shape[0], k = g.patchSize, p = g.outputPixels
    let inSize = g.channels * g.inputPixels
    let gx = needData ? Tensor.zeros(x.shape) : nil
    let gw = needWeight ? Tensor.zeros(weight.shape) : nil
    if isPointwise(g) {
        for s in 0..<n {
            if let gx {
                Profiler.measure(.convBackwardData) {
                    BLAS.sgemm(
                        transposeA: true, m: k, n: p, k: co, a: weight.data, lda: k,
                        b: gy.data + s * co * p, ldb: p, c: gx.data + s * inSize, ldc: p)
                }
            }
            if let gw {
                Profiler.measure(.convBackwardWeight) {
                    BLAS.sgemm(
                        transposeB: true, m: co, n: k, k: p, a: gy.data + s * co * p, lda: p,
                        b: x.data + s * inSize, ldb: p, beta: 1, c: gw.data, ldc: k)
                }
            }
        }
        return (gx, gw)
    }
    let block = g.rowsPerBlock()
    let col = Tensor(uninitializedShape: [k * block * g.outputWidth])
    for s in 0..<n {
        for r0 in Swift.stride(from: 0, to: g.outputHeight, by: block) {
            let rows = r0..<Swift.min(r0 + block, g.outputHeight)
            let cols = rows.count * g.outputWidth
            let dy = gy.data + s * co * p + r0 * g.outputWidth
            if let gw {
                im2col(x.data + s * inSize, g, rows: rows, into: col.data)
                Profiler.measure(.convBackwardWeight) {
                    BLAS.sgemm(
                        transposeB: true, m: co, n: k, k: cols, a: dy, lda: p, b: col.data, ldb: cols,
                        beta: 1, c: gw.data, ldc: k)
                }
            }
            if let gx {
                Profiler.measure(.convBackwardData) {
                    BLAS.sgemm(
                        transposeA: true, m: k, n: cols, k: co, a: weight.data, lda: k, b: dy, ldb: p,
                        c: col.data, ldc: cols)
                }
                col2im(col.data, g, rows: rows, into: gx.data + s * inSize)
            }
        }
    }
    return (gx, gw)
}

/// Backward for few output channels and stride 1, on col' = im2col of dy over the input grid
/// with the kernel flipped: dx = Wflip [C, Co·kh·kw] · col', dW (flipped) = col' · xᵀ.
private func convBackwardSmallOutput(
    _ x: Tensor, _ weight: Tensor, _ g: ConvGeometry, _ gy: Tensor,
    needData: Bool, needWeight: Bool
) -> (Tensor?, Tensor?) {
    let n = x.shape[0], co = weight.shape[0], c = g.channels
    let kh = g.kernelHeight, kw = g.kernelWidth, kk = kh * kw
    let hw = g.inputPixels
    // A conv from dy (Ho×Wo, Co channels) to the input grid (H×W).
    let flipped = ConvGeometry(
        channels: co, height: g.outputHeight, width: g.outputWidth, kernel: (kh, kw), stride: (1, 1),
        padding: Padding(
            left: kw - 1 - g.padding.left, right: kw - 1 - g.padding.right,
            top: kh - 1 - g.padding.top, bottom: kh - 1 - g.padding.bottom),
        op: "conv2d backward")
    check(
        flipped.outputHeight == g.height && flipped.outputWidth == g.width,
        "conv2d backward: padding \(g.padding) larger than the kernel is not supported with \(co) output channels")
    let block = flipped.rowsPerBlock()
    let col = Tensor(uninitializedShape: [co * kk, block * g.width])
    var wflip: Tensor? = nil
    if needData {
        // Wflip [c, (co, ky', kx')] = W [co, c, kh−1−ky', kw−1−kx'].
        let w = Tensor(uninitializedShape: [c, co * kk])
        for o in 0..<co {
            for i in 0..<c {
                for t in 0..<kk {
                    w.data[i * co * kk + o * kk + t] = weight.data[(o * c + i) * kk + (kk - 1 - t)]
                }
            }
        }
        wflip = w
    }
    let gx = needData ? Tensor(uninitializedShape: x.shape) : nil
    let dflip = needWeight ? Tensor.zeros([co * kk, c]) : nil
    for s in 0..<n {
        for r0 in Swift.stride(from: 0, to: g.height, by: block) {
            let rows = r0..<Swift.min(r0 + block, g.height)
            let cols = rows.count * g.width, offset = r0 * g.width
            im2col(gy.data + s * co * g.outputPixels, flipped, rows: rows, into: col.data)
            if let gx, let wflip {
                Profiler.measure(.convBackwardData) {
                    BLAS.sgemm(
                        m: c, n: cols, k: co * kk, a: wflip.data, lda: co * kk, b: col.data, ldb: cols,
                        c: gx.data + s * c * hw + offset, ldc: hw)
                }
            }
            if let dflip {
                Profiler.measure(.convBackwardWeight) {
                    BLAS.sgemm(
                        transposeB: true, m: co * kk, n: c, k: cols, a: col.data, lda: cols,
                        b: x.data + s * c * hw + offset, ldb: hw, beta: 1, c: dflip.data, ldc: c)
                }
            }
        }
    }
    var gw: Tensor? = nil
    if let dflip {
        // dW [co, c, ky, kx] = dflip [(co, kh−1−ky, kw−1−kx), c].
        let w = Tensor(uninitializedShape: weight.shape)
        for o in 0..<co {
            for i in 0..<c {
                for t in 0..<kk {
                    w.data[(o * c + i) * kk + t] = dflip.data[(o * kk + (kk - 1 - t)) * c + i]
                }
            }
        }
        gw = w
    }
    return (gx, gw)
}

/// A 1×1, stride-1, unpadded conv needs no im2col: col is the input itself.
private func isPointwise(_ g: ConvGeometry) -> Bool {
    g.kernelHeight == 1 && g.kernelWidth == 1 && g.strideY == 1 && g.strideX == 1 && g.padding == .none
}

/// out[n, c, :, :] += bias[c].
func addChannelBias(_ out: Tensor, _ bias: Tensor) {
    let n = out.shape[0], c = out.shape[1], plane = out.shape[2...].elementCount
    let po = out.data, pb = bias.data
    Profiler.measure(.elementwise) {
        Parallel.forEach(n * c, grain: Swift.max(1, 32768 / Swift.max(plane, 1))) { range in
            for j in range {
                let b = pb[j % c]
                let row = po + j * plane
                for i in 0..<plane { row[i] += b }
            }
        }
    }
}

/// Σ over n, h, w of g[n, c, h, w] → [C], accumulated in double.
func channelSums(_ g: Tensor) -> Tensor {
    let n = g.shape[0], c = g.shape[1]
    let sums = planeSums(g.data, planes: n * c, planeSize: g.shape[2...].elementCount)
    let out = Tensor(uninitializedShape: [c])
    for j in 0..<c {
        var acc = 0.0
        for s in 0..<n { acc += sums[s * c + j] }
        out.data[j] = Float(acc)
    }
    return out
}
