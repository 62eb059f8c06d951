// Softmax and log-softmax along one dimension, computed stably (the maximum is subtracted).
// Shapes: output = input.
import Foundation

/// Calls `body(base, stride)` for every line along `axis`: the line's elements are at
/// `base + k * stride` for k in 0..<shape[axis].
@inline(__always)
func forEachLine(_ shape: [Int], axis: Int, _ body: (_ base: Int, _ stride: Int) -> Void) {
    let inner = shape[(axis + 1)...].elementCount
    let outer = shape[..<axis].elementCount
    let n = shape[axis]
    for o in 0..<outer {
        for i in 0..<inner { body(o * n * inner + i, inner) }
    }
}

extension Tensor {
    /// exp(x) / Σ exp(x) along `axis`.
    public func softmax(axis: Int) -> Tensor {
        let a = normalizedAxis(axis, rank: rank, op: "softmax")
        let n = shape[a]
        let y = Tensor(uninitializedShape: shape)
        let px = data, py = y.data
        forEachLine(shape, axis: a) { base, s in
            var m = -Float.infinity
            for k in 0..<n { m = Swift.max(m, px[base + k * s]) }
            var total: Float = 0
            for k in 0..<n {
                let e = Foundation.exp(px[base + k * s] - m)
                py[base + k * s] = e
                total += e
            }
            let inv = 1 / total
            for k in 0..<n { py[base + k * s] *= inv }
        }
        let shape = self.shape
        return y.recorded("softmax", [self]) { g, _ in
            // ∂x = y ⊙ (g − Σ g ⊙ y)
            let gx = Tensor(uninitializedShape: shape)
            let pg = g.data, pgx = gx.data
            forEachLine(shape, axis: a) { base, s in
                var dot: Float = 0
                for k in 0..<n { dot += pg[base + k * s] * py[base + k * s] }
                for k in 0..<n { pgx[base + k * s] = py[base + k * s] * (pg[base + k * s] - dot) }
            }
            return [gx]
        }
    }

    /// log(softmax(x)) along `axis`.
    public func logSoftmax(axis: Int) -> Tensor {
        let a = normalizedAxis(axis, rank: rank, op: "logSoftmax")
        let n = shape[a]
        let y = Tensor(uninitializedShape: shape)
        let px = data, py = y.data
        forEachLine(shape, axis: a) { base, s in
            var m = -Float.infinity
            for k in 0..<n { m = Swift.max(m, px[base + k * s]) }
            var total: Float = 0
            for k in 0..<n { total += Foundation.exp(px[base + k * s] - m) }
            let lse = m + Foundation.log(total)
            for k in 0..<n { py[base + k * s] = px[base + k * s] - lse }
        }
        let shape = self.shape
        return y.recorded("log_softmax", [self]) { g, _ in
            // ∂x = g − softmax ⊙ Σ g
            let gx = Tensor(uninitializedShape: shape)
            let pg = g.data, pgx = gx.data
            forEachLine(shape, axis: a) { base, s in
                var total: Float = 0
                for k in 0..<n { total += pg[base + k * s] }
                for k in 0..<n { pgx[base + k * s] = pg[base + k * s] - Foundation.exp(py[base + k * s]) * total }
            }
            return [gx]
        }
    }
}
