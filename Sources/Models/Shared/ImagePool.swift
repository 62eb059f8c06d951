// The image history buffer of CycleGAN (junyanz/pytorch-CycleGAN-and-pix2pix,
// `util/image_pool.py`), used to feed the discriminator a mix of current and earlier fakes:
// while it holds fewer than `capacity` images each image is stored and returned; afterwards,
// with probability 0.5, a uniformly chosen stored image is returned and replaced by the current
// one, otherwise the current image is returned. Images are stored detached. An entry may carry
// companions (AGGAN stores each fake with its mask). The pool is per-rank state, drawn from
// its own seeded stream (seed, rank, "pool.<name>").
import TensorCore

/// A pool of past images (and optional companion tensors), one entry per sample.
public final class ImagePool {
    /// The name the pool is saved under in checkpoints (`fake_A`).
    public let name: String
    /// Maximum entries; 0 disables the pool.
    public let capacity: Int
    /// The pool's random stream (per rank), saved as `pool.<name>`.
    public let random: RandomSource
    /// Stored entries, each a list of [1, C, H, W] tensors (image first, companions after).
    public private(set) var entries: [[Tensor]] = []

    /// An empty pool named `name` whose stream is (seed, rank, "pool.<name>").
    public init(name: String, capacity: Int = 50, seed: UInt64, rank: Int) {
        self.name = name
        self.capacity = capacity
        self.random = RandomSource(name: "pool." + name, seed: seed, rank: rank)
    }

    /// The pool's stream.
    public var stream: RandomStream {
        get { random.stream }
        set { random.stream = newValue }
    }

    /// Returns a batch of the same size: for each sample either itself or a stored one.
    ///
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
            } else if random.stream.nextDouble() > 0.5 {
                let j = random.stream.nextInt(below: capacity)
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
    public func restore(entries: [[Tensor]]) {
        self.entries = entries
    }

    private func append(_ sample: [Tensor], to picked: inout [[Tensor]]) {
        for (k, t) in sample.enumerated() { picked[k].append(t) }
    }
}
