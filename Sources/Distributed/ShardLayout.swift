// How a flat buffer is split among ranks when the optimiser state is sharded (ZeRO stage 1):
// one contiguous slice per rank, in rank order, covering the buffer.
//
// The rule: a buffer of n elements on P ranks gives every rank ⌊n / P⌋ elements and the first
// n mod P ranks one more, so slices differ by at most one element. Rank r's slice starts at
// r·⌊n / P⌋ + min(r, n mod P). With more ranks than elements the last ranks get empty slices.
// The layout depends only on n and P, so every rank computes the same slices, and a checkpoint
// written on P ranks is re-sliced on any other count by the same rule.

/// The slices of one flat buffer, one per rank.
///
/// ```swift
/// let shards = ShardLayout(elementCount: 10, ranks: 3)
/// shards.slice(of: 0)              // 0..<4 (10 mod 3 = 1: rank 0 gets one more)
/// shards.slice(of: 2)              // 7..<10
/// shards.counts(in: 3..<8)         // [1, 3, 1]: the parts of a bucket each rank owns
/// ```
public struct ShardLayout: Equatable, Sendable {
    /// Elements of the flat buffer.
    public let elementCount: Int
    /// Ranks sharing it.
    public let ranks: Int

    /// Splits `elementCount` elements among `ranks` ranks.
    public init(elementCount: Int, ranks: Int) {
        precondition(elementCount >= 0, "ShardLayout: negative element count")
        precondition(ranks >= 1, "ShardLayout: at least one rank")
        self.elementCount = elementCount
        self.ranks = ranks
    }

    /// The elements of rank `rank`'s slice.
    public func slice(of rank: Int) -> Range<Int> {
        precondition(rank >= 0 && rank < ranks, "ShardLayout: rank \(rank) of \(ranks)")
        let base = elementCount / ranks, extra = elementCount % ranks
        let start = rank * base + Swift.min(rank, extra)
        return start..<(start + base + (rank < extra ? 1 : 0))
    }

    /// Every rank's slice, in rank order.
    public var slices: [Range<Int>] { (0..<ranks).map(slice(of:)) }

    /// How many elements of `range` each rank owns, in rank order: the counts of a vector
    /// collective over `range` (its blocks are contiguous and in rank order, since the slices are).
    public func counts(in range: Range<Int>) -> [Int] {
        precondition(range.lowerBound >= 0 && range.upperBound <= elementCount, "ShardLayout: \(range) outside 0..<\(elementCount)")
        return slices.map { $0.clamped(to: range).count }
    }
}
