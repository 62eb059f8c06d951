// The data pipeline's throughput behind `i2i bench data`: preprocessing 256 px JPEG folders into
// a dataset file (all cores), and the training loader (read, resize, crop, flip, to float; one
// prefetch thread), which must keep ahead of training.
import Datasets
import Foundation
import TensorCore

/// Measures preprocessing and loading on generated JPEGs.
public struct DataBenchmark {
    /// JPEG files per domain.
    public var images: Int
    /// Loader steps to time (batch 1: one A and one B image each).
    public var steps: Int
    /// Side of the JPEGs and of the stored images.
    public var size: Int
    public var loadSize: Int
    public var cropSize: Int

    public init(images: Int, steps: Int, size: Int, loadSize: Int, cropSize: Int) {
        self.images = images
        self.steps = steps
        self.size = size
        self.loadSize = loadSize
        self.cropSize = cropSize
    }

    /// Writes JPEG folders, preprocesses them three times, returns the median rate and the file.
    public func preprocess(in folder: String) throws -> (Double, String) {
        let generator = SeasonsGenerator(seed: 1)
        for (domain, offset) in [("a", 0), ("b", 1 << 20)] {
            try FileManager.default.createDirectory(atPath: "\(folder)/\(domain)", withIntermediateDirectories: true)
            for i in 0..<images {
                var picture = generator.render(scene: UInt64(offset + i), size: size).a
                var random = RandomStream(components: [UInt64(offset + i)])
                for k in 0..<picture.pixels.count {  // camera-like noise, so the JPEGs are not trivially smooth
                    picture.pixels[k] = UInt8(max(0, min(255, Int(picture.pixels[k]) + random.nextInt(below: 17) - 8)))
                }
                let bytes = try ImageCodec.encodeJPEG(picture, quality: 90)
                try Data(bytes).write(to: URL(fileURLWithPath: "\(folder)/\(domain)/\(i).jpg"))
            }
        }
        var options = PreprocessOptions()
        options.size = size
        options.showProgress = false
        var rates: [Double] = []
        let output = "\(folder)/data.h5"
        for _ in 0..<3 {
            let summary = try Preprocessor.unpaired(
                a: PreprocessSource(option: "--a", path: "\(folder)/a"),
                b: PreprocessSource(option: "--b", path: "\(folder)/b"),
                aTest: nil, bTest: nil, output: output, options: options)
            rates.append(Double(summary.written) / summary.seconds)
        }
        return (rates.sorted()[1], output)
    }

    /// Streams `steps` batches of one A and one B image; returns images per second.
    public func loader(_ path: String) throws -> Double {
        let data = try DatasetFile(path: path)
        let source = try data.trainingSource()
        let sampler = try ShardedSampler(
            countA: source.countA, countB: source.countB, globalBatch: 1, seed: 1, exemplarLists: source.exemplarLists)
        let loader = DataLoader(
            source: source, sampler: sampler,
            augmentation: Augmentation(loadSize: loadSize, cropSize: cropSize, flip: true))
        defer { loader.close() }
        for _ in 0..<5 { _ = try loader.next() }
        let start = DispatchTime.now()
        for _ in 0..<steps { _ = try loader.next() }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        return Double(2 * steps) / seconds
    }
}
