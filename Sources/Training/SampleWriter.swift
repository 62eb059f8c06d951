// Sample grids while training (rank 0): a fixed batch of test images (or training images when
// the dataset has no test split) of the kind the model trains on, shown through the model's
// `visuals` — one row per image and direction, one column per kind of image (input,
// translation, reconstruction, attention ...), both labelled in the picture — and written as PNG
// under RUN_DIR/samples.
import Checkpointing
import Configuration
import Datasets
import FileSafety
import Foundation
import Models
import TensorCore

/// Writes sample grids for a model.
final class SampleWriter {
    private let batch: TrainingBatch
    private let folder: String
    /// The column labels, settled at the first grid.
    private var columnLabels: [String]?

    /// Takes up to `count` samples from `data` (test splits first), resized to the training
    /// crop size.
    ///
    /// Paired samples take the next sample's image and label map as exemplar.
    init(data: DatasetFile, kind: BatchKind, count: Int, size: Int, folder: String) throws {
        func split(_ test: String, _ train: String) throws -> (name: String, count: Int) {
            let name = (try? data.split(test)).flatMap { $0.count > 0 ? $0 : nil } != nil ? test : train
            return (name, Swift.min(Swift.max(count, 1), try data.split(name).count))
        }
        func fitted(_ bitmap: Bitmap, labels: Bool = false) -> Bitmap {
            bitmap.width == size && bitmap.height == size
                ? bitmap : bitmap.fitted(toSquare: size, mode: .crop, filter: labels ? .nearest : .bicubic)
        }
        func images(_ split: (name: String, count: Int), order: [Int]? = nil) throws -> Tensor {
            concat(try (order ?? Array(0..<split.count)).map { try fitted(data.image(split.name, $0)).tensor() }, axis: 0)
        }
        func labels(_ split: (name: String, count: Int), order: [Int]? = nil) throws -> Tensor {
            concat(
                try (order ?? Array(0..<split.count)).map { try fitted(data.labels(split.name, $0), labels: true).labelTensor() },
                axis: 0)
        }
        switch kind {
        case .unpaired:
            batch = .unpaired(ImageBatch(a: try images(try split("testA", "trainA")), b: try images(try split("testB", "trainB"))))
        case .paired:
            let s = try split("test", "train")
            let next = (0..<s.count).map { ($0 + 1) % s.count }
            batch = .paired(
                PairedBatch(
                    labels: try labels(s), images: try images(s), exemplars: try images(s, order: next),
                    exemplarLabels: try labels(s, order: next), isSelfReference: next.map { _ in s.count == 1 }))
        }
        self.folder = folder
    }

    /// Writes `samples/step_<step>.png` (atomically) and returns it: a labelled grid, one row
    /// per sample and direction.
    @discardableResult
    func write(model: GANModel, step: Int) throws -> SampleGrid {
        let visuals = model.visuals(batch)
        var rows: [[Bitmap]] = []
        var rowLabels: [String] = []
        var namedColumns: [String]?
        for (label, images) in visuals.rows {
            let (rowLabel, named) = ImageGrid.splitRowLabel(label, columns: images.count)
            namedColumns = namedColumns ?? named
            let n = images[0].shape[0]
            for i in 0..<n {
                rowLabels.append(rowLabel)
                rows.append(
                    images.map { t in
                        let one = t.slice(axis: 0, i..<(i + 1))
                        return Bitmap(tensor: one.shape[1] == 1 ? AuxiliaryMap(name: "", tensor: one, kind: .mask).displayImage! : one)
                    })
            }
        }
        if columnLabels == nil {
            columnLabels =
                !visuals.columns.isEmpty
                ? visuals.columns : namedColumns ?? defaultColumnLabels(model, columns: rows.first?.count ?? 0)
        }
        let grid = ImageGrid.composeLabelled(rows, rowLabels: rowLabels, columnLabels: columnLabels ?? [])
        let png = try ImageCodec.encodePNG(grid)
        let path = folder + String(format: "/step_%09d.png", step)
        do { try AtomicOutput.write(Data(png), to: path) } catch {
            throw ImageError(.unwritable, path: path, reason: "cannot write the file (\(RunFolder.systemReason(error)))")
        }
        return SampleGrid(path: path, step: step, png: png, width: grid.width, height: grid.height)
    }

    /// Input, translation, reconstruction, then the names of the maps the model's translation
    /// returns (`attention`), then `image 5`, `image 6` … for any further columns.
    private func defaultColumnLabels(_ model: GANModel, columns: Int) -> [String] {
        var labels = ["input", "translation", "reconstruction"]
        if columns > labels.count, case .unpaired(let images) = batch {
            let first = images.a.slice(axis: 0, 0..<1)
            labels += withoutGradient { model.translate(first, direction: .a2b).maps.filter { $0.kind != .code }.map(\.name) }
        }
        while labels.count < columns { labels.append("image \(labels.count + 1)") }
        return Array(labels.prefix(columns))
    }
}

/// A sample grid as written: its file, step, PNG bytes and size.
public struct SampleGrid {
    public let path: String
    public let step: Int
    public let png: [UInt8]
    public let width: Int
    public let height: Int
}
