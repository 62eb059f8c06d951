// Failures of a multi-rank training job through the real CLI and `mpirun`: ranks that disagree
// at start-up, a rank that dies or stalls mid-run, and a non-finite loss on one rank. The
// faults come from the documented `debug.*` config keys. These are the only tests of these
// scenarios (DistributedTests keeps the communicator-level ones the CLI cannot reach); a signal
// is in ResumeTests, a kill during a checkpoint write in CheckpointTests.
import Foundation
import XCTest

final class FaultTests: XCTestCase {
    /// MPMD launch, one program per rank, each with its own config: a rank whose resolved
    /// config differs stops the job at start-up with exit status 2 and one line naming the
    /// rank and the key; a different dataset is named by the handshake field.
    func testHandshakeMismatchExitsNamingTheRankAndTheField() throws {
        let w = try TrainingWorkspace("handshake")
        // A deadline far above the time allowed: the mismatch must be found, not waited out.
        let same = try w.config("same.yaml", ["distributed.timeout_seconds": "300"])
        let odd = try w.config("odd.yaml", ["distributed.timeout_seconds": "300", "cyclegan.lambda_A": "5"])
        let result = try w.startMPI(programs: [(1, w.trainArguments(same, run: "two")), (1, w.trainArguments(odd, run: "two"))])
            .finish(limit: 90)
        XCTAssertEqual(result.status, 2, result.output)
        XCTAssertLessThan(result.seconds, 60, result.output)
        XCTAssertTrue(
            result.output.contains("error: rank 1 differs from rank 0 in config key cyclegan.lambda_A (rank 1: 5.0, rank 0: 10.0)"),
            result.output)
        XCTAssertTrue(w.checkpointFiles("two").isEmpty, "no training happened")

        // Three ranks, the odd one in the middle: the majority is the reference.
        let three = try w.startMPI(programs: [
            (1, w.trainArguments(same, run: "three")), (1, w.trainArguments(odd, run: "three")),
            (1, w.trainArguments(same, run: "three")),
        ]).finish(limit: 90)
        XCTAssertEqual(three.status, 2, three.output)
        XCTAssertTrue(
            three.output.contains("error: rank 1 differs from rank 0 in config key cyclegan.lambda_A (rank 1: 5.0, rank 0: 10.0)"),
            three.output)

        // Another dataset on rank 2 of 3 (same shapes and counts, other content).
        let other = w.path("other.h5")
        XCTAssertEqual(
            try w.alone(["demo-data", "--kind", "stripes", "--count", "16", "--size", "16", "--seed", "7", "--out", other]).status, 0)
        var arguments = w.trainArguments(same, run: "data")
        arguments[arguments.firstIndex(of: w.data)!] = other
        let data = try w.startMPI(programs: [(2, w.trainArguments(same, run: "data")), (1, arguments)]).finish(limit: 90)
        XCTAssertEqual(data.status, 2, data.output)
        XCTAssertTrue(data.output.contains("error: rank 2 differs from rank 0 in dataset_hash (rank 2: "), data.output)
    }

    /// A config that is bad on one rank only (here an unknown key) ends the job with exit status
    /// 2 and the failing rank's message, printed once, instead of a silent exit on that rank.
    func testBadConfigOnOneRankEndsTheJobWithItsMessage() throws {
        let w = try TrainingWorkspace("badconfig")
        let good = try w.config("good.yaml", ["distributed.timeout_seconds": "300"])
        let bad = try w.config("bad.yaml", ["distributed.timeout_seconds": "300", "train.log_evry": "1"])
        let result = try w.startMPI(programs: [(1, w.trainArguments(good, run: "run")), (1, w.trainArguments(bad, run: "run"))])
            .finish(limit: 90)
        XCTAssertEqual(result.status, 2, result.output)
        XCTAssertLessThan(result.seconds, 60, result.output)
        let lines = result.output.split(separator: "\n").filter { $0.contains("error:") }
        XCTAssertEqual(lines.count, 1, result.output)
        XCTAssertTrue(
            lines.first?.contains("error: rank 1: ") == true && lines.first?.contains("unknown key 'train.log_evry'") == true,
            result.output)
    }

    /// A rank that SIGKILLs itself at step 3 ends the whole job, non-zero, with 2 and 3 ranks,
    /// and well within the collective deadline: mpirun sees the death.
    ///
    /// The deadline (60 s) is far
    /// above the time allowed (15 s), so a job that only ended when the survivors timed out fails.
    func testKilledRankEndsTheJobWellWithinTheDeadline() throws {
        let w = try TrainingWorkspace("killed")
        let config = try w.config(
            "kill.yaml",
            [
                "distributed.timeout_seconds": "60", "debug.crash_rank": "1", "debug.crash_step": "3",
                "train.steps": "1000",
            ])
        for ranks in [2, 3] {
            let job = try w.startMPI(programs: [(ranks, w.trainArguments(config, run: "run\(ranks)"))])
            XCTAssertTrue(
                job.wait(upTo: 60) { job.output.contains("[rank 1] warning: debug: killing this rank at the start of step 3") },
                job.output)
            let death = Date()
            let result = job.finish(limit: 120)
            let seconds = Date().timeIntervalSince(death)
            XCTAssertNotEqual(result.status, 0, result.output)
            XCTAssertFalse(result.timedOut, result.output)
            XCTAssertLessThan(seconds, 15, "\(ranks) ranks: the job ended \(seconds) s after the death:\n\(result.output)")
            XCTAssertEqual(w.metrics("run\(ranks)").count, 2, "steps 1 and 2 were logged, step 3 never finished")
        }
    }

