// SPADE's modulation as one op: a parameter-free normalisation of x followed by a per-pixel
// scale and shift, out = x̂·(1 + γ) + β (Park et al. 2019; microsoft/CoCosNet
// models/networks/normalization.py `SPADE.forward`: `normalized * (1 + gamma) + beta`).
// The normalisation is either
//   instance:   per (sample, channel) plane over H·W, biased variance (InstanceNorm2d, affine off);
//   positional: per (sample, position) over the C channels, unbiased variance (CoCosNet's
//               `PositionalNorm2d`: x.var(dim=1) is unbiased), x̂ = (x − μ) / sqrt(var + eps).
// Shapes: x, γ, β [N, C, H, W] → [N, C, H, W].
//
// Memory: the composed expression keeps x (or x − μ), x̂ and (1 + γ) — three full-size tensors
// per SPADE — for the backward; this op keeps x, γ and one (μ, 1/σ) pair per normalised group,
// and recomputes x̂ in the backward. With S the group size (H·W or C) and ĝ = g·(1 + γ):
//   dβ = g,   dγ = g·x̂,   dx = (1/σ)·(ĝ − mean(ĝ) − x̂·Σ(ĝ·x̂)/D)
// where the sums and the mean run over the group and D = S (biased) or S − 1 (unbiased).
// Statistics accumulate in double.
import Foundation

/// The parameter-free normalisation inside ``spadeModulation(_:gamma:beta:normalization:eps:)``.
public enum SPADENormalization: Sendable {
    /// Per (sample, channel) over H·W, biased variance.
    case instance
    /// Per (sample, position) over the channels, unbiased variance.
    case positional
}

/// norm(x)·(1 + γ) + β with the gradients of x, γ and β: [N, C, H, W] each → [N, C, H, W].
public func spadeModulation(
    _ x: Tensor, gamma: Tensor, beta: Tensor, normalization: SPADENormalization, eps: Float = 1e-5
) -> Tensor {
    check(x.rank == 4, "spadeModulation: x must be [N, C, H, W], got \(x.shape)")
    check(gamma.shape == x.shape && beta.shape == x.shape, "spadeModulation: γ \(gamma.shape) and β \(beta.shape) must be \(x.shape)")
    let n = x.shape[0], c = x.shape[1], m = x.shape[2] * x.shape[3]
    check(normalization == .instance || c > 1, "spadeModulation: positional norm needs at least 2 channels, got \(c)")
    let layout = GroupLayout(normalization: normalization, n: n, c: c, m: m)
    // mean and 1/σ per group, in double.
    let stats = GroupStatistics(groups: layout.groups)
    let out = Tensor(uninitializedShape: x.shape)
    let xp = x.data, gp = gamma.data, bp = beta.data, op = out.data, mean = stats.mean, rstd = stats.rstd
    Profiler.measure(.norm) {
        layout.forEachBlock { groups in
            layout.statistics(xp, groups, eps: eps, mean: mean, rstd: rstd)
            layout.forEachElement(groups) { i, gIndex in
                let xh = Float((Double(xp[i]) - mean[gIndex]) * rstd[gIndex])
                op[i] = xh * (1 + gp[i]) + bp[i]
            }
        }
    }
    return out.recorded("spade_modulation", [x, gamma, beta]) { g, needs in
        let gx = needs[0] ? Tensor(uninitializedShape: x.shape) : nil
        let gGamma = needs[1] ? Tensor(uninitializedShape: x.shape) : nil
        let dy = g.data
        Profiler.measure(.norm) {
            layout.forEachBlock { groups in
                if let gGamma {
                    let gg = gGamma.data
                    layout.forEachElement(groups) { i, gIndex in gg[i] = dy[i] * Float((Double(xp[i]) - mean[gIndex]) * rstd[gIndex]) }
                }
                guard let gx else { return }
                // Per group: Σ ĝ and Σ ĝ·x̂.
                var sumG = [Double](repeating: 0, count: groups.count), sumGX = sumG
                layout.forEachElement(groups) { i, gIndex in
                    let k = gIndex - groups.lowerBound
                    let gh = Double(dy[i] * (1 + gp[i])), xh = (Double(xp[i]) - mean[gIndex]) * rstd[gIndex]
                    sumG[k] += gh
                    sumGX[k] += gh * xh
                }
                let meanG = sumG.map { $0 / Double(layout.size) }
                let scaleGX = sumGX.map { $0 / Double(layout.divisor) }
                let gxp = gx.data
                layout.forEachElement(groups) { i, gIndex in
                    let k = gIndex - groups.lowerBound
                    let xh = (Double(xp[i]) - mean[gIndex]) * rstd[gIndex]
                    gxp[i] = Float(rstd[gIndex] * (Double(dy[i] * (1 + gp[i])) - meanG[k] - xh * scaleGX[k]))
                }
            }
        }
        withExtendedLifetime(stats) {}
        return [gx, gGamma, needs[2] ? g : nil]
    }
}

