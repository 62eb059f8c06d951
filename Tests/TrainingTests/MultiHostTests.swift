// Training across hosts over TCP: launch/testnet's network namespaces node1…node3, each with its
// own address and host name, the ranks of other hosts started through Open MPI's remote-launch
// agent, and shared memory excluded (`--mca btl tcp,self`), so every message crosses the network.
// The ten-step run on 2 hosts × 1 rank, 3 hosts × 1 rank and 3 hosts × 2 ranks equals one
// process (the tolerances of EquivalenceTests), the ranks hold bit-identical state after every
// step, a run checkpointed by rank 0 on 3 hosts resumes bit-exactly on 2 hosts, and
// `i2i bench allreduce` measures the TCP path. Skipped with the reason where network namespaces
// cannot be made.
import Foundation
import TestSupport
import XCTest

final class MultiHostTests: XCTestCase {
    /// The host layouts trained: name → hosts and ranks per host.
    private static let layouts: [(name: String, hosts: HostList)] = [
        ("hosts2x1", [("node1", 1), ("node2", 1)]),
        ("hosts3x1", [("node1", 1), ("node2", 1), ("node3", 1)]),
        ("hosts3x2", [("node1", 2), ("node2", 2), ("node3", 2)]),
    ]

    /// The runs the tests look at, made once: `single` (one process) and one per layout.
    private struct Runs {
        let workspace: TrainingWorkspace
        let config: String
        let results: [String: ProcessResult]
    }

    nonisolated(unsafe) private static var cached: Runs?

    private static func runs() throws -> Runs {
        try TestHosts.require()
        if let cached { return cached }
        let w = try TrainingWorkspace("multihost")
        let config = try w.config(
            "ten-steps.yaml",
            [
                "debug.per_rank_checksums": "true", "debug.trace_samples": "true",
                "train.checkpoint_every": "1", "train.keep_checkpoints": "10",
            ])
        var results: [String: ProcessResult] = [:]
        results["single"] = try w.alone(w.trainArguments(config, run: "single"))
        for layout in layouts { results[layout.name] = try w.onHosts(layout.hosts, w.trainArguments(config, run: layout.name)) }
        let runs = Runs(workspace: w, config: config, results: results)
        cached = runs
        return runs
    }

    override class func tearDown() {
        cached = nil
        super.tearDown()
    }

    /// Every layout against one process: same samples, learning rates, step-1 losses and state
    /// within 1e-5, later losses within 2e-3 and weights after step 10 within 5e-2 of their scale
    /// (EquivalenceTests explains the bounds); the ranks sit on the hosts of the layout.
    func testTenStepsAcrossHostsOverTCPEqualOneProcess() throws {
        let runs = try MultiHostTests.runs()
        let w = runs.workspace
        XCTAssertEqual(runs.results["single"]?.status, 0, runs.results["single"]?.output ?? "")
        let live = { (tensors: [(path: String, values: [Float])]) in tensors.filter { !TrainingWorkspace.isDeadBias($0.path) } }
        for layout in MultiHostTests.layouts {
            let result = runs.results[layout.name]!
            let ranks = layout.hosts.reduce(0) { $0 + $1.slots }
            let what = "\(layout.hosts.count) hosts × \(layout.hosts[0].slots) ranks vs 1 process"
            XCTAssertEqual(result.status, 0, "\(what):\n\(result.output)")
            XCTAssertTrue(result.output.contains("training cyclegan on \(ranks) ranks × 1 thread, global batch 6"), result.output)
            XCTAssertEqual(w.sampleTrace(layout.name), w.sampleTrace("single"), "\(what): other samples")
            assertLossesMatch(Array(w.metrics(layout.name).prefix(1)), Array(w.metrics("single").prefix(1)), relative: 1e-5, what)
            let losses = assertLossesMatch(w.metrics(layout.name), w.metrics("single"), relative: 2e-3, what)
            let state = assertClose(
                live(try w.tensors(layout.name, step: 1)), live(try w.tensors("single", step: 1)),
                ScaledTolerance(relative: 1e-5), "\(what), step 1")
            let tenth = assertClose(
                live(try w.tensors(layout.name, step: 10)).filter { $0.path.hasPrefix("/networks/") },
                live(try w.tensors("single", step: 10)).filter { $0.path.hasPrefix("/networks/") },
                ScaledTolerance(relative: 5e-2), "\(what), step 10")
            print("multi-host, \(what): losses within \(losses), state after step 1 within \(state), weights after step 10 within \(tenth)")
        }
    }

