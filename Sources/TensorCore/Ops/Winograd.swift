// Winograd F(4×4, 3×3) convolution for 3×3, stride-1 convs (Lavin & Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2016): forward, backward-data and backward-weight.
//
// A 4×4 block of outputs ("tile") needs a 6×6 block of inputs. After transforming each input
// tile (Bᵀ d B) and each filter (G g Gᵀ) to 6×6 = 36 "positions", the convolution is 36
// independent GEMMs over channels — 36 multiplies per 16 outputs per channel pair instead of
// 144, a 4× cut in arithmetic — and an output transform (Aᵀ m A) brings each tile back:
//
//   forward          Z[p] [Co, T] = U[p] [Co, C] · V[p] [C, T]        U = G w Gᵀ,  V = Bᵀ x B
//   backward-data    Z[p] [C, T]  = U[p]ᵀ [C, Co] · Y[p] [Co, T]      Y = A dy Aᵀ,
//                    dx = Σ tiles B Z Bᵀ (the forward's exact adjoint, overlapping 6×6 blocks)
//   backward-weight  M[p] [Co, C] = Y[p] [Co, T] · V[p]ᵀ [T, C]      (F(3×3, 4×4)), dW = Gᵀ M G
//
// T counts the tiles of all samples. The transforms are CKernels' C functions, vectorised
// across 16 neighbouring tiles; the 36 GEMMs run as independent tasks on the thread pool.
// Rounding differs from the im2col path by a few units in the last place of the inputs'
// magnitude (the transforms add and subtract values up to 5× and 8× apart).
import CKernels
import Foundation

/// Algorithm choices of the convolution ops.
public enum ConvolutionSettings {
    /// Whether 3×3, stride-1 convs with at least ``winogradMinimumChannels`` input and output
    /// channels use Winograd F(4×4, 3×3).
    ///
    /// On by default; tests switch it off to compare with
    /// the im2col path; the environment variable `I2I_WINOGRAD=0` switches it off for a run.
    nonisolated(unsafe) public static var winograd = getenv("I2I_WINOGRAD").map { String(cString: $0) != "0" } ?? true
    /// Below this many input or output channels the im2col path is used (its GEMM is as
    /// cheap as the transforms).
    nonisolated(unsafe) public static var winogradMinimumChannels = 16
    /// Winograd runs only where its GEMMs do at most this fraction of im2col's multiplies.
    ///
    /// Its GEMMs cost 36 products per channel pair and *padded* 4×4 tile (a sample's tiles
    /// are padded to whole groups of 16), im2col's 9 per output pixel; on top come the
    /// transforms, the weights' alone as large as a GEMM at batch 1. At 16×16 outputs the
    /// ratio is 1/4; at 8×8 (16 tiles computed, 4 used) it is 1, and at 4×4 it is 4 — the
    /// bottom levels of a SPADE generator, where im2col is the cheaper path. Square outputs
    /// qualify from 12×12 up (ratio 0.44; 10×10: 0.64). Tests set it to `.infinity` to reach
    /// Winograd at any size.
    nonisolated(unsafe) public static var winogradMaximumRelativeWork = 0.5
    /// Floats per im2col block (a few hundred kilobytes: in cache until the GEMM reads it).
    nonisolated(unsafe) public static var im2colBlockFloats = 1 << 18
    /// Columns per im2col block at least, whatever its size.
    nonisolated(unsafe) public static var im2colMinimumColumns = 1024
}

/// The tiling of a conv's output into 4×4 tiles, on the padded grid the kernels expect: rows
/// of `paddedTilesX` (a multiple of 4) tiles, each sample's tiles padded to whole groups of 16.
struct WinogradTiling {
    let samples: Int
    let tilesY: Int, tilesX: Int
    let paddedTilesX: Int
    /// Groups of 16 tiles per sample.
    let groups: Int
    /// Tiles per sample, padding included.
    var perSample: Int { groups * 16 }
    /// Tiles of all samples: the GEMMs' tile dimension.
    var total: Int { samples * perSample }

    init(samples: Int, outputHeight: Int, outputWidth: Int) {
        self.samples = samples
        tilesY = (outputHeight + 3) / 4
        tilesX = (outputWidth + 3) / 4
        paddedTilesX = (tilesX + 3) / 4 * 4
        groups = (tilesY * paddedTilesX + 15) / 16
    }

    /// (sample, groups) jobs: about two per thread.
    func jobs() -> [(sample: Int, groups: Range<Int>)] {
        let perSampleJobs = Swift.max(1, Swift.min(groups, (2 * Parallel.threadCount + samples - 1) / samples))
        var jobs: [(Int, Range<Int>)] = []
        for s in 0..<samples {
            for j in 0..<perSampleJobs {
                let lo = groups * j / perSampleJobs, hi = groups * (j + 1) / perSampleJobs
                if lo < hi { jobs.append((s, lo..<hi)) }
            }
        }
        return jobs
    }
}

