// `Preprocessor`: folder listing, the dataset file it writes, skipped files, determinism,
// splits, paired mode, and the errors for missing or empty folders.
import Datasets
import Foundation
import XCTest

final class PreprocessTests: XCTestCase {
    /// A folder of small PNGs (plus the JPEG fixtures and a zoo of bad files when asked).
    func makeFolder(_ root: String, _ name: String, count: Int, seed: UInt64, zoo: Bool = false) throws -> String {
        let folder = root + "/" + name
        try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
        var random = RandomSource(seed: seed)
        for i in 0..<count {
            let w = 20 + random.next(30), h = 20 + random.next(30)
            let image = Bitmap(width: w, height: h, channels: 3, pixels: (0..<w * h * 3).map { _ in UInt8(random.next(256)) })
            try ImageCodec.writePNG(image, to: folder + (i % 3 == 0 ? "/sub/" : "/") + "img\(i).\(i % 2 == 0 ? "png" : "PNG")")
        }
        try Data(Fixtures.bytes("jpeg_progressive.jpg")).write(to: URL(fileURLWithPath: folder + "/photo.JPEG"))
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: folder + "/notes.txt"))
        if zoo {
            let jpeg = Fixtures.bytes("jpeg_baseline.jpg")
            try Data(jpeg[0..<jpeg.count / 2]).write(to: URL(fileURLWithPath: folder + "/truncated.jpg"))
            try Data().write(to: URL(fileURLWithPath: folder + "/empty.png"))
            try Data(Fixtures.bytes("png_bad_crc.png")).write(to: URL(fileURLWithPath: folder + "/badcrc.png"))
            try Data(Fixtures.bytes("not_an_image.jpg")).write(to: URL(fileURLWithPath: folder + "/wrong_magic.jpg"))
            try Data(Fixtures.bytes("png_huge.png")).write(to: URL(fileURLWithPath: folder + "/huge.png"))
            try FileManager.default.createDirectory(atPath: folder + "/x.jpg", withIntermediateDirectories: false)
            try FileManager.default.createSymbolicLink(atPath: folder + "/dangling.jpg", withDestinationPath: folder + "/nowhere")
            try Data(".".utf8).write(to: URL(fileURLWithPath: folder + "/.hidden.jpg"))
        }
        return folder
    }

    func options(_ configure: (inout PreprocessOptions) -> Void = { _ in }) -> PreprocessOptions {
        var o = PreprocessOptions()
        o.size = 16
        o.showProgress = false
        configure(&o)
        return o
    }

    func testListingIsRecursiveSortedAndCaseInsensitive() throws {
        let root = makeTemporaryFolder(self)
        let folder = try makeFolder(root, "a", count: 4, seed: 1, zoo: true)
        let listing = try ImageFolder(path: folder)
        XCTAssertEqual(
            listing.files,
            [
                "badcrc.png", "dangling.jpg", "empty.png", "huge.png", "img1.PNG", "img2.png",
                "photo.JPEG", "sub/img0.png", "sub/img3.PNG", "truncated.jpg", "wrong_magic.jpg",
            ])
        XCTAssertEqual(ImageFolder.stem("a/b.c.png"), "a/b.c")
        XCTAssertEqual(ImageFolder.stem("a.d/b"), "a.d/b")
    }

    func testUnpairedFileHasTheLayoutAndReportsSkippedFiles() throws {
        let root = makeTemporaryFolder(self)
        let a = try makeFolder(root, "a", count: 7, seed: 1, zoo: true)
        let b = try makeFolder(root, "b", count: 5, seed: 2)
        let out = root + "/data.h5"
        let summary = try Preprocessor.unpaired(
            a: PreprocessSource(option: "--a", path: a), b: PreprocessSource(option: "--b", path: b),
            aTest: nil, bTest: nil, output: out, options: options { $0.gzipLevel = 4 })
        XCTAssertEqual(summary.counts.map(\.count), [8, 6, 0, 0])
        XCTAssertEqual(
            summary.skipped.map { ($0.path as NSString).lastPathComponent },
            ["badcrc.png", "dangling.jpg", "empty.png", "huge.png", "truncated.jpg", "wrong_magic.jpg"])
        let reasons = Dictionary(uniqueKeysWithValues: summary.skipped.map { (($0.path as NSString).lastPathComponent, $0.reason) })
        XCTAssertEqual(reasons["empty.png"], "empty file (0 bytes)")
        XCTAssertEqual(reasons["wrong_magic.jpg"], "not a JPEG or PNG file")
        XCTAssertTrue(reasons["truncated.jpg"]!.hasPrefix("corrupt or unsupported JPEG"), reasons["truncated.jpg"]!)
        XCTAssertTrue(reasons["huge.png"]!.contains("larger than the limit"), reasons["huge.png"]!)
        XCTAssertTrue(reasons["dangling.jpg"]!.hasPrefix("cannot open"), reasons["dangling.jpg"]!)

        let file = try DatasetFile(path: out)
        XCTAssertEqual(file.info.kind, "unpaired")
        XCTAssertEqual(file.info.imageSize, 16)
        XCTAssertEqual(file.info.skipped, 6)
        XCTAssertEqual(file.info.resizeMode, "crop")
        XCTAssertEqual(file.info.contentHash, summary.contentHash)
        XCTAssertEqual(try file.computeContentHash(), summary.contentHash)
        XCTAssertEqual(
            try file.names("trainA"),
            [
                "img1.PNG", "img2.png", "img4.png", "img5.PNG", "photo.JPEG",
                "sub/img0.png", "sub/img3.PNG", "sub/img6.png",
            ])
        let original = try ImageCodec.read(contentsOf: a + "/img2.png")
        XCTAssertEqual(try file.image("trainA", 1), original.fitted(toSquare: 16, mode: .crop))
        XCTAssertTrue(file.info.createdBy.contains("\"resize\":\"crop\""), file.info.createdBy)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root).sorted(), ["a", "b", "data.h5"])
    }

    func testSameInputGivesTheSameHashAndSplitIsByName() throws {
        let root = makeTemporaryFolder(self)
        let a = try makeFolder(root, "a", count: 30, seed: 1), b = try makeFolder(root, "b", count: 20, seed: 2)
        func run(_ out: String, fraction: Double) throws -> PreprocessSummary {
            try Preprocessor.unpaired(
                a: PreprocessSource(option: "--a", path: a), b: PreprocessSource(option: "--b", path: b),
                aTest: nil, bTest: nil, output: root + "/" + out, options: options { $0.testFraction = fraction })
        }
        let first = try run("1.h5", fraction: 0.3), second = try run("2.h5", fraction: 0.3)
        XCTAssertEqual(first.contentHash, second.contentHash)
        XCTAssertEqual(first.counts.map(\.count), second.counts.map(\.count))
        let tests = try DatasetFile(path: root + "/1.h5").names("testA")
        XCTAssertEqual(tests, try ImageFolder(path: a).files.filter { TestSplit.isTest($0, fraction: 0.3) })
        XCTAssertTrue((4...17).contains(first.counts[2].count), "\(first.counts)")
        XCTAssertNotEqual(try run("3.h5", fraction: 0.5).contentHash, first.contentHash)
        let stretched = try Preprocessor.unpaired(
            a: PreprocessSource(option: "--a", path: a), b: PreprocessSource(option: "--b", path: b),
            aTest: nil, bTest: nil, output: root + "/4.h5",
            options: options {
                $0.testFraction = 0.3; $0.resizeMode = .stretch
            })
        XCTAssertNotEqual(stretched.contentHash, first.contentHash)
    }

    func testTestFoldersAndStrictMode() throws {
        let root = makeTemporaryFolder(self)
        let a = try makeFolder(root, "a", count: 4, seed: 1), b = try makeFolder(root, "b", count: 4, seed: 2, zoo: true)
        let at = try makeFolder(root, "at", count: 2, seed: 3), bt = try makeFolder(root, "bt", count: 3, seed: 4)
        let summary = try Preprocessor.unpaired(
            a: PreprocessSource(option: "--a", path: a), b: PreprocessSource(option: "--b", path: b),
            aTest: PreprocessSource(option: "--a-test", path: at), bTest: PreprocessSource(option: "--b-test", path: bt),
            output: root + "/t.h5", options: options())
        XCTAssertEqual(summary.counts.map(\.split), ["trainA", "trainB", "testA", "testB"])
        XCTAssertEqual(summary.counts.map(\.count), [5, 5, 3, 4])
        XCTAssertThrowsError(
            try Preprocessor.unpaired(
                a: PreprocessSource(option: "--a", path: a), b: PreprocessSource(option: "--b", path: b),
                aTest: nil, bTest: nil, output: root + "/strict.h5", options: options { $0.strict = true })
        ) {
            XCTAssertTrue("\($0)".hasSuffix("(--strict)"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/strict.h5"))
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: root).contains { $0.contains("tmp") })
    }

    func testMissingAndEmptyFoldersAreClearErrors() throws {
        let root = makeTemporaryFolder(self)
        let a = try makeFolder(root, "a", count: 2, seed: 1)
        try FileManager.default.createDirectory(atPath: root + "/empty/deeper", withIntermediateDirectories: true)
        func message(b: String, out: String = "/o.h5") -> String {
            do {
                _ = try Preprocessor.unpaired(
                    a: PreprocessSource(option: "--a", path: a), b: PreprocessSource(option: "--b", path: b),
                    aTest: nil, bTest: nil, output: root + out, options: options())
                return ""
            } catch { return "\(error)" }
        }
        XCTAssertTrue(
            message(b: root + "/missing").hasPrefix("--b: folder '\(root)/missing' does not exist"), message(b: root + "/missing"))
        XCTAssertEqual(message(b: root + "/empty"), "--b: no .jpg, .jpeg or .png files under '\(root)/empty'")
        XCTAssertEqual(message(b: a + "/img1.PNG"), "--b: '\(a)/img1.PNG' is not a folder")
        XCTAssertEqual(message(b: a, out: "/nowhere/o.h5"), "--out: folder '\(root)/nowhere' does not exist")
        // Every file unreadable: an error, and no file.
        let bad = root + "/bad"
        try FileManager.default.createDirectory(atPath: bad, withIntermediateDirectories: true)
        try Data().write(to: URL(fileURLWithPath: bad + "/zero.jpg"))
        XCTAssertTrue(message(b: bad).hasPrefix("--b: none of the files under"), message(b: bad))
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/o.h5"))
    }

    func testPairedModeMatchesByStemAndResizesLabelsByNearest() throws {
        let root = makeTemporaryFolder(self)
        try FileManager.default.createDirectory(atPath: root + "/images/s", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/labels/s", withIntermediateDirectories: true)
        var random = RandomSource(seed: 5)
        for name in ["s/one", "two", "three", "lonely_image"] {
            let image = Bitmap(width: 30, height: 24, channels: 3, pixels: (0..<30 * 24 * 3).map { _ in UInt8(random.next(256)) })
            try ImageCodec.writePNG(image, to: root + "/images/\(name).png")
        }
        for name in ["s/one", "two", "three", "lonely_label"] {
            let labels = Bitmap(width: 30, height: 24, channels: 1, pixels: (0..<30 * 24).map { _ in UInt8(random.next(7)) })
            try ImageCodec.writePNG(labels, to: root + "/labels/\(name).png")
        }
        let wrong = Bitmap(width: 10, height: 10, channels: 1, repeating: 1)
        try ImageCodec.writePNG(wrong, to: root + "/labels/three.png")
        let summary = try Preprocessor.paired(
            images: PreprocessSource(option: "--images", path: root + "/images"),
            labels: PreprocessSource(option: "--labels", path: root + "/labels"),
            imagesTest: nil, labelsTest: nil, output: root + "/p.h5", options: options())
        XCTAssertEqual(summary.counts.map(\.split), ["train", "test"])
        XCTAssertEqual(summary.counts.map(\.count), [2, 0])
        XCTAssertEqual(summary.skipped.count, 3)
        XCTAssertEqual(summary.numClasses, 7)
        let file = try DatasetFile(path: root + "/p.h5")
        XCTAssertEqual(file.info.kind, "paired")
        XCTAssertEqual(file.info.numClasses, 7)
        XCTAssertEqual(try file.names("train"), ["s/one.png", "two.png"])
        let labels = try ImageCodec.readLabels(contentsOf: root + "/labels/two.png")
        XCTAssertEqual(try file.labels("train", 1), labels.fitted(toSquare: 16, mode: .crop, filter: .nearest))
        XCTAssertEqual(try file.computeContentHash(), summary.contentHash)
        let source = try file.trainingSource()
        XCTAssertTrue(source.hasLabels)
        XCTAssertNil(source.countB)
    }
}
