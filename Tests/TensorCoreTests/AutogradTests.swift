// Exact, hand-computed checks of the autodiff engine: broadcast gradients reduce to each
// input's shape, a tensor used twice accumulates, an input that does not reach the loss gets
// no gradient, detach stops the gradient, leaf gradients accumulate across passes, targets-only
// backward and gradients(of:withRespectTo:) touch only what they should, the order is
// deterministic, and the graph is released.
import TensorCore
import TestSupport
import XCTest

final class AutogradTests: XCTestCase {
    func testSmokeSquare() {
        let x = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6], requiresGrad: true)
        (x * x).sum().backward()
        assertExactly(x.grad, shape: [2, 3], [2, 4, 6, 8, 10, 12], path: "d(x²)/dx")
    }

    // MARK: - Broadcasting

    func testBroadcastGradientsReduceToInputShapes() {
        // a [2, 3] + b [3]: ∂/∂b sums over the rows.
        let a = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6], requiresGrad: true)
        let b = Tensor(shape: [3], values: [10, 20, 30], requiresGrad: true)
        let w = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        ((a + b) * w).sum().backward()
        assertExactly(a.grad, shape: [2, 3], [1, 2, 3, 4, 5, 6], path: "add a")
        assertExactly(b.grad, shape: [3], [5, 7, 9], path: "add b [3]")

        // c [2, 1] · d [1, 3] → [2, 3]: ∂/∂c[i] = Σ_j d[j], ∂/∂d[j] = Σ_i c[i].
        let c = Tensor(shape: [2, 1], values: [2, 3], requiresGrad: true)
        let d = Tensor(shape: [1, 3], values: [1, 10, 100], requiresGrad: true)
        (c * d).sum().backward()
        assertExactly(c.grad, shape: [2, 1], [111, 111], path: "mul c [2, 1]")
        assertExactly(d.grad, shape: [1, 3], [5, 5, 5], path: "mul d [1, 3]")

        // A per-channel [3, 1, 1] term on [2, 3, 2, 2], and a 0-d scalar.
        let x = Tensor.ones([2, 3, 2, 2])
        let s = Tensor(shape: [3, 1, 1], values: [1, 2, 3], requiresGrad: true)
        let k = Tensor(shape: [], values: [2], requiresGrad: true)
        ((x - s) / k).sum().backward()
        assertExactly(s.grad, shape: [3, 1, 1], [-4, -4, -4], path: "sub s [3, 1, 1]")
        // ∂/∂k Σ (1 − s)/k = −Σ (1 − s)/k² = −(8·0 + 8·(−1) + 8·(−2))/4 = 6
        assertExactly(k.grad, shape: [], [6], path: "div k []")
    }

    func testExpandGradientSumsOverStretchedAxes() {
        let x = Tensor(shape: [3, 1], values: [1, 2, 3], requiresGrad: true)
        let w = Tensor(shape: [2, 3, 4], values: (0..<24).map(Float.init))
        (x.expanded(to: [2, 3, 4]) * w).sum().backward()
        // Σ over i, k of w[i, j, k] = Σ_k (4j + k) + (12 + 4j + k) = 32j + 60
        assertExactly(x.grad, shape: [3, 1], [60, 92, 124], path: "expand")
    }

    // MARK: - Accumulation

    func testTensorUsedTwiceAccumulates() {
        let x = Tensor(shape: [3], values: [1, 2, 3], requiresGrad: true)
        (x + x).sum().backward()
        assertExactly(x.grad, shape: [3], [2, 2, 2], path: "x + x")

        // Two branches that meet again: y = 3x, z = x², L = Σ y·z = Σ 3x³ → 9x².
        let a = Tensor(shape: [3], values: [1, 2, 3], requiresGrad: true)
        let y = a * 3
        let z = a * a
        (y * z).sum().backward()
        assertExactly(a.grad, shape: [3], [9, 36, 81], path: "3x · x²")

        // An intermediate used twice: h = 2a; L = Σ h + Σ h² → 2 + 8a.
        let b = Tensor(shape: [2], values: [1, -1], requiresGrad: true)
        let h = b * 2
        (h.sum() + (h * h).sum()).backward()
        assertExactly(b.grad, shape: [2], [10, -6], path: "h used twice")
    }

    func testLeafGradientsAccumulateAcrossPasses() {
        let x = Tensor(shape: [2], values: [1, 2], requiresGrad: true)
        (x * 3).sum().backward()
        (x * x).sum().backward()
        assertExactly(x.grad, shape: [2], [5, 7], path: "3 + 2x after two passes")
        x.grad = nil
        (x * 3).sum().backward()
        assertExactly(x.grad, shape: [2], [3, 3], path: "after zeroing")
    }

    // MARK: - What gets no gradient

    func testInputThatDoesNotReachTheLossGetsNoGradient() {
        let x = Tensor(shape: [2], values: [1, 2], requiresGrad: true)
        let unused = Tensor(shape: [2], values: [5, 6], requiresGrad: true)
        _ = unused * 2
        (x * 2).sum().backward()
        XCTAssertNil(unused.grad, "a parameter that does not reach the loss must keep grad == nil")
        let g = gradients(of: (x * 2).sum(), withRespectTo: [x, unused])
        assertExactly(g[0], shape: [2], [2, 2], path: "gradients(of:) x")
        XCTAssertNil(g[1], "gradients(of:) must return nil for an input with no path to the output")
        XCTAssertNil(unused.grad)
    }

    func testDetachStopsGradient() {
        let x = Tensor(shape: [2], values: [1, 2], requiresGrad: true)
        let y = x * x
        let d = y.detached()
        XCTAssertFalse(d.requiresGrad)
        (d * x).sum().backward()  // L = Σ x²(detached) · x → ∂/∂x = x² only
        assertExactly(x.grad, shape: [2], [1, 4], path: "detached branch")
    }

    func testNoGradientModeRecordsNothing() {
        let x = Tensor(shape: [2], values: [1, 2], requiresGrad: true)
        let y = withoutGradient { x * 2 }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertTrue(y.isLeaf)
    }

    // MARK: - Targets-only backward and gradients(of:)

    func testBackwardAccumulatingIntoTargetsOnly() {
        let g = Tensor(shape: [2], values: [1, 2], requiresGrad: true)  // "generator"
        let d = Tensor(shape: [2], values: [3, 4], requiresGrad: true)  // "discriminator"
        d.grad = Tensor(shape: [2], values: [100, 100])
        let loss = ((g * d) * d).sum()
        loss.backward(accumulatingInto: [g])
        assertExactly(g.grad, shape: [2], [9, 16], path: "target g")
        assertExactly(d.grad, shape: [2], [100, 100], path: "non-target d is untouched")
    }

    func testLeafReadyCallbackFiresOncePerTargetWithFinalGradient() {
        let a = Tensor(shape: [2], values: [1, 2], requiresGrad: true)
        let b = Tensor(shape: [2], values: [3, 4], requiresGrad: true)
        let frozen = Tensor(shape: [2], values: [5, 6], requiresGrad: true)
        // a is used by two consumers: its callback must come after both have contributed.
        let h = a * b
        let loss = (h * a + h * frozen).sum()
        var seen: [(String, [Float])] = []
        loss.backward(accumulatingInto: [a, b]) { leaf in
            seen.append((leaf === a ? "a" : leaf === b ? "b" : "other", leaf.grad!.values))
        }
        // L = Σ a²b + a·b·f: ∂a = 2ab + bf = [6+15, 16+24], ∂b = a² + af = [1+5, 4+12].
        XCTAssertEqual(seen.map(\.0).sorted(), ["a", "b"], "one callback per target leaf, none for others")
        for (name, values) in seen {
            XCTAssertEqual(values, name == "a" ? [21, 40] : [6, 16], "\(name)'s grad must be final when reported")
        }
        XCTAssertNil(frozen.grad)
    }

    /// An op defined outside the core whose backward uses public (recording) ops: the engine
    /// must run backward closures without recording, so the gradients carry no graph.
    func testBackwardClosuresDoNotRecordGraph() {
        let x = Tensor(shape: [2], values: [1, 2], requiresGrad: true)
        let w = Tensor(shape: [2], values: [3, 4], requiresGrad: true)
        let y = withoutGradient { x * w }.recorded("custom_mul", [x, w]) { g, _ in [g * w, g * x] }
        let g = gradients(of: y.sum(), withRespectTo: [x, w])
        assertExactly(g[0], shape: [2], [3, 4], path: "custom op ∂x")
        assertExactly(g[1], shape: [2], [1, 2], path: "custom op ∂w")
        XCTAssertFalse(g[0]!.requiresGrad || g[1]!.requiresGrad, "gradients must not carry graph nodes")
    }

    func testGradientsOfDoesNotTouchGradFields() {
        let x = Tensor(shape: [2], values: [1, 2], requiresGrad: true)
        let mid = x * x
        let out = (mid * 3).sum()
        let g = gradients(of: out, withRespectTo: [x, mid], retainGraph: true)
        assertExactly(g[0], shape: [2], [6, 12], path: "d/dx")
        assertExactly(g[1], shape: [2], [3, 3], path: "d/d(intermediate)")
        XCTAssertNil(x.grad)
        // The retained graph can be walked again, and then it is released.
        let again = gradients(of: out, withRespectTo: [x])
        assertExactly(again[0], shape: [2], [6, 12], path: "second walk of a retained graph")
        XCTAssertTrue(out.isLeaf, "the graph must be released after a pass without retainGraph")
    }

    func testSeededBackward() {
        let x = Tensor(shape: [3], values: [1, 2, 3], requiresGrad: true)
        (x * x).backward(Tensor(shape: [3], values: [1, 0, -1]))
        assertExactly(x.grad, shape: [3], [2, 0, -6], path: "seeded")
    }

    // MARK: - Determinism and graph release

    func testBackwardIsDeterministic() {
        func run() -> [Float] {
            var inputs = TestInputs(seed: 3)
            let x = inputs.normal([4, 5])
            x.requiresGrad = true
            let w = inputs.normal([5, 5])
            var h = x
            for _ in 0..<4 { h = (matmul(h, w).tanh() + h).softmax(axis: 1) }
            (h * h).sum().backward()
            return x.grad!.values
        }
        let first = run()
        for _ in 0..<3 { XCTAssertEqual(run(), first, "backward must give bit-identical gradients") }
    }

    func testGraphIsReleasedAfterBackward() {
        let x = Tensor(shape: [2], values: [1, 2], requiresGrad: true)
        let y = (x * 2).exp()
        let loss = y.sum()
        loss.backward()
        XCTAssertTrue(loss.isLeaf && y.isLeaf, "nodes must be dropped after backward")
        XCTAssertFalse(y.requiresGrad)
    }

    /// A graph that is built but never back-propagated (a loss computed only for logging, an
    /// abandoned step) must be freed when the caller drops its output.
    ///
    /// An op whose backward
    /// closure captures its own output tensor forms a cycle (output → node → closure → output)
    /// that never is.
    func testGraphWithoutBackwardIsFreed() {
        let ops: [(String, (Tensor) -> Tensor)] = [
            ("exp", { $0.exp() }), ("sqrt", { $0.abs().sqrt() }), ("relu", { $0.relu() }),
            ("sigmoid", { $0.sigmoid() }), ("tanh", { $0.tanh() }), ("softmax", { $0.softmax(axis: 1) }),
            ("logSoftmax", { $0.logSoftmax(axis: 1) }), ("max", { $0.max(axes: [1]) }),
            ("min", { $0.min() }), ("conv2d", { conv2d($0.reshaped([1, 1, 2, 3]), weight: Tensor.ones([1, 1, 1, 1])) }),
            ("maxPool2d", { $0.reshaped([1, 1, 2, 3]).maxPool2d(kernel: 2, stride: 1) }),
            ("instanceNorm", { instanceNorm($0.reshaped([1, 2, 3])) }),
        ]
        for (name, op) in ops {
            let x = Tensor(shape: [2, 3], values: [1, -2, 3, 0.5, 2, -1], requiresGrad: true)
            weak var weakOutput: Tensor?
            do {
                let y = op(x)
                weakOutput = y
                XCTAssertTrue(y.requiresGrad)
            }
            XCTAssertNil(weakOutput, "\(name): an output dropped without backward is never freed (reference cycle)")
        }
    }
}
