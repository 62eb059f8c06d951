// Nearest-neighbour upsampling by integer factors, and unfold (k×k neighbourhoods as columns,
// CoCosNet's matching). Shapes: upsample [N, C, H, W] → [N, C, H·fy, W·fx];
// unfold [N, C, H, W] → [N, C·k·k, Ho·Wo].

extension Tensor {
    /// Repeats each pixel `factor`×`factor` times (PyTorch `Upsample(scale_factor:, mode: 'nearest')`).
    public func upsampleNearest(factor: Int) -> Tensor { upsampleNearest(factorY: factor, factorX: factor) }

    /// Repeats each pixel fy times down and fx times across.
    public func upsampleNearest(factorY fy: Int, factorX fx: Int) -> Tensor {
        check(rank == 4 && fy >= 1 && fx >= 1, "upsampleNearest: input must be [N, C, H, W] and factors ≥ 1, got \(shape), \(fy)×\(fx)")
        let planes = shape[0] * shape[1], h = shape[2], w = shape[3]
        let ho = h * fy, wo = w * fx
        let out = Tensor(uninitializedShape: [shape[0], shape[1], ho, wo])
        let px = data, po = out.data
        Profiler.measure(.pooling) {
            Parallel.forEach(planes * h, grain: 64) { range in
                for job in range {
                    let p = job / h, y = job % h
                    let src = px + p * h * w + y * w
                    let dst = po + p * ho * wo + y * fy * wo
                    for x in 0..<w { for j in 0..<fx { dst[x * fx + j] = src[x] } }
                    for r in 1..<fy { (dst + r * wo).update(from: dst, count: wo) }
                }
            }
        }
        let inputShape = shape
        return out.recorded("upsample_nearest", [self]) { g, _ in
            let gx = Tensor(uninitializedShape: inputShape)
            let pg = g.data, pgx = gx.data
            Parallel.forEach(planes * h, grain: 64) { range in
                for job in range {
                    let p = job / h, y = job % h
                    let dst = pgx + p * h * w + y * w
                    for x in 0..<w {
                        var acc: Float = 0
                        for r in 0..<fy {
                            let src = pg + p * ho * wo + (y * fy + r) * wo + x * fx
                            for j in 0..<fx { acc += src[j] }
                        }
                        dst[x] = acc
                    }
                }
            }
            return [gx]
        }
    }

    /// k×k neighbourhoods as columns (PyTorch `F.unfold`): [N, C, H, W] → [N, C·k·k, L],
    /// rows ordered (c, ky, kx), L = output positions.
    public func unfold(kernel: Int, padding: Int = 0, stride: Int = 1) -> Tensor {
        check(rank == 4, "unfold: input must be [N, C, H, W], got \(shape)")
        let g = ConvGeometry(
            channels: shape[1], height: shape[2], width: shape[3], kernel: (kernel, kernel),
            stride: (stride, stride), padding: Padding(padding), op: "unfold")
        let n = shape[0], k = g.patchSize, l = g.outputPixels, inSize = shape[1...].elementCount
        let out = Tensor(uninitializedShape: [n, k, l])
        for s in 0..<n { im2col(data + s * inSize, g, rows: 0..<g.outputHeight, into: out.data + s * k * l) }
        let inputShape = shape
        return out.recorded("unfold", [self]) { gy, _ in
            let gx = Tensor.zeros(inputShape)
            for s in 0..<n { col2im(gy.data + s * k * l, g, rows: 0..<g.outputHeight, into: gx.data + s * inSize) }
            return [gx]
        }
    }
}
