// Elementwise functions of one tensor: exp, log, sqrt, pow by a scalar, abs, clamp.
// Shapes: output = input.
import Foundation

extension Tensor {
    /// eˣ.
    public func exp() -> Tensor {
        let y = unaryMap(self) { Foundation.exp($0) }
        let saved = y.detached()  // not `y` itself: y → node → closure → y would never be freed
        return y.recorded("exp", [self]) { g, _ in [zipMap(g, saved, *)] }
    }

    /// Natural logarithm.
    public func log() -> Tensor {
        let x = self
        return unaryMap(x) { Foundation.log($0) }.recorded("log", [x]) { g, _ in [zipMap(g, x, /)] }
    }

    /// Square root.
    public func sqrt() -> Tensor {
        let y = unaryMap(self) { $0.squareRoot() }
        let saved = y.detached()  // not `y` itself: y → node → closure → y would never be freed
        return y.recorded("sqrt", [self]) { g, _ in [zipMap(g, saved) { gi, yi in gi / (2 * yi) }] }
    }

    /// xᵖ for a scalar exponent.
    public func pow(_ p: Float) -> Tensor {
        let x = self
        if p == 0 {  // x⁰ = 1 everywhere; PyTorch's gradient is 0 even at x = 0 (not 0 · 0⁻¹ = NaN)
            return unaryMap(x) { _ in 1 }.recorded("pow", [x]) { g, _ in [Tensor.zeros(g.shape)] }
        }
        if p == 2 {
            return unaryMap(x) { $0 * $0 }.recorded("pow", [x]) { g, _ in [zipMap(g, x) { gi, xi in 2 * xi * gi }] }
        }
        return unaryMap(x) { Foundation.pow($0, p) }.recorded("pow", [x]) { g, _ in
            [zipMap(g, x) { gi, xi in gi * p * Foundation.pow(xi, p - 1) }]
        }
    }

    /// |x|.
    ///
    /// The gradient at 0 is 0, as in PyTorch.
    public func abs() -> Tensor {
        let x = self
        return unaryMap(x) { Swift.abs($0) }.recorded("abs", [x]) { g, _ in
            [zipMap(g, x) { gi, xi in xi > 0 ? gi : (xi < 0 ? -gi : 0) }]
        }
    }

    /// Clamps into [low, high] (either bound optional).
    ///
    /// The gradient passes where the input
    /// lies strictly inside the interval: PyTorch (2.15) gives 0 on the bounds themselves.
    public func clamped(min low: Float? = nil, max high: Float? = nil) -> Tensor {
        let x = self
        let lo = low ?? -Float.infinity, hi = high ?? Float.infinity
        return unaryMap(x) { Swift.min(Swift.max($0, lo), hi) }.recorded("clamp", [x]) { g, _ in
            [zipMap(g, x) { gi, xi in (xi > lo && xi < hi) ? gi : 0 }]
        }
    }

    /// x², a shorthand for `pow(2)`.
    public func squared() -> Tensor { pow(2) }
}
