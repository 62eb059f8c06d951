// The run folder's rules through the real executable: a folder that holds a run needs --resume
// or --overwrite; one run at a time (the lock names the holder's pid and host; a stale lock is
// replaced with a warning); a refused start changes nothing and leaves no new files; after a
// crash (kill -9 mid-run) and a resume, metrics.jsonl holds each step once.
import Foundation
import TestSupport
import XCTest

final class RunFolderTests: XCTestCase {
    private let tinyConfig = TinyConfig.cycleGAN(train: ["log_every: 1", "sample_every: 0", "checkpoint_every: 5"])

    private func workspace(_ name: String) throws -> (CLIWorkspace, String) {
        let ws = try CLIWorkspace(name)
        let data = try ws.i2i(["demo-data", "--count", "8", "--size", "26", "--out", "data.h5"])
        XCTAssertEqual(data.status, 0, data.output)
        return (ws, try ws.write("tiny.yaml", tinyConfig))
    }

    /// The bytes of every file under `folder` of the workspace, by relative path.
    private func snapshot(_ ws: CLIWorkspace, _ folder: String) throws -> [String: Data] {
        let root = ws.folder + "/" + folder
        var files: [String: Data] = [:]
        for case let name as String in FileManager.default.enumerator(atPath: root)! {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + name, isDirectory: &isFolder), !isFolder.boolValue {
                files[name] = try Data(contentsOf: URL(fileURLWithPath: root + "/" + name))
            }
        }
        return files
    }

    private func lines(_ result: ProcessResult) -> [String] { result.output.split(separator: "\n").map(String.init) }

    private func steps(_ ws: CLIWorkspace, _ run: String) throws -> [Int] {
        try String(contentsOfFile: ws.folder + "/\(run)/metrics.jsonl", encoding: .utf8).split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return object["step"] as! Int
        }
    }

    func testTrainIntoAnExistingRunNeedsResumeOrOverwrite() throws {
        let (ws, config) = try workspace("existing")
        XCTAssertEqual(try ws.i2i(["train", config, "--data", "data.h5", "--out", "run", "--steps", "2"]).status, 0)
        let before = try snapshot(ws, "run")
        var r = try ws.i2i(["train", config, "--data", "data.h5", "--out", "run", "--steps", "3"])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(
            lines(r).contains(
                "error: run folder 'run' already holds a run (config.yaml, metrics.jsonl, checkpoints); "
                    + "pass --resume to continue it or --overwrite to start a new run in its place"), r.output)
        XCTAssertEqual(try snapshot(ws, "run"), before)
        r = try ws.i2i(["train", config, "--data", "data.h5", "--out", "run", "--steps", "3", "--overwrite"])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertEqual(try steps(ws, "run"), [1, 2, 3])
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: ws.folder + "/run/checkpoints").sorted()
        XCTAssertEqual(checkpoints, ["FINISHED", "step_000000003.h5"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: ws.folder + "/run/run.lock"))  // released at the end
        r = try ws.i2i(["train", config, "--data", "data.h5", "--out", "run", "--resume", "--overwrite"])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.output.hasPrefix("error: --resume and --overwrite cannot be combined"), r.output)
    }

    func testAFailedStartLeavesNoNewFiles() throws {
        let (ws, _) = try workspace("failedstart")
        let small = try ws.write("small.yaml", tinyConfig.replacingOccurrences(of: "crop_size: 24", with: "crop_size: 16"))
        let r = try ws.i2i(["train", small, "--data", "data.h5", "--out", "runs/new", "--steps", "2"])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ws.folder + "/runs"), r.output)
    }

    func testARefusedResumeLeavesTheRunFolderByteIdentical() throws {
        let (ws, config) = try workspace("refusedresume")
        XCTAssertEqual(try ws.i2i(["train", config, "--data", "data.h5", "--out", "run", "--steps", "2"]).status, 0)
        let before = try snapshot(ws, "run")
        XCTAssertNotNil(before["config.yaml"])
        let other = try ws.write("other.yaml", tinyConfig.replacingOccurrences(of: "ngf: 4", with: "ngf: 8"))
        let r = try ws.i2i(["train", other, "--data", "data.h5", "--out", "run", "--steps", "4", "--resume"])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.output.contains("does not match the network"), r.output)
        XCTAssertEqual(try snapshot(ws, "run"), before)  // config.yaml, metrics.jsonl, log.txt, checkpoints
    }

    func testASecondTrainOnALockedRunFolderIsRefusedWithThePidAndHost() throws {
        let (ws, config) = try workspace("concurrent")
        // The first run pauses 8 s after writing its checkpoint: it holds the lock meanwhile.
        let slow = try ws.write("slow.yaml", tinyConfig + "\ndebug:\n  checkpoint_pause_seconds: 8\n")
        let first = try Command(
            try Executables.requireBuilt("i2i"), ["train", slow, "--data", "data.h5", "--out", "run", "--steps", "5"],
            directory: ws.folder
        ).start()
        let lock = ws.folder + "/run/run.lock"
        XCTAssertTrue(
            first.wait(upTo: 60) { (try? String(contentsOfFile: lock, encoding: .utf8))?.hasPrefix("pid \(first.pid) ") == true },
            first.output)
        let second = try ws.i2i(["train", config, "--data", "data.h5", "--out", "run", "--steps", "5", "--resume"])
        XCTAssertEqual(second.status, 2, second.output)
        let host = ProcessInfo.processInfo.hostName
        XCTAssertTrue(
            lines(second).contains(
                "error: run folder 'run' is in use by pid \(first.pid) on host \(host) (lock file run/run.lock); "
                    + "wait for that run to end or choose another --out"), second.output)
        // Under MPI the same one line comes from rank 0, and the job exits 2.
        let job = try ws.mpi(ranks: 2, ["train", config, "--data", "data.h5", "--out", "run", "--steps", "5", "--resume"])
        XCTAssertEqual(job.status, 2, job.output)
        XCTAssertEqual(job.output.split(separator: "\n").filter { $0.contains("error:") }.count, 1, job.output)
        XCTAssertTrue(job.output.contains("error: run folder 'run' is in use by pid \(first.pid) on host \(host)"), job.output)
        let result = first.finish(limit: 120)
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertEqual(try steps(ws, "run"), [1, 2, 3, 4, 5])
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: ws.folder + "/run/checkpoints").sorted(), ["FINISHED", "step_000000005.h5"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: lock))
    }

    func testAStaleLockOfADeadProcessIsReplacedWithAWarning() throws {
        let (ws, config) = try workspace("stale")
        let dead = try Command("/bin/true").start()
        _ = dead.finish(limit: 10)
        try FileManager.default.createDirectory(atPath: ws.folder + "/run", withIntermediateDirectories: true)
        let host = ProcessInfo.processInfo.hostName
        _ = try ws.write("run/run.lock", "pid \(dead.pid) host \(host)\n")
        let r = try ws.i2i(["train", config, "--data", "data.h5", "--out", "run", "--steps", "2"])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(
            r.output.contains("warning: replacing the stale lock run/run.lock of pid \(dead.pid) on host \(host) (that process is gone)"),
            r.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ws.folder + "/run/run.lock"))
    }

    func testACrashThenResumeLogsEachStepOnce() throws {
        let (ws, config) = try workspace("crash")
        let crash = try ws.i2i([
            "train", config, "--data", "data.h5", "--out", "run", "--steps", "10", "--set", "debug.crash_rank=0", "--set",
            "debug.crash_step=8",
        ])
        XCTAssertNotEqual(crash.status, 0, crash.output)
        XCTAssertEqual(try steps(ws, "run"), [1, 2, 3, 4, 5, 6, 7])  // the checkpoint is at step 5
        XCTAssertTrue(FileManager.default.fileExists(atPath: ws.folder + "/run/run.lock"))  // left by the killed process
        let resumed = try ws.i2i(["train", config, "--data", "data.h5", "--out", "run", "--steps", "10", "--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.output)
        XCTAssertTrue(resumed.output.contains("resuming from"), resumed.output)
        XCTAssertTrue(resumed.output.contains("warning: replacing the stale lock run/run.lock"), resumed.output)
        XCTAssertEqual(try steps(ws, "run"), Array(1...10))
    }
}
