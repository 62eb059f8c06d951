// `i2i bench data`: throughput of preprocessing (256 px JPEG folders → dataset file, all
// cores) and of the training loader (read, resize to 286, crop 256, flip, to float; one
// prefetch thread), which must keep ahead of training: at least 200 images/s.
import ArgumentParser
import Datasets
import Foundation
import TensorCore

/// Measures the data pipeline.
struct BenchData: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Images per second for preprocessing 256 px JPEGs and for the loader with augmentation.")

    @Flag(help: "Print one JSON object instead of text.") var json = false
    @Option(help: "JPEG files per domain to preprocess.") var images = 64
    @Option(help: "Loader steps to time (batch 1: one A and one B image each).") var steps = 300
    @Option(help: "Side of the JPEGs and of the stored images.") var size = 256
    @Option(name: .customLong("load-size"), help: "Loader resize target.") var loadSize = 286
    @Option(name: .customLong("crop-size"), help: "Loader crop.") var cropSize = 256

    func validate() throws {
        try require((2...100_000).contains(images), "--images must be between 2 and 100000, not \(images)")
        try require(steps >= 1, "--steps must be at least 1")
        try require((16...4096).contains(size), "--size must be between 16 and 4096, not \(size)")
        try require(cropSize >= 1 && cropSize <= loadSize, "--crop-size must be between 1 and --load-size")
    }

    func run() throws {
        let folder = NSTemporaryDirectory() + "i2i-bench-data-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (preprocessRate, dataPath) = try reportingErrors { try benchPreprocess(in: folder) }
        let loaderRate = try reportingErrors { try benchLoader(dataPath) }
        if json {
            let object: [String: Any] = [
                "preprocess_images_per_second": preprocessRate, "loader_images_per_second": loaderRate,
                "loader_samples_per_second": loaderRate / 2, "preprocess_threads": Parallel.threadCount,
                "loader_threads": 1, "image_size": size, "load_size": loadSize, "crop_size": cropSize,
                "images": 2 * images, "loader_steps": steps,
            ]
            let text = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: text, as: UTF8.self))
        } else {
            print("preprocess  \(String(format: "%8.1f", preprocessRate)) images/s  (\(2 * images) JPEGs of \(size)x\(size), \(Parallel.threadCount) threads)")
            print("loader      \(String(format: "%8.1f", loaderRate)) images/s  (resize \(size)→\(loadSize), crop \(cropSize), flip, float; 1 prefetch thread)")
        }
    }

    /// Writes JPEG folders, preprocesses them three times, returns the median rate and the file.
    private func benchPreprocess(in folder: String) throws -> (Double, String) {
        let generator = SeasonsGenerator(seed: 1)
        for (domain, offset) in [("a", 0), ("b", 1 << 20)] {
            try FileManager.default.createDirectory(atPath: "\(folder)/\(domain)", withIntermediateDirectories: true)
            for i in 0..<images {
                var picture = generator.render(scene: UInt64(offset + i), size: size).a
                var random = RandomStream(components: [UInt64(offset + i)])
                for k in 0..<picture.pixels.count {   // camera-like noise, so the JPEGs are not trivially smooth
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
            let summary = try Preprocessor.unpaired(a: PreprocessSource(option: "--a", path: "\(folder)/a"),
                                                    b: PreprocessSource(option: "--b", path: "\(folder)/b"),
                                                    aTest: nil, bTest: nil, output: output, options: options)
            rates.append(Double(summary.written) / summary.seconds)
        }
        return (rates.sorted()[1], output)
    }

    /// Streams `steps` batches of one A and one B image; returns images per second.
    private func benchLoader(_ path: String) throws -> Double {
        let data = try DatasetFile(path: path)
        let source = try data.trainingSource()
        let sampler = try ShardedSampler(countA: source.countA, countB: source.countB, globalBatch: 1, seed: 1)
        let loader = DataLoader(source: source, sampler: sampler,
                                augmentation: Augmentation(loadSize: loadSize, cropSize: cropSize, flip: true))
        defer { loader.close() }
        for _ in 0..<5 { _ = try loader.next() }
        let start = DispatchTime.now()
        for _ in 0..<steps { _ = try loader.next() }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        return Double(2 * steps) / seconds
    }
}
