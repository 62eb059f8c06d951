// Loading a run's configuration: a YAML file flattened onto the schema's dotted keys, then
// command-line overrides. Strict: an unknown key is an error naming the file, the line and the
// valid keys of its section; a value of the wrong type names the expected type. The resolved
// configuration renders back to YAML (saved in the run folder and in every checkpoint) and
// has a stable hash for the start-up handshake.
import Foundation
import Models
import Yams

/// A configuration problem, reported as one line (exit status 2).
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A resolved configuration: every schema key has a value.
public struct ExperimentConfig {
    /// The model chosen by the `model` key.
    public let model: ModelKind
    /// All values (general and the model's section).
    public private(set) var values: ConfigValues
    /// The schema the values follow, in display order.
    public let fields: [ConfigField]

    /// Reads `path` and applies `overrides` ("key=value" strings, applied in order).
    public static func load(path: String, overrides: [String] = []) throws -> ExperimentConfig {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigError("cannot read config file '\(path)'")
        }
        return try parse(yaml: text, source: path, overrides: overrides)
    }

    /// Parses YAML text (`source` names it in errors) and applies `overrides`.
    public static func parse(yaml text: String, source: String, overrides: [String] = []) throws -> ExperimentConfig {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw ConfigError("\(source): not valid YAML: \(String(describing: error).split(separator: "\n").first ?? "")")
        }
        var flat: [(key: String, value: String, line: Int)] = []
        if let node { try flatten(node, prefix: "", into: &flat, source: source) }
        // The model decides which section is valid, so read it first (overrides may change it).
        var modelName = flat.last { $0.key == "model" }?.value ?? "cyclegan"
        for o in overrides where o.hasPrefix("model=") { modelName = String(o.dropFirst(6)) }
        guard let kind = ModelKind(rawValue: modelName) else {
            throw ConfigError("\(source): model '\(modelName)' is not one of \(ModelKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let fields = ExperimentSchema.general + ExperimentSchema.fields(for: kind)
        var config = ExperimentConfig(model: kind, fields: fields)
        for entry in flat { try config.set(entry.key, entry.value, source: "\(source):\(entry.line)") }
        for o in overrides {
            guard let eq = o.firstIndex(of: "=") else { throw ConfigError("--set \(o): expected key=value") }
            try config.set(String(o[..<eq]), String(o[o.index(after: eq)...]), source: "--set")
        }
        return config
    }

    private init(model: ModelKind, fields: [ConfigField]) {
        self.model = model
        self.fields = fields
        var v: [String: ConfigValue] = [:]
        for f in fields { v[f.key] = f.defaultValue }
        self.values = ConfigValues(v)
    }

    /// Sets one key from text, validating the key and the value.
    public mutating func set(_ key: String, _ text: String, source: String) throws {
        guard let field = fields.first(where: { $0.key == key }) else {
            throw ConfigError(unknownKeyMessage(key, source: source))
        }
        if key == "model" && text != model.rawValue {
            throw ConfigError("\(source): model '\(text)' conflicts with '\(model.rawValue)' chosen earlier")
        }
        guard let value = field.type.parse(text) else {
            throw ConfigError("\(source): \(key) = '\(text)' is not \(field.type.expected)")
        }
        values.set(key, value)
    }

    private func unknownKeyMessage(_ key: String, source: String) -> String {
        let section = key.split(separator: ".").dropLast().joined(separator: ".")
        let sameSection = fields.filter { $0.key.split(separator: ".").dropLast().joined(separator: ".") == section }
        if sameSection.isEmpty {
            let sections = Array(Set(fields.map { $0.key.split(separator: ".").dropLast().joined(separator: ".") }))
                .filter { !$0.isEmpty }.sorted()
            return "\(source): unknown key '\(key)'; sections for model \(model.rawValue): \(sections.joined(separator: ", ")); top-level keys: model, seed"
        }
        let names = sameSection.map { String($0.key.split(separator: ".").last!) }
        return "\(source): unknown key '\(key)'; valid keys in '\(section)': \(names.joined(separator: ", "))"
    }

    private static func flatten(_ node: Node, prefix: String, into out: inout [(key: String, value: String, line: Int)],
                                source: String) throws {
        switch node {
        case .mapping(let mapping):
            for (k, v) in mapping {
                guard let name = k.string else { throw ConfigError("\(source): keys must be plain names") }
                try flatten(v, prefix: prefix.isEmpty ? name : prefix + "." + name, into: &out, source: source)
            }
        case .scalar(let scalar):
            out.append((prefix, scalar.string, (node.mark?.line ?? 0)))
        default:
            throw ConfigError("\(source):\(node.mark?.line ?? 0): \(prefix) must be a single value or a section")
        }
    }

    /// The configuration as YAML, every key in schema order, sections grouped; values that
    /// differ from the defaults are marked when `markChanged`.
    public func yaml(markChanged: Bool = false) -> String {
        var lines: [String] = []
        var currentSection = ""
        for f in fields {
            let parts = f.key.split(separator: ".").map(String.init)
            let section = parts.count > 1 ? parts[0] : ""
            if section != currentSection {
                if !section.isEmpty { lines.append("\(section):") }
                currentSection = section
            }
            let value = values.values[f.key]!
            var text = value.description
            if case .string = value, text.isEmpty || text.contains(":") || text.contains("#") { text = "\"\(text)\"" }
            let indent = section.isEmpty ? "" : "  "
            let mark = markChanged && value != f.defaultValue ? "   # default: \(f.defaultValue)" : ""
            lines.append("\(indent)\(parts.last!): \(text)\(mark)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A stable hash of the resolved configuration (hex), for the start-up handshake.
    public var hash: String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in yaml().utf8 { h ^= UInt64(byte); h = h &* 0x0000_0100_0000_01b3 }
        return String(h, radix: 16)
    }

    // MARK: - Typed access

    public var seed: UInt64 { UInt64(truncatingIfNeeded: values.int("seed")) }
    public var globalBatch: Int { values.int("train.batch_size") }
    public var steps: Int { values.int("train.steps") }
}

extension ExperimentConfig {
    /// The values as nested dictionaries (sections as objects), for JSON output.
    public func jsonObject() -> [String: Any] {
        var root: [String: Any] = [:]
        for f in fields {
            let parts = f.key.split(separator: ".").map(String.init)
            let value: Any
            switch values.values[f.key]! {
            case .int(let v): value = v
            case .double(let v): value = v
            case .bool(let v): value = v
            case .string(let v): value = v
            }
            if parts.count == 1 { root[parts[0]] = value; continue }
            var section = root[parts[0]] as? [String: Any] ?? [:]
            section[parts[1...].joined(separator: ".")] = value
            root[parts[0]] = section
        }
        return root
    }
}
