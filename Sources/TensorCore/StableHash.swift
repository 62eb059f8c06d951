// The project's one stable hash: 64-bit FNV-1a, for every value that must come out the same in
// every run, process, rank and machine — stream keys derived from purpose names, the train/test
// split of a file by its name, the start-up fingerprint of a distributed job, parameter
// checksums. Swift's `Hasher` is never used for these: the standard library seeds it randomly
// at each process start.
//
// FNV-1a (Fowler, Noll and Vo): start from the offset basis 0xcbf29ce484222325 and, for each
// byte, xor it in and multiply by the prime 0x100000001b3 (mod 2⁶⁴). Constants and test vectors
// as in golang/go, src/hash/fnv/fnv.go (`offset64`, `prime64`) and src/hash/fnv/fnv_test.go
// (`golden64a`). It is not cryptographic: it tells accidental differences apart, not forged
// ones (dataset files use SHA-256 for their content hash).
//
// FNV-1a's high bits depend weakly on the last bytes, so where a value must be spread evenly
// (a number in [0, 1), a random stream key) pass it through ``StableHash/mix(_:)``, the
// SplitMix64 output function (Steele, Lea and Flood, "Fast splittable pseudorandom number
// generators", OOPSLA 2014; constants as in Vigna's public splitmix64.c).

/// A stable 64-bit hash (FNV-1a), fed incrementally: equal inputs give equal values everywhere.
///
/// ```swift
/// var h = StableHash()
/// h.combine("model.1.weight"); h.combine([64, 3, 7, 7])
/// h.hex                           // "818b83db604c8e5f"
/// StableHash.value(of: "augment") // 0x6593e2d28bfde1d8, FNV-1a of the UTF-8 bytes alone
/// ```
public struct StableHash: Hashable, Sendable {
    /// FNV-1a's 64-bit offset basis: the hash of no bytes.
    public static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    /// FNV-1a's 64-bit prime.
    public static let prime: UInt64 = 0x0000_0100_0000_01b3

    /// The hash of everything fed so far.
    public private(set) var value: UInt64 = StableHash.offsetBasis

    /// A hash of nothing yet.
    public init() {}

    // MARK: - Feeding

    /// Feeds raw bytes, in order.
    public mutating func combine(bytes: UnsafeRawBufferPointer) {
        var h = value
        for byte in bytes {
            h = (h ^ UInt64(byte)) &* StableHash.prime
        }
        value = h
    }

    /// Feeds a string's UTF-8 bytes and then the byte 0xFF, which UTF-8 never uses, so that a
    /// sequence of strings is unambiguous ("ab", "c" differs from "a", "bc").
    public mutating func combine(_ string: String) {
        var s = string
        s.withUTF8 { combine(bytes: UnsafeRawBufferPointer($0)) }
        value = (value ^ 0xff) &* StableHash.prime
    }

    /// Feeds an integer as 8 bytes, little-endian.
    public mutating func combine(_ integer: UInt64) {
        withUnsafeBytes(of: integer.littleEndian) { combine(bytes: $0) }
    }

    /// Feeds a list of integers such as a shape: its length, then each element.
    public mutating func combine(_ integers: [Int]) {
        combine(UInt64(integers.count))
        for i in integers { combine(UInt64(bitPattern: Int64(i))) }
    }

    /// Feeds the bit patterns of floats, 4 bytes each, little-endian (so `-0.0` differs from
    /// `0.0`, and a NaN's payload counts).
    public mutating func combine(_ floats: UnsafeBufferPointer<Float>) {
        #if _endian(little)
            combine(bytes: UnsafeRawBufferPointer(floats))
        #else
            for f in floats { withUnsafeBytes(of: f.bitPattern.littleEndian) { combine(bytes: $0) } }
        #endif
    }

    // MARK: - Reading

    /// The value as 16 lowercase hexadecimal digits.
    public var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// FNV-1a of a string's UTF-8 bytes alone (no terminator).
    public static func value(of string: String) -> UInt64 {
        var h = StableHash()
        var s = string
        s.withUTF8 { h.combine(bytes: UnsafeRawBufferPointer($0)) }
        return h.value
    }

    /// ``value(of:)`` as 16 lowercase hexadecimal digits (for a configuration text, say).
    public static func hex(of string: String) -> String {
        var h = StableHash()
        h.value = value(of: string)
        return h.hex
    }

    /// SplitMix64's output for the state `x`: adds the golden-ratio increment 0x9e3779b97f4a7c15,
    /// then mixes so that every output bit depends on every input bit.
    public static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
