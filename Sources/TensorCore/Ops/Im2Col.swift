// The geometry of a 2-D convolution and the im2col / col2im kernels that turn it into GEMMs.
//
// For one sample, im2col writes the matrix col[K, P] with K = C·kh·kw rows ordered (c, ky, kx)
// — the same order as a PyTorch conv weight [Cout, C, kh, kw] viewed as [Cout, K] — and P = the
// output pixels (oy, ox) of a block of output rows, so that out[Cout, P] = W[Cout, K] · col.
// col2im is its adjoint: it adds col back into the input plane.

/// Sizes of a convolution from an input of H×W to an output of Ho×Wo.
public struct ConvGeometry: Equatable, Sendable {
    public var channels: Int  // C: input channels
    public var height: Int, width: Int  // H, W: input size
    public var kernelHeight: Int, kernelWidth: Int
    public var strideY: Int, strideX: Int
    public var padding: Padding  // zero padding per side
    public var outputHeight: Int, outputWidth: Int

    /// Geometry of a conv with the given input size; the output size follows PyTorch's rule.
    public init(
        channels: Int, height: Int, width: Int, kernel: (Int, Int), stride: (Int, Int),
        padding: Padding, op: String
    ) {
        self.channels = channels
        self.height = height
        self.width = width
        self.kernelHeight = kernel.0
        self.kernelWidth = kernel.1
        self.strideY = stride.0
        self.strideX = stride.1
        self.padding = padding
        let hp = height + padding.top + padding.bottom, wp = width + padding.left + padding.right
        check(stride.0 > 0 && stride.1 > 0, "\(op): stride must be positive, got \(stride)")
        check(
            hp >= kernel.0 && wp >= kernel.1,
            "\(op): kernel \(kernel.0)×\(kernel.1) is larger than the padded input \(hp)×\(wp)")
        self.outputHeight = (hp - kernel.0) / stride.0 + 1
        self.outputWidth = (wp - kernel.1) / stride.1 + 1
    }

    /// Rows of col: C·kh·kw.
    public var patchSize: Int { channels * kernelHeight * kernelWidth }
    /// Output pixels per channel.
    public var outputPixels: Int { outputHeight * outputWidth }
    /// Input pixels per channel.
    public var inputPixels: Int { height * width }

    /// Output rows per im2col block: about ``ConvolutionSettings/im2colBlockFloats`` floats, so
    /// that a block stays in cache between im2col writing it and the GEMM reading it, but at
    /// least ``ConvolutionSettings/im2colMinimumColumns`` columns for an efficient GEMM.
    func rowsPerBlock() -> Int {
        let perRow = Swift.max(patchSize * outputWidth, 1)
        let byBudget = ConvolutionSettings.im2colBlockFloats / perRow
        let byColumns = (ConvolutionSettings.im2colMinimumColumns + outputWidth - 1) / Swift.max(outputWidth, 1)
        return Swift.max(1, Swift.min(outputHeight, Swift.max(byBudget, byColumns)))
    }
}

/// ⌊a / b⌋ for positive b.
@inline(__always)
func floorDivide(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }

/// col[K, (rows.count)·Wo] ← patches of `x` [C, H, W] for output rows `rows`.
func im2col(_ x: UnsafePointer<Float>, _ g: ConvGeometry, rows: Range<Int>, into col: UnsafeMutablePointer<Float>) {
    Profiler.measure(.im2col) {
        let kk = g.kernelHeight * g.kernelWidth
        let wo = g.outputWidth, h = g.height, w = g.width
        let sy = g.strideY, sx = g.strideX, top = g.padding.top, left = g.padding.left
        let p = rows.count * wo
        Parallel.forEach(g.patchSize, grain: Swift.max(1, 65536 / Swift.max(p, 1))) { range in
            for r in range {
                let c = r / kk, ky = (r % kk) / g.kernelWidth, kx = r % g.kernelWidth
                let plane = x + c * h * w
                let dst = col + r * p
                // Valid output columns: 0 ≤ ox·sx + kx − left < w.
                let oxLo = Swift.max(0, (left - kx + sx - 1) / sx)
                let oxHi = Swift.min(wo, floorDivide(w - 1 + left - kx, sx) + 1)
                for (i, oy) in rows.enumerated() {
                    let d = dst + i * wo
                    let iy = oy * sy + ky - top
                    if iy < 0 || iy >= h || oxLo >= oxHi {
                        d.update(repeating: 0, count: wo)
                        continue
                    }
                    let srow = plane + iy * w
                    if oxLo > 0 { d.update(repeating: 0, count: oxLo) }
                    if sx == 1 {
                        (d + oxLo).update(from: srow + (oxLo + kx - left), count: oxHi - oxLo)
                    } else {
                        var ix = oxLo * sx + kx - left
                        for ox in oxLo..<oxHi { d[ox] = srow[ix]; ix += sx }
                    }
                    if oxHi < wo { (d + oxHi).update(repeating: 0, count: wo - oxHi) }
                }
            }
        }
    }
}

