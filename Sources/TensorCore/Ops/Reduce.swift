// Reductions over all or some dimensions: sum, mean, max, min, variance (biased or unbiased).
// Shapes: input [d0, …, dn]; output drops the reduced dimensions, or keeps them as 1 with
// `keepDims`. Sums accumulate in Double so that large images do not lose precision.
import CKernels

/// Shape bookkeeping shared by the reductions.
private struct ReductionPlan {
    let axes: [Int]
    let keptShape: [Int]  // reduced axes set to 1
    let outputShape: [Int]  // kept or dropped per keepDims
    let outputStrides: [Int]  // strides into the output for each input axis (0 on reduced axes)
    let reducedCount: Int

    init(_ shape: [Int], axes requested: [Int]?, keepDims: Bool, op: String) {
        let rank = shape.count
        var axes = (requested ?? Array(0..<rank)).map { normalizedAxis($0, rank: rank, op: op) }
        axes = Array(Set(axes)).sorted()
        var kept = shape
        for a in axes { kept[a] = 1 }
        self.axes = axes
        self.keptShape = kept
        self.outputShape = keepDims ? kept : shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
        var strides = kept.contiguousStrides
        for a in axes { strides[a] = 0 }
        self.outputStrides = strides
        self.reducedCount = axes.reduce(1) { $0 * shape[$1] }
    }
}

/// Writes `into[outputIndex(i)] = combine(into[...], x[i])` for every input element.
@inline(__always)
private func reduceRows(
    _ x: Tensor, _ plan: ReductionPlan,
    _ body: (_ input: UnsafeMutablePointer<Float>, _ out: Int, _ run: Int, _ outStep: Int) -> Void
) {
    forEachBroadcastRow(shape: x.shape, aStrides: x.shape.contiguousStrides, bStrides: plan.outputStrides) {
        o, _, ib, run, _, stepB in body(x.data + o, ib, run, stepB)
    }
}

/// Copies `g` (of `keptShape`) across the reduced axes to `shape`.
func expandGradient(_ g: Tensor, from keptShape: [Int], to shape: [Int]) -> Tensor {
    let gk = Tensor(shape: keptShape, storage: g.storage)
    return broadcastBinary(Tensor(shape: shape, repeating: 0), gk, op: "expand") { _, v in v }
}

