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
import Terminal
import Training

/// Translates images with a trained checkpoint.
struct Translate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Translate images with a checkpoint (PNG files or a float32 HDF5 file).",
        discussion: """
            Images keep their size and aspect: each is resized to the model's size, translated and \
            resized back (--size or --resize fit them to a square instead). Output files keep the \
            input folder's subfolders.

            Examples:
              i2i translate --checkpoint runs/h2z --input photos/ --output zebras/
              i2i translate --checkpoint runs/h2z/checkpoints/step_000120000.h5 --input photo.jpg --output out/
              i2i translate --checkpoint ckpt.h5 --direction b2a --input data.h5:testB --output out.h5 --save-attention
              i2i translate --checkpoint munit.h5 --input edges/ --output shoes/ --style-seed 1 --styles 4
            """)

    @Option(help: "A checkpoint file, or a run folder (its newest good checkpoint).") var checkpoint: String
    @Option(help: "a2b or b2a.") var direction: Direction = .a2b
    @Option(help: "A folder of images, one image, or DATA.h5[:split] (default split testA for a2b, testB for b2a).") var input: String
    @Option(help: "A folder for PNG files, or OUT.h5 for float32 images in [-1, 1].") var output: String
    @Flag(name: .customLong("save-attention"), help: "Also write the model's maps beside each translation (AGGAN's attention masks).")
    var saveAttention = false
    @Option(help: "Fit images to this square side instead of keeping their size (default: the checkpoint's training crop size).")
    var size: Int?
    @Option(help: "Fit images to the square size by crop, pad or stretch instead of keeping their size.") var resize: String?
    @Option(name: .customLong("batch-size"), help: "Images translated at once.") var batchSize = 4
    @Flag(help: "Replace an existing --output file or non-empty folder (atomically, when the new one is complete).") var overwrite = false
    @OptionGroup(title: "Style (models with style codes)") var style: StyleOptions
    @OptionGroup(title: "Exemplars (paired models)") var exemplarOptions: ExemplarOptions

    func validate() throws {
        try require(FileManager.default.fileExists(atPath: checkpoint), "checkpoint '\(checkpoint)' does not exist")
        if let resize { try require(ResizeMode(rawValue: resize) != nil, "--resize must be crop, pad or stretch, not '\(resize)'") }
        try require(batchSize >= 1, "--batch-size must be at least 1")
        if let size { try require(size >= 4 && size % 4 == 0, "--size must be a positive multiple of 4, not \(size)") }
    }

    var isHDF5Output: Bool { output.hasSuffix(".h5") }
    var resizeMode: ResizeMode { resize.flatMap(ResizeMode.init(rawValue:)) ?? .crop }

    func run() throws {
        let source = try reportingErrors { try TranslationSource(input) }
        let checkpointFile = try resolveCheckpoint(checkpoint)
        try claimOutput(
            "--output", output, kind: isHDF5Output ? .file : .folder, overwrite: overwrite,
            inputs: [CommandInput("--checkpoint", checkpointFile), CommandInput("--input", source.path)])
        if source.isDataset && (size != nil || resize != nil) {
            warn("--size and --resize do nothing for a dataset input: its images are translated at their stored size")
        }
        let (model, config) = try reportingErrors { try loadModel(checkpointFile) }
        if checkpointFile != checkpoint { print("checkpoint \(checkpointFile)") }
        let keepSize = size == nil && resize == nil
        let side = size ?? config.data.cropSize
        var outputs: [Translation], names: [String], sizes: [(name: String, width: Int, height: Int)]
        if config.registration.batchKind == .paired {
            try require(
                !style.isActive,
                "the \(config.registration.name) model takes no style: --style-seed, --styles and --style-from are for munit")
            let inputs = try reportingErrors { try readPairedInputs(source, side: side, keepSize: keepSize) }
            try require(!inputs.isEmpty, "no label maps found in '\(input)'")
            sizes = inputs.map { ($0.name, $0.outputWidth, $0.outputHeight) }
            try checkOneSizeForHDF5(sizes)
            outputs = translatePaired(model, inputs)
            names = inputs.map(\.name)
        } else {
            try require(
                !exemplarOptions.isActive,
                "the \(config.registration.name) model takes no exemplar: --exemplar and --exemplar-labels are for paired models (cocosnet)"
            )
            let (images, skipped) = try reportingErrors { try readInputs(source, side: side, keepSize: keepSize) }
            reportSkipped(skipped)
            try require(
                !images.isEmpty, skipped.isEmpty ? "no images found in '\(input)'" : "none of the images in '\(input)' could be read")
            sizes = images.map { ($0.name, $0.outputWidth, $0.outputHeight) }
            try checkOneSizeForHDF5(sizes)
            if style.isActive {
                (outputs, names) = try translateWithStyles(model, config: config, images: images, side: side)
            } else {
                outputs = translateAll(model, images, showProgress: !source.isDataset, modelName: config.model)
                names = images.map(\.name)
            }
        }
        try reportingErrors {
            if isHDF5Output {
                try writeHDF5(outputs, names: names, checkpointFile: checkpointFile)
            } else {
                try checkDistinctOutputs(
                    names, flat: source.isDataset, output: output, suffixes: saveAttention ? outputs[0].maps.map(\.name) : [])
                try writePNGs(outputs, names: names, flat: source.isDataset)
                if style.saveStyle { try writeStyleTexts(outputs, names: names, flat: source.isDataset) }
            }
        }
        let paired = config.registration.batchKind == .paired
        let what =
            paired
            ? "label map\(sizes.count == 1 ? "" : "s") with their exemplars" : "image\(sizes.count == 1 ? "" : "s") \(direction.rawValue)"
        print("translated \(sizes.count) \(what) → \(output)")
        try scoreIfPossible(outputs, perInput: outputs.count / sizes.count, pairedModel: paired)
    }

    /// Refuses an HDF5 output for translations of different sizes (before any is made).
    private func checkOneSizeForHDF5(_ sizes: [(name: String, width: Int, height: Int)]) throws {
        guard isHDF5Output, let first = sizes.first,
            let other = sizes.first(where: { $0.width != first.width || $0.height != first.height })
        else { return }
        throw commandFailure(
            "an HDF5 output holds images of one size, and '\(first.name)' is \(first.width)x\(first.height) while "
                + "'\(other.name)' is \(other.width)x\(other.height); pass --size to translate them all at one size, or write PNG files")
    }

    /// Translates every input in batches of one size (results keep the input order), resizes
    /// each translation to its output size, and shows a progress bar for image files.
    private func translateAll(_ model: GANModel, _ images: [TranslationInput], showProgress: Bool, modelName: String) -> [Translation] {
        let bar = showProgress ? ProgressBar(total: images.count, label: "translate", unit: "images") : nil
        var outputs = [Translation?](repeating: nil, count: images.count)
        var warned = false
        let bySize = Dictionary(grouping: images.indices) { images[$0].bitmap.width * 100_000 + images[$0].bitmap.height }
        for indices in bySize.values.sorted(by: { $0[0] < $1[0] }) {
            for start in stride(from: 0, to: indices.count, by: batchSize) {
                let chunk = Array(indices[start..<Swift.min(start + batchSize, indices.count)])
                let result = translatePadded(model, concat(chunk.map { images[$0].bitmap.tensor() }, axis: 0))
                // PNG outputs draw masks and images; the HDF5 output stores codes too.
                if saveAttention && !warned && !result.maps.contains(where: { isHDF5Output || $0.kind != .code }) {
                    warn("--save-attention does nothing for \(modelName): its translation has no maps to save")
                }
                warned = true
                for (k, i) in chunk.enumerated() {
                    outputs[i] = result.sample(k).resized(width: images[i].outputWidth, height: images[i].outputHeight)
                }
                bar?.advance(by: chunk.count)
            }
        }
        bar?.finish()
        return outputs.map { $0! }
    }

    /// Prints the inputs that could not be used, one per line with the reason, as preprocess does.
    private func reportSkipped(_ skipped: [SkippedInput]) {
        guard !skipped.isEmpty else { return }
        print("skipped \(skipped.count) file\(skipped.count == 1 ? "" : "s"):")
        for file in skipped { print("  \(file.path): \(file.reason)") }
        fflush(stdout)  // before any error line on standard error
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

    /// Writes the PNG files into a folder beside `--output` that replaces it when complete.
    private func writePNGs(_ results: [Translation], names: [String], flat: Bool) throws {
        let parent = URL(fileURLWithPath: output).deletingLastPathComponent().path
        do { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) } catch {
            throw commandFailure(
                "cannot create the output folder '\(parent)': \(RunFolder.systemReason(error))", status: ExitStatus.failure)
        }
        let staged = try StagedFolder(path: output)
        let folder = staged.stagingPath
        for (i, name) in names.enumerated() {
            let stem = outputStem(of: name, flat: flat)
            if stem.contains("/") {
                let subfolder = folder + "/" + (stem as NSString).deletingLastPathComponent
                try FileManager.default.createDirectory(atPath: subfolder, withIntermediateDirectories: true)
            }
            try ImageCodec.writePNG(Bitmap(tensor: results[i].images), to: "\(folder)/\(stem).png")
            guard saveAttention else { continue }
            for map in results[i].maps {
                guard let image = map.displayImage else { continue }
                try ImageCodec.writePNG(Bitmap(tensor: image), to: "\(folder)/\(stem)_\(map.name).png")
            }
        }
        try staged.commit()
    }

    private func writeHDF5(_ results: [Translation], names: [String], checkpointFile: String) throws {
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
        try file.root.setAttribute("format", TranslationOutput.format)
        try file.root.setAttribute("direction", direction.rawValue)
        try file.root.setAttribute("checkpoint", checkpointFile)
        try file.close()
    }

    /// Prints the score of `outputs` (each input's `perInput` translations in turn, as written)
    /// against the truth when the input is a dataset split with truth; one line per style when
    /// there are several per input.
    private func scoreIfPossible(_ outputs: [Translation], perInput: Int, pairedModel: Bool) throws {
        guard case .dataset(let path, let split) = try TranslationSource(input), let data = try? DatasetFile(path: path) else { return }
        let s = split ?? (pairedModel ? "test" : direction == .a2b ? "testA" : "testB")
        guard let info = try? data.split(s), info.contents.truth, outputs.count == info.count * perInput else { return }
        for k in 0..<perInput {
            var i = 0
            let scores = try reportingErrors {
                try data.scoreTranslation(of: s) { _ in
                    defer { i += 1 }
                    return Bitmap(tensor: outputs[i * perInput + k].images)
                }
            }
            print(
                String(
                    format: "score on %@ against the truth: L1 %.4f, PSNR %.2f dB (identity: L1 %.4f, PSNR %.2f dB)",
                    s, scores.translation.meanAbsoluteError, scores.translation.psnr,
                    scores.identity.meanAbsoluteError, scores.identity.psnr) + (perInput > 1 ? " for style \(k)" : ""))
        }
    }
}

