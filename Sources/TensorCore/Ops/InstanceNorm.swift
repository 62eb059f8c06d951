// Instance normalisation with a fused forward and backward: per (sample, channel) plane,
// x̂ = (x − mean) / sqrt(var + eps) with the biased variance, then optionally x̂·γ + β.
// Shapes: x [N, C, H, W] (any trailing spatial dims), γ and β [C] → same shape as x.
import Foundation

/// Instance norm of `x` with optional per-channel affine parameters.
public func instanceNorm(_ x: Tensor, weight: Tensor? = nil, bias: Tensor? = nil, eps: Float = 1e-5) -> Tensor {
    check(x.rank >= 3, "instanceNorm: input must be [N, C, ...], got \(x.shape)")
    let n = x.shape[0], c = x.shape[1], m = x.shape[2...].elementCount
    if let weight { check(weight.count == c, "instanceNorm: weight \(weight.shape) does not match \(c) channels") }
    if let bias { check(bias.count == c, "instanceNorm: bias \(bias.shape) does not match \(c) channels") }
    let planes = n * c
    // mean, then 1/std. Only raw pointers into it are used below, so its lifetime is extended
    // explicitly: ARC may free an object right after its last *reference*.
    let stats = Tensor(uninitializedShape: [2, planes])
    let out = Tensor(uninitializedShape: x.shape)
    let px = x.data, po = out.data, pm = stats.data, pr = stats.data + planes
    let pw = weight?.data, pb = bias?.data
    Profiler.measure(.norm) {
        Parallel.forEach(planes, grain: Swift.max(1, 16384 / Swift.max(m, 1))) { range in
            for p in range {
                let src = px + p * m, dst = po + p * m
                var sum: Double = 0
                for i in 0..<m { sum += Double(src[i]) }
                let mean = sum / Double(m)
                var sq: Double = 0
                for i in 0..<m { let d = Double(src[i]) - mean; sq += d * d }
                let rstd = 1 / (sq / Double(m) + Double(eps)).squareRoot()
                pm[p] = Float(mean)
                pr[p] = Float(rstd)
                let ch = p % c
                let scale = Float(rstd) * (pw?[ch] ?? 1), shift = (pb?[ch] ?? 0) - Float(mean) * scale
                for i in 0..<m { dst[i] = src[i] * scale + shift }
            }
        }
    }
    withExtendedLifetime(stats) {}
    var inputs = [x]
    if let weight { inputs.append(weight) }
    if let bias { inputs.append(bias) }
    return out.recorded("instance_norm", inputs) { g, needs in
        let pm = stats.data, pr = stats.data + planes  // the closure must own the statistics
        let pg = g.data
        let gx = needs[0] ? Tensor(uninitializedShape: x.shape) : nil
        // Per-plane Σ dy·x̂ and Σ dy, reused for γ and β.
        let sums = Tensor(uninitializedShape: [2, planes])
        let sdx = sums.data, sdy = sums.data + planes
        Profiler.measure(.norm) {
            Parallel.forEach(planes, grain: Swift.max(1, 16384 / Swift.max(m, 1))) { range in
                for p in range {
                    let src = px + p * m, dy = pg + p * m
                    let mean = pm[p], rstd = pr[p]
                    var a: Float = 0, b: Float = 0
                    for i in 0..<m { a += dy[i] * (src[i] - mean) * rstd; b += dy[i] }
                    sdx[p] = a; sdy[p] = b
                    guard let gx else { continue }
                    let gamma = pw?[p % c] ?? 1
                    // dx = γ·rstd/m · (m·dy − Σdy − x̂·Σ(dy·x̂))
                    let k = gamma * rstd / Float(m)
                    let mf = Float(m)
                    let dst = gx.data + p * m
                    for i in 0..<m {
                        let xhat = (src[i] - mean) * rstd
                        dst[i] = k * (mf * dy[i] - b - xhat * a)
                    }
                }
            }
        }
        var result: [Tensor?] = [gx]
        if weight != nil {
            var gw: Tensor? = nil
            if needs[result.count] {
                let t = Tensor.zeros([c])
                for p in 0..<planes { t.data[p % c] += sdx[p] }
                gw = Tensor(shape: weight!.shape, storage: t.storage)
            }
            result.append(gw)
        }
        if bias != nil {
            var gb: Tensor? = nil
            if needs[result.count] {
                let t = Tensor.zeros([c])
                for p in 0..<planes { t.data[p % c] += sdy[p] }
                gb = Tensor(shape: bias!.shape, storage: t.storage)
            }
            result.append(gb)
        }
        withExtendedLifetime(sums) {}
        return result
    }
}
