// Reverse-mode automatic differentiation.
//
// Rules, in the spirit of llm.c's layer files:
// - Every op that reads a tensor requiring a gradient records a `GradNode` on its output: the
//   inputs in argument order (an array, never a set) and a backward closure that maps the
//   output's gradient to one optional gradient per input.
// - `backward` orders the graph by an iterative depth-first walk that follows each node's input
//   array, so the order (and with it the order in which float gradients are summed) is the same
//   on every run and every rank.
// - A backward closure may return a gradient of the *broadcast* shape; the engine sums it down
//   to the input's shape in one place (`reduced(to:)`), so no op handles that itself.
// - Gradients of intermediate tensors are written once per consumer and summed in walk order;
//   gradients of leaves are *accumulated* (`+=`) into `grad` until the caller zeroes them — a
//   leaf that already has a `grad` buffer takes each contribution as it arrives, so a weight used
//   several times never has its gradient held twice. An op recorded with
//   `recorded(_:_:backwardAccumulating:)` is handed that buffer and writes its contribution
//   straight into it (a GEMM with beta 1), so not even one contribution is held on its own.
// - After a backward pass the walked graph is released (nodes dropped, saved tensors freed).

/// One recorded operation: its inputs and how to send a gradient back to them.
final class GradNode {
    let op: String
    let inputs: [Tensor]
    /// Maps the output's gradient to one gradient per input.
    ///
    /// `needs[i]` is false when input
    /// `i` does not lead to any tensor whose gradient was asked for; the closure may then skip
    /// that work and return nil.
    let backward: (_ gradient: Tensor, _ needs: [Bool], _ into: [Tensor?]) -> [Tensor?]
    /// Whether ``backward`` adds into the `into` buffers it is handed (otherwise it ignores them).
    let accumulates: Bool

    init(
        op: String, inputs: [Tensor], accumulates: Bool = false,
        backward: @escaping (Tensor, [Bool], [Tensor?]) -> [Tensor?]
    ) {
        self.op = op
        self.inputs = inputs
        self.accumulates = accumulates
        self.backward = backward
    }
}

/// Whether operations record the graph.
///
/// Training code turns it off with ``withoutGradient(_:)``.
public enum GradMode {
    /// True while operations record graph nodes.
    public static var isEnabled: Bool { depthWithoutGradient == 0 }
    static var depthWithoutGradient = 0
}

/// Runs `body` without recording the graph (evaluation, image pools, metrics).
public func withoutGradient<T>(_ body: () throws -> T) rethrows -> T {
    GradMode.depthWithoutGradient += 1
    defer { GradMode.depthWithoutGradient -= 1 }
    return try body()
}

extension Tensor {
    /// Attaches a graph node to `self` (an op's fresh output) when recording is on and any of
    /// `inputs` requires a gradient.
    ///
    /// Returns `self` for chaining. This is how an op declares
    /// its backward: `backward` maps the output's gradient to one optional gradient per input
    /// (in `inputs` order); `needs[i]` says whether input `i`'s gradient is wanted at all.
    @discardableResult
    public func recorded(
        _ op: String, _ inputs: [Tensor],
        backward: @escaping (_ gradient: Tensor, _ needs: [Bool]) -> [Tensor?]
    ) -> Tensor {
        guard GradMode.isEnabled else { return self }
        var any = false
        for t in inputs where t.requiresGrad { any = true; break }
        if any { node = GradNode(op: op, inputs: inputs) { g, needs, _ in backward(g, needs) } }
        return self
    }

    /// Like ``recorded(_:_:backward:)``, for an op that can add an input's gradient straight
    /// into a buffer.
    ///
    /// `into[i]`, when not nil, is the `grad` of input `i` (a leaf with a
    /// gradient buffer of its shape, during an accumulating backward pass); the closure then
    /// adds its contribution for input `i` into `into[i]` and returns nil for it. The engine
    /// treats the leaf as if it had added the gradient itself (same order, same ready signal).
    @discardableResult
    public func recorded(
        _ op: String, _ inputs: [Tensor],
        backwardAccumulating backward: @escaping (_ gradient: Tensor, _ needs: [Bool], _ into: [Tensor?]) -> [Tensor?]
    ) -> Tensor {
        guard GradMode.isEnabled else { return self }
        var any = false
        for t in inputs where t.requiresGrad { any = true; break }
        if any { node = GradNode(op: op, inputs: inputs, accumulates: true, backward: backward) }
        return self
    }

