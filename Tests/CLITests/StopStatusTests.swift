// The exit status of a run stopped by a signal, and the resume loop that reads it. A run that
// SIGINT, SIGTERM or SIGUSR1 stops writes its checkpoint and exits 128 + the signal's number
// (130, 143, 138), on every rank; mpirun passes the ranks' status on. launch/slurm.sbatch
// resumes after those statuses and stops on 0, 1 and 2; it is run here without Slurm, with
// I2I_LAUNCHER=none and a fake `i2i` that exits with the statuses a test lists.
import Foundation
import TestSupport
import XCTest

final class StopStatusTests: XCTestCase {

    /// SIGINT and SIGTERM to a single process: checkpoint written, status 130 and 143.
    func testSignalStopExitsWith128PlusTheSignalAfterItsCheckpoint() throws {
        let ws = try CLIWorkspace("stopstatus")
        XCTAssertEqual(try ws.i2i(["demo-data", "--count", "8", "--size", "26", "--out", "data.h5"]).status, 0)
        let config = try ws.write("tiny.yaml", ResourceFailureTests.tinyConfig)
        for (signal, status) in [(SIGINT, Int32(130)), (SIGTERM, Int32(143))] {
            let run = "run\(signal)"
            let job = try Command(
                try Executables.requireBuilt("i2i"),
                ["train", config, "--data", "data.h5", "--out", run, "--steps", "100000", "--threads", "1"],
                directory: ws.folder
            ).start()
            let metrics = ws.folder + "/\(run)/metrics.jsonl"
            XCTAssertTrue(
                job.wait(upTo: 120) { ((try? String(contentsOfFile: metrics, encoding: .utf8)) ?? "").split(separator: "\n").count >= 3 },
                job.output)
            job.send(signal)
            let r = job.finish(limit: 120)
            XCTAssertNil(r.signal, r.output)
            XCTAssertEqual(r.status, status, r.output)
            XCTAssertTrue(r.output.contains("checkpoint written at step"), r.output)
            let files = (try? FileManager.default.contentsOfDirectory(atPath: ws.folder + "/\(run)/checkpoints")) ?? []
            XCTAssertEqual(files.filter { $0.hasPrefix("step_") }.count, 1, "\(files)")
            XCTAssertFalse(files.contains("FINISHED"))
        }
    }

    /// SIGUSR1 to mpirun (2 ranks), which forwards it: every rank exits 138 after the
    /// checkpoint, and mpirun returns 138.
    func testSignalStopUnderMpirunReturns128PlusTheSignal() throws {
        let ws = try CLIWorkspace("stopstatusmpi")
        XCTAssertEqual(try ws.i2i(["demo-data", "--count", "8", "--size", "26", "--out", "data.h5"]).status, 0)
        let config = try ws.write("tiny.yaml", ResourceFailureTests.tinyConfig)
        let job = try MPIRun.command(
            ranks: 2, try Executables.requireBuilt("i2i"), ["train", config, "--data", "data.h5", "--out", "run", "--steps", "100000"],
            setting: ["I2I_THREADS": "1"], directory: ws.folder
        ).start()
        let metrics = ws.folder + "/run/metrics.jsonl"
        XCTAssertTrue(
            job.wait(upTo: 120) { ((try? String(contentsOfFile: metrics, encoding: .utf8)) ?? "").split(separator: "\n").count >= 3 },
            job.output)
        job.send(SIGUSR1)
        let r = job.finish(limit: 120)
        XCTAssertEqual(r.status, 138, r.output)
        XCTAssertTrue(r.output.contains("checkpoint written at step"), r.output)
        XCTAssertFalse(r.output.contains("error:"), r.output)
    }

    // MARK: - launch/slurm.sbatch's loop

    /// The repository's launch folder.
    static let launch = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("launch").path

    /// Runs launch/slurm.sbatch with a fake `i2i` that exits with `statuses`, one per launch
    /// (writing a checkpoint file first, so later launches get --resume); returns the script's
    /// status and the fake's arguments, one line per launch.
    private func slurmLoop(_ statuses: [Int32]) throws -> (status: Int32, launches: [String], output: String) {
        let ws = try CLIWorkspace("slurm")
        let fake = try ws.write(
            "fake-i2i",
            """
            #!/usr/bin/env bash
            n=$(wc -l < launches 2>/dev/null || echo 0)
            echo "$*" >> launches
            mkdir -p run/checkpoints && touch run/checkpoints/step_000000001.h5
            status=$(sed -n "$((n + 1))p" statuses)
            [ "$status" = 0 ] && touch run/checkpoints/FINISHED
            exit "${status:-99}"
            """)
        chmod(fake, 0o755)
        _ = try ws.write("statuses", statuses.map(String.init).joined(separator: "\n") + "\n")
        let r = try Command(
            "/bin/bash", [Self.launch + "/slurm.sbatch", "tiny.yaml", "data.h5", "run"],
            setting: ["I2I": fake, "I2I_LAUNCHER": "none", "I2I_RETRY_DELAY": "0", "I2I_MAX_FAILURES": "3", "SLURM_JOB_ID": nil],
            directory: ws.folder
        ).run(limit: 60)
        let launches = ((try? String(contentsOfFile: ws.folder + "/launches", encoding: .utf8)) ?? "").split(separator: "\n").map(
            String.init)
        return (r.status, launches, r.output)
    }

    func testSlurmLoopResumesAfterSignalStatusesAndStopsOnZeroOneAndTwo() throws {
        var r = try slurmLoop([143, 138, 130, 0])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertEqual(r.launches.count, 4, r.output)
        XCTAssertFalse(r.launches.first?.contains("--resume") ?? true, r.output)
        XCTAssertTrue(r.launches.dropFirst().allSatisfy { $0.hasSuffix("--resume") }, r.output)
        XCTAssertTrue(r.output.contains("== finished: run"), r.output)

        r = try slurmLoop([143, 1])
        XCTAssertEqual(r.status, 1, r.output)
        XCTAssertEqual(r.launches.count, 2, r.output)
        XCTAssertTrue(r.output.contains("failed with status 1"), r.output)

        r = try slurmLoop([2])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertEqual(r.launches.count, 1, r.output)

        // A crash (139: a rank killed by SIGSEGV) is retried, at most I2I_MAX_FAILURES in a row.
        r = try slurmLoop([139, 139, 139, 0])
        XCTAssertEqual(r.status, 139, r.output)
        XCTAssertEqual(r.launches.count, 3, r.output)
        XCTAssertTrue(r.output.contains("failed 3 times in a row (last status 139); giving up"), r.output)
    }
}
