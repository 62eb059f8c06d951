// Checkpoints through the real CLI: a writer killed mid-write leaves the previous checkpoint as
// the newest complete one and `--resume` uses it (saying what it ignored); a torn or corrupt
// file under a final name is detected and skipped; a single process started without any MPI
// environment trains and checkpoints.
import Foundation
import XCTest

final class CheckpointTests: XCTestCase {
    /// 2 ranks: 4 steps, then a resumed run to step 8 whose rank 0 is SIGKILLed while the
    /// checkpoint of step 8 sits in its temporary file (`debug.checkpoint_pause_seconds`).
    ///
    /// The job fails; the folder holds step 4 and the temporary file, nothing named step 8.
    /// `--resume` says it ignores the temporary file, continues from step 4 and ends where an
    /// uninterrupted run ends, bit for bit.
    func testKillDuringCheckpointWriteLeavesThePreviousCheckpointAndResumeUsesIt() throws {
        let w = try TrainingWorkspace("killwrite")
        let config = try w.config("run.yaml")
        let first = try w.mpi(ranks: 2, w.trainArguments(config, run: "run", ["--steps", "4"]))
        XCTAssertEqual(first.status, 0, first.output)

        let job = try w.startMPI(programs: [
            (
                2,
                w.trainArguments(
                    config, run: "run",
                    [
                        "--resume", "--steps", "8", "--set", "debug.checkpoint_pause_seconds=60",
                    ])
            )
        ])
        var temporary: String?
        XCTAssertTrue(
            job.wait(upTo: 60) {
                temporary = w.checkpointFiles("run").first { $0.hasPrefix(".step_000000008.h5.tmp-") }
                return temporary != nil
            }, job.output)
        // The temporary file is named .<name>.tmp-<pid of the writer>-<random>.
        let writer = temporary.flatMap { pid_t($0.split(separator: "-")[1]) }
        XCTAssertNotNil(writer, "temporary file \(temporary ?? "none")")
        XCTAssertEqual(writer, job.rankPIDs()[0], "rank 0 writes checkpoints")
        if let writer { kill(writer, SIGKILL) }
        let killed = job.finish(limit: 60)
        XCTAssertNotEqual(killed.status, 0, killed.output)
        XCTAssertLessThan(killed.seconds, 50, "the job ended when rank 0 died, not when its pause ended:\n\(killed.output)")
        XCTAssertEqual(w.checkpointFiles("run").filter { !$0.hasPrefix(".") }, ["step_000000004.h5"], killed.output)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: w.path("run") + "/checkpoints/FINISHED"),
            "the marker of the first, shorter run must go when the run is extended")

        let resumed = try w.mpi(ranks: 2, w.trainArguments(config, run: "run", ["--resume", "--steps", "8"]))
        XCTAssertEqual(resumed.status, 0, resumed.output)
        XCTAssertTrue(
            resumed.output.contains(
                "warning: ignoring \(w.path("run"))/checkpoints/\(temporary ?? "?"): a checkpoint write that did not finish"),
            resumed.output)
        XCTAssertTrue(resumed.output.contains("resuming from \(w.path("run"))/checkpoints/step_000000004.h5 at step 4"), resumed.output)
        XCTAssertEqual(w.checkpointFiles("run"), ["FINISHED", "step_000000004.h5", "step_000000008.h5"], "the temporary file is deleted")

        let straight = try w.mpi(ranks: 2, w.trainArguments(config, run: "straight", ["--steps", "8"]))
        XCTAssertEqual(straight.status, 0, straight.output)
        assertBitIdentical(try w.tensors("run", step: 8), try w.tensors("straight", step: 8), "resumed after the kill vs straight")
    }

    /// Rank 0's checkpoint write may outlast the collective deadline: the other ranks wait
    /// for it under `distributed.checkpoint_timeout_seconds` instead, and past that the job
    /// ends naming rank 0.
    func testSlowCheckpointWriteIsWaitedForUnderTheCheckpointDeadline() throws {
        let w = try TrainingWorkspace("slowwrite")
        let config = try w.config(
            "slow.yaml",
            [
                "distributed.timeout_seconds": "2", "debug.checkpoint_pause_seconds": "4",
                "train.steps": "2",
            ])
        let slow = try w.mpi(ranks: 2, w.trainArguments(config, run: "slow"))
        XCTAssertEqual(slow.status, 0, slow.output)
        XCTAssertEqual(w.checkpointFiles("slow"), ["FINISHED", "step_000000002.h5"])

        let stuck = try w.mpi(ranks: 2, w.trainArguments(config, run: "stuck", ["--set", "distributed.checkpoint_timeout_seconds=1"]))
        XCTAssertNotEqual(stuck.status, 0, stuck.output)
        XCTAssertTrue(stuck.output.contains("[rank 1] error: barrier (0 bytes, collective #"), stuck.output)
        XCTAssertTrue(
            stuck.output.contains("at step 2, phase checkpoint write did not complete within 2 s; rank 0 has not reached it"),
            stuck.output)
    }

    /// Files under a final checkpoint name that are torn (truncated) or corrupt (one value
    /// changed) are skipped with the reason, newest first, and the newest good one is used.
    func testTornOrCorruptCheckpointsAreSkippedWithTheReason() throws {
        let w = try TrainingWorkspace("torn")
        let config = try w.config("run.yaml", ["train.checkpoint_every": "2"])
        let first = try w.alone(w.trainArguments(config, run: "run", ["--steps", "4"]))
        XCTAssertEqual(first.status, 0, first.output)
        let folder = w.path("run") + "/checkpoints/"
        let good = try Data(contentsOf: URL(fileURLWithPath: folder + "step_000000004.h5"))
        // Torn: the first half of a complete file.
        try good.prefix(good.count / 2).write(to: URL(fileURLWithPath: folder + "step_000000006.h5"))
        // Corrupt: a complete file with one float of G_A's first weight changed.
        var corrupt = good
        let reference = try w.tensors("run", step: 4)
        let weight = reference.first { $0.path == "/networks/G_A/model.1.weight" }!.values
        let needle = weight.prefix(4).withUnsafeBytes { Data($0) }
        let at = try XCTUnwrap(corrupt.range(of: needle)).lowerBound
        corrupt[at] ^= 0x01
        try corrupt.write(to: URL(fileURLWithPath: folder + "step_000000005.h5"))

        let resumed = try w.alone(w.trainArguments(config, run: "run", ["--resume", "--steps", "6"]))
        XCTAssertEqual(resumed.status, 0, resumed.output)
        let warnings = resumed.output.split(separator: "\n").filter { $0.contains("warning: skipping checkpoint") }
        XCTAssertEqual(warnings.count, 2, resumed.output)
        XCTAssertTrue(warnings.first?.contains("step_000000006.h5: ") == true, resumed.output)
        XCTAssertTrue(
            warnings.last?.contains(
                "step_000000005.h5: content of '/networks/G_A/model.1.weight' does not match its checksum (the file is corrupt)") == true,
            resumed.output)
        XCTAssertTrue(resumed.output.contains("resuming from \(folder)step_000000004.h5 at step 4"), resumed.output)
    }

    /// No launcher, no MPI variables: one process trains, logs, samples and checkpoints, and
    /// `--steps 0` writes the initial checkpoint.
    func testSingleProcessWithoutMPIEnvironmentTrainsAndCheckpoints() throws {
        let w = try TrainingWorkspace("single")
        let config = try w.config("run.yaml", ["train.checkpoint_every": "2", "train.steps": "4"])
        let result = try w.alone(w.trainArguments(config, run: "run"))
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("training cyclegan on 1 rank × 1 thread, global batch 6"), result.output)
        XCTAssertFalse(result.output.contains("[rank "), result.output)
        XCTAssertEqual(w.checkpointFiles("run"), ["FINISHED", "step_000000002.h5", "step_000000004.h5"])
        XCTAssertEqual(w.metrics("run").compactMap { $0["step"] as? Int }, [1, 2, 3, 4])
        XCTAssertTrue(w.log("run").contains("finished at step 4"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: w.path("run") + "/config.yaml"))
        let samples = (try? FileManager.default.contentsOfDirectory(atPath: w.path("run") + "/samples")) ?? []
        XCTAssertFalse(samples.filter { $0.hasSuffix(".png") }.isEmpty, "a sample grid at the end")
        XCTAssertEqual(try w.tensors("run", step: 4).filter { $0.path.hasPrefix("/networks/") }.count, 48)

        let initial = try w.alone(w.trainArguments(config, run: "initial", ["--steps", "0"]))
        XCTAssertEqual(initial.status, 0, initial.output)
        XCTAssertEqual(w.checkpointFiles("initial"), ["step_000000000.h5"])
    }
}
