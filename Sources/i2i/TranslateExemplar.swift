// `i2i translate` for paired, exemplar-based models (CoCosNet): the inputs are label maps and
// each gets an exemplar image with its own label map (the correspondence network mixes the
// exemplar's one-hot mask into its features, as the official `NoVGGCorrespondence` does with
// `--maskmix`, so an exemplar without its label map cannot be used).
//
//   --input      label maps: a folder of one-channel PNG files of class ids, one such file, or
//                DATA.h5[:split] (default split `test`, its `labels`)
//   --exemplar   IMAGE (one exemplar for every input), a folder of images or DATA.h5[:split]
//                (one per input, in order, or a single one); omitted for a dataset input, each
//                map's first retrieval candidate in `/train` (the split's `exemplars` table, the
//                pairing the official test lists `*_ref_test.txt` give)
//   --exemplar-labels  the exemplars' label maps (a file, or a folder matched by name without
//                extension) when the exemplars are image files; dataset exemplars bring theirs
//
// Every map and exemplar is fitted to the checkpoint's square size (label maps by nearest
// neighbour, images bicubic), as preprocess stores them.
import ArgumentParser
import Datasets
import Foundation
import Models
import TensorCore

/// `--exemplar`, `--exemplar-labels`.
struct ExemplarOptions: ParsableArguments {
    @Option(
        help:
            "Exemplar images (paired models): IMAGE (for every input), a folder or DATA.h5[:split] (one per input, in order); default for a dataset input: each label map's listed exemplar."
    )
    var exemplar: String?
    @Option(
        name: .customLong("exemplar-labels"),
        help: "The exemplars' label maps when --exemplar names image files: one file, or a folder matched by name.")
    var exemplarLabels: String?

    var isActive: Bool { exemplar != nil || exemplarLabels != nil }
}

/// One label map to translate, with its exemplar.
struct PairedTranslationInput {
    let name: String
    /// Class ids [1, 1, S, S].
    let labels: Tensor
    /// [1, 3, S, S] in [-1, 1] and its class ids [1, 1, S, S].
    let exemplar: Tensor, exemplarLabels: Tensor
    let outputWidth: Int, outputHeight: Int
}

extension Translate {
    /// Reads the label maps of `source` and their exemplars, fitted to `side`.
    func readPairedInputs(_ source: TranslationSource, side: Int, keepSize: Bool) throws -> [PairedTranslationInput] {
        var maps: [(name: String, labels: Bitmap, width: Int, height: Int)] = []
        var listed: (data: DatasetFile, table: ExemplarTable)?
        switch source {
        case .dataset(let path, let split):
            let data = try DatasetFile(path: path)
            let s = split ?? "test"
            guard (try data.split(s)).contents.labels else {
                throw DatasetError(
                    "\(path): split '\(s)' holds no label maps; a paired model translates label maps (i2i preprocess --paired)")
            }
            let names = try data.names(s)
            if !isHDF5Output { try checkDistinctOutputs(names, flat: true, output: output) }
            for i in names.indices {
                let labels = try data.labels(s, i)
                maps.append((names[i], fit(labels, side: side, keepSize: true, nearest: true), labels.width, labels.height))
            }
            if exemplarOptions.exemplar == nil {
                guard let table = try data.exemplars(s), table.count == names.count else {
                    throw DatasetError(
                        "\(path): split '\(s)' lists no exemplars; pass --exemplar IMAGE, a folder or DATA.h5:split")
                }
                listed = (data, table)
            }
        case .folder(let folder):
            let listing = try ImageFolder(path: folder)
            if let problem = listing.problems.first {
                throw DatasetError("label map '\(folder)/\(problem.path)': \(problem.reason)")
            }
            if !isHDF5Output { try checkDistinctOutputs(listing.files, flat: false, output: output) }
            for file in listing.files {
                let labels = try ImageCodec.readLabels(contentsOf: folder + "/" + file)
                maps.append((file, fit(labels, side: side, keepSize: keepSize, nearest: true), labels.width, labels.height))
            }
        case .file(let path):
            let labels = try ImageCodec.readLabels(contentsOf: path)
            maps.append(
                (
                    (path as NSString).lastPathComponent, fit(labels, side: side, keepSize: keepSize, nearest: true), labels.width,
                    labels.height
                ))
        }
        let exemplars: [(image: Tensor, labels: Tensor)]
        if let listed {
            exemplars = try (0..<maps.count).map { i in
                let j = listed.table.easy(i)
                return (
                    try fit(listed.data.image("train", j), side: side, keepSize: true, nearest: false).tensor(),
                    try fit(listed.data.labels("train", j), side: side, keepSize: true, nearest: true).labelTensor()
                )
            }
        } else {
            exemplars = try readExemplars(side: side)
        }
        guard exemplars.count == 1 || exemplars.count == maps.count else {
            throw DatasetError("--exemplar holds \(exemplars.count) images: give one, or one per label map (\(maps.count))")
        }
        return maps.enumerated().map { i, map in
            let e = exemplars.count == 1 ? exemplars[0] : exemplars[i]
            return PairedTranslationInput(
                name: map.name, labels: map.labels.labelTensor(), exemplar: e.image, exemplarLabels: e.labels,
                outputWidth: keepSize ? map.width : side, outputHeight: keepSize ? map.height : side)
        }
    }

