// The logical arithmetic of convolutions and matrix products, counted from their shapes.
//
// Benchmarks report an *effective* rate: the FLOPs a step must do, divided by its time. Those
// FLOPs are 2·MACs of every conv, transposed conv, linear and matmul forward, plus the same
// again for each backward-data and backward-weight product that the backward pass needs —
// counted from the op's shapes, not from the kernels that run (so a kernel that does extra
// work, such as a zero-padded tap, does not raise the count). The same count is used for
// every framework a benchmark compares.

/// Running totals of logical FLOPs, by kind of product.
public enum FlopCounter {
    /// FLOPs by pass since the last ``reset()``.
    public struct Totals: Equatable, Sendable {
        public var forward: Double = 0
        public var backwardData: Double = 0
        public var backwardWeight: Double = 0
        /// All passes.
        public var total: Double { forward + backwardData + backwardWeight }
        public init() {}
    }

    /// The totals so far.
    ///
    /// Ops add to it on the thread that runs them (the training thread).
    public private(set) static var totals = Totals()

    /// Clears the totals.
    public static func reset() { totals = Totals() }

    /// Adds a forward product of `macs` multiply-accumulates.
    @inline(__always)
    static func forward(macs: Int) { totals.forward += 2 * Double(macs) }

    /// Adds a backward product of `macs` multiply-accumulates for data or weights.
    @inline(__always)
    static func backward(macs: Int, data: Bool, weight: Bool) {
        if data { totals.backwardData += 2 * Double(macs) }
        if weight { totals.backwardWeight += 2 * Double(macs) }
    }
}

extension FlopCounter {
    /// Counts `macs` multiply-accumulates an op did not do but the direct computation would
    /// have: in the forward pass, and when `backward` (a graph is being recorded) in the
    /// backward-data and backward-weight passes that `data` and `weight` will need.
    ///
    /// An op that computes a convolution with fewer multiplications (the upsampled 5×5 conv)
    /// credits the difference, so FLOP rates count the direct convolution's FLOPs, as they do
    /// for Winograd. The backward share is counted when the graph is built.
    public static func credit(macs: Int, backward: Bool, data: Bool, weight: Bool) {
        forward(macs: macs)
        if backward { self.backward(macs: macs, data: data, weight: weight) }
    }
}
