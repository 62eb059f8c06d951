// Averages one optimiser group's flat gradient buffer across ranks in buckets, overlapping
// the all-reduces with the rest of the backward pass.
//
// Schedule: bucket k is posted as soon as bucket k-1 has been posted and every parameter it
// holds is ready. Which collectives are posted, and in which order, follows from the static
// bucket layout and the (deterministic) order of readiness calls, never from timing, so every
// rank posts the same sequence. `finish()` posts what is left and waits under the deadline.
//
// Open MPI has no progress thread by default: a posted all-reduce advances only while a rank
// calls into MPI. Each `parameterReady` call therefore also tests the requests in flight.
//
// Sharded (ZeRO stage 1, `sharded: true`): each rank owns one slice of the buffer
// (`ShardLayout`) and each bucket is reduce-scattered instead of all-reduced, so after
// `finish()` only this rank's slice holds the mean (the rest of the buffer reads zero); the
// optimiser updates that slice of the parameters and `gatherParameters` all-gathers the
// updated values bucket by bucket. Buckets, their order and the 1/size scaling are the same as
// unsharded, so each element sees the same float operations.
//
// Sharded, the gradients are sharded too (ZeRO stage 2, in memory rather than in addresses):
// as soon as a bucket's reduce-scatter has completed, the bucket's elements outside this rank's
// slice are zeroed and their whole pages handed back to the operating system
// (`zeroReleasingPages`), so the buffer holds physical memory only for its slice and for the
// buckets still being written or in flight. Backward never writes into a posted bucket again
// (a bucket is posted only once every parameter it touches is final), and after `finish()`
// the buffer outside ``ownedElements`` reads as zero.

import TensorCore

/// Bucketed, overlapping all-reduce of a flat gradient buffer (one per optimiser group).
///
/// ```swift
/// let sync = GradientSynchronizer(communicator: comm, segmentSizes: sizes, name: "generators")
/// sync.begin(gradients: flatGradients)            // after zeroing the gradients
/// loss.backward(accumulatingInto: params) { p in sync.parameterReady(segmentIndex[p]) }
/// let finite = sync.finish()                      // gradients now hold the mean over ranks
/// if finite { optimizer.step() }
/// ```
///
/// Between ``begin(gradients:)`` and ``finish(timeout:)`` other collectives may be issued only
/// at points that are the same on every rank (MPI matches collectives by posting order).
/// Call ``parameterReady(_:)`` only once a gradient is final for the step: with several
/// backward passes into the same buffer, pass the hook to the last one only.
public final class GradientSynchronizer {
    /// Running totals for logging (bytes moved and time spent waiting for communication).
    public struct Statistics: Equatable, Sendable {
        /// Steps synchronised.
        public var steps = 0
        /// All-reduces posted.
        public var collectives = 0
        /// All-reduces posted by ``GradientSynchronizer/parameterReady(_:)``, that is while the
        /// backward pass was still running (the rest were posted by `finish`).
        public var collectivesOverlapped = 0
        /// Bytes this rank contributed to all-reduces.
        public var bytesReduced = 0
        /// Seconds spent in ``GradientSynchronizer/finish(timeout:)`` waiting for all-reduces
        /// (communication not hidden behind the backward pass).
        public var secondsWaiting = 0.0
        /// ``secondsWaiting`` of the last step alone.
        public var lastStepSecondsWaiting = 0.0
    }

    /// Name used in messages ("generators", "discriminators").
    public let name: String
    /// The buckets of the flat buffer.
    public let layout: BucketLayout
    /// The ranks to average over.
    public let communicator: Communicator
    /// The slices of the buffer when the optimiser state is sharded, else nil.
    public let shards: ShardLayout?
    /// The elements whose averaged gradient this rank holds after ``finish(timeout:)``: its
    /// slice when sharded, else the whole buffer.
    public let ownedElements: Range<Int>
    /// Totals since creation or the last ``resetStatistics()``.
    public private(set) var statistics = Statistics()

    private var gradients: UnsafeMutableBufferPointer<Float>?
    private var segmentReady: [Bool]
    private var unreadySegments: [Int]  // per bucket
    private var requests: [CollectiveRequest?]  // per bucket, once posted
    private var completed: [Bool]  // per bucket: its collective is known to be done this step
    private var nextBucket = 0  // first bucket not yet posted
    private var firstInFlight = 0  // no bucket below this one needs testing
    private let bucketCounts: [[Int]]  // sharded: each rank's part of each bucket

