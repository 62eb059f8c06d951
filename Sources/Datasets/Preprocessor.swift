// `i2i preprocess`: image folders → one dataset file (DatasetLayout.swift).
//
// Files are listed recursively and sorted, split into train and test by name (or taken from
// test folders), then decoded and fitted to the square size on all cores, a chunk at a time,
// and written in listing order, so the output depends only on the input. Unreadable files are
// skipped with a reason (or, with `strict`, stop the run). The file appears only when complete.
import Foundation
import HDF5Kit
import TensorCore
import Terminal

/// Settings of a preprocessing run.
public struct PreprocessOptions: Sendable {
    /// Side of the stored square images.
    public var size = 256
    /// How images of other shapes are fitted.
    public var resizeMode = ResizeMode.crop
    /// Share of each folder's files (by a hash of their names) that goes to the test split
    /// when no test folders are given.
    public var testFraction = 0.0
    /// gzip level of each image chunk, or `nil` for none.
    public var gzipLevel: Int?
    /// Whether an unreadable input file is an error instead of being skipped.
    public var strict = false
    /// Images announcing more pixels than this are skipped before decoding.
    public var maxPixels = ImageCodec.defaultMaxPixels
    /// Paired data: the number of label classes (default: the largest label value plus one).
    public var numClasses: Int?
    /// Paired data: retrieval-list files in the official `*_ref.txt` format (ExemplarFile.swift);
    /// empty: lists by the label-histogram rule (ExemplarLists.swift).
    public var exemplarFiles: [String] = []
    /// Whether to show a progress bar on standard error.
    public var showProgress = true
    /// Asked between chunks of images; when it returns true the run stops, removes its
    /// temporary file and throws ``PreprocessInterrupted``.
    public var shouldStop: (@Sendable () -> Bool)?

    /// The defaults: 256 px, crop, no test split, no compression.
    public init() {}
}

/// A folder given on the command line, with the option that named it (for messages).
public struct PreprocessSource: Sendable {
    /// The option, such as "--a".
    public let option: String
    /// The folder.
    public let path: String

    /// The folder at `path`, given as `option`.
    public init(option: String, path: String) {
        self.option = option
        self.path = path
    }
}

/// Thrown when ``PreprocessOptions/shouldStop`` asked a run to stop; nothing was written.
public struct PreprocessInterrupted: Error, CustomStringConvertible {
    /// One line.
    public var description: String { "interrupted; no dataset file was written" }
}

/// An input file left out, and why.
public struct SkippedFile: Equatable, Sendable {
    /// The file (input folder joined with its relative path).
    public let path: String
    /// The reason, in words.
    public let reason: String
}

/// What a preprocessing run wrote.
public struct PreprocessSummary: Sendable {
    /// The dataset file.
    public let path: String
    /// Images written per split, in file order.
    public let counts: [(split: String, count: Int)]
    /// Files left out, in listing order.
    public let skipped: [SkippedFile]
    /// The content hash of the file.
    public let contentHash: String
    /// Label classes (paired data).
    public let numClasses: Int?
    /// Wall-clock seconds, listing included.
    public let seconds: Double

    /// Images written in all.
    public var written: Int { counts.reduce(0) { $0 + $1.count } }
}

/// Turns image folders into dataset files.
public enum Preprocessor {
    /// One image to write: its split, stored name, and files.
    struct Job {
        let split: String
        let name: String
        let image: String
        let labels: String?
    }

    /// An unpaired dataset from folders of A and B images, with test splits from `aTest` and
    /// `bTest` or, when those are `nil`, by `options.testFraction`.
    public static func unpaired(
        a: PreprocessSource, b: PreprocessSource, aTest: PreprocessSource?, bTest: PreprocessSource?,
        output: String, options: PreprocessOptions
    ) throws -> PreprocessSummary {
        let started = DispatchTime.now()
        var jobs: [Job] = [], skipped: [SkippedFile] = []
        func add(_ source: PreprocessSource, train: String, test: String, testSource: PreprocessSource?) throws {
            let folder = try listing(source, skipped: &skipped)
            for file in folder.files {
                let toTest = testSource == nil && TestSplit.isTest(file, fraction: options.testFraction)
                jobs.append(Job(split: toTest ? test : train, name: file, image: join(source.path, file), labels: nil))
            }
            if let testSource {
                let tests = try listing(testSource, skipped: &skipped)
                jobs += tests.files.map { Job(split: test, name: $0, image: join(testSource.path, $0), labels: nil) }
            }
        }
        try add(a, train: "trainA", test: "testA", testSource: aTest)
        try add(b, train: "trainB", test: "testB", testSource: bTest)
        let parameters: [String: Any] = [
            "command": "preprocess", "a": a.path, "b": b.path, "a_test": aTest?.path ?? NSNull(),
            "b_test": bTest?.path ?? NSNull(), "test_fraction": options.testFraction,
        ]
        return try run(
            jobs: jobs, splits: DatasetLayout.unpairedSplits, required: [("trainA", a), ("trainB", b)],
            skipped: skipped, started: started, output: output, options: options, parameters: parameters)
    }

