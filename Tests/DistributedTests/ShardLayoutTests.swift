// The slicing rule of sharded optimiser state (ShardLayout) and the sharded synchroniser on one
// process, where the only slice is the whole buffer (no MPI involved).
import Distributed
import XCTest

final class ShardLayoutTests: XCTestCase {
    /// 10 elements on 3 ranks: 10 mod 3 = 1, so rank 0 gets ⌊10/3⌋ + 1 = 4, the others 3.
    func testUnevenLengthGivesTheFirstRanksOneMore() {
        let shards = ShardLayout(elementCount: 10, ranks: 3)
        XCTAssertEqual(shards.slices, [0..<4, 4..<7, 7..<10])
        XCTAssertEqual(ShardLayout(elementCount: 11, ranks: 3).slices, [0..<4, 4..<8, 8..<11])
        XCTAssertEqual(ShardLayout(elementCount: 12, ranks: 3).slices, [0..<4, 4..<8, 8..<12])
        XCTAssertEqual(ShardLayout(elementCount: 7, ranks: 1).slices, [0..<7])
    }

    /// More ranks than elements: one element each for the first ranks, empty slices after.
    func testMoreRanksThanElements() {
        XCTAssertEqual(ShardLayout(elementCount: 2, ranks: 5).slices, [0..<1, 1..<2, 2..<2, 2..<2, 2..<2])
        XCTAssertEqual(ShardLayout(elementCount: 0, ranks: 3).slices, [0..<0, 0..<0, 0..<0])
        XCTAssertEqual(ShardLayout(elementCount: 2, ranks: 5).counts(in: 0..<2), [1, 1, 0, 0, 0])
    }

    /// For every length up to 50 and 1–7 ranks: the slices tile the buffer in rank order,
    /// differ by at most one element, and the larger ones come first.
    func testSlicesTileTheBufferInRankOrder() {
        for ranks in 1...7 {
            for n in 0...50 {
                let slices = ShardLayout(elementCount: n, ranks: ranks).slices
                XCTAssertEqual(slices.first?.lowerBound, 0)
                XCTAssertEqual(slices.last?.upperBound, n)
                for (a, b) in zip(slices, slices.dropFirst()) {
                    XCTAssertEqual(a.upperBound, b.lowerBound, "n \(n), \(ranks) ranks")
                    XCTAssertTrue(a.count == b.count || a.count == b.count + 1, "n \(n), \(ranks) ranks: \(slices)")
                }
                XCTAssertEqual(slices.filter { $0.count == n / ranks + 1 }.count, n % ranks, "n \(n), \(ranks) ranks")
            }
        }
    }

    /// The blocks of a bucket: each rank's part of the range, in rank order, zero where a
    /// rank's slice misses the bucket.
    func testCountsOfABucket() {
        let shards = ShardLayout(elementCount: 10, ranks: 3)  // [0..<4, 4..<7, 7..<10]
        XCTAssertEqual(shards.counts(in: 3..<8), [1, 3, 1])
        XCTAssertEqual(shards.counts(in: 0..<4), [4, 0, 0])
        XCTAssertEqual(shards.counts(in: 5..<6), [0, 1, 0])
        XCTAssertEqual(shards.counts(in: 9..<10), [0, 0, 1])
        XCTAssertEqual(shards.counts(in: 6..<6), [0, 0, 0])
        XCTAssertEqual(shards.counts(in: 0..<10), [4, 3, 3])
    }

    /// On one process a sharded synchroniser owns the whole buffer and behaves like the
    /// all-reducing one: the mean is the buffer itself, a non-finite value is reported.
    func testShardedSynchronizerOnOneProcessOwnsEverything() {
        let comm = SingleProcessCommunicator()
        let sync = GradientSynchronizer(communicator: comm, segmentSizes: [3, 0, 4], bucketBytes: 8, firstBucketBytes: 4, sharded: true)
        XCTAssertEqual(sync.ownedElements, 0..<7)
        XCTAssertEqual(sync.shards, ShardLayout(elementCount: 7, ranks: 1))
        var g: [Float] = [1, 2, 3, 4, 5, 6, 7]
        XCTAssertTrue(g.withUnsafeMutableBufferPointer { sync.synchronize($0) })
        XCTAssertEqual(g, [1, 2, 3, 4, 5, 6, 7])
        g.withUnsafeMutableBufferPointer { sync.gatherParameters($0) }
        XCTAssertEqual(g, [1, 2, 3, 4, 5, 6, 7])
        g[5] = .nan
        XCTAssertFalse(g.withUnsafeMutableBufferPointer { sync.synchronize($0) })
        XCTAssertNil(GradientSynchronizer(communicator: comm, segmentSizes: [3]).shards)
    }
}
