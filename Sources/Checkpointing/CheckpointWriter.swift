// Checkpoint files, written by rank 0 only (the layout the README's "File formats" documents):
//   /networks/<net>/<key>          float32, PyTorch names and layouts
//   /optimizers/<name>/group<i>/…  Adam moments (flat), step counts, learning rates
//   /ranks/<r>/pools/<pool>/…      per-rank image pools, /ranks/<r> attribute `streams`
//   root attributes                format, version, model, step, epoch, sampler position,
//                                  world size, resolved config, code version, manifest, checksum
// The file is written to a temporary name, flushed, fsynced and renamed (HDF5File.create), so a
// kill mid-write leaves the previous checkpoint untouched. Every dataset's content hash goes
// into a manifest whose own hash is the checksum; loading verifies both, so a torn or corrupt
// file is detected and `--resume` falls back to an older one.
import Foundation
import HDF5Kit
import NN
import TensorCore

/// The code version recorded in checkpoints and compared at start-up.
public let i2iVersion = "0.1.0"

/// What a checkpoint records besides tensors.
public struct CheckpointHeader: Equatable, Sendable {
    public var model: String
    public var step: Int
    public var epoch: Int
    /// Sampler position of the next batch (global, independent of the number of ranks).
    public var samplerEpoch: Int
    public var samplerStep: Int
    public var worldSize: Int
    public var config: String
    public var skippedSteps: Int
    public var codeVersion: String = i2iVersion
    /// The content hash of the dataset the run trained on (absent in checkpoints written
    /// before it was recorded).
    public var datasetHash: String? = nil

    public init(
        model: String, step: Int, epoch: Int, samplerEpoch: Int, samplerStep: Int, worldSize: Int,
        config: String, skippedSteps: Int
    ) {
        self.model = model
        self.step = step
        self.epoch = epoch
        self.samplerEpoch = samplerEpoch
        self.samplerStep = samplerStep
        self.worldSize = worldSize
        self.config = config
        self.skippedSteps = skippedSteps
    }
}

/// One rank's own state: its image pools (entries of image plus companions) and random streams.
public struct RankState {
    public var pools: [(name: String, entries: [[Tensor]])]
    public var streams: [(name: String, state: [UInt64])]

    public init(pools: [(name: String, entries: [[Tensor]])], streams: [(name: String, state: [UInt64])]) {
        self.pools = pools
        self.streams = streams
    }
}

/// A checkpoint that could not be used, with the reason.
public struct CheckpointError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
    public var description: String { "checkpoint '\(path)': \(reason)" }
}

/// Writes checkpoint files.
public enum CheckpointWriter {
    public static let format = "i2i-checkpoint"
    public static let version = 1

    /// Writes a complete checkpoint at `path` (atomically).
    ///
    /// `beforeCommit` runs once everything
    /// is in the temporary file, before it is flushed and renamed (a test hook). `moments`
    /// supplies the whole Adam moments of sharded optimiser state (see ``MomentSource``); the
    /// file is the same either way.
    public static func write(
        to path: String, header: CheckpointHeader, networks: [(name: String, module: Module)],
        optimizers: [Adam], moments: MomentSource? = nil, ranks: [RankState], beforeCommit: () -> Void = {}
    ) throws {
        let file = try HDF5File.create(at: path)
        do {
            var manifest = Manifest()
            let nets = try file.root.createGroup("networks")
            for (name, module) in networks {
                let g = try nets.createGroup(name)
                for (key, tensor) in module.stateTensors() {
                    try manifest.write(tensor, as: key, in: g)
                }
            }
            let opts = try file.root.createGroup("optimizers")
            for optimizer in optimizers {
                let g = try opts.createGroup(optimizer.name)
                try optimizer.saveState(to: g, moments: moments) { i, name, values in
                    manifest.record(path: "\(g.path)/group\(i)/\(name)", values)
                }
            }
            let rankGroup = try file.root.createGroup("ranks")
            for (r, state) in ranks.enumerated() {
                let g = try rankGroup.createGroup("\(r)")
                try g.setAttribute("stream_names", state.streams.map(\.name))
                try g.setAttribute("stream_states", state.streams.flatMap { $0.state.map { Int(bitPattern: UInt($0)) } })
                for (name, entries) in state.pools {
                    let pg = try g.createGroup("pools/\(name)")
                    try pg.setAttribute("entries", entries.count)
                    guard let first = entries.first else { continue }
                    for part in 0..<first.count {
                        let stacked = concat(entries.map { $0[part] }, axis: 0)
                        try manifest.write(stacked, as: "part\(part)", in: pg)
                    }
                }
            }
            let root = file.root
            try root.setAttribute("format", format)
            try root.setAttribute("format_version", version)
            try root.setAttribute("model", header.model)
            try root.setAttribute("step", header.step)
            try root.setAttribute("epoch", header.epoch)
            try root.setAttribute("sampler_position", [header.samplerEpoch, header.samplerStep])
            try root.setAttribute("world_size", header.worldSize)
            try root.setAttribute("config", header.config)
            try root.setAttribute("skipped_steps", header.skippedSteps)
            try root.setAttribute("code_version", header.codeVersion)
            if let hash = header.datasetHash { try root.setAttribute("dataset_hash", hash) }
            try root.setAttribute("created", ISO8601DateFormatter().string(from: Date()))
            let text = manifest.text(header: header)
            try root.setAttribute("manifest", text)
            var h = ContentHash()
            h.update(text)
            try root.setAttribute("checksum", h.hex)
            beforeCommit()
            try file.close()
        } catch {
            file.discard()
            throw error
        }
    }
}

/// The list of datasets and their content hashes, in write order.
struct Manifest {
    private var lines: [String] = []

    mutating func write(_ tensor: Tensor, as name: String, in group: HDF5Group) throws {
        let values = UnsafeBufferPointer(start: tensor.data, count: tensor.count)
        try group.createDataset(name, of: Float.self, shape: tensor.shape).write(from: values)
        lines.append("\(group.path)/\(name) \(tensor.count) \(ContentHash.of(values))")
    }

    mutating func record(path: String, _ values: UnsafeBufferPointer<Float>) {
        lines.append("\(path) \(values.count) \(ContentHash.of(values))")
    }

    func text(header: CheckpointHeader) -> String {
        ([header.manifestHead, "config \(contentHash(of: header.config))"] + lines).joined(separator: "\n")
    }
}

extension CheckpointHeader {
    /// The manifest's first line: the header values the checksum protects.
    var manifestHead: String {
        "model \(model) step \(step) epoch \(epoch) sampler \(samplerEpoch) \(samplerStep) world \(worldSize)"
            + (datasetHash.map { " data \($0)" } ?? "")
    }
}

/// Hash of a string, as hex.
func contentHash(of s: String) -> String {
    var h = ContentHash()
    h.update(s)
    return h.hex
}
