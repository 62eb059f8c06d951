// Scoring a translation against the known truth of demo data (and of any dataset with `truth`),
// with the identity baseline (the input itself taken as the translation) to beat: printed by
// `i2i translate` for a dataset split with truth, and (the baseline alone) by `i2i demo-data`.
import Datasets
import Foundation
import TensorCore

/// How close translated images are to the true ones.
public struct TranslationScore: Equatable, Sendable, CustomStringConvertible {
    /// Mean absolute difference per sample, in pixel units of [0, 1] (|Δ| / 255).
    public let meanAbsoluteError: Double
    /// Mean over images of the PSNR in dB (peak 255; an exact image counts as 100 dB).
    public let psnr: Double
    /// Images scored.
    public let count: Int

    /// `L1 0.0412, PSNR 24.31 dB (40 images)`.
    public var description: String {
        "L1 \(String(format: "%.4f", meanAbsoluteError)), PSNR \(String(format: "%.2f", psnr)) dB (\(count) images)"
    }

    /// Scores pairs of equally sized images.
    public init(outputs: [Bitmap], truths: [Bitmap]) {
        precondition(outputs.count == truths.count, "TranslationScore: \(outputs.count) outputs for \(truths.count) truths")
        var absolute = 0.0, samples = 0, psnrSum = 0.0
        for (output, truth) in zip(outputs, truths) {
            precondition(
                output.width == truth.width && output.height == truth.height && output.channels == truth.channels,
                "TranslationScore: an output of \(output.width)x\(output.height) for a truth of \(truth.width)x\(truth.height)")
            var sum = 0.0, squares = 0.0
            for (p, q) in zip(output.pixels, truth.pixels) {
                let d = Double(Int(p) - Int(q))
                sum += abs(d)
                squares += d * d
            }
            absolute += sum
            samples += output.pixels.count
            let mse = squares / Double(Swift.max(1, output.pixels.count))
            psnrSum += mse == 0 ? 100 : 10 * log10(255.0 * 255.0 / mse)
        }
        meanAbsoluteError = samples == 0 ? 0 : absolute / Double(samples) / 255
        psnr = outputs.isEmpty ? 0 : psnrSum / Double(outputs.count)
        count = outputs.count
    }

    /// Scores network outputs, (N, 3, H, W) in [-1, 1], against truths.
    public init(outputs: Tensor, truths: [Bitmap]) {
        precondition(
            outputs.rank == 4 && outputs.shape[0] == truths.count, "TranslationScore: outputs \(outputs.shape) for \(truths.count) truths")
        let per = outputs.count / Swift.max(1, truths.count)
        let images = (0..<truths.count).map { i -> Bitmap in
            let one = Tensor(
                shape: Array(outputs.shape.dropFirst()), values: Array(UnsafeBufferPointer(start: outputs.data + i * per, count: per)))
            return Bitmap(tensor: one)
        }
        self.init(outputs: images, truths: truths)
    }
}

extension DatasetFile {
    /// The score of `translate` on a split with truth (for demo data: `testA` scores A → B,
    /// `testB` scores B → A), and the identity baseline's on the same images.
    public func scoreTranslation(
        of split: String, limit: Int? = nil,
        translate: (Bitmap) throws -> Bitmap
    ) throws -> (translation: TranslationScore, identity: TranslationScore) {
        let info = try self.split(split)
        guard info.contents.truth else { throw DatasetError("\(path): split '\(split)' has no truth images to score against") }
        let n = Swift.min(info.count, limit ?? info.count)
        var inputs: [Bitmap] = [], outputs: [Bitmap] = [], truths: [Bitmap] = []
        for i in 0..<n {
            let input = try image(split, i)
            inputs.append(input)
            outputs.append(try translate(input))
            truths.append(try truth(split, i))
        }
        return (TranslationScore(outputs: outputs, truths: truths), TranslationScore(outputs: inputs, truths: truths))
    }
}