    /// The exemplars named by `--exemplar` (and `--exemplar-labels` for image files).
    private func readExemplars(side: Int) throws -> [(image: Tensor, labels: Tensor)] {
        guard let argument = exemplarOptions.exemplar else { throw DatasetError("a paired model needs --exemplar for this input") }
        switch try TranslationSource(argument) {
        case .dataset(let path, let split):
            try require(
                exemplarOptions.exemplarLabels == nil, "--exemplar-labels is for image files: a dataset's exemplars bring their label maps")
            let data = try DatasetFile(path: path)
            let s = split ?? "train"
            guard (try data.split(s)).contents.labels else {
                throw DatasetError("--exemplar \(path): split '\(s)' holds no label maps, which exemplars need (i2i preprocess --paired)")
            }
            return try (0..<data.names(s).count).map { i in
                (
                    try fit(data.image(s, i), side: side, keepSize: true, nearest: false).tensor(),
                    try fit(data.labels(s, i), side: side, keepSize: true, nearest: true).labelTensor()
                )
            }
        case .folder(let folder):
            let listing = try ImageFolder(path: folder)
            if let problem = listing.problems.first { throw DatasetError("exemplar '\(folder)/\(problem.path)': \(problem.reason)") }
            return try listing.files.map { try readExemplar(folder + "/" + $0, relative: $0, side: side) }
        case .file(let path):
            return [try readExemplar(path, relative: (path as NSString).lastPathComponent, side: side)]
        }
    }

    /// One exemplar image file and its label map from `--exemplar-labels`.
    private func readExemplar(_ path: String, relative: String, side: Int) throws -> (image: Tensor, labels: Tensor) {
        guard let labelsArgument = exemplarOptions.exemplarLabels else {
            throw DatasetError("exemplar '\(path)' needs its label map: pass --exemplar-labels FILE or FOLDER")
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: labelsArgument, isDirectory: &isFolder) else {
            throw DatasetError("--exemplar-labels '\(labelsArgument)' does not exist")
        }
        var labelPath = labelsArgument
        if isFolder.boolValue {
            let stem = ImageFolder.stem(relative)
            guard let match = try ImageFolder(path: labelsArgument).files.first(where: { ImageFolder.stem($0) == stem }) else {
                throw DatasetError("no label map named '\(stem)' in --exemplar-labels '\(labelsArgument)' for exemplar '\(path)'")
            }
            labelPath = labelsArgument + "/" + match
        }
        let image = try ImageCodec.read(contentsOf: path)
        let labels = try ImageCodec.readLabels(contentsOf: labelPath)
        guard labels.width == image.width, labels.height == image.height else {
            throw DatasetError(
                "exemplar '\(path)' is \(image.width)x\(image.height) but its label map '\(labelPath)' is \(labels.width)x\(labels.height)")
        }
        return (
            fit(image, side: side, keepSize: true, nearest: false).tensor(),
            fit(labels, side: side, keepSize: true, nearest: true).labelTensor()
        )
    }

    /// `bitmap` stretched to `side` × `side` (`keepSize`) or fitted by `--resize`.
    private func fit(_ bitmap: Bitmap, side: Int, keepSize: Bool, nearest: Bool) -> Bitmap {
        let filter: ResamplingFilter = nearest ? .nearest : .bicubic
        if bitmap.width == side && bitmap.height == side { return bitmap }
        return keepSize
            ? bitmap.resized(width: side, height: side, filter: filter) : bitmap.fitted(toSquare: side, mode: resizeMode, filter: filter)
    }

    /// Translates every label map with its exemplar, `batchSize` at a time, each result resized
    /// to its input's output size.
    func translatePaired(_ model: GANModel, _ inputs: [PairedTranslationInput]) -> [Translation] {
        var outputs: [Translation] = []
        for start in stride(from: 0, to: inputs.count, by: batchSize) {
            let chunk = Array(inputs[start..<Swift.min(start + batchSize, inputs.count)])
            let request = TranslationRequest(
                images: concat(chunk.map(\.labels), axis: 0), exemplars: concat(chunk.map(\.exemplar), axis: 0),
                exemplarLabels: concat(chunk.map(\.exemplarLabels), axis: 0))
            let result = model.translate(request)
            for (k, input) in chunk.enumerated() {
                outputs.append(result.sample(k).resized(width: input.outputWidth, height: input.outputHeight))
            }
        }
        return outputs
    }
}
