// Winograd F(4×4, 3×3) convolution for 3×3, stride-1 convs (Lavin & Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2016): forward, backward-data and backward-weight.
//
// A 4×4 block of outputs ("tile") needs a 6×6 block of inputs. After transforming each input
// tile (Bᵀ d B) and each filter (G g Gᵀ) to 6×6 = 36 "positions", the convolution is 36
// independent GEMMs over channels — 36 multiplies per 16 outputs per channel pair instead of
// 144, a 4× cut in arithmetic — and an output transform (Aᵀ m A) brings each tile back:
//
//   forward          Z[p] [Co, T] = U[p] [Co, C] · V[p] [C, T]        U = G w Gᵀ,  V = Bᵀ x B
//   backward-data    the same with the kernel rotated by 180° and channels swapped, on dy
//                    padded by 2 − pad (a full correlation)
//   backward-weight  M[p] [Co, C] = Y[p] [Co, T] · V[p]ᵀ [T, C]      Y = A dy Aᵀ (F(3×3, 4×4)),
//                    dW = Gᵀ M G
//
// T counts the tiles of all samples. The transforms are CKernels' C functions, vectorised
// across 16 neighbouring tiles; the 36 GEMMs run as independent tasks on the thread pool.
// Rounding differs from the im2col path by a few units in the last place of the inputs'
// magnitude (the transforms add and subtract values up to 5× and 8× apart).
import CKernels

/// Algorithm choices of the convolution ops.
public enum ConvolutionSettings {
    /// Whether 3×3, stride-1 convs with at least ``winogradMinimumChannels`` input and output
    /// channels use Winograd F(4×4, 3×3). On by default; tests switch it off to compare with
    /// the im2col path.
    nonisolated(unsafe) public static var winograd = true
    /// Below this many input or output channels the im2col path is used (its GEMM is as
    /// cheap as the transforms).
    nonisolated(unsafe) public static var winogradMinimumChannels = 16
}

/// The tiling of a conv's output into 4×4 tiles.
struct WinogradTiling {
    let samples: Int
    let tilesY: Int, tilesX: Int
    var perSample: Int { tilesY * tilesX }
    var total: Int { samples * perSample }

    init(samples: Int, outputHeight: Int, outputWidth: Int) {
        self.samples = samples
        tilesY = (outputHeight + 3) / 4
        tilesX = (outputWidth + 3) / 4
    }

    /// (sample, first tile row, end tile row) jobs: about two per thread.
    func rowJobs() -> [(sample: Int, rows: Range<Int>)] {
        let perSampleJobs = Swift.max(1, Swift.min(tilesY, (2 * Parallel.threadCount + samples - 1) / samples))
        var jobs: [(Int, Range<Int>)] = []
        for s in 0..<samples {
            for j in 0..<perSampleJobs {
                let lo = tilesY * j / perSampleJobs, hi = tilesY * (j + 1) / perSampleJobs
                if lo < hi { jobs.append((s, lo..<hi)) }
            }
        }
        return jobs
    }
}

/// Whether `conv2d` with geometry `g` and `co` output channels runs through Winograd.
func winogradApplies(_ g: ConvGeometry, outputChannels co: Int) -> Bool {
    let p = g.padding
    return ConvolutionSettings.winograd && g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideY == 1
        && g.strideX == 1 && [p.left, p.right, p.top, p.bottom].allSatisfy { (0...2).contains($0) }
        && g.channels >= ConvolutionSettings.winogradMinimumChannels && co >= ConvolutionSettings.winogradMinimumChannels
}

/// out [N, Co, Ho, Wo] = conv(x, weight) + bias, by Winograd.
func winogradForward(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?, _ g: ConvGeometry, _ out: Tensor) {
    let n = x.shape[0], co = weight.shape[0], c = g.channels
    let tiling = WinogradTiling(samples: n, outputHeight: g.outputHeight, outputWidth: g.outputWidth)
    let u = Tensor(uninitializedShape: [36, co, c])
    transformWeights(weight, rows: co) { lo, hi in i2i_wino_weights(weight.data, Int32(co), Int32(c), lo, hi, u.data) }
    let v = transformInput(x, g, tiling)
    let z = Tensor(uninitializedShape: [36, co, tiling.total])
    positionGEMMs(Profiler.Category.convForward, m: co, n: tiling.total, k: c) { p in
        BLAS.sgemm(m: co, n: tiling.total, k: c, a: u.data + p * co * c, lda: c, b: v.data + p * c * tiling.total,
                   ldb: tiling.total, c: z.data + p * co * tiling.total, ldc: tiling.total)
    }
    transformOutput(z, channels: co, height: g.outputHeight, width: g.outputWidth, tiling, bias: bias, into: out)
    withExtendedLifetime((u, v, z)) {}
}

