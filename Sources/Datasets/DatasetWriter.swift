// Writing a dataset file (layout in DatasetLayout.swift). One of the two files of this module
// that call HDF5 (with DatasetFile.swift); a writer is used from one thread.
//
// The file is created through HDF5Kit's temporary file, renamed into place only by `finish`,
// so an interrupted or failed run leaves nothing at the final path.
import Foundation
import HDF5Kit

/// Builds a dataset file image by image.
///
/// ```swift
/// let writer = try DatasetWriter(path: "data.h5", imageSize: 256, splits: [("trainA", .images), ("trainB", .images)])
/// try writer.append(to: "trainA", name: "horse/001.jpg", image: bitmap)
/// let hash = try writer.finish(attributes: [("resize_mode", .string("crop"))])
/// ```
public final class DatasetWriter {
    /// Where the finished file appears.
    public let path: String
    /// Side of the square images.
    public let imageSize: Int
    private let file: HDF5File
    private let order: [String]
    private var splits: [String: Split] = [:]
    private var counts: [String: Int] = [:]

    private final class Split {
        let contents: SplitContents
        let images: HDF5Dataset
        let labels: HDF5Dataset?
        let truth: HDF5Dataset?
        var names: [String] = []
        var hasher = SplitHasher()
        /// Class histograms of the label maps, in order (paired splits).
        var histograms: [LabelHistogram] = []
        var hasExemplars = false

        init(contents: SplitContents, images: HDF5Dataset, labels: HDF5Dataset?, truth: HDF5Dataset?) {
            self.contents = contents
            self.images = images
            self.labels = labels
            self.truth = truth
        }
    }

    /// Starts a file with the given (possibly empty) splits; `gzipLevel` compresses each image chunk.
    public init(path: String, imageSize: Int, splits: [(name: String, contents: SplitContents)], gzipLevel: Int? = nil) throws {
        precondition(imageSize > 0, "DatasetWriter: image size must be positive")
        self.path = path
        self.imageSize = imageSize
        self.order = splits.map(\.name)
        file = try HDF5File.create(at: path)
        let s = imageSize
        for (name, contents) in splits {
            func create(_ dataset: String, channels: Int?) throws -> HDF5Dataset {
                let shape = [0, s, s] + (channels.map { [$0] } ?? [])
                let chunk = [1, s, s] + (channels.map { [$0] } ?? [])
                return try file.root.createDataset(
                    "\(name)/\(dataset)", of: UInt8.self, shape: shape, chunkShape: chunk,
                    gzipLevel: gzipLevel, extendible: true)
            }
            self.splits[name] = Split(
                contents: contents, images: try create("images", channels: 3),
                labels: contents.labels ? try create("labels", channels: nil) : nil,
                truth: contents.truth ? try create("truth", channels: 3) : nil)
        }
    }

    /// Images written to `split` so far.
    public func count(of split: String) -> Int { counts[split] ?? 0 }

    /// Appends one image (S × S × 3) with its name, and its label map (S × S × 1) and true
    /// translation (S × S × 3) when the split holds them.
    ///
    /// `recordDigest`, when given, must be
    /// ``SplitHasher/recordDigest(name:image:labels:truth:)`` of the same values (callers
    /// compute it on worker threads); otherwise it is computed here.
    public func append(
        to split: String, name: String, image: Bitmap, labels: Bitmap? = nil, truth: Bitmap? = nil,
        recordDigest: [UInt8]? = nil
    ) throws {
        guard let target = splits[split] else { throw DatasetError("\(path): no split '\(split)' was declared") }
        try check(image, channels: 3, "image '\(name)'")
        guard (labels != nil) == target.contents.labels, (truth != nil) == target.contents.truth else {
            throw DatasetError("\(path): '\(name)' in split '\(split)' lacks or has an unexpected label map or truth image")
        }
        try image.pixels.withUnsafeBufferPointer { _ = try target.images.append(from: $0) }
        if let labels, let dataset = target.labels {
            try check(labels, channels: 1, "label map '\(name)'")
            try labels.pixels.withUnsafeBufferPointer { _ = try dataset.append(from: $0) }
            target.histograms.append(LabelHistogram(labels))
        }
        if let truth, let dataset = target.truth {
            try check(truth, channels: 3, "truth image '\(name)'")
            try truth.pixels.withUnsafeBufferPointer { _ = try dataset.append(from: $0) }
        }
        target.names.append(name)
        counts[split, default: 0] += 1
        target.hasher.add(
            recordDigest: recordDigest
                ?? SplitHasher.recordDigest(name: name, image: image.pixels, labels: labels?.pixels, truth: truth?.pixels))
    }

