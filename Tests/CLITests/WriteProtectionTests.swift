// The write-protection policy through the real executable, one test per case of the policy
// (FileSafety's OutputGuard): an output never replaces an input of the same command (same path,
// same file under another name, inside an input folder, a folder holding an input), an existing
// output needs --overwrite and is then replaced whole. Each refusal is checked for its exact
// `error:` line, exit status 2, and the protected file's bytes left unchanged.
import Foundation
import TestSupport
import XCTest

final class WriteProtectionTests: XCTestCase {
    private let tinyConfig = TinyConfig.cycleGAN()

    /// A workspace with `data.h5` (stripes, 26 px) and, when asked, an initial checkpoint.
    private func workspace(_ name: String, checkpoint: Bool = false) throws -> CLIWorkspace {
        let ws = try CLIWorkspace(name)
        let data = try ws.i2i(["demo-data", "--count", "8", "--size", "26", "--out", "data.h5"])
        XCTAssertEqual(data.status, 0, data.output)
        if checkpoint {
            let config = try ws.write("tiny.yaml", tinyConfig)
            let run = try ws.i2i(["train", config, "--data", "data.h5", "--out", "run", "--steps", "0"])
            XCTAssertEqual(run.status, 0, run.output)
        }
        return ws
    }

    private func bytes(_ ws: CLIWorkspace, _ name: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: ws.folder + "/" + name))
    }

    /// Asserts exit status 2 and that `line` is one of the lines printed.
    private func assertRefused(_ result: ProcessResult, _ line: String, file: StaticString = #filePath, lineNumber: UInt = #line) {
        XCTAssertEqual(result.status, 2, result.output, file: file, line: lineNumber)
        XCTAssertTrue(result.output.split(separator: "\n").map(String.init).contains(line), result.output, file: file, line: lineNumber)
    }

    private let checkpoint = "run/checkpoints/step_000000000.h5"

    func testInspectGridOntoItsDatasetIsRefusedEvenWithOverwrite() throws {
        let ws = try workspace("gridself")
        let before = try bytes(ws, "data.h5")
        for extra in [[], ["--overwrite"]] {
            let r = try ws.i2i(["inspect", "data.h5", "--grid", "data.h5"] + extra)
            assertRefused(r, "error: --grid 'data.h5' is the input FILE 'data.h5'; choose another output (an input is never overwritten)")
        }
        // The same file under another name (a hard link) is the same input.
        XCTAssertEqual(link(ws.folder + "/data.h5", ws.folder + "/alias.h5"), 0)
        let r = try ws.i2i(["inspect", "data.h5", "--grid", "alias.h5", "--overwrite"])
        assertRefused(r, "error: --grid 'alias.h5' is the input FILE 'data.h5'; choose another output (an input is never overwritten)")
        XCTAssertEqual(try bytes(ws, "data.h5"), before)
    }

    func testInspectGridOntoAnExistingFileNeedsOverwrite() throws {
        let ws = try workspace("gridexisting")
        let old = try ws.write("grid.png", "not a grid")
        var r = try ws.i2i(["inspect", "data.h5", "--grid", "grid.png"])
        assertRefused(r, "error: --grid 'grid.png' already exists; pass --overwrite to replace it")
        XCTAssertEqual(try String(contentsOfFile: old, encoding: .utf8), "not a grid")
        r = try ws.i2i(["inspect", "data.h5", "--grid", "grid.png", "--overwrite"])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertEqual(try bytes(ws, "grid.png").prefix(4), Data([0x89, 0x50, 0x4E, 0x47]))  // a PNG now
        // No temporary file is left beside it.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: ws.folder).filter { $0.hasPrefix(".") }, [])
    }

    func testTranslateOutputOntoTheCheckpointIsRefused() throws {
        let ws = try workspace("ontockpt", checkpoint: true)
        let before = try bytes(ws, checkpoint)
        for extra in [[], ["--overwrite"]] {
            let r = try ws.i2i(["translate", "--checkpoint", checkpoint, "--input", "data.h5", "--output", checkpoint] + extra)
            assertRefused(
                r,
                "error: --output '\(checkpoint)' is the input --checkpoint '\(checkpoint)'; choose another output (an input is never overwritten)"
            )
        }
        XCTAssertEqual(try bytes(ws, checkpoint), before)
    }

    func testTranslateOutputOntoTheInputDatasetIsRefused() throws {
        let ws = try workspace("ontodata", checkpoint: true)
        let before = try bytes(ws, "data.h5")
        let r = try ws.i2i(["translate", "--checkpoint", checkpoint, "--input", "data.h5:testB", "--output", "data.h5", "--overwrite"])
        assertRefused(r, "error: --output 'data.h5' is the input --input 'data.h5'; choose another output (an input is never overwritten)")
        XCTAssertEqual(try bytes(ws, "data.h5"), before)
    }

    func testTranslateOutputOntoAnExistingDatasetNeedsOverwrite() throws {
        let ws = try workspace("ontoother", checkpoint: true)
        XCTAssertEqual(try ws.i2i(["demo-data", "--count", "4", "--size", "16", "--out", "other.h5"]).status, 0)
        let before = try bytes(ws, "other.h5")
        var r = try ws.i2i(["translate", "--checkpoint", checkpoint, "--input", "data.h5", "--output", "other.h5"])
        assertRefused(r, "error: --output 'other.h5' already exists; pass --overwrite to replace it")
        XCTAssertEqual(try bytes(ws, "other.h5"), before)
        r = try ws.i2i(["translate", "--checkpoint", checkpoint, "--input", "data.h5", "--output", "other.h5", "--overwrite"])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertNotEqual(try bytes(ws, "other.h5"), before)
    }

    func testTranslateOutputOntoOrInsideOrAroundTheInputFolderIsRefused() throws {
        let ws = try workspace("ontofolder", checkpoint: true)
        var r = try ws.i2i(["translate", "--checkpoint", checkpoint, "--input", "data.h5", "--output", "photos"])
        XCTAssertEqual(r.status, 0, r.output)
        let names = try FileManager.default.contentsOfDirectory(atPath: ws.folder + "/photos").sorted()
        let first = "photos/" + names[0]
        let before = try bytes(ws, first)
        r = try ws.i2i(["translate", "--checkpoint", checkpoint, "--input", "photos", "--output", "photos", "--overwrite"])
        assertRefused(r, "error: --output 'photos' is the input --input 'photos'; choose another output (an input is never overwritten)")
        r = try ws.i2i(["translate", "--checkpoint", checkpoint, "--input", "photos", "--output", "photos/out", "--overwrite"])
        assertRefused(r, "error: --output 'photos/out' is inside the input folder --input 'photos'; choose an output outside it")
        r = try ws.i2i(["translate", "--checkpoint", checkpoint, "--input", first, "--output", "photos", "--overwrite"])
        assertRefused(r, "error: --output 'photos' contains the input --input '\(first)'; choose an output that holds no input")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: ws.folder + "/photos").sorted(), names)
        XCTAssertEqual(try bytes(ws, first), before)
    }

    func testTranslateIntoANonEmptyFolderNeedsOverwriteAndThenReplacesIt() throws {
        let ws = try workspace("folderexisting", checkpoint: true)
        try FileManager.default.createDirectory(atPath: ws.folder + "/out", withIntermediateDirectories: true)
        _ = try ws.write("out/keep.txt", "mine")
        var r = try ws.i2i(["translate", "--checkpoint", checkpoint, "--input", "data.h5", "--output", "out"])
        assertRefused(r, "error: --output 'out' is not empty; pass --overwrite to replace its contents")
        XCTAssertEqual(try String(contentsOfFile: ws.folder + "/out/keep.txt", encoding: .utf8), "mine")
        r = try ws.i2i(["translate", "--checkpoint", checkpoint, "--input", "data.h5", "--output", "out", "--overwrite"])
        XCTAssertEqual(r.status, 0, r.output)
        let now = try FileManager.default.contentsOfDirectory(atPath: ws.folder + "/out")
        XCTAssertEqual(now.count, 4, "\(now)")
        XCTAssertFalse(now.contains("keep.txt"))
        // Neither the staging folder nor the old contents are left beside it.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: ws.folder).filter { $0.hasPrefix(".") }, [])
    }

    func testDemoDataAndPreprocessOntoExistingFilesNeedOverwrite() throws {
        let ws = try workspace("dataexisting")
        let before = try bytes(ws, "data.h5")
        var r = try ws.i2i(["demo-data", "--count", "4", "--size", "16", "--out", "data.h5"])
        assertRefused(r, "error: --out 'data.h5' already exists; pass --overwrite to replace it")
        XCTAssertEqual(try bytes(ws, "data.h5"), before)
        // A stale temporary file of a dead writer is removed by the next run.
        let stale = ws.folder + "/.data.h5.tmp-999999999-abc"
        _ = try ws.write(".data.h5.tmp-999999999-abc", "partial")
        r = try ws.i2i(["demo-data", "--count", "4", "--size", "16", "--out", "data.h5", "--overwrite"])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertNotEqual(try bytes(ws, "data.h5"), before)
        XCTAssertFalse(FileManager.default.fileExists(atPath: stale))

        // Folders of images to preprocess (one grid each).
        try FileManager.default.createDirectory(atPath: ws.folder + "/a", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: ws.folder + "/b", withIntermediateDirectories: true)
        XCTAssertEqual(try ws.i2i(["inspect", "data.h5", "--grid", "a/grid.png"]).status, 0)
        XCTAssertEqual(try ws.i2i(["inspect", "data.h5", "--grid", "b/grid.png"]).status, 0)
        r = try ws.i2i(["preprocess", "--a", "a", "--b", "b", "--out", "a/data.h5", "--size", "16"])
        assertRefused(r, "error: --out 'a/data.h5' is inside the input folder --a 'a'; choose an output outside it")
        r = try ws.i2i(["preprocess", "--a", "a", "--b", "b", "--out", "data.h5", "--size", "16"])
        assertRefused(r, "error: --out 'data.h5' already exists; pass --overwrite to replace it")
        r = try ws.i2i(["preprocess", "--a", "a", "--b", "b", "--out", "data.h5", "--size", "16", "--overwrite"])
        XCTAssertEqual(r.status, 0, r.output)
    }
}
