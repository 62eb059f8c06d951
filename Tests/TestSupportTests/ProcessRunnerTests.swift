// Tests of TestSupport's process runner, the one way every test target starts a child process:
// exit status and output, the time limit (which must also end what the child started), signals,
// the environment a child gets, `mpirun` jobs and their rank processes, and missing programs or
// Python modules reported as failures with their remedy.
import Foundation
import TestSupport
import XCTest

final class ProcessRunnerTests: XCTestCase {
    /// Polls until `pid` is gone or a zombie (at most `limit` seconds); true when it is.
    private func waitUntilGone(_ pid: pid_t, limit: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(limit)
        while ProcessTable.isAlive(pid) && Date() < deadline { usleep(20_000) }
        return !ProcessTable.isAlive(pid)
    }

    func testExitStatusAndOutputOfBothStreamsInOrder() throws {
        let result = try Command("/bin/sh", ["-c", "echo out; echo err >&2; echo again; exit 3"]).run(limit: 30)
        XCTAssertEqual(result.status, 3)
        XCTAssertNil(result.signal)
        XCTAssertFalse(result.timedOut)
        XCTAssertEqual(result.output, "out\nerr\nagain\n")
        XCTAssertLessThan(result.seconds, 30)
    }

    func testWorkingFolderIsTheCommandsFolder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("runner-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try Command("/bin/sh", ["-c", "pwd -P"], directory: folder.path).run(limit: 30)
        XCTAssertEqual(result.output, folder.resolvingSymlinksInPath().path + "\n")
    }

    /// Past its limit the process is stopped, and so is a process it started in the background.
    func testTimeLimitStopsTheProcessAndWhatItStarted() throws {
        let job = try Command("/bin/sh", ["-c", "sleep 300 & echo $!; wait"]).start()
        XCTAssertTrue(job.wait(upTo: 30) { job.output.hasSuffix("\n") }, job.output)
        let background = try XCTUnwrap(pid_t(job.output.trimmingCharacters(in: .whitespacesAndNewlines)), job.output)
        XCTAssertTrue(ProcessTable.isAlive(background))
        XCTAssertEqual(ProcessTable.parent(of: background), job.pid)
        let result = job.finish(limit: 1)
        XCTAssertTrue(result.timedOut)
        XCTAssertEqual(result.signal, SIGTERM, "stopped by SIGTERM first (status \(result.status))")
        XCTAssertLessThan(result.seconds, 4, "SIGTERM ends sh at once; the 5 s grace before SIGKILL is not needed")
        XCTAssertTrue(result.output.contains("stopped after its limit of 1.0 s"), result.output)
        XCTAssertTrue(waitUntilGone(background), "the background sleep \(background) outlived its parent")
    }

    /// A process that exits while something it started runs on has finished: the result comes
    /// at once, and what it left behind in its process group is killed.
    func testExitIsNotHeldUpByABackgroundGrandchild() throws {
        let result = try Command("/bin/sh", ["-c", "sleep 300 & echo $!"]).run(limit: 60)
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertFalse(result.timedOut, result.output)
        XCTAssertLessThan(result.seconds, 10, result.output)
        let background = try XCTUnwrap(pid_t(result.output.trimmingCharacters(in: .whitespacesAndNewlines)), result.output)
        XCTAssertTrue(waitUntilGone(background), "the background sleep \(background) was left running")
    }

    func testSignalReachesTheProcessWhileItRuns() throws {
        let job = try Command("/bin/sh", ["-c", "trap 'echo got TERM; exit 7' TERM; echo ready; while :; do sleep 0.05; done"]).start()
        XCTAssertTrue(job.isRunning)
        XCTAssertTrue(job.wait(upTo: 30) { job.output.contains("ready") }, job.output)
        job.send(SIGTERM)
        let result = job.finish(limit: 30)
        XCTAssertFalse(result.timedOut, result.output)
        XCTAssertEqual(result.status, 7, result.output)
        XCTAssertEqual(result.output, "ready\ngot TERM\n")
        XCTAssertFalse(job.isRunning)
    }

