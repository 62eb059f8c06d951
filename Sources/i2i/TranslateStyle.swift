// The style options of `i2i translate`, for models that take style codes or style images
// (MUNIT): `--style-seed N [--styles K]` translates each input with K style codes drawn from
// N(0, I) by a stream seeded with N (the same K codes for every input, as the official
// test.py draws `num_style` codes), writing `<input>_style<k>`; `--style-from` encodes the style
// of target-domain images (one image for all inputs, or a folder or dataset split holding one
// per input, index-aligned); `--save-style` writes the codes used (HDF5: dataset /style; PNG:
// `<name>_style.txt`, one number per line).
import ArgumentParser
import Datasets
import Foundation
import Models
import TensorCore
import Training

/// `--style-seed`, `--styles`, `--style-from`, `--save-style`.
struct StyleOptions: ParsableArguments {
    @Option(name: .customLong("style-seed"), help: "Translate with random style codes from this seed (models with style codes).")
    var styleSeed: UInt64?
    @Option(help: "Style codes per input with --style-seed; outputs are named <input>_style<k> (default 1).") var styles: Int?
    @Option(
        name: .customLong("style-from"),
        help: "Target-domain style images: IMAGE (for every input), a folder or DATA.h5:split (one per input, in order).")
    var styleFrom: String?
    @Flag(name: .customLong("save-style"), help: "Also write the style codes used (HDF5 /style, or <name>_style.txt).")
    var saveStyle = false

    /// Whether the styles are chosen here (not by the model's default).
    var isActive: Bool { styleSeed != nil || styles != nil || styleFrom != nil }

    func validate() throws {
        if let styles { try require(styles >= 1, "--styles must be at least 1, not \(styles)") }
        try require(styleFrom == nil || (styleSeed == nil && styles == nil), "--style-from excludes --style-seed and --styles")
    }
}

extension Translate {
    /// The translations of `images` with the style options (each resized to its input's output
    /// size), and their names.
    func translateWithStyles(
        _ model: GANModel, config: ExperimentConfig, images inputs: [TranslationInput], side: Int
    ) throws -> (results: [Translation], names: [String]) {
        let images = inputs.map { (name: $0.name, tensor: $0.bitmap.tensor()) }
        try style.validate()
        let accepted = config.registration.translationInputs
        try require(
            accepted.contains(.styleCode) && accepted.contains(.styleImage),
            "the \(config.registration.name) model takes no style: --style-seed, --styles, --style-from and --save-style are for "
                + "models with style codes (munit)")
        var results: [Translation] = []
        var names: [String] = []
        if let styleFrom = style.styleFrom {
            let styleImages = try reportingErrors { try readStyleImages(styleFrom, side: side) }
            try require(
                styleImages.count == 1 || styleImages.count == images.count,
                "--style-from holds \(styleImages.count) images: give one, or one per input (\(images.count))")
            for (i, image) in images.enumerated() {
                let s = styleImages.count == 1 ? styleImages[0] : styleImages[i]
                results.append(
                    translatePadded(model, image.tensor, styleImages: s)
                        .resized(width: inputs[i].outputWidth, height: inputs[i].outputHeight))
                names.append(image.name)
            }
            return (results, names)
        }
        let k = style.styles ?? 1
        // The style code's length, from the model's own choice of style for the first input.
        let probe = model.translate(TranslationRequest(images: images[0].tensor, direction: direction))
        guard let dim = probe.map("style")?.tensor.shape[1] else {
            throw commandFailure("the \(config.registration.name) model returned no style code")
        }
        var stream = RandomStream(seed: style.styleSeed ?? 0, purpose: "translate.style")
        let codes = Tensor.normal([k, dim, 1, 1], std: 1, using: &stream)
        for (i, image) in images.enumerated() {
            let batch = concat(Array(repeating: image.tensor, count: k), axis: 0)
            let result = translatePadded(model, batch, styleCodes: codes)
            let stem = ImageFolder.stem(image.name)
            for j in 0..<k {
                results.append(result.sample(j).resized(width: inputs[i].outputWidth, height: inputs[i].outputHeight))
                names.append("\(stem)_style\(j)")
            }
        }
        return (results, names)
    }

    /// The style images of `--style-from`, fitted to `side`: one file, a folder, or a dataset
    /// split (default: the target domain's test split).
    private func readStyleImages(_ path: String, side: Int) throws -> [Tensor] {
        let mode = resizeMode
        var file = path, split: String?
        if let colon = path.lastIndex(of: ":"), path[..<colon].hasSuffix(".h5") {
            file = String(path[..<colon])
            split = String(path[path.index(after: colon)...])
        }
        if file.hasSuffix(".h5") {
            let data = try DatasetFile(path: file)
            let s = split ?? (direction == .a2b ? "testB" : "testA")
            return try (0..<data.names(s).count).map { try data.image(s, $0).tensor() }
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isFolder) else {
            throw DatasetError("--style-from '\(file)' does not exist")
        }
        let files = isFolder.boolValue ? try ImageFolder(path: file).files.map { file + "/" + $0 } : [file]
        return try files.map { try ImageCodec.read(contentsOf: $0).fitted(toSquare: side, mode: mode).tensor() }
    }

    /// Writes each PNG translation's style code as `<name>_style.txt` beside it (`flat`: the
    /// names' folders joined with `_`, as the PNG writer does for dataset inputs).
    func writeStyleTexts(_ results: [Translation], names: [String], flat: Bool) throws {
        for (result, name) in zip(results, names) {
            guard let code = result.map("style")?.tensor else { continue }
            let stem = flat ? ImageFolder.stem(name).replacingOccurrences(of: "/", with: "_") : ImageFolder.stem(name)
            let text = code.values.map { String($0) }.joined(separator: "\n") + "\n"
            do { try text.write(toFile: "\(output)/\(stem)_style.txt", atomically: true, encoding: .utf8) } catch {
                throw commandFailure(
                    "cannot write '\(output)/\(stem)_style.txt': \(error.localizedDescription)", status: ExitStatus.failure)
            }
        }
    }
}
