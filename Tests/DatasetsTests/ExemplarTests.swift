// Paired data's exemplars: the label-histogram rule on a hand-computed case, reference files
// (stored, hashed, and every malformed one refused with one error), the official sampling
// frequencies, and exemplars that do not depend on the number of ranks or on resuming.
import Datasets
import Foundation
import TensorCore
import XCTest

final class ExemplarTests: XCTestCase {
    /// A 2×2 label map with the given class ids.
    func map(_ ids: [UInt8]) -> Bitmap { Bitmap(width: 2, height: 2, channels: 1, pixels: ids) }

    func testHistogramRuleOnAHandComputedCase() {
        // Histograms (class 0, class 1): m0 (3, 1), m1 (3, 1), m2 (0, 4), m3 (2, 2).
        // Cosines by hand: c(0,1) = 1; c(0,2) = 4/(√10·4) = 0.316; c(0,3) = 8/(√10·√8) = 0.894;
        // c(1,2) = 0.316; c(1,3) = 0.894; c(2,3) = 8/(4·√8) = 0.707.
        let maps = [map([0, 0, 0, 1]), map([1, 0, 0, 0]), map([1, 1, 1, 1]), map([0, 1, 0, 1])]
        let histograms = maps.map(LabelHistogram.init)
        XCTAssertEqual(histograms[3].squaredNorm, 8)
        let table = ExemplarTable.byLabelHistogram(queries: histograms, candidates: histograms, excludingSelf: true)
        // k = min(5, 4 − 1) = 3; m2's candidates m0 and m1 tie at 0.316: the lower index first.
        XCTAssertEqual(table.columns, 3)
        XCTAssertEqual((0..<4).map(table.candidates), [[1, 3, 2], [0, 3, 2], [3, 0, 1], [0, 1, 2]])
        XCTAssertEqual((0..<4).map(table.easy), [1, 0, 3, 0])
        XCTAssertEqual((0..<4).map(table.hard), [2, 2, 1, 2])
        let two = ExemplarTable.byLabelHistogram(queries: histograms, candidates: histograms, excludingSelf: true, count: 2)
        XCTAssertEqual((0..<4).map(two.candidates), [[1, 3], [0, 3], [3, 0], [0, 1]])
        // A query sharing no class with any candidate: all scores 0, so index order; not
        // excluding itself (a test image), k = min(5, 4).
        let other = ExemplarTable.byLabelHistogram(
            queries: [LabelHistogram(map([7, 7, 7, 7])), histograms[3]], candidates: histograms, excludingSelf: false)
        XCTAssertEqual(other.candidates(0), [0, 1, 2, 3])
        XCTAssertEqual(other.candidates(1), [3, 0, 1, 2])
        // One training image lists itself.
        let lonely = ExemplarTable.byLabelHistogram(queries: [histograms[0]], candidates: [histograms[0]], excludingSelf: true)
        XCTAssertEqual(lonely.candidates(0), [0])
    }

    func testTableRowsArePaddedAndCheckedWhenRead() {
        let table = ExemplarTable(rows: [[2], [0, 1, 2]])
        XCTAssertEqual(table.indices, [2, -1, -1, 0, 1, 2])
        XCTAssertEqual(table.hard(0), 2)
        XCTAssertEqual(ExemplarTable(columns: 3, indices: table.indices, trainCount: 3), table)
        XCTAssertNil(ExemplarTable(columns: 3, indices: table.indices, trainCount: 2), "index 2 of 2 images")
        XCTAssertNil(ExemplarTable(columns: 2, indices: [-1, 0], trainCount: 2), "an empty row")
        XCTAssertNil(ExemplarTable(columns: 3, indices: [0, -1, 1], trainCount: 2), "padding inside a row")
    }

    // MARK: - Preprocessing

    /// Folders of `names` images (random pixels) and label maps (`labels[i]`, 6×6).
    func makePairedFolders(_ root: String, names: [String], labels: [[UInt8]]) throws -> (String, String) {
        for sub in ["images", "labels"] {
            try FileManager.default.createDirectory(atPath: root + "/" + sub, withIntermediateDirectories: true)
        }
        var random = RandomSource(seed: 11)
        for (name, ids) in zip(names, labels) {
            let image = Bitmap(width: 6, height: 6, channels: 3, pixels: (0..<108).map { _ in UInt8(random.next(256)) })
            try ImageCodec.writePNG(image, to: root + "/images/\(name).png")
            try ImageCodec.writePNG(Bitmap(width: 6, height: 6, channels: 1, pixels: ids), to: root + "/labels/\(name).png")
        }
        return (root + "/images", root + "/labels")
    }

    func preprocess(_ root: String, _ folders: (String, String), exemplars: [String] = [], out: String = "/p.h5") throws
        -> PreprocessSummary
    {
        var options = PreprocessOptions()
        options.size = 6
        options.showProgress = false
        options.exemplarFiles = exemplars
        return try Preprocessor.paired(
            images: PreprocessSource(option: "--images", path: folders.0), labels: PreprocessSource(option: "--labels", path: folders.1),
            imagesTest: nil, labelsTest: nil, output: root + out, options: options)
    }

