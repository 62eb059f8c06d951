// Module and optimiser state in HDF5, with PyTorch's names and layouts: each parameter and
// buffer is a float32 dataset named by its `state_dict` key directly under the network's
// group (`/networks/G_A/model.1.weight`), so a state exported from PyTorch with a few lines of
// h5py loads with no rename table. Loading checks every name and shape and reports all
// mismatches at once.
import HDF5Kit
import TensorCore

/// Names that did not line up between a module and a saved state.
public struct StateMismatchError: Error, CustomStringConvertible {
    /// Where the state was read from (file and group).
    public let source: String
    public let missing: [String]
    public let unexpected: [String]
    public let wrongShapes: [(key: String, expected: [Int], found: [Int])]

    public var description: String {
        var parts: [String] = []
        if !missing.isEmpty { parts.append("missing \(missing.count) (\(StateMismatchError.list(missing)))") }
        if !unexpected.isEmpty { parts.append("unexpected \(unexpected.count) (\(StateMismatchError.list(unexpected)))") }
        if !wrongShapes.isEmpty {
            let shapes = wrongShapes.prefix(5).map { "\($0.key): expected \($0.expected), found \($0.found)" }
            parts.append("wrong shape \(wrongShapes.count) (\(shapes.joined(separator: "; "))\(wrongShapes.count > 5 ? "; …" : ""))")
        }
        return "state in \(source) does not match the network: " + parts.joined(separator: "; ")
    }

    private static func list(_ keys: [String]) -> String {
        keys.prefix(6).joined(separator: ", ") + (keys.count > 6 ? ", …" : "")
    }
}

extension Module {
    /// Every parameter and buffer with its state key, in declaration order (parameters first).
    public func stateTensors() -> [(key: String, tensor: Tensor)] {
        namedParameters().map { ($0.path, $0.parameter.value) } + namedBuffers().map { ($0.path, $0.buffer.value) }
    }

    /// Writes the state as float32 datasets named by key under `group`.
    public func saveState(to group: HDF5Group) throws {
        for (key, tensor) in stateTensors() {
            let values = UnsafeBufferPointer(start: tensor.data, count: tensor.count)
            let dataset = try group.createDataset(key, of: Float.self, shape: tensor.shape)
            try dataset.write(from: values)
        }
    }

    /// Reads the state from `group`. Every key must be present with the same shape; with
    /// `allowUnexpected` false, extra datasets are errors too. Nothing is changed unless
    /// everything matches.
    public func loadState(from group: HDF5Group, allowUnexpected: Bool = false) throws {
        let tensors = stateTensors()
        let present = Set(try group.childNames)
        var missing: [String] = [], wrong: [(String, [Int], [Int])] = []
        var datasets: [(Tensor, HDF5Dataset)] = []
        for (key, tensor) in tensors {
            guard present.contains(key) else { missing.append(key); continue }
            let dataset = try group.openDataset(key)
            let shape = try dataset.shape
            if shape != tensor.shape { wrong.append((key, tensor.shape, shape)); continue }
            datasets.append((tensor, dataset))
        }
        let known = Set(tensors.map(\.key))
        let unexpected = allowUnexpected ? [] : present.subtracting(known).sorted()
        if !missing.isEmpty || !wrong.isEmpty || !unexpected.isEmpty {
            throw StateMismatchError(source: "'\(group.file.path)' group '\(group.path)'", missing: missing,
                                     unexpected: unexpected, wrongShapes: wrong)
        }
        for (tensor, dataset) in datasets {
            try dataset.read(into: UnsafeMutableBufferPointer(start: tensor.data, count: tensor.count))
        }
    }
}

extension Adam {
    /// Writes each group's moments (flat, in the group's parameter order) and its step count,
    /// learning rate, hyper-parameters and parameter layout under `group/group<i>`.
    public func saveState(to group: HDF5Group) throws {
        for (i, state) in groups.enumerated() {
            let g = try group.createGroup("group\(i)")
            let n = state.group.count
            try g.createDataset("exp_avg", of: Float.self, shape: [n])
                .write(from: UnsafeBufferPointer(start: state.exp_avg.pointer, count: n))
            try g.createDataset("exp_avg_sq", of: Float.self, shape: [n])
                .write(from: UnsafeBufferPointer(start: state.exp_avg_sq.pointer, count: n))
            try g.createStringDataset("parameter_paths", state.group.segments.map(\.path))
            try g.setAttribute("parameter_counts", state.group.segments.map(\.count))
            try g.setAttribute("step", state.step)
            try g.setAttribute("lr", state.group.learningRate)
            try g.setAttribute("betas", [state.settings.beta1, state.settings.beta2])
            try g.setAttribute("eps", state.settings.eps)
            try g.setAttribute("weight_decay", state.settings.weightDecay)
        }
    }

    /// Reads what ``saveState(to:)`` wrote; the parameter layout must be the same.
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
            try g.openDataset("exp_avg").read(into: UnsafeMutableBufferPointer(start: state.exp_avg.pointer, count: n))
            try g.openDataset("exp_avg_sq").read(into: UnsafeMutableBufferPointer(start: state.exp_avg_sq.pointer, count: n))
            state.step = try g.attribute("step", as: Int.self)
            state.group.learningRate = try g.attribute("lr", as: Double.self)
        }
    }
}
