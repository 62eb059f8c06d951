// Sample grids while training (rank 0): a fixed set of test images (or training images when
// the dataset has no test split) translated both ways, one row per image: input | translation
// | reconstruction (| attention mask), written as PNG under RUN_DIR/samples.
import Datasets
import Foundation
import Models
import TensorCore

/// Writes sample grids for a model.
final class SampleWriter {
    private let batch: ImageBatch
    private let folder: String

    /// Takes up to `count` images of each domain from `data` (test splits first), resized to
    /// the training crop size.
    init(data: DatasetFile, count: Int, size: Int, folder: String) throws {
        func images(_ domain: String) throws -> Tensor {
            let split = (try? data.split("test" + domain)).flatMap { $0.count > 0 ? $0 : nil } != nil ? "test" + domain : "train" + domain
            let n = Swift.min(count, try data.split(split).count)
            let tensors = try (0..<n).map { i -> Tensor in
                var bitmap = try data.image(split, i)
                if bitmap.width != size || bitmap.height != size { bitmap = bitmap.fitted(toSquare: size, mode: .crop) }
                return bitmap.tensor()
            }
            return concat(tensors, axis: 0)
        }
        batch = ImageBatch(a: try images("A"), b: try images("B"))
        self.folder = folder
    }

    /// Writes `samples/step_<step>.png` and returns its path.
    @discardableResult
    func write(model: GANModel, step: Int) throws -> String {
        let visuals = model.visuals(batch)
        var rows: [[Bitmap]] = []
        for (_, images) in visuals.rows {
            let n = images[0].shape[0]
            for i in 0..<n {
                rows.append(images.map { t in
                    var one = t.slice(axis: 0, i..<(i + 1))
                    if one.shape[1] == 1 { one = concat([one, one, one], axis: 1).scaled(by: 2).adding(-1) }
                    return Bitmap(tensor: one)
                })
            }
        }
        let path = folder + String(format: "/step_%09d.png", step)
        try ImageCodec.writePNG(ImageGrid.compose(rows), to: path)
        return path
    }
}
