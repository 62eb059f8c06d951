// `i2i plot`: the loss curves of one or more runs in one PNG, one panel per loss term with a
// curve per run, for comparing runs (two seeds, two configs, i2i beside the PyTorch reference
// trainers of launch/quality, whose metrics.jsonl has the same fields).
import ArgumentParser
import Datasets
import FileSafety
import Foundation
import Training

/// Draws runs' loss curves into a PNG.
struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw the loss curves of one or more runs into a PNG.",
        discussion: """
            One panel per loss term (in the order the first run logs them), one coloured curve per \
            run, read from each RUN_DIR/metrics.jsonl.

            Examples:
              i2i plot runs/h2z
              i2i plot runs/seed0 runs/seed1 --out seeds.png --log
            """)

    @Argument(help: "Run folders (each with a metrics.jsonl).") var runs: [String]
    @Option(help: "The PNG to write.") var out = "losses.png"
    @Option(help: "Panels per row.") var columns = 3
    @Flag(name: .customLong("log"), help: "Logarithmic value axes.") var logarithmic = false
    @Flag(help: "Replace an existing --out file.") var overwrite = false

    func validate() throws {
        try require(!runs.isEmpty, "name at least one run folder")
        try require((1...12).contains(columns), "--columns must be between 1 and 12, not \(columns)")
    }

    func run() throws {
        var histories: [(label: String, history: MetricsHistory)] = []
        for run in runs {
            let metrics = run + "/metrics.jsonl"
            try require(FileManager.default.fileExists(atPath: metrics), "'\(run)' is not a run folder: it has no metrics.jsonl")
            histories.append((Plot.label(run, among: runs), MetricsHistory(path: metrics)))
        }
        try claimOutput(
            "--out", out, kind: .file, overwrite: overwrite, inputs: runs.map { CommandInput("RUN_DIR", $0 + "/metrics.jsonl") })
        var names: [String] = []
        for (_, history) in histories {
            for s in history.losses where !names.contains(s.name) { names.append(s.name) }
        }
        try require(!names.isEmpty, "no losses logged yet in \(runs.joined(separator: ", "))")
        let charts = names.map { name in
            var chart = LineChart(
                title: name,
                series: histories.map { MetricSeries(name: $0.label, points: $0.history.series(name)?.points ?? []) },
                width: 360, height: 220)
            chart.logarithmic = logarithmic
            return chart
        }
        let perRow = Swift.min(columns, charts.count)
        let rows = (charts.count + perRow - 1) / perRow
        var canvas = Bitmap(width: perRow * 360, height: rows * 220, channels: 3, repeating: 255)
        for (i, chart) in charts.enumerated() { chart.draw(into: &canvas, x: (i % perRow) * 360, y: (i / perRow) * 220) }
        try reportingErrors {
            let png = try ImageCodec.encodePNG(canvas)
            do { try AtomicOutput.write(Data(png), to: out) } catch {
                throw ImageError(.unwritable, path: out, reason: "cannot write the file: \(RunFolder.systemReason(error))")
            }
        }
        print(
            "wrote \(out): \(charts.count) loss term\(charts.count == 1 ? "" : "s") of \(runs.count) run\(runs.count == 1 ? "" : "s") (\(canvas.width)x\(canvas.height))"
        )
    }

    /// The run's folder name, or its whole path when another run has the same folder name.
    static func label(_ run: String, among runs: [String]) -> String {
        let name = (run as NSString).standardizingPath.split(separator: "/").last.map(String.init) ?? run
        let same = runs.filter { (($0 as NSString).standardizingPath.split(separator: "/").last.map(String.init) ?? $0) == name }
        return same.count > 1 ? run : name
    }
}
