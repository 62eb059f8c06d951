// The valid range of a numeric setting, checked when a value is set (from a file or `--set`)
// so that a width of 0 or a learning rate of 1e9 is one error line naming the key, not a
// crash or a run that trains on nonsense.

/// An interval of valid values; either end may be open or absent.
public struct Bounds: Sendable, Equatable, CustomStringConvertible {
    /// The lower end and whether it is included.
    public var lower: (value: Double, inclusive: Bool)?
    /// The upper end and whether it is included.
    public var upper: (value: Double, inclusive: Bool)?

    public init(lower: (value: Double, inclusive: Bool)? = nil, upper: (value: Double, inclusive: Bool)? = nil) {
        self.lower = lower
        self.upper = upper
    }

    /// Any value.
    public static let any = Bounds()
    /// x ≥ `value`.
    public static func atLeast(_ value: Double) -> Bounds { Bounds(lower: (value, true)) }
    /// x > `value`.
    public static func above(_ value: Double) -> Bounds { Bounds(lower: (value, false)) }
    /// `low` ≤ x ≤ `high`.
    public static func within(_ low: Double, _ high: Double) -> Bounds { Bounds(lower: (low, true), upper: (high, true)) }
    /// `low` ≤ x < `high`.
    public static func from(_ low: Double, below high: Double) -> Bounds { Bounds(lower: (low, true), upper: (high, false)) }
    /// 0 < x ≤ `high`.
    public static func positive(atMost high: Double) -> Bounds { Bounds(lower: (0, false), upper: (high, true)) }
    /// 1 ≤ x ≤ `high`: counts and widths.
    public static func count(atMost high: Double) -> Bounds { within(1, high) }

    /// Whether `x` lies in the interval.
    public func contains(_ x: Double) -> Bool {
        if let lower, lower.inclusive ? x < lower.value : x <= lower.value { return false }
        if let upper, upper.inclusive ? x > upper.value : x >= upper.value { return false }
        return true
    }

    /// "≥ 1", "> 0", "in [0, 1)", "in [1, 4096]", or "any value".
    public var description: String {
        func text(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)" }
        switch (lower, upper) {
        case (nil, nil): return "any value"
        case let (l?, nil): return (l.inclusive ? "≥ " : "> ") + text(l.value)
        case let (nil, u?): return (u.inclusive ? "≤ " : "< ") + text(u.value)
        case let (l?, u?): return "in " + (l.inclusive ? "[" : "(") + text(l.value) + ", " + text(u.value) + (u.inclusive ? "]" : ")")
        }
    }

    public static func == (a: Bounds, b: Bounds) -> Bool {
        a.lower?.value == b.lower?.value && a.lower?.inclusive == b.lower?.inclusive
            && a.upper?.value == b.upper?.value && a.upper?.inclusive == b.upper?.inclusive
    }
}
