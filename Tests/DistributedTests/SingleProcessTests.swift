// In-process tests of the single-process communicator, the bucket layout, fingerprints,
// checksums and step decisions (no MPI involved).
import Benchmarks
import Distributed
import TensorCore
import XCTest

final class SingleProcessTests: XCTestCase {
    func testLauncherDetection() throws {
        XCTAssertFalse(startedByMPILauncher(environment: ["PATH": "/usr/bin", "SLURM_JOB_ID": "7"]))
        XCTAssertTrue(startedByMPILauncher(environment: ["OMPI_COMM_WORLD_SIZE": "2"]))
        XCTAssertTrue(startedByMPILauncher(environment: ["PMIX_RANK": "0"]))
        XCTAssertTrue(startedByMPILauncher(environment: ["PMI_RANK": "0", "PMI_SIZE": "4"]))
        let comm = try makeCommunicator(environment: [:])
        XCTAssertTrue(comm is SingleProcessCommunicator)
        XCTAssertFalse(MPICommunicator.isInitialized)
    }

    func testSingleProcessCollectivesAreNoOps() {
        let comm = SingleProcessCommunicator()
        XCTAssertEqual([comm.rank, comm.size, comm.localRank, comm.localSize], [0, 1, 0, 1])
        var data: [Float] = [1, 2, 3]
        data.withUnsafeMutableBufferPointer { comm.allReduce($0) }
        XCTAssertEqual(data, [1, 2, 3])
        XCTAssertEqual(comm.allReduce([2.5, -1], .sum), [2.5, -1])
        XCTAssertEqual(comm.allReduceMean([4]), [4])
        XCTAssertEqual(comm.allGather(Array("abc".utf8)), [Array("abc".utf8)])
        XCTAssertEqual(comm.broadcast(Array("xyz".utf8)), Array("xyz".utf8))
        XCTAssertEqual(try comm.broadcast(value: ["a": 1]), ["a": 1])
        XCTAssertTrue(comm.anyRank(true))
        XCTAssertFalse(comm.anyRank(false))
        comm.barrier()
        XCTAssertEqual(comm.rankPrefix, "")
    }

    func testSynchronizerInSingleProcessChecksFinitenessOnly() {
        let comm = SingleProcessCommunicator()
        let sync = GradientSynchronizer(communicator: comm, segmentSizes: [3, 4], bucketBytes: 8, firstBucketBytes: nil)
        var g: [Float] = [1, 2, 3, 4, 5, 6, 7]
        g.withUnsafeMutableBufferPointer { p in
            sync.begin(gradients: p)
            sync.parameterReady(1)
            XCTAssertTrue(sync.finish())
        }
        XCTAssertEqual(g, [1, 2, 3, 4, 5, 6, 7])
        g[2] = .infinity
        XCTAssertFalse(g.withUnsafeMutableBufferPointer { sync.synchronize($0) })
        XCTAssertEqual(sync.statistics.steps, 2)
        XCTAssertEqual(sync.statistics.collectives, 0)
    }

    func testBucketsCoverTheBufferInReverseOrderUnderTheCap() {
        // Segments of 10, 0, 300, 20, 5 floats; cap 100 floats, first bucket 30 floats.
        let layout = BucketLayout(segmentSizes: [10, 0, 300, 20, 5], bucketBytes: 400, firstBucketBytes: 120)
        XCTAssertEqual(layout.elementCount, 335)
        XCTAssertEqual(layout.buckets.map(\.elements), [310..<335, 210..<310, 110..<210, 10..<110, 0..<10])
        XCTAssertEqual(layout.bucketsOfSegment, [[4], [], [1, 2, 3], [0], [0]])
        XCTAssertEqual(layout.buckets[0].segments, 3...4)

        // Default caps: everything small goes into the 1 MiB first bucket.
        let small = BucketLayout(segmentSizes: [64 * 27, 64, 128 * 576, 128])
        XCTAssertEqual(small.buckets.map(\.elements), [0..<small.elementCount])

        // Contiguous, disjoint, complete, and each bucket within its cap.
        let sizes = (0..<200).map { ($0 * 7919) % 5000 }
        let big = BucketLayout(segmentSizes: sizes, bucketBytes: 16_000, firstBucketBytes: 4_000)
        var upper = big.elementCount
        for (b, bucket) in big.buckets.enumerated() {
            XCTAssertEqual(bucket.elements.upperBound, upper)
            XCTAssertLessThanOrEqual(bucket.elements.count, b == 0 ? 1000 : 4000)
            upper = bucket.elements.lowerBound
        }
        XCTAssertEqual(upper, 0)
    }

