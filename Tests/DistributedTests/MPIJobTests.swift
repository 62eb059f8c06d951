// Multi-rank tests: DistributedHarness under the real `mpirun` with 2 and 3 ranks (more ranks
// than cores is fine: the launcher oversubscribes). A missing `mpirun` or harness fails the test.
import TestSupport
import XCTest

final class MPIJobTests: XCTestCase {
    /// Asserts the job succeeded and every rank printed "<scenario> ok".
    private func assertAllRanksPassed(_ result: ProcessResult, ranks: Int, _ scenario: String,
                                      file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(result.status, 0, "job failed:\n\(result.output)", file: file, line: line)
        for rank in 0..<ranks {
            XCTAssertTrue(result.lines(ofRank: rank).contains("rank \(rank): \(scenario) ok"),
                          "rank \(rank) did not pass \(scenario):\n\(result.output)", file: file, line: line)
        }
    }

    func testCollectivesAreCorrectAndIdenticalOnAllRanks() throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        for ranks in [2, 3] {
            let result = try MPIJob.run(ranks: ranks, ["collectives"])
            assertAllRanksPassed(result, ranks: ranks, "collectives")
            // All ranks share this node: the node-local split sees them all, and with I2I_THREADS
            // unset the threads default to the cores divided among them.
            let threads = max(1, cores / ranks)
            for rank in 0..<ranks {
                XCTAssertTrue(result.lines(ofRank: rank).contains(
                    "rank \(rank): size=\(ranks) local=\(rank)/\(ranks) threads=\(threads)"), result.output)
            }
        }
    }

    func testBucketedSynchronizerAveragesWhateverTheReadinessOrder() throws {
        for ranks in [2, 3] {
            assertAllRanksPassed(try MPIJob.run(ranks: ranks, ["synchronizer"]), ranks: ranks, "synchronizer")
        }
    }

    func testDecisionsAreTakenTogetherWhenOneRankRaisesTheFlag() throws {
        for ranks in [2, 3] {
            let result = try MPIJob.run(ranks: ranks, ["decisions"])
            assertAllRanksPassed(result, ranks: ranks, "decisions")
            for rank in 0..<ranks {
                XCTAssertTrue(result.lines(ofRank: rank).contains("rank \(rank): decisions skipped=[2, 4, 5]"), result.output)
            }
        }
    }

    func testHandshakeMismatchStopsTheJobNamingRankAndField() throws {
        let result = try MPIJob.run(ranks: 3, ["handshake", "--rank", "2", "--field", "config_hash"], limit: 30)
        XCTAssertEqual(result.status, 2, result.output)
        XCTAssertLessThan(result.seconds, 15, "mismatch took \(result.seconds) s")
        XCTAssertTrue(result.output.contains("error: rank 2 differs from rank 0 in config_hash (rank 2: "), result.output)

        let batch = try MPIJob.run(ranks: 2, ["handshake", "--rank", "1", "--field", "global_batch"], limit: 30)
        XCTAssertNotEqual(batch.status, 0, batch.output)
        XCTAssertTrue(batch.output.contains("differs from rank 0 in global_batch"), batch.output)

        let agree = try MPIJob.run(ranks: 3, ["handshake", "--field", "none"], limit: 30)
        assertAllRanksPassed(agree, ranks: 3, "handshake")
    }

    func testStalledRankEndsTheJobAtTheDeadlineNamingIt() throws {
        let deadline = 3.0
        let result = try MPIJob.run(ranks: 3, ["stall", "--timeout", "3", "--rank", "1", "--step", "3"], limit: 40)
        XCTAssertNotEqual(result.status, 0, result.output)
        XCTAssertGreaterThanOrEqual(result.seconds, deadline, result.output)
        XCTAssertLessThan(result.seconds, deadline + 10, "took \(result.seconds) s:\n\(result.output)")
        XCTAssertTrue(result.output.contains(
            "[rank 0] error: all-reduce (4096 bytes, collective #4) at step 3, phase generator backward did not complete within 3 s; "
            + "rank 1 has not reached it (stalled, busy or gone); aborting the job"), result.output)
    }

    func testKilledRankEndsTheJobWellWithinTheDeadline() throws {
        for ranks in [2, 3] {
            let result = try MPIJob.run(ranks: ranks, ["crash", "--timeout", "60", "--rank", "1", "--step", "3"], limit: 90)
            XCTAssertNotEqual(result.status, 0, result.output)
            XCTAssertLessThan(result.seconds, 30, "took \(result.seconds) s:\n\(result.output)")
        }
    }

    func testRanksThatDisagreeOnTheOrderOfCollectivesEndTheJob() throws {
        for field in ["broadcast", "allreduce"] {
            let result = try MPIJob.run(ranks: 3, ["desync", "--timeout", "5", "--rank", "1", "--field", field], limit: 40)
            XCTAssertNotEqual(result.status, 0, result.output)
            XCTAssertLessThan(result.seconds, 20, "took \(result.seconds) s:\n\(result.output)")
            XCTAssertTrue(result.output.contains("do all ranks post the same collectives in the same order?")
                          || result.output.contains("instead"), result.output)
        }
    }

    func testLocalLauncherRunsRanksWithThreadsAndOversubscription() throws {
        // More ranks than cores: the launcher must add --oversubscribe by itself, and give each
        // rank cores / ranks threads, at least 1.
        let ranks = ProcessInfo.processInfo.activeProcessorCount + 1
        let result = try MPIJob.runThroughLocalLauncher(ranks: ranks, ["collectives"])
        assertAllRanksPassed(result, ranks: ranks, "collectives")
        XCTAssertTrue(result.output.contains("rank 0: size=\(ranks) local=0/\(ranks) threads=1"), result.output)
    }

    func testSignalOnOneRankStopsAllRanksAtTheSameStep() throws {
        let result = try MPIJob.run(ranks: 3, ["signal", "--rank", "1", "--step", "3"], limit: 30)
        assertAllRanksPassed(result, ranks: 3, "signal")
        XCTAssertTrue(result.output.contains("rank 1: stopping at step 3, signal here: SIGTERM"), result.output)
        for rank in [0, 2] {
            XCTAssertTrue(result.output.contains("rank \(rank): stopping at step 3, signal here: none"), result.output)
        }
    }

    func testParameterDriftStopsTheJobNamingTheRank() throws {
        let result = try MPIJob.run(ranks: 3, ["drift", "--rank", "2"], limit: 30)
        XCTAssertEqual(result.status, 1, result.output)
        XCTAssertTrue(result.output.contains("error: parameters differ across ranks at step 200: rank 2 differs from rank 0"),
                      result.output)
    }

    func testHarnessStartedWithoutLauncherRunsAsOneProcessWithoutMPI() throws {
        let result = try MPIJob.runAlone(["single"])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("rank 0: single ok"), result.output)
    }
}
