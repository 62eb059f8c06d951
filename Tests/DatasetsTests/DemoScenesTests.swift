// The paired demo kind "scenes": the same seed gives the same file, the layout of paired demo
// data, and a truth that really is the test label map in its exemplar's style.
import Datasets
import XCTest

final class DemoScenesTests: XCTestCase {
    func testSameSeedSameFileAndThePairedLayout() throws {
        let root = makeTemporaryFolder(self)
        let one = try DemoDataset.write(kind: .scenes, count: 8, testCount: 4, size: 20, seed: 3, to: root + "/1.h5")
        let two = try DemoDataset.write(kind: .scenes, count: 8, testCount: 4, size: 20, seed: 3, to: root + "/2.h5")
        let other = try DemoDataset.write(kind: .scenes, count: 8, testCount: 4, size: 20, seed: 4, to: root + "/3.h5")
        XCTAssertEqual(one, two)
        XCTAssertNotEqual(one, other)
        let a = try DatasetFile(path: root + "/1.h5"), b = try DatasetFile(path: root + "/2.h5")
        XCTAssertEqual(try a.computeContentHash(), one)
        XCTAssertTrue(a.info.isPaired)
        XCTAssertEqual(a.info.numClasses, 5)
        XCTAssertEqual(a.info.splits.map(\.name), ["train", "test"])
        XCTAssertEqual(a.info.splits.map(\.count), [8, 4])
        XCTAssertEqual(a.info.split("test")!.contents, SplitContents(labels: true, truth: true, exemplars: true))
        for i in 0..<4 {
            XCTAssertEqual(try a.image("test", i), try b.image("test", i))
            XCTAssertEqual(try a.truth("test", i), try b.truth("test", i))
        }
        // Training lists by the histogram rule over the stored label maps.
        let train = try (0..<8).map { LabelHistogram(try a.labels("train", $0)) }
        XCTAssertEqual(
            try a.exemplars("train"), ExemplarTable.byLabelHistogram(queries: train, candidates: train, excludingSelf: true))
        let generator = ScenesGenerator(seed: 3)
        XCTAssertEqual(try a.exemplars("test")?.columns, 1)
        XCTAssertEqual(
            try (0..<4).map { try a.exemplars("test")!.easy($0) },
            (0..<4).map { generator.exemplar(ofTest: ScenesGenerator.testKey($0), trainCount: 8) })
        XCTAssertEqual(try a.names("test")[2], "scenes/test/000002")
        // The training source of the file serves paired batches with those lists.
        XCTAssertEqual(try a.trainingSource().exemplarLists, try DatasetFile(path: root + "/2.h5").exemplars("train"))
    }

    func testTruthIsTheLabelMapInTheExemplarsStyle() throws {
        let root = makeTemporaryFolder(self)
        let (count, tests, size) = (10, 12, 24)
        try DemoDataset.write(kind: .scenes, count: count, testCount: tests, size: size, seed: 9, to: root + "/d.h5")
        let file = try DatasetFile(path: root + "/d.h5")
        let generator = ScenesGenerator(seed: 9)
        let table = try XCTUnwrap(try file.exemplars("test"))
        var classesSeen = Set<UInt8>()
        var differs = 0
        for i in 0..<tests {
            let j = table.easy(i)
            let labels = try file.labels("test", i).pixels, truth = try file.truth("test", i).pixels
            let exemplar = try file.image("train", j).pixels, exemplarLabels = try file.labels("train", j).pixels
            let image = try file.image("test", i).pixels
            let style = generator.style(UInt64(j))
            // Every truth pixel is the exemplar's palette colour of its class ± half the texture
            // amplitude (palettes lie in 20...235 and amplitudes below 32, so nothing clamps).
            for p in 0..<size * size {
                classesSeen.insert(labels[p])
                for c in 0..<3 {
                    let expected = style.palette[Int(labels[p])][c]
                    XCTAssertLessThanOrEqual(
                        abs(Double(truth[p * 3 + c]) - expected), style.textureAmplitude / 2 + 0.5, "test \(i) pixel \(p)")
                }
            }
            // From the stored data alone: for each class in both maps, the mean colours of truth
            // and exemplar agree within the texture amplitude; the test image's own colours do not.
            for label in Set(labels).intersection(exemplarLabels) {
                func mean(_ pixels: [UInt8], _ map: [UInt8], _ c: Int) -> Double {
                    let at = map.indices.filter { map[$0] == label }
                    return at.reduce(0.0) { $0 + Double(pixels[$1 * 3 + c]) } / Double(at.count)
                }
                for c in 0..<3 {
                    XCTAssertEqual(mean(truth, labels, c), mean(exemplar, exemplarLabels, c), accuracy: style.textureAmplitude)
                    if abs(mean(image, labels, c) - mean(exemplar, exemplarLabels, c)) > style.textureAmplitude { differs += 1 }
                }
            }
        }
        XCTAssertEqual(classesSeen, [0, 1, 2, 3, 4], "every class occurs in the test maps")
        XCTAssertGreaterThan(differs, tests, "the test images are in other styles than their exemplars")
    }
}
