// `TranslationScore` and `DatasetFile.scoreTranslation`, which `i2i translate` and `i2i demo-data`
// print: L1 and PSNR by hand on two tiny images, then a perfect translator and the identity
// baseline on a demo dataset's test split.
import Datasets
import Foundation
import XCTest
import i2i

final class TranslationScoreTests: XCTestCase {
    private func temporaryFolder() -> String {
        let path = NSTemporaryDirectory() + "i2i-tests-\(getpid())-score-\(UInt32.random(in: 0...UInt32.max))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testScores() throws {
        let x = Bitmap(width: 2, height: 1, channels: 3, pixels: [0, 0, 0, 255, 255, 255])
        let y = Bitmap(width: 2, height: 1, channels: 3, pixels: [0, 0, 0, 0, 0, 0])
        let score = TranslationScore(outputs: [x, y], truths: [y, y])
        XCTAssertEqual(score.meanAbsoluteError, 0.25, accuracy: 1e-12)
        XCTAssertEqual(score.psnr, (10 * log10(2.0) + 100) / 2, accuracy: 1e-9)
        XCTAssertEqual(score.description, "L1 0.2500, PSNR \(String(format: "%.2f", score.psnr)) dB (2 images)")
        let root = temporaryFolder()
        try DemoDataset.write(kind: .stripes, count: 4, testCount: 5, size: 16, seed: 2, to: root + "/d.h5")
        let file = try DatasetFile(path: root + "/d.h5")
        let perfect = StripesGenerator(seed: 2)
        var k = 0
        let (translation, identity) = try file.scoreTranslation(of: "testA") { _ in
            defer { k += 1 }
            return perfect.render(scene: (2 << 40) + UInt64(k), size: 16).b
        }
        XCTAssertEqual(translation.meanAbsoluteError, 0)
        XCTAssertGreaterThan(identity.meanAbsoluteError, 0.01)
        XCTAssertEqual(identity.count, 5)
        let viaTensor = TranslationScore(outputs: try file.truth("testA", 0).tensor(), truths: [try file.truth("testA", 0)])
        XCTAssertEqual(viaTensor.meanAbsoluteError, 0)
        XCTAssertThrowsError(try file.scoreTranslation(of: "trainA") { $0 })  // no truth to score against
    }
}