    /// A paired dataset (CoCosNet): images with PNG class-id label maps matched by relative path
    /// without extension; files without a partner are reported as skipped.
    public static func paired(
        images: PreprocessSource, labels: PreprocessSource, imagesTest: PreprocessSource?,
        labelsTest: PreprocessSource?, output: String, options: PreprocessOptions
    ) throws -> PreprocessSummary {
        let started = DispatchTime.now()
        var jobs: [Job] = [], skipped: [SkippedFile] = []
        func add(_ images: PreprocessSource, _ labels: PreprocessSource, split: String?) throws {
            let imageFiles = try listing(images, skipped: &skipped).files
            let labelFiles = try listing(labels, skipped: &skipped).files
            var labelByStem: [String: String] = [:]
            for file in labelFiles { labelByStem[ImageFolder.stem(file)] = labelByStem[ImageFolder.stem(file)] ?? file }
            var matched = Set<String>()
            for file in imageFiles {
                guard let label = labelByStem[ImageFolder.stem(file)], !matched.contains(label) else {
                    skipped.append(
                        SkippedFile(
                            path: join(images.path, file), reason: "no label map of the same name in \(labels.option) '\(labels.path)'"))
                    continue
                }
                matched.insert(label)
                let target = split ?? (TestSplit.isTest(file, fraction: options.testFraction) ? "test" : "train")
                jobs.append(Job(split: target, name: file, image: join(images.path, file), labels: join(labels.path, label)))
            }
            for file in labelFiles where !matched.contains(file) {
                skipped.append(
                    SkippedFile(path: join(labels.path, file), reason: "no image of the same name in \(images.option) '\(images.path)'"))
            }
        }
        try add(images, labels, split: imagesTest == nil ? nil : "train")
        if let imagesTest, let labelsTest { try add(imagesTest, labelsTest, split: "test") }
        let parameters: [String: Any] = [
            "command": "preprocess", "paired": true, "images": images.path, "labels": labels.path,
            "images_test": imagesTest?.path ?? NSNull(), "labels_test": labelsTest?.path ?? NSNull(),
            "test_fraction": options.testFraction,
        ]
        return try run(
            jobs: jobs, splits: DatasetLayout.pairedSplits, required: [("train", images)],
            skipped: skipped, started: started, output: output, options: options, parameters: parameters)
    }

    // MARK: - Running

    /// A decoded and fitted job, or why it was skipped.
    enum Outcome {
        case image(Bitmap, labels: Bitmap?, recordDigest: [UInt8])
        case skipped(SkippedFile)
    }