    /// The ranks of every layout print identical per-rank checksums after every step.
    ///
    /// They also compare parameters at every step themselves (`distributed.checksum_every` = 1),
    /// and the checksums change from step to step.
    func testRanksOnDifferentHostsHoldBitIdenticalState() throws {
        let runs = try MultiHostTests.runs()
        for layout in MultiHostTests.layouts {
            let result = runs.results[layout.name]!
            let ranks = layout.hosts.reduce(0) { $0 + $1.slots }
            XCTAssertEqual(result.status, 0, result.output)
            XCTAssertFalse(result.output.contains("parameters differ across ranks"), result.output)
            let checksums = result.checksums
            XCTAssertEqual(checksums.keys.sorted(), Array(0..<ranks), "every rank prints its checksums:\n\(result.output)")
            for rank in 1..<ranks { XCTAssertEqual(checksums[rank], checksums[0], "\(layout.name): rank \(rank) differs from rank 0") }
            XCTAssertEqual(checksums[0]?.keys.sorted(), Array(1...10))
            XCTAssertEqual(Set(checksums[0]?.values.map { $0 } ?? []).count, 10)
        }
    }

    /// Five steps on 3 hosts × 2 ranks, checkpointed by rank 0, then `--resume` to step 10 on 2
    /// hosts × 3 ranks (the same 6 ranks, one host fewer): every tensor, loss and sample equals
    /// the straight 3-host run's, bit for bit.
    func testCheckpointOnThreeHostsResumesExactlyOnTwo() throws {
        let runs = try MultiHostTests.runs()
        let w = runs.workspace
        let first = try w.onHosts(MultiHostTests.layouts[2].hosts, w.trainArguments(runs.config, run: "split", ["--steps", "5"]))
        XCTAssertEqual(first.status, 0, first.output)
        XCTAssertEqual(w.checkpointFiles("split"), ["FINISHED"] + (1...5).map { String(format: "step_%09d.h5", $0) })
        let second = try w.onHosts(
            [("node1", 3), ("node3", 3)], w.trainArguments(runs.config, run: "split", ["--steps", "10", "--resume"]))
        XCTAssertEqual(second.status, 0, second.output)
        XCTAssertTrue(
            second.output.contains("resuming from \(w.path("split"))/checkpoints/step_000000005.h5 at step 5"), second.output)
        assertBitIdentical(try w.tensors("split", step: 10), try w.tensors("hosts3x2", step: 10), "resumed on 2 hosts vs straight on 3")
        assertLossesMatch(w.metrics("split"), w.metrics("hosts3x2"), relative: 0, "resumed on 2 hosts vs straight on 3")
        XCTAssertEqual(w.sampleTrace("split"), w.sampleTrace("hosts3x2"))
    }

    /// `i2i bench allreduce` on 2 hosts × 1 rank over TCP: it sees 2 nodes, every result is
    /// correct, and it prints a bus bandwidth for every size.
    func testBenchAllReduceOverTCPPrintsBusBandwidthBySize() throws {
        let w = try TrainingWorkspace("benchtcp")
        let result = try w.onHosts(
            [("node1", 1), ("node2", 1)], ["bench", "allreduce", "--sizes", "64K,1M,4M,16M", "--iterations", "5"], limit: 120)
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("all-reduce (float32 sum): 2 ranks on 2 nodes"), result.output)
        let rows = result.output.split(separator: "\n").filter { $0.hasSuffix("  ok") }
        XCTAssertEqual(rows.count, 4, result.output)
        for row in rows {
            let busbw = row.split(separator: " ").dropLast().last.flatMap { Double($0) } ?? 0
            XCTAssertGreaterThan(busbw, 0, String(row))
        }
        XCTAssertFalse(result.output.contains("WRONG"), result.output)
        print("bench allreduce over TCP, 2 hosts × 1 rank:\n\(result.output)")
    }
}
