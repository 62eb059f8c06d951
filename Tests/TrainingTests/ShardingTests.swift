// Sharded optimiser state (`distributed.shard_optimizer: true`, ZeRO stage 1) through the real
// CLI and the real `mpirun`: a sharded run equals the unsharded run on the same ranks (bit for
// bit on 2 ranks, within rounding on 3, where neither parameter buffer divides evenly: the
// tiny CycleGAN with two residual blocks has 26,758 generator and 6,074 discriminator
// parameters, remainders 1 and 2 modulo 3); its checkpoints hold the whole moments in the
// unsharded format; checkpoints resume sharded → unsharded, unsharded → sharded and across
// rank counts; and a non-finite loss on one rank still skips the update on every rank.
import Foundation
import TestSupport
import XCTest

final class ShardingTests: XCTestCase {
    /// Four steps with a checkpoint every two; `settings` override.
    private func config(_ w: TrainingWorkspace, _ name: String, sharded: Bool, _ settings: [String: String] = [:]) throws -> String {
        try w.config(
            name,
            [
                "cyclegan.n_blocks": "2", "train.steps": "4", "train.checkpoint_every": "2",
                "distributed.shard_optimizer": sharded ? "true" : "false",
            ].merging(settings) { $1 })
    }

    /// CycleGAN's biases that have no gradient in exact arithmetic (see
    /// ``TrainingWorkspace/isDeadBias(_:)``); with two residual blocks the generator's last
    /// convolution is `model.19`.
    private static func live(_ tensors: [(path: String, values: [Float])]) -> [(path: String, values: [Float])] {
        tensors.filter { !TrainingWorkspace.isDeadBias($0.path.replacingOccurrences(of: "model.19.bias", with: "model.18.bias")) }
    }

    func testShardedRunsEqualUnshardedRunsOnTwoAndThreeRanks() throws {
        let w = try TrainingWorkspace("sharded")
        let plain = try config(w, "plain.yaml", sharded: false), sharded = try config(w, "sharded.yaml", sharded: true)
        for ranks in [2, 3] {
            for (name, file) in [("plain\(ranks)", plain), ("sharded\(ranks)", sharded)] {
                let result = try w.mpi(ranks: ranks, w.trainArguments(file, run: name))
                XCTAssertEqual(result.status, 0, "\(name):\n\(result.output)")
                XCTAssertFalse(result.output.contains("parameters differ across ranks"), result.output)
            }
            let what = "sharded vs unsharded on \(ranks) ranks"
            let moments = try w.tensors("sharded\(ranks)", step: 4).filter { $0.path.hasPrefix("/optimizers/") }
            XCTAssertEqual(moments.count, 2 * (try w.tensors("sharded\(ranks)", step: 4).filter { $0.path.hasPrefix("/networks/") }.count))
            if ranks == 2 {
                // a + b rounds the same in any order: the whole run is bit-identical, moments included.
                assertLossesMatch(w.metrics("sharded2"), w.metrics("plain2"), relative: 0, what)
                for step in [2, 4] { assertBitIdentical(try w.tensors("sharded2", step: step), try w.tensors("plain2", step: step), what) }
            } else {
                let losses = assertLossesMatch(w.metrics("sharded3"), w.metrics("plain3"), relative: 1e-5, what)
                let state = assertClose(
                    Self.live(try w.tensors("sharded3", step: 4)), Self.live(try w.tensors("plain3", step: 4)),
                    ScaledTolerance(relative: 1e-4), what)
                print("sharded vs unsharded on 3 ranks: losses within \(losses) relative, weights and moments within \(state) of scale")
            }
        }
    }

