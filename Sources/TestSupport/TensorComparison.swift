// Comparing tensors against reference numbers with an absolute-plus-relative tolerance, and
// failure messages that say where and by how much they differ (tensor path, shape, the
// largest error and its index, the first few mismatching pairs side by side).
import TensorCore
import XCTest

/// How close an actual value `a` must be to an expected value `e`: |a − e| ≤ absolute +
/// relative · |e|, elementwise.
///
/// The relative term scales with the *expected* value only, so
/// the test is not symmetric; the absolute term covers expected values near zero.
///
/// ``standard`` (1e-5 absolute, 1e-4 relative) suits a Float32 op checked against a Float64
/// reference stored as Float32: Float32 has a unit roundoff of 6e-8, and the sums inside the
/// small test ops (up to a few hundred terms of size O(1)) stay well below 1e-5 absolute.
public struct Tolerance: Sendable, CustomStringConvertible {
    public var absolute: Double
    public var relative: Double

    public init(absolute: Double, relative: Double) {
        self.absolute = absolute
        self.relative = relative
    }

    /// 1e-5 absolute + 1e-4 relative.
    public static let standard = Tolerance(absolute: 1e-5, relative: 1e-4)

    /// Whether `actual` is within tolerance of `expected`.
    ///
    /// NaNs match only NaNs and infinities only the same infinity.
    public func accepts(_ actual: Double, _ expected: Double) -> Bool {
        if expected.isNaN || actual.isNaN { return expected.isNaN && actual.isNaN }
        if expected.isInfinite || actual.isInfinite { return expected == actual }
        return Swift.abs(actual - expected) <= absolute + relative * Swift.abs(expected)
    }

    public var description: String { "|a − e| ≤ \(absolute) + \(relative)·|e|" }
}

/// The multi-index of flat position `i` in a row-major `shape`.
public func multiIndex(_ i: Int, in shape: [Int]) -> [Int] {
    var rest = i
    var index = [Int](repeating: 0, count: shape.count)
    for d in stride(from: shape.count - 1, through: 0, by: -1) where shape[d] > 0 {
        index[d] = rest % shape[d]
        rest /= shape[d]
    }
    return index
}

/// Compares `actual` with `expected` (both row-major with the given shapes) and returns nil
/// when every element is within `tolerance`, otherwise a message naming `path`.
public func comparisonFailure(
    path: String, actual: [Double], actualShape: [Int],
    expected: [Double], expectedShape: [Int],
    tolerance: Tolerance = .standard, pairsShown: Int = 5
) -> String? {
    if actualShape != expectedShape || actual.count != expected.count {
        return "\(path): shape \(actualShape) differs from the expected \(expectedShape)"
    }
    var bad: [Int] = []
    var worst = -1, worstDiff = -1.0
    for i in 0..<actual.count {
        let d = Swift.abs(actual[i] - expected[i])
        let diff = d.isNaN ? Double.infinity : d
        if diff > worstDiff { worstDiff = diff; worst = i }
        if !tolerance.accepts(actual[i], expected[i]) { bad.append(i) }
    }
    if bad.isEmpty { return nil }
    func fmt(_ v: Double) -> String { String(format: "%.7g", v) }
    let pairs = bad.prefix(pairsShown).map { i in
        "\(multiIndex(i, in: actualShape)): \(fmt(actual[i])) vs \(fmt(expected[i]))"
    }.joined(separator: "; ")
    return "\(path): shape \(actualShape): \(bad.count) of \(actual.count) elements outside \(tolerance); "
        + "max abs difference \(fmt(worstDiff)) at \(multiIndex(worst, in: actualShape)) "
        + "(actual \(fmt(actual[worst])), expected \(fmt(expected[worst]))); "
        + "first mismatches (actual vs expected): \(pairs)"
}

/// Fails the current test when `actual` is not within `tolerance` of `expected`.
public func assertClose(
    _ actual: Tensor, _ expected: Tensor, _ tolerance: Tolerance = .standard,
    path: String, file: StaticString = #filePath, line: UInt = #line
) {
    if let message = comparisonFailure(
        path: path, actual: actual.values.map(Double.init), actualShape: actual.shape,
        expected: expected.values.map(Double.init), expectedShape: expected.shape, tolerance: tolerance)
    {
        XCTFail(message, file: file, line: line)
    }
}

/// Fails the current test when `actual` differs from the exact `expected` values or shape.
public func assertExactly(
    _ actual: Tensor?, shape: [Int], _ expected: [Float], path: String,
    file: StaticString = #filePath, line: UInt = #line
) {
    guard let actual else { return XCTFail("\(path): no tensor (expected shape \(shape))", file: file, line: line) }
    if let message = comparisonFailure(
        path: path, actual: actual.values.map(Double.init), actualShape: actual.shape,
        expected: expected.map(Double.init), expectedShape: shape, tolerance: Tolerance(absolute: 0, relative: 0))
    {
        XCTFail(message, file: file, line: line)
    }
}
