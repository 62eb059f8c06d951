// Resource failures through the real `i2i` executable: a full disk (a small tmpfs) under
// demo-data, preprocess, train's checkpoint write, and translate's HDF5 and PNG output; a
// read-only output folder; a checkpoints folder removed under a running train. Each must end
// with exactly one `error:` line and exit status 1 — no crash inside HDF5, no backtrace — and
// leave what was there before intact (an older checkpoint, another file), with no temporary
// file behind.
import Foundation
import TestSupport
import XCTest

final class ResourceFailureTests: XCTestCase {
    private var mounts: [ScratchMount] = []

    override func tearDown() {
        for mount in mounts { mount.unmount() }
        mounts = []
        super.tearDown()
    }

    static let tinyConfig = TinyConfig.cycleGAN(train: ["log_every: 1", "sample_every: 0", "checkpoint_every: 0"], poolSize: 0)

    private func scratch(_ ws: CLIWorkspace, _ name: String, kilobytes: Int, readOnly: Bool = false) throws -> ScratchMount {
        let mount = try ScratchMount(in: ws.folder, name: name, kilobytes: kilobytes, readOnly: readOnly)
        mounts.append(mount)
        return mount
    }

    /// A workspace with `data.h5` (stripes, 26 px) and `ckpt.h5`, the initial checkpoint of the
    /// tiny config.
    private func workspaceWithCheckpoint(_ name: String) throws -> (CLIWorkspace, String) {
        let ws = try CLIWorkspace(name)
        let data = try ws.i2i(["demo-data", "--count", "8", "--test-count", "12", "--size", "26", "--out", "data.h5"])
        XCTAssertEqual(data.status, 0, data.output)
        let config = try ws.write("tiny.yaml", Self.tinyConfig)
        let run = try ws.i2i(["train", config, "--data", "data.h5", "--out", "init", "--steps", "0", "--threads", "1"])
        XCTAssertEqual(run.status, 0, run.output)
        try FileManager.default.copyItem(atPath: ws.folder + "/init/checkpoints/step_000000000.h5", toPath: ws.folder + "/ckpt.h5")
        return (ws, config)
    }

    // MARK: - A full disk

