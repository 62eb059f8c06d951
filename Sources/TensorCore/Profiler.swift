// Where a step's time goes: an opt-in accumulator of wall time (and GEMM FLOPs) per kernel
// family. Off by default; when off, each measured region costs one branch.
//
// Time is *exclusive*: while a region runs inside another (im2col inside a conv forward, an
// allocation inside anything), the time belongs to the innermost one, so the categories add
// up to the time spent inside measured regions, and a step's wall time minus that sum is the
// framework's own overhead (graph bookkeeping, closures, small ops nobody measures). Only the
// thread that enabled the profiler records; parallel loops are measured around, not inside.
import Foundation

/// Accumulates wall time per category while enabled (`i2i bench train --profile`).
public enum Profiler {
    /// Kernel families that the report separates.
    public enum Category: Int, CaseIterable, Sendable {
        case convForward, convBackwardData, convBackwardWeight, im2col, col2im
        case norm, elementwise, reduction, pooling, padding, optimizer, communication, dataLoading, other
        case allocation, backwardEngine
        case winogradInput, winogradOutput, winogradWeights

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
            case .allocation: return "allocation and zero-fill"
            case .backwardEngine: return "gradient accumulation"
            case .winogradInput: return "Winograd input transforms"
            case .winogradOutput: return "Winograd output transforms"
            case .winogradWeights: return "Winograd weight transforms"
            }
        }
    }

    /// Time source: wall time, or the recording thread's CPU time (with one compute thread, a
    /// measure of the work itself that other processes on a busy machine do not disturb).
    public static var usesThreadCPUTime = false

    @inline(__always)
    private static func clock() -> UInt64 {
        if usesThreadCPUTime {
            var t = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
            return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
        }
        return DispatchTime.now().uptimeNanoseconds
    }

    /// Whether regions are timed.
    ///
    /// Set it from the thread that runs the step.
    public static var isEnabled = false {
        didSet { owner = pthread_self() }
    }
    private static var owner = pthread_self()
    private static var seconds = [Double](repeating: 0, count: Category.allCases.count)
    private static var calls = [Int](repeating: 0, count: Category.allCases.count)
    private static var flops = [Double](repeating: 0, count: Category.allCases.count)
    /// Open regions, innermost last, and when the innermost last started or resumed.
    private static var stack: [Int] = []
    private static var resumed: UInt64 = 0

    @inline(__always)
    private static var recording: Bool { isEnabled && pthread_equal(pthread_self(), owner) != 0 }

    /// Times `body` under `category` when enabled (exclusive of nested regions).
    @inline(__always)
    public static func measure<T>(_ category: Category, _ body: () throws -> T) rethrows -> T {
        if !isEnabled { return try body() }
        return try measureSlow(category, body)
    }

    @inline(never)
    private static func measureSlow<T>(_ category: Category, _ body: () throws -> T) rethrows -> T {
        guard recording else { return try body() }
        let start = clock()
        if let outer = stack.last { seconds[outer] += Double(start &- resumed) * 1e-9 }
        stack.append(category.rawValue)
        resumed = start
        calls[category.rawValue] += 1
        defer {
            let end = clock()
            seconds[category.rawValue] += Double(end &- resumed) * 1e-9
            stack.removeLast()
            resumed = end
        }
        return try body()
    }

    /// Adds `count` floating-point operations to the innermost open region (GEMMs call this,
    /// so the report can give a rate per category).
    @inline(__always)
    public static func addFlops(_ count: Double) {
        if !isEnabled { return }
        guard recording, let top = stack.last else { return }
        flops[top] += count
    }

    /// Clears the accumulated times.
    public static func reset() {
        seconds = [Double](repeating: 0, count: Category.allCases.count)
        calls = [Int](repeating: 0, count: Category.allCases.count)
        flops = [Double](repeating: 0, count: Category.allCases.count)
    }

    /// Accumulated (category, seconds, calls), in category order.
    public static var report: [(category: Category, seconds: Double, calls: Int)] {
        Category.allCases.map { ($0, seconds[$0.rawValue], calls[$0.rawValue]) }
    }

    /// Accumulated GEMM FLOPs per category, in category order.
    public static var flopReport: [(category: Category, flops: Double)] {
        Category.allCases.map { ($0, flops[$0.rawValue]) }
    }
}
