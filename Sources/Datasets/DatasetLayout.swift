// The dataset file format, version 1, and its content hash (README.md, "File formats", is the
// user-facing summary of the same layout).
//
// Root attributes: `format` = "i2i-dataset", `format_version` = 1, `kind` ("unpaired" or
// "paired"), `image_size`, `resize_mode`, `splits` (the group names), `count_<split>` for
// each, `skipped`, `created_by` (the creating command's parameters as JSON), `content_hash`,
// and for paired data `num_classes`. Each split group holds `images` uint8 (N, S, S, 3),
// chunked one image per chunk; `names` (strings: source paths relative to the input folder);
// for paired data `labels` uint8 (N, S, S) and `exemplars` int32 (N, K), each row the indices
// of the image's candidate exemplars in the `train` split, most similar first, padded at the
// end with -1 (ExemplarLists.swift: from `--exemplars FILE` or the label-histogram rule); for
// demo data's test splits `truth` uint8 (N, S, S, 3), the true translation of each image (for
// paired demo data: of the label map in the style of the exemplar `exemplars[i, 0]`).
//
// Content hash: SHA-256, in hex, of
//     "i2i-dataset 1\n" ‖ for each split in canonical order (trainA, trainB, testA, testB,
//     train, test, then any other in name order): "<split> <N> <S>\n" ‖ D(split) ‖ E(split)
// where D(split) is the SHA-256 of R(0) ‖ R(1) ‖ … ‖ R(N−1), and the record digest R(i) is the
// SHA-256 of names[i] as UTF-8 ‖ 0x00 ‖ images[i] ‖ labels[i] (if present) ‖ truth[i] (if
// present). Record digests are independent, so writers compute them on all cores. E(split) is
// empty when the split has no `exemplars`, else "exemplars <K>\n" ‖ the SHA-256 of the table
// as int32 little-endian, row by row.
// It covers every stored pixel and name and nothing else (no times, no parameters), so the
// same input always gives the same hash. SHA-256 is FIPS 180-4's, from swift-crypto
// (apple/swift-crypto, Sources/Crypto/Digests/HashFunctions_SHA2.swift), so every platform
// computes the same digest.
import Crypto
import Foundation

/// A problem with a dataset file or its contents, as one line naming the file.
public struct DatasetError: Error, CustomStringConvertible, Equatable {
    /// One line naming the file (and split or value) at fault.
    public let description: String

    /// An error with that message.
    public init(_ description: String) { self.description = description }
}

/// Names and constants of the dataset file format.
public enum DatasetLayout {
    /// The root `format` attribute of dataset files.
    public static let format = "i2i-dataset"
    /// The version written, and the newest one understood.
    public static let version = 1
    /// The splits of an unpaired dataset.
    public static let unpairedSplits = ["trainA", "trainB", "testA", "testB"]
    /// The splits of a paired (label map, image) dataset.
    public static let pairedSplits = ["train", "test"]

    /// Splits in the order the content hash visits them.
    public static func canonicalOrder(_ splits: [String]) -> [String] {
        let known = unpairedSplits + pairedSplits
        return known.filter(splits.contains) + splits.filter { !known.contains($0) }.sorted()
    }
}

/// Which datasets a split holds besides `images` and `names`.
public struct SplitContents: Equatable, Sendable {
    /// `labels`: one class-id map per image (paired data).
    public var labels: Bool
    /// `truth`: the true translation of each image (demo data).
    public var truth: Bool
    /// `exemplars`: each image's candidate exemplars (paired data).
    public var exemplars: Bool

    /// Images and names only.
    public static let images = SplitContents(labels: false, truth: false)

    /// Contents with the given extra datasets.
    public init(labels: Bool, truth: Bool, exemplars: Bool = false) {
        self.labels = labels
        self.truth = truth
        self.exemplars = exemplars
    }
}

/// The running content hash of one split (see the file header for the definition).
// @unchecked: swift-crypto's SHA256 is not marked Sendable, but it is a copy-on-write value
// (Digest_boring.swift copies its BoringSSL context before changing a shared one), so a copy
// may go to another thread like an Array.
public struct SplitHasher: @unchecked Sendable {
    private var hash = SHA256()
    /// Images added so far.
    public private(set) var count = 0
    /// E(split): the exemplar table's part of the hash, empty without one.
    private var exemplarPart: [UInt8] = []

    /// An empty split.
    public init() {}

    /// The digest R(i) of one stored image with its name and extra planes.
    public static func recordDigest(name: String, image: [UInt8], labels: [UInt8]? = nil, truth: [UInt8]? = nil) -> [UInt8] {
        var record = SHA256()
        record.update(data: Array(name.utf8) + [0])
        record.update(data: image)
        if let labels { record.update(data: labels) }
        if let truth { record.update(data: truth) }
        return Array(record.finalize())
    }

    /// Adds the next image by its record digest (``recordDigest(name:image:labels:truth:)``).
    public mutating func add(recordDigest: [UInt8]) {
        precondition(recordDigest.count == 32, "SplitHasher: a record digest has 32 bytes")
        hash.update(data: recordDigest)
        count += 1
    }

    /// Adds the next image with its name and extra planes, in the order they are stored.
    public mutating func add(name: String, image: [UInt8], labels: [UInt8]? = nil, truth: [UInt8]? = nil) {
        add(recordDigest: SplitHasher.recordDigest(name: name, image: image, labels: labels, truth: truth))
    }

    /// Adds the split's exemplar table (after its images).
    public mutating func add(exemplars table: ExemplarTable) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(table.indices.count * 4)
        for value in table.indices { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        exemplarPart = Array("exemplars \(table.columns)\n".utf8) + Array(SHA256.hash(data: bytes))
    }

    /// The split's 32-byte digest.
    public func digest() -> [UInt8] { Array(hash.finalize()) }

    /// The file's content hash from each split's name, count, digest and the image size.
    public static func contentHash(imageSize: Int, splits: [String: SplitHasher]) -> String {
        var total = SHA256()
        total.update(data: Array("i2i-dataset \(DatasetLayout.version)\n".utf8))
        for name in DatasetLayout.canonicalOrder(Array(splits.keys)) {
            let split = splits[name]!
            total.update(data: Array("\(name) \(split.count) \(imageSize)\n".utf8))
            total.update(data: split.digest())
            total.update(data: split.exemplarPart)
        }
        return total.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
