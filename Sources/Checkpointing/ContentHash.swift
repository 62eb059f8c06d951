// A fast, stable 64-bit hash of byte buffers (checkpoint checksums). Not cryptographic: it
// guards against torn writes and bit rot, not against tampering. Processes 8 bytes per round
// with a multiply–xor–rotate mix, then the tail bytes, then a final avalanche.

/// Incremental 64-bit content hash.
public struct ContentHash: Sendable {
    private var state: UInt64 = 0x2545_F491_4F6C_DD1D
    private var length: UInt64 = 0

    public init() {}

    /// Mixes `count` bytes at `pointer` into the hash.
    public mutating func update(_ pointer: UnsafeRawPointer, count: Int) {
        var h = state
        let words = count / 8
        for i in 0..<words {
            let w = pointer.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)
            h = (h ^ (w &* 0x9E37_79B9_7F4A_7C15)) &* 0xBF58_476D_1CE4_E5B9
            h = (h << 31) | (h >> 33)
        }
        for i in (words * 8)..<count {
            h = (h ^ UInt64(pointer.load(fromByteOffset: i, as: UInt8.self))) &* 0x0000_0100_0000_01B3
        }
        state = h
        length &+= UInt64(count)
    }

    /// Mixes a buffer of floats.
    public mutating func update(_ values: UnsafeBufferPointer<Float>) {
        guard let base = values.baseAddress else { return }
        update(UnsafeRawPointer(base), count: values.count * 4)
    }

    /// Mixes a string's UTF-8 bytes.
    public mutating func update(_ text: String) {
        var copy = text
        copy.withUTF8 { bytes in
            if let base = bytes.baseAddress { update(UnsafeRawPointer(base), count: bytes.count) }
        }
    }

    /// The digest as 16 hex digits.
    public var hex: String {
        var z = state ^ length
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let s = String(z, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    /// The hash of one float buffer.
    public static func of(_ values: UnsafeBufferPointer<Float>) -> String {
        var h = ContentHash()
        h.update(values)
        return h.hex
    }
}
