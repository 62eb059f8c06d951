// Multi-rank tests of the communicator itself: DistributedHarness under the real `mpirun` with 2
// and 3 ranks (more ranks than cores is fine: the launcher oversubscribes). These cover what the
// trainer cannot show on its own: exact results of every collective and of the bucketed
// synchroniser, collective decisions, ranks that post collectives in different orders, and the
// drift check. The trainer's fault behaviour (a rank killed, stalled, signalled or with a
// non-finite loss; ranks that disagree at start-up) is tested through the real CLI in
// Tests/TrainingTests (FaultTests, ResumeTests, CheckpointTests).
import TestSupport
import XCTest

final class MPIJobTests: XCTestCase {
    /// Asserts the job succeeded and every rank printed "<scenario> ok".
    private func assertAllRanksPassed(
        _ result: ProcessResult, ranks: Int, _ scenario: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(result.status, 0, "job failed:\n\(result.output)", file: file, line: line)
        for rank in 0..<ranks {
            XCTAssertTrue(
                result.lines(ofRank: rank).contains("rank \(rank): \(scenario) ok"),
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
                XCTAssertTrue(
                    result.lines(ofRank: rank).contains(
                        "rank \(rank): size=\(ranks) local=\(rank)/\(ranks) threads=\(threads)"), result.output)
            }
        }
    }

    /// Also: a NaN in one rank's gradients makes the synchroniser report non-finite gradients on
    /// every rank (the trainer ORs this with its own loss check, so the CLI cannot show it alone).
    func testBucketedSynchronizerAveragesWhateverTheReadinessOrder() throws {
        for ranks in [2, 3] {
            assertAllRanksPassed(try MPIJob.run(ranks: ranks, ["synchronizer"]), ranks: ranks, "synchronizer")
        }
    }

    /// Reduce-scatter, all-gather, gather and scatter over uneven and empty blocks, and the
    /// sharded synchroniser against the all-reducing one (DistributedHarness/ShardedScenario).
    func testShardedCollectivesAndSynchronizerOnTwoAndThreeRanks() throws {
        for ranks in [2, 3] {
            assertAllRanksPassed(try MPIJob.run(ranks: ranks, ["sharded"]), ranks: ranks, "sharded")
        }
    }

    /// anyRank / allRanks with one rank raising the flag, and NonFiniteStepGuard (the library's
    /// skip decision, which the trainer does not use) skipping the steps where one rank has a NaN.
    func testDecisionsAreTakenTogetherWhenOneRankRaisesTheFlag() throws {
        for ranks in [2, 3] {
            let result = try MPIJob.run(ranks: ranks, ["decisions"])
            assertAllRanksPassed(result, ranks: ranks, "decisions")
            for rank in 0..<ranks {
                XCTAssertTrue(result.lines(ofRank: rank).contains("rank \(rank): decisions skipped=[2, 4, 5]"), result.output)
            }
        }
    }

    func testRanksThatDisagreeOnTheOrderOfCollectivesEndTheJob() throws {
        for field in ["broadcast", "allreduce"] {
            let result = try MPIJob.run(ranks: 3, ["desync", "--timeout", "5", "--rank", "1", "--field", field], limit: 40)
            XCTAssertNotEqual(result.status, 0, result.output)
            XCTAssertLessThan(result.seconds, 20, "took \(result.seconds) s:\n\(result.output)")
            XCTAssertTrue(
                result.output.contains("do all ranks post the same collectives in the same order?")
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

    func testParameterDriftStopsTheJobNamingTheRank() throws {
        let result = try MPIJob.run(ranks: 3, ["drift", "--rank", "2"], limit: 30)
        XCTAssertEqual(result.status, 1, result.output)
        XCTAssertTrue(
            result.output.contains("error: parameters differ across ranks at step 200: rank 2 differs from rank 0"),
            result.output)
    }

    func testHarnessStartedWithoutLauncherRunsAsOneProcessWithoutMPI() throws {
        let result = try MPIJob.runAlone(["single"])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("rank 0: single ok"), result.output)
    }
}