    let names = ["a", "b", "c", "d"]
    /// Label maps whose histograms are those of the hand-computed case, scaled by 9.
    var labelMaps: [[UInt8]] {
        [[0, 0, 0, 1], [1, 0, 0, 0], [1, 1, 1, 1], [0, 1, 0, 1]].map { q in (0..<36).map { q[($0 / 6 / 3) * 2 + ($0 % 6) / 3] } }
    }

    func testPreprocessStoresHistogramListsWithoutAReferenceFile() throws {
        let root = makeTemporaryFolder(self)
        let summary = try preprocess(root, try makePairedFolders(root, names: names, labels: labelMaps))
        let file = try DatasetFile(path: root + "/p.h5")
        XCTAssertTrue(file.info.split("train")!.contents.exemplars)
        let table = try XCTUnwrap(try file.exemplars("train"))
        XCTAssertEqual((0..<4).map(table.candidates), [[1, 3, 2], [0, 3, 2], [3, 0, 1], [0, 1, 2]])
        XCTAssertNil(try file.exemplars("test"), "an empty test split stores no table")
        XCTAssertEqual(try file.computeContentHash(), summary.contentHash)
        XCTAssertEqual(try file.trainingSource().exemplarLists, table)
    }

    func testPreprocessStoresAnOfficialReferenceFile() throws {
        let root = makeTemporaryFolder(self)
        let folders = try makePairedFolders(root, names: names, labels: labelMaps)
        // The official format: file names, commas; the last candidate is the hard one (and a
        // byte-order mark and CRLF line ends, as some editors write, are accepted).
        let ref = root + "/train_ref.txt"
        try "\u{FEFF}a.png,c.png,b.png,d.png\r\nb.png,a.png\nc.png, d.png ,a.png\nd.png,d.png\n".write(
            toFile: ref, atomically: true, encoding: .utf8)
        let plainRef = root + "/plain_ref.txt"
        try "a.png,c.png,b.png,d.png\nb.png,a.png\nc.png, d.png ,a.png\nd.png,d.png\n".write(
            toFile: plainRef, atomically: true, encoding: .utf8)
        let summary = try preprocess(root, folders, exemplars: [ref])
        XCTAssertEqual(try preprocess(root, folders, exemplars: [plainRef], out: "/plain.h5").contentHash, summary.contentHash)
        let file = try DatasetFile(path: root + "/p.h5")
        let table = try XCTUnwrap(try file.exemplars("train"))
        XCTAssertEqual(table.columns, 3)
        XCTAssertEqual((0..<4).map(table.candidates), [[2, 1, 3], [0], [3, 0], [3]])
        XCTAssertEqual((0..<4).map(table.hard), [3, 0, 0, 3])
        XCTAssertEqual(try file.computeContentHash(), summary.contentHash)
        // The lists are part of the content hash.
        let histogram = try preprocess(root, folders, out: "/q.h5")
        XCTAssertNotEqual(histogram.contentHash, summary.contentHash)
        let again = try preprocess(root, folders, exemplars: [ref], out: "/r.h5")
        XCTAssertEqual(again.contentHash, summary.contentHash)
    }

