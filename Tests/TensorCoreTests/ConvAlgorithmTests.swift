// The fast convolution paths against the im2col path they replace: Winograd F(4×4, 3×3) for
// 3×3 stride-1 convs, at shapes that exercise partial tiles, partial 16-tile groups, channel
// counts that are not multiples of 16, asymmetric and double padding, reflect and replicate
// padding read in place, and batches — forward, input gradient, weight gradient and bias
// gradient.
import TensorCore
import TestSupport
import XCTest

final class ConvAlgorithmTests: XCTestCase {
    /// One conv shape: batch, channels in and out, input size, padding.
    struct Case {
        var n: Int, c: Int, co: Int, h: Int, w: Int
        var padding: Padding
        var mode = PaddingMode.zero
    }

    static let winogradCases: [Case] = [
        Case(n: 1, c: 16, co: 16, h: 8, w: 8, padding: Padding(1)),
        Case(n: 2, c: 20, co: 17, h: 13, w: 11, padding: Padding(1)),
        Case(n: 1, c: 32, co: 24, h: 70, w: 9, padding: Padding(left: 2, right: 0, top: 0, bottom: 1)),
        Case(n: 1, c: 64, co: 64, h: 66, w: 66, padding: .none),
        Case(n: 2, c: 16, co: 32, h: 34, w: 34, padding: .none),
        Case(n: 1, c: 48, co: 16, h: 5, w: 70, padding: Padding(2)),
        Case(n: 1, c: 3, co: 5, h: 10, w: 12, padding: Padding(1)),
        Case(n: 2, c: 16, co: 16, h: 8, w: 8, padding: Padding(1), mode: .reflect),
        Case(n: 1, c: 24, co: 20, h: 13, w: 18, padding: Padding(left: 2, right: 1, top: 0, bottom: 2), mode: .reflect),
        Case(n: 1, c: 16, co: 17, h: 9, w: 37, padding: Padding(left: 1, right: 2, top: 2, bottom: 1), mode: .replicate),
        Case(n: 1, c: 32, co: 32, h: 32, w: 32, padding: Padding(1), mode: .reflect),
    ]

    /// Forward and all gradients of a conv with `winograd` on or off.
    func run(_ k: Case, winograd: Bool, seed: UInt64) -> [Tensor] {
        var inputs = TestInputs(seed: seed)
        let x = inputs.normal([k.n, k.c, k.h, k.w])
        let w = inputs.normal([k.co, k.c, 3, 3], std: 1 / Float(3 * k.c).squareRoot())
        let b = inputs.normal([k.co])
        for t in [x, w, b] { t.requiresGrad = true }
        let saved = (
            ConvolutionSettings.winograd, ConvolutionSettings.winogradMinimumChannels,
            ConvolutionSettings.winogradMaximumRelativeWork
        )
        defer {
            (
                ConvolutionSettings.winograd, ConvolutionSettings.winogradMinimumChannels,
                ConvolutionSettings.winogradMaximumRelativeWork
            ) = saved
        }
        ConvolutionSettings.winograd = winograd
        ConvolutionSettings.winogradMinimumChannels = 1
        ConvolutionSettings.winogradMaximumRelativeWork = .infinity
        // The reference pads explicitly; the Winograd path reads the padding in place.
        let y =
            winograd
            ? conv2d(x, weight: w, bias: b, padding: k.padding, paddingMode: k.mode)
            : conv2d(x.padded(k.padding, mode: k.mode), weight: w, bias: b)
        let r = inputs.normal(y.shape)
        let g = gradients(of: (y * r).sum(), withRespectTo: [x, w, b])
        return [y.detached(), g[0]!, g[1]!, g[2]!]
    }

    /// Both paths round differently: the transforms combine values up to 8× apart, so their
    /// error is a few float32 units of the tensor's largest magnitude (measured: at most
    /// 7e-6 of it for outputs and input gradients, 1.3e-5 for a weight gradient summed over
    /// 66×66 pixels), against 3e-5 allowed.
    func testWinogradMatchesIm2col() {
        for (i, k) in Self.winogradCases.enumerated() {
            let fast = run(k, winograd: true, seed: UInt64(30 + i))
            let reference = run(k, winograd: false, seed: UInt64(30 + i))
            for (j, name) in ["forward", "∂x", "∂w", "∂bias"].enumerated() {
                let scale = reference[j].values.reduce(0) { Swift.max($0, Swift.abs(Double($1))) }
                assertClose(
                    fast[j], reference[j], Tolerance(absolute: 3e-5 * scale, relative: 0),
                    path: "case \(i) (\(k.n)×\(k.c)→\(k.co), \(k.h)×\(k.w), \(k.padding) \(k.mode)) \(name)")
            }
        }
    }

    /// The work ratio by hand, and Winograd only where it is at most 1/2.
    ///
    /// One sample's tiles are padded to a group of 16, 36 products each, against 9 per output
    /// pixel. 16×16 outputs: 16 tiles, 576 / 2304 = 0.25; 12×12: 9 tiles
    /// padded to 16, 576 / 1296 = 0.444; 10×10: 576 / 900 = 0.64; 8×8: 576 / 576 = 1; 4×4:
    /// 576 / 144 = 4; 32×32: 64 tiles, 2304 / 9216 = 0.25; 20×20: 25 tiles in rows of 8 padded
    /// to 48 → 1728 / 3600 = 0.48.
    func testWinogradRunsOnlyWhereItsGEMMsAreAtMostHalfOfIm2col() {
        let expected: [(size: Int, ratio: Double)] = [
            (16, 0.25), (12, 576.0 / 1296), (10, 0.64), (8, 1), (4, 4), (32, 0.25), (20, 0.48),
        ]
        for (size, ratio) in expected {
            let g = ConvGeometry(
                channels: 64, height: size, width: size, kernel: (3, 3), stride: (1, 1), padding: Padding(1), op: "test")
            XCTAssertEqual(winogradRelativeWork(g), ratio, accuracy: 1e-12, "\(size)×\(size)")
            XCTAssertEqual(winogradApplies(g, outputChannels: 64), ratio <= 0.5, "\(size)×\(size)")
        }
    }
}
