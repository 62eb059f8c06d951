// A progress display for long loops (`i2i preprocess` in Datasets, `i2i train` in Training): on
// a terminal one line redrawn in place with a bar, the rate and the time left; otherwise (a log
// file, a pipe) a plain line now and then, so logs stay readable.
import Foundation

/// Shows how far a counted job has got, on standard error.
///
/// ```swift
/// let progress = ProgressBar(total: files.count, label: "preprocess", unit: "images")
/// for file in files { …; progress.advance() }
/// progress.finish()
/// ```
public final class ProgressBar {
    /// Work items in all.
    public let total: Int
    /// What is being done, shown first.
    public let label: String
    /// What is counted, for the rate ("images" → "images/s").
    public let unit: String
    /// Items done so far.
    public private(set) var done = 0
    private let isTerminal: Bool
    private let start = DispatchTime.now()
    private var lastDraw: Double = -1
    private var lastLineFraction = 0.0
    private let output: (String) -> Void

    /// A bar for `total` items.
    ///
    /// `isTerminal` defaults to whether standard error is a terminal;
    /// `output` (for tests) receives each piece of text instead of standard error.
    public init(
        total: Int, label: String, unit: String = "items", isTerminal: Bool? = nil,
        output: ((String) -> Void)? = nil
    ) {
        self.total = max(0, total)
        self.label = label
        self.unit = unit
        self.isTerminal = isTerminal ?? (isatty(STDERR_FILENO) == 1)
        self.output = output ?? { FileHandle.standardError.write(Data($0.utf8)) }
    }

    /// Extra text shown after the rate (for example current losses).
    public var detail = ""
    /// Items done before this bar started (a resumed run); excluded from the rate.
    public var baseline = 0 {
        didSet { done = max(done, min(total, baseline)) }
    }

    /// Seconds since the bar was made.
    public var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }

    /// Counts `count` more items done and redraws when it is time.
    public func advance(by count: Int = 1) {
        done = min(total, done + count)
        let now = elapsed
        if isTerminal {
            if now - lastDraw >= 0.1 || done == total { draw(now) }
        } else {
            // A line per 10 % but at most one per 5 s, and at least one per 30 s.
            let fraction = total == 0 ? 1 : Double(done) / Double(total)
            let sinceLast = now - max(0, lastDraw)
            if (fraction - lastLineFraction >= 0.1 && sinceLast >= 5) || sinceLast >= 30 {
                lastLineFraction = fraction
                draw(now)
            }
        }
    }

    /// Ends the display (on a terminal: a final redraw and a newline).
    public func finish() {
        if isTerminal {
            draw(elapsed)
            output("\n")
        } else if lastLineFraction < 1 {
            lastLineFraction = 1
            draw(elapsed)
        }
    }

    /// The text of the display at `seconds` elapsed (no bar when not on a terminal).
    public func line(at seconds: Double) -> String {
        let fraction = total == 0 ? 1 : Double(done) / Double(total)
        let rate = seconds > 0 ? Double(done - min(baseline, done)) / seconds : 0
        var parts = ["\(label)"]
        if isTerminal {
            let width = 30, filled = Int(fraction * Double(width))
            parts.append("[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]")
        }
        parts.append("\(done)/\(total)")
        parts.append(String(format: "%3.0f%%", fraction * 100))
        parts.append(ProgressBar.rateText(rate, unit: unit))
        if done < total {
            parts.append("ETA " + (rate > 0 ? ProgressBar.clock(Double(total - done) / rate) : "?"))
        } else {
            parts.append("in " + ProgressBar.clock(seconds))
        }
        if !detail.isEmpty { parts.append(detail) }
        return parts.joined(separator: " ")
    }

    /// Items per second (`12.5 images/s`), or seconds per item once an item takes longer than a
    /// second (`3.2 s/step`), so slow jobs show a number that is not rounded to 0.
    public static func rateText(_ rate: Double, unit: String) -> String {
        guard rate > 0 && rate < 1 else { return String(format: "%.1f", rate) + " \(unit)/s" }
        let singular = unit.hasSuffix("s") ? String(unit.dropLast()) : unit
        return String(format: "%.1f", 1 / rate) + " s/\(singular)"
    }

    /// `h:mm:ss` or `m:ss`.
    public static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }

    private func draw(_ now: Double) {
        lastDraw = now
        output(isTerminal ? "\r" + line(at: now) + "\u{1B}[K" : line(at: now) + "\n")
    }
}
