// Checks at sizes the tiny fixtures never reach: the blocked im2col path of conv2d (more
// than one block of output rows) cross-checked against the small-output-channel path, and
// the parallel loops, which must give bit-identical results for any thread count.
import TensorCore
import TestSupport
import XCTest

final class LargeShapeTests: XCTestCase {
    /// A 64-channel 3×3 conv on 128×128 has 576 × 128 × 128 im2col entries per sample, more
    /// than one block (2²³ floats), so the usual path (16 output channels) runs in blocks of
    /// rows; the small-output path (8 output channels) computes the same first 8 channels in
    /// one piece.
    ///
    /// Forward, input gradient and weight gradient must agree. (Winograd is off: this
    /// test is about the im2col paths; ConvAlgorithmTests checks Winograd against them.).
    func testBlockedConvMatchesSmallOutputPath() {
        let saved = ConvolutionSettings.winograd
        ConvolutionSettings.winograd = false
        defer { ConvolutionSettings.winograd = saved }
        var inputs = TestInputs(seed: 21)
        let x = inputs.normal([2, 64, 128, 128])
        let w16 = inputs.normal([16, 64, 3, 3], std: 0.05)
        let w8 = w16.slice(axis: 0, 0..<8).detached()
        let bias16 = inputs.normal([16])
        let bias8 = bias16.slice(axis: 0, 0..<8).detached()
        for t in [x, w16, w8, bias16, bias8] { t.requiresGrad = true }
        let y16 = conv2d(x, weight: w16, bias: bias16, padding: Padding(1))
        let y8 = conv2d(x, weight: w8, bias: bias8, padding: Padding(1))
        // Sums of 576 products of size ~0.05: Float32 rounding in two different orders.
        let tolerance = Tolerance(absolute: 1e-4, relative: 1e-4)
        assertClose(y16.slice(axis: 1, 0..<8), y8, tolerance, path: "forward, channels 0..<8")

        let r8 = inputs.normal([2, 8, 128, 128])
        let r16 = concat([r8, Tensor.zeros([2, 8, 128, 128])], axis: 1)
        let g16 = gradients(of: (y16 * r16).sum(), withRespectTo: [x, w16, bias16])
        let g8 = gradients(of: (y8 * r8).sum(), withRespectTo: [x, w8, bias8])
        // Input gradients sum 8·9 products; weight gradients sum 2·128·128 products of size
        // ~1, so their absolute rounding is ~sqrt(32768)·6e-8·|terms| ≈ 1e-4 · a few.
        assertClose(g16[0]!, g8[0]!, tolerance, path: "∂x")
        assertClose(g16[1]!.slice(axis: 0, 0..<8), g8[1]!, Tolerance(absolute: 2e-3, relative: 1e-4), path: "∂w, filters 0..<8")
        assertExactly(
            g16[1]!.slice(axis: 0, 8..<16), shape: [8, 64, 3, 3], [Float](repeating: 0, count: 8 * 576),
            path: "∂w, filters 8..<16 (zero output gradient)")
        assertClose(g16[2]!.slice(axis: 0, 0..<8), g8[2]!, Tolerance(absolute: 2e-3, relative: 1e-4), path: "∂bias")
    }

    /// A transposed conv is the adjoint of the conv with the same weight from its output grid
    /// back to its input grid: ⟨convT(x), y⟩ = ⟨x, conv(y)⟩.
    ///
    /// At 64 output channels, 3×3 and a
    /// 128×128 input the transposed conv's column buffer spans more than one block of rows.
    /// Its input gradient must be that conv too.
    func testBlockedTransposedConvIsTheAdjointOfConv() {
        var inputs = TestInputs(seed: 23)
        let x = inputs.normal([1, 16, 128, 128])
        let w = inputs.normal([16, 64, 3, 3], std: 0.05)  // [C, Co, kh, kw] = a conv's [Cout, Cin, kh, kw]
        let y = inputs.normal([1, 64, 256, 256])
        x.requiresGrad = true
        let up = convTranspose2d(x, weight: w, stride: (2, 2), padding: (1, 1), outputPadding: (1, 1))
        XCTAssertEqual(up.shape, [1, 64, 256, 256])
        let down = conv2d(y, weight: w, stride: (2, 2), padding: Padding(left: 1, right: 0, top: 1, bottom: 0))
        XCTAssertEqual(down.shape, x.shape)
        let lhs = withoutGradient { (up * y).sum() }.item, rhs = (x.detached() * down).sum().item
        XCTAssertEqual(lhs, rhs, accuracy: 1e-4 * Swift.abs(rhs) + 1e-2, "⟨convT(x), y⟩ ≠ ⟨x, conv(y)⟩")
        let gx = gradients(of: (up * y).sum(), withRespectTo: [x])[0]!
        assertClose(gx, down, Tolerance(absolute: 1e-4, relative: 1e-4), path: "convTranspose2d ∂x vs conv2d")
    }

    /// The non-BLAS loops split work into contiguous ranges that each write their own
    /// outputs, so one thread and four threads must give the same bits.
    func testParallelLoopsAreIndependentOfThreadCount() {
        func run() -> [[Float]] {
            var inputs = TestInputs(seed: 22)
            let x = inputs.normal([2, 8, 64, 96])
            let p = inputs.uniform([8], 0, 0.5)
            let gamma = inputs.normal([8], mean: 1), beta = inputs.normal([8])
            for t in [x, p, gamma, beta] { t.requiresGrad = true }
            let a = instanceNorm(prelu(x, weight: p), weight: gamma, bias: beta)
            let b = a.padded(Padding(left: 3, right: 1, top: 2, bottom: 0), mode: .reflect)
                .avgPool2d(kernel: 3, stride: 2, padding: 1, countIncludePad: false)
            let c = b.maxPool2d(kernel: 3, stride: 1, padding: 1).upsampleNearest(factor: 2).resizeNearest(height: 64, width: 96)
            let d = (c.sigmoid() * x.slice(axis: 2, 0..<64).exp().clamped(max: 4)).softmax(axis: 1)
            let e = d.resizeNearest(height: 50, width: 70).unfold(kernel: 3, stride: 2)
            let loss = e.tanh().sum() + d.variance(axes: [2, 3]).sum() + a.max(axes: [1]).sum()
            loss.backward()
            return [loss.values, x.grad!.values, p.grad!.values, gamma.grad!.values, beta.grad!.values]
        }
        let saved = Parallel.threadCount
        defer { ComputeRuntime.configure(threads: saved) }
        ComputeRuntime.configure(threads: 1)
        let serial = run()
        ComputeRuntime.configure(threads: 4)
        let parallel = run()
        for (i, name) in ["loss", "∂x", "∂prelu", "∂γ", "∂β"].enumerated() {
            XCTAssertEqual(serial[i], parallel[i], "\(name) differs between 1 and 4 threads")
        }
    }
}
