// The `--profile` report of `i2i bench train`: seconds per step in each kernel family (from
// the `Profiler`'s exclusive timings), the GEMM rate inside the conv categories, and the rest
// of the step that no region covers (graph bookkeeping and unmeasured small ops).
import Foundation
import TensorCore

/// Where one training step's time goes, averaged over the timed steps.
public struct StepProfile: Codable, Sendable {
    /// One category's share.
    public struct Entry: Codable, Sendable {
        public var category: String
        public var secondsPerStep: Double
        public var callsPerStep: Double
        /// GFLOPS of the GEMMs inside the category's time (0 where it has none).
        public var gemmGflops: Double
        public var fraction: Double
    }

    public var secondsPerStep: Double
    public var entries: [Entry]

    /// Reads the profiler after `steps` profiled steps that took `wallSeconds` in all.
    static func collect(steps: Int, wallSeconds: Double) -> StepProfile {
        let n = Double(max(steps, 1))
        let perStep = wallSeconds / n
        let flops = Profiler.flopReport
        var entries: [Entry] = []
        var covered = 0.0
        for (i, item) in Profiler.report.enumerated() where item.calls > 0 {
            let s = item.seconds / n
            covered += s
            entries.append(
                Entry(
                    category: item.category.label, secondsPerStep: s, callsPerStep: Double(item.calls) / n,
                    gemmGflops: item.seconds > 0 ? flops[i].flops / item.seconds * 1e-9 : 0,
                    fraction: s / perStep))
        }
        entries.sort { $0.secondsPerStep > $1.secondsPerStep }
        let rest = max(0, perStep - covered)
        entries.append(
            Entry(
                category: "outside measured regions", secondsPerStep: rest, callsPerStep: 0, gemmGflops: 0,
                fraction: rest / perStep))
        return StepProfile(secondsPerStep: perStep, entries: entries)
    }

    /// A fixed-width table.
    public var table: String {
        var lines = ["  category                          s/step    share   calls/step   GEMM GFLOPS"]
        for e in entries {
            let name = e.category.padding(toLength: 32, withPad: " ", startingAt: 0)
            lines.append(
                "  \(name) \(fmt(e.secondsPerStep, 3, width: 7))  \(fmt(e.fraction * 100, 1, width: 5)) %"
                    + "  \(fmt(e.callsPerStep, 0, width: 10))   \(e.gemmGflops > 0 ? fmt(e.gemmGflops, 1, width: 8) : "")")
        }
        lines.append("  \("total (wall)".padding(toLength: 32, withPad: " ", startingAt: 0)) \(fmt(secondsPerStep, 3, width: 7))")
        return lines.joined(separator: "\n")
    }
}

/// `value` with `digits` decimals, right-aligned in `width` characters.
func fmt(_ value: Double, _ digits: Int, width: Int = 0) -> String {
    var s = String(format: "%.\(digits)f", value)
    while s.count < width { s = " " + s }
    return s
}
