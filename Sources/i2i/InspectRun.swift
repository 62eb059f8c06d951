// `i2i inspect` of the two things besides datasets and checkpoints that users hold: a run folder
// (what the run is, how far it got, its newest good checkpoint and its last logged losses) and
// translate's HDF5 output (how many images of which size, in which direction, from which
// checkpoint, with which maps). Only headers, attributes, names and the last metrics line are
// read; no image or tensor.
import Checkpointing
import Configuration
import Datasets
import Foundation
import HDF5Kit
import Training

extension Inspect {
    /// Describes the run folder at `file`.
    func inspectRunFolder() throws {
        let folder = RunFolder(path: file)
        guard folder.heldRunFiles() != nil else {
            throw commandFailure("'\(file)' is a folder that holds no run (no config.yaml, metrics.jsonl or checkpoints)")
        }
        let configText = try? String(contentsOfFile: folder.configPath, encoding: .utf8)
        let config = configText.flatMap { try? ExperimentConfig.parse(yaml: $0, source: folder.configPath) }
        let (reader, skipped) = folder.checkpoints.newestGood()
        let history = MetricsHistory(path: folder.metricsPath)
        let last = history.lastStep.map { step in
            // The loss terms logged at the last step, in the file's order.
            (
                step: step,
                losses: history.losses.compactMap { s in s.points.last.flatMap { $0.step == step ? (name: s.name, value: $0.value) : nil } }
            )
        }
        let finished = FileManager.default.fileExists(atPath: folder.finishedMarker)
        let samples = ((try? FileManager.default.contentsOfDirectory(atPath: folder.samplesPath)) ?? [])
            .filter { $0.hasPrefix("step_") && $0.hasSuffix(".png") }.sorted()
        let stepsDone = max(reader?.header.step ?? 0, last?.step ?? 0)

        if json {
            var object: [String: Any] = [
                "kind": "run", "path": file, "steps_done": stepsDone, "finished": finished,
                "checkpoints": folder.checkpoints.files().count, "samples": samples.count,
            ]
            if let config { object["model"] = config.model }
            if let reader { object["newest_checkpoint"] = ["path": reader.path, "step": reader.header.step] as [String: Any] }
            if let last {
                object["last_logged_step"] = last.step
                var losses: [String: Any] = [:]
                for (name, value) in last.losses { losses[name] = value }
                object["last_losses"] = losses
            }
            if !skipped.isEmpty { object["skipped_checkpoints"] = skipped.map { ["path": $0.path, "reason": $0.reason] } }
            let text = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: text, as: UTF8.self))
            return
        }
        print("run       \(file)\(config.map { ", model \($0.model)" } ?? "")")
        print("steps     \(stepsDone) done\(finished ? ", finished" : "")")
        if let reader {
            print("newest    \(reader.path) (step \(reader.header.step), checksum verified)")
        } else {
            print("newest    no usable checkpoint")
        }
        for (path, reason) in skipped { print("skipped   \(path): \(reason)") }
        if let last {
            let losses = last.losses.map { String(format: "%@ %.4f", $0.name, $0.value) }.joined(separator: ", ")
            print("losses    at step \(last.step): \(losses)")
        }
        print("samples   \(samples.count) grid\(samples.count == 1 ? "" : "s")\(samples.last.map { ", newest samples/\($0)" } ?? "")")
    }

    /// Describes translate's HDF5 output at `file`.
    func inspectTranslation() throws {
        let summary: (count: Int, height: Int, width: Int, maps: [String], direction: String, checkpoint: String)
        summary = try reportingErrors {
            let h5 = try HDF5File.open(file, mode: .readOnly, fileLocking: false)
            defer { try? h5.close() }
            let root = h5.root
            guard root.contains("images"), root.contains("names") else {
                throw DatasetError("\(file): a translation output needs '/images' and '/names'")
            }
            let shape = try root.openDataset("images").shape
            guard shape.count == 4 else { throw DatasetError("\(file): '/images' has shape \(shape), expected (N, 3, H, W)") }
            let maps = try root.childNames.filter { $0 != "images" && $0 != "names" }.sorted()
            let direction = (try? root.attribute("direction", as: String.self)) ?? "?"
            let checkpoint = (try? root.attribute("checkpoint", as: String.self)) ?? "?"
            return (shape[0], shape[2], shape[3], maps, direction, checkpoint)
        }
        if json {
            let object: [String: Any] = [
                "kind": "translation", "path": file, "count": summary.count, "height": summary.height, "width": summary.width,
                "direction": summary.direction, "checkpoint": summary.checkpoint, "maps": summary.maps,
            ]
            let text = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: text, as: UTF8.self))
            return
        }
        print("file      \(file)")
        print("kind      translation, \(summary.count) images \(summary.height)x\(summary.width), \(summary.direction)")
        print("from      \(summary.checkpoint)")
        print("maps      \(summary.maps.isEmpty ? "none" : summary.maps.joined(separator: ", "))")
    }
}
