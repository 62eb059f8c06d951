// Validation of a dataset file at the boundary: before any image is read, the root attributes
// (types and values), every listed split's datasets (element type uint8, shapes (N, S, S, 3) and
// (N, S, S), counts that agree with `names` and `count_<split>`) and the sizes its header
// declares are checked against DatasetLayout's limits, so that nothing is ever allocated from
// an unchecked header value. Each violation is one DatasetError naming the file, the object
// and the problem.
import Foundation
import HDF5Kit

extension DatasetLayout {
    /// The largest image side a dataset may declare (README, "File formats").
    ///
    /// An 8192² RGB image is 201 MB as floats, far above any model's training size. Training
    /// settings (`data.load_size`, `data.crop_size`) share the bound.
    public static let maximumImageSide = 8192
    /// The most images one split may declare (its names alone are read whole).
    public static let maximumImageCount = 10_000_000
    /// The most splits a file may list.
    public static let maximumSplitCount = 64
    /// The most exemplar candidates one image may list.
    public static let maximumExemplarColumns = 1024
}

/// Reads and checks the root attributes and split layout of an open dataset file.
struct DatasetValidator {
    let file: HDF5File
    let path: String

    private var root: HDF5Group { file.root }

    private func fail(_ object: String, _ problem: String) -> DatasetError {
        DatasetError("\(path): \(object) \(problem)")
    }

    /// The file's description, or the first violation found.
    func validate() throws -> DatasetInfo {
        let format = root.hasAttribute("format") ? (try? root.attribute("format", as: String.self)) : nil
        guard format == DatasetLayout.format else {
            throw DatasetError("\(path) is not an i2i dataset file (its format attribute is \(format.map { "'\($0)'" } ?? "missing"))")
        }
        let version = try integer("format_version", in: 1...Int.max)
        guard version <= DatasetLayout.version else {
            throw DatasetError("\(path) is a dataset of format version \(version); this i2i reads up to \(DatasetLayout.version)")
        }
        let kind = try text("kind", required: true)
        guard kind == "unpaired" || kind == "paired" else {
            throw fail("root attribute 'kind'", "is '\(kind)', expected 'unpaired' or 'paired'")
        }
        let imageSize = try integer("image_size", in: 1...DatasetLayout.maximumImageSide)
        let names = try attribute("splits", [String].self, "a string array")
        guard names.count <= DatasetLayout.maximumSplitCount, Set(names).count == names.count else {
            throw fail("root attribute 'splits'", "lists \(names.count) names with repeats or more than \(DatasetLayout.maximumSplitCount)")
        }
        let fileSize = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int
        let splits = try names.map { try split($0, imageSize: imageSize, fileSize: fileSize) }
        let numClasses = try optionalInteger("num_classes", in: 1...256)
        return DatasetInfo(
            kind: kind, imageSize: imageSize, resizeMode: try text("resize_mode"),
            skipped: try optionalInteger("skipped", in: 0...Int.max) ?? 0, createdBy: try text("created_by"),
            contentHash: try text("content_hash"), numClasses: numClasses, splits: splits)
    }

    // MARK: - Splits

    private func split(_ name: String, imageSize: Int, fileSize: Int?) throws -> SplitInfo {
        guard !name.isEmpty, !name.contains("/"), name != "." else {
            throw fail("root attribute 'splits'", "lists '\(name)', which is not a group name")
        }
        guard root.contains("\(name)/images"), root.contains("\(name)/names") else {
            throw DatasetError("\(path): split '\(name)' is listed but has no images or names")
        }
        let s = imageSize
        let images = try dataset("\(name)/images", uint8: true)
        let shape = try images.shape
        guard shape.count == 4, shape[3] == 3 else { throw fail("'/\(name)/images'", "has shape \(shape), expected (N, H, W, 3)") }
        try checkSides(shape, "/\(name)/images", imageSize: s)
        let count = shape[0]
        guard count <= DatasetLayout.maximumImageCount else {
            throw fail("'/\(name)/images'", "declares \(count) images, more than the maximum of \(DatasetLayout.maximumImageCount)")
        }
        try checkStorage(images, "/\(name)/images", fileSize: fileSize)
        let namesData = try dataset("\(name)/names", uint8: false)
        let namesShape = try namesData.shape
        guard namesData.elementType == .string, namesShape.count == 1 else {
            throw fail("'/\(name)/names'", "holds \(namesData.elementType) of shape \(namesShape), expected one string per image")
        }
        guard namesShape[0] == count else {
            throw fail("'/\(name)/names'", "holds \(namesShape[0]) names for \(count) images")
        }
        let declared = try integer("count_\(name)", in: 0...Int.max)
        guard declared == count else {
            throw fail("root attribute 'count_\(name)'", "is \(declared), but '/\(name)/images' holds \(count) images")
        }
        var contents = SplitContents(labels: root.contains("\(name)/labels"), truth: root.contains("\(name)/truth"))
        for (plane, channels) in [("labels", [Int]()), ("truth", [3])] where root.contains("\(name)/\(plane)") {
            let object = "/\(name)/\(plane)"
            let data = try dataset("\(name)/\(plane)", uint8: true)
            let expected = [count, s, s] + channels
            let found = try data.shape
            guard found == expected else {
                if found.count == expected.count { try checkSides(found, object, imageSize: s) }
                throw fail(
                    "'\(object)'", "has shape \(found), expected \(expected) (one \(channels.isEmpty ? "label map" : "image") per image)")
            }
            try checkStorage(data, object, fileSize: fileSize)
        }
        if root.contains("\(name)/exemplars") {
            let object = "/\(name)/exemplars"
            guard contents.labels else { throw fail("'\(object)'", "is present, but the split has no label maps") }
            let data = try dataset("\(name)/exemplars", uint8: false)
            let found = try data.shape
            guard data.elementType == .int32, found.count == 2, found[0] == count,
                (1...DatasetLayout.maximumExemplarColumns).contains(found[1])
            else {
                throw fail(
                    "'\(object)'",
                    "holds \(data.elementType) of shape \(found), expected int32 (\(count), K) with K in 1...\(DatasetLayout.maximumExemplarColumns)"
                )
            }
            try checkStorage(data, object, fileSize: fileSize)
            contents.exemplars = true
        }
        return SplitInfo(name: name, count: count, height: shape[1], width: shape[2], contents: contents)
    }

