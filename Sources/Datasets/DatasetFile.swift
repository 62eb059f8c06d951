// Reading a dataset file (layout in DatasetLayout.swift). With DatasetWriter.swift, the only
// code in this module that calls HDF5; every method here must run on one thread at a time
// (see TrainingSource for how the loader hands a file to its prefetch thread).
import HDF5Kit

/// The shape and contents of one split.
public struct SplitInfo: Equatable, Sendable {
    /// `trainA`, `testB`, `train`, ….
    public let name: String
    /// Number of images.
    public let count: Int
    /// Image rows.
    public let height: Int
    /// Image columns.
    public let width: Int
    /// The extra datasets it holds.
    public let contents: SplitContents
}

/// The root attributes and splits of a dataset file.
public struct DatasetInfo: Equatable, Sendable {
    /// "unpaired" or "paired".
    public let kind: String
    /// Side of the stored square images.
    public let imageSize: Int
    /// How images were fitted (`crop`, `pad`, `stretch`; `generated` for demo data).
    public let resizeMode: String
    /// Input files skipped when the file was made.
    public let skipped: Int
    /// The creating command's parameters (JSON text).
    public let createdBy: String
    /// The content hash stored in the file.
    public let contentHash: String
    /// Number of label classes (paired data), else `nil`.
    public let numClasses: Int?
    /// The splits, in the order the file lists them.
    public let splits: [SplitInfo]

    /// Whether the data is paired (label maps and images).
    public var isPaired: Bool { kind == "paired" }

    /// The split called `name`, if present.
    public func split(_ name: String) -> SplitInfo? { splits.first { $0.name == name } }
}

/// A dataset file opened for reading (read-only, HDF5 file locking off, so that many ranks
/// can read one file on shared file systems).
///
/// ```swift
/// let data = try DatasetFile(path: "horse2zebra.h5")
/// let first = try data.image("testA", 0)
/// ```
public final class DatasetFile {
    /// The file as given.
    public let path: String
    /// Attributes and splits.
    public let info: DatasetInfo
    private let file: HDF5File
    private var datasets: [String: HDF5Dataset] = [:]

    /// Opens a dataset file and validates it (DatasetValidation.swift); a file that is not
    /// one (no HDF5, another `format`, a newer version, missing splits, wrong element types,
    /// shapes or counts, sizes over the limits) is an error naming the file and the problem.
    public init(path: String) throws {
        self.path = path
        do {
            file = try HDF5File.open(path, mode: .readOnly, fileLocking: false)
            info = try DatasetValidator(file: file, path: path).validate()
        } catch let error as HDF5Error {
            // A file that HDF5 cannot read, or that lacks what a dataset file must hold, is bad input.
            throw DatasetError(error.object == nil ? error.description : "\(path) is not a valid i2i dataset file: \(error)")
        }
    }

    /// The root `format` attribute of any HDF5 file ("i2i-dataset", "i2i-checkpoint", …), or
    /// `nil` when it has none; throws when the file cannot be opened as HDF5.
    public static func format(ofFileAt path: String) throws -> String? {
        let file = try HDF5File.open(path, mode: .readOnly, fileLocking: false)
        defer { try? file.close() }
        guard file.root.hasAttribute("format") else { return nil }
        return try? file.root.attribute("format", as: String.self)
    }

    /// Closes the file (also done when the object is released).
    public func close() {
        datasets.removeAll()
        try? file.close()
    }

    /// The split called `name`, or an error listing the splits the file has.
    public func split(_ name: String) throws -> SplitInfo {
        guard let split = info.split(name) else {
            throw DatasetError("\(path) has no split '\(name)' (it has: \(info.splits.map(\.name).joined(separator: ", ")))")
        }
        return split
    }

    /// The names (source paths) of a split's images.
    public func names(_ split: String) throws -> [String] {
        _ = try self.split(split)
        return try file.root.openDataset("\(split)/names").readStrings()
    }

    /// Image `index` of `split` (RGB).
    public func image(_ split: String, _ index: Int) throws -> Bitmap { try read(split, "images", index, channels: 3) }

    /// The label map of image `index` of a paired split (one channel of class ids).
    public func labels(_ split: String, _ index: Int) throws -> Bitmap { try read(split, "labels", index, channels: 1) }

    /// The true translation of image `index` of a demo test split (RGB).
    public func truth(_ split: String, _ index: Int) throws -> Bitmap { try read(split, "truth", index, channels: 3) }