    private static func run(
        jobs: [Job], splits: [String], required: [(String, PreprocessSource)], skipped planned: [SkippedFile],
        started: DispatchTime, output: String, options: PreprocessOptions, parameters: [String: Any]
    ) throws -> PreprocessSummary {
        let clock = ProgressBar(
            total: jobs.count, label: "preprocess", unit: "images",
            output: options.showProgress ? nil : { _ in })
        if options.strict, let first = planned.first { throw DatasetError("\(first.path): \(first.reason) (--strict)") }
        let folder = URL(fileURLWithPath: output).deletingLastPathComponent().path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw DatasetError("--out: folder '\(folder)' does not exist")
        }
        let paired = splits == DatasetLayout.pairedSplits
        // Reference files are read first, so that a malformed one stops the run before any image.
        let exemplarFiles = try options.exemplarFiles.map { (path: $0, lines: try ExemplarFile.lines(contentsOf: $0)) }
        var names: [String: [String]] = [:]
        let writer = try DatasetWriter(
            path: output, imageSize: options.size,
            splits: splits.map { ($0, SplitContents(labels: paired, truth: false)) },
            gzipLevel: options.gzipLevel)
        var skipped = planned
        var largestLabel = -1
        do {
            let chunk = max(8, 4 * Parallel.threadCount)
            for start in stride(from: 0, to: jobs.count, by: chunk) {
                if options.shouldStop?() == true { throw PreprocessInterrupted() }
                let part = Array(jobs[start..<min(jobs.count, start + chunk)])
                for (job, outcome) in zip(part, process(part, options: options)) {
                    switch outcome {
                    case .skipped(let file):
                        if options.strict { throw DatasetError("\(file.path): \(file.reason) (--strict)") }
                        skipped.append(file)
                    case .image(let image, let labels, let digest):
                        if let labels {
                            largestLabel = max(largestLabel, Int(labels.pixels.max() ?? 0))
                            names[job.split, default: []].append(job.name)
                        }
                        try writer.append(to: job.split, name: job.name, image: image, labels: labels, recordDigest: digest)
                    }
                    clock.advance()
                }
            }
            clock.finish()
            for (split, source) in required where writer.count(of: split) == 0 {
                throw DatasetError("\(source.option): none of the files under '\(source.path)' could be used (see the skipped files above)")
            }
            if paired && !exemplarFiles.isEmpty {
                try storeExemplars(writer, trainNames: names["train"] ?? [], testNames: names["test"] ?? [], files: exemplarFiles)
            }
            var attributes: [(String, HDF5AttributeValue)] = [
                ("resize_mode", .string(options.resizeMode.rawValue)),
                ("skipped", .int(skipped.count)),
                ("created_by", .string(creationRecord(parameters, options: options))),
            ]
            let numClasses = paired ? (options.numClasses ?? largestLabel + 1) : nil
            if let numClasses { attributes.append(("num_classes", .int(numClasses))) }
            let hash = try writer.finish(attributes: attributes)
            return PreprocessSummary(
                path: output, counts: splits.map { ($0, writer.count(of: $0)) }, skipped: skipped,
                contentHash: hash, numClasses: numClasses,
                seconds: Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9)
        } catch {
            writer.discard()
            throw error
        }
    }

    /// Stores both paired splits' retrieval lists from reference files; test images without a
    /// line get the label-histogram rule's (the writer applies it to any split left without lists).
    private static func storeExemplars(
        _ writer: DatasetWriter, trainNames: [String], testNames: [String], files: [(path: String, lines: [ExemplarLine])]
    ) throws {
        let resolved = try ExemplarFile.resolve(files, trainNames: trainNames, testNames: testNames)
        var testRows = resolved.test
        try writer.setExemplars(resolved.train, for: "train")
        guard !testNames.isEmpty else { return }
        let unlisted = testNames.indices.filter { testRows[$0] == nil }
        if !unlisted.isEmpty {
            let test = writer.labelHistograms(of: "test")
            let computed = ExemplarTable.byLabelHistogram(
                queries: unlisted.map { test[$0] }, candidates: writer.labelHistograms(of: "train"), excludingSelf: false)
            for (row, index) in unlisted.enumerated() { testRows[index] = computed.candidates(row) }
        }
        try writer.setExemplars(ExemplarTable(rows: testNames.indices.map { testRows[$0]! }), for: "test")
    }

    /// Decodes and fits `jobs` on all cores; outcomes in job order.
    static func process(_ jobs: [Job], options: PreprocessOptions) -> [Outcome] {
        var outcomes = [Outcome?](repeating: nil, count: jobs.count)
        outcomes.withUnsafeMutableBufferPointer { slots in
            let slots = slots
            Parallel.forEachTask(jobs.count) { i in slots[i] = prepare(jobs[i], options: options) }
        }
        return outcomes.map { $0! }
    }

    private static func prepare(_ job: Job, options: PreprocessOptions) -> Outcome {
        func ready(_ image: Bitmap, _ labels: Bitmap?) -> Outcome {
            .image(
                image, labels: labels, recordDigest: SplitHasher.recordDigest(name: job.name, image: image.pixels, labels: labels?.pixels))
        }
        do {
            let image = try ImageCodec.read(contentsOf: job.image, maxPixels: options.maxPixels)
            guard let labelPath = job.labels else {
                return ready(image.fitted(toSquare: options.size, mode: options.resizeMode), nil)
            }
            let labels = try ImageCodec.readLabels(contentsOf: labelPath, maxPixels: options.maxPixels)
            guard labels.width == image.width, labels.height == image.height else {
                return .skipped(
                    SkippedFile(
                        path: labelPath,
                        reason: "label map is \(labels.width)x\(labels.height) but its image is \(image.width)x\(image.height)"))
            }
            if let classes = options.numClasses, let top = labels.pixels.max(), Int(top) >= classes {
                return .skipped(SkippedFile(path: labelPath, reason: "label value \(top) is not below --num-classes \(classes)"))
            }
            return ready(
                image.fitted(toSquare: options.size, mode: options.resizeMode),
                labels.fitted(toSquare: options.size, mode: options.resizeMode, filter: .nearest))
        } catch let error as ImageError {
            return .skipped(SkippedFile(path: error.path ?? job.image, reason: error.reason))
        } catch {
            return .skipped(SkippedFile(path: job.image, reason: "\(error)"))
        }
    }

    // MARK: - Helpers

    private static func listing(_ source: PreprocessSource, skipped: inout [SkippedFile]) throws -> ImageFolder {
        let folder: ImageFolder
        do { folder = try ImageFolder(path: source.path) } catch let error as DatasetError {
            throw DatasetError("\(source.option): \(error.description)")
        }
        skipped += folder.problems.map { SkippedFile(path: join(source.path, $0.path), reason: $0.reason) }
        guard !folder.files.isEmpty else {
            throw DatasetError("\(source.option): no .jpg, .jpeg or .png files under '\(source.path)'")
        }
        return folder
    }

    private static func join(_ folder: String, _ relative: String) -> String {
        folder.hasSuffix("/") ? folder + relative : folder + "/" + relative
    }

    /// The creation parameters as compact JSON with sorted keys (the same run gives the same text).
    private static func creationRecord(_ parameters: [String: Any], options: PreprocessOptions) -> String {
        var all = parameters
        all["size"] = options.size
        all["resize"] = options.resizeMode.rawValue
        all["gzip"] = options.gzipLevel ?? NSNull()
        all["strict"] = options.strict
        if let classes = options.numClasses { all["num_classes"] = classes }
        if !options.exemplarFiles.isEmpty { all["exemplars"] = options.exemplarFiles }
        let data = (try? JSONSerialization.data(withJSONObject: all, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
