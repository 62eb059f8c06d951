// A group of parameters that share one flat, contiguous value buffer and one flat gradient
// buffer, laid out in declaration order (llm.c's `malloc_and_point_parameters`). Every
// parameter tensor becomes a view into the value buffer and its `grad` a view into the gradient
// buffer, so the optimiser is one loop and the gradient all-reduce is one buffer.
import TensorCore

/// Parameters packed into flat buffers.
public final class ParameterGroup {
    /// One parameter's place in the flat buffers.
    public struct Segment {
        /// The parameter's path, prefixed with its network's name (for example `G_A.model.1.weight`).
        public let path: String
        public let parameter: Parameter
        /// First element in the flat buffers.
        public let offset: Int
        public let count: Int
    }

    /// A name for messages and checkpoints.
    public let name: String
    /// The parameters, in order.
    public let segments: [Segment]
    /// All values, contiguous.
    public let values: TensorStorage
    /// All gradients, contiguous; zero until a backward pass adds into them.
    public let gradients: TensorStorage
    /// Learning rate of the group (set by schedules).
    public var learningRate: Double
    /// The rate the group was created with: what schedules scale.
    public let baseLearningRate: Double

    /// Packs `parameters` (paths and parameters in declaration order) into flat buffers.
    ///
    /// The parameters' current values are copied; afterwards they live in the flat buffer.
    public init(name: String, parameters: [(path: String, parameter: Parameter)], learningRate: Double) {
        self.name = name
        self.learningRate = learningRate
        self.baseLearningRate = learningRate
        var offset = 0
        var segments: [Segment] = []
        for (path, p) in parameters {
            segments.append(Segment(path: path, parameter: p, offset: offset, count: p.value.count))
            offset += p.value.count
        }
        self.segments = segments
        self.values = TensorStorage(count: Swift.max(offset, 1))
        self.gradients = TensorStorage(count: Swift.max(offset, 1))
        // Released and written again every step: huge pages make that ~500× fewer faults.
        adviseHugePages(UnsafeMutableBufferPointer(start: gradients.pointer, count: gradients.count))
        gradients.pointer.update(repeating: 0, count: gradients.count)
        for s in segments {
            let v = values.pointer + s.offset
            v.update(from: s.parameter.value.data, count: s.count)
            s.parameter.value.replaceStorage(with: TensorStorage(viewing: v, count: s.count, owner: values))
            s.parameter.value.grad = Tensor(
                shape: s.parameter.shape,
                storage: TensorStorage(viewing: gradients.pointer + s.offset, count: s.count, owner: gradients))
        }
    }

    /// Total number of elements.
    public var count: Int { segments.last.map { $0.offset + $0.count } ?? 0 }

    /// The value buffer as a buffer pointer.
    public var valueBuffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: values.pointer, count: count) }
    /// The gradient buffer as a buffer pointer.
    public var gradientBuffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: gradients.pointer, count: count)
    }

    /// The leaf tensors, for `backward(accumulatingInto:)`.
    public var leafTensors: [Tensor] { segments.map(\.parameter.value) }

    /// Zeroes all gradients.
    public func zeroGradients() { gradients.pointer.update(repeating: 0, count: count) }

    /// Zeroes all gradients and hands the gradient buffer's memory back to the operating system.
    ///
    /// The buffer's whole pages are released (``zeroReleasingPages(_:)``), so it holds almost no
    /// memory until backward writes into it again. For sharded training, where a rank needs the buffer only while
    /// its own step runs; it costs a page fault per page written afterwards.
    public func releaseGradients() { zeroReleasingPages(gradientBuffer) }

    /// √(Σ g²) over the group.
    public func gradientNorm() -> Double {
        var s: Double = 0
        let g = gradients.pointer
        for i in 0..<count { s += Double(g[i]) * Double(g[i]) }
        return s.squareRoot()
    }

    /// Whether every gradient is finite.
    public func gradientsAreFinite() -> Bool {
        let g = gradients.pointer
        for i in 0..<count where !g[i].isFinite { return false }
        return true
    }

    /// Index of the segment holding `tensor` (a parameter's value), if any.
    public func segmentIndex(of tensor: Tensor) -> Int? {
        segments.firstIndex { $0.parameter.value === tensor }
    }
}
