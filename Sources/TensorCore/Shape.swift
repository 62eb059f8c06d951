// Shape arithmetic: element counts, strides, axis normalisation, broadcasting, and the checks
// that stop an op with a message naming the op and the shapes.

extension Collection where Element == Int {
    /// Product of the dimensions (1 for a scalar shape).
    @inlinable public var elementCount: Int {
        var n = 1
        for d in self { n *= d }
        return n
    }
}

extension Array where Element == Int {

    /// Row-major strides, in elements.
    public var contiguousStrides: [Int] {
        var strides = [Int](repeating: 1, count: count)
        var s = 1
        for i in stride(from: count - 1, through: 0, by: -1) {
            strides[i] = s
            s *= self[i]
        }
        return strides
    }
}

/// Stops the process with `message` when `condition` is false.
///
/// Unlike `precondition`, this
/// survives `-Ounchecked` builds: shape errors are programming errors that must never turn
/// into silent memory corruption.
@inlinable @inline(__always)
public func check(
    _ condition: Bool, _ message: @autoclosure () -> String,
    file: StaticString = #fileID, line: UInt = #line
) {
    if !condition { fatalError(message(), file: file, line: line) }
}

/// Resolves a possibly negative axis against `rank`, stopping with a message when it is out of range.
public func normalizedAxis(_ axis: Int, rank: Int, op: String) -> Int {
    let a = axis < 0 ? axis + rank : axis
    check(a >= 0 && a < max(rank, 1), "\(op): axis \(axis) is out of range for a tensor of rank \(rank)")
    return a
}

/// The broadcast of two shapes under NumPy/PyTorch rules (align trailing dimensions; a
/// dimension of 1 stretches).
public func broadcastShape(_ a: [Int], _ b: [Int], op: String) -> [Int] {
    let n = max(a.count, b.count)
    var out = [Int](repeating: 1, count: n)
    for i in 0..<n {
        let da = i < n - a.count ? 1 : a[i - (n - a.count)]
        let db = i < n - b.count ? 1 : b[i - (n - b.count)]
        check(da == db || da == 1 || db == 1, "\(op): shapes \(a) and \(b) cannot be broadcast together")
        out[i] = da == 1 ? db : da
    }
    return out
}

/// Strides that read a tensor of `shape` as if it had `target` shape (0 along stretched axes).
func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
    let offset = target.count - shape.count
    let own = shape.contiguousStrides
    var strides = [Int](repeating: 0, count: target.count)
    for i in 0..<shape.count where shape[i] != 1 || target[i + offset] == 1 {
        strides[i + offset] = shape[i] == 1 ? 0 : own[i]
    }
    return strides
}

/// Calls `body(outputIndex, aOffset, bOffset, run)` over the elements of `shape`, where the last
/// `run` elements advance `a` by `aStep` and `b` by `bStep`.
///
/// Lets broadcasting ops run a tight inner loop over the innermost dimension.
func forEachBroadcastRow(
    shape: [Int], aStrides: [Int], bStrides: [Int],
    _ body: (_ out: Int, _ a: Int, _ b: Int, _ run: Int, _ aStep: Int, _ bStep: Int) -> Void
) {
    let rank = shape.count
    if rank == 0 { body(0, 0, 0, 1, 0, 0); return }
    let run = shape[rank - 1]
    let rows = shape.elementCount / max(run, 1)
    if run == 0 { return }
    var index = [Int](repeating: 0, count: rank)
    var aOff = 0, bOff = 0
    for row in 0..<rows {
        body(row * run, aOff, bOff, run, aStrides[rank - 1], bStrides[rank - 1])
        var d = rank - 2
        while d >= 0 {
            index[d] += 1
            aOff += aStrides[d]
            bOff += bStrides[d]
            if index[d] < shape[d] { break }
            aOff -= aStrides[d] * index[d]
            bOff -= bStrides[d] * index[d]
            index[d] = 0
            d -= 1
        }
    }
}
