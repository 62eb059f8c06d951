// A configuration document: YAML read with Yams into dotted keys with their line numbers, and
// resolved values written back as YAML with Yams (sections as nested mappings, keys in schema
// order). One path for both directions, so what i2i writes is what it reads.
import Foundation
import Yams

/// A YAML configuration flattened to dotted keys.
public struct ConfigDocument {
    /// One scalar of the document.
    public struct Entry: Equatable {
        public let key: String
        public let value: String
        /// 1-based line of the value in the source (0 when unknown).
        public let line: Int
    }

    /// The scalars, in document order.
    public let entries: [Entry]

    /// Parses YAML text; `source` names it in errors.
    ///
    /// Only mappings of scalars are allowed.
    public init(yaml text: String, source: String) throws {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw ConfigError("\(source): not valid YAML: \(String(describing: error).split(separator: "\n").first ?? "")")
        }
        var flat: [Entry] = []
        if let node {
            guard case .mapping = node else { throw ConfigError("\(source): expected a mapping of keys to values at the top") }
            try ConfigDocument.flatten(node, prefix: "", into: &flat, source: source)
        }
        entries = flat
    }

    /// The value of `key` as text, if present.
    public subscript(key: String) -> String? { entries.last { $0.key == key }?.value }

    private static func flatten(_ node: Node, prefix: String, into out: inout [Entry], source: String) throws {
        let line = (node.mark?.line ?? 0)
        switch node {
        case .mapping(let mapping):
            for (k, v) in mapping {
                guard let name = k.string, !name.isEmpty, !name.contains(".") else {
                    throw ConfigError("\(source):\(k.mark?.line ?? line): keys must be plain names")
                }
                try flatten(v, prefix: prefix.isEmpty ? name : prefix + "." + name, into: &out, source: source)
            }
        case .scalar(let scalar):
            out.append(Entry(key: prefix, value: scalar.string, line: line))
        default:
            throw ConfigError("\(source):\(line): \(prefix) must be a single value or a section")
        }
    }

    /// YAML text of `values` for `fields` (in their order, sections as nested mappings).
    public static func yaml(_ values: ConfigValues, fields: [ConfigField]) -> String {
        // Top-level keys and sections, in the order of their first field.
        enum Item { case key(Node, Node), section(String, [(Node, Node)]) }
        var items: [Item] = []
        for field in fields {
            let value = values[field.key] ?? field.defaultValue
            let scalar = Node.scalar(.init(value.description, Tag(.implicit), value.isQuotedInYAML ? .doubleQuoted : .plain))
            let parts = field.key.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2 else {
                items.append(.key(Node(parts[0]), scalar))
                continue
            }
            let existing = items.firstIndex { if case .section(parts[0], _) = $0 { return true } else { return false } }
            if let i = existing, case .section(let name, let pairs) = items[i] {
                items[i] = .section(name, pairs + [(Node(parts[1]), scalar)])
            } else {
                items.append(.section(parts[0], [(Node(parts[1]), scalar)]))
            }
        }
        let top: [(Node, Node)] = items.map { item in
            switch item {
            case .key(let k, let v): return (k, v)
            case .section(let name, let pairs): return (Node(name), Node.mapping(.init(pairs)))
            }
        }
        return (try? Yams.serialize(node: Node.mapping(.init(top)), sortKeys: false)) ?? ""
    }
}

extension ConfigValue {
    /// Strings that YAML would read as another type, or that carry YAML syntax, are quoted.
    var isQuotedInYAML: Bool {
        guard case .string(let s) = self else { return false }
        if s.isEmpty || s.contains(":") || s.contains("#") || s.hasPrefix(" ") || s.hasSuffix(" ") { return true }
        return ConfigType.bool.parse(s) != nil || Double(s) != nil || ["null", "~"].contains(s.lowercased())
    }
}