    /// The retrieval lists of a paired split (rows index the `train` split), or `nil` when
    /// it stores none; values outside the training split are an error.
    public func exemplars(_ split: String) throws -> ExemplarTable? {
        let info = try self.split(split)
        guard info.contents.exemplars else { return nil }
        let data = try file.root.openDataset("\(split)/exemplars")
        let shape = try data.shape
        let trainCount = self.info.split("train")?.count ?? 0
        guard let table = ExemplarTable(columns: shape[1], indices: try data.read(as: Int32.self), trainCount: trainCount) else {
            throw DatasetError(
                "\(path): '/\(split)/exemplars' has a row that is empty, not padded at its end with -1, or names an image outside "
                    + "the \(trainCount) of split 'train'")
        }
        return table
    }

    /// Recomputes the content hash from the stored pixels and names (compare with
    /// `info.contentHash` to verify the file).
    public func computeContentHash() throws -> String {
        var hashers: [String: SplitHasher] = [:]
        for split in info.splits {
            var hasher = SplitHasher()
            let names = try self.names(split.name)
            for i in 0..<split.count {
                hasher.add(
                    name: names[i], image: try image(split.name, i).pixels,
                    labels: split.contents.labels ? try labels(split.name, i).pixels : nil,
                    truth: split.contents.truth ? try truth(split.name, i).pixels : nil)
            }
            if let table = try exemplars(split.name) { hasher.add(exemplars: table) }
            hashers[split.name] = hasher
        }
        return SplitHasher.contentHash(imageSize: info.imageSize, splits: hashers)
    }

    /// The training images (`trainA`/`trainB`, or `train` with labels for paired data) as a
    /// source for ``DataLoader``, which then owns this file: do not use it elsewhere afterwards.
    public func trainingSource() throws -> TrainingSource {
        if info.isPaired {
            let train = try split("train")
            guard train.contents.labels else { throw DatasetError("\(path): paired split 'train' has no labels") }
            guard let table = try exemplars("train") else {
                throw DatasetError(
                    "\(path): paired split 'train' has no exemplar lists (made before they existed: run i2i preprocess again)")
            }
            return DatasetTrainingSource(
                file: self, splitA: "train", splitB: nil, namesA: try names("train"), namesB: [], exemplarLists: table)
        }
        _ = try split("trainA")
        _ = try split("trainB")
        return DatasetTrainingSource(
            file: self, splitA: "trainA", splitB: "trainB",
            namesA: try names("trainA"), namesB: try names("trainB"))
    }

    private func read(_ split: String, _ kind: String, _ index: Int, channels: Int) throws -> Bitmap {
        let info = try self.split(split)
        guard (0..<info.count).contains(index) else {
            throw DatasetError("\(path): image \(index) is outside split '\(split)' of \(info.count) images")
        }
        let key = "\(split)/\(kind)"
        let dataset: HDF5Dataset
        if let open = datasets[key] {
            dataset = open
        } else {
            guard file.root.contains(key) else { throw DatasetError("\(path): split '\(split)' has no \(kind)") }
            dataset = try file.root.openDataset(key)
            datasets[key] = dataset
        }
        var pixels = [UInt8](repeating: 0, count: info.height * info.width * channels)
        try pixels.withUnsafeMutableBufferPointer { try dataset.readSlice(index, into: $0) }
        return Bitmap(width: info.width, height: info.height, channels: channels, pixels: pixels)
    }
}

/// A dataset file's training splits seen as a ``TrainingSource``.
private final class DatasetTrainingSource: TrainingSource {
    let file: DatasetFile
    let splitA: String, splitB: String?
    let namesA: [String], namesB: [String]
    let exemplarLists: ExemplarTable?

    init(file: DatasetFile, splitA: String, splitB: String?, namesA: [String], namesB: [String], exemplarLists: ExemplarTable? = nil) {
        self.file = file
        self.exemplarLists = exemplarLists
        self.splitA = splitA
        self.splitB = splitB
        self.namesA = namesA
        self.namesB = namesB
    }

    var countA: Int { namesA.count }
    var countB: Int? { splitB == nil ? nil : namesB.count }
    var hasLabels: Bool { splitB == nil }

    func read(_ domain: SourceDomain, _ index: Int) throws -> Bitmap {
        switch domain {
        case .a: return try file.image(splitA, index)
        case .b: return try file.image(splitB!, index)
        case .labels: return try file.labels(splitA, index)
        }
    }

    func name(_ domain: SourceDomain, _ index: Int) -> String { domain == .b ? namesB[index] : namesA[index] }
}
