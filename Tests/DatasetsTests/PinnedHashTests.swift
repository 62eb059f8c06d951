// Hash values that files and splits depend on, pinned to the values the project has always
// written: the content hash of demo data, of a preprocessed folder (whose train/test split is
// chosen by `TestSplit`'s name hash) and of hand-made paired records, and `TestSplit` itself.
// A change here means existing dataset files no longer verify or split the same way.
import Datasets
import Foundation
import XCTest

final class PinnedHashTests: XCTestCase {
    func testDemoDataContentHashes() throws {
        let root = makeTemporaryFolder(self)
        let stripes = try DemoDataset.write(kind: .stripes, count: 4, testCount: 3, size: 16, seed: 2, to: root + "/s.h5")
        XCTAssertEqual(stripes, "0d0edf4701c6cad1ad2d8c24c2bda4493ba86396722a7508a391c38f00fb0ada")
        let seasons = try DemoDataset.write(kind: .seasons, count: 4, testCount: 3, size: 16, seed: 5, to: root + "/w.h5")
        XCTAssertEqual(seasons, "54e0dbd51d773f607ee9e72a28ce2ae5e2cc6787af009102d2788763efda4704")
    }

    func testPreprocessedFolderContentHash() throws {
        let root = makeTemporaryFolder(self)
        var random = RandomSource(seed: 11)
        for domain in ["a", "b"] {
            try FileManager.default.createDirectory(atPath: root + "/" + domain + "/sub", withIntermediateDirectories: true)
            for i in 0..<12 {
                let w = 18 + random.next(20), h = 18 + random.next(20)
                let image = Bitmap(width: w, height: h, channels: 3, pixels: (0..<w * h * 3).map { _ in UInt8(random.next(256)) })
                try ImageCodec.writePNG(image, to: root + "/\(domain)/" + (i % 4 == 0 ? "sub/" : "") + "img\(i).png")
            }
        }
        var options = PreprocessOptions()
        options.size = 16
        options.testFraction = 0.4
        options.showProgress = false
        let summary = try Preprocessor.unpaired(
            a: PreprocessSource(option: "--a", path: root + "/a"),
            b: PreprocessSource(option: "--b", path: root + "/b"),
            aTest: nil, bTest: nil, output: root + "/data.h5", options: options)
        XCTAssertEqual(summary.counts.map(\.count), [5, 5, 7, 7])
        XCTAssertEqual(summary.contentHash, "30133a391c96727cd3478fc24955c41cc1deb6c80d200c5a26d6c2f447c79258")
    }

    func testPairedRecordsContentHash() {
        var train = SplitHasher(), test = SplitHasher()
        for i in 0..<5 {
            let image = (0..<4 * 4 * 3).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i) }
            let labels = (0..<4 * 4).map { UInt8(($0 + i) % 7) }
            (i < 3
                ? { train.add(name: "p\(i).png", image: image, labels: labels) }
                : { test.add(name: "p\(i).png", image: image, labels: labels) })()
        }
        XCTAssertEqual(
            SplitHasher.contentHash(imageSize: 4, splits: ["train": train, "test": test]),
            "88650c20a6e14a534959c3968b872d8beec9a0f6f5621777cce7b85ea66705ee")
    }

    func testTestSplitNameHash() {
        XCTAssertEqual(TestSplit.unitHash("").bitPattern, 4605053968302568607)
        XCTAssertEqual(TestSplit.unitHash("sub/img0.png").bitPattern, 4595370212052431180)
        XCTAssertEqual(TestSplit.unitHash("zebra_0001.jpg").bitPattern, 4603239168972625736)
        XCTAssertEqual(TestSplit.unitHash("é/ü.png").bitPattern, 4598819892013145256)
    }
}
