// A small, stable 64-bit hash (FNV-1a) for fingerprints: the same bytes give the same value on
// every machine, every run and every rank (unlike Swift's Hasher, which is seeded per process).

/// FNV-1a, 64 bits, fed incrementally.
///
/// ```swift
/// var h = StableHash()
/// h.combine("model.1.weight"); h.combine([64, 3, 7, 7])
/// h.hex   // "9ae16a3b2f90404f"
/// ```
public struct StableHash: Equatable, Sendable {
    /// The current hash value.
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    /// A hash of nothing yet.
    public init() {}

    /// Feeds raw bytes.
    public mutating func combine(bytes: UnsafeRawBufferPointer) {
        var h = value
        for byte in bytes {
            h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        value = h
    }

    /// Feeds a string's UTF-8 bytes followed by a terminator (so "ab","c" differs from "a","bc").
    public mutating func combine(_ string: String) {
        var s = string
        s.withUTF8 { combine(bytes: UnsafeRawBufferPointer($0)) }
        combine(UInt64(0xff))
    }

    /// Feeds an integer (8 bytes, little-endian).
    public mutating func combine(_ integer: UInt64) {
        withUnsafeBytes(of: integer.littleEndian) { combine(bytes: $0) }
    }

    /// Feeds a list of integers such as a shape, with its length first.
    public mutating func combine(_ integers: [Int]) {
        combine(UInt64(integers.count))
        for i in integers { combine(UInt64(bitPattern: Int64(i))) }
    }

    /// The value as 16 lowercase hex digits.
    public var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// The hash of `string`'s UTF-8 bytes, as hex (for a config text, say).
    public static func hex(of string: String) -> String {
        var h = StableHash()
        h.combine(string)
        return h.hex
    }
}
