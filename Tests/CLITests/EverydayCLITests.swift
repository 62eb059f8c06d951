// The everyday behaviour of the command line (issue 18, item 3), each through the real `i2i`:
// `--version`, `translate --checkpoint RUN_DIR`, translate keeping the inputs' sizes and
// subfolders, refusing two inputs with one output name, reporting skipped inputs, showing a
// progress bar, `inspect` of run folders and translate's HDF5 output, seconds per step in the
// progress line, and warnings for options that do nothing. Input images are written by Python's
// standard library (zlib and struct), and output sizes are read from the PNG header bytes, so
// neither depends on i2i's own codecs.
import Foundation
import HDF5Kit
import TestSupport
import XCTest

final class EverydayCLITests: XCTestCase {
    private let tinyConfig = TinyConfig.cycleGAN(train: ["log_every: 2", "sample_every: 2", "checkpoint_every: 2"])

    /// A workspace with demo data and a tiny CycleGAN trained for 4 steps in `run`.
    private func trainedWorkspace(_ name: String) throws -> CLIWorkspace {
        let ws = try CLIWorkspace(name)
        XCTAssertEqual(try ws.i2i(["demo-data", "--count", "16", "--size", "26", "--out", "data.h5"]).status, 0)
        let config = try ws.write("tiny.yaml", tinyConfig)
        let r = try ws.i2i(["train", config, "--data", "data.h5", "--out", "run", "--steps", "4"])
        XCTAssertEqual(r.status, 0, r.output)
        return ws
    }

    /// Writes an RGB PNG of `width` × `height` (a colour ramp) at `path` inside the workspace.
    private func writePNG(_ ws: CLIWorkspace, _ path: String, width: Int, height: Int) throws {
        let script = """
            import os, struct, zlib
            path, w, h = \(String(reflecting: ws.folder + "/" + path)), \(width), \(height)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            rows = b"".join(b"\\x00" + bytes(v for x in range(w) for v in ((x * 7) % 256, (y * 11) % 256, 128)) for y in range(h))
            def chunk(kind, data):
                return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
            png = b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            png += chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
            open(path, "wb").write(png)
            """
        try Python.run(script, modules: [])
    }