    /// Image sides of an `(N, H, W, …)` shape: at most the maximum, and the file's image size.
    private func checkSides(_ shape: [Int], _ object: String, imageSize: Int) throws {
        let (h, w) = (shape[1], shape[2])
        guard h <= DatasetLayout.maximumImageSide, w <= DatasetLayout.maximumImageSide else {
            throw fail("'\(object)'", "declares \(h)×\(w) images, larger than the maximum side of \(DatasetLayout.maximumImageSide)")
        }
        guard h == imageSize, w == imageSize else {
            throw fail("'\(object)'", "holds \(h)×\(w) images, but the root attribute 'image_size' is \(imageSize)")
        }
    }

    /// A dataset at `key`, which must be one (and uint8 when `uint8`).
    private func dataset(_ key: String, uint8: Bool) throws -> HDF5Dataset {
        guard (try? root.kind(of: key)) == .dataset else { throw fail("'/\(key)'", "is not a dataset") }
        let data = try root.openDataset(key)
        if uint8 && data.elementType != .uint8 {
            throw fail("'/\(key)'", "holds \(data.elementType) values, expected uint8")
        }
        return data
    }

    /// Bounds what reading one image can make HDF5 allocate: a chunk holds at most 256 MiB,
    /// and uncompressed contiguous data lies inside the file.
    private func checkStorage(_ data: HDF5Dataset, _ object: String, fileSize: Int?) throws {
        if let chunk = try data.chunkShape {
            guard let bytes = HDF5Dataset.product(chunk), bytes <= 1 << 28 else {
                throw fail("'\(object)'", "has chunks of shape \(chunk), larger than 256 MiB")
            }
        } else if let fileSize, try data.isContiguous {
            guard let bytes = try data.elementCount, bytes <= fileSize else {
                throw fail("'\(object)'", "declares shape \(try data.shape), more bytes than the file holds (\(fileSize))")
            }
        }
    }

    // MARK: - Attributes

    private func attribute<T: HDF5AttributeConvertible>(_ key: String, _ type: T.Type, _ what: String) throws -> T {
        guard root.hasAttribute(key) else { throw fail("root attribute '\(key)'", "is missing") }
        guard let value = try? root.attribute(key, as: type) else {
            let stored = (try? root.attributeType(key)).map { "\($0)" } ?? "an unreadable value"
            throw fail("root attribute '\(key)'", "holds \(stored), expected \(what)")
        }
        return value
    }

    private func integer(_ key: String, in range: ClosedRange<Int>) throws -> Int {
        let value = try attribute(key, Int.self, "an integer")
        guard range.contains(value) else {
            let bound = range.upperBound == Int.max ? "at least \(range.lowerBound)" : "in \(range.lowerBound)...\(range.upperBound)"
            throw fail("root attribute '\(key)'", "is \(value), expected \(bound)")
        }
        return value
    }

    private func optionalInteger(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        root.hasAttribute(key) ? try integer(key, in: range) : nil
    }

    private func text(_ key: String, required: Bool = false) throws -> String {
        guard required || root.hasAttribute(key) else { return "" }
        return try attribute(key, String.self, "a string")
    }
}
