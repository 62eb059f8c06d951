// Reading reference fixtures written by a PyTorch script, and checking an op against them.
//
// A fixture file holds one group per case:
//   /<case>                 attributes: `op` (string) and the op's parameters
//   /<case>/inputs/<name>   float32 inputs (class ids as float32 too)
//   /<case>/R               float32, a fixed random tensor of the output's shape
//   /<case>/output          float32, the forward output
//   /<case>/grads/<name>    float32, ∂(Σ output ⊙ R)/∂<name> for each differentiable input
// See Tests/TensorCoreTests/Fixtures/make_fixtures.py.
import Foundation
import HDF5Kit
import TensorCore
import XCTest

/// An op's parameters, read from a case's attributes.
public struct FixtureAttributes {
    let values: [String: HDF5AttributeValue]
    let where_: String

    /// Whether the case has attribute `name`.
    public func has(_ name: String) -> Bool { values[name] != nil }

    /// An integer attribute (a one-element array reads as its element).
    public func int(_ name: String) -> Int {
        switch values[name] {
        case .int(let v)?: return v
        case .ints(let v)? where v.count == 1: return v[0]
        default: fatalError("\(where_): attribute '\(name)' is missing or not an integer: \(String(describing: values[name]))")
        }
    }

    /// An integer-array attribute (a scalar reads as a one-element array), or nil when absent.
    public func ints(_ name: String) -> [Int]? {
        switch values[name] {
        case nil: return nil
        case .ints(let v)?: return v
        case .int(let v)?: return [v]
        default: fatalError("\(where_): attribute '\(name)' is not an integer array: \(String(describing: values[name]))")
        }
    }

    /// A boolean stored as an integer (0 or 1).
    public func bool(_ name: String) -> Bool { int(name) != 0 }

    /// A real attribute as Float (integers widen), or nil when absent.
    public func float(_ name: String) -> Float? {
        switch values[name] {
        case nil: return nil
        case .double(let v)?: return Float(v)
        case .int(let v)?: return Float(v)
        default: fatalError("\(where_): attribute '\(name)' is not a number: \(String(describing: values[name]))")
        }
    }

    /// A string attribute.
    public func string(_ name: String) -> String {
        guard case .string(let v)? = values[name] else {
            fatalError("\(where_): attribute '\(name)' is missing or not a string")
        }
        return v
    }

    /// A two-integer attribute as a pair, such as a stride (y, x).
    public func pair(_ name: String) -> (Int, Int) {
        guard let v = ints(name), v.count == 2 else { fatalError("\(where_): attribute '\(name)' is not a pair") }
        return (v[0], v[1])
    }

    /// A four-integer attribute (left, right, top, bottom) as a ``Padding``.
    public func padding(_ name: String = "padding") -> Padding {
        guard let v = ints(name), v.count == 4 else { fatalError("\(where_): attribute '\(name)' is not 4 paddings") }
        return Padding(left: v[0], right: v[1], top: v[2], bottom: v[3])
    }
}

/// A case's inputs by name, as fresh tensors (those with a reference gradient require one).
public struct FixtureInputs {
    public let tensors: [String: Tensor]
    let where_: String

    /// The input called `name`; stops with a message naming the case when it is missing.
    public subscript(_ name: String) -> Tensor {
        guard let t = tensors[name] else {
            fatalError("\(where_): no input '\(name)' (inputs: \(tensors.keys.sorted()))")
        }
        return t
    }

    /// The input called `name`, or nil (an optional bias).
    public func optional(_ name: String) -> Tensor? { tensors[name] }

    /// Inputs whose names start with `prefix`, in name order (t0, t1, … of a concat).
    public func list(_ prefix: String) -> [Tensor] {
        tensors.keys.filter { $0.hasPrefix(prefix) }.sorted().map { tensors[$0]! }
    }
}

/// One case of a fixture file.
public struct FixtureCase {
    /// "file/case", for messages.
    public let path: String
    public let op: String
    public let attributes: FixtureAttributes
    public let inputs: FixtureInputs
    public let r: Tensor
    public let output: Tensor
    /// Reference gradients by input name.
    public let grads: [String: Tensor]
}