    /// Back-propagates from this tensor and accumulates into the `grad` of every leaf that
    /// requires a gradient.
    ///
    /// `seed` defaults to ones (a scalar loss).
    public func backward(_ seed: Tensor? = nil) {
        _ = Backpropagation(root: self, seed: seed, targets: nil, retainGraph: false, accumulate: true, onLeafReady: nil)
    }

    /// Back-propagates and accumulates only into the `grad` of `targets` (for example the
    /// generators' parameters during a GAN's generator step).
    ///
    /// Work that leads to no target is skipped, and the graph is released.
    ///
    /// `onLeafReady` is called once per target leaf, as soon as its gradient is final and has
    /// been added into its `grad` — in the same deterministic order on every run — so that a
    /// gradient all-reduce can start while the rest of the backward pass runs.
    public func backward(
        _ seed: Tensor? = nil, accumulatingInto targets: [Tensor],
        onLeafReady: ((Tensor) -> Void)? = nil
    ) {
        _ = Backpropagation(
            root: self, seed: seed, targets: targets, retainGraph: false, accumulate: true,
            onLeafReady: onLeafReady)
    }
}

/// The gradients of `output` with respect to each of `targets` (nil where no path exists),
/// without touching any `grad` field.
///
/// Set `retainGraph` to walk the same graph again later.
public func gradients(
    of output: Tensor, withRespectTo targets: [Tensor], seed: Tensor? = nil,
    retainGraph: Bool = false
) -> [Tensor?] {
    let result = Backpropagation(
        root: output, seed: seed, targets: targets, retainGraph: retainGraph,
        accumulate: false, onLeafReady: nil)
    return targets.map { result.gradients[ObjectIdentifier($0)] }
}

/// One backward pass over the graph below `root`.
private struct Backpropagation {
    var gradients: [ObjectIdentifier: Tensor] = [:]

    /// Walks the graph.
    ///
    /// With `accumulate`, each needed leaf's gradient is added into its
    /// `grad` the moment it is final (all its consumers are behind the walk) and then
    /// `onLeafReady` is called; otherwise gradients are kept in `gradients`.
    init(
        root: Tensor, seed: Tensor?, targets: [Tensor]?, retainGraph: Bool, accumulate: Bool,
        onLeafReady: ((Tensor) -> Void)?
    ) {
        check(root.requiresGrad, "backward: the tensor does not require a gradient (no parameter or input reached it)")
        let seed = seed ?? Tensor(shape: root.shape, repeating: 1)
        check(seed.shape == root.shape, "backward: seed shape \(seed.shape) differs from output shape \(root.shape)")

        let order = Backpropagation.postOrder(from: root)
        // needed[t]: t is a target, or (targets unrestricted and t requires grad), or one of
        // t's inputs is needed. Post-order visits inputs first.
        var needed = Set<ObjectIdentifier>()
        let targetIDs = targets.map { Set($0.map(ObjectIdentifier.init)) }
        for t in order {
            let id = ObjectIdentifier(t)
            if let targetIDs {
                if targetIDs.contains(id) { needed.insert(id); continue }
            } else if t.isLeaf {
                needed.insert(id); continue
            }
            if let node = t.node, node.inputs.contains(where: { needed.contains(ObjectIdentifier($0)) }) {
                needed.insert(id)
            }
        }

        gradients[ObjectIdentifier(root)] = seed
        // Leaves whose contributions were added straight into their `grad` buffer (below).
        var addedDirectly = Set<ObjectIdentifier>()
        for t in order.reversed() {
            let id = ObjectIdentifier(t)
            guard needed.contains(id) else { continue }
            guard let node = t.node else {
                if accumulate, let g = gradients.removeValue(forKey: id) {
                    Backpropagation.accumulate(g, into: t)
                    onLeafReady?(t)
                } else if addedDirectly.contains(id) {
                    onLeafReady?(t)
                }
                continue
            }
            guard let g = gradients[id] else { continue }
            if targetIDs?.contains(id) != true { gradients[id] = nil }
            let needs = node.inputs.map { needed.contains(ObjectIdentifier($0)) }
            // Where the op can add a leaf's contribution straight into its gradient buffer,
            // hand it that buffer (the same condition as the direct add below).
            var into = [Tensor?](repeating: nil, count: node.inputs.count)
            if accumulate && node.accumulates {
                for (i, input) in node.inputs.enumerated() where needs[i] && input.node == nil {
                    if let grad = input.grad, grad.shape == input.shape, gradients[ObjectIdentifier(input)] == nil {
                        into[i] = grad
                    }
                }
            }
            // Without recording: a backward closure written with public ops (now that
            // `recorded` is public) would otherwise build graph nodes on the gradients.
            let inputGrads = withoutGradient { node.backward(g, needs, into) }
            check(
                inputGrads.count == node.inputs.count,
                "backward of \(node.op) returned \(inputGrads.count) gradients for \(node.inputs.count) inputs")
            for (i, input) in node.inputs.enumerated() where needs[i] {
                guard let gi = inputGrads[i] else {
                    if into[i] != nil { addedDirectly.insert(ObjectIdentifier(input)) }
                    continue
                }
                let reduced = gi.reduced(to: input.shape, op: node.op)
                let key = ObjectIdentifier(input)
                if accumulate, input.node == nil, let grad = input.grad, gradients[key] == nil {
                    // A leaf that already has a gradient buffer (a parameter): each contribution
                    // is added into it as it arrives, in the same order as summing them first,
                    // instead of holding the running sum until the walk reaches the leaf (a
                    // 268 M-weight layer used three times in a step would hold several copies).
                    // The leaf is still reported ready only once all its consumers are done.
                    check(grad.count == reduced.count, "backward: grad of shape \(grad.shape) cannot take \(reduced.shape)")
                    addInPlace(grad.data, reduced.data, count: reduced.count)
                    addedDirectly.insert(key)
                    continue
                }
                if let existing = gradients[key] {
                    gradients[key] = existing.addingWithoutGraph(reduced)
                } else {
                    gradients[key] = reduced
                }
            }
        }
        if !retainGraph {
            for t in order where t.node != nil { t.node = nil }
        }
    }

