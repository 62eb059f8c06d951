// Adam with sharded moments (ZeRO stage 1 as NN sees it): three optimisers, each holding the
// moments of one slice and updating only that slice, with the slices exchanged after every
// step as the trainer's all-gather does, equal the unsharded optimiser bit for bit; re-slicing
// keeps the moments; a sharded state reads its slice of a saved whole state.
import Checkpointing
import Foundation
import HDF5Kit
import NN
import TensorCore
import XCTest

final class AdamShardTests: XCTestCase {
    /// A small network's parameters in a group: 3·5·9 + 5 + 5·3 + 3 = 158 elements (158 mod 3 = 2).
    private func makeOptimizer(frozenBias: Bool = false) -> (Adam, ParameterGroup) {
        var s = RandomStream(seed: 4, purpose: "adam shards")
        let net = Sequential([
            Conv2d(inChannels: 3, outChannels: 5, kernelSize: 3, stream: &s), Linear(inFeatures: 5, outFeatures: 3, stream: &s),
        ])
        let group = ParameterGroup(name: "G", parameters: net.namedParameters(), learningRate: 2e-3)
        if frozenBias { group.segments[1].parameter.value.requiresGrad = false }
        let adam = Adam(name: "G", groups: [(group, Adam.Settings(beta1: 0.5, beta2: 0.999, weightDecay: 1e-4))])
        return (adam, group)
    }

    private func values(_ storage: TensorStorage, _ count: Int) -> [Float] {
        Array(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    func testThreeSlicesEqualTheWholeUpdateBitForBit() {
        for frozen in [false, true] {
            let (whole, group) = makeOptimizer(frozenBias: frozen)
            let n = group.count
            XCTAssertEqual(n, 158)
            let slices = [0..<53, 53..<106, 106..<158]  // the ShardLayout rule for 158 on 3 ranks
            let ranks = slices.map { slice -> (Adam, ParameterGroup) in
                let (adam, g) = makeOptimizer(frozenBias: frozen)
                adam.groups[0].setShard(slice)
                XCTAssertFalse(adam.groups[0].hasMoments, "moments are allocated on first use")
                return (adam, g)
            }
            for step in 0..<4 {
                let gradient = (0..<n).map { Float(sin(Double($0 * (step + 3)))) * 0.1 }
                for g in [group] + ranks.map(\.1) { g.gradients.pointer.update(from: gradient, count: n) }
                whole.step()
                for (adam, _) in ranks { adam.step() }
                // The all-gather: every copy takes each slice from its owner.
                for (owner, slice) in slices.enumerated() {
                    for (_, g) in ranks {
                        (g.values.pointer + slice.lowerBound).update(
                            from: ranks[owner].1.values.pointer + slice.lowerBound, count: slice.count)
                    }
                }
                for (_, g) in ranks { XCTAssertEqual(values(g.values, n), values(group.values, n), "step \(step), frozen \(frozen)") }
            }
            for ((adam, _), slice) in zip(ranks, slices) {
                let state = adam.groups[0]
                XCTAssertEqual(state.exp_avg.count, slice.count, "moments for the slice only")
                XCTAssertEqual(values(state.exp_avg, slice.count), Array(values(whole.groups[0].exp_avg, n)[slice]))
                XCTAssertEqual(values(state.exp_avg_sq, slice.count), Array(values(whole.groups[0].exp_avg_sq, n)[slice]))
                XCTAssertEqual(state.step, 4)
            }
        }
    }

    func testReslicingKeepsTheMomentsItCovers() {
        let (adam, group) = makeOptimizer()
        let n = group.count
        for i in 0..<n { group.gradients.pointer[i] = Float(i % 5) - 2 }
        adam.step()
        let state = adam.groups[0]
        let m = values(state.exp_avg, n), v = values(state.exp_avg_sq, n)
        state.setShard(40..<90)
        XCTAssertEqual(values(state.exp_avg, 50), Array(m[40..<90]))
        state.setShard(60..<120)  // overlaps 60..<90 only
        XCTAssertEqual(Array(values(state.exp_avg_sq, 60)[0..<30]), Array(v[60..<90]))
        XCTAssertEqual(Array(values(state.exp_avg_sq, 60)[30...]), [Float](repeating: 0, count: 30))
        state.setShard(0..<n)
        XCTAssertEqual(Array(values(state.exp_avg, n)[60..<90]), Array(m[60..<90]))
        XCTAssertEqual(Array(values(state.exp_avg, n)[0..<60]), [Float](repeating: 0, count: 60))
    }

    func testShardedStateLoadsItsSliceOfASavedWholeState() throws {
        let (adam, group) = makeOptimizer()
        for i in 0..<group.count { group.gradients.pointer[i] = Float(i % 9) * 0.25 - 1 }
        adam.step()
        adam.step()
        let path = NSTemporaryDirectory() + "i2i-adam-shard-\(ProcessInfo.processInfo.processIdentifier).h5"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let out = try HDF5File.create(at: path)
        try adam.saveState(to: out.root.createGroup("optimizers/G"))
        try out.close()

        let (copy, _) = makeOptimizer()
        copy.groups[0].setShard(106..<158)
        let file = try HDF5File.open(path)
        try copy.loadState(from: file.root.openGroup("optimizers/G"))
        try file.close()
        XCTAssertEqual(copy.groups[0].step, 2)
        XCTAssertEqual(values(copy.groups[0].exp_avg, 52), Array(values(adam.groups[0].exp_avg, 158)[106..<158]))
        XCTAssertEqual(values(copy.groups[0].exp_avg_sq, 52), Array(values(adam.groups[0].exp_avg_sq, 158)[106..<158]))
    }
}
