// One setting declared once: its key, type, default, valid range and one-line help, bound to
// the stored property of an options struct by a key path. Parsing, validation, the resolved
// `config.yaml`, the start-up summary and `--set` all follow from this declaration; the
// default is the property's initial value, so nothing is written twice.
//
//     extension CycleGANOptions: ConfigSection {
//         public static let section = "cyclegan"
//         public static let settings: [Setting<Self>] = [
//             .int("ngf", \.ngf, .count(atMost: 4096), "generator filters in the first conv layer"),
//             .choice("gan_mode", \.ganMode, "adversarial loss"),
//         ]
//     }

/// A setting of the options struct `Root`.
public struct Setting<Root>: @unchecked Sendable {
    /// The key within its section (`ngf`; the dotted key is `cyclegan.ngf`).
    public let name: String
    public let type: ConfigType
    /// Valid values of a numeric setting.
    public let bounds: Bounds
    /// One line for `--help`-style listings and the start-up summary.
    public let help: String
    /// Reads the property.
    public let read: (Root) -> ConfigValue
    /// Writes the property from a value of `type` (already validated).
    public let write: (inout Root, ConfigValue) -> Void

    /// Why `value` is not valid for this setting, or `nil`.
    public func problem(with value: ConfigValue) -> String? {
        switch value {
        case .int(let v) where !bounds.contains(Double(v)): return "must be \(bounds)"
        case .double(let v) where !bounds.contains(v): return "must be \(bounds)"
        default: return nil
        }
    }
}

extension Setting {
    /// An integer property.
    public static func int(_ name: String, _ keyPath: WritableKeyPath<Root, Int>, _ bounds: Bounds, _ help: String) -> Setting {
        Setting(
            name: name, type: .int, bounds: bounds, help: help, read: { .int($0[keyPath: keyPath]) },
            write: { root, value in if case .int(let v) = value { root[keyPath: keyPath] = v } })
    }

    /// A Double property (finite).
    public static func double(
        _ name: String, _ keyPath: WritableKeyPath<Root, Double>, _ bounds: Bounds,
        _ help: String
    ) -> Setting {
        Setting(
            name: name, type: .double, bounds: bounds, help: help, read: { .double($0[keyPath: keyPath]) },
            write: { root, value in root[keyPath: keyPath] = value.doubleValue })
    }

    /// A Float property, stored and written as a Double (so `0.1` reads back as written).
    public static func float(
        _ name: String, _ keyPath: WritableKeyPath<Root, Float>, _ bounds: Bounds,
        _ help: String
    ) -> Setting {
        Setting(
            name: name, type: .double, bounds: bounds, help: help,
            read: { .double(Double(String($0[keyPath: keyPath])) ?? Double($0[keyPath: keyPath])) },
            write: { root, value in root[keyPath: keyPath] = Float(value.doubleValue) })
    }

    /// A Boolean property.
    public static func bool(_ name: String, _ keyPath: WritableKeyPath<Root, Bool>, _ help: String) -> Setting {
        Setting(
            name: name, type: .bool, bounds: .any, help: help, read: { .bool($0[keyPath: keyPath]) },
            write: { root, value in if case .bool(let v) = value { root[keyPath: keyPath] = v } })
    }

    /// A free-form string property (a path, a name).
    public static func string(_ name: String, _ keyPath: WritableKeyPath<Root, String>, _ help: String) -> Setting {
        Setting(
            name: name, type: .string, bounds: .any, help: help, read: { .string($0[keyPath: keyPath]) },
            write: { root, value in if case .string(let v) = value { root[keyPath: keyPath] = v } })
    }

    /// An enumeration property whose raw values are the accepted strings.
    public static func choice<E: RawRepresentable & CaseIterable>(
        _ name: String, _ keyPath: WritableKeyPath<Root, E>, _ help: String
    ) -> Setting where E.RawValue == String {
        Setting(
            name: name, type: .choice(E.allCases.map(\.rawValue)), bounds: .any, help: help,
            read: { .string($0[keyPath: keyPath].rawValue) },
            write: { root, value in
                if case .string(let v) = value, let e = E(rawValue: v) { root[keyPath: keyPath] = e }
            })
    }
}

extension ConfigValue {
    /// The value of a numeric setting as a Double.
    var doubleValue: Double {
        switch self {
        case .double(let v): return v
        case .int(let v): return Double(v)
        default: return .nan
        }
    }
}
