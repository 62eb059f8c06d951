// Instance normalisation with a fused forward and backward: per (sample, channel) plane,
// x̂ = (x − mean) / sqrt(var + eps) with the biased variance, then optionally x̂·γ + β, and
// optionally a ReLU or leaky ReLU fused in (CycleGAN's IN → ReLU, PatchGAN's IN → LeakyReLU):
// one pass over memory less each way, and no separate pre-activation tensor.
// Shapes: x [N, C, H, W] (any trailing spatial dims), γ and β [C] — or [N·C], one pair per
// plane, for adaptive instance norm (MUNIT's AdaIN) — → same shape as x.
// The per-plane loops are CKernels' vectorised C (statistics accumulated in double).
import CKernels
import Foundation

/// An activation applied to instance norm's output inside the same op.
public enum NormActivation: Equatable, Sendable {
    case none
    /// max(x, 0).
    case relu
    /// x for x > 0, slope·x otherwise.
    case leakyRelu(Float)

    var code: Int32 {
        switch self {
        case .none: return 0
        case .relu: return 1
        case .leakyRelu: return 2
        }
    }

    var slope: Float {
        if case .leakyRelu(let s) = self { return s }
        return 0
    }
}

/// Instance norm of `x` with optional per-channel affine parameters.
public func instanceNorm(_ x: Tensor, weight: Tensor? = nil, bias: Tensor? = nil, eps: Float = 1e-5) -> Tensor {
    instanceNorm(x, weight: weight, bias: bias, eps: eps, activation: .none)
}

/// Instance norm of `x` with optional per-channel affine parameters, followed by `activation`
/// in the same pass.
///
/// The gradient of the activation is taken where its output is positive
/// (as PyTorch's in-place ReLU and LeakyReLU do).
public func instanceNorm(
    _ x: Tensor, weight: Tensor? = nil, bias: Tensor? = nil, eps: Float = 1e-5,
    activation: NormActivation
) -> Tensor {
    check(x.rank >= 3, "instanceNorm: input must be [N, C, ...], got \(x.shape)")
    let n = x.shape[0], c = x.shape[1], m = x.shape[2...].elementCount
    let planes = n * c
    // The affine parameters' period over the planes: per channel, or per plane (AdaIN).
    let affine = weight?.count ?? bias?.count ?? c
    check(affine == c || affine == planes, "instanceNorm: affine parameters of \(affine) values for \(n)×\(c) planes")
    if let weight { check(weight.count == affine, "instanceNorm: weight \(weight.shape) does not match \(affine) planes") }
    if let bias { check(bias.count == affine, "instanceNorm: bias \(bias.shape) does not match \(affine) planes") }
    // mean, then 1/std, per plane.
    let stats = Tensor(uninitializedShape: [2, planes])
    let out = Tensor(uninitializedShape: x.shape)
    let grain = Swift.max(1, 16384 / Swift.max(m, 1))
    Profiler.measure(.norm) {
        Parallel.forEach(planes, grain: grain) { r in
            i2i_instance_norm_forward(
                x.data, m, Int32(affine), Int32(r.lowerBound), Int32(r.upperBound),
                weight.map { UnsafePointer($0.data) }, bias.map { UnsafePointer($0.data) }, eps,
                activation.code, activation.slope, out.data, stats.data, stats.data + planes)
        }
    }
    var inputs = [x]
    if let weight { inputs.append(weight) }
    if let bias { inputs.append(bias) }
    // The backward reads the output (not `out` itself: out → node → closure → out would never
    // be freed) only for the activation's mask.
    let saved: Tensor? = activation == .none ? nil : out.detached()
    return out.recorded("instance_norm", inputs) { g, needs in
        let gx = needs[0] ? Tensor(uninitializedShape: x.shape) : nil
        // Per-plane Σ dy·x̂ and Σ dy, reused for γ and β.
        let sums = Tensor(uninitializedShape: [2, planes])
        Profiler.measure(.norm) {
            Parallel.forEach(planes, grain: grain) { r in
                i2i_instance_norm_backward(
                    x.data, saved.map { UnsafePointer($0.data) }, g.data, m, Int32(affine),
                    Int32(r.lowerBound), Int32(r.upperBound), weight.map { UnsafePointer($0.data) },
                    stats.data, stats.data + planes, activation.code, activation.slope,
                    gx?.data, sums.data, sums.data + planes)
            }
        }
        var result: [Tensor?] = [gx]
        if let weight {
            result.append(needs[result.count] ? channelTotals(sums.data, planes: planes, channels: affine, shape: weight.shape) : nil)
        }
        if let bias {
            result.append(
                needs[result.count]
                    ? channelTotals(sums.data + planes, planes: planes, channels: affine, shape: bias.shape) : nil)
        }
        withExtendedLifetime((sums, stats, saved)) {}
        return result
    }
}

/// Σ over samples of per-plane values (plane p belongs to parameter p mod `channels`), shaped `shape`
/// (also the layer norm's γ and β gradients).
func channelTotals(_ perPlane: UnsafePointer<Float>, planes: Int, channels: Int, shape: [Int]) -> Tensor {
    let t = Tensor.zeros(shape)
    for p in 0..<planes { t.data[p % channels] += perPlane[p] }
    return t
}
