// Watching and comparing runs through the real `i2i`: the run page RUN_DIR/index.html (its
// images, charts and links, rewritten at each sample step) and `i2i plot` of several runs. The
// page in a real browser is checked by launch/check-run-page.
import Foundation
import TestSupport
import XCTest

final class RunWatchingTests: XCTestCase {
    private func pngSize(_ path: String) throws -> (width: Int, height: Int) {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func be32(_ i: Int) -> Int { bytes[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) } }
        return (be32(16), be32(20))
    }

    private func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    func testRunPageShowsGridsNewestFirstChartsAndCheckpointsAndPlotComparesRuns() throws {
        let ws = try CLIWorkspace("page")
        XCTAssertEqual(try ws.i2i(["demo-data", "--count", "16", "--size", "26", "--out", "data.h5"]).status, 0)
        let config = try ws.write(
            "tiny.yaml", TinyConfig.cycleGAN(train: ["log_every: 2", "sample_every: 4", "checkpoint_every: 6", "keep_checkpoints: 5"]))
        var r = try ws.i2i(["train", config, "--data", "data.h5", "--out", "run", "--steps", "8"])
        XCTAssertEqual(r.status, 0, r.output)
        var page = try String(contentsOfFile: ws.folder + "/run/index.html", encoding: .utf8)
        XCTAssertEqual(count("<img ", in: page), 2, page)
        r = try ws.i2i(["train", config, "--data", "data.h5", "--out", "run", "--steps", "12", "--resume"])
        XCTAssertEqual(r.status, 0, r.output)
        page = try String(contentsOfFile: ws.folder + "/run/index.html", encoding: .utf8)
        // Grids at steps 4, 8 and 12: the latest, then the history newest first.
        let sources = page.components(separatedBy: "<img src=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        XCTAssertEqual(sources, ["samples/step_000000012.png", "samples/step_000000008.png", "samples/step_000000004.png"])
        for source in sources { XCTAssertTrue(FileManager.default.fileExists(atPath: ws.folder + "/run/" + source), source) }
        // One chart per loss term (8 for CycleGAN), then learning rates, images/s and the time split.
        XCTAssertEqual(count("<svg ", in: page), 8 + 3)
        XCTAssertTrue(page.contains("aria-label=\"cycle_A\""))
        XCTAssertEqual(count("<polyline ", in: page), 8 + 2 + 1 + 3)
        XCTAssertFalse(page.contains("<script"))
        XCTAssertFalse(page.contains("http://") || page.contains("https://"), "the page loads nothing from the network")
        for step in [6, 12] { XCTAssertTrue(page.contains(String(format: "<a href=\"checkpoints/step_%09d.h5\">", step)), page) }
        XCTAssertTrue(page.contains("step 12 of 12, finished"), page)
        XCTAssertTrue(page.contains("cyclegan.ngf: 4"), page)
        XCTAssertFalse(
            try FileManager.default.contentsOfDirectory(atPath: ws.folder + "/run").contains { $0.contains(".tmp-") },
            "no temporary file is left")

        // A second run, and both in one picture: 8 loss terms in 3 rows of 3 panels of 360 × 220.
        r = try ws.i2i(["train", config, "--data", "data.h5", "--out", "other", "--steps", "4", "--seed", "7"])
        XCTAssertEqual(r.status, 0, r.output)
        r = try ws.i2i(["plot", "run", "other", "--out", "run/compare.png"])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.output.contains("wrote run/compare.png: 8 loss terms of 2 runs (1080x660)"), r.output)
        let size = try pngSize(ws.folder + "/run/compare.png")
        XCTAssertEqual(size.width, 1080)
        XCTAssertEqual(size.height, 660)
        r = try ws.i2i(["plot", "run", "--out", "run/compare.png"])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.output.contains("already exists; pass --overwrite"), r.output)
        r = try ws.i2i(["plot", "run", "--out", "run/compare.png", "--overwrite", "--columns", "4"])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertEqual(try pngSize(ws.folder + "/run/compare.png").width, 4 * 360)
        r = try ws.i2i(["plot", "data.h5", "--out", "x.png"])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.output.contains("'data.h5' is not a run folder"), r.output)
    }
}
