// A 5×5 convolution of a nearest-upsampled image, computed on the low-resolution image: MUNIT's
// and UNIT's decoders (`Upsample(scale_factor=2)` then `Conv2dBlock(k 5, stride 1, pad 2)`) spend
// most of their multiplications there, three quarters of them on repeated pixels.
//
// With U = up2(x) (each pixel repeated 2×2), output row 2i + a of a 5-tap filter reads U rows
// 2i + a − 2 … 2i + a + 2, which are x rows i − 1, i, i + 1 with the taps grouped by phase a:
//   a = 0:  x[i−1]·(w0 + w1) + x[i]·(w2 + w3) + x[i+1]·w4
//   a = 1:  x[i−1]·w0 + x[i]·(w1 + w2) + x[i+1]·(w3 + w4)
// and the same across columns with phase b. So the four (a, b) phases are one 3×3 conv of x with
// 4·Co output channels (weights combined from w, a differentiable function of it), interleaved
// back into [N, Co, 2H, 2W] (pixel shuffle): 36 instead of 100 multiplications per output value,
// and a 3×3 stride-1 conv that runs as Winograd where it applies.
// Padding: zero and replicate padding of U are exactly zero and replicate padding of x. Reflect
// padding of U is not a padding of x at the first and last rows and columns (U's reflection
// (x1, x0 | x0 x0 x1 …) mixes two x rows in one tap group), so those four output lines are
// computed directly on small strips of U and put in place; every other output uses replicate
// padding of x, which equals U's reflection there.
import TensorCore

/// conv2d(pad(upsampleNearest(x, 2), 2, mode), weight) for a 5×5 stride-1 `weight`
/// [Co, Ci, 5, 5]: [N, Ci, H, W] → [N, Co, 2H, 2W], computed on x.
public func nearestUpsampledConv5x5(_ x: Tensor, weight: Tensor, bias: Tensor?, paddingMode: PaddingMode) -> Tensor {
    let n = x.shape[0], h = x.shape[2], w = x.shape[3]
    let co = weight.shape[0], ci = weight.shape[1]
    precondition(weight.shape[2] == 5 && weight.shape[3] == 5, "nearestUpsampledConv5x5 needs a 5×5 kernel")
    if paddingMode == .reflect && (h < 3 || w < 3) {
        return conv2d(x.upsampleNearest(factor: 2), weight: weight, bias: bias, padding: Padding(2), paddingMode: .reflect)
    }
    // Combined 3×3 kernels of the four phases, [4·Co, Ci, 3, 3] in (a, b, co) order.
    let groups = phaseGroups()  // [5, 6]: tap u → (phase, 3-tap index)
    let right = matmul(weight.reshaped([co * ci * 5, 5]), groups)  // [Co·Ci·5 (u), 6 (b, v')]
    let left = matmul(right.reshaped([co * ci, 5, 6]).transposed(1, 2).reshaped([co * ci * 6, 5]), groups)  // [.., 6 (a, u')]
    let kernels = left.reshaped([co, ci, 2, 3, 2, 3]).permuted([4, 2, 0, 1, 5, 3]).reshaped([4 * co, ci, 3, 3])
    let phaseBias = bias.map { concat([$0, $0, $0, $0], axis: 0) }
    let phases = conv2d(
        x, weight: kernels, bias: phaseBias, padding: Padding(1), paddingMode: paddingMode == .zero ? .zero : .replicate)
    // Pixel shuffle: [N, (a, b, Co), H, W] → [N, Co, 2H, 2W] with output (2i + a, 2j + b).
    // FLOP rates count the direct convolution's multiplications (as for Winograd): credit the
    // ones the phase conv (and, for reflect padding, the border strips) did not do.
    let direct = n * co * ci * 25 * 4 * h * w
    let done = n * 4 * co * ci * 9 * h * w + (paddingMode == .reflect ? n * co * ci * 25 * (4 * w + 4 * h) : 0)
    let y = phases.reshaped([n, 2, 2, co, h, w]).permuted([0, 3, 4, 1, 5, 2]).reshaped([n, co, 2 * h, 2 * w])
        .countingExtraMACs(direct - done, input: x, weight: weight)
    guard paddingMode == .reflect else { return y }

    // The first and last output rows and columns, directly from strips of the upsampled image.
    func exact(_ strip: Tensor, axis: Int, _ lines: Range<Int>) -> Tensor {
        let padded = strip.upsampleNearest(factor: 2).padded(Padding(2), mode: .reflect).slice(axis: axis, lines)
        return conv2d(padded, weight: weight, bias: bias)
    }
    let top = exact(x.slice(axis: 2, 0..<3), axis: 2, 0..<5)  // [N, Co, 1, 2W]
    let bottom = exact(x.slice(axis: 2, h - 3..<h), axis: 2, 5..<10)
    let leftColumn = exact(x.slice(axis: 3, 0..<3), axis: 3, 0..<5)  // [N, Co, 2H, 1]
    let rightColumn = exact(x.slice(axis: 3, w - 3..<w), axis: 3, 5..<10)
    let rows = 1..<(2 * h - 1)
    let middle = concat(
        [leftColumn.slice(axis: 2, rows), y.slice(axis: 2, rows).slice(axis: 3, 1..<(2 * w - 1)), rightColumn.slice(axis: 2, rows)],
        axis: 3)
    return concat([top, middle, bottom], axis: 2)
}

/// [5, 6]: column (phase p, tap t) sums the 5-tap filter's taps that read x[i − 1 + t] in phase p.
private func phaseGroups() -> Tensor {
    // Phase 0: (w0 + w1, w2 + w3, w4); phase 1: (w0, w1 + w2, w3 + w4).
    let columns: [[Int]] = [[0, 1], [2, 3], [4], [0], [1, 2], [3, 4]]
    var values = [Float](repeating: 0, count: 30)
    for (column, taps) in columns.enumerated() { for tap in taps { values[tap * 6 + column] = 1 } }
    return Tensor(shape: [5, 6], values: values)
}
