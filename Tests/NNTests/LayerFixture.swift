// Reads the layer fixtures written by Fixtures/make_fixtures.py and checks a Swift layer
// against one case: state loaded by PyTorch names, forward output, and the gradients of
// (output · R).sum() with respect to every input and every parameter.
import Checkpointing
import HDF5Kit
import NN
import TensorCore
import TestSupport
import XCTest

/// The folder holding this target's fixture files.
let nnFixtureFolder: String = {
    let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    return here.appendingPathComponent("Fixtures").path
}()

/// Opens a fixture file of this target (read-only).
func openNNFixture(_ name: String) throws -> HDF5File {
    try HDF5File.open(nnFixtureFolder + "/" + name, mode: .readOnly)
}

/// A tensor from a float32 dataset.
func readTensor(_ group: HDF5Group, _ path: String) throws -> Tensor {
    let dataset = try group.openDataset(path)
    return Tensor(shape: try dataset.shape, values: try dataset.read(as: Float.self))
}

/// One case of layers.h5.
struct LayerCase {
    let name: String
    let group: HDF5Group

    init(_ file: HDF5File, _ name: String) throws {
        self.name = name
        self.group = try file.root.openGroup(name)
    }

    /// The named inputs, marked as requiring gradients.
    func inputs() throws -> [String: Tensor] {
        let g = try group.openGroup("inputs")
        var result: [String: Tensor] = [:]
        for name in try g.childNames {
            let t = try readTensor(g, name)
            t.requiresGrad = true
            result[name] = t
        }
        return result
    }

    /// Loads the case's state into `module` (checking every name and shape), runs `forward`,
    /// and compares the output and all gradients with the fixture.
    func check(
        _ module: Module, tolerance: Tolerance = .standard, gradientTolerance: Tolerance? = nil,
        file: StaticString = #filePath, line: UInt = #line,
        forward: ([String: Tensor]) -> Tensor
    ) throws {
        try module.loadState(from: group.openGroup("state"))
        let x = try inputs()
        let out = forward(x)
        assertClose(out, try readTensor(group, "output"), tolerance, path: "\(name)/output", file: file, line: line)
        let r = try readTensor(group, "R")
        (out * r).sum().backward()
        let gradTolerance = gradientTolerance ?? tolerance
        let gi = try group.openGroup("grads/inputs")
        for (key, t) in x.sorted(by: { $0.key < $1.key }) {
            let expected = try readTensor(gi, key)
            assertClose(
                t.grad ?? Tensor.zeros(t.shape), expected, gradTolerance, path: "\(name)/grad of input \(key)",
                file: file, line: line)
        }
        let gp = try group.openGroup("grads/params")
        for (key, parameter) in module.namedParameters() {
            let expected = try readTensor(gp, key)
            assertClose(
                parameter.gradient ?? Tensor.zeros(parameter.shape), expected, gradTolerance,
                path: "\(name)/grad of \(key)", file: file, line: line)
        }
        let after = try group.openGroup("state_after")
        for (key, buffer) in module.namedBuffers() {
            assertClose(
                buffer.value, try readTensor(after, key), tolerance, path: "\(name)/buffer \(key) after the forward",
                file: file, line: line)
        }
    }
}
