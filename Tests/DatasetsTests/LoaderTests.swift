// Augmentation and the prefetching loader: values in [-1, 1], the same batches for any number
// of ranks, exact resume from a saved position, and paired label maps cropped with their images.
import Datasets
import TensorCore
import XCTest

final class LoaderTests: XCTestCase {
    /// Images whose pixels encode their index, so batches can be traced back.
    static func source(countA: Int, countB: Int, size: Int) -> InMemoryTrainingSource {
        func image(_ seed: Int) -> Bitmap {
            var r = RandomSource(seed: UInt64(seed))
            return Bitmap(width: size, height: size, channels: 3, pixels: (0..<size * size * 3).map { _ in UInt8(r.next(256)) })
        }
        return InMemoryTrainingSource(imagesA: (0..<countA).map { image($0) }, imagesB: (0..<countB).map { image(1000 + $0) })
    }

    func testAugmentationChoicesAreKeyedBySample() {
        let augment = Augmentation(loadSize: 36, cropSize: 32, flip: true)
        let c = augment.choice(seed: 3, epoch: 1, position: 5, domain: .a)
        XCTAssertEqual(c, augment.choice(seed: 3, epoch: 1, position: 5, domain: .a))
        XCTAssertTrue((0...4).contains(c.x) && (0...4).contains(c.y))
        let choices = (0..<400).map { augment.choice(seed: 3, epoch: 0, position: $0, domain: .b) }
        let flips = choices.filter(\.flip).count
        XCTAssertTrue((150...250).contains(flips), "\(flips) flips of 400")
        XCTAssertEqual(Set(choices.map(\.x)), Set(0...4))
        XCTAssertFalse(Augmentation(loadSize: 36, cropSize: 32, flip: false).choice(seed: 3, epoch: 0, position: 1, domain: .a).flip)
    }

    func testAugmentedImageMatchesResizeCropFlip() {
        let image = Bitmap(width: 40, height: 32, channels: 3, pixels: Fixtures.bytes("resize_source.raw"))
            .fitted(toSquare: 32, mode: .crop)
        let augment = Augmentation(loadSize: 37, cropSize: 30, flip: true)
        let choice = AugmentationChoice(x: 5, y: 2, flip: true)
        let expected = image.resized(width: 37, height: 37).cropped(x: 5, y: 2, width: 30, height: 30).flippedHorizontally()
        XCTAssertEqual(augment.augmented(image, choice), expected)
        let t = Tensor(uninitializedShape: [1, 3, 30, 30])
        augment.apply(image, choice, into: t.data)
        XCTAssertEqual(Bitmap(tensor: t), expected)
        XCTAssertEqual(t.values.min()! >= -1, true)
        XCTAssertEqual(t.values.max()! <= 1, true)
        XCTAssertEqual(t.data[0], Float(expected.pixels[0]) / 127.5 - 1)
        // At the load size already: a plain crop.
        XCTAssertEqual(
            Augmentation(loadSize: 32, cropSize: 30).augmented(image, AugmentationChoice(x: 1, y: 2, flip: false)),
            image.cropped(x: 1, y: 2, width: 30, height: 30))
    }

    func testBatchesDoNotDependOnWorldSize() throws {
        let augment = Augmentation(loadSize: 20, cropSize: 16, flip: true)
        let single = try ShardedSampler(countA: 13, countB: 9, globalBatch: 6, worldSize: 1, rank: 0, seed: 11)
        let reference = DataLoader(source: Self.source(countA: 13, countB: 9, size: 18), sampler: single, augmentation: augment)
        var expected: [Batch] = []
        for _ in 0..<5 { expected.append(try reference.next()) }  // crosses the epoch boundary (2 steps per epoch)
        XCTAssertEqual(reference.position, SamplerPosition(epoch: 2, step: 1))
        for worldSize in [2, 3] {
            let loaders = try (0..<worldSize).map {
                DataLoader(
                    source: Self.source(countA: 13, countB: 9, size: 18), sampler: try single.withWorld(worldSize, rank: $0),
                    augmentation: augment)
            }
            for step in 0..<5 {
                let parts = try loaders.map { try $0.next() }
                XCTAssertEqual(parts.flatMap(\.samples), expected[step].samples)
                XCTAssertEqual(parts.flatMap { $0.a.values }, expected[step].a.values, "W=\(worldSize) step \(step)")
                XCTAssertEqual(parts.flatMap { $0.b!.values }, expected[step].b!.values)
                XCTAssertEqual(parts.flatMap(\.namesB), expected[step].namesB)
            }
        }
    }