    /// The width and height a PNG file's IHDR chunk announces.
    private func pngSize(_ path: String) throws -> (width: Int, height: Int) {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(Array(bytes[12..<16]), Array("IHDR".utf8), path)
        func be32(_ i: Int) -> Int { bytes[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) } }
        return (be32(16), be32(20))
    }

    private func jsonObject(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }

    func testVersionIsTheCodeVersionCheckpointsRecord() throws {
        let ws = try CLIWorkspace("version")
        XCTAssertEqual(try ws.i2i(["demo-data", "--count", "8", "--size", "26", "--out", "data.h5"]).status, 0)
        let config = try ws.write("tiny.yaml", tinyConfig)
        XCTAssertEqual(try ws.i2i(["train", config, "--data", "data.h5", "--out", "run", "--steps", "0"]).status, 0)
        let inspect = try ws.i2i(["inspect", "run/checkpoints/step_000000000.h5", "--json"])
        let recorded = try XCTUnwrap(try jsonObject(inspect.output)["code_version"] as? String)
        let version = try ws.i2i(["--version"])
        XCTAssertEqual(version.status, 0, version.output)
        XCTAssertEqual(version.output.trimmingCharacters(in: .whitespacesAndNewlines), recorded)
        XCTAssertFalse(recorded.isEmpty)
    }

    func testTranslateTakesARunFolderAsItsNewestGoodCheckpoint() throws {
        let ws = try trainedWorkspace("runckpt")
        var r = try ws.i2i(["translate", "--checkpoint", "run", "--input", "data.h5", "--output", "byfolder"])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.output.contains("checkpoint run/checkpoints/step_000000004.h5"), r.output)
        r = try ws.i2i(["translate", "--checkpoint", "run/checkpoints/step_000000004.h5", "--input", "data.h5", "--output", "byfile"])
        XCTAssertEqual(r.status, 0, r.output)
        let names = try FileManager.default.contentsOfDirectory(atPath: ws.folder + "/byfile").sorted()
        XCTAssertEqual(names.count, 4)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: ws.folder + "/byfolder").sorted(), names)
        for name in names {
            XCTAssertEqual(
                FileManager.default.contents(atPath: ws.folder + "/byfolder/" + name),
                FileManager.default.contents(atPath: ws.folder + "/byfile/" + name), name)
        }
        // A damaged newest checkpoint: the run folder falls back to the one before, and says so.
        let newest = ws.folder + "/run/checkpoints/step_000000004.h5"
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: newest))
        try handle.truncate(atOffset: 2000)
        try handle.close()
        r = try ws.i2i(["translate", "--checkpoint", "run", "--input", "data.h5", "--output", "older"])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.output.contains("warning: skipping checkpoint run/checkpoints/step_000000004.h5"), r.output)
        XCTAssertTrue(r.output.contains("checkpoint run/checkpoints/step_000000002.h5"), r.output)
        r = try ws.i2i(["translate", "--checkpoint", ws.folder, "--input", "data.h5", "--output", "none"])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.output.contains("is a folder without a usable checkpoint"), r.output)
    }

    func testTranslateKeepsSizesAndSubfoldersAndReportsSkippedInputs() throws {
        let ws = try trainedWorkspace("keep")
        try writePNG(ws, "photos/wide/a.png", width: 40, height: 24)
        try writePNG(ws, "photos/b.png", width: 30, height: 30)
        _ = try ws.write("photos/broken.png", "not an image")
        var r = try ws.i2i(["translate", "--checkpoint", "run", "--input", "photos", "--output", "out"])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.output.contains("translate 2/2 100%"), r.output)  // the progress bar's closing line
        XCTAssertTrue(r.output.contains("skipped 1 file:\n  photos/broken.png: "), r.output)
        XCTAssertTrue(r.output.contains("translated 2 images"), r.output)
        XCTAssertEqual(try pngSize(ws.folder + "/out/wide/a.png").width, 40)
        XCTAssertEqual(try pngSize(ws.folder + "/out/wide/a.png").height, 24)
        XCTAssertEqual(try pngSize(ws.folder + "/out/b.png").width, 30)
        XCTAssertEqual(try pngSize(ws.folder + "/out/b.png").height, 30)
        // --size fits every image to that square instead.
        r = try ws.i2i(["translate", "--checkpoint", "run", "--input", "photos", "--output", "square", "--size", "24"])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertEqual(try pngSize(ws.folder + "/square/wide/a.png").width, 24)
        XCTAssertEqual(try pngSize(ws.folder + "/square/wide/a.png").height, 24)
        // One HDF5 file holds one size: images of two sizes need --size.
        r = try ws.i2i(["translate", "--checkpoint", "run", "--input", "photos", "--output", "out.h5"])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.output.contains("pass --size"), r.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ws.folder + "/out.h5"))
        // One file alone keeps its size too.
        r = try ws.i2i(["translate", "--checkpoint", "run", "--input", "photos/wide/a.png", "--output", "one"])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertEqual(try pngSize(ws.folder + "/one/a.png").width, 40)
    }

    func testTranslateRefusesTwoInputsWithOneOutputName() throws {
        let ws = try trainedWorkspace("collide")
        try writePNG(ws, "photos/x.png", width: 24, height: 24)
        try writePNG(ws, "photos/y.png", width: 24, height: 24)
        try FileManager.default.moveItem(atPath: ws.folder + "/photos/y.png", toPath: ws.folder + "/photos/x.jpeg")
        let r = try ws.i2i(["translate", "--checkpoint", "run", "--input", "photos", "--output", "out"])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.output.contains("error: inputs 'x.jpeg' and 'x.png' would both be written to 'out/x.png'"), r.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ws.folder + "/out"))
    }

    func testInspectDescribesRunFoldersAndTranslateOutput() throws {
        let ws = try trainedWorkspace("inspectrun")
        var r = try ws.i2i(["inspect", "run", "--json"])
        XCTAssertEqual(r.status, 0, r.output)
        let run = try jsonObject(r.output)
        XCTAssertEqual(run["kind"] as? String, "run")
        XCTAssertEqual(run["model"] as? String, "cyclegan")
        XCTAssertEqual(run["steps_done"] as? Int, 4)
        XCTAssertEqual(run["finished"] as? Bool, true)
        XCTAssertEqual((run["newest_checkpoint"] as? [String: Any])?["step"] as? Int, 4)
        // The last losses are those of metrics.jsonl's last line.
        let lines = try String(contentsOfFile: ws.folder + "/run/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        let last = try jsonObject(String(lines.last!))
        let losses = try XCTUnwrap(run["last_losses"] as? [String: Any]).mapValues { ($0 as? NSNumber)?.doubleValue }
        XCTAssertEqual(Set(losses.keys), ["D_A", "G_A", "cycle_A", "idt_A", "D_B", "G_B", "cycle_B", "idt_B"])
        XCTAssertEqual(losses["G_A"] ?? nil, (last["G_A"] as? NSNumber)?.doubleValue)
        XCTAssertNotNil(losses["G_A"] ?? nil)
        r = try ws.i2i(["inspect", "run"])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.output.contains("steps     4 done, finished"), r.output)
        XCTAssertTrue(r.output.contains("newest    run/checkpoints/step_000000004.h5"), r.output)
        XCTAssertTrue(r.output.contains("losses    at step 4: D_A "), r.output)

        r = try ws.i2i(["translate", "--checkpoint", "run", "--direction", "b2a", "--input", "data.h5:testB", "--output", "out.h5"])
        XCTAssertEqual(r.status, 0, r.output)
        r = try ws.i2i(["inspect", "out.h5", "--json"])
        XCTAssertEqual(r.status, 0, r.output)
        let out = try jsonObject(r.output)
        XCTAssertEqual(out["kind"] as? String, "translation")
        XCTAssertEqual(out["count"] as? Int, 4)
        XCTAssertEqual(out["height"] as? Int, 26)
        XCTAssertEqual(out["direction"] as? String, "b2a")
        XCTAssertEqual(out["checkpoint"] as? String, "run/checkpoints/step_000000004.h5")
        try FileManager.default.createDirectory(atPath: ws.folder + "/empty", withIntermediateDirectories: true)
        r = try ws.i2i(["inspect", "empty"])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.output.contains("holds no run"), r.output)
    }

    func testProgressLineShowsSecondsPerStepForSlowSteps() throws {
        let ws = try CLIWorkspace("slow")
        XCTAssertEqual(try ws.i2i(["demo-data", "--count", "8", "--size", "26", "--out", "data.h5"]).status, 0)
        let config = try ws.write("tiny.yaml", tinyConfig)
        let r = try ws.i2i([
            "train", config, "--data", "data.h5", "--out", "run", "--steps", "2", "--set", "debug.step_pause_seconds=1.3",
        ])
        XCTAssertEqual(r.status, 0, r.output)
        let line = try XCTUnwrap(r.output.split(separator: "\n").first { $0.hasPrefix("train 2/2 100%") }, r.output)
        XCTAssertTrue(line.contains(" s/step in "), String(line))
        XCTAssertFalse(line.contains("steps/s"), String(line))
    }

    func testOptionsThatDoNothingAreWarnedAbout() throws {
        let ws = try trainedWorkspace("noop")
        var r = try ws.i2i(["translate", "--checkpoint", "run", "--input", "data.h5", "--output", "out", "--save-attention"])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.output.contains("warning: --save-attention does nothing for cyclegan"), r.output)
        r = try ws.i2i(["translate", "--checkpoint", "run", "--input", "data.h5", "--output", "out2", "--size", "24"])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.output.contains("warning: --size and --resize do nothing for a dataset input"), r.output)
        r = try ws.i2i(["translate", "--checkpoint", "run", "--input", "data.h5", "--output", "out3"])
        XCTAssertFalse(r.output.contains("warning:"), r.output)
    }
}
