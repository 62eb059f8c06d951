// How a flat gradient buffer is cut into all-reduce buckets. The layout depends only on the
// parameter segment sizes (static metadata, in declaration order) and the bucket caps, so every
// rank computes the same buckets and posts the same collectives in the same order.

/// The buckets of one flat gradient buffer: contiguous ranges covering it in *reverse*
/// declaration order (backward finishes the last layers first), each at most the cap.
///
/// Buckets follow segment boundaries; a segment larger than the cap gets buckets of its own.
/// The first bucket may have a smaller cap (PyTorch DDP uses 1 MiB) so that communication
/// starts early in the backward pass.
///
/// ```swift
/// let layout = BucketLayout(segmentSizes: [64 * 27, 64, 128 * 576, 128], bucketBytes: 25 << 20)
/// layout.buckets[0].elements   // the range holding the last segments
/// ```
public struct BucketLayout: Equatable, Sendable {
    /// One bucket: a range of the flat buffer and the segments it touches.
    public struct Bucket: Equatable, Sendable {
        /// Element range in the flat buffer.
        public let elements: Range<Int>
        /// The first and last segment overlapping ``elements``.
        public let segments: ClosedRange<Int>
    }

    /// Element count of each parameter segment, in declaration order.
    public let segmentSizes: [Int]
    /// Start of each segment in the flat buffer.
    public let segmentOffsets: [Int]
    /// Total elements of the flat buffer.
    public let elementCount: Int
    /// The buckets, in posting order.
    public let buckets: [Bucket]
    /// For each segment, the indices of the buckets holding part of it (empty for size 0).
    public let bucketsOfSegment: [[Int]]

    /// Lays out the buckets.
    ///
    /// - Parameters:
    ///   - segmentSizes: element counts of the parameters, in declaration order.
    ///   - bucketBytes: the cap of every bucket in bytes (default 25 MiB, at least 4).
    ///   - firstBucketBytes: the cap of the first bucket (default 1 MiB; `nil` for `bucketBytes`).
    public init(segmentSizes: [Int], bucketBytes: Int = 25 << 20, firstBucketBytes: Int? = 1 << 20) {
        precondition(segmentSizes.allSatisfy { $0 >= 0 }, "BucketLayout: negative segment size")
        precondition(bucketBytes >= 4 && (firstBucketBytes ?? 4) >= 4, "BucketLayout: a bucket must hold at least one float")
        self.segmentSizes = segmentSizes
        var offsets = [Int]()
        var total = 0
        for size in segmentSizes {
            offsets.append(total)
            total += size
        }
        segmentOffsets = offsets
        elementCount = total

        // Walk the segments from the last one down, closing a bucket when the next segment
        // would overflow it.
        let cap = bucketBytes / 4
        var currentCap = (firstBucketBytes ?? bucketBytes) / 4
        var ranges = [Range<Int>]()
        var low = total, high = total  // the open bucket is low..<high
        func close(_ range: Range<Int>) {
            ranges.append(range)
            currentCap = cap
        }
        for s in segmentSizes.indices.reversed() where segmentSizes[s] > 0 {
            let start = offsets[s], size = segmentSizes[s]
            if high - low + size <= currentCap {
                low = start
                continue
            }
            if high > low { close(low..<high) }
            var end = start + size
            while end - start > currentCap {
                let piece = currentCap
                close((end - piece)..<end)
                end -= piece
            }
            low = start
            high = end
        }
        if high > low { close(low..<high) }

        // Which segments each bucket touches, and the reverse map.
        var buckets = [Bucket]()
        var ofSegment = [[Int]](repeating: [], count: segmentSizes.count)
        for (b, range) in ranges.enumerated() {
            var touched = [Int]()
            for s in segmentSizes.indices
            where segmentSizes[s] > 0
                && offsets[s] < range.upperBound && offsets[s] + segmentSizes[s] > range.lowerBound
            {
                touched.append(s)
                ofSegment[s].append(b)
            }
            buckets.append(Bucket(elements: range, segments: touched.first!...touched.last!))
        }
        self.buckets = buckets
        bucketsOfSegment = ofSegment
    }
}