extension Tensor {
    /// Sum over `axes` (all when nil).
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let plan = ReductionPlan(shape, axes: axes, keepDims: keepDims, op: "sum")
        let out = Tensor(uninitializedShape: plan.outputShape)
        // Reducing trailing axes only (a full sum, or H and W of NCHW): contiguous planes.
        if let first = plan.axes.first, plan.axes == Array(first..<rank), count > 0 {
            let sums = planeSums(data, planes: shape[..<first].elementCount, planeSize: shape[first...].elementCount)
            for i in 0..<out.count { out.data[i] = Float(sums[i]) }
            let inputShape = shape
            return out.recorded("sum", [self]) { g, _ in [expandGradient(g, from: plan.keptShape, to: inputShape)] }
        }
        Profiler.measure(.reduction) {
            let acc = UnsafeMutablePointer<Double>.allocate(capacity: plan.keptShape.elementCount)
            acc.initialize(repeating: 0, count: plan.keptShape.elementCount)
            defer { acc.deallocate() }
            reduceRows(self, plan) { p, o, run, step in
                if step == 0 {
                    var s: Double = 0
                    for j in 0..<run { s += Double(p[j]) }
                    acc[o] += s
                } else {
                    for j in 0..<run { acc[o + j * step] += Double(p[j]) }
                }
            }
            for i in 0..<out.count { out.data[i] = Float(acc[i]) }
        }
        let inputShape = shape
        return out.recorded("sum", [self]) { g, _ in [expandGradient(g, from: plan.keptShape, to: inputShape)] }
    }

    /// Sum over one axis.
    public func sum(axis: Int, keepDims: Bool = false) -> Tensor { sum(axes: [axis], keepDims: keepDims) }

    /// Mean over `axes` (all when nil).
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let plan = ReductionPlan(shape, axes: axes, keepDims: keepDims, op: "mean")
        let n = Float(plan.reducedCount)
        return withoutGradient { sum(axes: axes, keepDims: keepDims).divided(by: n) }
            .recordedReduction("mean", self, plan) { g in unaryMap(g) { $0 / n } }
    }

    /// Mean over one axis.
    public func mean(axis: Int, keepDims: Bool = false) -> Tensor { mean(axes: [axis], keepDims: keepDims) }

    /// Variance over `axes` (all when nil): unbiased (divides by n − 1) by default, as
    /// `torch.var`; pass `unbiased: false` for the biased variance of instance norm.
    public func variance(axes: [Int]? = nil, unbiased: Bool = true, keepDims: Bool = false) -> Tensor {
        let plan = ReductionPlan(shape, axes: axes, keepDims: keepDims, op: "variance")
        let n = plan.reducedCount
        let denominator = Float(unbiased ? n - 1 : n)
        let x = self
        let centered: Tensor = withoutGradient {
            let m = x.mean(axes: axes, keepDims: true)
            return x - m
        }
        let out = withoutGradient { centered.squared().sum(axes: axes, keepDims: keepDims).divided(by: denominator) }
        return out.recordedReduction("variance", x, plan) { g in
            // ∂var/∂x = 2 (x − mean) / denominator
            let gk = Tensor(shape: plan.keptShape, storage: g.storage)
            return broadcastBinary(centered, gk, op: "variance backward") { c, gi in 2 * c * gi / denominator }
        }
    }

    /// Maximum over `axes` (all when nil).
    ///
    /// The gradient is shared equally among tied maxima.
    public func max(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        extremum(axes: axes, keepDims: keepDims, op: "max", initial: -.infinity) { Swift.max($0, $1) }
    }

    /// Minimum over `axes` (all when nil).
    ///
    /// The gradient is shared equally among tied minima.
    public func min(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        extremum(axes: axes, keepDims: keepDims, op: "min", initial: .infinity) { Swift.min($0, $1) }
    }

    private func extremum(
        axes: [Int]?, keepDims: Bool, op: String, initial: Float,
        _ pick: (Float, Float) -> Float
    ) -> Tensor {
        let plan = ReductionPlan(shape, axes: axes, keepDims: keepDims, op: op)
        check(plan.reducedCount > 0, "\(op): cannot reduce an empty tensor of shape \(shape)")
        let out = Tensor(shape: plan.outputShape, repeating: initial)
        let po = out.data
        reduceRows(self, plan) { p, o, run, step in
            if step == 0 {
                var m = po[o]
                for j in 0..<run { m = pick(m, p[j]) }
                po[o] = m
            } else {
                for j in 0..<run { po[o + j * step] = pick(po[o + j * step], p[j]) }
            }
        }
        let x = self
        let bestStorage = out.storage  // not `out` itself: out → node → closure → out would never be freed
        return out.recordedReduction(op, x, plan) { g in
            let best = Tensor(shape: plan.keptShape, storage: bestStorage)
            let mask = broadcastBinary(x, best, op: "\(op) backward") { v, m in v == m ? 1 : 0 }
            let ties = withoutGradient { mask.sum(axes: plan.axes, keepDims: true) }
            let share = zipMap(Tensor(shape: plan.keptShape, storage: g.storage), ties, /)
            return broadcastBinary(mask, share, op: "\(op) backward", *)
        }
    }

    /// Records a reduction whose backward maps the output gradient to an input-shaped one;
    /// `gradient` receives the output gradient and returns either a kept-shape tensor (which is
    /// then expanded) or an input-shaped tensor.
    fileprivate func recordedReduction(
        _ op: String, _ input: Tensor, _ plan: ReductionPlan,
        _ gradient: @escaping (Tensor) -> Tensor
    ) -> Tensor {
        let inputShape = input.shape
        return recorded(op, [input]) { g, _ in
            let r = gradient(g)
            if r.shape == inputShape { return [r] }
            return [expandGradient(r, from: plan.keptShape, to: inputShape)]
        }
    }
}

/// Σ of each of `planes` contiguous runs of `planeSize` floats, in double, split across cores.
func planeSums(_ x: UnsafePointer<Float>, planes: Int, planeSize: Int) -> [Double] {
    var sums = [Double](repeating: 0, count: planes)
    Profiler.measure(.reduction) {
        sums.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            Parallel.forEach(planes, grain: Swift.max(1, 32768 / Swift.max(planeSize, 1))) { r in
                i2i_plane_sums(x, planeSize, r.lowerBound, r.upperBound, base)
            }
        }
    }
    return sums
}