    func testResumeFromSavedPositionRepeatsTheBatches() throws {
        let augment = Augmentation(loadSize: 12, cropSize: 10, flip: true)
        let sampler = try ShardedSampler(countA: 7, countB: 11, globalBatch: 2, seed: 5)
        let first = DataLoader(source: Self.source(countA: 7, countB: 11, size: 12), sampler: sampler, augmentation: augment)
        for _ in 0..<4 { _ = try first.next() }
        let saved = first.position
        let continued = try (0..<8).map { _ in try first.next() }
        first.close()
        let resumed = DataLoader(
            source: Self.source(countA: 7, countB: 11, size: 12), sampler: sampler, augmentation: augment, start: saved)
        for batch in continued {
            let again = try resumed.next()
            XCTAssertEqual(again.position, batch.position)
            XCTAssertEqual(again.a.values, batch.a.values)
            XCTAssertEqual(again.b!.values, batch.b!.values)
        }
    }

    func testPairedLabelsShareTheImageCrop() throws {
        // The label map is the image's red channel, so after augmentation they must agree.
        let images = (0..<5).map { i -> Bitmap in
            var r = RandomSource(seed: UInt64(i))
            return Bitmap(width: 14, height: 14, channels: 3, pixels: (0..<14 * 14 * 3).map { _ in UInt8(r.next(8)) })
        }
        let labels = images.map { image in
            Bitmap(width: 14, height: 14, channels: 1, pixels: stride(from: 0, to: image.pixels.count, by: 3).map { image.pixels[$0] })
        }
        let source = InMemoryTrainingSource(imagesA: images, labels: labels)
        let sampler = try ShardedSampler(countA: 5, countB: nil, globalBatch: 2, seed: 3)
        let loader = DataLoader(source: source, sampler: sampler, augmentation: Augmentation(loadSize: 14, cropSize: 11, flip: true))
        for _ in 0..<6 {
            let batch = try loader.next()
            XCTAssertNil(batch.b)
            let l = batch.labels!
            XCTAssertEqual(l.shape, [2, 1, 11, 11])
            for k in 0..<2 {
                for i in 0..<121 {
                    XCTAssertEqual((batch.a.data[k * 3 * 121 + i] + 1) * 127.5, l.data[k * 121 + i], accuracy: 1e-3)
                }
            }
        }
    }

    func testLoaderReadsTheDatasetFileOnItsThread() throws {
        let root = makeTemporaryFolder(self)
        try DemoDataset.write(kind: .stripes, count: 9, testCount: 4, size: 20, seed: 1, to: root + "/d.h5")
        // Everything read up front and the file closed, so HDF5 is used by one thread at a time.
        var memory: InMemoryTrainingSource!
        do {
            let file = try DatasetFile(path: root + "/d.h5")
            defer { file.close() }
            memory = InMemoryTrainingSource(
                imagesA: try (0..<9).map { try file.image("trainA", $0) },
                imagesB: try (0..<9).map { try file.image("trainB", $0) },
                namesA: try file.names("trainA"), namesB: try file.names("trainB"))
        }
        let sampler = try ShardedSampler(countA: 9, countB: 9, globalBatch: 2, seed: 6)
        let augment = Augmentation(loadSize: 23, cropSize: 20, flip: true)
        let expected = DataLoader(source: memory, sampler: sampler, augmentation: augment)
        let fromFile = DataLoader(source: try DatasetFile(path: root + "/d.h5").trainingSource(), sampler: sampler, augmentation: augment)
        for _ in 0..<10 {
            let (x, y) = (try expected.next(), try fromFile.next())
            XCTAssertEqual(x.a.values, y.a.values)
            XCTAssertEqual(x.b!.values, y.b!.values)
            XCTAssertEqual(x.namesA + x.namesB, y.namesA + y.namesB)
            XCTAssertTrue(y.namesA[0].hasPrefix("stripes/trainA/"))
        }
    }

    func testCloseAndReleaseStopTheThread() throws {
        let sampler = try ShardedSampler(countA: 4, countB: 4, globalBatch: 2, seed: 1)
        for _ in 0..<20 {
            let loader = DataLoader(
                source: Self.source(countA: 4, countB: 4, size: 8), sampler: sampler,
                augmentation: Augmentation(loadSize: 8, cropSize: 8))
            _ = try loader.next()
        }
        let loader = DataLoader(source: Self.source(countA: 4, countB: 4, size: 8), sampler: sampler, augmentation: .none(size: 8))
        loader.close()
        loader.close()
    }
}
