// What the loader reads images from: a dataset file's training split (DatasetFile.swift), or
// images held in memory (tests, benchmarks).

/// Which stored images a read refers to.
public enum SourceDomain: Sendable {
    /// Domain A (for paired data: the photographs).
    case a
    /// Domain B (unpaired data only).
    case b
    /// The label map of an A image (paired data only).
    case labels
}

/// Random access to the training images of a dataset.
///
/// A loader owns the source it is given and calls it from its prefetch thread only: a source
/// backed by a file (HDF5, not thread-safe) must not be used elsewhere until the loader is closed.
public protocol TrainingSource: AnyObject {
    /// Images in domain A.
    var countA: Int { get }
    /// Images in domain B, or `nil` for paired data.
    var countB: Int? { get }
    /// Whether each A image has a label map (paired data).
    var hasLabels: Bool { get }
    /// Paired data: each A image's candidate exemplars among the A images (ExemplarLists.swift).
    var exemplarLists: ExemplarTable? { get }
    /// Reads image `index` of `domain` (RGB, or one channel for label maps).
    func read(_ domain: SourceDomain, _ index: Int) throws -> Bitmap
    /// The name (source path) of image `index` of `domain` (`.a` or `.b`).
    func name(_ domain: SourceDomain, _ index: Int) -> String
}

/// A training source holding its images in memory.
public final class InMemoryTrainingSource: TrainingSource {
    /// The A images.
    public let imagesA: [Bitmap]
    /// The B images (unpaired data).
    public let imagesB: [Bitmap]?
    /// The label maps of the A images (paired data).
    public let labels: [Bitmap]?
    /// Paired data: the given retrieval lists, or those of the label-histogram rule.
    public let exemplarLists: ExemplarTable?
    private let namesA: [String], namesB: [String]

    /// Unpaired images (give `imagesB`) or paired images with label maps (give `labels`, and
    /// `exemplarLists` to replace the label-histogram rule's).
    public init(
        imagesA: [Bitmap], imagesB: [Bitmap]? = nil, labels: [Bitmap]? = nil,
        namesA: [String]? = nil, namesB: [String]? = nil, exemplarLists: ExemplarTable? = nil
    ) {
        precondition((imagesB == nil) != (labels == nil), "InMemoryTrainingSource: give B images or label maps")
        precondition(labels == nil || labels!.count == imagesA.count, "InMemoryTrainingSource: one label map per image")
        self.imagesA = imagesA
        self.imagesB = imagesB
        self.labels = labels
        precondition(
            exemplarLists == nil || (labels != nil && exemplarLists!.count == imagesA.count),
            "InMemoryTrainingSource: one exemplar list per labelled image")
        self.exemplarLists =
            exemplarLists
            ?? labels.map { maps in
                let histograms = maps.map(LabelHistogram.init)
                return ExemplarTable.byLabelHistogram(queries: histograms, candidates: histograms, excludingSelf: true)
            }
        self.namesA = namesA ?? imagesA.indices.map { "a\($0)" }
        self.namesB = namesB ?? (imagesB ?? []).indices.map { "b\($0)" }
    }

    public var countA: Int { imagesA.count }
    public var countB: Int? { imagesB?.count }
    public var hasLabels: Bool { labels != nil }

    public func read(_ domain: SourceDomain, _ index: Int) throws -> Bitmap {
        switch domain {
        case .a: return imagesA[index]
        case .b: return imagesB![index]
        case .labels: return labels![index]
        }
    }

    public func name(_ domain: SourceDomain, _ index: Int) -> String {
        domain == .b ? namesB[index] : namesA[index]
    }
}
