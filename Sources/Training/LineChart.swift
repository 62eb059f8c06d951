// Line charts of metric curves, drawn two ways from one layout: as inline SVG for the run page
// (no script, no network) and into a bitmap for `i2i plot` (LineChart+Bitmap.swift). The layout
// maps steps and values to pixels, picks round tick values, and gives each series a colour.
import Foundation

/// A chart of one or more curves against the step.
public struct LineChart {
    public var title: String
    public var series: [MetricSeries]
    public var width: Int
    public var height: Int
    /// Draw the values on a log scale (losses that fall by orders of magnitude); non-positive
    /// values are left out then.
    public var logarithmic = false

    /// Space around the plot area for the title, tick labels and legend.
    static let left = 58, right = 12, top = 22, bottom = 28

    public init(title: String, series: [MetricSeries], width: Int = 420, height: Int = 220) {
        self.title = title
        self.series = series
        self.width = width
        self.height = height
    }

    /// Tableau's ten colours, as (r, g, b).
    public static let palette: [(UInt8, UInt8, UInt8)] = [
        (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
        (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
    ]

    /// The colour of series `index`.
    public static func colour(_ index: Int) -> (UInt8, UInt8, UInt8) { palette[index % palette.count] }

    // MARK: - Layout

    /// The points that can be drawn (finite, and positive on a log scale).
    func drawable(_ s: MetricSeries) -> [(step: Int, value: Double)] {
        s.points.filter { $0.value.isFinite && (!logarithmic || $0.value > 0) }
    }

    /// The step range and value range of the drawable points, widened when empty or flat.
    var ranges: (steps: ClosedRange<Double>, values: ClosedRange<Double>) {
        let points = series.flatMap(drawable)
        let steps = points.map { Double($0.step) }, values = points.map { transformed($0.value) }
        var x0 = steps.min() ?? 0, x1 = steps.max() ?? 1
        var y0 = values.min() ?? 0, y1 = values.max() ?? 1
        if x1 <= x0 { (x0, x1) = (x0 - 1, x0 + 1) }
        if y1 <= y0 { (y0, y1) = (y0 - max(abs(y0) * 0.1, 1e-6), y0 + max(abs(y0) * 0.1, 1e-6)) }
        return (x0...x1, y0...y1)
    }

    func transformed(_ value: Double) -> Double { logarithmic ? log10(value) : value }

    /// The pixel position of a point in the plot area.
    func position(step: Int, value: Double) -> (x: Double, y: Double) {
        let (xs, ys) = ranges
        let plotWidth = Double(width - LineChart.left - LineChart.right), plotHeight = Double(height - LineChart.top - LineChart.bottom)
        let x = Double(LineChart.left) + (Double(step) - xs.lowerBound) / (xs.upperBound - xs.lowerBound) * plotWidth
        let y = Double(LineChart.top) + (ys.upperBound - transformed(value)) / (ys.upperBound - ys.lowerBound) * plotHeight
        return (x, y)
    }

    /// Tick values of the value axis (in data units) and their labels: the ends and the middle.
    var valueTicks: [(value: Double, label: String)] {
        let ys = ranges.values
        return [ys.lowerBound, (ys.lowerBound + ys.upperBound) / 2, ys.upperBound].map { t in
            let value = logarithmic ? pow(10, t) : t
            return (value, LineChart.number(value))
        }
    }

    /// Tick steps of the step axis: the first, middle and last step.
    var stepTicks: [Int] {
        let xs = ranges.steps
        return [xs.lowerBound, (xs.lowerBound + xs.upperBound) / 2, xs.upperBound].map { Int($0.rounded()) }
    }

    /// A short label for a value: 3 significant digits.
    public static func number(_ value: Double) -> String {
        if value == 0 { return "0" }
        return abs(value) >= 1e4 || abs(value) < 1e-3 ? String(format: "%.2e", value) : String(format: "%.3g", value)
    }

    // MARK: - SVG

    /// The chart as an SVG element to place inline in an HTML page (HTML needs no namespace).
    public func svg() -> String {
        func esc(_ s: String) -> String { HTMLText.escape(s) }
        let plotRight = width - LineChart.right, plotBottom = height - LineChart.bottom
        var out =
            "<svg width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" "
            + "role=\"img\" aria-label=\"\(esc(title))\" font-family=\"sans-serif\" font-size=\"10\">\n"
        out += "<rect x=\"0\" y=\"0\" width=\"\(width)\" height=\"\(height)\" fill=\"#fff\"/>\n"
        out += "<text x=\"\(LineChart.left)\" y=\"14\" font-size=\"12\" font-weight=\"bold\">\(esc(title))</text>\n"
        out +=
            "<path d=\"M\(LineChart.left) \(LineChart.top) V\(plotBottom) H\(plotRight)\" stroke=\"#555\" fill=\"none\" stroke-width=\"1\"/>\n"
        for tick in valueTicks {
            let y = position(step: stepTicks[0], value: tick.value).y
            out += String(format: "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", LineChart.left, y, plotRight, y)
            out += String(format: "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%@</text>\n", LineChart.left - 4, y + 3, esc(tick.label))
        }
        for step in stepTicks {
            let x = position(step: step, value: valueTicks[0].value).x
            out += String(format: "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>\n", x, plotBottom + 13, step)
        }
        out += "<text x=\"\(plotRight)\" y=\"\(height - 3)\" text-anchor=\"end\" fill=\"#555\">step</text>\n"
        for (i, s) in series.enumerated() {
            let (r, g, b) = LineChart.colour(i)
            let points = drawable(s).map { p -> String in
                let (x, y) = position(step: p.step, value: p.value)
                return String(format: "%.1f,%.1f", x, y)
            }
            guard !points.isEmpty else { continue }
            out +=
                "<polyline fill=\"none\" stroke=\"rgb(\(r),\(g),\(b))\" stroke-width=\"1.5\" points=\"\(points.joined(separator: " "))\">"
                + "<title>\(esc(s.name))</title></polyline>\n"
            let legendY = LineChart.top + 4 + 12 * i
            out +=
                "<text x=\"\(plotRight - 4)\" y=\"\(legendY + 6)\" text-anchor=\"end\" fill=\"rgb(\(r),\(g),\(b))\">\(esc(s.name))</text>\n"
        }
        return out + "</svg>"
    }
}

/// Escaping text for HTML and SVG.
public enum HTMLText {
    /// `text` with `&`, `<`, `>`, `"` and `'` replaced by entities.
    public static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
