// Opening and verifying checkpoints, loading their state into a model, and choosing the newest
// good checkpoint of a run folder (with the reason each newer one was skipped).
import Foundation
import HDF5Kit
import NN
import TensorCore

/// An open, verified checkpoint.
public final class CheckpointReader {
    public let path: String
    public let header: CheckpointHeader
    private let file: HDF5File

    /// Opens `path` and verifies its format, checksum and every dataset's content hash.
    public init(path: String, verifyContents: Bool = true) throws {
        self.path = path
        do { file = try HDF5File.open(path, mode: .readOnly, fileLocking: false) } catch {
            throw CheckpointError(path: path, reason: "\(error)")
        }
        let root = file.root
        func attr<T: HDF5AttributeConvertible>(_ name: String, _ type: T.Type) throws -> T {
            do { return try root.attribute(name, as: type) } catch {
                throw CheckpointError(path: path, reason: "missing or unreadable attribute '\(name)' (not an i2i checkpoint, or torn)")
            }
        }
        guard (try? root.attribute("format", as: String.self)) == CheckpointWriter.format else {
            throw CheckpointError(path: path, reason: "not an i2i checkpoint (root attribute 'format' is not '\(CheckpointWriter.format)')")
        }
        let version = try attr("format_version", Int.self)
        guard version == CheckpointWriter.version else {
            throw CheckpointError(
                path: path, reason: "format version \(version) is not supported (this i2i reads \(CheckpointWriter.version))")
        }
        let position = try attr("sampler_position", [Int].self)
        var header = CheckpointHeader(
            model: try attr("model", String.self), step: try attr("step", Int.self), epoch: try attr("epoch", Int.self),
            samplerEpoch: position.first ?? 0, samplerStep: position.count > 1 ? position[1] : 0,
            worldSize: try attr("world_size", Int.self), config: try attr("config", String.self),
            skippedSteps: try attr("skipped_steps", Int.self))
        header.codeVersion = try attr("code_version", String.self)
        header.datasetHash = root.hasAttribute("dataset_hash") ? try attr("dataset_hash", String.self) : nil
        self.header = header
        if verifyContents { try verify(manifest: try attr("manifest", String.self), checksum: try attr("checksum", String.self)) }
    }

    deinit { try? file.close() }

    private func verify(manifest: String, checksum: String) throws {
        var h = ContentHash()
        h.update(manifest)
        guard h.hex == checksum else { throw CheckpointError(path: path, reason: "checksum mismatch (the file is corrupt)") }
        let lines = manifest.split(separator: "\n")
        guard lines.first.map(String.init) == header.manifestHead, lines.count >= 2,
            lines[1] == "config \(contentHash(of: header.config))"
        else {
            throw CheckpointError(path: path, reason: "header attributes do not match the manifest (the file is corrupt)")
        }
        for line in lines.dropFirst(2) {
            let parts = line.split(separator: " ")
            guard parts.count == 3, let count = Int(parts[1]) else {
                throw CheckpointError(path: path, reason: "malformed manifest line '\(line)'")
            }
            let datasetPath = String(parts[0])
            let values = try readTensor(datasetPath, expectedCount: count)
            let hash = values.withUnsafeBufferPointer { ContentHash.of($0) }
            guard hash == parts[2] else {
                throw CheckpointError(path: path, reason: "content of '\(datasetPath)' does not match its checksum (the file is corrupt)")
            }
        }
    }

    /// Every float tensor the file holds (network state, optimiser moments, image pools) as
    /// (path, flat values), in the order they were written: what tools and tests compare.
    public func tensors() throws -> [(path: String, values: [Float])] {
        let manifest: String
        do { manifest = try file.root.attribute("manifest", as: String.self) } catch {
            throw CheckpointError(path: path, reason: "missing or unreadable attribute 'manifest'")
        }
        return try manifest.split(separator: "\n").dropFirst(2).map { line in
            guard let first = line.split(separator: " ").first else {
                throw CheckpointError(path: path, reason: "malformed manifest line '\(line)'")
            }
            let datasetPath = String(first)
            return (datasetPath, try readTensor(datasetPath))
        }
    }

    /// The values of the float32 tensor at `datasetPath`, after ``TensorChecks`` (type, size,
    /// and `expectedCount` when given) so that nothing is allocated from an unchecked header.
    private func readTensor(_ datasetPath: String, expectedCount: Int? = nil) throws -> [Float] {
        do {
            guard (try? file.root.kind(of: datasetPath)) == .dataset else {
                throw CheckpointError(path: path, reason: "'\(datasetPath)' is listed in the manifest but is not a dataset")
            }
            let dataset = try file.root.openDataset(datasetPath)
            if let problem = TensorChecks.problem(dataset, expectedCount: expectedCount) {
                throw CheckpointError(path: path, reason: "'\(dataset.path)' \(problem)")
            }
            return try dataset.read(as: Float.self)
        } catch let error as CheckpointError { throw error } catch {
            throw CheckpointError(path: path, reason: "cannot read '\(datasetPath)': \(error)")
        }
    }

