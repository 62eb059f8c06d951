// Where a step's time goes: an opt-in accumulator of wall time per kernel family.
// Off by default; when off, each measured region costs one branch.
import Foundation

/// Accumulates wall time per category while enabled (`i2i bench train --profile`).
public enum Profiler {
    /// Kernel families that the report separates.
    public enum Category: Int, CaseIterable, Sendable {
        case convForward, convBackwardData, convBackwardWeight, im2col, col2im
        case norm, elementwise, reduction, pooling, padding, optimizer, communication, dataLoading, other

        /// A short label for reports.
        public var label: String {
            switch self {
            case .convForward: return "conv forward (GEMM)"
            case .convBackwardData: return "conv backward-data (GEMM)"
            case .convBackwardWeight: return "conv backward-weight (GEMM)"
            case .im2col: return "im2col"
            case .col2im: return "col2im"
            case .norm: return "normalisation"
            case .elementwise: return "elementwise"
            case .reduction: return "reductions and losses"
            case .pooling: return "pooling and resampling"
            case .padding: return "padding"
            case .optimizer: return "optimiser"
            case .communication: return "communication"
            case .dataLoading: return "data loading"
            case .other: return "other"
            }
        }
    }

    /// Whether regions are timed.
    public static var isEnabled = false
    private static var seconds = [Double](repeating: 0, count: Category.allCases.count)
    private static var calls = [Int](repeating: 0, count: Category.allCases.count)

    /// Times `body` under `category` when enabled. Nested regions are counted in both.
    @inline(__always)
    public static func measure<T>(_ category: Category, _ body: () throws -> T) rethrows -> T {
        if !isEnabled { return try body() }
        let start = DispatchTime.now().uptimeNanoseconds
        defer {
            seconds[category.rawValue] += Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
            calls[category.rawValue] += 1
        }
        return try body()
    }

    /// Clears the accumulated times.
    public static func reset() {
        seconds = [Double](repeating: 0, count: Category.allCases.count)
        calls = [Int](repeating: 0, count: Category.allCases.count)
    }

    /// Accumulated (category, seconds, calls), in category order.
    public static var report: [(category: Category, seconds: Double, calls: Int)] {
        Category.allCases.map { ($0, seconds[$0.rawValue], calls[$0.rawValue]) }
    }
}
