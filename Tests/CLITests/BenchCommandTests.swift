// The benchmark commands behind launch/bench print the JSON fields that launch/bench and its
// comparison with PyTorch read (model, size, seconds per step, FLOPs and GFLOP/s, RSS), with
// numbers that hang together. Only their shape is tested here: speed is measured by
// launch/bench, never asserted in a test.
import Foundation
import TestSupport
import XCTest

final class BenchCommandTests: XCTestCase {
    private func json(_ result: ProcessResult) throws -> [String: Any] {
        XCTAssertEqual(result.status, 0, result.output)
        let line = result.output.split(separator: "\n").last { $0.hasPrefix("{") } ?? ""
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], result.output)
    }

    private func number(_ object: [String: Any], _ key: String) -> Double {
        guard let value = (object[key] as? NSNumber)?.doubleValue else {
            XCTFail("no number \(key) in \(object.keys.sorted())")
            return .nan
        }
        return value
    }

    func testBenchTrainJSONForBothModels() throws {
        let ws = try CLIWorkspace("bench-train")
        for model in ["cyclegan", "aggan"] {
            let report = try json(
                ws.i2i(
                    [
                        "bench", "train", "--model", model, "--size", "32", "--steps", "2", "--warmup", "1",
                        "--threads", "1", "--json",
                    ], limit: 300))
            XCTAssertEqual(report["model"] as? String, model)
            XCTAssertEqual(number(report, "size"), 32)
            XCTAssertEqual(number(report, "batch"), 1)
            XCTAssertEqual(number(report, "ranks"), 1)
            XCTAssertEqual(number(report, "threads"), 1)
            XCTAssertEqual((report["seconds_all"] as? [Any])?.count, 2, "one time per timed step")
            for key in ["seconds_per_step", "gflops_effective", "sgemm_gflops", "peak_rss_bytes", "flops_per_step"] {
                XCTAssertGreaterThan(number(report, key), 0, "\(model): \(key)")
            }
            // The step's FLOPs are the sum of its three passes, and the effective rate is that
            // count over the median step time.
            let passes =
                number(report, "flops_forward") + number(report, "flops_backward_data")
                + number(report, "flops_backward_weight")
            XCTAssertEqual(passes, number(report, "flops_per_step"), accuracy: 1e-6 * passes)
            let rate = number(report, "flops_per_step") / number(report, "seconds_per_step") / 1e9
            XCTAssertEqual(number(report, "gflops_effective"), rate, accuracy: 1e-3 * rate)
        }
    }

    /// Under `mpirun` every rank steps through the trainer's step context, sharded or not, and
    /// the report has each rank's peak RSS (its size is measured by the benchmark, not here).
    func testBenchTrainOnTwoRanksReportsEachRanksPeakMemory() throws {
        let ws = try CLIWorkspace("bench-train-ranks")
        for sharded in [false, true] {
            let report = try json(
                ws.mpi(
                    ranks: 2,
                    [
                        "bench", "train", "--model", "cyclegan", "--size", "32", "--steps", "1", "--warmup", "1",
                        "--threads", "1", "--set", "distributed.shard_optimizer=\(sharded)", "--json",
                    ]))
            XCTAssertEqual(number(report, "ranks"), 2)
            XCTAssertEqual(report["shard_optimizer"] as? Bool, sharded)
            let peaks = try XCTUnwrap(report["peak_rss_bytes_per_rank"] as? [NSNumber], "\(report.keys.sorted())")
            XCTAssertEqual(peaks.count, 2)
            XCTAssertTrue(peaks.allSatisfy { $0.doubleValue > 0 }, "\(peaks)")
            XCTAssertEqual(peaks[0].doubleValue, number(report, "peak_rss_bytes"), "rank 0 prints its own peak first")
        }
    }

    func testBenchOpsJSON() throws {
        let ws = try CLIWorkspace("bench-ops")
        let report = try json(ws.i2i(["bench", "ops", "--repetitions", "1", "--threads", "1", "--json"], limit: 300))
        XCTAssertGreaterThan(number(report, "sgemm_gflops"), 0)
        XCTAssertEqual(number(report, "threads"), 1)
        let cases = try XCTUnwrap(report["cases"] as? [[String: Any]])
        XCTAssertTrue(cases.contains { $0["name"] as? String == "conv3x3_256_64x64" }, "\(cases)")
        for c in cases {
            for key in ["gflops_forward", "gflops_backward_data", "gflops_backward_weight", "gflops_total", "fraction_of_sgemm"] {
                XCTAssertGreaterThan(number(c, key), 0, "\(c["name"] ?? "?"): \(key)")
            }
        }
        XCTAssertEqual(try ws.i2i(["bench", "train", "--size", "30"]).status, 2, "a size the generator cannot take")
    }
}
