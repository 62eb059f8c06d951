// Comparing two runs: checkpoint tensors bit for bit or within a relative tolerance, and the
// per-step losses of metrics.jsonl. Failure messages name the tensor or step, the largest
// difference, where it is, and the values side by side.
import Foundation
import XCTest

/// Loss terms of a CycleGAN metrics line.
let cycleGANLosses = ["D_A", "G_A", "cycle_A", "idt_A", "D_B", "G_B", "cycle_B", "idt_B"]

/// How far two tensors of one run pair may be apart: the largest |a − b| over a tensor must
/// not exceed `relative` × the largest |b| of that tensor (the tensor's scale).
///
/// Relative to
/// the scale rather than to each element, since a weight near zero has no meaningful relative
/// error; the tolerance is symmetric in spirit (reference `b`) and never a per-element percentage.
struct ScaledTolerance {
    var relative: Double

    /// The largest |a − b| / max|b| over the tensor, and the index where it occurs.
    static func error(_ a: [Float], _ b: [Float]) -> (value: Double, index: Int) {
        var scale = 0.0
        for v in b { scale = max(scale, abs(Double(v))) }
        var worst = 0.0, at = 0
        for i in a.indices {
            let d = abs(Double(a[i]) - Double(b[i]))
            if d.isNaN || d > worst { worst = d.isNaN ? .infinity : d; at = i }
        }
        return (scale > 0 ? worst / scale : worst, at)
    }
}

/// Asserts the same tensors (paths, counts) with bit-identical values.
func assertBitIdentical(
    _ a: [(path: String, values: [Float])], _ b: [(path: String, values: [Float])], _ what: String,
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(a.map(\.path), b.map(\.path), "\(what): different tensors", file: file, line: line)
    for (x, y) in zip(a, b) {
        guard x.values.count == y.values.count else {
            XCTFail("\(what): \(x.path) holds \(x.values.count) values, the other \(y.values.count)", file: file, line: line)
            continue
        }
        if let i = x.values.indices.first(where: { x.values[$0].bitPattern != y.values[$0].bitPattern }) {
            let differing = x.values.indices.filter { x.values[$0].bitPattern != y.values[$0].bitPattern }.count
            XCTFail(
                "\(what): \(x.path) differs at \(differing) of \(x.values.count) values; first at [\(i)]: "
                    + "\(x.values[i]) vs \(y.values[i])", file: file, line: line)
        }
    }
}

/// Asserts the same tensors within `tolerance`; returns the largest scaled error seen.
@discardableResult
func assertClose(
    _ a: [(path: String, values: [Float])], _ b: [(path: String, values: [Float])], _ tolerance: ScaledTolerance,
    _ what: String, file: StaticString = #filePath, line: UInt = #line
) -> Double {
    XCTAssertEqual(a.map(\.path), b.map(\.path), "\(what): different tensors", file: file, line: line)
    var largest = 0.0
    for (x, y) in zip(a, b) {
        guard x.values.count == y.values.count else {
            XCTFail("\(what): \(x.path) holds \(x.values.count) values, the other \(y.values.count)", file: file, line: line)
            continue
        }
        let (error, i) = ScaledTolerance.error(x.values, y.values)
        largest = max(largest, error)
        if !(error <= tolerance.relative) {
            XCTFail(
                "\(what): \(x.path) [\(x.values.count)] differs by \(error) of its scale (limit \(tolerance.relative)) "
                    + "at [\(i)]: \(x.values[i]) vs \(y.values[i])", file: file, line: line)
        }
    }
    return largest
}

/// Asserts that two metrics logs hold the same steps and that every loss term of every step is
/// within `relative` of the other (0: exactly equal); returns the largest relative difference.
@discardableResult
func assertLossesMatch(
    _ a: [[String: Any]], _ b: [[String: Any]], relative: Double, _ what: String,
    file: StaticString = #filePath, line: UInt = #line
) -> Double {
    let stepsA = a.compactMap { $0["step"] as? Int }, stepsB = b.compactMap { $0["step"] as? Int }
    XCTAssertEqual(stepsA, stepsB, "\(what): metrics of different steps", file: file, line: line)
    XCTAssertFalse(stepsA.isEmpty, "\(what): no metrics", file: file, line: line)
    var largest = 0.0
    for (x, y) in zip(a, b) {
        for name in cycleGANLosses {
            guard let u = (x[name] as? NSNumber)?.doubleValue, let v = (y[name] as? NSNumber)?.doubleValue else {
                XCTFail("\(what): step \(x["step"] ?? "?") has no finite \(name)", file: file, line: line)
                continue
            }
            let difference = abs(u - v) / max(abs(v), 1e-12)
            largest = max(largest, difference)
            if relative == 0 ? u != v : !(difference <= relative) {
                XCTFail(
                    "\(what): step \(x["step"] ?? "?") \(name) is \(u) vs \(v) (relative difference \(difference))",
                    file: file, line: line)
            }
        }
    }
    return largest
}
