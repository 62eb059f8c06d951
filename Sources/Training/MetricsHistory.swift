// A run's metrics.jsonl read back as curves, for the run page's charts and `i2i plot`: one
// series per field, in the order the fields first appear, with the losses told apart from the
// learning rates, speeds and times by their names.
import Foundation

/// One named curve: (step, value) points in step order.
public struct MetricSeries: Equatable {
    public var name: String
    public var points: [(step: Int, value: Double)]

    public init(name: String, points: [(step: Int, value: Double)]) {
        self.name = name
        self.points = points
    }

    public static func == (a: MetricSeries, b: MetricSeries) -> Bool {
        a.name == b.name && a.points.map(\.step) == b.points.map(\.step) && a.points.map(\.value) == b.points.map(\.value)
    }
}

/// The curves of one metrics.jsonl.
public struct MetricsHistory {
    /// Fields of a metrics line that are not losses.
    public static let nonLossFields: Set<String> = [
        "step", "epoch", "images_per_second", "time_data", "time_compute", "time_communication", "skipped_steps",
    ]

    /// Every numeric field but `step`, in the order the fields first appear.
    public private(set) var series: [MetricSeries] = []

    /// Reads `path`; a missing file gives no series, and lines that do not parse (a line a
    /// crash cut short) are left out.
    public init(path: String) {
        let data = FileManager.default.contents(atPath: path) ?? Data()
        self.init(text: String(decoding: data, as: UTF8.self))
    }

    /// Reads the lines of a metrics.jsonl text.
    public init(text: String) {
        var index: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let step = (object["step"] as? NSNumber)?.intValue
            else { continue }
            // JSONSerialization forgets the order of the keys; the text keeps it (no string values).
            let keys = line.split(separator: "\"", omittingEmptySubsequences: false).enumerated()
                .filter { $0.offset % 2 == 1 }.map { String($0.element) }
            for key in keys where key != "step" {
                guard let value = (object[key] as? NSNumber)?.doubleValue, value.isFinite else { continue }
                if index[key] == nil {
                    index[key] = series.count
                    series.append(MetricSeries(name: key, points: []))
                }
                series[index[key]!].points.append((step, value))
            }
        }
    }

    /// The loss terms (`G_A`, `cycle_A`, `D_B` …).
    public var losses: [MetricSeries] {
        series.filter { !MetricsHistory.nonLossFields.contains($0.name) && !$0.name.hasPrefix("lr_") }
    }

    /// The learning rates (`lr_G`, `lr_D`).
    public var learningRates: [MetricSeries] { series.filter { $0.name.hasPrefix("lr_") } }

    /// The series called `name`, if logged.
    public func series(_ name: String) -> MetricSeries? { series.first { $0.name == name } }

    /// The last logged step, if any.
    public var lastStep: Int? { series.compactMap { $0.points.last?.step }.max() }
}
