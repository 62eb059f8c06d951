// A section of the configuration (`data`, `train`, `cyclegan`, ...) is an options struct whose
// settings are declared once (Setting.swift). The section's type-erased schema lists its
// dotted keys with defaults; its values come back as the struct, built by the key paths, so
// no code reads a setting by a string key.

/// An options struct that is one section of the configuration.
public protocol ConfigSection {
    /// The defaults.
    init()
    /// The section's name: the YAML mapping key (`cyclegan`); "" for top-level keys.
    static var section: String { get }
    /// Every setting, in display order.
    static var settings: [Setting<Self>] { get }
}

/// One setting of a section, without its options type: what the schema lists.
public struct ConfigField: Sendable {
    /// The dotted key (`cyclegan.ngf`), or the bare name for a top-level key.
    public let key: String
    public let type: ConfigType
    public let defaultValue: ConfigValue
    public let bounds: Bounds
    public let help: String
    /// Why a value is invalid (its range), or `nil`.
    let check: @Sendable (ConfigValue) -> String?

    public init(
        key: String, type: ConfigType, defaultValue: ConfigValue, bounds: Bounds = .any, help: String,
        check: @escaping @Sendable (ConfigValue) -> String? = { _ in nil }
    ) {
        self.key = key
        self.type = type
        self.defaultValue = defaultValue
        self.bounds = bounds
        self.help = help
        self.check = check
    }

    /// Parses and validates `text` for this key; the error names `source`, the key and the problem.
    public func value(from text: String, source: String) throws -> ConfigValue {
        guard let value = type.parse(text) else {
            throw ConfigError("\(source): \(key) = '\(text)' is not \(type.expected)")
        }
        if let problem = check(value) { throw ConfigError("\(source): \(key) = \(text) \(problem)") }
        return value
    }
}

extension ConfigSection {
    /// The section's fields with their dotted keys and defaults.
    public static var fields: [ConfigField] {
        let defaults = Self()
        return settings.map { setting in
            ConfigField(
                key: section.isEmpty ? setting.name : section + "." + setting.name, type: setting.type,
                defaultValue: setting.read(defaults), bounds: setting.bounds, help: setting.help,
                check: { [setting] in setting.problem(with: $0) })
        }
    }

    /// The options built from resolved values (keys absent from `values` keep their defaults).
    public init(_ values: ConfigValues) {
        self.init()
        for setting in Self.settings {
            let key = Self.section.isEmpty ? setting.name : Self.section + "." + setting.name
            if let value = values[key] { setting.write(&self, value) }
        }
    }
}

/// Resolved values by dotted key.
public struct ConfigValues: Sendable, Equatable {
    public private(set) var values: [String: ConfigValue]
    public init(_ values: [String: ConfigValue] = [:]) { self.values = values }

    /// The value of `key`, if set.
    public subscript(key: String) -> ConfigValue? { values[key] }

    /// Sets a value (used while resolving).
    public mutating func set(_ key: String, _ value: ConfigValue) { values[key] = value }
}