/// An open fixture file.
///
/// Files are opened once per process and kept.
public final class FixtureFile {
    public let name: String
    let file: HDF5File
    private static var cache: [String: FixtureFile] = [:]
    private static let lock = NSLock()

    private init(name: String, file: HDF5File) {
        self.name = name
        self.file = file
    }

    /// Opens `<directory>/<name>.h5`, stopping with a message on failure.
    public static func named(_ name: String, in directory: URL) -> FixtureFile {
        let path = directory.appendingPathComponent(name + ".h5").path
        lock.lock()
        defer { lock.unlock() }
        if let f = cache[path] { return f }
        do {
            let f = FixtureFile(name: name, file: try HDF5File.open(path))
            cache[path] = f
            return f
        } catch {
            fatalError(
                "cannot open fixture file \(path): \(error) — regenerate with python3 Tests/TensorCoreTests/Fixtures/make_fixtures.py")
        }
    }

    /// The case names in the file.
    public var caseNames: [String] {
        do { return try file.root.childNames.sorted() } catch { fatalError("\(name): cannot list cases: \(error)") }
    }

    /// Loads case `name`: fresh tensors every call.
    public func load(_ name: String) throws -> FixtureCase {
        let group = try file.root.openGroup(name)
        let path = "\(self.name)/\(name)"
        var attributes: [String: HDF5AttributeValue] = [:]
        for a in try group.attributeNames { attributes[a] = try group.attribute(a) }
        guard case .string(let op)? = attributes["op"] else { throw FixtureError("\(path): no 'op' attribute") }

        func tensors(_ sub: String) throws -> [String: Tensor] {
            guard group.contains(sub) else { return [:] }
            let g = try group.openGroup(sub)
            var out: [String: Tensor] = [:]
            for child in try g.childNames { out[child] = try readTensor(g.openDataset(child)) }
            return out
        }
        let grads = try tensors("grads")
        let inputs = try tensors("inputs")
        for (k, t) in inputs where grads[k] != nil { t.requiresGrad = true }
        return FixtureCase(
            path: path, op: op, attributes: FixtureAttributes(values: attributes, where_: path),
            inputs: FixtureInputs(tensors: inputs, where_: path),
            r: try readTensor(group.openDataset("R")), output: try readTensor(group.openDataset("output")),
            grads: grads)
    }

    private func readTensor(_ d: HDF5Dataset) throws -> Tensor {
        Tensor(shape: try d.shape, values: try d.read(as: Float.self))
    }
}

/// A malformed fixture.
public struct FixtureError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Runs `op` on the case's inputs and compares its output, then the gradient of
/// Σ output ⊙ R with respect to every input that has a reference gradient (computed through
/// `backward()` into `grad`, so accumulation into leaves is exercised too).
///
/// Failures name the case, the tensor, its shape, the largest error and where it is.
public func assertOpMatchesFixture(
    _ c: FixtureCase, tolerance: Tolerance = .standard, gradientTolerance: Tolerance? = nil,
    file: StaticString = #filePath, line: UInt = #line,
    _ op: (FixtureInputs, FixtureAttributes) -> Tensor
) {
    let out = op(c.inputs, c.attributes)
    assertClose(out, c.output, tolerance, path: "\(c.path) (op \(c.op)): output", file: file, line: line)
    if c.grads.isEmpty { return }
    guard out.requiresGrad else {
        return XCTFail("\(c.path): the output does not require a gradient", file: file, line: line)
    }
    guard out.shape == c.r.shape else { return }  // already reported as an output shape mismatch
    (out * c.r).sum().backward()
    for name in c.grads.keys.sorted() {
        let input = c.inputs[name]
        guard let g = input.grad else {
            XCTFail("\(c.path): input '\(name)' \(input.shape) got no gradient", file: file, line: line)
            continue
        }
        assertClose(
            g, c.grads[name]!, gradientTolerance ?? tolerance, path: "\(c.path) (op \(c.op)): grads/\(name)",
            file: file, line: line)
    }
}