/// Whether `conv2d` with geometry `g` and `co` output channels runs through Winograd (under
/// the current ``ConvolutionSettings``).
public func winogradApplies(_ g: ConvGeometry, outputChannels co: Int) -> Bool {
    let p = g.padding
    return ConvolutionSettings.winograd && g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideY == 1
        && g.strideX == 1 && [p.left, p.right, p.top, p.bottom].allSatisfy { (0...2).contains($0) }
        && g.channels >= ConvolutionSettings.winogradMinimumChannels && co >= ConvolutionSettings.winogradMinimumChannels
        && winogradRelativeWork(g) <= ConvolutionSettings.winogradMaximumRelativeWork
}

/// Winograd's GEMM multiplies over im2col's for one sample of geometry `g`: 36 per padded tile
/// against 9 per output pixel.
public func winogradRelativeWork(_ g: ConvGeometry) -> Double {
    let tiling = WinogradTiling(samples: 1, outputHeight: g.outputHeight, outputWidth: g.outputWidth)
    return Double(36 * tiling.perSample) / Double(9 * Swift.max(1, g.outputHeight * g.outputWidth))
}

/// out [N, Co, Ho, Wo] = conv(x, weight) + bias, by Winograd.
func winogradForward(
    _ x: Tensor, _ weight: Tensor, _ bias: Tensor?, _ g: ConvGeometry, _ mode: PaddingMode,
    _ out: Tensor
) {
    let n = x.shape[0], co = weight.shape[0], c = g.channels
    let tiling = WinogradTiling(samples: n, outputHeight: g.outputHeight, outputWidth: g.outputWidth)
    let u = Tensor(uninitializedShape: [36, co, c])
    transformWeights(weight, rows: co) { lo, hi in i2i_wino_weights(weight.data, Int32(co), Int32(c), lo, hi, u.data) }
    let v = transformInput(x, g, mode, tiling)
    let z = Tensor(uninitializedShape: [36, co, tiling.total])
    positionGEMMs(Profiler.Category.convForward, m: co, n: tiling.total, k: c) { p in
        BLAS.sgemm(
            m: co, n: tiling.total, k: c, a: u.data + p * co * c, lda: c, b: v.data + p * c * tiling.total,
            ldb: tiling.total, c: z.data + p * co * tiling.total, ldc: tiling.total)
    }
    transformOutput(z, channels: co, height: g.outputHeight, width: g.outputWidth, tiling, bias: bias, into: out)
    withExtendedLifetime((u, v, z)) {}
}

