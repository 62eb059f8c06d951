// The rank-sharded sampler: disjoint and complete shares, equal steps, batches that do not
// depend on the number of ranks, and exact resume.
import Datasets
import XCTest

final class SamplerTests: XCTestCase {
    func testSharesAreDisjointCompleteAndEqualForWorldSizes1To5() throws {
        for worldSize in 1...5 {
            for (countA, countB) in [(23, 17), (17, 23), (31, 31), (10, 3), (11, nil)] as [(Int, Int?)] {
                let globalBatch = worldSize * 2
                let samplers = try (0..<worldSize).map {
                    try ShardedSampler(countA: countA, countB: countB, globalBatch: globalBatch, worldSize: worldSize, rank: $0, seed: 9)
                }
                let length = max(countA, countB ?? 0)
                XCTAssertEqual(samplers[0].stepsPerEpoch, length / globalBatch)
                for epoch in 0..<3 {
                    var seen = Set<Int>()
                    var usedA = [Int](repeating: 0, count: countA)
                    for step in 0..<samplers[0].stepsPerEpoch {
                        for sampler in samplers {
                            let mine = sampler.samples(at: SamplerPosition(epoch: epoch, step: step))
                            XCTAssertEqual(mine.count, globalBatch / worldSize)
                            for s in mine {
                                XCTAssertTrue(seen.insert(s.position).inserted, "position \(s.position) used twice")
                                usedA[s.a] += 1
                                XCTAssertEqual(s.b == nil, countB == nil)
                                if let b = s.b { XCTAssertTrue((0..<countB!).contains(b)) }
                            }
                        }
                    }
                    // Every position of the used steps exactly once across ranks.
                    XCTAssertEqual(seen, Set(0..<samplers[0].stepsPerEpoch * globalBatch), "W=\(worldSize) epoch \(epoch)")
                    // With no tail dropped, every A image is used.
                    if length % globalBatch == 0 { XCTAssertFalse(usedA.contains(0)) }
                }
            }
        }
    }

    func testGlobalBatchDoesNotDependOnWorldSize() throws {
        let single = try ShardedSampler(countA: 50, countB: 37, globalBatch: 12, worldSize: 1, rank: 0, seed: 4)
        for worldSize in [2, 3, 4, 6] {
            let ranks = try (0..<worldSize).map { try single.withWorld(worldSize, rank: $0) }
            for step in 0..<single.stepsPerEpoch {
                let position = SamplerPosition(epoch: 2, step: step)
                XCTAssertEqual(ranks.flatMap { $0.samples(at: position) }, single.samples(at: position))
                XCTAssertEqual(ranks[1].globalSamples(at: position), single.globalSamples(at: position))
            }
        }
    }

    func testEpochsDifferAndSeedsDiffer() throws {
        let s = try ShardedSampler(countA: 100, countB: 100, globalBatch: 4, seed: 1)
        XCTAssertNotEqual(s.permutation(epoch: 0), s.permutation(epoch: 1))
        XCTAssertEqual(s.permutation(epoch: 3), s.permutation(epoch: 3))
        let t = try ShardedSampler(countA: 100, countB: 100, globalBatch: 4, seed: 2)
        XCTAssertNotEqual(s.permutation(epoch: 0), t.permutation(epoch: 0))
        XCTAssertEqual(Set(s.permutation(epoch: 5)), Set(0..<100))
    }

    func testPositionsAdvanceAcrossEpochs() throws {
        let s = try ShardedSampler(countA: 10, countB: 9, globalBatch: 3, seed: 1)
        XCTAssertEqual(s.stepsPerEpoch, 3)
        XCTAssertEqual(s.advanced(SamplerPosition(epoch: 0, step: 1)), SamplerPosition(epoch: 0, step: 2))
        XCTAssertEqual(s.advanced(SamplerPosition(epoch: 0, step: 2)), SamplerPosition(epoch: 1, step: 0))
        XCTAssertEqual(s.position(afterSteps: 7), SamplerPosition(epoch: 2, step: 1))
        let encoded = try JSONEncoder().encode(SamplerPosition(epoch: 4, step: 2))
        XCTAssertEqual(try JSONDecoder().decode(SamplerPosition.self, from: encoded), SamplerPosition(epoch: 4, step: 2))
    }

    func testBadConfigurationsAreClearErrors() {
        func message(_ body: () throws -> ShardedSampler) -> String {
            do { _ = try body(); return "" } catch { return "\(error)" }
        }
        XCTAssertEqual(
            message { try ShardedSampler(countA: 10, countB: 10, globalBatch: 5, worldSize: 2, rank: 0, seed: 1) },
            "global batch size 5 is not divisible by the 2 ranks")
        XCTAssertEqual(
            message { try ShardedSampler(countA: 3, countB: 2, globalBatch: 4, seed: 1) },
            "an epoch of 3 samples holds no full global batch of 4")
        XCTAssertEqual(
            message { try ShardedSampler(countA: 0, countB: 2, globalBatch: 1, seed: 1) },
            "the training set is empty (A: 0 images, B: 2)")
        XCTAssertEqual(
            message { try ShardedSampler(countA: 4, countB: 4, globalBatch: 2, worldSize: 2, rank: 2, seed: 1) },
            "rank 2 is not in 0..<2")
    }
}

extension ShardedSampler {
    /// The same sampler for another world size and rank.
    func withWorld(_ worldSize: Int, rank: Int) throws -> ShardedSampler {
        try ShardedSampler(countA: countA, countB: countB, globalBatch: globalBatch, worldSize: worldSize, rank: rank, seed: seed)
    }
}