/// dx [C, H, W] += col2im(col) for output rows `rows` (the adjoint of ``im2col``).
func col2im(_ col: UnsafePointer<Float>, _ g: ConvGeometry, rows: Range<Int>, into dx: UnsafeMutablePointer<Float>) {
    Profiler.measure(.col2im) {
        let kk = g.kernelHeight * g.kernelWidth
        let wo = g.outputWidth, h = g.height, w = g.width
        let sy = g.strideY, sx = g.strideX, top = g.padding.top, left = g.padding.left
        let p = rows.count * wo
        // Each task owns whole input channels, so no two threads add into the same plane.
        Parallel.forEach(g.channels, grain: 1) { channels in
            for c in channels {
                let plane = dx + c * h * w
                for t in 0..<kk {
                    let ky = t / g.kernelWidth, kx = t % g.kernelWidth
                    let src = col + (c * kk + t) * p
                    let oxLo = Swift.max(0, (left - kx + sx - 1) / sx)
                    let oxHi = Swift.min(wo, floorDivide(w - 1 + left - kx, sx) + 1)
                    if oxLo >= oxHi { continue }
                    for (i, oy) in rows.enumerated() {
                        let iy = oy * sy + ky - top
                        if iy < 0 || iy >= h { continue }
                        let s = src + i * wo
                        let drow = plane + iy * w
                        if sx == 1 {
                            let d = drow + (kx - left)
                            for ox in oxLo..<oxHi { d[ox] += s[ox] }
                        } else {
                            var ix = oxLo * sx + kx - left
                            for ox in oxLo..<oxHi { drow[ix] += s[ox]; ix += sx }
                        }
                    }
                }
            }
        }
    }
}

/// out [Co, Ho, Wo] += Σ over taps of y [(Co, kh, kw), rows·W] (input rows `inputRows` of the
/// H×W grid) read at each output's input positions: the gather form of col2im, used by the
/// small-output-channel conv forward one block of input rows at a time.
func gatherTaps(
    _ y: UnsafePointer<Float>, _ g: ConvGeometry, inputRows: Range<Int>, outputChannels: Int,
    into out: UnsafeMutablePointer<Float>
) {
    Profiler.measure(.col2im) {
        let kk = g.kernelHeight * g.kernelWidth
        let ho = g.outputHeight, wo = g.outputWidth, h = g.height, w = g.width
        let sy = g.strideY, sx = g.strideX, top = g.padding.top, left = g.padding.left
        let planes = outputChannels
        let blockPixels = inputRows.count * w
        // Output rows whose taps reach these input rows: oy·sy + ky − top ∈ inputRows.
        let oyLo = Swift.max(0, (inputRows.lowerBound + top - (g.kernelHeight - 1) + sy - 1) / sy)
        let oyHi = Swift.min(ho, floorDivide(inputRows.upperBound - 1 + top, sy) + 1)
        let span = Swift.max(0, oyHi - oyLo)
        Parallel.forEach(planes * span, grain: 8) { range in
            for job in range {
                let co = job / span, oy = oyLo + job % span
                let drow = out + (co * ho + oy) * wo
                for t in 0..<kk {
                    let ky = t / g.kernelWidth, kx = t % g.kernelWidth
                    let iy = oy * sy + ky - top
                    if iy < inputRows.lowerBound || iy >= inputRows.upperBound || iy < 0 || iy >= h { continue }
                    let oxLo = Swift.max(0, (left - kx + sx - 1) / sx)
                    let oxHi = Swift.min(wo, floorDivide(w - 1 + left - kx, sx) + 1)
                    let srow = y + (co * kk + t) * blockPixels + (iy - inputRows.lowerBound) * w
                    if sx == 1 {
                        let s = srow + (kx - left)
                        for ox in oxLo..<oxHi { drow[ox] += s[ox] }
                    } else {
                        var ix = oxLo * sx + kx - left
                        for ox in oxLo..<oxHi { drow[ox] += srow[ix]; ix += sx }
                    }
                }
            }
        }
    }
}
