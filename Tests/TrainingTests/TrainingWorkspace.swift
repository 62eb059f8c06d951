// Runs the real `i2i` executable (built next to the test bundle) in a temporary folder through
// TestSupport's process runner: alone with no MPI environment, or under the real `mpirun` (one
// or several programs, oversubscribed), with a hard time limit. Jobs can also be started in the
// background to be signalled or killed mid-run. Also: a tiny CycleGAN config, a 16-image
// stripes dataset, and readers for what a run leaves behind (metrics, checkpoints, log).
import Checkpointing
import Foundation
import TestSupport
import Training
import XCTest

extension ProcessResult {
    /// `rank: (step → checksum line)` from `debug.per_rank_checksums` output.
    var checksums: [Int: [Int: String]] {
        var result: [Int: [Int: String]] = [:]
        for line in output.split(separator: "\n") {
            guard let range = line.range(of: "debug: rank ") else { continue }
            let parts = line[range.upperBound...].split(separator: " ")
            guard parts.count == 7, let rank = Int(parts[0]), let step = Int(parts[2]) else { continue }
            result[rank, default: [:]][step] = parts[3...].joined(separator: " ")
        }
        return result
    }
}

/// A temporary folder holding a tiny dataset, configs and run folders.
final class TrainingWorkspace {
    let folder: String
    /// The 16-image, 16-pixel stripes dataset.
    let data: String
    /// The `i2i` executable built next to the tests.
    let executable: String

    /// Creates the folder and the dataset; throws (failing the test) when `i2i` was not built
    /// or cannot make the dataset.
    init(_ name: String) throws {
        executable = try Executables.requireBuilt("i2i")
        folder = NSTemporaryDirectory() + "i2i-training-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        data = folder + "/stripes.h5"
        let made = try alone(["demo-data", "--kind", "stripes", "--count", "16", "--size", "16", "--out", data], limit: 60)
        guard made.status == 0 else {
            throw MissingPrerequisite("`i2i demo-data`, which makes the test dataset, failed (status \(made.status)):\n\(made.output)")
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: folder) }

    func path(_ name: String) -> String { folder + "/" + name }

    // MARK: - Configs

    /// A CycleGAN small enough for many runs on two shared cores: 4 base filters, one residual
    /// block, 16-pixel crops, a two-layer discriminator, global batch 6 (divisible by 1, 2, 3),
    /// no image pool (per-rank state), and metrics, checks and checkpoints at every step
    /// where a test needs them.
    ///
    /// `settings` are `key: value` lines that override or add.
    func config(_ name: String, _ settings: [String: String] = [:]) throws -> String {
        var values: [String: String] = [
            "model": "cyclegan", "seed": "3",
            "data.load_size": "16", "data.crop_size": "16", "data.flip": "true",
            "train.batch_size": "6", "train.steps": "10", "train.log_every": "1", "train.sample_every": "0",
            "train.checkpoint_every": "0", "train.keep_checkpoints": "5", "train.sample_count": "1",
            "distributed.timeout_seconds": "30", "distributed.checksum_every": "1",
            "cyclegan.ngf": "4", "cyclegan.ndf": "4", "cyclegan.n_blocks": "1", "cyclegan.n_layers_D": "2",
            "cyclegan.pool_size": "0",
        ]
        values.merge(settings) { $1 }
        var sections: [String: [String]] = [:]
        var top: [String] = []
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
            if parts.count == 1 {
                top.append("\(key): \(value)")
            } else {
                sections[parts[0], default: []].append("  \(parts[1]): \(value)")
            }
        }
        var text = top.joined(separator: "\n") + "\n"
        for (section, lines) in sections.sorted(by: { $0.key < $1.key }) { text += "\(section):\n" + lines.joined(separator: "\n") + "\n" }
        let file = path(name)
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    // MARK: - Running

    /// `i2i train CONFIG --data … --out RUN --threads 1 extra…`.
    func trainArguments(_ config: String, run: String, _ extra: [String] = []) -> [String] {
        ["train", config, "--data", data, "--out", path(run), "--threads", "1"] + extra
    }

    /// Runs `i2i arguments…` as one process with every MPI launcher variable removed from its
    /// environment (so it runs without MPI).
    func alone(_ arguments: [String], limit: Double = 60) throws -> ProcessResult {
        try startAlone(arguments).finish(limit: limit)
    }