    /// Stores a paired split's retrieval lists (rows indexing the `train` split), after its
    /// last image; once per split.
    public func setExemplars(_ table: ExemplarTable, for split: String) throws {
        guard let target = splits[split], target.contents.labels else {
            throw DatasetError("\(path): exemplar lists need a paired split, not '\(split)'")
        }
        guard table.count == target.names.count else {
            throw DatasetError("\(path): \(table.count) exemplar lists for the \(target.names.count) images of split '\(split)'")
        }
        guard !target.hasExemplars else { throw DatasetError("\(path): split '\(split)' has exemplar lists already") }
        target.hasExemplars = true
        // An empty split stores (and hashes) no table.
        guard table.count > 0 else { return }
        try file.root.createDataset("\(split)/exemplars", values: table.indices, shape: [table.count, table.columns])
        target.hasher.add(exemplars: table)
    }

    /// The class histograms of the label maps written to a paired split so far, in order.
    public func labelHistograms(of split: String) -> [LabelHistogram] { splits[split]?.histograms ?? [] }

    /// Writes names, the retrieval lists not set by ``setExemplars(_:for:)`` (the
    /// label-histogram rule against split `train`, ExemplarLists.swift) and attributes, closes
    /// the file and moves it into place; returns the content hash.
    ///
    /// The standard attributes (format, version, kind, size, splits, counts,
    /// content hash) are added to `attributes`.
    @discardableResult
    public func finish(attributes: [(String, HDF5AttributeValue)]) throws -> String {
        if let train = splits["train"], train.contents.labels, !train.histograms.isEmpty {
            for name in order where splits[name]!.contents.labels && !splits[name]!.hasExemplars {
                let table = ExemplarTable.byLabelHistogram(
                    queries: splits[name]!.histograms, candidates: train.histograms, excludingSelf: name == "train")
                try setExemplars(table, for: name)
            }
        }
        var hashers: [String: SplitHasher] = [:]
        for name in order {
            let split = splits[name]!
            try file.root.createStringDataset("\(name)/names", split.names)
            hashers[name] = split.hasher
        }
        let hash = SplitHasher.contentHash(imageSize: imageSize, splits: hashers)
        let paired = splits.values.contains { $0.contents.labels }
        var all: [(String, HDF5AttributeValue)] = [
            ("format", .string(DatasetLayout.format)),
            ("format_version", .int(DatasetLayout.version)),
            ("kind", .string(paired ? "paired" : "unpaired")),
            ("image_size", .int(imageSize)),
            ("splits", .strings(order)),
        ]
        all += order.map { ("count_\($0)", .int(splits[$0]!.names.count)) }
        all += attributes
        all.append(("content_hash", .string(hash)))
        for (key, value) in all { try file.root.setAttribute(key, value) }
        splits.removeAll()
        try file.close()
        return hash
    }

    /// Abandons the file: the temporary file is removed and nothing appears at `path`.
    public func discard() {
        splits.removeAll()
        file.discard()
    }

    private func check(_ image: Bitmap, channels: Int, _ what: String) throws {
        guard image.width == imageSize, image.height == imageSize, image.channels == channels else {
            throw DatasetError(
                "\(path): \(what) is \(image.width)x\(image.height)x\(image.channels), expected \(imageSize)x\(imageSize)x\(channels)")
        }
    }
}
