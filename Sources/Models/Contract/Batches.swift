// What a model trains on. A model declares its batch kind in its registration; the trainer asks
// the loader for that kind and hands the model a `TrainingBatch` of it, so the trainer has no
// special case per model.
import TensorCore

/// The kinds of training data.
public enum BatchKind: String, Sendable, CaseIterable {
    /// Two unaligned image domains A and B (CycleGAN, AGGAN, UNIT, MUNIT, U-GAT-IT).
    case unpaired
    /// Label maps with their images, and an exemplar image per sample (CoCosNet).
    case paired
}

/// A batch of unpaired images: A and B, each [N, 3, H, W] in [-1, 1].
public struct ImageBatch {
    public var a: Tensor
    public var b: Tensor
    public init(a: Tensor, b: Tensor) { self.a = a; self.b = b }
}

/// A batch of paired data: each label map with its image, and an exemplar for each sample.
public struct PairedBatch {
    /// Class ids as floats, [N, 1, H, W].
    public var labels: Tensor
    /// The images the label maps were drawn from, [N, 3, H, W] in [-1, 1].
    public var images: Tensor
    /// One exemplar image per sample, [N, 3, H, W] in [-1, 1].
    public var exemplars: Tensor
    /// The exemplars' label maps, [N, 1, H, W].
    public var exemplarLabels: Tensor
    /// Whether each exemplar is the sample's own image (a pseudo pair).
    public var isSelfReference: [Bool]

    public init(labels: Tensor, images: Tensor, exemplars: Tensor, exemplarLabels: Tensor, isSelfReference: [Bool]) {
        self.labels = labels
        self.images = images
        self.exemplars = exemplars
        self.exemplarLabels = exemplarLabels
        self.isSelfReference = isSelfReference
    }
}

/// One step's data, of the kind the model declared.
public enum TrainingBatch {
    case unpaired(ImageBatch)
    case paired(PairedBatch)

    /// The kind of this batch.
    public var kind: BatchKind {
        switch self {
        case .unpaired: return .unpaired
        case .paired: return .paired
        }
    }

    /// The unpaired images; a model that declared `.unpaired` gets nothing else.
    public var unpaired: ImageBatch {
        guard case .unpaired(let batch) = self else { preconditionFailure("an unpaired model was given a \(kind) batch") }
        return batch
    }

    /// The paired data; a model that declared `.paired` gets nothing else.
    public var paired: PairedBatch {
        guard case .paired(let batch) = self else { preconditionFailure("a paired model was given a \(kind) batch") }
        return batch
    }
}