/// ∂x [N, C, H, W] of a Winograd conv: the full correlation of dy with the rotated kernel.
func winogradBackwardData(_ gy: Tensor, _ weight: Tensor, _ g: ConvGeometry) -> Tensor {
    let n = gy.shape[0], co = weight.shape[0], c = g.channels
    // A conv from dy (Co channels, Ho×Wo) padded by 2 − pad to the input grid (H×W).
    let flipped = ConvGeometry(
        channels: co, height: g.outputHeight, width: g.outputWidth, kernel: (3, 3), stride: (1, 1),
        padding: Padding(left: 2 - g.padding.left, right: 2 - g.padding.right, top: 2 - g.padding.top,
                         bottom: 2 - g.padding.bottom),
        op: "conv2d backward")
    let tiling = WinogradTiling(samples: n, outputHeight: g.height, outputWidth: g.width)
    let u = Tensor(uninitializedShape: [36, c, co])
    transformWeights(weight, rows: c) { lo, hi in
        i2i_wino_weights_flipped(weight.data, Int32(co), Int32(c), lo, hi, u.data)
    }
    let v = transformInput(gy, flipped, tiling)
    let z = Tensor(uninitializedShape: [36, c, tiling.total])
    positionGEMMs(Profiler.Category.convBackwardData, m: c, n: tiling.total, k: co) { p in
        BLAS.sgemm(m: c, n: tiling.total, k: co, a: u.data + p * c * co, lda: co, b: v.data + p * co * tiling.total,
                   ldb: tiling.total, c: z.data + p * c * tiling.total, ldc: tiling.total)
    }
    let gx = Tensor(uninitializedShape: [n, c, g.height, g.width])
    transformOutput(z, channels: c, height: g.height, width: g.width, tiling, bias: nil, into: gx)
    withExtendedLifetime((u, v, z)) {}
    return gx
}

/// ∂weight [Co, C, 3, 3] of a Winograd conv, summed over the batch.
func winogradBackwardWeight(_ x: Tensor, _ gy: Tensor, _ g: ConvGeometry) -> Tensor {
    let n = x.shape[0], co = gy.shape[1], c = g.channels
    let ho = g.outputHeight, wo = g.outputWidth
    let tiling = WinogradTiling(samples: n, outputHeight: ho, outputWidth: wo)
    let t = tiling.total
    let v = transformInput(x, g, tiling)
    let y = Tensor(uninitializedShape: [36, co, t])
    Profiler.measure(.im2col) {
        let jobs = tiling.rowJobs()
        Parallel.forEachTask(jobs.count) { j in
            let (s, rows) = jobs[j]
            i2i_wino_grad_output(gy.data + s * co * ho * wo, Int32(co), Int32(ho), Int32(wo), Int32(tiling.tilesX),
                                 Int32(rows.lowerBound), Int32(rows.upperBound), y.data + s * tiling.perSample, t, co * t)
        }
    }
    let m = Tensor(uninitializedShape: [36, co, c])
    positionGEMMs(Profiler.Category.convBackwardWeight, m: co, n: c, k: t) { p in
        BLAS.sgemm(transposeB: true, m: co, n: c, k: t, a: y.data + p * co * t, lda: t, b: v.data + p * c * t, ldb: t,
                   c: m.data + p * co * c, ldc: c)
    }
    let gw = Tensor(uninitializedShape: [co, c, 3, 3])
    Profiler.measure(.col2im) {
        Parallel.forEach(co, grain: 8) { r in
            i2i_wino_weight_grad(m.data, Int32(co), Int32(c), Int32(r.lowerBound), Int32(r.upperBound), gw.data, 0)
        }
    }
    withExtendedLifetime((v, y, m)) {}
    return gw
}

// MARK: - Steps

/// Runs a weight transform over `rows` rows split across the threads.
private func transformWeights(_ weight: Tensor, rows: Int, _ body: (Int32, Int32) -> Void) {
    Profiler.measure(.im2col) {
        Parallel.forEach(rows, grain: 16) { r in body(Int32(r.lowerBound), Int32(r.upperBound)) }
    }
}

/// V [36, C, T]: the transformed input tiles of `x` [N, C, H, W] under geometry `g`.
private func transformInput(_ x: Tensor, _ g: ConvGeometry, _ tiling: WinogradTiling) -> Tensor {
    let c = g.channels, h = g.height, w = g.width, t = tiling.total
    let v = Tensor(uninitializedShape: [36, c, t])
    Profiler.measure(.im2col) {
        let jobs = tiling.rowJobs()
        Parallel.forEachTask(jobs.count) { j in
            let (s, rows) = jobs[j]
            i2i_wino_input(x.data + s * c * h * w, Int32(c), Int32(h), Int32(w), Int32(g.padding.top),
                           Int32(g.padding.left), Int32(tiling.tilesX), Int32(rows.lowerBound), Int32(rows.upperBound),
                           v.data + s * tiling.perSample, t, c * t)
        }
    }
    return v
}

/// out [N, C, H, W] ← the output transform of z [36, C, T] (+ bias).
private func transformOutput(_ z: Tensor, channels: Int, height: Int, width: Int, _ tiling: WinogradTiling,
                             bias: Tensor?, into out: Tensor) {
    let t = tiling.total
    Profiler.measure(.col2im) {
        let jobs = tiling.rowJobs()
        Parallel.forEachTask(jobs.count) { j in
            let (s, rows) = jobs[j]
            i2i_wino_output(z.data + s * tiling.perSample, Int32(channels), Int32(height), Int32(width),
                            Int32(tiling.tilesX), Int32(rows.lowerBound), Int32(rows.upperBound), t, channels * t,
                            bias.map { UnsafePointer($0.data) }, out.data + s * channels * height * width)
        }
    }
}

/// The 36 GEMMs of one pass, one task each, timed under `category`.
private func positionGEMMs(_ category: Profiler.Category, m: Int, n: Int, k: Int, _ gemm: (Int) -> Void) {
    Profiler.measure(category) {
        Profiler.addFlops(36 * 2 * Double(m) * Double(n) * Double(k))
        Parallel.forEachTask(36, gemm)
    }
}
