// The vector collectives of sharded optimiser state, with exact expected values: reduce-scatter,
// all-gather, gather and scatter over layouts with uneven and empty blocks, then the sharded
// synchroniser against the all-reducing one on a buffer whose length does not divide by the
// rank count, cut into many buckets whose edges fall inside the slices; outside its slice the
// sharded synchroniser leaves zeros and gives the memory back.
import Distributed
import Foundation

/// Vector collectives and the sharded synchroniser.
func runSharded(_ comm: Communicator) {
    let n = comm.size, r = comm.rank
    comm.phase = "sharded collectives"
    // Lengths with remainders 0, 1 and 2 modulo 3, and fewer elements than ranks.
    for count in [0, 1, 2, 10, 1001, 65_537] {
        let shards = ShardLayout(elementCount: count, ranks: n)
        let counts = shards.counts(in: 0..<count)
        let mine = shards.slice(of: r)
        expect(counts.reduce(0, +) == count && counts.max()! - counts.min()! <= 1, "counts \(counts) of \(count)")

        // Reduce-scatter: my slice holds the sum over ranks, in place.
        var data = (0..<count).map { Float((r + 1) * ($0 % 11 + 1)) }
        data.withUnsafeMutableBufferPointer { comm.wait(comm.startReduceScatter($0, counts: counts, .sum)) }
        let factor = Float(n * (n + 1) / 2)
        for i in mine where data[i] != factor * Float(i % 11 + 1) {
            fail("reduce-scatter of \(count): element \(i) is \(data[i])")
        }

        // All-gather: every block from its owner (the other blocks start as garbage).
        var values = (0..<count).map { mine.contains($0) ? Float($0) * 0.5 + Float(r) : -1 }
        values.withUnsafeMutableBufferPointer { comm.wait(comm.startAllGather($0, counts: counts)) }
        for owner in 0..<n {
            for i in shards.slice(of: owner) where values[i] != Float(i) * 0.5 + Float(owner) {
                fail("all-gather of \(count): element \(i) is \(values[i])")
            }
        }

        // Gather to the last rank and scatter from it.
        let root = n - 1
        var buffer = r == root ? (0..<count).map { mine.contains($0) ? Float($0) : -1 } : mine.map(Float.init)
        buffer.withUnsafeMutableBufferPointer { comm.wait(comm.startGather($0, counts: counts, root: root)) }
        if r == root { expect(buffer == (0..<count).map(Float.init), "gather of \(count)") }
        var received = r == root ? (0..<count).map { Float($0) * 3 } : [Float](repeating: -1, count: mine.count)
        received.withUnsafeMutableBufferPointer { comm.wait(comm.startScatter($0, counts: counts, root: root)) }
        let expected = mine.map { Float($0) * 3 }
        expect((r == root ? Array(received[mine]) : received) == expected, "scatter of \(count)")
    }

    // Sharded against all-reducing synchroniser: identical means on my slice, bit for bit with
    // 2 ranks (a + b is commutative) and within rounding otherwise.
    comm.phase = "sharded synchronizer"
    let segments = [5, 0, 3001, 17, 4096, 1, 7001, 2]  // 14123 elements: remainder 1 modulo 2, 2 modulo 3
    let plain = GradientSynchronizer(communicator: comm, segmentSizes: segments, bucketBytes: 8 << 10, firstBucketBytes: 1 << 10)
    let sharded = GradientSynchronizer(
        communicator: comm, segmentSizes: segments, bucketBytes: 8 << 10, firstBucketBytes: 1 << 10, sharded: true)
    let total = plain.layout.elementCount
    expect(total % 3 != 0 && total % 2 != 0, "element count \(total) divides evenly")
    expect(sharded.layout.buckets.count > 5, "expected several buckets, got \(sharded.layout.buckets.count)")
    expect(sharded.ownedElements == ShardLayout(elementCount: total, ranks: n).slice(of: r), "owned elements")
    let make = { (0..<total).map { i in sin(Float(i) * 0.37 + Float(r)) * Float(r + 1) } }
    var a = make(), b = make()
    var finite = a.withUnsafeMutableBufferPointer { plain.synchronize($0) }
    expect(finite, "plain: non-finite")
    b.withUnsafeMutableBufferPointer { g in
        sharded.begin(gradients: g)
        for s in segments.indices.reversed() { sharded.parameterReady(s) }
        finite = sharded.finish()
    }
    expect(finite, "sharded: non-finite")
    var worst: Float = 0
    for i in sharded.ownedElements { worst = max(worst, abs(a[i] - b[i])) }
    expect(n == 2 ? worst == 0 : worst <= 1e-6, "sharded mean differs from the all-reduced one by \(worst)")
    // Gradients sharded in memory (ZeRO stage 2): outside my slice the buffer reads zero (it
    // held this rank's unreduced values), and the whole pages there went back to the system.
    let leftovers = (0..<total).filter { !sharded.ownedElements.contains($0) && b[$0] != 0 }
    expect(leftovers.isEmpty, "\(leftovers.count) elements outside my slice are not zero, first \(leftovers.first ?? -1)")
    expect(sharded.bytesReleased > 0, "no gradient memory released outside my slice")

    // Parameter all-gather: each rank writes its slice, all ranks end with every slice.
    var parameters = (0..<total).map { sharded.ownedElements.contains($0) ? Float($0) : Float.nan }
    parameters.withUnsafeMutableBufferPointer { sharded.gatherParameters($0) }
    expect(parameters == (0..<total).map(Float.init), "gathered parameters")

    // A non-finite gradient shows only on the rank owning it.
    var c = make()
    let poisoned = total / 2
    if r == 0 { c[poisoned] = .infinity }
    c.withUnsafeMutableBufferPointer { finite = sharded.synchronize($0) }
    expect(finite == !sharded.ownedElements.contains(poisoned), "rank owning element \(poisoned) reports finite=\(finite)")
    expect(comm.anyRank(!finite), "no rank saw the non-finite gradient")
    comm.barrier()
}