    /// Starts `i2i arguments…` as one process without MPI, in the background.
    func startAlone(_ arguments: [String]) throws -> RunningProcess {
        try Command(executable, arguments, directory: folder).start()
    }

    /// Runs `i2i arguments…` on `ranks` ranks under `mpirun`.
    func mpi(ranks: Int, _ arguments: [String], limit: Double = 60) throws -> ProcessResult {
        try startMPI(programs: [(ranks, arguments)]).finish(limit: limit)
    }

    /// Starts an MPMD job in the background: `mpirun -np n₁ i2i args₁ : -np n₂ i2i args₂ …`.
    func startMPI(programs: [(ranks: Int, arguments: [String])]) throws -> RunningProcess {
        try MPIRun.command(programs.map { MPIProgram(ranks: $0.ranks, executable, $0.arguments) }, directory: folder).start()
    }

    // MARK: - What a run leaves

    /// The lines of `RUN/metrics.jsonl`, parsed.
    func metrics(_ run: String) -> [[String: Any]] {
        let text = (try? String(contentsOfFile: path(run) + "/metrics.jsonl", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// `RUN/log.txt`.
    func log(_ run: String) -> String { (try? String(contentsOfFile: path(run) + "/log.txt", encoding: .utf8)) ?? "" }

    /// The step → sample list lines written by `debug.trace_samples`.
    func sampleTrace(_ run: String) -> [Int: String] {
        var result: [Int: String] = [:]
        for line in log(run).split(separator: "\n") {
            guard let range = line.range(of: "samples step ") else { continue }
            let rest = line[range.upperBound...]
            guard let colon = rest.firstIndex(of: ":"), let step = Int(rest[..<colon]) else { continue }
            result[step] = String(rest[rest.index(after: colon)...])
        }
        return result
    }

    /// File names in `RUN/checkpoints` (hidden temporary files included).
    func checkpointFiles(_ run: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path(run) + "/checkpoints")) ?? []).sorted()
    }

    /// Every tensor of the checkpoint of `step` in `run` (verified on open), with each optimiser
    /// moment split by parameter: `/optimizers/G/group0/exp_avg[G_A.model.1.weight]`.
    func tensors(_ run: String, step: Int) throws -> [(path: String, values: [Float])] {
        let reader = try CheckpointReader(path: CheckpointFolder(path: path(run) + "/checkpoints").file(forStep: step))
        var result: [(path: String, values: [Float])] = []
        for (name, values) in try reader.tensors() {
            let parts = name.split(separator: "/")
            guard parts.count == 4, parts[0] == "optimizers", parts[2].hasPrefix("group"), let group = Int(parts[2].dropFirst(5)) else {
                result.append((name, values))
                continue
            }
            var offset = 0
            for (parameter, count) in try reader.optimizerLayout(String(parts[1]), group: group) {
                result.append(("\(name)[\(parameter)]", Array(values[offset..<(offset + count)])))
                offset += count
            }
            XCTAssertEqual(offset, values.count, "\(name): the layout does not cover the moments")
        }
        return result
    }

    /// Whether `path` (a network tensor or a split optimiser moment) is a bias that has no
    /// gradient in exact arithmetic: in CycleGAN's generator every convolution but the last,
    /// and in its PatchGAN discriminator every one but the first and the last, feeds an
    /// instance norm without affine parameters, which removes any per-channel constant.
    ///
    /// The reference keeps these biases (`use_bias` is true for instance norm); their gradient is
    /// rounding noise, which Adam turns into steps of ±lr, so their values differ between any
    /// two runs that round differently (in PyTorch too) and do not change any output. Names
    /// are those of the tiny config (one residual block, two discriminator layers).
    static func isDeadBias(_ path: String) -> Bool {
        var parameter = path
        if let open = path.firstIndex(of: "["), path.hasSuffix("]") {
            parameter = String(path[path.index(after: open)..<path.index(before: path.endIndex)])
        } else if path.hasPrefix("/networks/") {
            parameter = path.dropFirst("/networks/".count).replacingOccurrences(of: "/", with: ".")
        }
        guard parameter.hasSuffix(".bias") else { return false }
        let live = [
            "G_A.model.18.bias", "G_B.model.18.bias", "D_A.model.0.bias", "D_A.model.8.bias", "D_B.model.0.bias", "D_B.model.8.bias",
        ]
        return !live.contains(parameter)
    }
}
