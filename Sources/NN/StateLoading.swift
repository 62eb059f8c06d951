// Loading a module's state by key, with PyTorch's names and layouts and no file format: a
// `StateSource` (a checkpoint group, a dictionary of tensors) answers which keys it holds, their
// shapes and their values; loading checks every name and shape, reports all mismatches at once
// and changes nothing unless everything matches. The checkpoint module makes HDF5 groups
// sources; NN itself reads and writes no files.
import TensorCore

/// Saved state by `state_dict` key.
public protocol StateSource {
    /// Where the state comes from, for messages ("'ckpt.h5' group '/networks/G_A'").
    var stateSourceDescription: String { get }
    /// Every key present.
    func stateKeys() throws -> [String]
    /// The shape of `key`'s tensor.
    func stateShape(of key: String) throws -> [Int]
    /// Reads `key`'s values into `destination` (exactly the tensor's element count).
    func readState(_ key: String, into destination: UnsafeMutableBufferPointer<Float>) throws
}

/// Names that did not line up between a module and a saved state.
public struct StateMismatchError: Error, CustomStringConvertible {
    /// Where the state was read from (file and group).
    public let source: String
    public let missing: [String]
    public let unexpected: [String]
    public let wrongShapes: [(key: String, expected: [Int], found: [Int])]

    public init(source: String, missing: [String], unexpected: [String], wrongShapes: [(key: String, expected: [Int], found: [Int])]) {
        self.source = source
        self.missing = missing
        self.unexpected = unexpected
        self.wrongShapes = wrongShapes
    }

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

    /// Reads the state from `source`.
    ///
    /// Every key must be present with the same shape; with
    /// `allowUnexpected` false, extra keys are errors too. Nothing is changed unless
    /// everything matches.
    public func loadState(from source: StateSource, allowUnexpected: Bool = false) throws {
        let tensors = stateTensors()
        let present = Set(try source.stateKeys())
        var missing: [String] = [], wrong: [(String, [Int], [Int])] = []
        var matched: [(key: String, tensor: Tensor)] = []
        for (key, tensor) in tensors {
            guard present.contains(key) else { missing.append(key); continue }
            let shape = try source.stateShape(of: key)
            if shape != tensor.shape { wrong.append((key, tensor.shape, shape)); continue }
            matched.append((key, tensor))
        }
        let known = Set(tensors.map(\.key))
        let unexpected = allowUnexpected ? [] : present.subtracting(known).sorted()
        if !missing.isEmpty || !wrong.isEmpty || !unexpected.isEmpty {
            throw StateMismatchError(
                source: source.stateSourceDescription, missing: missing, unexpected: unexpected,
                wrongShapes: wrong)
        }
        for (key, tensor) in matched {
            try source.readState(key, into: UnsafeMutableBufferPointer(start: tensor.data, count: tensor.count))
        }
    }
}