    func testFingerprintDifferenceNamesTheOddRankByMajority() {
        let base = Fingerprint(
            codeVersion: "1", configHash: "aaaa", parameterLayout: "p", parameterCount: 10,
            datasetHash: "d", datasetCounts: ["trainA": 3], globalBatch: 4, seed: 1)
        var odd = base
        odd.configHash = "bbbb"
        XCTAssertNil(Fingerprint.firstDifference(among: [base, base, base]))
        XCTAssertEqual(
            Fingerprint.firstDifference(among: [base, base, odd]),
            "rank 2 differs from rank 0 in config_hash (rank 2: bbbb, rank 0: aaaa)")
        XCTAssertEqual(
            Fingerprint.firstDifference(among: [odd, base, base]),
            "rank 0 differs from rank 1 in config_hash (rank 0: bbbb, rank 1: aaaa)")
        var counts = base
        counts.datasetCounts["trainB"] = 5
        XCTAssertEqual(
            Fingerprint.firstDifference(among: [base, counts]),
            "rank 1 differs from rank 0 in dataset_counts (rank 1: trainA=3,trainB=5, rank 0: trainA=3)")
        var batch = base
        batch.globalBatch = 8
        XCTAssertEqual(
            Fingerprint.firstDifference(among: [base, batch, base]),
            "rank 1 differs from rank 0 in global_batch (rank 1: 8, rank 0: 4)")
        XCTAssertEqual(
            Fingerprint.firstDifference(among: [base, nil]),
            "rank 1 sent a fingerprint that cannot be read (are all ranks running the same i2i build?)")
        XCTAssertNoThrow(try SingleProcessCommunicator().verifyConsistency(base))
    }

    func testStableHashAndChecksum() {
        XCTAssertEqual(StableHash.hex(of: ""), StableHash.hex(of: ""))
        XCTAssertNotEqual(StableHash.hex(of: "a"), StableHash.hex(of: "b"))
        XCTAssertEqual(StableHash().hex, "cbf29ce484222325")  // FNV-1a offset basis
        XCTAssertNotEqual(Fingerprint.layoutHash(of: [("w", [2, 3])]), Fingerprint.layoutHash(of: [("w", [3, 2])]))
        let a: [Float] = [1, 2, 3, 4, 5]
        var b = a
        b[4] = b[4].nextUp
        let ca = a.withUnsafeBufferPointer { ParameterChecksum([$0]) }
        let cb = b.withUnsafeBufferPointer { ParameterChecksum([$0]) }
        XCTAssertNotEqual(ca.hash, cb.hash)
        XCTAssertEqual(ca.sum, 15)
        XCTAssertEqual(ca.count, 5)
    }

    func testNonFiniteGuardStopsAfterTheLimitInARow() throws {
        let comm = SingleProcessCommunicator()
        var skips = NonFiniteStepGuard(limit: 2)
        XCTAssertFalse(try skips.shouldSkip(localNonFinite: false, on: comm))
        XCTAssertTrue(try skips.shouldSkip(localNonFinite: true, on: comm))
        XCTAssertFalse(try skips.shouldSkip(localNonFinite: false, on: comm))
        XCTAssertTrue(try skips.shouldSkip(localNonFinite: true, on: comm))
        XCTAssertThrowsError(try skips.shouldSkip(localNonFinite: true, on: comm)) { error in
            XCTAssertEqual((error as? DistributedError)?.exitStatus, 1)
        }
        XCTAssertEqual(skips.total, 3)
        let values: [Float] = [1, .nan]
        XCTAssertTrue(values.withUnsafeBufferPointer(containsNonFinite))
        XCTAssertFalse([Float(1), 2].withUnsafeBufferPointer(containsNonFinite))
    }

    func testAllReduceBenchmarkRunsInOneProcess() {
        let m = AllReduceBenchmark.measure(on: SingleProcessCommunicator(), bytes: 4096, warmup: 1, iterations: 3)
        XCTAssertEqual(m.bytes, 4096)
        XCTAssertEqual(m.busBandwidth, 0)
        XCTAssertTrue(m.correct)
        XCTAssertEqual(AllReduceBenchmark.busBandwidthFactor(ranks: 4), 1.5)
        XCTAssertEqual(AllReduceBenchmark.defaultSizes.first, 4096)
        XCTAssertEqual(AllReduceBenchmark.defaultSizes.last, 64 << 20)
    }
}
