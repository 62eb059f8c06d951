// The training data stream of one rank: its share of each global batch, read and augmented
// on a background thread while the current step computes.
//
// Threads: the prefetch thread is the only one that touches the training source (and so the
// HDF5 file behind it) between `init` and `close`; the caller's thread only exchanges finished
// batches with it under a lock. One batch is prepared ahead.
import Foundation
import TensorCore

/// One rank's share of a global batch, ready for the model.
public struct Batch {
    /// Where this batch is in the stream.
    public let position: SamplerPosition
    /// The samples, in order (their `position` is the global index in the epoch).
    public let samples: [SampleIndex]
    /// Domain A images (paired data: the photographs), (b, 3, crop, crop) in [-1, 1].
    public let a: Tensor
    /// Domain B images, (b, 3, crop, crop) in [-1, 1]; `nil` for paired data.
    public let b: Tensor?
    /// Label maps of the A images as class ids, (b, 1, crop, crop); `nil` for unpaired data.
    public let labels: Tensor?
    /// Paired data: each sample's exemplar image, (b, 3, crop, crop) in [-1, 1], and its label
    /// map, (b, 1, crop, crop); `nil` for unpaired data.
    public let exemplars: Tensor?
    public let exemplarLabels: Tensor?
    /// Source names of the A images.
    public let namesA: [String]
    /// Source names of the B images (empty for paired data).
    public let namesB: [String]
}

/// Streams augmented batches for one rank, preparing the next batch in the background.
///
/// ```swift
/// let data = try DatasetFile(path: "horse2zebra.h5")            // after MPI has started
/// let sampler = try ShardedSampler(countA: …, countB: …, globalBatch: 4, worldSize: 2, rank: r, seed: 1)
/// let loader = DataLoader(source: try data.trainingSource(), sampler: sampler,
///                         augmentation: Augmentation(loadSize: 286, cropSize: 256, flip: true))
/// let batch = try loader.next()          // loader.position now names the batch after it
/// ```
public final class DataLoader {
    /// The sampler that decides which images each step uses.
    public var sampler: ShardedSampler { prefetcher.sampler }
    /// Resize, crop and flip settings.
    public var augmentation: Augmentation { prefetcher.augmentation }
    /// The position of the batch the next call to ``next()`` returns: save it with a
    /// checkpoint and pass it as `start` to resume with the same batches.
    public private(set) var position: SamplerPosition
    private let prefetcher: Prefetcher
    private var isClosed = false

    /// Starts streaming from `start` (a saved ``position`` to resume exactly).
    ///
    /// The source must match the sampler's counts; the loader owns it from now on.
    public init(
        source: TrainingSource, sampler: ShardedSampler, augmentation: Augmentation,
        start: SamplerPosition = .start
    ) {
        precondition(
            source.countA == sampler.countA && source.countB == sampler.countB,
            "DataLoader: the sampler's counts differ from the source's")
        precondition(
            start.step >= 0 && start.step < sampler.stepsPerEpoch && start.epoch >= 0,
            "DataLoader: start \(start) is outside an epoch of \(sampler.stepsPerEpoch) steps")
        position = start
        prefetcher = Prefetcher(source: source, sampler: sampler, augmentation: augmentation)
        prefetcher.start(at: start)
    }

    deinit { close() }

    /// The next batch; waits only when it is not prepared yet.
    ///
    /// Read or decode errors of that batch are thrown here (the stream moves past it).
    public func next() throws -> Batch {
        precondition(!isClosed, "DataLoader.next() after close()")
        let (batchPosition, result) = prefetcher.take(thenRequest: { self.sampler.advanced($0) })
        position = sampler.advanced(batchPosition)
        return try result.get()
    }

    /// Stops the prefetch thread (after the batch it is preparing) and releases the source.
    ///
    /// Called on release; calling it twice does nothing.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        prefetcher.stop()
    }
}

/// The prefetch thread and the state it shares with the loader.
///
/// The thread holds this object, not the loader, so that releasing the loader stops it.
private final class Prefetcher {
    let sampler: ShardedSampler
    let augmentation: Augmentation
    /// Used by the prefetch thread only; released once the thread has ended.
    private var source: TrainingSource?
    private let condition = NSCondition()
    private let finished = DispatchSemaphore(value: 0)
    // Guarded by `condition`.
    private var requested: SamplerPosition?
    private var ready: (SamplerPosition, Result<Batch, Error>)?
    private var stopping = false
    // Used by the prefetch thread only.
    private var cachedEpoch = -1
    private var cachedPermutation: [Int] = []

