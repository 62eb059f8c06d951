// The harness scenarios: correctness of collectives and of the bucketed synchroniser, the
// collective decisions, and the failure modes only the communicator can show (ranks posting
// collectives in different orders, parameter drift). Failures the trainer meets (a rank killed,
// stalled or signalled, a start-up mismatch) are tested through the real CLI instead
// (Tests/TrainingTests).
import Distributed
import Foundation
import TensorCore

// MARK: - Correctness

/// All-reduce (several sizes and types), broadcast, all-gather and barrier.
func runCollectives(_ comm: Communicator) {
    let n = comm.size, r = comm.rank
    comm.phase = "collectives"
    for count in [0, 1, 7, 1000, 262_145, 3_000_001] {
        var data = (0..<count).map { Float((r + 1) * ($0 % 13 + 1)) }
        data.withUnsafeMutableBufferPointer { comm.allReduce($0, .sum) }
        let factor = n * (n + 1) / 2
        for i in 0..<count where data[i] != Float(factor * (i % 13 + 1)) {
            fail("float sum of \(count) elements: element \(i) is \(data[i])")
        }
        // Identical on every rank, bit for bit.
        do { try data.withUnsafeBufferPointer { try comm.verifyParametersAgree([$0]) } } catch { fail("\(error)") }
    }
    let doubles = comm.allReduce([Double(r), 1.5, -Double(r)], .sum)
    expect(doubles == [Double(n * (n - 1) / 2), 1.5 * Double(n), -Double(n * (n - 1) / 2)], "double sum \(doubles)")
    expect(comm.allReduce(Double(r), .max) == Double(n - 1), "double max")
    expect(comm.allReduce([r, -r], .min) == [0, -(n - 1)], "integer min")
    expect(comm.allReduceMean([Double(r)]) == [Double(n - 1) / 2], "mean")

    // Broadcast from the first and the last rank.
    for root in [0, n - 1] {
        var floats = [Float](repeating: Float(r), count: 100_003)
        floats.withUnsafeMutableBufferPointer { comm.broadcast($0, root: root) }
        expect(floats.allSatisfy { $0 == Float(root) }, "float broadcast from \(root)")
        let text = comm.broadcast(Array("from rank \(r)".utf8), root: root)
        expect(String(decoding: text, as: UTF8.self) == "from rank \(root)", "byte broadcast from \(root)")
    }
    struct State: Codable, Equatable { var step: Int; var seeds: [UInt64] }
    let state = try! comm.broadcast(value: State(step: 40 + r, seeds: [UInt64(r), 7]))
    expect(state == State(step: 40, seeds: [0, 7]), "codable broadcast \(state)")

    // All-gather of strings of different lengths.
    let gathered = comm.allGather(Array(String(repeating: "x", count: r * 3).appending("#\(r)").utf8))
    expect(gathered.count == n, "all-gather count")
    for (q, bytes) in gathered.enumerated() {
        expect(String(decoding: bytes, as: UTF8.self) == String(repeating: "x", count: q * 3) + "#\(q)", "all-gather from \(q)")
    }
    comm.barrier()
}

/// The bucketed synchroniser over a flat buffer of several segments, with readiness in a
/// different order on each rank and some segments never marked ready.
func runSynchronizer(_ comm: Communicator) {
    let n = comm.size, r = comm.rank
    let sizes = [5, 0, 300_000, 17, 4096, 1, 70_000, 3, 9000]
    let sync = GradientSynchronizer(
        communicator: comm, segmentSizes: sizes, bucketBytes: 64 << 10,
        firstBucketBytes: 4 << 10, name: "test")
    let layout = sync.layout
    expect(layout.buckets.count > 10, "expected many buckets, got \(layout.buckets.count)")
    var gradients = [Float](repeating: 0, count: layout.elementCount)
    var generator = SystemRandomNumberGenerator()
    for step in 0..<4 {
        comm.step = step
        comm.phase = "backward"
        gradients.withUnsafeMutableBufferPointer { g in
            for i in g.indices { g[i] = Float((r + 1) * (i % 7 + step)) }
            sync.begin(gradients: g)
            // A rank-dependent order; segments 3 and 6 never become ready, and rank 0 also
            // skips segment 8, to show posting does not depend on readiness order.
            var order = Array(sizes.indices).filter { $0 != 3 && $0 != 6 && !(r == 0 && $0 == 8) }
            order.shuffle(using: &generator)
            for s in order {
                sync.parameterReady(s)
                sync.parameterReady(s)  // repeated calls are ignored
            }
            comm.phase = "optimizer wait"
            expect(sync.finish(), "finite gradients reported non-finite")
        }
        let scale = 1 / Float(n)
        let rankSum = n * (n + 1) / 2
        for i in gradients.indices where gradients[i] != Float(rankSum * (i % 7 + step)) * scale {
            fail("step \(step): element \(i) is \(gradients[i]), expected \(Float(rankSum * (i % 7 + step)) * scale)")
        }
        do { try gradients.withUnsafeBufferPointer { try comm.verifyParametersAgree([$0]) } } catch { fail("\(error)") }
    }
    let posted = n > 1 ? 4 * layout.buckets.count : 0  // a single process posts nothing
    expect(sync.statistics.steps == 4 && sync.statistics.collectives == posted, "statistics \(sync.statistics)")
    expect(
        sync.statistics.bytesReduced == (n > 1 ? 4 * layout.elementCount * 4 : 0),
        "bytes reduced \(sync.statistics.bytesReduced)")

    // Readiness in reverse declaration order, as backward produces it: every bucket is posted
    // before finish().
    sync.resetStatistics()
    gradients.withUnsafeMutableBufferPointer { g in
        sync.begin(gradients: g)
        for s in sizes.indices.reversed() { sync.parameterReady(s) }
        expect(
            sync.statistics.collectivesOverlapped == (n > 1 ? layout.buckets.count : 0),
            "only \(sync.statistics.collectivesOverlapped) of \(layout.buckets.count) buckets posted during backward")
        sync.finish()
    }

    // A NaN on one rank makes the averaged gradients non-finite on every rank.
    gradients.withUnsafeMutableBufferPointer { g in
        for i in g.indices { g[i] = 1 }
        if r == n - 1 { g[123_456] = .nan }
        expect(!sync.synchronize(g), "a NaN on rank \(n - 1) was not reported")
    }
    say(comm, "synchronizer buckets=\(layout.buckets.count) collectives=\(sync.statistics.collectives)")
}