/// ∂x [N, C, H, W] and ∂weight [Co, C, 3, 3] (summed over the batch) of a Winograd conv, each
/// when asked for.
///
/// Both start from Y = A dy Aᵀ. ∂x runs the forward algorithm backwards (its
/// exact adjoint): Z = Uᵀ·Y, then each tile's B Z Bᵀ is added at its 6×6 input block — on the
/// forward's tiles, so a full correlation never needs a wider grid.
func winogradBackward(
    _ x: Tensor, _ weight: Tensor, _ gy: Tensor, _ g: ConvGeometry, _ mode: PaddingMode,
    needData: Bool, needWeight: Bool
) -> (Tensor?, Tensor?) {
    let n = x.shape[0], co = weight.shape[0], c = g.channels
    let ho = g.outputHeight, wo = g.outputWidth
    let tiling = WinogradTiling(samples: n, outputHeight: ho, outputWidth: wo)
    let t = tiling.total
    let y = Tensor(uninitializedShape: [36, co, t])
    Profiler.measure(.winogradInput) {
        let jobs = tiling.jobs()
        Parallel.forEachTask(jobs.count) { j in
            let (s, groups) = jobs[j]
            i2i_wino_grad_output(
                gy.data + s * co * ho * wo, Int32(co), Int32(ho), Int32(wo), Int32(tiling.paddedTilesX),
                Int32(groups.lowerBound), Int32(groups.upperBound), y.data + s * tiling.perSample, t,
                co * t)
        }
    }
    var gx: Tensor? = nil, gw: Tensor? = nil
    if needData {
        let u = Tensor(uninitializedShape: [36, co, c])
        transformWeights(weight, rows: co) { lo, hi in i2i_wino_weights(weight.data, Int32(co), Int32(c), lo, hi, u.data) }
        let z = Tensor(uninitializedShape: [36, c, t])
        positionGEMMs(Profiler.Category.convBackwardData, m: c, n: t, k: co) { p in
            BLAS.sgemm(
                transposeA: true, m: c, n: t, k: co, a: u.data + p * co * c, lda: c, b: y.data + p * co * t,
                ldb: t, c: z.data + p * c * t, ldc: t)
        }
        let dx = Tensor(uninitializedShape: x.shape)
        let h = g.height, w = g.width
        Profiler.measure(.winogradOutput) {
            // One task per (sample, block of channels): tiles overlap, channels do not.
            let blocks = Swift.max(1, Swift.min(c, 2 * Parallel.threadCount))
            Parallel.forEachTask(n * blocks) { j in
                let s = j / blocks, b = j % blocks
                i2i_wino_data_grad(
                    z.data + s * tiling.perSample, Int32(c), Int32(h), Int32(w), cPadding(g, mode),
                    Int32(tiling.paddedTilesX), Int32(tiling.groups),
                    Int32(c * b / blocks), Int32(c * (b + 1) / blocks), t, c * t,
                    dx.data + s * c * h * w)
            }
        }
        withExtendedLifetime((u, z)) {}
        gx = dx
    }
    if needWeight {
        let v = transformInput(x, g, mode, tiling)
        let m = Tensor(uninitializedShape: [36, co, c])
        positionGEMMs(Profiler.Category.convBackwardWeight, m: co, n: c, k: t) { p in
            BLAS.sgemm(
                transposeB: true, m: co, n: c, k: t, a: y.data + p * co * t, lda: t, b: v.data + p * c * t,
                ldb: t, c: m.data + p * co * c, ldc: c)
        }
        let dw = Tensor(uninitializedShape: [co, c, 3, 3])
        Profiler.measure(.winogradWeights) {
            Parallel.forEach(co, grain: 8) { r in
                i2i_wino_weight_grad(m.data, Int32(co), Int32(c), Int32(r.lowerBound), Int32(r.upperBound), dw.data, 0)
            }
        }
        withExtendedLifetime((v, m)) {}
        gw = dw
    }
    withExtendedLifetime(y) {}
    return (gx, gw)
}

// MARK: - Steps

/// The geometry's padding for the C kernels.
private func cPadding(_ g: ConvGeometry, _ mode: PaddingMode) -> i2i_padding {
    let code: Int32
    switch mode {
    case .zero: code = 0
    case .reflect: code = 1
    case .replicate: code = 2
    }
    return i2i_padding(
        top: Int32(g.padding.top), bottom: Int32(g.padding.bottom), left: Int32(g.padding.left),
        right: Int32(g.padding.right), mode: code)
}

/// Runs a weight transform over `rows` rows split across the threads.
private func transformWeights(_ weight: Tensor, rows: Int, _ body: (Int32, Int32) -> Void) {
    Profiler.measure(.winogradWeights) {
        Parallel.forEach(rows, grain: 16) { r in body(Int32(r.lowerBound), Int32(r.upperBound)) }
    }
}

/// V [36, C, T]: the transformed input tiles of `x` [N, C, H, W] under geometry `g`.
private func transformInput(_ x: Tensor, _ g: ConvGeometry, _ mode: PaddingMode, _ tiling: WinogradTiling) -> Tensor {
    let c = g.channels, h = g.height, w = g.width, t = tiling.total
    let v = Tensor(uninitializedShape: [36, c, t])
    Profiler.measure(.winogradInput) {
        let jobs = tiling.jobs()
        Parallel.forEachTask(jobs.count) { j in
            let (s, groups) = jobs[j]
            i2i_wino_input(
                x.data + s * c * h * w, Int32(c), Int32(h), Int32(w), cPadding(g, mode),
                Int32(tiling.paddedTilesX), Int32(groups.lowerBound),
                Int32(groups.upperBound), v.data + s * tiling.perSample, t, c * t)
        }
    }
    return v
}

/// out [N, C, H, W] ← the output transform of z [36, C, T] (+ bias).
private func transformOutput(
    _ z: Tensor, channels: Int, height: Int, width: Int, _ tiling: WinogradTiling,
    bias: Tensor?, into out: Tensor
) {
    let t = tiling.total
    Profiler.measure(.winogradOutput) {
        let jobs = tiling.jobs()
        Parallel.forEachTask(jobs.count) { j in
            let (s, groups) = jobs[j]
            i2i_wino_output(
                z.data + s * tiling.perSample, Int32(channels), Int32(height), Int32(width),
                Int32(tiling.paddedTilesX), Int32(groups.lowerBound), Int32(groups.upperBound), t,
                channels * t, bias.map { UnsafePointer($0.data) }, out.data + s * channels * height * width)
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
