import Distributed
import Models
import NN
import TensorCore
import Training
import XCTest

// The memory side of sharded training (ZeRO stage 2) in the trainer's step context, on one
// process: the sharded context updates the parameters exactly as the plain local context does,
// step after step (on one rank a rank's slice is the whole buffer, so each element sees the same
// float operations), while between steps the gradient buffers of both read zero and hold no
// resident pages (`mincore`; gradients live from a backward to its update only), and its tensor pool caches at most 256 MiB unless `compute.pool_cache_mb`
// says otherwise. Several ranks are covered by
// ShardingTests (whole runs, sharded against unsharded) and the DistributedHarness's sharded
// scenario (zeros and released memory outside each rank's slice).
#if canImport(Glibc)
    import Glibc
#endif

final class ShardedMemoryTests: XCTestCase {
    /// A 256×4096 linear layer with bias (1 M weights, 4 MB of gradient), one Adam group.
    private func model() -> (weight: Parameter, bias: Parameter, adam: Adam) {
        let weight = Parameter(Tensor(shape: [256, 4096], values: (0..<(256 * 4096)).map { Float($0 % 17) * 0.01 - 0.08 }))
        let bias = Parameter(Tensor(shape: [256], values: (0..<256).map { Float($0 % 5) * 0.1 }))
        let group = ParameterGroup(name: "net", parameters: [("fc.weight", weight), ("fc.bias", bias)], learningRate: 1e-3)
        return (weight, bias, Adam(name: "net", groups: [(group, Adam.Settings())]))
    }

    /// Pages of `buffer`'s whole-page interior that are resident.
    private func residentPages(_ buffer: UnsafeMutableBufferPointer<Float>) -> Int {
        #if os(Linux)
            let page = systemPageSize
            let start = Int(bitPattern: buffer.baseAddress!), end = start + buffer.count * 4
            let first = (start + page - 1) / page * page, last = end / page * page
            var resident = [UInt8](repeating: 0, count: (last - first) / page)
            let rc = resident.withUnsafeMutableBufferPointer {
                mincore(UnsafeMutableRawPointer(bitPattern: first), last - first, $0.baseAddress)
            }
            XCTAssertEqual(rc, 0, "mincore")
            return resident.filter { $0 & 1 != 0 }.count
        #else
            return 0
        #endif
    }

    func testShardedContextUpdatesLikeTheLocalOneAndReleasesGradientsBetweenSteps() {
        defer { MemoryPool.shared.limitCache(to: 8 << 30) }  // the process-wide default again
        let plain = model(), sharded = model()
        let local = LocalStepContext()
        let context = DistributedStepContext(communicator: SingleProcessCommunicator(), bucketBytes: 1 << 20, shardOptimizer: true)
        XCTAssertEqual(MemoryPool.shared.capacityBytes, DistributedStepContext.shardedPoolCacheBytes, "pool cache cap")
        XCTAssertEqual(DistributedStepContext.shardedPoolCacheBytes, 256 << 20)

        for step in 1...3 {
            let x = Tensor(shape: [2, 4096], values: (0..<(2 * 4096)).map { Float(($0 * 7 + step) % 23) * 0.05 - 0.5 })
            for (m, ctx) in [(plain, local as StepContext), (sharded, context as StepContext)] {
                let y = linear(x, weight: m.weight.value, bias: m.bias.value)
                let loss = (y * y).mean(axes: nil)
                ctx.backward(loss, for: m.adam)
                // Between backward and update the gradients are there (and mincore sees them).
                let gradients = m.adam.groups[0].group.gradientBuffer
                XCTAssertGreaterThan(residentPages(gradients), 1000, "gradients not resident after backward \(step)")
                XCTAssertTrue(gradients.contains { $0 != 0 })
                XCTAssertTrue(ctx.step(m.adam, loss: loss.item), "step \(step) skipped")
                // After it both contexts hold none: zero, no resident pages.
                XCTAssertEqual(residentPages(gradients), 0, "gradients still resident after step \(step)")
                XCTAssertTrue(gradients.allSatisfy { $0 == 0 }, "gradients are not zero after step \(step)")
            }
            XCTAssertEqual(sharded.weight.value.values, plain.weight.value.values, "weights after step \(step)")
            XCTAssertEqual(sharded.bias.value.values, plain.bias.value.values, "biases after step \(step)")
            XCTAssertEqual(Array(sharded.adam.groups[0].exp_avg_sq.buffer), Array(plain.adam.groups[0].exp_avg_sq.buffer), "moments")
        }
    }

    /// `compute.pool_cache_mb` (the context's `poolCacheBytes`) overrides the sharded cap, and
    /// an unsharded context without it leaves the pool as it is.
    func testPoolCacheCapFollowsTheSetting() {
        defer { MemoryPool.shared.limitCache(to: 8 << 30) }
        _ = DistributedStepContext(
            communicator: SingleProcessCommunicator(), bucketBytes: 1 << 20, shardOptimizer: true, poolCacheBytes: 1 << 30)
        XCTAssertEqual(MemoryPool.shared.capacityBytes, 1 << 30)
        _ = DistributedStepContext(communicator: SingleProcessCommunicator(), bucketBytes: 1 << 20)
        XCTAssertEqual(MemoryPool.shared.capacityBytes, 1 << 30, "an unsharded context without a setting changes nothing")
        _ = DistributedStepContext(communicator: SingleProcessCommunicator(), bucketBytes: 1 << 20, poolCacheBytes: 64 << 20)
        XCTAssertEqual(MemoryPool.shared.capacityBytes, 64 << 20)
    }
}
