// Activation functions: ReLU, leaky ReLU, PReLU (learnable slope), sigmoid, tanh.
// Shapes: output = input; PReLU's weight has 1 or C elements (C = dimension 1).
import Foundation

extension Tensor {
    /// max(x, 0).
    public func relu() -> Tensor {
        let y = unaryMap(self) { Swift.max($0, 0) }
        let saved = y.detached()  // not `y` itself: y → node → closure → y would never be freed
        return y.recorded("relu", [self]) { g, _ in [zipMap(g, saved) { gi, yi in yi > 0 ? gi : 0 }] }
    }

    /// x for x ≥ 0, slope·x otherwise.
    public func leakyRelu(_ slope: Float = 0.01) -> Tensor {
        let x = self
        return unaryMap(x) { $0 > 0 ? $0 : $0 * slope }.recorded("leaky_relu", [x]) { g, _ in
            [zipMap(g, x) { gi, xi in xi > 0 ? gi : gi * slope }]
        }
    }

    /// 1 / (1 + e⁻ˣ).
    public func sigmoid() -> Tensor {
        let y = unaryMap(self) { v in v >= 0 ? 1 / (1 + Foundation.exp(-v)) : Foundation.exp(v) / (1 + Foundation.exp(v)) }
        let saved = y.detached()  // not `y` itself: y → node → closure → y would never be freed
        return y.recorded("sigmoid", [self]) { g, _ in [zipMap(g, saved) { gi, yi in gi * yi * (1 - yi) }] }
    }

    /// Hyperbolic tangent.
    public func tanh() -> Tensor {
        let y = unaryMap(self) { Foundation.tanh($0) }
        let saved = y.detached()  // not `y` itself: y → node → closure → y would never be freed
        return y.recorded("tanh", [self]) { g, _ in [zipMap(g, saved) { gi, yi in gi * (1 - yi * yi) }] }
    }
}

/// Parametric ReLU: x for x > 0, a·x otherwise (at x = 0 the gradient takes the slope branch,
/// as PyTorch's), with `weight` holding one slope or one per
/// channel (dimension 1 of `x`).
///
/// Shapes: x [N, C, ...], weight [1] or [C].
public func prelu(_ x: Tensor, weight: Tensor) -> Tensor {
    let c = x.rank >= 2 ? x.shape[1] : 1
    check(
        weight.count == 1 || weight.count == c,
        "prelu: weight of shape \(weight.shape) matches neither 1 nor the \(c) channels of input \(x.shape)")
    let inner = x.rank >= 3 ? x.shape[2...].elementCount : 1
    let perChannel = weight.count != 1
    let out = Tensor(uninitializedShape: x.shape)
    let px = x.data, pw = weight.data, po = out.data
    let n = x.count
    for i in 0..<n {
        let a = pw[perChannel ? (i / inner) % c : 0]
        po[i] = px[i] >= 0 ? px[i] : a * px[i]
    }
    return out.recorded("prelu", [x, weight]) { g, needs in
        let pg = g.data
        var gx: Tensor? = nil, gw: Tensor? = nil
        if needs[0] {
            let t = Tensor(uninitializedShape: x.shape)
            for i in 0..<n {
                let a = pw[perChannel ? (i / inner) % c : 0]
                t.data[i] = px[i] > 0 ? pg[i] : a * pg[i]
            }
            gx = t
        }
        if needs[1] {
            let t = Tensor.zeros(weight.shape)
            for i in 0..<n where px[i] <= 0 {
                t.data[perChannel ? (i / inner) % c : 0] += pg[i] * px[i]
            }
            gw = t
        }
        return [gx, gw]
    }
}