    /// Adds a leaf's gradient into its `grad` (allocating it on first use).
    static func accumulate(_ g: Tensor, into leaf: Tensor) {
        if let existing = leaf.grad {
            check(existing.count == g.count, "backward: grad of shape \(existing.shape) cannot take \(g.shape)")
            addInPlace(existing.data, g.data, count: g.count)
        } else {
            leaf.grad = Tensor(shape: leaf.shape, storage: g.copy().storage)
        }
    }

    /// Tensors reachable from `root` through nodes, each after all of its inputs.
    static func postOrder(from root: Tensor) -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>([ObjectIdentifier(root)])
        var stack: [(tensor: Tensor, next: Int)] = [(root, 0)]
        while !stack.isEmpty {
            let top = stack.count - 1
            let (t, next) = stack[top]
            if let node = t.node, next < node.inputs.count {
                stack[top].next += 1
                let child = node.inputs[next]
                if child.requiresGrad && visited.insert(ObjectIdentifier(child)).inserted {
                    stack.append((child, 0))
                }
            } else {
                stack.removeLast()
                order.append(t)
            }
        }
        return order
    }
}

extension Tensor {
    /// `self` summed over broadcast dimensions so that it has `target` shape.
    ///
    /// Used by the engine for every op, so no op reduces broadcast gradients itself.
    func reduced(to target: [Int], op: String) -> Tensor {
        if shape == target { return self }
        if count == target.elementCount {
            return Tensor(shape: target, storage: storage)
        }
        check(shape.count >= target.count, "\(op) backward: gradient \(shape) cannot reduce to \(target)")
        let offset = shape.count - target.count
        var axes: [Int] = Array(0..<offset)
        for i in 0..<target.count where target[i] == 1 && shape[i + offset] != 1 { axes.append(i + offset) }
        let summed = withoutGradient { self.sum(axes: axes, keepDims: true) }
        return Tensor(shape: target, storage: summed.storage)
    }

    /// Elementwise sum into fresh storage, outside the graph (gradient accumulation).
    func addingWithoutGraph(_ other: Tensor) -> Tensor {
        check(other.count == count, "gradient accumulation: shapes \(shape) and \(other.shape) differ")
        return Profiler.measure(.backwardEngine) {
            let out = Tensor(uninitializedShape: shape)
            let a = data, b = other.data, o = out.data
            Parallel.forEach(count, grain: 1 << 15) { r in
                for i in r { o[i] = a[i] + b[i] }
            }
            return out
        }
    }
}

/// `a[i] += b[i]` for `count` elements, split across cores.
func addInPlace(_ a: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, count: Int) {
    Profiler.measure(.backwardEngine) {
        Parallel.forEach(count, grain: 1 << 15) { r in
            for i in r { a[i] += b[i] }
        }
    }
}
