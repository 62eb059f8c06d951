// Indexing: one-hot encoding of class-id maps, and gather along a dimension (PyTorch
// `torch.gather`). Index tensors hold integer values stored as Float.

/// One-hot encoding: ids [N, H, W] (values 0..<classes) → [N, classes, H, W].
///
/// No gradient.
public func oneHot(_ ids: Tensor, classes: Int) -> Tensor {
    check(ids.rank >= 1, "oneHot: ids must have a batch dimension, got \(ids.shape)")
    let n = ids.shape[0], m = ids.shape[1...].elementCount
    let out = Tensor.zeros([n, classes] + Array(ids.shape[1...]))
    for s in 0..<n {
        for i in 0..<m {
            let k = Int(ids.data[s * m + i])
            check(k >= 0 && k < classes, "oneHot: class id \(k) at sample \(s), position \(i) is outside 0..<\(classes)")
            out.data[(s * classes + k) * m + i] = 1
        }
    }
    return out
}

/// out[…, i, …] = x[…, index[…, i, …], …] along `axis`; `index` has x's shape except along
/// `axis`.
///
/// The gradient is scattered back (summed where an index repeats).
public func gather(_ x: Tensor, axis: Int, index: Tensor) -> Tensor {
    let a = normalizedAxis(axis, rank: x.rank, op: "gather")
    check(index.rank == x.rank, "gather: index \(index.shape) and input \(x.shape) differ in rank")
    for d in 0..<x.rank where d != a {
        check(index.shape[d] == x.shape[d], "gather: index \(index.shape) and input \(x.shape) differ outside axis \(a)")
    }
    let outer = x.shape[..<a].elementCount, inner = x.shape[(a + 1)...].elementCount
    let nx = x.shape[a], ni = index.shape[a]
    var sources = [Int](repeating: 0, count: index.count)
    for o in 0..<outer {
        for j in 0..<ni {
            for i in 0..<inner {
                let pos = (o * ni + j) * inner + i
                let k = Int(index.data[pos])
                check(k >= 0 && k < nx, "gather: index \(k) is outside 0..<\(nx) along axis \(a)")
                sources[pos] = (o * nx + k) * inner + i
            }
        }
    }
    let out = Tensor(uninitializedShape: index.shape)
    for (pos, src) in sources.enumerated() { out.data[pos] = x.data[src] }
    let inputShape = x.shape
    return out.recorded("gather", [x]) { g, _ in
        let gx = Tensor.zeros(inputShape)
        for (pos, src) in sources.enumerated() { gx.data[src] += g.data[pos] }
        return [gx]
    }
}
