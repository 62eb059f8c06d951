// Nearest-neighbour resizing to an arbitrary size (PyTorch `F.interpolate(mode='nearest')`):
// output pixel (y, x) reads input pixel (⌊y·H/Ho⌋, ⌊x·W/Wo⌋). Used to bring SPADE's condition
// and CoCosNet's label maps to a feature map's size.
// Shapes: [N, C, H, W] → [N, C, Ho, Wo].

extension Tensor {
    /// Resizes the last two dimensions to `height`×`width` by nearest neighbour.
    public func resizeNearest(height ho: Int, width wo: Int) -> Tensor {
        check(rank == 4 && ho > 0 && wo > 0, "resizeNearest: input must be [N, C, H, W] and the size positive, got \(shape) → \(ho)×\(wo)")
        let planes = shape[0] * shape[1], h = shape[2], w = shape[3]
        if ho == h && wo == w { return self }
        // PyTorch computes the source index in float: floor(dst * (in / out)).
        let sy = (0..<ho).map { Swift.min(Int(Float(Double($0)) * (Float(h) / Float(ho))), h - 1) }
        let sx = (0..<wo).map { Swift.min(Int(Float(Double($0)) * (Float(w) / Float(wo))), w - 1) }
        let out = Tensor(uninitializedShape: [shape[0], shape[1], ho, wo])
        let px = data, po = out.data
        Parallel.forEach(planes, grain: Swift.max(1, 16384 / Swift.max(ho * wo, 1))) { range in
            for p in range {
                let src = px + p * h * w, dst = po + p * ho * wo
                for y in 0..<ho {
                    let srow = src + sy[y] * w, drow = dst + y * wo
                    for x in 0..<wo { drow[x] = srow[sx[x]] }
                }
            }
        }
        let inputShape = shape
        return out.recorded("resize_nearest", [self]) { g, _ in
            let gx = Tensor.zeros(inputShape)
            let pg = g.data, pgx = gx.data
            Parallel.forEach(planes, grain: Swift.max(1, 16384 / Swift.max(ho * wo, 1))) { range in
                for p in range {
                    let src = pg + p * ho * wo, dst = pgx + p * h * w
                    for y in 0..<ho {
                        let grow = src + y * wo, drow = dst + sy[y] * w
                        for x in 0..<wo { drow[sx[x]] += grow[x] }
                    }
                }
            }
            return [gx]
        }
    }
}
