// Finite-difference gradient checks, and inputs that keep away from an op's kinks.
//
// The check compares the analytic gradient of L = Σ out ⊙ R (R a fixed random tensor of the
// output's shape) with a numerical one. The ops are Float32, so the numerical derivative uses
// the fourth-order central stencil
//     dL/dx ≈ (8·(L(x+h) − L(x−h)) − (L(x+2h) − L(x−2h))) / (12h)
// whose truncation error is O(h⁴) (about 1e-8 for h = 1e-2), with L summed in Double. What is
// left is the Float32 rounding of the outputs that the perturbation changes, about
// 18 · 6e-8 · |out| · (outputs changed) / (12h) — 1e-5 for a local op, 1e-3 for an op whose
// every output depends on every input (softmax, norms) on a few dozen elements. Hence tiny
// shapes and the default tolerance 1e-3 absolute + 1e-2 relative: far below the O(1) error
// of a wrong gradient.
import TensorCore
import XCTest

/// The default tolerance of ``checkFiniteDifferences``: 1e-3 absolute + 1e-2 relative.
public let finiteDifferenceTolerance = Tolerance(absolute: 1e-3, relative: 1e-2)

/// Checks the gradient of `f` with respect to every tensor in `inputs` (each element perturbed
/// in turn) against finite differences, failing the test with a message naming `name` and the
/// input's position.
///
/// The inputs are marked as requiring a gradient.
public func checkFiniteDifferences(
    _ name: String, _ inputs: [Tensor], step h: Float = 1e-2,
    tolerance: Tolerance = finiteDifferenceTolerance, seed: UInt64 = 7,
    file: StaticString = #filePath, line: UInt = #line, _ f: ([Tensor]) -> Tensor
) {
    for x in inputs { x.requiresGrad = true; x.grad = nil }
    let out = f(inputs)
    var stream = RandomStream(seed: seed, purpose: "finite differences R")
    let r = Tensor.normal(out.shape, using: &stream)
    let analytic = gradients(of: (out * r).sum(), withRespectTo: inputs)
    let rv = r.values.map(Double.init)

    func loss() -> Double {
        let y = withoutGradient { f(inputs) }
        var total = 0.0
        for (i, v) in y.values.enumerated() { total += Double(v) * rv[i] }
        return total
    }
    for (k, x) in inputs.enumerated() {
        guard let a = analytic[k] else {
            XCTFail("\(name): input \(k) \(x.shape) got no gradient", file: file, line: line)
            continue
        }
        var numeric = [Double](repeating: 0, count: x.count)
        for i in 0..<x.count {
            let v = x.data[i]
            func at(_ d: Float) -> Double { x.data[i] = v + d; return loss() }
            let l1 = at(h), lm1 = at(-h), l2 = at(2 * h), lm2 = at(-2 * h)
            x.data[i] = v
            numeric[i] = (8 * (l1 - lm1) - (l2 - lm2)) / (12 * Double(h))
        }
        if let message = comparisonFailure(
            path: "\(name): d/d(input \(k)) analytic vs numerical", actual: a.values.map(Double.init),
            actualShape: a.shape, expected: numeric, expectedShape: x.shape, tolerance: tolerance)
        {
            XCTFail(message, file: file, line: line)
        }
    }
}

// MARK: - Inputs

/// Fixed-seed random inputs for tests.
public struct TestInputs {
    var stream: RandomStream

    public init(seed: UInt64 = 1) { stream = RandomStream(seed: seed, purpose: "test inputs") }

    /// Normal samples.
    public mutating func normal(_ shape: [Int], std: Float = 1, mean: Float = 0) -> Tensor {
        Tensor.normal(shape, mean: mean, std: std, using: &stream)
    }

    /// Uniform samples in [low, high).
    public mutating func uniform(_ shape: [Int], _ low: Float, _ high: Float) -> Tensor {
        Tensor.uniform(shape, low: low, high: high, using: &stream)
    }

    /// Normal samples pushed `gap` away from zero (|v| ≥ gap): no element on the kink of
    /// relu, abs or PReLU, even after a finite-difference step smaller than `gap`.
    public mutating func awayFromZero(_ shape: [Int], gap: Float = 0.1) -> Tensor {
        let t = normal(shape)
        for i in 0..<t.count { t.data[i] = (t.data[i] < 0 ? -1 : 1) * (gap + Swift.abs(t.data[i])) }
        return t
    }

    /// A random permutation of an evenly spaced grid (spacing `gap`, centred on `centre`): no
    /// ties, so max, min and max pooling have one clear winner even after a small step.
    public mutating func distinct(_ shape: [Int], gap: Float = 0.1, centre: Float = 0) -> Tensor {
        let n = shape.elementCount
        let order = stream.permutation(n)
        let values = order.map { centre + (Float($0) - Float(n) / 2) * gap }
        return Tensor(shape: shape, values: values)
    }

    /// Integer class ids in 0..<classes, stored as Float.
    public mutating func classIDs(_ shape: [Int], classes: Int) -> Tensor {
        let t = Tensor(uninitializedShape: shape)
        for i in 0..<t.count { t.data[i] = Float(stream.nextInt(below: classes)) }
        return t
    }
}