    /// Creates a synchroniser for a flat buffer whose parameters have `segmentSizes` elements,
    /// in declaration order.
    ///
    /// - Parameters:
    ///   - bucketBytes: the cap of each bucket (default 25 MiB).
    ///   - firstBucketBytes: the cap of the first bucket (default 1 MiB), so communication
    ///     starts early; `nil` for `bucketBytes`.
    ///   - sharded: reduce-scatter into this rank's slice instead of all-reducing (see above).
    public convenience init(
        communicator: Communicator, segmentSizes: [Int], bucketBytes: Int = 25 << 20,
        firstBucketBytes: Int? = 1 << 20, name: String = "gradients", sharded: Bool = false
    ) {
        self.init(
            communicator: communicator,
            layout: BucketLayout(segmentSizes: segmentSizes, bucketBytes: bucketBytes, firstBucketBytes: firstBucketBytes),
            name: name, sharded: sharded)
    }

    /// Creates a synchroniser over a precomputed layout.
    public init(communicator: Communicator, layout: BucketLayout, name: String = "gradients", sharded: Bool = false) {
        self.communicator = communicator
        self.layout = layout
        self.name = name
        let shards = sharded ? ShardLayout(elementCount: layout.elementCount, ranks: communicator.size) : nil
        self.shards = shards
        ownedElements = shards?.slice(of: communicator.rank) ?? 0..<layout.elementCount
        bucketCounts = shards.map { s in layout.buckets.map { s.counts(in: $0.elements) } } ?? []
        segmentReady = [Bool](repeating: false, count: layout.segmentSizes.count)
        unreadySegments = [Int](repeating: 0, count: layout.buckets.count)
        requests = [CollectiveRequest?](repeating: nil, count: layout.buckets.count)
        completed = [Bool](repeating: false, count: layout.buckets.count)
    }

    /// Whether a step is between ``begin(gradients:)`` and ``finish(timeout:)``.
    public var isActive: Bool { gradients != nil }

    /// Starts a step over `gradients` (the flat buffer, which must stay valid and in place until
    /// ``finish(timeout:)`` returns).
    ///
    /// All parameters start not ready.
    public func begin(gradients: UnsafeMutableBufferPointer<Float>) {
        precondition(self.gradients == nil, "\(name): begin(gradients:) called again before finish()")
        precondition(
            gradients.count == layout.elementCount,
            "\(name): gradient buffer holds \(gradients.count) floats, the layout \(layout.elementCount)")
        self.gradients = gradients
        for s in segmentReady.indices { segmentReady[s] = false }
        for b in completed.indices { completed[b] = false }
        for (b, bucket) in layout.buckets.enumerated() {
            unreadySegments[b] = bucket.segments.reduce(0) { $0 + (layout.segmentSizes[$1] > 0 ? 1 : 0) }
        }
        nextBucket = 0
        firstInFlight = 0
    }

    /// Marks the parameter `segment` (its index in declaration order) as having its final
    /// gradient for this step; posts every bucket that is now due and drives progress of the
    /// all-reduces in flight.
    ///
    /// Repeated calls for one segment are ignored.
    public func parameterReady(_ segment: Int) {
        precondition(gradients != nil, "\(name): parameterReady(\(segment)) outside begin(gradients:) … finish()")
        guard !segmentReady[segment] else { return }
        segmentReady[segment] = true
        for b in layout.bucketsOfSegment[segment] { unreadySegments[b] -= 1 }
        while nextBucket < layout.buckets.count && unreadySegments[nextBucket] == 0 {
            post(nextBucket)
            if communicator.size > 1 { statistics.collectivesOverlapped += 1 }
        }
        progress()
    }

    /// Tests the all-reduces in flight so that they advance (cheap; a few microseconds).
    ///
    /// Sharded, a bucket found complete gives back the memory outside this rank's slice.
    public func progress() {
        while firstInFlight < nextBucket, testCompletion(firstInFlight) {
            firstInFlight += 1
        }
        if firstInFlight < nextBucket {
            for b in (firstInFlight + 1)..<nextBucket { _ = testCompletion(b) }
        }
    }

    /// Bytes of gradient memory handed back to the operating system since creation (sharded
    /// only; whole pages outside this rank's slice).
    public private(set) var bytesReleased = 0

    /// Posts the buckets not yet posted (parameters that got no gradient this step take part
    /// with their current values), waits for all of them under the deadline, and scales the
    /// sums by 1/size, so the buffer holds the mean gradient over ranks (sharded: only in
    /// ``ownedElements``; the rest reads zero and most of its memory has been handed back).
    ///
    /// - Returns: whether every averaged gradient this rank holds is finite. Unsharded, the
    ///   values are identical on every rank, so this can drive a skip-step decision without
    ///   another collective; sharded, each rank sees only its slice, so combine the flags.
    @discardableResult
    public func finish(timeout: Double? = nil) -> Bool {
        guard let gradients = gradients else { preconditionFailure("\(name): finish() without begin(gradients:)") }
        defer { self.gradients = nil }
        while nextBucket < layout.buckets.count { post(nextBucket) }
        let start = MonotonicClock.seconds()
        var finite = true
        let scale = 1 / Float(communicator.size)
        if communicator.size == 1 {
            finite = GradientSynchronizer.scale(gradients, by: 1)
        } else {
            communicator.waitAll(requests.map { $0! }, timeout: timeout) { b in
                self.markCompleted(b)
                let range = self.layout.buckets[b].elements.clamped(to: self.ownedElements)
                let bucket = UnsafeMutableBufferPointer(rebasing: gradients[range])
                if !GradientSynchronizer.scale(bucket, by: scale) { finite = false }
            }
        }
        let waited = MonotonicClock.seconds() - start
        for b in requests.indices { requests[b] = nil }
        statistics.steps += 1
        statistics.secondsWaiting += waited
        statistics.lastStepSecondsWaiting = waited
        return finite
    }

