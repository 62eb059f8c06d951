// The run page, RUN_DIR/index.html (rank 0): one self-contained HTML file to open in a browser
// while the run goes on — the run's config summary, the loss curves as inline SVG (no script, no
// network, no file outside the run folder), the latest sample grid and the history of grids
// newest first, and links to the checkpoints. It is rewritten atomically (a reader sees the old
// page or the new one) whenever a sample grid or checkpoint is written, and reloads itself every
// 30 seconds.
import Checkpointing
import FileSafety
import Foundation

/// Builds and writes a run's index.html.
public struct RunPage {
    let folder: RunFolder
    let model: String
    let totalSteps: Int
    let configSummary: String

    /// A page for the run in `folder` training `model` for `totalSteps`, with the resolved
    /// config's summary (`key: value` lines).
    public init(folder: RunFolder, model: String, totalSteps: Int, configSummary: String) {
        self.folder = folder
        self.model = model
        self.totalSteps = totalSteps
        self.configSummary = configSummary
    }

    /// The sample grid files, newest (highest step) first, relative to the run folder.
    func sampleFiles() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.samplesPath)) ?? []
        return names.filter { $0.hasPrefix("step_") && $0.hasSuffix(".png") }.sorted(by: >).map { "samples/" + $0 }
    }

    /// The page's HTML at `step`.
    public func html(step: Int, now: Date = Date()) -> String {
        let history = MetricsHistory(path: folder.metricsPath)
        let samples = sampleFiles()
        let checkpoints = folder.checkpoints.files().map { "checkpoints/" + ($0 as NSString).lastPathComponent }
        let finished = FileManager.default.fileExists(atPath: folder.finishedMarker)
        let runName = HTMLText.escape((folder.path as NSString).lastPathComponent)
        var body = ""
        body +=
            "<h1>\(runName) <small>\(HTMLText.escape(model)), step \(step) of \(totalSteps)\(finished ? ", finished" : "")</small></h1>\n"
        body += "<p class=\"meta\">updated \(ISO8601DateFormatter().string(from: now)); this page reloads every 30 s. "
        body += "TensorBoard: <code>tensorboard --logdir \(HTMLText.escape(folder.tensorBoardPath))</code></p>\n"

        body += "<h2>Losses</h2>\n<div class=\"charts\">\n"
        for series in history.losses {
            body += LineChart(title: series.name, series: [series], width: 300, height: 170).svg() + "\n"
        }
        if history.losses.isEmpty { body += "<p>No metrics logged yet.</p>\n" }
        body += "</div>\n"
        let speed = ["images_per_second"].compactMap(history.series)
        let rates = history.learningRates
        if !rates.isEmpty || !speed.isEmpty {
            body += "<h2>Learning rates and speed</h2>\n<div class=\"charts\">\n"
            if !rates.isEmpty { body += LineChart(title: "learning rates", series: rates, width: 300, height: 170).svg() + "\n" }
            if !speed.isEmpty { body += LineChart(title: "images/s", series: speed, width: 300, height: 170).svg() + "\n" }
            let times = ["time_data", "time_compute", "time_communication"].compactMap(history.series)
            if !times.isEmpty { body += LineChart(title: "seconds per step", series: times, width: 300, height: 170).svg() + "\n" }
            body += "</div>\n"
        }

        body += "<h2>Samples</h2>\n"
        if let latest = samples.first {
            body +=
                "<figure class=\"latest\"><img src=\"\(latest)\" alt=\"latest sample grid\"><figcaption>\(caption(latest)) (latest)</figcaption></figure>\n"
        } else {
            body += "<p>No sample grid yet.</p>\n"
        }
        if samples.count > 1 {
            body += "<h3>History, newest first</h3>\n<div class=\"history\">\n"
            for file in samples.dropFirst() {
                body +=
                    "<figure><img src=\"\(file)\" alt=\"sample grid \(caption(file))\" loading=\"lazy\"><figcaption>\(caption(file))</figcaption></figure>\n"
            }
            body += "</div>\n"
        }

        body += "<h2>Checkpoints</h2>\n<ul>\n"
        for file in checkpoints { body += "<li><a href=\"\(file)\">\(HTMLText.escape(file))</a></li>\n" }
        if checkpoints.isEmpty { body += "<li>none yet</li>\n" }
        body += "</ul>\n"
        body += "<h2>Config</h2>\n<pre>\(HTMLText.escape(configSummary))</pre>\n"
        body += "<p class=\"meta\">Files: <a href=\"config.yaml\">config.yaml</a> · <a href=\"metrics.jsonl\">metrics.jsonl</a> · "
        body += "<a href=\"log.txt\">log.txt</a></p>\n"
        return RunPage.document(title: "\(runName) — i2i", body: body)
    }

    /// Writes index.html atomically.
    public func write(step: Int) throws {
        do { try AtomicOutput.write(html(step: step), to: folder.pagePath) } catch {
            throw TrainingFailure("cannot write '\(folder.pagePath)': \(RunFolder.systemReason(error))")
        }
    }

    /// "step 120" for `samples/step_000000120.png`.
    private func caption(_ file: String) -> String {
        let digits = (file as NSString).lastPathComponent.dropFirst(5).prefix { $0.isNumber }
        return "step \(Int(digits) ?? 0)"
    }

    private static func document(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta http-equiv="refresh" content="30">
        <title>\(title)</title>
        <style>
        body { font-family: sans-serif; margin: 1.5em; color: #222; }
        h1 small { font-weight: normal; color: #666; font-size: 60%; }
        .meta { color: #666; font-size: 90%; }
        .charts { display: flex; flex-wrap: wrap; gap: 8px; }
        .charts svg { border: 1px solid #ddd; }
        figure { margin: 0 12px 12px 0; display: inline-block; vertical-align: top; }
        figure img { image-rendering: pixelated; border: 1px solid #ddd; }
        .latest img { max-width: 100%; }
        .history img { max-width: 320px; }
        pre { background: #f6f6f6; padding: 8px; overflow-x: auto; }
        </style>
        </head>
        <body>
        \(body)</body>
        </html>

        """
    }
}
