// Losses: mean squared error, L1, binary cross-entropy with logits (numerically stable),
// negative log-likelihood with per-pixel weights, and the hinge terms of hinge GANs.
// All return a scalar (shape []).
import Foundation

/// mean((x − target)²).
///
/// The target broadcasts (LSGAN uses a constant).
public func mseLoss(_ x: Tensor, _ target: Tensor) -> Tensor { (x - target).squared().mean() }

/// mean((x − c)²) against a constant target.
public func mseLoss(_ x: Tensor, target c: Float) -> Tensor { x.adding(-c).squared().mean() }

/// mean(|x − target|).
public func l1Loss(_ x: Tensor, _ target: Tensor) -> Tensor { (x - target).abs().mean() }

/// mean(max(x, 0) − x·t + log(1 + e^−|x|)): the stable form of BCE(sigmoid(x), t).
public func bceWithLogitsLoss(_ x: Tensor, _ target: Tensor) -> Tensor {
    check(
        x.shape == target.shape || target.count == 1,
        "bceWithLogitsLoss: logits \(x.shape) and target \(target.shape) differ")
    let t = target.count == 1 ? Tensor(shape: x.shape, repeating: target.data[0]) : target
    let n = Float(x.count)
    let px = x.data, pt = t.data
    var total: Double = 0
    for i in 0..<x.count {
        let v = px[i]
        total += Double(Swift.max(v, 0) - v * pt[i] + Foundation.log1p(Foundation.exp(-Swift.abs(v))))
    }
    let out = Tensor(scalar: Float(total / Double(n)))
    return out.recorded("bce_with_logits", [x, target]) { g, needs in
        let s = g.data[0] / n
        var gx: Tensor? = nil, gt: Tensor? = nil
        if needs[0] {  // ∂/∂x = sigmoid(x) − t
            gx = zipMap(x, t) { v, ti in
                let sig = v >= 0 ? 1 / (1 + Foundation.exp(-v)) : Foundation.exp(v) / (1 + Foundation.exp(v))
                return (sig - ti) * s
            }
        }
        if needs[1] { gt = unaryMap(x) { -$0 * s } }
        return [gx, gt]
    }
}

/// mean over pixels of BCE against a constant target.
public func bceWithLogitsLoss(_ x: Tensor, target c: Float) -> Tensor {
    bceWithLogitsLoss(x, Tensor(scalar: c))
}

/// −Σ w·logp[target] / Σ w over pixels: logProbs [N, C, ...], target class ids [N, ...],
/// weight [N, ...] (nil: all ones, giving the mean).
public func nllLoss(_ logProbs: Tensor, target: Tensor, weight: Tensor? = nil) -> Tensor {
    let n = logProbs.shape[0], c = logProbs.shape[1], m = logProbs.shape[2...].elementCount
    check(target.count == n * m, "nllLoss: target \(target.shape) does not match log-probabilities \(logProbs.shape)")
    if let weight { check(weight.count == n * m, "nllLoss: weight \(weight.shape) does not match target \(target.shape)") }
    var index = [Int](repeating: 0, count: n * m)
    var total: Double = 0, norm: Double = 0
    for s in 0..<n {
        for i in 0..<m {
            let k = Int(target.data[s * m + i])
            check(k >= 0 && k < c, "nllLoss: class id \(k) is outside 0..<\(c)")
            let w: Double = weight.map { Double($0.data[s * m + i]) } ?? 1
            let pos = (s * c + k) * m + i
            index[s * m + i] = pos
            let lp = Double(logProbs.data[pos])
            total -= w * lp
            norm += w
        }
    }
    let out = Tensor(scalar: norm > 0 ? Float(total / norm) : 0)
    let inputShape = logProbs.shape
    return out.recorded("nll_loss", [logProbs]) { g, _ in
        let gx = Tensor.zeros(inputShape)
        if norm > 0 {
            let s = g.data[0] / Float(norm)
            for (j, pos) in index.enumerated() { gx.data[pos] -= s * (weight?.data[j] ?? 1) }
        }
        return [gx]
    }
}

/// Hinge loss of a discriminator on real samples: mean(relu(1 − x)).
public func hingeRealLoss(_ x: Tensor) -> Tensor { x.subtracted(from: 1).relu().mean() }

/// Hinge loss of a discriminator on fake samples: mean(relu(1 + x)).
public func hingeFakeLoss(_ x: Tensor) -> Tensor { x.adding(1).relu().mean() }

/// Hinge loss of a generator: −mean(x).
public func hingeGeneratorLoss(_ x: Tensor) -> Tensor { x.mean().negated() }
