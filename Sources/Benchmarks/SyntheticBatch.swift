// Random in-memory training batches of either kind, for timing steps without a dataset: images
// uniform in [-1, 1]; paired batches add label maps of uniform class ids and exemplars.
import Models
import TensorCore

/// Builds synthetic batches.
public enum SyntheticBatch {
    /// Classes of the synthetic label maps.
    public static let labelClasses = 8

    /// A batch of `count` samples of `size`² pixels.
    public static func make(_ kind: BatchKind, count: Int, size: Int, using stream: inout RandomStream) -> TrainingBatch {
        let shape = [count, 3, size, size]
        func labels() -> Tensor {
            let t = Tensor(uninitializedShape: [count, 1, size, size])
            for i in 0..<t.count { t.data[i] = Float(stream.nextInt(below: labelClasses)) }
            return t
        }
        switch kind {
        case .unpaired:
            return .unpaired(
                ImageBatch(
                    a: Tensor.uniform(shape, low: -1, high: 1, using: &stream),
                    b: Tensor.uniform(shape, low: -1, high: 1, using: &stream)))
        case .paired:
            return .paired(
                PairedBatch(
                    labels: labels(), images: Tensor.uniform(shape, low: -1, high: 1, using: &stream),
                    exemplars: Tensor.uniform(shape, low: -1, high: 1, using: &stream),
                    exemplarLabels: labels(), isSelfReference: Array(repeating: false, count: count)))
        }
    }
}
