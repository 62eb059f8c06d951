// The start-up handshake: every rank describes what it is about to train (code, config,
// parameter layout, data, batch), the descriptions are all-gathered, and any difference stops
// the job with one line naming the odd rank and the differing field.
import Foundation
import TensorCore

/// What a rank is about to train, compared across ranks before the first step.
///
/// Holds only world-size-independent facts: the same job with a different number of ranks has
/// the same fingerprint.
///
/// ```swift
/// let fingerprint = Fingerprint(codeVersion: "0.1.0", configHash: StableHash.hex(of: yaml),
///     parameterLayout: Fingerprint.layoutHash(of: paths), parameterCount: 14_142_916,
///     datasetHash: contentHash, datasetCounts: ["trainA": 1067, "trainB": 1334], globalBatch: 8, seed: 1)
/// try comm.verifyConsistency(fingerprint)   // throws DistributedError.mismatch on every rank
/// ```
public struct Fingerprint: Codable, Equatable, Sendable {
    /// The i2i version (or commit) of the running binary.
    public var codeVersion: String
    /// Hash of the resolved configuration.
    public var configHash: String
    /// Hash of the parameter paths and shapes, per network, in declaration order.
    public var parameterLayout: String
    /// Number of trainable parameters.
    public var parameterCount: Int
    /// The dataset's content hash.
    public var datasetHash: String
    /// Sample counts per dataset split.
    public var datasetCounts: [String: Int]
    /// The global batch size.
    public var globalBatch: Int
    /// The run's seed.
    public var seed: UInt64
    /// Any further facts to compare, by name.
    public var extra: [String: String]

    /// Creates a fingerprint.
    public init(
        codeVersion: String, configHash: String, parameterLayout: String, parameterCount: Int,
        datasetHash: String, datasetCounts: [String: Int], globalBatch: Int, seed: UInt64,
        extra: [String: String] = [:]
    ) {
        self.codeVersion = codeVersion
        self.configHash = configHash
        self.parameterLayout = parameterLayout
        self.parameterCount = parameterCount
        self.datasetHash = datasetHash
        self.datasetCounts = datasetCounts
        self.globalBatch = globalBatch
        self.seed = seed
        self.extra = extra
    }

    /// The compared fields as (name, value) in a fixed order; names are those of the messages.
    public var fields: [(name: String, value: String)] {
        var result: [(String, String)] = [
            ("code_version", codeVersion),
            ("config_hash", configHash),
            ("parameter_layout", parameterLayout),
            ("parameter_count", String(parameterCount)),
            ("dataset_hash", datasetHash),
            ("dataset_counts", datasetCounts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")),
            ("global_batch", String(globalBatch)),
            ("seed", String(seed)),
        ]
        for key in extra.keys.sorted() { result.append(("extra.\(key)", extra[key]!)) }
        return result
    }

    /// A ``StableHash`` of parameter paths and shapes in the given order (for ``parameterLayout``).
    public static func layoutHash(of parameters: [(path: String, shape: [Int])]) -> String {
        var hash = StableHash()
        for (path, shape) in parameters {
            hash.combine(path)
            hash.combine(shape)
        }
        return hash.hex
    }

    /// The first difference among `fingerprints` (one per rank, `nil` where unreadable), as a
    /// one-line message, or `nil` when all agree.
    ///
    /// For each field in order, the value held by most ranks is taken as the reference (rank
    /// 0's on a tie), and the lowest rank holding another value is named.
    public static func firstDifference(among fingerprints: [Fingerprint?]) -> String? {
        if let unreadable = fingerprints.firstIndex(where: { $0 == nil }) {
            return "rank \(unreadable) sent a fingerprint that cannot be read (are all ranks running the same i2i build?)"
        }
        let all = fingerprints.map { $0! }
        guard let first = all.first else { return nil }
        var names = first.fields.map(\.name)
        for f in all.dropFirst() { for n in f.fields.map(\.name) where !names.contains(n) { names.append(n) } }
        let tables = all.map { Dictionary($0.fields, uniquingKeysWith: { a, _ in a }) }
        for name in names {
            let values = tables.map { $0[name] ?? "(absent)" }
            guard Set(values).count > 1 else { continue }
            var votes = [String: Int]()
            for v in values { votes[v, default: 0] += 1 }
            let best = votes.values.max()!
            let reference = values.firstIndex { votes[$0] == best }!
            let odd = values.indices.first { values[$0] != values[reference] }!
            let oddCount = values.filter { $0 != values[reference] }.count
            let others = oddCount > 1 ? "; \(oddCount) of \(values.count) ranks differ" : ""
            return "rank \(odd) differs from rank \(reference) in \(name) "
                + "(rank \(odd): \(abbreviate(values[odd])), rank \(reference): \(abbreviate(values[reference])))\(others)"
        }
        return nil
    }

    private static func abbreviate(_ value: String) -> String {
        value.count > 24 ? String(value.prefix(23)) + "…" : value
    }
}

extension Communicator {
    /// All-gathers every rank's `fingerprint` and throws on every rank when any differs.
    ///
    /// - Throws: ``DistributedError/mismatch(_:)`` with a line such as
    ///   `rank 2 differs from rank 0 in config_hash (rank 2: 9c07…, rank 0: 3fa1…)`.
    public func verifyConsistency(_ fingerprint: Fingerprint) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let mine = try encoder.encode(fingerprint)
        let gathered = allGather([UInt8](mine))
        let decoded = gathered.map { try? JSONDecoder().decode(Fingerprint.self, from: Data($0)) }
        if let difference = Fingerprint.firstDifference(among: decoded) {
            throw DistributedError.mismatch(difference)
        }
    }
}
