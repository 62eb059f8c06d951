// Binary arithmetic with broadcasting (add, sub, mul, div) and arithmetic with a scalar.
// Each op's backward sits directly below its forward; backward returns broadcast-shaped
// gradients and the autodiff engine sums them down to each input's shape.

/// Elementwise `f(a, b)` under broadcasting, into fresh storage.
///
/// Shape: broadcast(a, b).
@inline(__always)
func broadcastBinary(_ a: Tensor, _ b: Tensor, op: String, _ f: (Float, Float) -> Float) -> Tensor {
    Profiler.measure(.elementwise) { broadcastBinaryKernel(a, b, op: op, f) }
}

@inline(__always)
private func broadcastBinaryKernel(_ a: Tensor, _ b: Tensor, op: String, _ f: (Float, Float) -> Float) -> Tensor {
    let pa = a.data, pb = b.data
    if a.shape == b.shape {
        let out = Tensor(uninitializedShape: a.shape)
        let po = out.data
        Parallel.forEach(out.count, grain: 1 << 15) { r in
            for i in r { po[i] = f(pa[i], pb[i]) }
        }
        return out
    }
    let shape = broadcastShape(a.shape, b.shape, op: op)
    let out = Tensor(uninitializedShape: shape)
    let po = out.data
    if b.count == 1 && shape == a.shape {
        let s = pb[0]
        Parallel.forEach(out.count, grain: 1 << 15) { r in
            for i in r { po[i] = f(pa[i], s) }
        }
        return out
    }
    if a.count == 1 && shape == b.shape {
        let s = pa[0]
        Parallel.forEach(out.count, grain: 1 << 15) { r in
            for i in r { po[i] = f(s, pb[i]) }
        }
        return out
    }
    let sa = broadcastStrides(a.shape, to: shape), sb = broadcastStrides(b.shape, to: shape)
    forEachBroadcastRow(shape: shape, aStrides: sa, bStrides: sb) { o, ia, ib, run, stepA, stepB in
        if stepA == 1 && stepB == 1 {
            for j in 0..<run { po[o + j] = f(pa[ia + j], pb[ib + j]) }
        } else if stepA == 1 && stepB == 0 {
            let s = pb[ib]
            for j in 0..<run { po[o + j] = f(pa[ia + j], s) }
        } else if stepA == 0 && stepB == 1 {
            let s = pa[ia]
            for j in 0..<run { po[o + j] = f(s, pb[ib + j]) }
        } else {
            for j in 0..<run { po[o + j] = f(pa[ia + j * stepA], pb[ib + j * stepB]) }
        }
    }
    return out
}

/// Elementwise `f(x)` into fresh storage.
@inline(__always)
func unaryMap(_ x: Tensor, _ f: (Float) -> Float) -> Tensor {
    Profiler.measure(.elementwise) {
        let out = Tensor(uninitializedShape: x.shape)
        let px = x.data, po = out.data
        Parallel.forEach(x.count, grain: 1 << 15) { r in
            for i in r { po[i] = f(px[i]) }
        }
        return out
    }
}

/// Elementwise `f(x, y)` for two tensors of the same element count, into fresh storage.
@inline(__always)
func zipMap(_ x: Tensor, _ y: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
    Profiler.measure(.elementwise) {
        let out = Tensor(uninitializedShape: x.shape)
        let px = x.data, py = y.data, po = out.data
        Parallel.forEach(x.count, grain: 1 << 15) { r in
            for i in r { po[i] = f(px[i], py[i]) }
        }
        return out
    }
}

// MARK: - Tensor ⊕ Tensor

/// a + b with broadcasting.
public func add(_ a: Tensor, _ b: Tensor) -> Tensor {
    broadcastBinary(a, b, op: "add", +).recorded("add", [a, b]) { g, _ in [g, g] }
}

/// a − b with broadcasting.
public func sub(_ a: Tensor, _ b: Tensor) -> Tensor {
    broadcastBinary(a, b, op: "sub", -).recorded("sub", [a, b]) { g, needs in
        [g, needs[1] ? unaryMap(g) { -$0 } : nil]
    }
}

/// a · b elementwise with broadcasting.
public func mul(_ a: Tensor, _ b: Tensor) -> Tensor {
    broadcastBinary(a, b, op: "mul", *).recorded("mul", [a, b]) { g, needs in
        [
            needs[0] ? broadcastBinary(g, b, op: "mul backward", *) : nil,
            needs[1] ? broadcastBinary(g, a, op: "mul backward", *) : nil,
        ]
    }
}

/// a / b elementwise with broadcasting.
public func div(_ a: Tensor, _ b: Tensor) -> Tensor {
    broadcastBinary(a, b, op: "div", /).recorded("div", [a, b]) { g, needs in
        let ga = needs[0] ? broadcastBinary(g, b, op: "div backward", /) : nil
        var gb: Tensor? = nil
        if needs[1] {
            // ∂(a/b)/∂b = −a/b²
            let q = broadcastBinary(a, b, op: "div backward") { x, y in -x / (y * y) }
            gb = broadcastBinary(g, q, op: "div backward", *)
        }
        return [ga, gb]
    }
}

// MARK: - Tensor ⊕ scalar

extension Tensor {
    /// self + s.
    public func adding(_ s: Float) -> Tensor {
        unaryMap(self) { $0 + s }.recorded("add_scalar", [self]) { g, _ in [g] }
    }

    /// self · s.
    public func scaled(by s: Float) -> Tensor {
        unaryMap(self) { $0 * s }.recorded("mul_scalar", [self]) { g, _ in [unaryMap(g) { $0 * s }] }
    }

    /// self / s.
    public func divided(by s: Float) -> Tensor {
        unaryMap(self) { $0 / s }.recorded("div_scalar", [self]) { g, _ in [unaryMap(g) { $0 / s }] }
    }

    /// s − self.
    public func subtracted(from s: Float) -> Tensor {
        unaryMap(self) { s - $0 }.recorded("rsub_scalar", [self]) { g, _ in [unaryMap(g) { -$0 }] }
    }

    /// s / self.
    public func dividing(_ s: Float) -> Tensor {
        let x = self
        return unaryMap(x) { s / $0 }.recorded("rdiv_scalar", [x]) { g, _ in
            [zipMap(g, x) { gi, xi in -gi * s / (xi * xi) }]
        }
    }

    /// −self.
    public func negated() -> Tensor {
        unaryMap(self) { -$0 }.recorded("neg", [self]) { g, _ in [unaryMap(g) { -$0 }] }
    }
}

// MARK: - Operators

public func + (a: Tensor, b: Tensor) -> Tensor { add(a, b) }
public func - (a: Tensor, b: Tensor) -> Tensor { sub(a, b) }
public func * (a: Tensor, b: Tensor) -> Tensor { mul(a, b) }
public func / (a: Tensor, b: Tensor) -> Tensor { div(a, b) }
public func + (a: Tensor, s: Float) -> Tensor { a.adding(s) }
public func + (s: Float, a: Tensor) -> Tensor { a.adding(s) }
public func - (a: Tensor, s: Float) -> Tensor { a.adding(-s) }
public func - (s: Float, a: Tensor) -> Tensor { a.subtracted(from: s) }
public func * (a: Tensor, s: Float) -> Tensor { a.scaled(by: s) }
public func * (s: Float, a: Tensor) -> Tensor { a.scaled(by: s) }
public func / (a: Tensor, s: Float) -> Tensor { a.divided(by: s) }
public func / (s: Float, a: Tensor) -> Tensor { a.dividing(s) }
public prefix func - (a: Tensor) -> Tensor { a.negated() }