    /// Averages `gradients` across ranks without overlap (``begin(gradients:)`` then
    /// ``finish(timeout:)``); returns whether the result is finite.
    @discardableResult
    public func synchronize(_ gradients: UnsafeMutableBufferPointer<Float>, timeout: Double? = nil) -> Bool {
        begin(gradients: gradients)
        return finish(timeout: timeout)
    }

    /// Sharded: all-gathers `values` (the parameter buffer laid out like the gradients).
    ///
    /// Bucket by bucket, each rank sends its updated slice; waits under the deadline. Every
    /// rank must call it at the same point; without shards it does nothing.
    public func gatherParameters(_ values: UnsafeMutableBufferPointer<Float>, timeout: Double? = nil) {
        guard let shards = shards, communicator.size > 1 else { return }
        precondition(
            values.count == shards.elementCount, "\(name): parameter buffer holds \(values.count) floats, the layout \(shards.elementCount)"
        )
        let requests = layout.buckets.enumerated().map { (b, bucket) -> CollectiveRequest in
            let request = communicator.startAllGather(
                UnsafeMutableBufferPointer(rebasing: values[bucket.elements]), counts: bucketCounts[b])
            request.label = "all-gather of \(name) parameters, bucket \(b + 1) of \(layout.buckets.count)"
            return request
        }
        communicator.waitAll(requests, timeout: timeout)
    }

    /// Sets the totals in ``statistics`` back to zero.
    public func resetStatistics() { statistics = Statistics() }

    // MARK: - Private

    /// Whether bucket `b`'s collective is done (true for a bucket with no request: one rank).
    private func testCompletion(_ b: Int) -> Bool {
        if completed[b] { return true }
        guard let request = requests[b] else { return true }
        guard request.test() else { return false }
        markCompleted(b)
        return true
    }

    /// Records that bucket `b`'s collective has completed; sharded, zeroes the bucket outside
    /// this rank's slice and hands those pages back (nothing writes there again this step).
    private func markCompleted(_ b: Int) {
        guard !completed[b] else { return }
        completed[b] = true
        guard shards != nil, communicator.size > 1, let gradients = gradients else { return }
        let range = layout.buckets[b].elements
        let below = range.lowerBound..<Swift.max(range.lowerBound, Swift.min(range.upperBound, ownedElements.lowerBound))
        let above = Swift.min(range.upperBound, Swift.max(range.lowerBound, ownedElements.upperBound))..<range.upperBound
        for part in [below, above] where !part.isEmpty {
            bytesReleased += zeroReleasingPages(UnsafeMutableBufferPointer(rebasing: gradients[part]))
        }
    }

    private func post(_ b: Int) {
        nextBucket = b + 1
        guard communicator.size > 1, let gradients = gradients else { return }
        let range = layout.buckets[b].elements
        let bucket = UnsafeMutableBufferPointer(rebasing: gradients[range])
        let request: CollectiveRequest
        if shards != nil {
            request = communicator.startReduceScatter(bucket, counts: bucketCounts[b], .sum)
            request.label = "reduce-scatter of \(name) bucket \(b + 1) of \(layout.buckets.count)"
        } else {
            request = communicator.startAllReduce(bucket, .sum)
            request.label = "all-reduce of \(name) bucket \(b + 1) of \(layout.buckets.count)"
        }
        requests[b] = request
        statistics.collectives += 1
        statistics.bytesReduced += range.count * 4
    }

    /// Multiplies `values` by `factor` (skipped when 1) and reports whether all are finite.
    private static func scale(_ values: UnsafeMutableBufferPointer<Float>, by factor: Float) -> Bool {
        var nonFinite: UInt32 = 0
        if factor == 1 {
            for v in values { nonFinite |= (v.bitPattern & 0x7f80_0000) == 0x7f80_0000 ? 1 : 0 }
        } else {
            for i in values.indices {
                let v = values[i] * factor
                values[i] = v
                nonFinite |= (v.bitPattern & 0x7f80_0000) == 0x7f80_0000 ? 1 : 0
            }
        }
        return nonFinite == 0
    }
}
