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
    // FLOP rates count the direct convolution's multiplications (as for Winograd): credit the
    // ones the phase conv (and, for reflect padding, the border strips) did not do.
    let direct = n * co * ci * 25 * 4 * h * w
    let done = n * 4 * co * ci * 9 * h * w + (paddingMode == .reflect ? n * co * ci * 25 * (4 * w + 4 * h) : 0)
    FlopCounter.credit(macs: direct - done, backward: GradMode.isEnabled, data: x.requiresGrad, weight: weight.requiresGrad)
    guard paddingMode == .reflect else { return pixelShuffle(phases, borders: nil) }

    // The first and last output rows and columns, directly from strips of the upsampled image.
    func exact(_ strip: Tensor, axis: Int, _ lines: Range<Int>) -> Tensor {
        let padded = strip.upsampleNearest(factor: 2).padded(Padding(2), mode: .reflect).slice(axis: axis, lines)
        return conv2d(padded, weight: weight, bias: bias)
    }
    let borders = Borders(
        top: exact(x.slice(axis: 2, 0..<3), axis: 2, 0..<5), bottom: exact(x.slice(axis: 2, h - 3..<h), axis: 2, 5..<10),
        left: exact(x.slice(axis: 3, 0..<3), axis: 3, 0..<5), right: exact(x.slice(axis: 3, w - 3..<w), axis: 3, 5..<10))
    return pixelShuffle(phases, borders: borders)
}

/// The exactly computed first and last rows ([N, Co, 1, 2W]) and columns ([N, Co, 2H, 1]).
private struct Borders {
    var top: Tensor, bottom: Tensor, left: Tensor, right: Tensor
}

/// [N, (a, b, Co), H, W] → [N, Co, 2H, 2W] with output (2i + a, 2j + b), then the border lines
/// written over (columns last, so the corners come from them), in one pass each way.
private func pixelShuffle(_ phases: Tensor, borders: Borders?) -> Tensor {
    let n = phases.shape[0], co = phases.shape[1] / 4, h = phases.shape[2], w = phases.shape[3]
    let oh = 2 * h, ow = 2 * w, plane = oh * ow
    let out = Tensor(uninitializedShape: [n, co, oh, ow])
    let src = phases.data, dst = out.data
    Parallel.forEach(n * co, grain: 1) { planes in
        for p in planes {
            let (sample, c) = p.quotientAndRemainder(dividingBy: co)
            let o = dst + p * plane
            for phase in 0..<4 {
                let (a, b) = phase.quotientAndRemainder(dividingBy: 2)
                let s = src + ((sample * 4 + phase) * co + c) * h * w
                for i in 0..<h {
                    let row = o + (2 * i + a) * ow + b
                    for j in 0..<w { row[2 * j] = s[i * w + j] }
                }
            }
            if let borders {
                let t = borders.top.data + p * ow, bt = borders.bottom.data + p * ow
                let l = borders.left.data + p * oh, r = borders.right.data + p * oh
                for j in 0..<ow { o[j] = t[j]; o[(oh - 1) * ow + j] = bt[j] }
                for i in 0..<oh { o[i * ow] = l[i]; o[i * ow + ow - 1] = r[i] }
            }
        }
    }
    let inputs = [phases] + (borders.map { [$0.top, $0.bottom, $0.left, $0.right] } ?? [])
    return out.recorded("pixel_shuffle", inputs) { g, needs in
        let gp = Tensor(uninitializedShape: phases.shape)
        let gs = g.data, gd = gp.data
        Parallel.forEach(n * co, grain: 1) { planes in
            for p in planes {
                let (sample, c) = p.quotientAndRemainder(dividingBy: co)
                let o = gs + p * plane
                for phase in 0..<4 {
                    let (a, b) = phase.quotientAndRemainder(dividingBy: 2)
                    let d = gd + ((sample * 4 + phase) * co + c) * h * w
                    for i in 0..<h {
                        let row = o + (2 * i + a) * ow + b
                        for j in 0..<w { d[i * w + j] = row[2 * j] }
                    }
                    guard borders != nil else { continue }
                    // Border outputs came from the strips: no gradient to the phases there.
                    if a == 0 { for j in 0..<w { d[j] = 0 } }
                    if a == 1 { for j in 0..<w { d[(h - 1) * w + j] = 0 } }
                    if b == 0 { for i in 0..<h { d[i * w] = 0 } }
                    if b == 1 { for i in 0..<h { d[i * w + w - 1] = 0 } }
                }
            }
        }
        guard borders != nil else { return [gp] }
        let gt = Tensor.zeros([n, co, 1, ow]), gb = Tensor.zeros([n, co, 1, ow])
        let gl = Tensor(uninitializedShape: [n, co, oh, 1]), gr = Tensor(uninitializedShape: [n, co, oh, 1])
        for p in 0..<(n * co) {
            let o = gs + p * plane
            for j in 1..<(ow - 1) { gt.data[p * ow + j] = o[j]; gb.data[p * ow + j] = o[(oh - 1) * ow + j] }
            for i in 0..<oh { gl.data[p * oh + i] = o[i * ow]; gr.data[p * oh + i] = o[i * ow + ow - 1] }
        }
        return [needs[0] ? gp : nil, gt, gb, gl, gr]
    }
}

/// [5, 6]: column (phase p, tap t) sums the 5-tap filter's taps that read x[i − 1 + t] in phase p.
private func phaseGroups() -> Tensor {
    // Phase 0: (w0 + w1, w2 + w3, w4); phase 1: (w0, w1 + w2, w3 + w4).
    let columns: [[Int]] = [[0, 1], [2, 3], [4], [0], [1, 2], [3, 4]]
    var values = [Float](repeating: 0, count: 30)
    for (column, taps) in columns.enumerated() { for tap in taps { values[tap * 6 + column] = 1 } }
    return Tensor(shape: [5, 6], values: values)
}
