// `ProgressBar`: plain lines for logs, the redrawn bar on a terminal, the rate of a resumed
// job (items done before it started do not count), and the clock format.
import Terminal
import XCTest

final class ProgressBarTests: XCTestCase {
    func testProgressLines() {
        var text = ""
        let bar = ProgressBar(total: 200, label: "preprocess", unit: "images", isTerminal: false) { text += $0 }
        for _ in 0..<200 { bar.advance() }
        bar.finish()
        let lines = text.split(separator: "\n")
        XCTAssertEqual(lines.count, 1)  // a fast job: only the closing line
        XCTAssertTrue(lines.last!.hasPrefix("preprocess 200/200 100% "), String(lines.last!))
        var tty = ""
        let live = ProgressBar(total: 4, label: "x", isTerminal: true) { tty += $0 }
        live.advance(by: 4)
        live.finish()
        XCTAssertTrue(tty.hasPrefix("\rx [##############################] 4/4 100%"), tty)
        XCTAssertEqual(ProgressBar.clock(3725), "1:02:05")
    }

    func testResumedRateAndDetail() {
        let bar = ProgressBar(total: 10, label: "train", unit: "steps", isTerminal: false) { _ in }
        bar.baseline = 4
        bar.advance(by: 2)
        bar.detail = "loss 0.5"
        XCTAssertEqual(bar.done, 6)
        XCTAssertEqual(bar.line(at: 2), "train 6/10  60% 1.0 steps/s ETA 0:04 loss 0.5")
        XCTAssertEqual(ProgressBar.clock(59.6), "1:00")
    }

    func testSlowStepsShowSecondsPerStep() {
        let bar = ProgressBar(total: 10, label: "train", unit: "steps", isTerminal: false) { _ in }
        bar.advance(by: 2)
        // 2 steps in 5 s: 0.4 steps/s would read as "0.4 steps/s"; a step takes 2.5 s.
        XCTAssertEqual(bar.line(at: 5), "train 2/10  20% 2.5 s/step ETA 0:20")
        XCTAssertEqual(ProgressBar.rateText(1, unit: "steps"), "1.0 steps/s")  // exactly a second: still a rate
        XCTAssertEqual(ProgressBar.rateText(0.25, unit: "images"), "4.0 s/image")
    }
}