    func testMalformedReferenceFilesAreOneErrorAndWriteNothing() throws {
        let root = makeTemporaryFolder(self)
        let folders = try makePairedFolders(root, names: names, labels: labelMaps)
        let full = "a.png,b.png\nb.png,a.png\nc.png,a.png\nd.png,a.png\n"
        let cases: [(String, String)] = [
            ("", "the file is empty"),
            ("a.png,b.png\n\nb.png,a.png\nc.png,a.png\nd.png,a.png\n", "line 2: the line is empty"),
            (full + "b.png\n", "line 5: 'b.png' has no candidate exemplars"),
            ("a.png,,b.png\n", "line 1: name 2 is empty"),
            (full + "zebra.png,a.png\n", "line 5: 'zebra.png' names no stored image"),
            ("a.png,b.png,zebra.jpg\n", "line 1: candidate 'zebra.jpg' names no training image"),
            ("a.png,b.png\nc.png,a.png\n", "no line for training image 'b.png' (and 1 other training image)"),
            (full + "a.png,c.png\n", "line 5: a second line for 'a.png' (the first is line 1"),
        ]
        for (n, (text, expected)) in cases.enumerated() {
            let ref = root + "/ref\(n).txt"
            try text.write(toFile: ref, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try preprocess(root, folders, exemplars: [ref], out: "/bad\(n).h5")) { error in
                let message = "\(error)"
                XCTAssertTrue(error is DatasetError, message)
                XCTAssertTrue(message.hasPrefix("--exemplars"), message)
                XCTAssertTrue(message.contains(expected), "\(message) lacks \(expected)")
                XCTAssertFalse(message.contains("\n"), message)
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/bad\(n).h5"))
        }
        XCTAssertThrowsError(try preprocess(root, folders, exemplars: [root + "/missing.txt"])) {
            XCTAssertEqual("\($0)", "--exemplars: cannot read '\(root)/missing.txt'")
        }
    }

    // MARK: - Sampling

    /// Row i: [i+1, i+2, i+3] mod n, so easy and hard exemplars are told apart from self.
    func shiftedLists(_ n: Int) -> ExemplarTable { ExemplarTable(rows: (0..<n).map { i in (1...3).map { (i + $0) % n } }) }

    func testExemplarKindsFollowTheOfficialFrequencies() throws {
        let n = 1000
        let sampler = try ShardedSampler(countA: n, countB: nil, globalBatch: 10, seed: 5, exemplarLists: shiftedLists(n))
        var easy = 0, hard = 0, selfReference = 0
        for epoch in 0..<10 {
            let order = sampler.permutation(epoch: epoch)
            for step in 0..<sampler.stepsPerEpoch {
                for s in sampler.globalSamples(at: SamplerPosition(epoch: epoch, step: step), permutation: order) {
                    let e = try XCTUnwrap(s.exemplar)
                    if s.isSelfReference {
                        XCTAssertEqual(e, s.a)
                        selfReference += 1
                    } else if e == (s.a + 1) % n {
                        easy += 1
                    } else {
                        XCTAssertEqual(e, (s.a + 3) % n)
                        hard += 1
                    }
                }
            }
        }
        // 10 000 draws: one standard deviation is at most 0.005; the tolerance is 3 of them.
        let total = Double(easy + hard + selfReference)
        XCTAssertEqual(total, 10_000)
        XCTAssertEqual(Double(hard) / total, 0.2, accuracy: 0.015)
        XCTAssertEqual(Double(easy) / total, 0.5, accuracy: 0.015)
        XCTAssertEqual(Double(selfReference) / total, 0.3, accuracy: 0.015)
        // Without lists every exemplar is a self-reference.
        let plain = try ShardedSampler(countA: 10, countB: nil, globalBatch: 2, seed: 5)
        XCTAssertTrue(plain.globalSamples(at: .start).allSatisfy { $0.isSelfReference && $0.exemplar == $0.a })
        XCTAssertThrowsError(try ShardedSampler(countA: 9, countB: nil, globalBatch: 2, seed: 5, exemplarLists: shiftedLists(10)))
    }

    func testPairedBatchesAreTheSameOnTwoRanksAndAfterResume() throws {
        let n = 12
        var random = RandomSource(seed: 3)
        let images = (0..<n).map { _ in Bitmap(width: 10, height: 10, channels: 3, pixels: (0..<300).map { _ in UInt8(random.next(256)) }) }
        let labels = (0..<n).map { _ in Bitmap(width: 10, height: 10, channels: 1, pixels: (0..<100).map { _ in UInt8(random.next(4)) }) }
        let source = { InMemoryTrainingSource(imagesA: images, labels: labels) }
        let lists = try XCTUnwrap(source().exemplarLists)
        XCTAssertEqual(lists.columns, 5)
        let augment = Augmentation(loadSize: 12, cropSize: 8, flip: true)
        func loader(worldSize: Int, rank: Int, start: SamplerPosition = .start) throws -> DataLoader {
            let sampler = try ShardedSampler(
                countA: n, countB: nil, globalBatch: 4, worldSize: worldSize, rank: rank, seed: 8, exemplarLists: lists)
            return DataLoader(source: source(), sampler: sampler, augmentation: augment, start: start)
        }
        let single = try loader(worldSize: 1, rank: 0)
        let ranks = try (0..<2).map { try loader(worldSize: 2, rank: $0) }
        var batches: [Batch] = []
        var kinds = Set<Bool>()
        for _ in 0..<9 {
            let whole = try single.next()
            batches.append(whole)
            let parts = try ranks.map { try $0.next() }
            XCTAssertEqual(parts[0].samples + parts[1].samples, whole.samples)
            XCTAssertEqual(parts[0].exemplars!.values + parts[1].exemplars!.values, whole.exemplars!.values)
            XCTAssertEqual(parts[0].exemplarLabels!.values + parts[1].exemplarLabels!.values, whole.exemplarLabels!.values)
            for (k, s) in whole.samples.enumerated() {
                kinds.insert(s.isSelfReference)
                // The exemplar is its image with the sample's own second crop and flip.
                let choice = augment.choice(seed: 8, epoch: whole.position.epoch, position: s.position, domain: .b)
                let expected = Tensor(uninitializedShape: [3, 8, 8])
                augment.apply(images[s.exemplar!], choice, into: expected.data)
                XCTAssertEqual(Array(whole.exemplars!.values[k * 192..<(k + 1) * 192]), expected.values)
                if !s.isSelfReference { XCTAssertTrue(lists.candidates(s.a).contains(s.exemplar!)) }
            }
        }
        XCTAssertEqual(kinds, [true, false], "both kinds of exemplar in 36 samples")
        // Resume at the sixth batch (the second epoch): the same batches follow.
        let resumed = try loader(worldSize: 2, rank: 1, start: batches[5].position)
        for batch in batches[5...] {
            let part = try resumed.next()
            XCTAssertEqual(part.samples, Array(batch.samples[2...]))
            XCTAssertEqual(part.exemplars!.values, Array(batch.exemplars!.values[(2 * 192)...]))
        }
    }
}