/// anyRank/allRanks with one rank raising the flag, and the non-finite step guard.
func runDecisions(_ comm: Communicator) {
    let n = comm.size, r = comm.rank
    for step in 0..<6 {
        comm.step = step
        let raiser = step % n
        expect(comm.anyRank(r == raiser && step % 2 == 0) == (step % 2 == 0), "anyRank at step \(step)")
        expect(comm.allRanks(r != raiser) == false, "allRanks at step \(step)")
        expect(comm.allRanks(true), "allRanks(true)")
        expect(!comm.anyRank(false), "anyRank(false)")
    }
    var skips = NonFiniteStepGuard(limit: 3)
    var skipped = [Int]()
    for step in 0..<8 {
        comm.step = step
        let loss: Float = (r == n - 1 && [2, 4, 5].contains(step)) ? .nan : 1
        do {
            if try skips.shouldSkip(localNonFinite: !loss.isFinite, on: comm) { skipped.append(step) }
        } catch { fail("\(error)") }
    }
    expect(skipped == [2, 4, 5] && skips.total == 3 && skips.consecutive == 0, "skipped \(skipped)")
    say(comm, "decisions skipped=\(skipped)")
}

// MARK: - Failure modes

/// Rank `options.rank` posts an extra collective at step `options.step`: the ranks disagree on
/// the order of collectives, and the job must end with a message rather than hang.
func runDesync(_ comm: Communicator, _ options: Options) {
    var value = [Float](repeating: 1, count: 1024)
    for step in 0..<10 {
        comm.step = step
        comm.phase = "discriminator step"
        if step == options.step && comm.rank == options.rank {
            if options.field == "broadcast" {
                _ = comm.broadcast(Array("extra".utf8), root: 0)
            } else {
                value.withUnsafeMutableBufferPointer { comm.allReduce($0) }
            }
        }
        value.withUnsafeMutableBufferPointer { comm.allReduce($0) }
    }
    comm.barrier()
    fail("the desynchronised job did not fail")
}

/// Rank `options.rank` perturbs one parameter; the drift check must fail on every rank.
func runDrift(_ comm: Communicator, _ options: Options) {
    var parameters = (0..<10_000).map { Float($0) * 0.001 }
    var buffers = [Float](repeating: 0.5, count: 333)
    comm.step = 100
    do {
        try comm.verifyParametersAgree([parameters.withUnsafeBufferPointer { $0 }, buffers.withUnsafeBufferPointer { $0 }])
    } catch { fail("identical parameters reported as drifted: \(error)") }
    if comm.rank == options.rank { parameters[4321] = parameters[4321].nextUp }
    comm.step = 200
    do {
        try parameters.withUnsafeBufferPointer { p in
            try buffers.withUnsafeMutableBufferPointer { b in try comm.verifyParametersAgree([p, UnsafeBufferPointer(b)]) }
        }
    } catch let error as DistributedError {
        if comm.isRoot { comm.error(error.description) }
        comm.exitJob(error.exitStatus)
    } catch {
        fail("\(error)")
    }
    fail("drift not detected")
}

/// Started without a launcher: world size 1 and MPI untouched.
func runSingle(_ comm: Communicator) {
    expect(comm is SingleProcessCommunicator && comm.size == 1 && comm.rank == 0, "expected a single process")
    runCollectives(comm)
    runSynchronizer(comm)
    runDecisions(comm)
    expect(!MPICommunicator.isInitialized, "MPI was initialised in single-process mode")
}

// MARK: - Measurement

/// Times a simulated backward pass (compute between readiness calls) with and without overlap:
/// 11.4 M parameters (a CycleGAN generator) in 60 segments, about 0.5 s of compute.
func runOverlap(_ comm: Communicator) {
    let sizes = (0..<60).map { i in 11_378_179 / 60 + (i == 0 ? 11_378_179 % 60 : 0) }
    let sync = GradientSynchronizer(communicator: comm, segmentSizes: sizes, name: "generators")
    var gradients = [Float](repeating: 1, count: sync.layout.elementCount)
    func work(_ seconds: Double) {
        let end = Date().addingTimeInterval(seconds)
        var x = 0.0
        while Date() < end { for i in 0..<1000 { x += Double(i).squareRoot() } }
        if x < 0 { print(x) }
    }
    for overlap in [false, true, false, true] {
        comm.barrier()
        let start = Date()
        gradients.withUnsafeMutableBufferPointer { g in
            sync.begin(gradients: g)
            for s in sizes.indices.reversed() {
                work(0.5 / Double(sizes.count))
                if overlap { sync.parameterReady(s) }
            }
            sync.finish()
        }
        let total = Date().timeIntervalSince(start)
        let times = comm.allReduce([total, sync.statistics.lastStepSecondsWaiting], .max)
        if comm.isRoot {
            print(
                String(
                    format: "overlap=%@ step=%.3f s, waited in finish=%.3f s, buckets=%d", overlap ? "yes" : "no ",
                    times[0], times[1], sync.layout.buckets.count))
        }
    }
}