extension Direction: ExpressibleByArgument {}

/// What `i2i inspect` knows translate's HDF5 output by.
enum TranslationOutput {
    /// The root `format` attribute of translate's HDF5 output.
    static let format = "i2i-translation"
}

extension Translation {
    /// The translation (one sample) and its drawable maps resized to `width` × `height` with the
    /// antialiased bicubic filter that fitted the input (through 8 bits: float precision is kept
    /// only when no resize is needed).
    func resized(width: Int, height: Int) -> Translation {
        guard images.shape[2] != height || images.shape[3] != width else { return self }
        func resize(_ t: Tensor) -> Tensor { Bitmap(tensor: t).resized(width: width, height: height).tensor() }
        return Translation(
            images: resize(images),
            maps: maps.map { map in
                switch map.kind {
                case .code: return map
                case .image: return AuxiliaryMap(name: map.name, tensor: resize(map.tensor), kind: .image)
                case .mask, .heatmap:
                    // A map in [0, 1] goes through the [-1, 1] image range and back.
                    let grey = resize(map.tensor * 2 - 1)
                    return AuxiliaryMap(name: map.name, tensor: (grey + 1) * 0.5, kind: map.kind)
                }
            })
    }

    /// Sample `k` of a batched translation, with its maps.
    func sample(_ k: Int) -> Translation {
        Translation(
            images: images.slice(axis: 0, k..<(k + 1)),
            maps: maps.map { AuxiliaryMap(name: $0.name, tensor: $0.tensor.slice(axis: 0, k..<(k + 1)), kind: $0.kind) })
    }
}