    /// Which parameter each stretch of optimiser `name`'s flat moments (group `group`) belongs
    /// to: (parameter path such as `G_A.model.1.weight`, value count), in buffer order.
    public func optimizerLayout(_ name: String, group: Int = 0) throws -> [(path: String, count: Int)] {
        do {
            let g = try file.root.openGroup("optimizers/\(name)/group\(group)")
            let paths = try g.openDataset("parameter_paths").readStrings()
            let counts = try g.attribute("parameter_counts", as: [Int].self)
            guard paths.count == counts.count else {
                throw CheckpointError(path: path, reason: "parameter_paths and parameter_counts differ in length")
            }
            return Array(zip(paths, counts))
        } catch let error as CheckpointError { throw error } catch {
            throw CheckpointError(path: path, reason: "optimizer '\(name)' group \(group): \(error)")
        }
    }

    /// Network names stored in the file.
    public var networkNames: [String] { (try? file.root.openGroup("networks").childNames) ?? [] }

    /// Loads every network present in the file; networks missing from it are reported
    /// (unless `allowMissing`) and keep their values.
    public func loadNetworks(_ networks: [(name: String, module: Module)], allowMissing: Bool = false) throws {
        let present = Set(networkNames)
        for (name, module) in networks {
            guard present.contains(name) else {
                if allowMissing { continue }
                throw CheckpointError(path: path, reason: "has no network '\(name)' (it holds \(present.sorted().joined(separator: ", ")))")
            }
            do { try module.loadState(from: file.root.openGroup("networks/\(name)")) } catch {
                throw CheckpointError(path: path, reason: "\(error)")
            }
        }
    }

    /// Loads the optimisers' moments, steps and learning rates.
    public func loadOptimizers(_ optimizers: [Adam]) throws {
        for optimizer in optimizers {
            do { try optimizer.loadState(from: file.root.openGroup("optimizers/\(optimizer.name)")) } catch {
                throw CheckpointError(path: path, reason: "optimizer '\(optimizer.name)': \(error)")
            }
        }
    }

    /// The saved state of `rank`, if the checkpoint has one.
    public func rankState(_ rank: Int) throws -> RankState? {
        guard file.root.contains("ranks/\(rank)") else { return nil }
        let g = try file.root.openGroup("ranks/\(rank)")
        let names = try g.attribute("stream_names", as: [String].self)
        let flat = try g.attribute("stream_states", as: [Int].self).map { UInt64(UInt(bitPattern: $0)) }
        let per = names.isEmpty ? 0 : flat.count / names.count
        let streams = names.enumerated().map { (i, n) in (n, Array(flat[(i * per)..<((i + 1) * per)])) }
        var pools: [(String, [[Tensor]])] = []
        if g.contains("pools") {
            let pg = try g.openGroup("pools")
            for name in try pg.childNames {
                let p = try pg.openGroup(name)
                let n = try p.attribute("entries", as: Int.self)
                var parts: [Tensor] = []
                var k = 0
                while p.contains("part\(k)") {
                    let d = try p.openDataset("part\(k)")
                    let values = try readTensor(d.path)
                    let shape = try d.shape
                    guard shape.count >= 1, shape[0] >= n, n >= 0 else {
                        throw CheckpointError(path: path, reason: "'\(d.path)' has shape \(shape), fewer than its \(n) pool entries")
                    }
                    parts.append(Tensor(shape: shape, values: values))
                    k += 1
                }
                let entries = (0..<n).map { i in parts.map { $0.slice(axis: 0, i..<(i + 1)) } }
                pools.append((name, entries))
            }
        }
        return RankState(pools: pools, streams: streams)
    }
}

/// The `checkpoints/` folder of a run.
public struct CheckpointFolder {
    public let path: String

    public init(path: String) { self.path = path }

    /// The file name for `step`.
    public func file(forStep step: Int) -> String { path + "/" + String(format: "step_%09d.h5", step) }

    /// Checkpoint files, newest (highest step) first.
    public func files() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.filter { $0.hasPrefix("step_") && $0.hasSuffix(".h5") }.sorted(by: >).map { path + "/" + $0 }
    }

    /// The newest checkpoint that verifies, and the newer ones skipped with their reasons.
    public func newestGood() -> (reader: CheckpointReader?, skipped: [(path: String, reason: String)]) {
        var skipped: [(String, String)] = []
        for f in files() {
            do { return (try CheckpointReader(path: f), skipped) } catch let e as CheckpointError {
                skipped.append((f, e.reason))
            } catch { skipped.append((f, "\(error)")) }
        }
        return (nil, skipped)
    }

    /// Temporary files of checkpoint writes that never finished (the writer was killed before
    /// renaming them), oldest first.
    ///
    /// They are never loaded; ``prune(keep:)`` deletes them.
    public func incompleteFiles() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.filter { $0.hasPrefix(".step_") && $0.contains(".tmp-") }.sorted().map { path + "/" + $0 }
    }

    /// Deletes all but the newest `keep` checkpoints (and stale temporary files).
    public func prune(keep: Int) {
        for f in files().dropFirst(max(keep, 1)) + incompleteFiles() { try? FileManager.default.removeItem(atPath: f) }
    }
}
