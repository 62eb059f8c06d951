// U-GAT-IT's layer-instance norm as one op with a fused forward and backward (`adaILN` and `ILN`
// in znxlwm/UGATIT-pytorch networks.py): with unbiased variances and eps inside the roots,
//   x̂_in = (x − μ_plane) / √(var_plane + eps),   x̂_ln = (x − μ_sample) / √(var_sample + eps),
//   y = γ·(ρ_c·x̂_in + (1 − ρ_c)·x̂_ln) + β, then optionally a ReLU or leaky ReLU,
// where the plane is one (sample, channel) H×W map and the sample all its C·H·W values. γ and β
// are [C] (ILN) or [N·C], one pair per plane (adaILN, from the generator's MLP); ρ is [C].
// Per plane y = x·A + B, so the forward is one affine pass after the statistics; the backward
// keeps x (and, with an activation, the output) instead of the composed expression's two
// standardised copies, their mix and its scaled copy.
//
// Backward, with d = dy·act′, w = γρ and u = γ(1 − ρ) per plane, m = H·W, M = C·H·W:
//   dβ = Σ d,   dγ = ρ·Σ d·x̂_in + (1 − ρ)·Σ d·x̂_ln,   dρ_c = Σ_n γ·(Σ d·x̂_in − Σ d·x̂_ln)
//   dx = w·r_in·(d − Σd/m − x̂_in·Σ(d·x̂_in)/(m − 1))
//      + r_ln·(u·d − Σ_sample(u·Σd)/M − x̂_ln·Σ_sample(u·Σ d·x̂_ln)/(M − 1))
// (r the reciprocal roots), evaluated as one per-plane pass dx = S·d − b − (x − μ_plane)·a.
import CKernels
import Foundation

