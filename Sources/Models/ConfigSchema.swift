// The configuration schema: every setting is a dotted key with a type, a default and a help
// line. YAML files and `--set key=value` overrides are flattened onto these keys, so an unknown
// key is an error that can list the valid ones, and the resolved configuration can be printed
// and saved with every value spelled out. Each model declares its own section.
import Foundation

/// A configuration value.
public enum ConfigValue: Equatable, Sendable, CustomStringConvertible {
    case int(Int)
    case double(Double)
    case bool(Bool)
    case string(String)

    public var description: String {
        switch self {
        case .int(let v): return String(v)
        case .double(let v): return ConfigValue.format(v)
        case .bool(let v): return v ? "true" : "false"
        case .string(let v): return v
        }
    }

    /// Shortest decimal text that reads back as the same Double.
    static func format(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e15 { return String(format: "%.1f", v) }
        return "\(v)"
    }
}

/// The type of a configuration value, with validation.
public enum ConfigType: Sendable, Equatable {
    case int, double, bool
    /// One of the listed strings.
    case choice([String])
    case string

    /// Parses `text` (from YAML scalars or the command line) as this type.
    public func parse(_ text: String) -> ConfigValue? {
        switch self {
        case .int: return Int(text).map(ConfigValue.int)
        case .double: return Double(text).map(ConfigValue.double)
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
        case .double: return "a number"
        case .bool: return "true or false"
        case .choice(let options): return "one of " + options.joined(separator: ", ")
        case .string: return "a string"
        }
    }
}

/// One setting.
public struct ConfigField: Sendable {
    public let key: String
    public let type: ConfigType
    public let defaultValue: ConfigValue
    public let help: String

    public init(_ key: String, _ type: ConfigType, _ defaultValue: ConfigValue, _ help: String) {
        self.key = key
        self.type = type
        self.defaultValue = defaultValue
        self.help = help
    }
}

/// Resolved values keyed by dotted names; reading a key outside the schema is a programming error.
public struct ConfigValues: Sendable {
    public private(set) var values: [String: ConfigValue]
    public init(_ values: [String: ConfigValue]) { self.values = values }

    public func int(_ key: String) -> Int {
        switch values[key] {
        case .int(let v)?: return v
        case .double(let v)?: return Int(v)
        default: fatalError("config: \(key) is not an integer setting")
        }
    }

    public func double(_ key: String) -> Double {
        switch values[key] {
        case .double(let v)?: return v
        case .int(let v)?: return Double(v)
        default: fatalError("config: \(key) is not a numeric setting")
        }
    }

    public func float(_ key: String) -> Float { Float(double(key)) }

    public func bool(_ key: String) -> Bool {
        guard case .bool(let v)? = values[key] else { fatalError("config: \(key) is not a boolean setting") }
        return v
    }

    public func string(_ key: String) -> String {
        guard case .string(let v)? = values[key] else { fatalError("config: \(key) is not a string setting") }
        return v
    }

    /// Sets a value (used while resolving).
    public mutating func set(_ key: String, _ value: ConfigValue) { values[key] = value }
}
