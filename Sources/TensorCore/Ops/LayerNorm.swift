// MUNIT's layer norm as one op with a fused forward and backward (`LayerNorm` in
// NVlabs/MUNIT networks.py, also UNIT's decoder): per sample, over all M = C·H·W values,
// x̂ = (x − mean) / (std + eps) with the unbiased std, then x̂·γ_c + β_c per channel, then
// optionally a ReLU or leaky ReLU. The composed expression keeps x − mean, x̂ and the
// activation's output for its backward; this op keeps x (which its producer usually holds
// anyway) and, with an activation, its output — and reads memory a few times instead of a dozen.
// Shapes: x [N, C, ...], γ and β [C] → same shape as x.
//
// Backward, per sample, with s = std + eps, d = dy·act′, g = d·γ_c:
//   dx = g/s − mean(g)/s − x̂·Σ(g·x̂)/((M − 1)·std)
//   dγ_c = Σ over samples and plane c of d·x̂,   dβ_c = Σ d
// (the std's derivative is (x − mean)/((M − 1)·std); the mean's part through it vanishes).
// Statistics are accumulated in double by CKernels' per-plane loops, then per sample here.
import CKernels
import Foundation

/// Layer norm of `x` over each sample's C×H×W values with the unbiased std added to `eps`
/// (MUNIT's), optional per-channel affine parameters, and `activation` in the same pass.
///
/// The gradient of the activation is taken where its output is positive, as in
/// ``instanceNorm(_:weight:bias:eps:activation:)``.
public func layerNorm(
    _ x: Tensor, weight: Tensor? = nil, bias: Tensor? = nil, eps: Float = 1e-5,
    activation: NormActivation = .none
) -> Tensor {
    check(x.rank >= 2, "layerNorm: input must be [N, C, ...], got \(x.shape)")
    let n = x.shape[0], c = x.shape[1], m = x.shape[2...].elementCount
    let perSample = c * m
    check(perSample > 1, "layerNorm: the unbiased std needs more than one value per sample, got \(x.shape)")
    if let weight { check(weight.count == c, "layerNorm: weight \(weight.shape) does not match \(c) channels") }
    if let bias { check(bias.count == c, "layerNorm: bias \(bias.shape) does not match \(c) channels") }
    let planes = n * c
    let grain = Swift.max(1, 16384 / Swift.max(m, 1))

    // Per plane: the sample's mean and 1/(std + eps); per sample: the std.
    let mean = Tensor(uninitializedShape: [planes]), reciprocal = Tensor(uninitializedShape: [planes])
    var std = [Double](repeating: 0, count: n)
    let scale = Tensor(uninitializedShape: [planes]), shift = Tensor(uninitializedShape: [planes])
    let out = Tensor(uninitializedShape: x.shape)
    Profiler.measure(.norm) {
        var sums = [Double](repeating: 0, count: planes)
        sums.withUnsafeMutableBufferPointer { s in
            let s = s
            Parallel.forEach(planes, grain: grain) { r in
                i2i_plane_sums(x.data, m, r.lowerBound, r.upperBound, s.baseAddress!)
            }
        }
        var planeMean = [Double](repeating: 0, count: planes)
        for i in 0..<n {
            let mu = sums[(i * c)..<((i + 1) * c)].reduce(0, +) / Double(perSample)
            for p in (i * c)..<((i + 1) * c) { planeMean[p] = mu }
        }
        planeMean.withUnsafeBufferPointer { mu in
            sums.withUnsafeMutableBufferPointer { s in
                let mu = mu, s = s
                Parallel.forEach(planes, grain: grain) { r in
                    i2i_plane_centered_squares(x.data, m, r.lowerBound, r.upperBound, mu.baseAddress!, s.baseAddress!)
                }
            }
        }
        for i in 0..<n {
            std[i] = (sums[(i * c)..<((i + 1) * c)].reduce(0, +) / Double(perSample - 1)).squareRoot()
            let r = 1 / (std[i] + Double(eps))
            for ch in 0..<c {
                let p = i * c + ch
                let k = r * Double(weight?.data[ch] ?? 1)
                mean.data[p] = Float(planeMean[p])
                reciprocal.data[p] = Float(r)
                scale.data[p] = Float(k)
                shift.data[p] = Float(Double(bias?.data[ch] ?? 0) - planeMean[p] * k)
            }
        }
        Parallel.forEach(planes, grain: grain) { r in
            i2i_plane_affine(
                x.data, m, r.lowerBound, r.upperBound, scale.data, shift.data, activation.code, activation.slope, out.data)
        }
    }
    var inputs = [x]
    if let weight { inputs.append(weight) }
    if let bias { inputs.append(bias) }
    // The output is read (detached, so that out → node → closure → out is no cycle) only for
    // the activation's mask.
    let saved: Tensor? = activation == .none ? nil : out.detached()
    return out.recorded("layer_norm", inputs) { g, needs in
        // Per plane: Σ d·x̂ and Σ d.
        let sums = Tensor(uninitializedShape: [2, planes])
        Profiler.measure(.norm) {
            Parallel.forEach(planes, grain: grain) { r in
                i2i_instance_norm_backward(
                    x.data, saved.map { UnsafePointer($0.data) }, g.data, m, Int32(c), Int32(r.lowerBound), Int32(r.upperBound),
                    nil, mean.data, reciprocal.data, activation.code, activation.slope, nil, sums.data, sums.data + planes)
            }
        }
        var gx: Tensor?
        if needs[0] {
            let dxScale = Tensor(uninitializedShape: [planes]), dxB = Tensor(uninitializedShape: [planes])
            let dxA = Tensor(uninitializedShape: [planes])
            for i in 0..<n {
                // Σ g and Σ g·x̂ over the sample, g = d·γ_c.
                var sumG = 0.0, sumGXhat = 0.0
                for ch in 0..<c {
                    let gamma = Double(weight?.data[ch] ?? 1), p = i * c + ch
                    sumG += gamma * Double(sums.data[planes + p])
                    sumGXhat += gamma * Double(sums.data[p])
                }
                let r = Double(reciprocal.data[i * c])
                let b = sumG / Double(perSample) * r
                let a = sumGXhat / (Double(perSample - 1) * std[i])
                for ch in 0..<c {
                    let p = i * c + ch
                    dxScale.data[p] = Float(Double(weight?.data[ch] ?? 1) * r)
                    dxB.data[p] = Float(b)
                    dxA.data[p] = Float(a)
                }
            }
            let dx = Tensor(uninitializedShape: x.shape)
            Profiler.measure(.norm) {
                Parallel.forEach(planes, grain: grain) { r in
                    i2i_plane_norm_dx(
                        x.data, saved.map { UnsafePointer($0.data) }, g.data, m, r.lowerBound, r.upperBound, mean.data,
                        reciprocal.data, dxScale.data, dxB.data, dxA.data, activation.code, activation.slope, dx.data)
                }
            }
            gx = dx
        }
        var result: [Tensor?] = [gx]
        if let weight {
            result.append(needs[result.count] ? channelTotals(sums.data, planes: planes, channels: c, shape: weight.shape) : nil)
        }
        if let bias {
            result.append(needs[result.count] ? channelTotals(sums.data + planes, planes: planes, channels: c, shape: bias.shape) : nil)
        }
        withExtendedLifetime((sums, mean, reciprocal, saved)) {}
        return result
    }
}
