// Padding of the last two dimensions (H, W) with zeros, reflection or replication, with a
// separate amount per side — as `F.pad(x, (left, right, top, bottom), mode)`.
// Shapes: [..., H, W] → [..., top + H + bottom, left + W + right].

/// How `pad` fills the border.
public enum PaddingMode: String, Sendable, CaseIterable {
    /// Zeros.
    case zero
    /// Mirror without repeating the edge (PyTorch `reflect`): … c b | a b c | b a …
    case reflect
    /// Repeat the edge (PyTorch `replicate`): … a a | a b c | c c …
    case replicate
}

/// Per-side padding amounts.
public struct Padding: Equatable, Sendable {
    public var left: Int, right: Int, top: Int, bottom: Int

    /// Explicit amounts.
    public init(left: Int, right: Int, top: Int, bottom: Int) {
        self.left = left; self.right = right; self.top = top; self.bottom = bottom
    }

    /// The same amount on every side.
    public init(_ all: Int) { self.init(left: all, right: all, top: all, bottom: all) }

    /// No padding.
    public static let none = Padding(0)
}

/// The source index for output index `i` of a padded axis of length `n` with `before` padding,
/// or −1 for a zero.
@inline(__always)
func paddedSource(_ i: Int, before: Int, n: Int, mode: PaddingMode) -> Int {
    let s = i - before
    if s >= 0 && s < n { return s }
    switch mode {
    case .zero: return -1
    case .replicate: return s < 0 ? 0 : n - 1
    case .reflect:
        if n == 1 { return 0 }
        var r = s
        let period = 2 * (n - 1)
        r = ((r % period) + period) % period
        return r < n ? r : period - r
    }
}

extension Tensor {
    /// Pads the last two dimensions.
    ///
    /// Reflection needs each pad smaller than the dimension.
    public func padded(_ p: Padding, mode: PaddingMode = .zero) -> Tensor {
        check(rank >= 2, "pad: needs at least 2 dimensions, got \(shape)")
        check(p.left >= 0 && p.right >= 0 && p.top >= 0 && p.bottom >= 0, "pad: negative amount \(p)")
        let h = shape[rank - 2], w = shape[rank - 1]
        if mode == .reflect {
            check(
                p.top < h && p.bottom < h && p.left < w && p.right < w,
                "pad: reflect padding \(p) must be smaller than the input's \(h)×\(w) plane (shape \(shape))")
        }
        if p == .none { return self }
        let ho = h + p.top + p.bottom, wo = w + p.left + p.right
        let planes = shape[..<(rank - 2)].elementCount
        var outShape = shape
        outShape[rank - 2] = ho
        outShape[rank - 1] = wo
        let out = Tensor(uninitializedShape: outShape)
        let rows = (0..<ho).map { paddedSource($0, before: p.top, n: h, mode: mode) }
        let cols = (0..<wo).map { paddedSource($0, before: p.left, n: w, mode: mode) }
        let px = data, po = out.data
        Profiler.measure(.padding) {
            Parallel.forEach(planes, grain: Swift.max(1, 16384 / Swift.max(ho * wo, 1))) { range in
                for plane in range {
                    let src = px + plane * h * w, dst = po + plane * ho * wo
                    for y in 0..<ho {
                        let row = dst + y * wo
                        let sy = rows[y]
                        if sy < 0 { row.update(repeating: 0, count: wo); continue }
                        let srow = src + sy * w
                        for x in 0..<p.left { row[x] = cols[x] < 0 ? 0 : srow[cols[x]] }
                        (row + p.left).update(from: srow, count: w)
                        for x in (p.left + w)..<wo { row[x] = cols[x] < 0 ? 0 : srow[cols[x]] }
                    }
                }
            }
        }
        let inputShape = shape
        return out.recorded("pad", [self]) { g, _ in
            let gx = Tensor.zeros(inputShape)
            let pg = g.data, pgx = gx.data
            Profiler.measure(.padding) {
                Parallel.forEach(planes, grain: Swift.max(1, 16384 / Swift.max(ho * wo, 1))) { range in
                    for plane in range {
                        let src = pg + plane * ho * wo, dst = pgx + plane * h * w
                        for y in 0..<ho {
                            let sy = rows[y]
                            if sy < 0 { continue }
                            let grow = src + y * wo, drow = dst + sy * w
                            for x in 0..<wo where cols[x] >= 0 { drow[cols[x]] += grow[x] }
                        }
                    }
                }
            }
            return [gx]
        }
    }
}
