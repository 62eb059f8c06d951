// What `i2i translate` reads: the checkpoint (a file, or a run folder's newest good checkpoint),
// and the images — a folder (recursively, with every unusable file reported as preprocess
// reports it), one image file, or a split of a dataset file — with the output name each one
// gets. Output names keep the input folder's subfolders (`a/b/x.jpg` → `OUT/a/b/x.png`; a dataset
// image's stored name `a/b/x` gives `OUT/a_b_x.png`), and two inputs that would get one name are
// an error naming both, found before anything is decoded.
import Checkpointing
import Datasets
import Foundation

/// One image to translate.
struct TranslationInput {
    /// The input's path relative to the input folder (the file name for one file; the stored
    /// name for a dataset image).
    let name: String
    /// The image as the model sees it.
    let bitmap: Bitmap
    /// The size the translation is given back at (the input's own size by default).
    let outputWidth: Int, outputHeight: Int
}

/// An input file that could not be used, and why.
struct SkippedInput {
    let path: String
    let reason: String
}

/// Where the input images come from.
enum TranslationSource {
    case dataset(path: String, split: String?)
    case folder(String)
    case file(String)

    /// The source `argument` names: `DATA.h5[:split]`, a folder or one image file.
    init(_ argument: String) throws {
        if argument.hasSuffix(".h5") {
            self = .dataset(path: argument, split: nil)
        } else if let colon = argument.lastIndex(of: ":"), argument[..<colon].hasSuffix(".h5") {
            self = .dataset(path: String(argument[..<colon]), split: String(argument[argument.index(after: colon)...]))
        } else {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isFolder) else {
                throw DatasetError("input '\(argument)' does not exist")
            }
            self = isFolder.boolValue ? .folder(argument) : .file(argument)
        }
    }

    /// The path the write-protection policy compares outputs with.
    var path: String {
        switch self {
        case .dataset(let path, _), .folder(let path), .file(let path): return path
        }
    }

    var isDataset: Bool {
        if case .dataset = self { return true }
        return false
    }
}

/// The output name of a translated input: its relative path without the extension, with empty,
/// `.` and `..` components dropped so that no name can leave the output folder; `flat` joins the
/// components with `_` (dataset images, whose stored names are written as one file each).
func outputStem(of name: String, flat: Bool) -> String {
    let parts = ImageFolder.stem(name).split(separator: "/").filter { $0 != "." && $0 != ".." }
    return parts.isEmpty ? "image" : parts.joined(separator: flat ? "_" : "/")
}

/// Refuses two inputs whose outputs would have one name (`a.jpg` and `a.png` → `a.png`): one
/// `error:` line naming both, exit status 2.
///
/// `suffixes` are the map suffixes written beside each translation (`_attention`).
func checkDistinctOutputs(_ names: [String], flat: Bool, output: String, suffixes: [String] = []) throws {
    var owner: [String: String] = [:]
    for name in names {
        let stem = outputStem(of: name, flat: flat)
        for suffix in [""] + suffixes.map({ "_" + $0 }) {
            let file = stem + suffix + ".png"
            if let first = owner[file] {
                throw commandFailure(
                    "inputs '\(first)' and '\(name)' would both be written to '\(output)/\(file)'; rename one of them, or translate them separately"
                )
            }
            owner[file] = name
        }
    }
}

/// The checkpoint `argument` names: the file itself, or for a run folder (or its `checkpoints`
/// folder) the newest checkpoint that verifies; newer ones that do not are reported.
func resolveCheckpoint(_ argument: String) throws -> String {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: argument, isDirectory: &isFolder), isFolder.boolValue else { return argument }
    let inner = argument + "/checkpoints"
    let folder = CheckpointFolder(path: FileManager.default.fileExists(atPath: inner) ? inner : argument)
    let (reader, skipped) = folder.newestGood()
    for (path, reason) in skipped { warn("skipping checkpoint \(path): \(reason)") }
    guard let reader else {
        throw commandFailure(
            "--checkpoint '\(argument)' is a folder without a usable checkpoint (looked for step_*.h5 in \(folder.path)"
                + (skipped.isEmpty ? ")" : "; \(skipped.count) skipped)"))
    }
    return reader.path
}

/// Prints `warning: message` on standard error.
func warn(_ message: String) {
    FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
}

extension Translate {
    /// Reads the inputs; image files that cannot be used are returned as skipped, not thrown.
    ///
    /// Folder and file inputs are fitted to a `side` × `side` square: stretched when `keepSize`
    /// (and given back at their own size), else by `--resize` (and given back at `side`).
    func readInputs(_ source: TranslationSource, side: Int, keepSize: Bool) throws -> (
        inputs: [TranslationInput], skipped: [SkippedInput]
    ) {
        let files: [(path: String, name: String)]
        var skipped: [SkippedInput] = []
        switch source {
        case .dataset(let path, let split):
            let data = try DatasetFile(path: path)
            let s = split ?? (direction == .a2b ? "testA" : "testB")
            let names = try data.names(s)
            if !isHDF5Output { try checkDistinctOutputs(names, flat: true, output: output) }
            let inputs = try names.indices.map { i in
                let image = try data.image(s, i)
                return TranslationInput(name: names[i], bitmap: image, outputWidth: image.width, outputHeight: image.height)
            }
            return (inputs, [])
        case .folder(let folder):
            let listing = try ImageFolder(path: folder)
            skipped = listing.problems.map { SkippedInput(path: folder + "/" + $0.path, reason: $0.reason) }
            files = listing.files.map { (folder + "/" + $0, $0) }
        case .file(let path):
            files = [(path, (path as NSString).lastPathComponent)]
        }
        if !isHDF5Output { try checkDistinctOutputs(files.map(\.name), flat: false, output: output) }
        let mode = resizeMode
        var inputs: [TranslationInput] = []
        for (path, name) in files {
            do {
                let image = try ImageCodec.read(contentsOf: path)
                let fitted =
                    keepSize
                    ? (image.width == side && image.height == side ? image : image.resized(width: side, height: side))
                    : image.fitted(toSquare: side, mode: mode)
                inputs.append(
                    TranslationInput(
                        name: name, bitmap: fitted, outputWidth: keepSize ? image.width : side, outputHeight: keepSize ? image.height : side
                    ))
            } catch let error as ImageError {
                skipped.append(SkippedInput(path: error.path ?? path, reason: error.reason))
            }
        }
        return (inputs, skipped)
    }
}
