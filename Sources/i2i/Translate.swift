// `i2i translate`: runs a checkpoint's model over images — a folder, one file, or a split of a
// dataset file — and writes PNG files or one float32 HDF5 file (/images, /names, and one
// dataset per auxiliary map the model returns, such as /attention). Dataset splits with truth
// images are also scored.
import ArgumentParser
import Checkpointing
import Configuration
import Datasets
import FileSafety
import Foundation
import HDF5Kit
import Models
import TensorCore
import Training

/// Translates images with a trained checkpoint.
struct Translate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Translate images with a checkpoint (PNG files or a float32 HDF5 file).",
        discussion: """
            Examples:
              i2i translate --checkpoint runs/h2z/checkpoints/step_000120000.h5 --input photos/ --output zebras/
              i2i translate --checkpoint ckpt.h5 --direction b2a --input data.h5:testB --output out.h5 --save-attention
              i2i translate --checkpoint munit.h5 --input edges/ --output shoes/ --style-seed 1 --styles 4
            """)

    @Option(help: "The checkpoint file.") var checkpoint: String
    @Option(help: "a2b or b2a.") var direction: Direction = .a2b
    @Option(help: "A folder of images, one image, or DATA.h5[:split] (default split testA for a2b, testB for b2a).") var input: String
    @Option(help: "A folder for PNG files, or OUT.h5 for float32 images in [-1, 1].") var output: String
    @Flag(name: .customLong("save-attention"), help: "Also write the model's maps beside each translation (AGGAN's attention masks).")
    var saveAttention = false
    @Option(help: "Side images are resized to (default: the checkpoint's training crop size; dataset images keep their size).") var size:
        Int?
    @Option(help: "How images are fitted to the square size: crop, pad or stretch.") var resize: String = "crop"
    @Option(name: .customLong("batch-size"), help: "Images translated at once.") var batchSize = 4
    @Flag(help: "Replace an existing --output file or non-empty folder (atomically, when the new one is complete).") var overwrite = false
    @OptionGroup(title: "Style (models with style codes)") var style: StyleOptions

    func validate() throws {
        try require(FileManager.default.fileExists(atPath: checkpoint), "checkpoint '\(checkpoint)' does not exist")
        try require(ResizeMode(rawValue: resize) != nil, "--resize must be crop, pad or stretch, not '\(resize)'")
        try require(batchSize >= 1, "--batch-size must be at least 1")
        if let size { try require(size >= 4 && size % 4 == 0, "--size must be a positive multiple of 4, not \(size)") }
    }

    func run() throws {
        let inputPath = datasetReference().0 ?? input
        try claimOutput(
            "--output", output, kind: output.hasSuffix(".h5") ? .file : .folder, overwrite: overwrite,
            inputs: [CommandInput("--checkpoint", checkpoint), CommandInput("--input", inputPath)])
        let (model, config) = try reportingErrors { try loadModel(checkpoint) }
        let side = size ?? config.data.cropSize
        let images = try reportingErrors { try readInputs(side: side) }
        try require(!images.isEmpty, "no images found in '\(input)'")
        // Images of one size are translated together; results keep the input order.
        var outputs = [Translation?](repeating: nil, count: images.count)
        let bySize = Dictionary(grouping: images.indices) { images[$0].bitmap.width * 100_000 + images[$0].bitmap.height }
        for indices in style.isActive ? [] : bySize.values.sorted(by: { $0[0] < $1[0] }) {
            for start in stride(from: 0, to: indices.count, by: batchSize) {
                let chunk = Array(indices[start..<Swift.min(start + batchSize, indices.count)])
                let result = translatePadded(model, concat(chunk.map { images[$0].bitmap.tensor() }, axis: 0))
                for (k, i) in chunk.enumerated() { outputs[i] = result.sample(k) }
            }
        }
        var names = images.map(\.name)
        var results = outputs.compactMap { $0 }
        if style.isActive {
            (results, names) = try translateWithStyles(
                model, config: config, images: images.map { ($0.name, $0.bitmap.tensor()) }, side: side)
        }
        try reportingErrors {
            if output.hasSuffix(".h5") {
                try writeHDF5(results, names: names)
            } else {
                try writePNGs(results, names: names)
                if style.saveStyle { try writeStyleTexts(results, names: names) }
            }
        }
        print("translated \(images.count) image\(images.count == 1 ? "" : "s") \(direction.rawValue) → \(output)")
        try scoreIfPossible(model: model)
    }

    /// Translates `x`, reflect-padding its bottom and right edges to a multiple of 4 (what the
    /// generators need) and cropping the results back.
    func translatePadded(_ model: GANModel, _ x: Tensor, styleCodes: Tensor? = nil, styleImages: Tensor? = nil) -> Translation {
        let h = x.shape[2], w = x.shape[3]
        let ph = (4 - h % 4) % 4, pw = (4 - w % 4) % 4
        func run(_ x: Tensor) -> Translation {
            model.translate(TranslationRequest(images: x, direction: direction, styleCodes: styleCodes, styleImages: styleImages))
        }
        if ph == 0 && pw == 0 { return run(x) }
        let padded = x.padded(Padding(left: 0, right: pw, top: 0, bottom: ph), mode: .reflect)
        var result = run(padded)
        func crop(_ t: Tensor) -> Tensor { t.slice(axis: 2, 0..<h).slice(axis: 3, 0..<w) }
        result.images = crop(result.images)
        for i in result.maps.indices where result.maps[i].kind != .code { result.maps[i].tensor = crop(result.maps[i].tensor) }
        return result
    }

    /// The model described by the checkpoint, with its weights, in evaluation mode.
    private func loadModel(_ path: String) throws -> (GANModel, ExperimentConfig) {
        let reader = try CheckpointReader(path: path)
        let config = try ExperimentConfig.parse(yaml: reader.header.config, source: "\(path) (its config)")
        let model = try config.makeModel(rank: 0)
        try reader.loadNetworks(model.networks)
        for (_, net) in model.networks { net.eval() }
        return (model, config)
    }

    private struct InputImage { let name: String; let bitmap: Bitmap }

    private func readInputs(side: Int) throws -> [InputImage] {
        let mode = ResizeMode(rawValue: resize) ?? .crop
        let (path, split) = datasetReference()
        if let path {
            let data = try DatasetFile(path: path)
            let s = split ?? (direction == .a2b ? "testA" : "testB")
            let names = try data.names(s)
            return try names.indices.map { InputImage(name: names[$0], bitmap: try data.image(s, $0)) }
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isFolder) else {
            throw DatasetError("input '\(input)' does not exist")
        }
        let files =
            isFolder.boolValue
            ? try ImageFolder(path: input).files.map { (input + "/" + $0, $0) }
            : [(input, (input as NSString).lastPathComponent)]
        return try files.map { path, name in
            InputImage(name: name, bitmap: try ImageCodec.read(contentsOf: path).fitted(toSquare: side, mode: mode))
        }
    }

    /// (file, split) when the input names a dataset file.
    private func datasetReference() -> (String?, String?) {
        if input.hasSuffix(".h5") { return (input, nil) }
        if let colon = input.lastIndex(of: ":"), input[..<colon].hasSuffix(".h5") {
            return (String(input[..<colon]), String(input[input.index(after: colon)...]))
        }
        return (nil, nil)
    }

    /// Writes the PNG files into a folder beside `--output` that replaces it when complete.
    private func writePNGs(_ results: [Translation], names: [String]) throws {
        let parent = URL(fileURLWithPath: output).deletingLastPathComponent().path
        do { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) } catch {
            throw commandFailure(
                "cannot create the output folder '\(parent)': \(RunFolder.systemReason(error))", status: ExitStatus.failure)
        }
        let staged = try StagedFolder(path: output)
        let folder = staged.stagingPath
        for (i, name) in names.enumerated() {
            let stem = ImageFolder.stem(name).replacingOccurrences(of: "/", with: "_")
            try ImageCodec.writePNG(Bitmap(tensor: results[i].images), to: "\(folder)/\(stem).png")
            guard saveAttention else { continue }
            for map in results[i].maps {
                guard let image = map.displayImage else { continue }
                try ImageCodec.writePNG(Bitmap(tensor: image), to: "\(folder)/\(stem)_\(map.name).png")
            }
        }
        try staged.commit()
    }

    private func writeHDF5(_ results: [Translation], names: [String]) throws {
        let file = try HDF5File.create(at: output)
        func write(_ name: String, _ tensors: [Tensor]) throws {
            let stacked = concat(tensors, axis: 0)
            try file.root.createDataset(name, of: Float.self, shape: stacked.shape)
                .write(from: UnsafeBufferPointer(start: stacked.data, count: stacked.count))
        }
        try write("images", results.map(\.images))
        try file.root.createStringDataset("names", names)
        if saveAttention || style.saveStyle, let first = results.first {
            for (m, map) in first.maps.enumerated() { try write(map.name, results.map { $0.maps[m].tensor }) }
        }
        try file.root.setAttribute("direction", direction.rawValue)
        try file.root.setAttribute("checkpoint", checkpoint)
        try file.close()
    }

    /// Prints the translation's score against the truth when the input is a dataset split with truth.
    private func scoreIfPossible(model: GANModel) throws {
        let (path, split) = datasetReference()
        guard let path, let data = try? DatasetFile(path: path) else { return }
        let s = split ?? (direction == .a2b ? "testA" : "testB")
        guard let info = try? data.split(s), info.contents.truth else { return }
        let scores = try reportingErrors {
            try data.scoreTranslation(of: s) { Bitmap(tensor: translatePadded(model, $0.tensor()).images) }
        }
        print(
            String(
                format: "score on %@ against the truth: L1 %.4f, PSNR %.2f dB (identity: L1 %.4f, PSNR %.2f dB)",
                s, scores.translation.meanAbsoluteError, scores.translation.psnr,
                scores.identity.meanAbsoluteError, scores.identity.psnr))
    }
}

extension Direction: ExpressibleByArgument {}

extension Translation {
    /// Sample `k` of a batched translation, with its maps.
    func sample(_ k: Int) -> Translation {
        Translation(
            images: images.slice(axis: 0, k..<(k + 1)),
            maps: maps.map { AuxiliaryMap(name: $0.name, tensor: $0.tensor.slice(axis: 0, k..<(k + 1)), kind: $0.kind) })
    }
}