    func testDemoDataOnAFullDiskIsOneErrorAndKeepsTheOtherFiles() throws {
        let ws = try CLIWorkspace("fulldemo")
        let disk = try scratch(ws, "disk", kilobytes: 256)
        let keep = disk.path + "/small.h5"
        XCTAssertEqual(try ws.i2i(["demo-data", "--count", "2", "--size", "16", "--out", keep]).status, 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: keep))
        let r = try ws.i2i(["demo-data", "--count", "50", "--size", "64", "--out", disk.path + "/big.h5"])
        assertOneError(r, prefix: "error: cannot ", reason: "No space left on device")
        XCTAssertEqual(disk.names(), ["small.h5"], "no big.h5, no temporary file")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: keep)), before)
        XCTAssertEqual(try ws.i2i(["inspect", keep, "--verify"]).status, 0)
    }

    func testPreprocessOnAFullDiskIsOneError() throws {
        let (ws, _) = try workspaceWithCheckpoint("fullprep")
        for (direction, folder) in [("a2b", "a"), ("b2a", "b")] {
            let r = try ws.i2i(["translate", "--checkpoint", "ckpt.h5", "--direction", direction, "--input", "data.h5", "--output", folder])
            XCTAssertEqual(r.status, 0, r.output)
        }
        let disk = try scratch(ws, "disk", kilobytes: 64)
        let r = try ws.i2i(["preprocess", "--a", "a", "--b", "b", "--out", disk.path + "/p.h5"])
        assertOneError(r, prefix: "error: cannot ", reason: "No space left on device")
        XCTAssertEqual(disk.names(), [])
    }

    /// The checkpoint at step 4 does not fit: the run ends with one error, the step-2 checkpoint
    /// is intact, and once there is room `--resume` continues from it.
    func testCheckpointWriteOnAFullDiskKeepsTheOlderCheckpoint() throws {
        let ws = try CLIWorkspace("fullckpt")
        XCTAssertEqual(try ws.i2i(["demo-data", "--count", "8", "--size", "26", "--out", "data.h5"]).status, 0)
        let config = try ws.write("tiny.yaml", Self.tinyConfig)
        let disk = try scratch(ws, "disk", kilobytes: 2048)
        let run = disk.path + "/run"
        let train = ["train", config, "--data", "data.h5", "--out", run, "--threads", "1"]
        var r = try ws.i2i(train + ["--steps", "2"])
        XCTAssertEqual(r.status, 0, r.output)
        let older = run + "/checkpoints/step_000000002.h5"
        let before = try Data(contentsOf: URL(fileURLWithPath: older))
        try disk.fill(leaving: 48 * 1024)
        r = try ws.i2i(train + ["--steps", "4", "--resume"])
        assertOneError(
            r, prefix: "error: cannot write checkpoint \(run)/checkpoints/step_000000004.h5: ", reason: "No space left on device")
        let names = disk.names(in: "run/checkpoints").filter { $0 != "FINISHED" }
        XCTAssertEqual(names, ["step_000000002.h5"], "no step 4, no temporary file")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: older)), before)
        disk.emptyFiller()
        r = try ws.i2i(train + ["--steps", "4", "--resume"])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.output.contains("resuming from \(older) at step 2"), r.output)
    }

    /// Under mpirun (2 ranks) rank 0's failed checkpoint write ends every rank with its message
    /// and status 1.
    func testCheckpointWriteOnAFullDiskUnderMpirunEndsEveryRank() throws {
        let ws = try CLIWorkspace("fullckptmpi")
        XCTAssertEqual(try ws.i2i(["demo-data", "--count", "8", "--size", "26", "--out", "data.h5"]).status, 0)
        let config = try ws.write("tiny.yaml", Self.tinyConfig)
        let disk = try scratch(ws, "disk", kilobytes: 1024)
        try disk.fill(leaving: 56 * 1024)
        let r = try ws.mpi(ranks: 2, ["train", config, "--data", "data.h5", "--out", disk.path + "/run", "--steps", "3"])
        XCTAssertEqual(r.status, 1, r.output)
        XCTAssertNil(r.signal, r.output)
        for rank in 0..<2 {
            let prefix = "[rank \(rank)] error: cannot write checkpoint \(disk.path)/run/checkpoints/step_000000003.h5: "
            XCTAssertTrue(
                r.output.split(separator: "\n").contains { $0.hasPrefix(prefix) && $0.contains("No space left on device") }, r.output)
        }
        XCTAssertFalse(r.output.contains("Program crashed") || r.output.contains("Backtrac"), r.output)
        XCTAssertEqual(disk.names(in: "run/checkpoints"), [], "no temporary file")
    }

    func testTranslateToHDF5AndToPNGsOnAFullDiskIsOneError() throws {
        let (ws, _) = try workspaceWithCheckpoint("fulltrans")
        let disk = try scratch(ws, "disk", kilobytes: 64)
        let big = try ws.i2i(["demo-data", "--count", "2", "--test-count", "40", "--size", "64", "--out", "big.h5"])
        XCTAssertEqual(big.status, 0, big.output)
        var r = try ws.i2i(["translate", "--checkpoint", "ckpt.h5", "--input", "big.h5", "--size", "64", "--output", disk.path + "/o.h5"])
        assertOneError(r, prefix: "error: cannot ", reason: "No space left on device")
        XCTAssertEqual(disk.names(), [], "no o.h5, no temporary file")
        r = try ws.i2i(["translate", "--checkpoint", "ckpt.h5", "--input", "big.h5", "--size", "64", "--output", disk.path + "/pngs"])
        // The PNGs are written into a staging folder beside --output, renamed into place when complete.
        assertOneError(r, prefix: "error: \(disk.path)/.pngs.tmp-", reason: "cannot write the file (No space left on device)")
        XCTAssertEqual(disk.names(), [], "no staging folder, no temporary file")
    }

    // MARK: - A folder that cannot be written

    func testReadOnlyOutputFolderIsOneErrorForEveryCommand() throws {
        let (ws, config) = try workspaceWithCheckpoint("readonly")
        let folder = try scratch(ws, "ro", kilobytes: 64, readOnly: true).path
        let reason = "Read-only file system"
        assertOneError(
            try ws.i2i(["demo-data", "--count", "2", "--size", "16", "--out", folder + "/d.h5"]),
            prefix: "error: cannot create HDF5 file '\(folder)/d.h5': ", reason: reason)
        assertOneError(
            try ws.i2i(["translate", "--checkpoint", "ckpt.h5", "--input", "data.h5", "--output", folder + "/o.h5"]),
            prefix: "error: cannot create HDF5 file '\(folder)/o.h5': ", reason: reason)
        assertOneError(
            try ws.i2i(["translate", "--checkpoint", "ckpt.h5", "--input", "data.h5", "--output", folder + "/pngs"]),
            prefix: "error: cannot create a folder beside '\(folder)/pngs': ", reason: reason)
        // The mount point itself: the PNGs are staged beside it, and it cannot be replaced.
        assertOneError(
            try ws.i2i(["translate", "--checkpoint", "ckpt.h5", "--input", "data.h5", "--output", folder]),
            prefix: "error: cannot put the folder '\(folder)' in place: ", reason: "Device or resource busy")
        assertOneError(
            try ws.i2i(["inspect", "data.h5", "--grid", folder + "/grid.png"]),
            prefix: "error: \(folder)/grid.png: ", reason: "cannot write the file (\(reason))")
        assertOneError(
            try ws.i2i(["train", config, "--data", "data.h5", "--out", folder + "/run", "--steps", "1"]),
            prefix: "error: cannot create the run folder '\(folder)/run': ", reason: reason)
    }

    // MARK: - Removed underneath

    /// The checkpoints folder is removed while the run trains: the next checkpoint cannot be
    /// written, and the run ends with one error.
    func testCheckpointsFolderRemovedUnderARunningTrainIsOneError() throws {
        let ws = try CLIWorkspace("removed")
        XCTAssertEqual(try ws.i2i(["demo-data", "--count", "8", "--size", "26", "--out", "data.h5"]).status, 0)
        let config = try ws.write(
            "tiny.yaml", Self.tinyConfig.replacingOccurrences(of: "checkpoint_every: 0", with: "checkpoint_every: 200"))
        let job = try Command(
            try Executables.requireBuilt("i2i"),
            ["train", config, "--data", "data.h5", "--out", "run", "--steps", "100000", "--threads", "1"],
            directory: ws.folder
        ).start()
        let checkpoints = ws.folder + "/run/checkpoints"
        let first = checkpoints + "/step_000000200.h5"
        XCTAssertTrue(job.wait(upTo: 120) { FileManager.default.fileExists(atPath: first) }, job.output)
        try FileManager.default.removeItem(atPath: checkpoints)
        let r = job.finish(limit: 120)
        assertOneError(
            r, prefix: "error: cannot write checkpoint run/checkpoints/step_000000400.h5: ", reason: "/run/checkpoints' does not exist")
    }

    /// The disk fills while the run trains (no checkpoints, no samples): the next metrics line
    /// cannot be written, and the run ends with one error.
    func testMetricsWriteOnAFullDiskIsOneError() throws {
        let ws = try CLIWorkspace("fullmetrics")
        XCTAssertEqual(try ws.i2i(["demo-data", "--count", "8", "--size", "26", "--out", "data.h5"]).status, 0)
        let config = try ws.write("tiny.yaml", Self.tinyConfig)
        let disk = try scratch(ws, "disk", kilobytes: 256)
        let job = try Command(
            try Executables.requireBuilt("i2i"),
            ["train", config, "--data", "data.h5", "--out", disk.path + "/run", "--steps", "100000", "--threads", "1"],
            directory: ws.folder
        ).start()
        let metrics = disk.path + "/run/metrics.jsonl"
        XCTAssertTrue(
            job.wait(upTo: 120) { ((try? String(contentsOfFile: metrics, encoding: .utf8)) ?? "").split(separator: "\n").count >= 3 },
            job.output)
        try disk.fill(leaving: 0)
        let r = job.finish(limit: 120)
        assertOneError(r, prefix: "error: cannot write '\(disk.path)/run/", reason: "': No space left on device")
    }

    /// The samples folder is removed while the run trains: the next sample grid cannot be
    /// written, and the run ends with one error.
    func testSamplesFolderRemovedUnderARunningTrainIsOneError() throws {
        let ws = try CLIWorkspace("samples")
        XCTAssertEqual(try ws.i2i(["demo-data", "--count", "8", "--size", "26", "--out", "data.h5"]).status, 0)
        let config = try ws.write("tiny.yaml", Self.tinyConfig.replacingOccurrences(of: "sample_every: 0", with: "sample_every: 100"))
        let job = try Command(
            try Executables.requireBuilt("i2i"),
            ["train", config, "--data", "data.h5", "--out", "run", "--steps", "100000", "--threads", "1"],
            directory: ws.folder
        ).start()
        let samples = ws.folder + "/run/samples"
        XCTAssertTrue(job.wait(upTo: 120) { !((try? FileManager.default.contentsOfDirectory(atPath: samples)) ?? []).isEmpty }, job.output)
        try FileManager.default.removeItem(atPath: samples)
        let r = job.finish(limit: 120)
        assertOneError(r, prefix: "error: run/samples/", reason: "cannot write the file (No such file or directory)")
    }

    // MARK: - Checks

    /// Status 1, not a signal; exactly one `error:` line, starting with `prefix` and containing
    /// `reason`; no crash report.
    private func assertOneError(
        _ r: ProcessResult, prefix: String, reason: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertNil(r.signal, "killed by signal \(r.signal ?? 0):\n\(r.output)", file: file, line: line)
        XCTAssertEqual(r.status, 1, r.output, file: file, line: line)
        let errors = r.output.split(separator: "\n").filter { $0.hasPrefix("error:") }
        XCTAssertEqual(errors.count, 1, r.output, file: file, line: line)
        if let error = errors.first {
            XCTAssertTrue(error.hasPrefix(prefix), "\(error)\ndoes not start with\n\(prefix)", file: file, line: line)
            XCTAssertTrue(error.contains(reason), "\(error)\ndoes not contain \(reason)", file: file, line: line)
        }
        for crash in ["Program crashed", "Backtrac", "Fatal error", "Segmentation fault", "HDF5-DIAG"] {
            XCTAssertFalse(r.output.contains(crash), r.output, file: file, line: line)
        }
    }
}
