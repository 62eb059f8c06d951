// The image history buffer of CycleGAN (`util/image_pool.py`), used to feed the discriminator
// a mix of current and earlier fakes: while it holds fewer than `capacity` images each image is
// stored and returned; afterwards, with probability 0.5, a uniformly chosen stored image is
// returned and replaced by the current one, otherwise the current image is returned. Images are
// stored detached. An entry may carry companions (AGGAN stores each fake with its mask).
// The pool is per-rank state, drawn from its own seeded stream.
import TensorCore

/// A pool of past images (and optional companion tensors), one entry per sample.
public final class ImagePool {
    /// Maximum entries; 0 disables the pool.
    public let capacity: Int
    /// The pool's random stream (per rank).
    public var stream: RandomStream
    /// Stored entries, each a list of [1, C, H, W] tensors (image first, companions after).
    public private(set) var entries: [[Tensor]] = []

    public init(capacity: Int = 50, stream: RandomStream) {
        self.capacity = capacity
        self.stream = stream
    }

    /// Returns a batch of the same size: for each sample either itself or a stored one.
    /// `tensors` are [N, …] batches that travel together (image, then companions).
    public func query(_ tensors: [Tensor]) -> [Tensor] {
        let detached = tensors.map { $0.detached() }
        guard capacity > 0 else { return detached }
        let n = detached[0].shape[0]
        var picked: [[Tensor]] = Array(repeating: [], count: tensors.count)
        for i in 0..<n {
            let sample = detached.map { $0.slice(axis: 0, i..<(i + 1)).copy() }
            if entries.count < capacity {
                entries.append(sample)
                append(sample, to: &picked)
            } else if stream.nextDouble() > 0.5 {
                let j = stream.nextInt(below: capacity)
                let old = entries[j]
                entries[j] = sample
                append(old, to: &picked)
            } else {
                append(sample, to: &picked)
            }
        }
        return picked.map { concat($0, axis: 0) }
    }

    /// Replaces the contents (when restoring a checkpoint).
    public func restore(entries: [[Tensor]], stream: RandomStream) {
        self.entries = entries
        self.stream = stream
    }

    private func append(_ sample: [Tensor], to picked: inout [[Tensor]]) {
        for (k, t) in sample.enumerated() { picked[k].append(t) }
    }
}
