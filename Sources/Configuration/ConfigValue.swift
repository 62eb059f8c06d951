// The values a configuration key can hold and the types that parse them. YAML scalars and
// `--set key=value` overrides arrive as text; a key's type turns the text into a value or
// names what it expected.
import Foundation

/// A configuration value.
public enum ConfigValue: Equatable, Sendable, CustomStringConvertible {
    case int(Int)
    case double(Double)
    case bool(Bool)
    case string(String)

    /// The value as written in YAML and in error messages.
    public var description: String {
        switch self {
        case .int(let v): return String(v)
        case .double(let v): return ConfigValue.format(v)
        case .bool(let v): return v ? "true" : "false"
        case .string(let v): return v
        }
    }

    /// The value as a JSON-compatible object.
    public var jsonValue: Any {
        switch self {
        case .int(let v): return v
        case .double(let v): return v
        case .bool(let v): return v
        case .string(let v): return v
        }
    }

    /// Shortest decimal text that reads back as the same Double (integral values keep a
    /// ".0", so that they read back as numbers of the same type).
    static func format(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e15 { return String(format: "%.1f", v) }
        return "\(v)"
    }
}

/// The type of a configuration value.
public enum ConfigType: Sendable, Equatable {
    case int, double, bool
    /// One of the listed strings.
    case choice([String])
    case string

    /// Parses `text` (a YAML scalar or a command-line value) as this type; `nil` when it is not
    /// one.
    ///
    /// Numbers must be finite: `1e9999` and `nan` are not numbers here.
    public func parse(_ text: String) -> ConfigValue? {
        switch self {
        case .int: return Int(text).map(ConfigValue.int)
        case .double:
            guard let v = Double(text), v.isFinite else { return nil }
            return .double(v)
        case .bool:
            switch text.lowercased() {
            case "true", "yes", "on", "1": return .bool(true)
            case "false", "no", "off", "0": return .bool(false)
            default: return nil
            }
        case .choice(let options): return options.contains(text) ? .string(text) : nil
        case .string: return .string(text)
        }
    }

    /// What `parse` accepts, for error messages.
    public var expected: String {
        switch self {
        case .int: return "an integer"
        case .double: return "a finite number"
        case .bool: return "true or false"
        case .choice(let options): return "one of " + options.joined(separator: ", ")
        case .string: return "a string"
        }
    }
}

/// A configuration problem, reported as one line (exit status 2).
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
