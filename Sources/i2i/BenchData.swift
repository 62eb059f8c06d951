// `i2i bench data`: throughput of preprocessing (256 px JPEG folders → dataset file, all
// cores) and of the training loader (read, resize to 286, crop 256, flip, to float; one
// prefetch thread), which must keep ahead of training: at least 200 images/s.
import ArgumentParser
import Benchmarks
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
        let bench = DataBenchmark(images: images, steps: steps, size: size, loadSize: loadSize, cropSize: cropSize)
        let (preprocessRate, dataPath) = try reportingErrors { try bench.preprocess(in: folder) }
        let loaderRate = try reportingErrors { try bench.loader(dataPath) }
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
            print(
                "preprocess  \(String(format: "%8.1f", preprocessRate)) images/s  (\(2 * images) JPEGs of \(size)x\(size), \(Parallel.threadCount) threads)"
            )
            print(
                "loader      \(String(format: "%8.1f", loaderRate)) images/s  (resize \(size)→\(loadSize), crop \(cropSize), flip, float; 1 prefetch thread)"
            )
        }
    }
}