/// U-GAT-IT's mix of instance and layer normalisation, `rho` [C], with per-channel ([C]) or
/// per-plane ([N·C]) `weight` and `bias`, followed by `activation` in the same pass.
public func instanceLayerNorm(
    _ x: Tensor, rho: Tensor, weight: Tensor, bias: Tensor, eps: Float = 1e-5,
    activation: NormActivation = .none
) -> Tensor {
    check(x.rank >= 3, "instanceLayerNorm: input must be [N, C, H, W], got \(x.shape)")
    let n = x.shape[0], c = x.shape[1], m = x.shape[2...].elementCount
    let planes = n * c, perSample = c * m
    check(m > 1, "instanceLayerNorm: the unbiased variance needs more than one value per plane, got \(x.shape)")
    check(rho.count == c, "instanceLayerNorm: rho \(rho.shape) does not match \(c) channels")
    let affine = weight.count
    check(affine == c || affine == planes, "instanceLayerNorm: weight \(weight.shape) for \(n)×\(c) planes")
    check(bias.count == affine, "instanceLayerNorm: bias \(bias.shape) does not match weight \(weight.shape)")
    let grain = Swift.max(1, 16384 / m)

    // Statistics in double: per plane μ_in, r_in; per sample μ_ln, r_ln (repeated per plane).
    var meanIn = [Double](repeating: 0, count: planes), meanLn = [Double](repeating: 0, count: planes)
    var rIn = [Double](repeating: 0, count: planes), rLn = [Double](repeating: 0, count: planes)
    Profiler.measure(.norm) {
        var sums = [Double](repeating: 0, count: planes), squares = [Double](repeating: 0, count: planes)
        sums.withUnsafeMutableBufferPointer { s in
            let s = s
            Parallel.forEach(planes, grain: grain) { r in i2i_plane_sums(x.data, m, r.lowerBound, r.upperBound, s.baseAddress!) }
        }
        for i in 0..<n {
            let samples = (i * c)..<((i + 1) * c)
            let mu = sums[samples].reduce(0, +) / Double(perSample)
            for p in samples { meanIn[p] = sums[p] / Double(m); meanLn[p] = mu }
        }
        for (mean, out) in [(meanIn, 0), (meanLn, 1)] {
            mean.withUnsafeBufferPointer { mu in
                squares.withUnsafeMutableBufferPointer { s in
                    let mu = mu, s = s
                    Parallel.forEach(planes, grain: grain) { r in
                        i2i_plane_centered_squares(x.data, m, r.lowerBound, r.upperBound, mu.baseAddress!, s.baseAddress!)
                    }
                }
            }
            if out == 0 {
                for p in 0..<planes { rIn[p] = 1 / (squares[p] / Double(m - 1) + Double(eps)).squareRoot() }
            } else {
                for i in 0..<n {
                    let samples = (i * c)..<((i + 1) * c)
                    let r = 1 / (squares[samples].reduce(0, +) / Double(perSample - 1) + Double(eps)).squareRoot()
                    for p in samples { rLn[p] = r }
                }
            }
        }
    }
    func gammaOf(_ p: Int) -> Double { Double(weight.data[p % affine]) }
    func rhoOf(_ p: Int) -> Double { Double(rho.data[p % c]) }

    let scale = Tensor(uninitializedShape: [planes]), shift = Tensor(uninitializedShape: [planes])
    for p in 0..<planes {
        let g = gammaOf(p), r = rhoOf(p)
        let a = g * (r * rIn[p] + (1 - r) * rLn[p])
        scale.data[p] = Float(a)
        shift.data[p] = Float(Double(bias.data[p % affine]) - g * (r * meanIn[p] * rIn[p] + (1 - r) * meanLn[p] * rLn[p]))
    }
    let out = Tensor(uninitializedShape: x.shape)
    Profiler.measure(.norm) {
        Parallel.forEach(planes, grain: grain) { r in
            i2i_plane_affine(x.data, m, r.lowerBound, r.upperBound, scale.data, shift.data, activation.code, activation.slope, out.data)
        }
    }
    // The output is read (detached: out → node → closure → out would be a cycle) only for the
    // activation's mask.
    let saved: Tensor? = activation == .none ? nil : out.detached()
    return out.recorded("instance_layer_norm", [x, rho, weight, bias]) { g, needs in
        // Per plane, in double (ρ's gradient is their difference): Σ d·x̂_in, Σ d, Σ d·x̂_ln.
        let stats = Tensor(uninitializedShape: [4, planes])
        for p in 0..<planes {
            stats.data[p] = Float(meanIn[p])
            stats.data[planes + p] = Float(rIn[p])
            stats.data[2 * planes + p] = Float(meanLn[p])
            stats.data[3 * planes + p] = Float(rLn[p])
        }
        // [Σ d·x̂_in | Σ d | Σ d·x̂_ln | Σ d again], planes each.
        let sums = UnsafeMutablePointer<Double>.allocate(capacity: 4 * planes)
        defer { sums.deallocate() }
        Profiler.measure(.norm) {
            Parallel.forEach(planes, grain: grain) { r in
                let y = saved.map { UnsafePointer($0.data) }
                i2i_plane_norm_sums(
                    x.data, y, g.data, m, r.lowerBound, r.upperBound, stats.data, stats.data + planes, activation.code,
                    activation.slope, sums, sums + planes)
                i2i_plane_norm_sums(
                    x.data, y, g.data, m, r.lowerBound, r.upperBound, stats.data + 2 * planes, stats.data + 3 * planes,
                    activation.code, activation.slope, sums + 2 * planes, sums + 3 * planes)
            }
        }
        let dIn = sums, sumD = sums + planes, dLn = sums + 2 * planes
        var gx: Tensor?
        if needs[0] {
            let dxScale = Tensor(uninitializedShape: [planes]), dxB = Tensor(uninitializedShape: [planes])
            let dxA = Tensor(uninitializedShape: [planes]), centre = Tensor(uninitializedShape: [planes])
            let one = Tensor(shape: [planes], repeating: 1)
            for i in 0..<n {
                let samples = (i * c)..<((i + 1) * c)
                var g1 = 0.0, g2 = 0.0  // Σ u·Σd and Σ u·Σ d·x̂_ln over the sample
                for p in samples {
                    let u = gammaOf(p) * (1 - rhoOf(p))
                    g1 += u * sumD[p]
                    g2 += u * dLn[p]
                }
                for p in samples {
                    let w = gammaOf(p) * rhoOf(p), u = gammaOf(p) * (1 - rhoOf(p))
                    let kIn = w * rIn[p] * dIn[p] / Double(m - 1), kLn = rLn[p] * g2 / Double(perSample - 1)
                    dxScale.data[p] = Float(w * rIn[p] + u * rLn[p])
                    dxA.data[p] = Float(rIn[p] * kIn + rLn[p] * kLn)
                    dxB.data[p] = Float(
                        w * rIn[p] * sumD[p] / Double(m) + rLn[p] * g1 / Double(perSample)
                            + (meanIn[p] - meanLn[p]) * rLn[p] * kLn)
                    centre.data[p] = Float(meanIn[p])
                }
            }
            let dx = Tensor(uninitializedShape: x.shape)
            Profiler.measure(.norm) {
                Parallel.forEach(planes, grain: grain) { r in
                    i2i_plane_norm_dx(
                        x.data, saved.map { UnsafePointer($0.data) }, g.data, m, r.lowerBound, r.upperBound, centre.data,
                        one.data, dxScale.data, dxB.data, dxA.data, activation.code, activation.slope, dx.data)
                }
            }
            withExtendedLifetime(one) {}
            gx = dx
        }
        var grho: Tensor?, gw: Tensor?, gb: Tensor?
        if needs[1] {
            let t = Tensor.zeros(rho.shape)
            for p in 0..<planes { t.data[p % c] += Float(gammaOf(p) * (dIn[p] - dLn[p])) }
            grho = t
        }
        if needs[2] {
            let t = Tensor.zeros(weight.shape)
            for p in 0..<planes {
                t.data[p % affine] += Float(rhoOf(p) * dIn[p] + (1 - rhoOf(p)) * dLn[p])
            }
            gw = t
        }
        if needs[3] {
            let t = Tensor.zeros(bias.shape)
            for p in 0..<planes { t.data[p % affine] += Float(sumD[p]) }
            gb = t
        }
        withExtendedLifetime((stats, saved)) {}
        return [gx, grho, gw, gb]
    }
}
