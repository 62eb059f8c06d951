// Seeded, counter-based random numbers (Philox-4x32-10, Salmon et al., SC 2011).
//
// A stream is a key plus a 64-bit counter: its state is two integers, it can be saved in a
// checkpoint and restored exactly, and independent streams come from independent keys. Keys
// are derived from (seed, rank, purpose) — or from any list of integers, such as (seed, epoch,
// sample index) for data augmentation — with fixed hashes (``StableHash`` for the purpose name,
// SplitMix64 to mix the integers), never Swift's per-process seeded `Hasher`.
import Foundation

/// A reproducible stream of random numbers.
///
/// ```swift
/// var init = RandomStream(seed: 42, rank: 0, purpose: "init")
/// let w = Tensor.normal([64, 3, 7, 7], mean: 0, std: 0.02, using: &init)
/// ```
public struct RandomStream: Sendable, Equatable {
    /// The 64-bit key that selects the stream.
    public private(set) var key: UInt64
    /// How many 128-bit blocks have been consumed.
    public private(set) var counter: UInt64
    private var block: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
    private var used = 4

    /// The stream for `purpose` on `rank` of a run seeded with `seed`.
    public init(seed: UInt64, rank: Int = 0, purpose: String) {
        self.init(key: RandomStream.mix([seed, UInt64(bitPattern: Int64(rank)), StableHash.value(of: purpose)]))
    }

    /// The stream keyed by a list of integers (for example seed, epoch and sample index).
    public init(components: [UInt64]) {
        self.init(key: RandomStream.mix(components))
    }

    /// The stream with an explicit key and position.
    public init(key: UInt64, counter: UInt64 = 0) {
        self.key = key
        self.counter = counter
    }

    public static func == (a: RandomStream, b: RandomStream) -> Bool {
        a.key == b.key && a.counter == b.counter && a.used == b.used
            && a.block.0 == b.block.0 && a.block.1 == b.block.1 && a.block.2 == b.block.2 && a.block.3 == b.block.3
    }

    /// The saveable state: key, counter and how many words of the current block were used.
    public var state: [UInt64] { [key, counter, UInt64(used)] }

    /// Restores a stream from ``state``.
    public init(state: [UInt64]) {
        precondition(state.count == 3, "RandomStream(state:) needs 3 values")
        self.key = state[0]
        self.counter = state[1]
        self.used = 4
        let wanted = Int(state[2])
        if wanted < 4 && counter > 0 {
            counter -= 1
            refill()
            used = wanted
        }
    }

    /// A uniformly distributed 32-bit word.
    public mutating func nextUInt32() -> UInt32 {
        if used == 4 { refill() }
        defer { used += 1 }
        switch used {
        case 0: return block.0
        case 1: return block.1
        case 2: return block.2
        default: return block.3
        }
    }

    /// Uniform in [0, 1) with 24 random bits.
    public mutating func nextFloat() -> Float {
        Float(nextUInt32() >> 8) * (1.0 / 16_777_216.0)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextDouble() -> Double {
        let hi = UInt64(nextUInt32() >> 5), lo = UInt64(nextUInt32() >> 6)
        return Double(hi * 67_108_864 + lo) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Uniform integer in `0..<bound`, without modulo bias.
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "nextInt(below:) needs a positive bound")
        let b = UInt64(bound)
        let limit = UInt64.max - UInt64.max % b
        while true {
            let r = UInt64(nextUInt32()) << 32 | UInt64(nextUInt32())
            if r < limit { return Int(r % b) }
        }
    }

    /// Standard normal, by the Box–Muller transform.
    public mutating func nextNormal() -> Float {
        var u1 = nextDouble()
        while u1 <= 0 { u1 = nextDouble() }
        let u2 = nextDouble()
        return Float((-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2))
    }

    /// True with probability `p`.
    public mutating func nextBernoulli(_ p: Double) -> Bool { nextDouble() < p }

    /// A uniformly random permutation of `0..<n` (Fisher–Yates).
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n < 2 { return p }
        for i in stride(from: n - 1, to: 0, by: -1) {
            p.swapAt(i, nextInt(below: i + 1))
        }
        return p
    }

    private mutating func refill() {
        var c0 = UInt32(truncatingIfNeeded: counter), c1 = UInt32(truncatingIfNeeded: counter >> 32)
        var c2: UInt32 = 0, c3: UInt32 = 0
        var k0 = UInt32(truncatingIfNeeded: key), k1 = UInt32(truncatingIfNeeded: key >> 32)
        for _ in 0..<10 {
            let p0 = UInt64(0xD251_1F53) &* UInt64(c0)
            let p1 = UInt64(0xCD9E_8D57) &* UInt64(c2)
            let n0 = UInt32(truncatingIfNeeded: p1 >> 32) ^ c1 ^ k0
            let n1 = UInt32(truncatingIfNeeded: p1)
            let n2 = UInt32(truncatingIfNeeded: p0 >> 32) ^ c3 ^ k1
            let n3 = UInt32(truncatingIfNeeded: p0)
            c0 = n0; c1 = n1; c2 = n2; c3 = n3
            k0 &+= 0x9E37_79B9
            k1 &+= 0xBB67_AE85
        }
        block = (c0, c1, c2, c3)
        counter &+= 1
        used = 0
    }

    /// Mixes integers, in order, into one key (each step is ``StableHash/mix(_:)``, SplitMix64).
    public static func mix(_ values: [UInt64]) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15
        for v in values {
            h = StableHash.mix(h ^ StableHash.mix(v &+ 0x6A09_E667_F3BC_C909))
        }
        return h
    }
}

extension Tensor {
    /// Uniform samples in [low, high).
    public static func uniform(
        _ shape: [Int], low: Float = 0, high: Float = 1,
        using stream: inout RandomStream
    ) -> Tensor {
        let t = Tensor(uninitializedShape: shape)
        let span = high - low
        for i in 0..<t.count { t.data[i] = low + span * stream.nextFloat() }
        return t
    }

    /// Normal samples with the given mean and standard deviation.
    public static func normal(
        _ shape: [Int], mean: Float = 0, std: Float = 1,
        using stream: inout RandomStream
    ) -> Tensor {
        let t = Tensor(uninitializedShape: shape)
        for i in 0..<t.count { t.data[i] = mean + std * stream.nextNormal() }
        return t
    }

    /// Normal samples redrawn until they fall in [low, high] (absolute bounds, as PyTorch's
    /// `trunc_normal_`; TensorFlow's truncated normal is low = mean − 2σ, high = mean + 2σ).
    public static func truncatedNormal(
        _ shape: [Int], mean: Float = 0, std: Float = 1,
        low: Float, high: Float,
        using stream: inout RandomStream
    ) -> Tensor {
        check(low < high, "truncatedNormal: empty interval [\(low), \(high)]")
        let t = Tensor(uninitializedShape: shape)
        for i in 0..<t.count {
            var v: Float
            var tries = 0
            repeat {
                v = mean + std * stream.nextNormal()
                tries += 1
            } while (v < low || v > high) && tries < 1000
            t.data[i] = Swift.min(Swift.max(v, low), high)
        }
        return t
    }

    /// 1 with probability `p`, else 0.
    public static func bernoulli(
        _ shape: [Int], probability p: Double,
        using stream: inout RandomStream
    ) -> Tensor {
        let t = Tensor(uninitializedShape: shape)
        for i in 0..<t.count { t.data[i] = stream.nextBernoulli(p) ? 1 : 0 }
        return t
    }
}
