// Shape and layout ops: reshape (shares storage), permute and transpose, concat, slice,
// expand. Every op but reshape writes a contiguous copy.

extension Tensor {
    /// The same elements viewed with another shape (one dimension may be −1).
    ///
    /// Shares storage.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let unknown = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != unknown }.reduce(1) { $0 * $1.element }
            check(known > 0 && count % known == 0, "reshape: cannot view \(shape) as \(newShape)")
            resolved[unknown] = count / known
        }
        check(resolved.elementCount == count, "reshape: cannot view \(shape) (\(count) elements) as \(newShape)")
        let inputShape = shape
        return Tensor(shape: resolved, storage: storage).recorded("reshape", [self]) { g, _ in
            [Tensor(shape: inputShape, storage: g.storage)]
        }
    }

    /// Reorders dimensions: output dimension i is input dimension `order[i]`.
    public func permuted(_ order: [Int]) -> Tensor {
        check(order.sorted() == Array(0..<rank), "permute: \(order) is not a permutation of the \(rank) dimensions of \(shape)")
        let out = permuteCopy(self, order)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, o) in order.enumerated() { inverse[o] = i }
        return out.recorded("permute", [self]) { g, _ in [permuteCopy(g, inverse)] }
    }

    /// Swaps two dimensions.
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        let i = normalizedAxis(a, rank: rank, op: "transpose"), j = normalizedAxis(b, rank: rank, op: "transpose")
        var order = Array(0..<rank)
        order.swapAt(i, j)
        return permuted(order)
    }

    /// Elements `start..<end` along `axis`.
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        let a = normalizedAxis(axis, rank: rank, op: "slice")
        check(
            range.lowerBound >= 0 && range.upperBound <= shape[a],
            "slice: range \(range) is outside dimension \(a) of size \(shape[a]) in \(shape)")
        var outShape = shape
        outShape[a] = range.count
        let out = Tensor(uninitializedShape: outShape)
        let inner = shape[(a + 1)...].elementCount, outer = shape[..<a].elementCount
        let n = shape[a], m = range.count
        for o in 0..<outer {
            (out.data + o * m * inner).update(from: data + (o * n + range.lowerBound) * inner, count: m * inner)
        }
        let inputShape = shape
        return out.recorded("slice", [self]) { g, _ in
            let gx = Tensor.zeros(inputShape)
            for o in 0..<outer {
                (gx.data + (o * n + range.lowerBound) * inner).update(from: g.data + o * m * inner, count: m * inner)
            }
            return [gx]
        }
    }

    /// Stretches dimensions of size 1 to `newShape` (leading dimensions may be added).
    public func expanded(to newShape: [Int]) -> Tensor {
        let target = broadcastShape(shape, newShape, op: "expand")
        check(target == newShape, "expand: cannot expand \(shape) to \(newShape)")
        let out = broadcastBinary(Tensor(shape: newShape, repeating: 0), self, op: "expand") { _, v in v }
        return out.recorded("expand", [self]) { g, _ in [g] }
    }

    /// Inserts a dimension of size 1 at `axis`.
    public func unsqueezed(_ axis: Int) -> Tensor {
        var s = shape
        s.insert(1, at: axis < 0 ? axis + rank + 1 : axis)
        return reshaped(s)
    }

    /// Flattens dimensions from `start` on into one.
    public func flattened(from start: Int = 1) -> Tensor {
        reshaped(Array(shape[..<start]) + [shape[start...].elementCount])
    }
}

/// Joins tensors along `axis`; all other dimensions must agree.
public func concat(_ tensors: [Tensor], axis: Int) -> Tensor {
    check(!tensors.isEmpty, "concat: no tensors")
    let first = tensors[0]
    let a = normalizedAxis(axis, rank: first.rank, op: "concat")
    for t in tensors {
        var s1 = t.shape, s0 = first.shape
        check(s1.count == s0.count, "concat: ranks differ: \(tensors.map(\.shape))")
        s1[a] = 0; s0[a] = 0
        check(s1 == s0, "concat: shapes \(tensors.map(\.shape)) differ outside axis \(a)")
    }
    var outShape = first.shape
    outShape[a] = tensors.reduce(0) { $0 + $1.shape[a] }
    let out = Tensor(uninitializedShape: outShape)
    let inner = first.shape[(a + 1)...].elementCount, outer = first.shape[..<a].elementCount
    let total = outShape[a]
    var offset = 0
    var offsets: [Int] = []
    for t in tensors {
        let n = t.shape[a]
        offsets.append(offset)
        for o in 0..<outer {
            (out.data + (o * total + offset) * inner).update(from: t.data + o * n * inner, count: n * inner)
        }
        offset += n
    }
    let sizes = tensors.map { $0.shape[a] }
    let shapes = tensors.map(\.shape)
    return out.recorded("concat", tensors) { g, needs in
        (0..<sizes.count).map { i -> Tensor? in
            guard needs[i] else { return nil }
            let gi = Tensor(uninitializedShape: shapes[i])
            let n = sizes[i]
            for o in 0..<outer {
                (gi.data + o * n * inner).update(from: g.data + (o * total + offsets[i]) * inner, count: n * inner)
            }
            return gi
        }
    }
}

/// Stacks tensors of one shape along a new leading-`axis` dimension.
public func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
    concat(tensors.map { $0.unsqueezed(axis) }, axis: axis)
}

/// A contiguous copy of `x` with dimensions reordered by `order`.
func permuteCopy(_ x: Tensor, _ order: [Int]) -> Tensor {
    let outShape = order.map { x.shape[$0] }
    let out = Tensor(uninitializedShape: outShape)
    let inStrides = x.shape.contiguousStrides
    let srcStrides = order.map { inStrides[$0] }  // stride in x for each output axis
    let rank = outShape.count
    if rank == 0 { out.data[0] = x.data[0]; return out }
    let zero = [Int](repeating: 0, count: rank)
    let px = x.data, po = out.data
    forEachBroadcastRow(shape: outShape, aStrides: srcStrides, bStrides: zero) { o, ia, _, run, stepA, _ in
        if stepA == 1 { (po + o).update(from: px + ia, count: run) } else { for j in 0..<run { po[o + j] = px[ia + j * stepA] } }
    }
    return out
}