    /// A child gets this process's environment without the variables an MPI launcher sets, so it
    /// never believes it is a rank; Open MPI settings stay, and `setting` adds and removes.
    func testChildEnvironmentDropsLauncherVariablesAndAppliesSettings() throws {
        let planted = [
            "OMPI_COMM_WORLD_RANK": "5", "PMIX_RANK": "5", "PMI_SIZE": "9", "OMPI_MCA_i2i_test": "kept",
            "I2I_RUNNER_TEST_REMOVED": "x",
        ]
        for (key, value) in planted { setenv(key, value, 1) }
        defer { for key in planted.keys { unsetenv(key) } }
        let result = try Command("/usr/bin/env", [], setting: ["I2I_RUNNER_TEST_ADDED": "1", "I2I_RUNNER_TEST_REMOVED": nil])
            .run(limit: 30)
        let lines = Set(result.output.split(separator: "\n").map(String.init))
        XCTAssertTrue(lines.contains("OMPI_MCA_i2i_test=kept"), result.output)
        XCTAssertTrue(lines.contains("I2I_RUNNER_TEST_ADDED=1"), result.output)
        for key in ["OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_SIZE", "I2I_RUNNER_TEST_REMOVED"] {
            XCTAssertFalse(lines.contains { $0.hasPrefix(key + "=") }, "\(key) reached the child:\n\(result.output)")
        }
        XCTAssertTrue(lines.contains("PATH=" + (ProcessInfo.processInfo.environment["PATH"] ?? "")), result.output)
    }

    func testACommandThatCannotStartThrows() {
        XCTAssertThrowsError(try Command("/nonexistent/i2i-no-such-program").start()) { error in
            XCTAssertTrue("\(error)".contains("cannot start /nonexistent/i2i-no-such-program"), "\(error)")
        }
    }

    /// A missing executable or Python module is an error carrying its remedy (XCTest records a
    /// thrown error as a failure), never a skip.
    func testMissingPrerequisitesThrowWithTheRemedy() {
        XCTAssertThrowsError(try Executables.requireBuilt("i2i-no-such-program")) { error in
            XCTAssertTrue(error is MissingPrerequisite, "\(type(of: error))")
            XCTAssertTrue("\(error)".contains("'i2i-no-such-program' was not found beside the tests"), "\(error)")
            XCTAssertTrue("\(error)".contains("swift build -c release --build-tests"), "\(error)")
        }
        XCTAssertThrowsError(try Python.require(modules: ["i2i_no_such_module"])) { error in
            XCTAssertTrue(error is MissingPrerequisite, "\(type(of: error))")
            XCTAssertTrue("\(error)".contains("i2i_no_such_module"), "\(error)")
            XCTAssertTrue("\(error)".contains("-m pip install i2i_no_such_module"), "\(error)")
        }
        XCTAssertThrowsError(try Python.run("import sys; print('partial'); sys.exit(4)", modules: [])) { error in
            XCTAssertTrue("\(error)".contains("status 4") && "\(error)".contains("partial"), "\(error)")
        }
    }

    /// The executables built with the tests are found beside them.
    func testBuiltExecutablesAreFound() throws {
        for name in ["i2i", "DistributedHarness"] {
            let path = try Executables.requireBuilt(name)
            XCTAssertTrue(FileManager.default.isExecutableFile(atPath: path), path)
        }
    }

    /// An `mpirun` job of 2 ranks: each rank's process is found by its rank; a rank killed from
    /// outside ends the job, non-zero, long before its limit.
    func testMPIJobRanksAreFoundAndOneKilledEndsTheJob() throws {
        let job = try MPIRun.command(ranks: 2, "/bin/sh", ["-c", "echo rank $OMPI_COMM_WORLD_RANK up; sleep 300"]).start()
        XCTAssertTrue(job.wait(upTo: 60) { job.output.contains("rank 0 up") && job.output.contains("rank 1 up") }, job.output)
        let pids = job.waitForRanks(2, upTo: 30)
        XCTAssertEqual(pids.keys.sorted(), [0, 1], job.output)
        for (rank, pid) in pids {
            XCTAssertEqual(ProcessTable.environment(of: pid)["OMPI_COMM_WORLD_RANK"], String(rank))
        }
        if let pid = pids[1] { kill(pid, SIGKILL) }
        let result = job.finish(limit: 120)
        XCTAssertFalse(result.timedOut, result.output)
        XCTAssertNotEqual(result.status, 0, result.output)
        XCTAssertLessThan(result.seconds, 60, result.output)
        for pid in pids.values { XCTAssertTrue(waitUntilGone(pid), "rank process \(pid) outlived the job") }
    }

    /// A job past its limit is stopped with all its ranks.
    func testMPIJobPastItsLimitIsStoppedWithItsRanks() throws {
        let job = try MPIRun.command(ranks: 2, "/bin/sh", ["-c", "sleep 300"]).start()
        let pids = job.waitForRanks(2, upTo: 60)
        XCTAssertEqual(pids.count, 2, job.output)
        let result = job.finish(limit: (Date().timeIntervalSince(job.start)) + 1)
        XCTAssertTrue(result.timedOut, result.output)
        for pid in pids.values { XCTAssertTrue(waitUntilGone(pid), "rank process \(pid) outlived the stopped job") }
    }
}
