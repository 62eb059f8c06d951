// Module and optimiser state in HDF5, with PyTorch's names and layouts: each parameter and
// buffer is a float32 dataset named by its `state_dict` key directly under the network's
// group (`/networks/G_A/model.1.weight`), so a state exported from PyTorch with a few lines of
// h5py loads with no rename table. An HDF5 group is a `StateSource` for NN's checked loading;
// the optimiser layout (`group<i>/exp_avg`, …) is defined here and nowhere else.
import HDF5Kit
import NN
import TensorCore

extension Module {
    /// Writes the state as float32 datasets named by key under `group`.
    public func saveState(to group: HDF5Group) throws {
        for (key, tensor) in stateTensors() {
            let values = UnsafeBufferPointer(start: tensor.data, count: tensor.count)
            let dataset = try group.createDataset(key, of: Float.self, shape: tensor.shape)
            try dataset.write(from: values)
        }
    }
}

extension HDF5Group: StateSource {
    public var stateSourceDescription: String { "'\(file.path)' group '\(path)'" }
    public func stateKeys() throws -> [String] { try childNames }
    /// The shape of `key`, after ``TensorChecks`` (float32, a bounded size inside the file).
    public func stateShape(of key: String) throws -> [Int] {
        let dataset = try openDataset(key)
        try TensorChecks.check(dataset)
        return try dataset.shape
    }
    public func readState(_ key: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        let dataset = try openDataset(key)
        try TensorChecks.check(dataset, expectedCount: destination.count)
        try dataset.read(into: destination)
    }
}

/// Supplies one whole moment buffer of an optimiser group while a checkpoint is written.
///
/// `(optimizer, group index, "exp_avg" or "exp_avg_sq", body)` calls `body` with the group's
/// whole buffer of that moment. Sharded optimiser state gathers it from the ranks here, one
/// buffer at a time, so the writer never needs every whole moment at once.
public typealias MomentSource = (Adam, Int, String, (UnsafeBufferPointer<Float>) throws -> Void) throws -> Void

extension Adam {
    /// The moment datasets of each group, in the order ``saveState(to:moments:written:)`` writes them.
    public static let momentNames = ["exp_avg", "exp_avg_sq"]

    /// Writes each group's moments (flat, in the group's parameter order) and its step count,
    /// learning rate, hyper-parameters and parameter layout under `group/group<i>`.
    ///
    /// The file has one format: the moments are whole, taken from this optimiser (whose
    /// shards must then be whole) or, for sharded state, from `moments`. `written(i, name,
    /// values)` sees each moment buffer as it is written.
    public func saveState(
        to group: HDF5Group, moments: MomentSource? = nil,
        written: (Int, String, UnsafeBufferPointer<Float>) -> Void = { _, _, _ in }
    ) throws {
        for (i, state) in groups.enumerated() {
            let g = try group.createGroup("group\(i)")
            let n = state.group.count
            for name in Adam.momentNames {
                func write(_ values: UnsafeBufferPointer<Float>) throws {
                    precondition(values.count == n, "Adam \(self.name) group \(i): \(values.count) values of \(name) for \(n) elements")
                    try g.createDataset(name, of: Float.self, shape: [n]).write(from: values)
                    written(i, name, values)
                }
                if let moments {
                    try moments(self, i, name, write)
                } else {
                    precondition(state.shard == 0..<n, "Adam \(self.name) group \(i): saving moments of shard \(state.shard) of 0..<\(n)")
                    let storage = name == "exp_avg" ? state.exp_avg : state.exp_avg_sq
                    try write(UnsafeBufferPointer(start: storage.pointer, count: n))
                }
            }
            try g.createStringDataset("parameter_paths", state.group.segments.map(\.path))
            try g.setAttribute("parameter_counts", state.group.segments.map(\.count))
            try g.setAttribute("step", state.step)
            try g.setAttribute("lr", state.group.learningRate)
            try g.setAttribute("betas", [state.settings.beta1, state.settings.beta2])
            try g.setAttribute("eps", state.settings.eps)
            try g.setAttribute("weight_decay", state.settings.weightDecay)
        }
    }

    /// Reads what ``saveState(to:moments:written:)`` wrote; the parameter layout must be the same.
    ///
    /// A sharded state reads its shard of the moments only.
    public func loadState(from group: HDF5Group) throws {
        for (i, state) in groups.enumerated() {
            let g = try group.openGroup("group\(i)")
            let paths = try g.openDataset("parameter_paths").readStrings()
            let counts = try g.attribute("parameter_counts", as: [Int].self)
            let expected = state.group.segments
            if paths != expected.map(\.path) || counts != expected.map(\.count) {
                let firstDifference = zip(paths, expected.map(\.path)).first { $0 != $1 }
                throw StateMismatchError(
                    source: "'\(group.file.path)' group '\(g.path)'",
                    missing: firstDifference.map { [$0.1] } ?? expected.map(\.path).filter { !paths.contains($0) },
                    unexpected: firstDifference.map { [$0.0] } ?? paths.filter { !expected.map(\.path).contains($0) },
                    wrongShapes: [])
            }
            let n = state.group.count
            let moments = (try g.openDataset("exp_avg"), try g.openDataset("exp_avg_sq"))
            try TensorChecks.check(moments.0, expectedCount: n)
            try TensorChecks.check(moments.1, expectedCount: n)
            let shard = state.shard
            if shard == 0..<n {
                try moments.0.read(into: UnsafeMutableBufferPointer(start: state.exp_avg.pointer, count: n))
                try moments.1.read(into: UnsafeMutableBufferPointer(start: state.exp_avg_sq.pointer, count: n))
            } else if !shard.isEmpty {
                try moments.0.readSlices(shard, into: UnsafeMutableBufferPointer(start: state.exp_avg.pointer, count: shard.count))
                try moments.1.readSlices(shard, into: UnsafeMutableBufferPointer(start: state.exp_avg_sq.pointer, count: shard.count))
            }
            state.step = try g.attribute("step", as: Int.self)
            state.group.learningRate = try g.attribute("lr", as: Double.self)
        }
    }
}
