// Replica-drift detection: a cheap checksum of the flat parameter buffers, compared across
// ranks every K steps. Ranks apply identical averaged gradients to identical parameters, so
// their parameters must stay bit-identical; any difference means a bug or a non-deterministic
// reduction, and continuing would silently train N different models.
import TensorCore

/// A checksum of parameter buffers: an exact hash of their bits plus their sum (for messages).
public struct ParameterChecksum: Equatable, Sendable {
    /// ``StableHash`` of every float's bit pattern, buffer by buffer, each followed by its length.
    public let hash: UInt64
    /// Sum of all values in Double precision.
    public let sum: Double
    /// Number of floats.
    public let count: Int

    /// Computes the checksum of `buffers`, in order.
    public init(_ buffers: [UnsafeBufferPointer<Float>]) {
        var h = StableHash()
        var sum = 0.0
        var count = 0
        for buffer in buffers {
            h.combine(buffer)
            h.combine(UInt64(buffer.count))
            for v in buffer { sum += Double(v) }
            count += buffer.count
        }
        hash = h.value
        self.sum = sum
        self.count = count
    }
}

extension Communicator {
    /// Compares the checksum of `buffers` (this rank's parameters, in a fixed order) across
    /// ranks and throws on every rank when any rank's differs from rank 0's.
    ///
    /// Call it every K steps at the same point on every rank; it costs one pass over the
    /// parameters and an all-gather of a few bytes.
    ///
    /// - Throws: ``DistributedError/parameterDrift(_:)`` naming the ranks that differ.
    public func verifyParametersAgree(_ buffers: [UnsafeBufferPointer<Float>]) throws {
        let checksum = ParameterChecksum(buffers)
        var record = [checksum.hash, checksum.sum.bitPattern, UInt64(checksum.count)]
        let bytes = record.withUnsafeMutableBytes { [UInt8]($0) }
        let all = allGather(bytes).map { b -> [UInt64] in
            b.withUnsafeBytes { Array($0.bindMemory(to: UInt64.self)) }
        }
        let reference = all[0]
        let odd = all.indices.filter { all[$0] != reference }
        guard let first = odd.first else { return }
        let list = odd.count == 1 ? "rank \(first) differs" : "ranks " + odd.map(String.init).joined(separator: ", ") + " differ"
        throw DistributedError.parameterDrift(
            "parameters differ across ranks at step \(step): \(list) from rank 0 "
                + "(sum \(Double(bitPattern: all[first][1])) on rank \(first), \(Double(bitPattern: reference[1])) on rank 0)")
    }
}