    /// Two steps, then resume to four: sharded on 2 → unsharded on 1 process, sharded on 2 →
    /// sharded on 3, unsharded on 2 → sharded on 2; each against four unsharded steps on 2 ranks.
    func testCheckpointsResumeWithAndWithoutShardingAcrossRankCounts() throws {
        let w = try TrainingWorkspace("shardresume")
        let plain = try config(w, "plain.yaml", sharded: false), sharded = try config(w, "sharded.yaml", sharded: true)
        let straight = try w.mpi(ranks: 2, w.trainArguments(plain, run: "straight"))
        XCTAssertEqual(straight.status, 0, straight.output)
        let halves = [
            ("sharded", try w.mpi(ranks: 2, w.trainArguments(sharded, run: "s2", ["--steps", "2"]))),
            ("unsharded", try w.mpi(ranks: 2, w.trainArguments(plain, run: "u2", ["--steps", "2"]))),
        ]
        for (name, result) in halves { XCTAssertEqual(result.status, 0, "\(name) first half:\n\(result.output)") }
        try FileManager.default.copyItem(atPath: w.path("s2"), toPath: w.path("s2to1"))
        try FileManager.default.copyItem(atPath: w.path("s2"), toPath: w.path("s2to3"))
        let resumes: [(run: String, what: String, result: ProcessResult)] = [
            ("s2to1", "sharded 2 ranks → 1 process", try w.alone(w.trainArguments(plain, run: "s2to1", ["--resume"]))),
            ("s2to3", "sharded 2 → sharded 3 ranks", try w.mpi(ranks: 3, w.trainArguments(sharded, run: "s2to3", ["--resume"]))),
            ("u2", "unsharded → sharded 2 ranks", try w.mpi(ranks: 2, w.trainArguments(sharded, run: "u2", ["--resume"]))),
        ]
        for (run, what, result) in resumes {
            XCTAssertEqual(result.status, 0, "\(what):\n\(result.output)")
            XCTAssertTrue(result.output.contains("resuming from \(w.path(run))/checkpoints/step_000000002.h5 at step 2"), result.output)
            if run == "u2" {
                // Same ranks, sharded or not: bit-identical to the uninterrupted run.
                assertLossesMatch(w.metrics(run), w.metrics("straight"), relative: 0, what)
                assertBitIdentical(try w.tensors(run, step: 4), try w.tensors("straight", step: 4), what)
            } else {
                let losses = assertLossesMatch(w.metrics(run), w.metrics("straight"), relative: 1e-5, what)
                let state = assertClose(
                    Self.live(try w.tensors(run, step: 4)), Self.live(try w.tensors("straight", step: 4)),
                    ScaledTolerance(relative: 1e-4), what)
                print("resume \(what): losses within \(losses) relative, weights and moments within \(state) of scale")
            }
        }
    }

    /// NaN losses on rank 1 at step 3 of 4, sharded on 3 ranks: every rank skips both updates
    /// of step 3 (its networks and its slice of the moments are unchanged from step 2), every
    /// rank holds the same networks, and the run goes on.
    func testNonFiniteLossOnOneRankSkipsTheShardedUpdateEverywhere() throws {
        let w = try TrainingWorkspace("shardnan")
        let file = try config(
            w, "nan.yaml", sharded: true,
            ["debug.nonfinite_rank": "1", "debug.nonfinite_step": "3", "debug.per_rank_checksums": "true"])
        let result = try w.mpi(ranks: 3, w.trainArguments(file, run: "nan"))
        XCTAssertEqual(result.status, 0, result.output)
        let warnings = result.output.split(separator: "\n").filter { $0.contains("warning:") }
        XCTAssertEqual(
            warnings, ["[rank 0] warning: step 3: a non-finite loss on rank 1; the G and D updates skipped on every rank (1 in a row)"],
            result.output)
        // "networks N optimizers M": the networks agree across ranks; each rank's moments are its own slice.
        let checksums = result.checksums
        XCTAssertEqual(checksums.keys.sorted(), [0, 1, 2], result.output)
        let networks = { (line: String?) in line?.components(separatedBy: " optimizers ").first }
        for rank in 0..<3 {
            let mine = checksums[rank] ?? [:]
            XCTAssertEqual(mine.keys.sorted(), [1, 2, 3, 4], "rank \(rank)")
            for step in 1...4 { XCTAssertEqual(networks(mine[step]), networks(checksums[0]?[step]), "rank \(rank) step \(step)") }
            XCTAssertEqual(mine[3], mine[2], "rank \(rank) changed its state in the skipped step 3")
            XCTAssertNotEqual(mine[4], mine[3], "rank \(rank) did not train after the skipped step")
        }
        XCTAssertNotEqual(checksums[0]?[2], checksums[1]?[2], "the ranks hold different slices of the moments")
        XCTAssertEqual(w.metrics("nan").map { $0["skipped_steps"] as? Int ?? -1 }, [0, 0, 1, 1])
    }
}