    /// A rank that stops taking part at step 3 (alive, silent) ends the job at the collective
    /// deadline: rank 0 names the collective, the step and the missing rank.
    func testStalledRankEndsTheJobAtTheDeadlineNamingIt() throws {
        let w = try TrainingWorkspace("stalled")
        let deadline = 5.0
        let config = try w.config(
            "stall.yaml",
            [
                "distributed.timeout_seconds": "5", "debug.crash_rank": "2", "debug.crash_step": "3",
                "debug.crash_kind": "stall", "train.steps": "1000",
            ])
        let job = try w.startMPI(programs: [(3, w.trainArguments(config, run: "run"))])
        XCTAssertTrue(
            job.wait(upTo: 60) { job.output.contains("[rank 2] warning: debug: stalling this rank at the start of step 3") },
            job.output)
        let stall = Date()
        let result = job.finish(limit: 90)
        let seconds = Date().timeIntervalSince(stall)
        XCTAssertNotEqual(result.status, 0, result.output)
        XCTAssertFalse(result.timedOut, result.output)
        // The waiting ranks enter the collective just after the stall begins; the lowest of them
        // reports at its deadline, the others by 1.5 × deadline + 2 s at the latest.
        XCTAssertGreaterThanOrEqual(seconds, deadline - 0.5, result.output)
        XCTAssertLessThan(seconds, deadline * 1.5 + 2 + 3, "the job ended \(seconds) s after the stall:\n\(result.output)")
        // Rank 0 names the collective (which gradient bucket, its size and sequence number), the
        // step, the phase and the missing rank.
        let message = try Regex(
            #"\[rank 0\] error: all-reduce of G gradients bucket [0-9]+ of [0-9]+ \([0-9]+ bytes, collective #[0-9]+\) at step 3, "#
                + #"phase G gradient all-reduce did not complete within 5 s; rank 2 has not reached it \(on host [^:]+: stalled, busy, unreachable or gone\); "#
                + "aborting the job")
        XCTAssertNotNil(result.output.firstMatch(of: message), result.output)
    }

    /// NaN losses on rank 1 at step 3 of 6: every rank skips both updates of step 3 (its state
    /// is unchanged from step 2, identically everywhere), rank 0 warns once naming rank 1, and
    /// the run goes on to finish.
    func testNonFiniteLossOnOneRankMakesEveryRankSkipTheSameStep() throws {
        let w = try TrainingWorkspace("nonfinite")
        let config = try w.config(
            "nan.yaml",
            [
                "train.steps": "6", "debug.nonfinite_rank": "1", "debug.nonfinite_step": "3",
                "debug.per_rank_checksums": "true",
            ])
        for ranks in [2, 3] {
            let run = "run\(ranks)"
            let result = try w.mpi(ranks: ranks, w.trainArguments(config, run: run), limit: 60)
            XCTAssertEqual(result.status, 0, result.output)
            let warnings = result.output.split(separator: "\n").filter { $0.contains("warning:") }
            XCTAssertEqual(
                warnings, ["[rank 0] warning: step 3: a non-finite loss on rank 1; the G and D updates skipped on every rank (1 in a row)"],
                result.output)
            let checksums = result.checksums
            XCTAssertEqual(checksums.keys.sorted(), Array(0..<ranks), result.output)
            for rank in 0..<ranks {
                let mine = checksums[rank] ?? [:]
                XCTAssertEqual(mine.keys.sorted(), Array(1...6), "rank \(rank)")
                XCTAssertEqual(mine, checksums[0], "rank \(rank) differs from rank 0")
                XCTAssertEqual(mine[3], mine[2], "rank \(rank) changed its state in the skipped step 3")
                XCTAssertNotEqual(mine[4], mine[3], "rank \(rank) did not train after the skipped step")
                XCTAssertNotEqual(mine[2], mine[1])
            }
            let skipped = w.metrics(run).map { $0["skipped_steps"] as? Int ?? -1 }
            XCTAssertEqual(skipped, [0, 0, 1, 1, 1, 1])
            XCTAssertTrue(FileManager.default.fileExists(atPath: w.path(run) + "/checkpoints/FINISHED"))
        }
    }

    /// Non-finite losses in too many steps in a row stop the run with exit status 1.
    func testTooManySkippedStepsStopTheRun() throws {
        let w = try TrainingWorkspace("skips")
        let config = try w.config(
            "nan.yaml",
            [
                "distributed.max_skipped_steps": "1", "debug.nonfinite_rank": "2",
                "debug.nonfinite_step": "2",
            ])
        let result = try w.mpi(ranks: 3, w.trainArguments(config, run: "run"), limit: 60)
        XCTAssertEqual(result.status, 1, result.output)
        XCTAssertTrue(
            result.output.contains(
                "error: stopping: 1 steps in a row had non-finite losses or gradients (distributed.max_skipped_steps = 1)"),
            result.output)
    }
}