/// Each group's mean and 1/sqrt(var + eps) in double, alive as long as the backward needs them.
private final class GroupStatistics {
    let mean: UnsafeMutablePointer<Double>
    let rstd: UnsafeMutablePointer<Double>

    init(groups: Int) {
        mean = .allocate(capacity: Swift.max(groups, 1))
        rstd = .allocate(capacity: Swift.max(groups, 1))
    }

    deinit {
        mean.deallocate()
        rstd.deallocate()
    }
}

/// Where the normalised groups lie in an [N, C, H, W] buffer (M = H·W).
///
/// Instance: group p = n·C + c is the contiguous plane [p·M, (p + 1)·M). Positional: group
/// q = n·M + s holds elements n·C·M + c·M + s for c in 0..<C.
private struct GroupLayout {
    let normalization: SPADENormalization
    let n: Int, c: Int, m: Int

    var groups: Int { normalization == .instance ? n * c : n * m }
    /// Elements per group.
    var size: Int { normalization == .instance ? m : c }
    /// The variance's divisor: biased over a plane, unbiased over the channels.
    var divisor: Int { normalization == .instance ? m : c - 1 }

    /// Runs `body` on blocks of whole groups in parallel (a positional block never spans samples).
    func forEachBlock(_ body: (Range<Int>) -> Void) {
        let grain = Swift.max(1, 16384 / Swift.max(size, 1))
        Parallel.forEach(groups, grain: grain) { r in
            guard normalization == .positional else { return body(r) }
            var start = r.lowerBound
            while start < r.upperBound {
                let end = Swift.min(r.upperBound, (start / m + 1) * m)
                body(start..<end)
                start = end
            }
        }
    }

    /// Calls `body(element index, group index)` for every element of `groups`, in memory order
    /// within each channel plane (the inner loop runs over contiguous elements).
    @inline(__always)
    func forEachElement(_ groups: Range<Int>, _ body: (Int, Int) -> Void) {
        if normalization == .instance {
            for p in groups {
                for i in (p * m)..<((p + 1) * m) { body(i, p) }
            }
        } else {
            let sample = groups.lowerBound / m, s0 = groups.lowerBound % m, s1 = s0 + groups.count
            for ch in 0..<c {
                let base = sample * c * m + ch * m
                for s in s0..<s1 { body(base + s, sample * m + s) }
            }
        }
    }

    /// Each group's mean and 1/sqrt(var + eps), accumulated in double.
    func statistics(
        _ x: UnsafeMutablePointer<Float>, _ groups: Range<Int>, eps: Float, mean: UnsafeMutablePointer<Double>,
        rstd: UnsafeMutablePointer<Double>
    ) {
        var sum = [Double](repeating: 0, count: groups.count), squares = sum
        forEachElement(groups) { i, gIndex in
            let v = Double(x[i])
            sum[gIndex - groups.lowerBound] += v
            squares[gIndex - groups.lowerBound] += v * v
        }
        for (k, gIndex) in groups.enumerated() {
            let mu = sum[k] / Double(size)
            let variance = Swift.max(0, (squares[k] - Double(size) * mu * mu) / Double(divisor))
            mean[gIndex] = mu
            rstd[gIndex] = 1 / (variance + Double(eps)).squareRoot()
        }
    }
}
