// `i2i bench scaling` end to end on a tiny model: the driver runs a 1-rank job and a 2-rank
// job under mpirun and reports both and the efficiency as JSON.
import Foundation
import XCTest

final class BenchScalingTests: XCTestCase {
    func testDriverReportsOneAndTwoRankJobsAndTheEfficiency() throws {
        let w = try TrainingWorkspace("benchscaling")
        let result = try w.alone(
            [
                "bench", "scaling", "--size", "32", "--steps", "2", "--warmup", "1", "--repeats", "1", "--json",
                "--set", "cyclegan.ngf=4", "--set", "cyclegan.ndf=4", "--set", "cyclegan.n_blocks=1",
            ], limit: 120)
        XCTAssertEqual(result.status, 0, result.output)
        let line = result.output.split(separator: "\n").last { $0.hasPrefix("{") }.map(String.init) ?? ""
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], result.output)
        XCTAssertEqual(report["ranks"] as? Int, 2)
        XCTAssertEqual(report["size"] as? Int, 32)
        XCTAssertEqual(report["threads_per_rank"] as? Int, 1)
        XCTAssertEqual((report["jobs_1"] as? [[String: Any]])?.first?["ranks"] as? Int, 1)
        XCTAssertEqual((report["jobs_n"] as? [[String: Any]])?.first?["ranks"] as? Int, 2)
        XCTAssertEqual(((report["jobs_n"] as? [[String: Any]])?.first?["seconds"] as? [Double])?.count, 2)
        let one = try XCTUnwrap(report["images_per_second_1"] as? Double), two = try XCTUnwrap(report["images_per_second_n"] as? Double)
        let efficiency = try XCTUnwrap(report["efficiency"] as? Double)
        XCTAssertEqual(efficiency, two / (2 * one), accuracy: 1e-9)
        XCTAssertGreaterThan(efficiency, 0)
    }
}