    init(source: TrainingSource, sampler: ShardedSampler, augmentation: Augmentation) {
        self.source = source
        self.sampler = sampler
        self.augmentation = augmentation
    }

    /// Starts the thread, preparing the batch at `position` first.
    func start(at position: SamplerPosition) {
        requested = position
        let thread = Thread { [self] in self.run() }
        thread.name = "i2i data prefetch"
        thread.start()
    }

    /// Waits for the prepared batch, then asks for the one at `following(its position)`.
    func take(thenRequest following: (SamplerPosition) -> SamplerPosition) -> (SamplerPosition, Result<Batch, Error>) {
        condition.lock()
        defer { condition.unlock() }
        while ready == nil { condition.wait() }
        let taken = ready!
        ready = nil
        requested = following(taken.0)
        condition.signal()
        return taken
    }

    /// Ends the thread, waits for it, and releases the source (closing its file, if any).
    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
        finished.wait()
        source = nil
    }

    private func run() {
        while true {
            condition.lock()
            while requested == nil && !stopping { condition.wait() }
            if stopping {
                condition.unlock()
                break
            }
            let position = requested!
            requested = nil
            condition.unlock()

            let result = Result { try makeBatch(at: position) }

            condition.lock()
            ready = (position, result)
            condition.signal()
            condition.unlock()
        }
        finished.signal()
    }

    /// Reads and augments this rank's samples at `position` (prefetch thread only).
    private func makeBatch(at position: SamplerPosition) throws -> Batch {
        guard let source else { preconditionFailure("DataLoader: batch requested after close") }
        if cachedEpoch != position.epoch {
            cachedPermutation = sampler.permutation(epoch: position.epoch)
            cachedEpoch = position.epoch
        }
        let samples = sampler.samples(at: position, permutation: cachedPermutation)
        let n = samples.count, crop = augmentation.cropSize, plane = crop * crop
        let a = Tensor(uninitializedShape: [n, 3, crop, crop])
        let b = source.countB == nil ? nil : Tensor(uninitializedShape: [n, 3, crop, crop])
        let labels = source.hasLabels ? Tensor(uninitializedShape: [n, 1, crop, crop]) : nil
        let exemplars = source.hasLabels ? Tensor(uninitializedShape: [n, 3, crop, crop]) : nil
        let exemplarLabels = source.hasLabels ? Tensor(uninitializedShape: [n, 1, crop, crop]) : nil
        var namesA: [String] = [], namesB: [String] = []
        for (k, sample) in samples.enumerated() {
            let choiceA = augmentation.choice(seed: sampler.seed, epoch: position.epoch, position: sample.position, domain: .a)
            augmentation.apply(try source.read(.a, sample.a), choiceA, into: a.data + k * 3 * plane)
            namesA.append(source.name(.a, sample.a))
            if let labels {
                augmentation.applyToLabels(try source.read(.labels, sample.a), choiceA, into: labels.data + k * plane)
            }
            if let exemplars, let exemplarLabels, let e = sample.exemplar {
                // The exemplar is augmented with the sample's B choice: its own crop and flip.
                let choice = augmentation.choice(seed: sampler.seed, epoch: position.epoch, position: sample.position, domain: .b)
                augmentation.apply(try source.read(.a, e), choice, into: exemplars.data + k * 3 * plane)
                augmentation.applyToLabels(try source.read(.labels, e), choice, into: exemplarLabels.data + k * plane)
            }
            if let b, let indexB = sample.b {
                let choiceB = augmentation.choice(seed: sampler.seed, epoch: position.epoch, position: sample.position, domain: .b)
                augmentation.apply(try source.read(.b, indexB), choiceB, into: b.data + k * 3 * plane)
                namesB.append(source.name(.b, indexB))
            }
        }
        return Batch(
            position: position, samples: samples, a: a, b: b, labels: labels, exemplars: exemplars,
            exemplarLabels: exemplarLabels, namesA: namesA, namesB: namesB)
    }
}
