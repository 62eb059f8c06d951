// A run's configuration: a YAML file read onto the declared settings (the general sections and
// the chosen model's), then command-line overrides. Strict: an unknown key is an error naming
// the file, the line and the valid keys of its section; a value of the wrong type or outside
// its range names the expected values. The resolved configuration renders back to YAML (saved
// in the run folder and in every checkpoint) and has a stable hash for the start-up handshake.
import Checkpointing
import Configuration
import Foundation
import Models
import NN
import TensorCore

/// A resolved configuration: every declared key has a value.
public struct ExperimentConfig {
    /// The model chosen by the `model` key.
    public let registration: ModelRegistration
    /// All values (general and the model's section).
    public private(set) var values: ConfigValues
    /// The schema the values follow, in display order.
    public let fields: [ConfigField]

    public var run: RunOptions { RunOptions(values) }
    public var data: DataOptions { DataOptions(values) }
    public var train: TrainOptions { TrainOptions(values) }
    public var distributed: DistributedOptions { DistributedOptions(values) }
    public var compute: ComputeOptions { ComputeOptions(values) }
    public var debug: DebugOptions { DebugOptions(values) }

    /// The general sections, in display order (after `model`).
    static let generalFields: [ConfigField] =
        RunOptions.fields + DataOptions.fields + TrainOptions.fields + DistributedOptions.fields + ComputeOptions.fields
        + DebugOptions.fields

    /// Reads `path` and applies `overrides` ("key=value" strings, applied in order).
    public static func load(path: String, overrides: [String] = [], registry: ModelRegistry = .standard) throws -> ExperimentConfig {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigError("cannot read config file '\(path)'")
        }
        return try parse(yaml: text, source: path, overrides: overrides, registry: registry)
    }

    /// Parses YAML text (`source` names it in errors) and applies `overrides`.
    public static func parse(
        yaml text: String, source: String, overrides: [String] = [],
        registry: ModelRegistry = .standard
    ) throws -> ExperimentConfig {
        let document = try ConfigDocument(yaml: text, source: source)
        // The model decides which section is valid, so read it first (overrides may change it).
        var name = document["model"] ?? "cyclegan"
        for o in overrides where o.hasPrefix("model=") { name = String(o.dropFirst(6)) }
        guard let registration = registry.model(named: name) else {
            throw ConfigError("\(source): model '\(name)' is not one of \(registry.names.joined(separator: ", "))")
        }
        var config = ExperimentConfig(registration: registration, registry: registry)
        for (key, value) in registration.generalDefaults { try config.set(key, value, source: "\(name)'s defaults") }
        for entry in document.entries { try config.set(entry.key, entry.value, source: "\(source):\(entry.line)") }
        for o in overrides {
            guard let eq = o.firstIndex(of: "=") else { throw ConfigError("--set \(o): expected key=value") }
            try config.set(String(o[..<eq]), String(o[o.index(after: eq)...]), source: "--set")
        }
        return config
    }

    private init(registration: ModelRegistration, registry: ModelRegistry) {
        self.registration = registration
        let model = ConfigField(
            key: "model", type: .choice(registry.names), defaultValue: .string("cyclegan"),
            help: "which model to train")
        fields = [model] + ExperimentConfig.generalFields + registration.fields
        var v = ConfigValues()
        for f in fields { v.set(f.key, f.defaultValue) }
        v.set("model", .string(registration.name))
        values = v
    }

    /// Sets one key from text, validating the key and the value.
    public mutating func set(_ key: String, _ text: String, source: String) throws {
        guard let field = fields.first(where: { $0.key == key }) else {
            throw ConfigError(unknownKeyMessage(key, source: source))
        }
        if key == "model" && text != registration.name {
            throw ConfigError("\(source): model '\(text)' conflicts with '\(registration.name)' chosen earlier")
        }
        values.set(key, try field.value(from: text, source: source))
    }

    private func unknownKeyMessage(_ key: String, source: String) -> String {
        func section(_ k: String) -> String { k.split(separator: ".").dropLast().joined(separator: ".") }
        let sameSection = fields.filter { section($0.key) == section(key) }
        if sameSection.isEmpty || section(key).isEmpty {
            let sections = Array(Set(fields.map { section($0.key) })).filter { !$0.isEmpty }.sorted()
            let top = fields.map(\.key).filter { section($0).isEmpty }
            return "\(source): unknown key '\(key)'; sections for model \(model): \(sections.joined(separator: ", ")); "
                + "top-level keys: \(top.joined(separator: ", "))"
        }
        let names = sameSection.map { String($0.key.split(separator: ".").last!) }
        return "\(source): unknown key '\(key)'; valid keys in '\(section(key))': \(names.joined(separator: ", "))"
    }

    // MARK: - Output

    /// The configuration as YAML, every key in schema order, sections grouped.
    public func yaml() -> String { ConfigDocument.yaml(values, fields: fields) }

    /// The start-up summary: one line per key, `section.key: value`, with the default beside
    /// each value that differs from it.
    public func summary() -> String {
        fields.map { f in
            let value = values[f.key]!
            return "  \(f.key): \(value)" + (value != f.defaultValue ? "   (default: \(f.defaultValue))" : "")
        }.joined(separator: "\n")
    }

    /// A stable hash of the resolved configuration (hex), for the start-up handshake.
    public var hash: String { StableHash.hex(of: yaml()) }

    /// The values as nested dictionaries (sections as objects), for JSON output.
    public func jsonObject() -> [String: Any] {
        var root: [String: Any] = [:]
        for f in fields {
            let parts = f.key.split(separator: ".", maxSplits: 1).map(String.init)
            let value = values[f.key]!.jsonValue
            if parts.count == 1 { root[parts[0]] = value; continue }
            var section = root[parts[0]] as? [String: Any] ?? [:]
            section[parts[1]] = value
            root[parts[0]] = section
        }
        return root
    }

    /// The first key whose value differs between two resolved configurations, with both values.
    public static func firstDifference(_ a: ExperimentConfig, _ b: ExperimentConfig)
        -> (key: String, a: String, b: String)?
    {
        let keys = a.fields.map(\.key) + b.fields.map(\.key).filter { k in !a.fields.contains { $0.key == k } }
        for key in keys where a.values[key] != b.values[key] {
            return (key, a.values[key]?.description ?? "(absent)", b.values[key]?.description ?? "(absent)")
        }
        return nil
    }

    // MARK: - Typed access

    /// The model's name (`cyclegan`).
    public var model: String { registration.name }
    public var seed: UInt64 { UInt64(truncatingIfNeeded: run.seed) }
    public var globalBatch: Int { train.batchSize }
    public var steps: Int { train.steps }

    /// Builds the configured model (identical initialisation on every rank; per-rank state from
    /// (seed, rank)).
    public func makeModel(rank: Int, loadFrozenWeights: ((String, String, Module) throws -> Void)? = nil) throws -> GANModel {
        try registration.makeModel(values, context: ModelBuildContext(seed: seed, rank: rank, loadFrozenWeights: loadFrozenWeights))
    }
}
