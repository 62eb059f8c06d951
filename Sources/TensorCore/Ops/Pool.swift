// Pooling: average and max pooling over k×k windows (stride, zero padding; average pooling
// can exclude the padding from its divisor), and global average and max pooling.
// Shapes: [N, C, H, W] → [N, C, Ho, Wo]; global pooling → [N, C, 1, 1].

extension Tensor {
    /// Average over k×k windows.
    ///
    /// With `countIncludePad` false (MUNIT's multi-scale
    /// discriminator), each window divides by the number of input pixels it covers.
    public func avgPool2d(
        kernel: Int, stride: Int? = nil, padding: Int = 0,
        countIncludePad: Bool = true
    ) -> Tensor {
        check(rank == 4, "avgPool2d: input must be [N, C, H, W], got \(shape)")
        let s = stride ?? kernel
        let g = ConvGeometry(
            channels: 1, height: shape[2], width: shape[3], kernel: (kernel, kernel),
            stride: (s, s), padding: Padding(padding), op: "avgPool2d")
        let planes = shape[0] * shape[1], h = shape[2], w = shape[3]
        let ho = g.outputHeight, wo = g.outputWidth
        // divisor[oy * wo + ox]
        var divisor = [Float](repeating: 0, count: ho * wo)
        for oy in 0..<ho {
            for ox in 0..<wo {
                let y0 = oy * s - padding, x0 = ox * s - padding
                if countIncludePad {
                    let y1 = Swift.min(y0 + kernel, h + padding), x1 = Swift.min(x0 + kernel, w + padding)
                    divisor[oy * wo + ox] = Float((y1 - y0) * (x1 - x0))
                } else {
                    let y1 = Swift.min(y0 + kernel, h), x1 = Swift.min(x0 + kernel, w)
                    divisor[oy * wo + ox] = Float((y1 - Swift.max(y0, 0)) * (x1 - Swift.max(x0, 0)))
                }
            }
        }
        let out = Tensor.zeros([shape[0], shape[1], ho, wo])
        let px = data, po = out.data
        Profiler.measure(.pooling) {
            Parallel.forEach(planes, grain: 4) { range in
                for p in range {
                    let src = px + p * h * w, dst = po + p * ho * wo
                    for oy in 0..<ho {
                        for ox in 0..<wo {
                            var acc: Float = 0
                            for y in Swift.max(oy * s - padding, 0)..<Swift.min(oy * s - padding + kernel, h) {
                                for x in Swift.max(ox * s - padding, 0)..<Swift.min(ox * s - padding + kernel, w) {
                                    acc += src[y * w + x]
                                }
                            }
                            dst[oy * wo + ox] = acc / divisor[oy * wo + ox]
                        }
                    }
                }
            }
        }
        let inputShape = shape
        return out.recorded("avg_pool2d", [self]) { gy, _ in
            let gx = Tensor.zeros(inputShape)
            let pg = gy.data, pgx = gx.data
            Parallel.forEach(planes, grain: 4) { range in
                for p in range {
                    let src = pg + p * ho * wo, dst = pgx + p * h * w
                    for oy in 0..<ho {
                        for ox in 0..<wo {
                            let v = src[oy * wo + ox] / divisor[oy * wo + ox]
                            for y in Swift.max(oy * s - padding, 0)..<Swift.min(oy * s - padding + kernel, h) {
                                for x in Swift.max(ox * s - padding, 0)..<Swift.min(ox * s - padding + kernel, w) {
                                    dst[y * w + x] += v
                                }
                            }
                        }
                    }
                }
            }
            return [gx]
        }
    }

    /// Maximum over k×k windows (padding never wins).
    ///
    /// The gradient goes to the first maximum of each window, in row-major order.
    public func maxPool2d(kernel: Int, stride: Int? = nil, padding: Int = 0) -> Tensor {
        check(rank == 4, "maxPool2d: input must be [N, C, H, W], got \(shape)")
        let s = stride ?? kernel
        let g = ConvGeometry(
            channels: 1, height: shape[2], width: shape[3], kernel: (kernel, kernel),
            stride: (s, s), padding: Padding(padding), op: "maxPool2d")
        let planes = shape[0] * shape[1], h = shape[2], w = shape[3]
        let ho = g.outputHeight, wo = g.outputWidth
        let out = Tensor(uninitializedShape: [shape[0], shape[1], ho, wo])
        let argmax = UnsafeMutablePointer<Int32>.allocate(capacity: out.count)
        let px = data, po = out.data
        Profiler.measure(.pooling) {
            Parallel.forEach(planes, grain: 4) { range in
                for p in range {
                    let src = px + p * h * w
                    for oy in 0..<ho {
                        for ox in 0..<wo {
                            var best = -Float.infinity, where_: Int32 = -1
                            for y in Swift.max(oy * s - padding, 0)..<Swift.min(oy * s - padding + kernel, h) {
                                for x in Swift.max(ox * s - padding, 0)..<Swift.min(ox * s - padding + kernel, w) {
                                    let v = src[y * w + x]
                                    if v > best || where_ < 0 { best = v; where_ = Int32(y * w + x) }
                                }
                            }
                            po[p * ho * wo + oy * wo + ox] = best
                            argmax[p * ho * wo + oy * wo + ox] = where_
                        }
                    }
                }
            }
        }
        let owner = IndexBuffer(argmax)
        let inputShape = shape
        return out.recorded("max_pool2d", [self]) { gy, _ in
            let gx = Tensor.zeros(inputShape)
            for p in 0..<planes {
                for j in 0..<(ho * wo) {
                    let i = Int(owner.pointer[p * ho * wo + j])
                    if i >= 0 { gx.data[p * h * w + i] += gy.data[p * ho * wo + j] }
                }
            }
            return [gx]
        }
    }

    /// Mean over H and W: [N, C, H, W] → [N, C, 1, 1].
    public func globalAvgPool2d() -> Tensor { mean(axes: [2, 3], keepDims: true) }

    /// Maximum over H and W: [N, C, H, W] → [N, C, 1, 1].
    public func globalMaxPool2d() -> Tensor { max(axes: [2, 3], keepDims: true) }
}

/// Owns a buffer of indices saved for a backward pass.
final class IndexBuffer {
    let pointer: UnsafeMutablePointer<Int32>
    init(_ pointer: UnsafeMutablePointer<Int32>) { self.pointer = pointer }
    deinit { pointer.deallocate() }
}
