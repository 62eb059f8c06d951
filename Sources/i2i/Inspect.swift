// `i2i inspect`: what an i2i HDF5 file holds. The kind comes from the root `format` attribute;
// datasets and checkpoints are described, other kinds are refused with a clear message.
import ArgumentParser
import Checkpointing
import Configuration
import Datasets
import FileSafety
import Foundation
import Training

/// Describes a dataset, a checkpoint, translate's HDF5 output or a run folder.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what an i2i file or run folder holds: kind, splits, counts, sizes, steps, losses, content hash.",
        discussion: """
            Examples:
              i2i inspect h2z.h5 --grid preview.png
              i2i inspect runs/h2z/checkpoints/step_000120000.h5 --json
              i2i inspect runs/h2z            # steps done, newest checkpoint, last losses
              i2i inspect zebras.h5           # translate's HDF5 output
            """)

    @Argument(help: "The HDF5 file (dataset, checkpoint or translate output), or a run folder.") var file: String
    @Flag(help: "Print one JSON object instead of text.") var json = false
    @Option(help: "Write a PNG grid of the first images of each split (with truth and label maps).") var grid: String?
    @Option(name: .customLong("grid-count"), help: "Images per split in the grid.") var gridCount = 8
    @Flag(help: "Recompute the content hash from the stored pixels and names and compare.") var verify = false
    @Flag(help: "Replace an existing --grid file.") var overwrite = false

    func validate() throws {
        try require((1...64).contains(gridCount), "--grid-count must be between 1 and 64, not \(gridCount)")
    }

    func run() throws {
        var isFolder: ObjCBool = false
        try require(FileManager.default.fileExists(atPath: file, isDirectory: &isFolder), "'\(file)' does not exist")
        if isFolder.boolValue {
            try require(grid == nil && !verify, "--grid and --verify need a dataset file, and '\(file)' is a folder")
            return try inspectRunFolder()
        }
        if let grid { try claimOutput("--grid", grid, kind: .file, overwrite: overwrite, inputs: [CommandInput("FILE", file)]) }
        let format = try reportingErrors {
            do { return try DatasetFile.format(ofFileAt: file) } catch { throw DatasetError("\(file) cannot be read as HDF5: \(error)") }
        }
        switch format {
        case DatasetLayout.format?:
            try inspectDataset()
        case CheckpointWriter.format?:
            try inspectCheckpoint()
        case TranslationOutput.format?:
            try inspectTranslation()
        default:
            throw commandFailure(
                "\(file) is not an i2i dataset, checkpoint or translation output (its format attribute is "
                    + "\(format.map { "'\($0)'" } ?? "missing"))")
        }
    }

    private func inspectDataset() throws {
        let data = try reportingErrors { try DatasetFile(path: file) }
        let info = data.info
        let bytes = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        var verified: Bool?
        if verify { verified = try reportingErrors { try data.computeContentHash() } == info.contentHash }
        if let grid { try writeGrid(data, to: grid) }

        if json {
            var splits: [String: Any] = [:]
            for split in info.splits {
                var entry: [String: Any] = ["count": split.count, "height": split.height, "width": split.width]
                if split.contents.labels { entry["labels"] = true }
                if split.contents.truth { entry["truth"] = true }
                if split.contents.exemplars { entry["exemplars"] = true }
                splits[split.name] = entry
            }
            var object: [String: Any] = [
                "kind": "dataset", "path": file, "size_bytes": bytes, "paired": info.isPaired,
                "image_size": info.imageSize, "resize_mode": info.resizeMode, "splits": splits,
                "split_order": info.splits.map(\.name), "content_hash": info.contentHash, "skipped": info.skipped,
            ]
            if let classes = info.numClasses { object["num_classes"] = classes }
            if let verified { object["content_hash_verified"] = verified }
            if let created = try? JSONSerialization.jsonObject(with: Data(info.createdBy.utf8)) { object["created_by"] = created }
            let text = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: text, as: UTF8.self))
        } else {
            print("file      \(file) (\(Inspect.bytesText(bytes)))")
            print(
                "kind      dataset, \(info.kind), \(info.imageSize)x\(info.imageSize), resize \(info.resizeMode)"
                    + (info.numClasses.map { ", \($0) classes" } ?? ""))
            for split in info.splits {
                let extras = [
                    split.contents.labels ? "labels" : nil, split.contents.truth ? "truth" : nil,
                    split.contents.exemplars ? "exemplar lists" : nil,
                ].compactMap { $0 }
                print(
                    "split     \(split.name.padding(toLength: 7, withPad: " ", startingAt: 0)) \(split.count) images \(split.height)x\(split.width)"
                        + (extras.isEmpty ? "" : " + " + extras.joined(separator: ", ")))
            }
            print("skipped   \(info.skipped)")
            print(
                "hash      \(info.contentHash)"
                    + (verified.map { $0 ? " (verified)" : " (MISMATCH: the stored pixels do not match)" } ?? ""))
            print("created   \(info.createdBy)")
            if let grid { print("grid      \(grid)") }
        }
        if verified == false {
            throw commandFailure("\(file): the content hash does not match the stored pixels and names", status: ExitStatus.failure)
        }
    }

    private func inspectCheckpoint() throws {
        let reader = try reportingErrors { try CheckpointReader(path: file) }
        let h = reader.header
        let config = try reportingErrors { try ExperimentConfig.parse(yaml: h.config, source: "\(file) (its config)") }
        let model = try reportingErrors { try config.makeModel(rank: 0) }
        let counts = model.networks.map { ($0.name, $0.module.parameterCount) }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        if json {
            var networks: [String: Any] = [:]
            for (name, n) in counts { networks[name] = ["parameters": n] }
            let object: [String: Any] = [
                "kind": "checkpoint", "path": file, "size_bytes": bytes, "model": h.model, "step": h.step, "epoch": h.epoch,
                "sampler_position": ["epoch": h.samplerEpoch, "step": h.samplerStep], "world_size": h.worldSize,
                "code_version": h.codeVersion, "skipped_steps": h.skippedSteps, "networks": networks,
                "network_order": counts.map(\.0), "config": config.jsonObject(), "verified": true,
            ]
            let text = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: text, as: UTF8.self))
        } else {
            print("file      \(file) (\(Inspect.bytesText(bytes))), checksum verified")
            print(
                "kind      checkpoint, model \(h.model), step \(h.step), epoch \(h.epoch), written by \(h.worldSize) rank\(h.worldSize == 1 ? "" : "s")"
            )
            print("sampler   epoch \(h.samplerEpoch), step \(h.samplerStep); skipped steps \(h.skippedSteps); i2i \(h.codeVersion)")
            for (name, n) in counts { print("network   \(name.padding(toLength: 8, withPad: " ", startingAt: 0)) \(n) parameters") }
            print("config")
            print(h.config.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
        }
    }

    /// One row per split (and per truth or label plane) of its first images.
    private func writeGrid(_ data: DatasetFile, to path: String) throws {
        var rows: [[Bitmap]] = []
        try reportingErrors {
            for split in data.info.splits where split.count > 0 {
                let indices = 0..<min(gridCount, split.count)
                rows.append(try indices.map { try data.image(split.name, $0) })
                if split.contents.truth { rows.append(try indices.map { try data.truth(split.name, $0) }) }
                if split.contents.labels { rows.append(try indices.map { try data.labels(split.name, $0).colourizedLabels() }) }
            }
            try ImageCodec.writePNG(ImageGrid.compose(rows), to: path)
        }
    }

    static func bytesText(_ bytes: Int) -> String {
        bytes >= 1 << 20 ? String(format: "%.1f MiB", Double(bytes) / 1_048_576) : String(format: "%.1f KiB", Double(bytes) / 1024)
    }
}
