// Hostile HDF5 files through the real `i2i`: a dataset whose header declares 100000×100000
// images, one of float32 images, one whose names disagree with its images, a checkpoint tensor
// of the wrong type or shape, `--init-from` weights of the wrong type, and an empty file. Each
// command refuses them with exactly one `error:` line naming the file, the object and the
// problem, and exit status 2, before reading (or allocating for) any image or tensor.
import Foundation
import TestSupport
import XCTest

final class HostileFileTests: XCTestCase {
    /// A CycleGAN small enough for an initial checkpoint in a second.
    private static let tinyConfig = TinyConfig.cycleGAN()

    /// A workspace with `tiny.yaml`, `data.h5` (demo data: 16 training and 4 test images of
    /// 24×24 per domain) and `ckpt.h5` (the initial checkpoint of a run on it).
    private func workspace(_ name: String = #function) throws -> CLIWorkspace {
        let ws = try CLIWorkspace(name.filter { $0.isLetter })
        _ = try ws.write("tiny.yaml", HostileFileTests.tinyConfig)
        let data = try ws.i2i(["demo-data", "--count", "16", "--size", "24", "--out", "data.h5"])
        XCTAssertEqual(data.status, 0, data.output)
        let run = try ws.i2i(["train", "tiny.yaml", "--data", "data.h5", "--out", "run", "--steps", "0"])
        XCTAssertEqual(run.status, 0, run.output)
        try FileManager.default.copyItem(atPath: ws.folder + "/run/checkpoints/step_000000000.h5", toPath: ws.folder + "/ckpt.h5")
        return ws
    }

    /// Copies `source` to `target` in the workspace and runs h5py `statements` (one per line)
    /// on the copy, opened as `f`; returns what they printed.
    @discardableResult
    private func edit(_ ws: CLIWorkspace, _ source: String, _ target: String, _ statements: String) throws -> String {
        try FileManager.default.copyItem(atPath: ws.folder + "/" + source, toPath: ws.folder + "/" + target)
        let body = statements.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
        let script = "import h5py, numpy as np\nwith h5py.File('\(ws.folder)/\(target)', 'r+') as f:\n\(body)\n"
        return try Python.run(script, modules: ["h5py", "numpy"]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Asserts exit status 2 and exactly one `error:` line, `error: <message>`.
    private func assertRefused(_ result: ProcessResult, _ message: String, within seconds: Double = 60, line: UInt = #line) {
        XCTAssertEqual(result.status, 2, result.output, line: line)
        XCTAssertNil(result.signal, result.output, line: line)
        let errors = result.output.split(separator: "\n").filter { $0.hasPrefix("error: ") }.map(String.init)
        XCTAssertEqual(errors, ["error: " + message], result.output, line: line)
        XCTAssertLessThan(result.seconds, seconds, "took \(result.seconds) s", line: line)
    }

    /// Every command that reads a dataset: inspect --verify, train and translate.
    private func assertEveryCommandRefuses(_ ws: CLIWorkspace, _ file: String, _ message: String, within seconds: Double = 60) throws {
        assertRefused(try ws.i2i(["inspect", file, "--verify"]), message, within: seconds)
        assertRefused(try ws.i2i(["train", "tiny.yaml", "--data", file, "--out", "run-\(file)"]), message, within: seconds)
        assertRefused(try ws.i2i(["translate", "--checkpoint", "ckpt.h5", "--input", file, "--output", "out"]), message, within: seconds)
    }

    func testNamesCountDiffersFromImageCount() throws {
        let ws = try workspace()
        try edit(ws, "data.h5", "names.h5", "del f['testA/names']\nf.create_dataset('testA/names', data=['x'], dtype=h5py.string_dtype())")
        try assertEveryCommandRefuses(ws, "names.h5", "names.h5: '/testA/names' holds 1 names for 4 images")
    }

    func testHugeDeclaredImagesFailFastWithoutAllocating() throws {
        let ws = try workspace()
        try edit(
            ws, "data.h5", "huge.h5",
            "del f['trainA/images']\nf.create_dataset('trainA/images', shape=(16, 100000, 100000, 3), dtype='u1', chunks=(1, 64, 64, 3))")
        try assertEveryCommandRefuses(
            ws, "huge.h5", "huge.h5: '/trainA/images' declares 100000×100000 images, larger than the maximum side of 8192", within: 20)
    }

    func testFloatAndInt16Images() throws {
        let ws = try workspace()
        for dtype in ["float32", "int16"] {
            try edit(
                ws, "data.h5", "\(dtype).h5",
                "del f['trainB/images']\nf.create_dataset('trainB/images', data=np.zeros((16, 24, 24, 3), dtype='\(dtype)'))")
            try assertEveryCommandRefuses(ws, "\(dtype).h5", "\(dtype).h5: '/trainB/images' holds \(dtype) values, expected uint8")
        }
    }

    func testCheckpointTensorOfWrongTypeOrShape() throws {
        let ws = try workspace()
        let pick =
            "key = sorted(f['networks/G_A'].keys())[0]\nd = f['networks/G_A/' + key]\nvalues, n = d[()], d.size\ndel f['networks/G_A/' + key]"
        let typed = try edit(ws, "ckpt.h5", "float64.h5", pick + "\nf['networks/G_A/' + key] = values.astype('float64')\nprint(key)")
        let message = "checkpoint 'float64.h5': '/networks/G_A/\(typed)' holds float64 values, expected float32"
        assertRefused(try ws.i2i(["inspect", "float64.h5"]), message)
        assertRefused(try ws.i2i(["translate", "--checkpoint", "float64.h5", "--input", "data.h5", "--output", "out"]), message)

        let shaped = try edit(ws, "ckpt.h5", "shape.h5", pick + "\nf['networks/G_A/' + key] = np.zeros(3, dtype='float32')\nprint(key, n)")
        let parts = shaped.split(separator: " ")
        assertRefused(
            try ws.i2i(["inspect", "shape.h5"]),
            "checkpoint 'shape.h5': '/networks/G_A/\(parts[0])' holds 3 values (shape [3]), expected \(parts[1])")
    }

    func testInitFromWeightsOfWrongType() throws {
        let ws = try workspace()
        let key = try edit(
            ws, "ckpt.h5", "weights.h5",
            "key = sorted(f['networks/G_A'].keys())[0]\nv = f['networks/G_A/' + key][()]\ndel f['networks/G_A/' + key]\n"
                + "f['networks/G_A/' + key] = v.astype('float64')\nprint(key)")
        assertRefused(
            try ws.i2i(["train", "tiny.yaml", "--data", "data.h5", "--out", "run-init", "--init-from", "weights.h5"]),
            "--init-from: cannot load tensor '/networks/G_A/\(key)' in 'weights.h5': it holds float64 values, expected float32")
    }

    func testEmptyFile() throws {
        let ws = try workspace()
        _ = try ws.write("empty.h5", "")
        let result = try ws.i2i(["inspect", "empty.h5"])
        XCTAssertEqual(result.status, 2, result.output)
        let errors = result.output.split(separator: "\n").filter { $0.hasPrefix("error: ") }
        XCTAssertEqual(errors.count, 1, result.output)
        XCTAssertTrue(errors.first?.hasPrefix("error: empty.h5 ") ?? false, result.output)
    }
}
