// Reading metrics.jsonl back as curves (the run page and `i2i plot`), and the chart layout's
// mapping of steps and values to pixels, worked out by hand.
import Training
import XCTest

final class MetricsHistoryTests: XCTestCase {
    func testSeriesKeepTheFileOrderAndSkipTornLines() {
        let text = """
            {"step": 2, "epoch": 0, "G_A": 1.5, "D_A": 0.25, "lr_G": 0.0002, "images_per_second": 10.0}
            {"step": 4, "epoch": 0, "G_A": 1.0, "D_A": null, "lr_G": 0.0002, "images_per_second": 12.0}
            {"step": 6, "epoch": 1, "G_A": 0.5, "D_A
            """
        let history = MetricsHistory(text: text)
        XCTAssertEqual(history.series.map(\.name), ["epoch", "G_A", "D_A", "lr_G", "images_per_second"])
        XCTAssertEqual(history.losses.map(\.name), ["G_A", "D_A"])
        XCTAssertEqual(history.learningRates.map(\.name), ["lr_G"])
        XCTAssertEqual(history.series("G_A")?.points.map(\.step), [2, 4])
        XCTAssertEqual(history.series("G_A")?.points.map(\.value), [1.5, 1.0])
        XCTAssertEqual(history.series("D_A")?.points.map(\.step), [2])  // null is not a point
        XCTAssertEqual(history.lastStep, 4)
    }

    func testChartMapsTheRangesOntoThePlotArea() {
        let chart = LineChart(
            title: "G_A & <D>", series: [MetricSeries(name: "G_A", points: [(10, 1), (20, 3)])], width: 170, height: 150)
        // Plot area: x from 58 to 170 − 12 = 158, y from 22 to 150 − 28 = 122.
        let svg = chart.svg()
        XCTAssertTrue(svg.contains("points=\"58.0,122.0 158.0,22.0\""), svg)
        XCTAssertTrue(svg.contains("aria-label=\"G_A &amp; &lt;D&gt;\""), svg)
        XCTAssertEqual(LineChart.number(0.000_123), "1.23e-04")
        XCTAssertEqual(LineChart.number(2.5), "2.5")
    }
}
