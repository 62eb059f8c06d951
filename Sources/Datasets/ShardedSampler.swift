// Which images each rank trains on at each step: one global order per epoch, cut into global
// batches, each global batch cut into equal contiguous rank shares.
//
// The rules, chosen so that every rank takes the same number of steps by construction (a rank
// that runs out of data first leaves the others waiting in a collective for ever) and so that
// the samples do not depend on the number of ranks. PyTorch's DistributedSampler
// (pytorch/pytorch, torch/utils/data/distributed.py) differs on both counts: by default it pads
// the index list with repeated samples to a multiple of the world size, and rank r takes every
// W-th index starting at r, so which samples a rank sees depends on W.
// - An epoch has L = max(N_A, N_B) sample positions (the CycleGAN reference's unaligned dataset
//   is as long as its larger domain: `__len__` in junyanz/pytorch-CycleGAN-and-pix2pix,
//   data/unaligned_dataset.py). Paired data has L = N.
// - Position i of epoch e uses A image perm_e[i] mod N_A, where perm_e is a permutation of 0..<L
//   drawn from the stream (seed, e, "sampler.permutation"). So every A image is used at least
//   once per epoch, and those of the smaller domain up to ⌈L/N_A⌉ times.
// - The B image of position i is uniform over 0..<N_B, drawn from the stream (seed, e, i,
//   "sampler.b"), as the reference's `__getitem__` draws `random.randint(0, B_size - 1)` for every item
//   (unless `serial_batches`). A and B are thus unpaired, and the pairing does not depend on
//   how the epoch is split among ranks.
// - Paired data: the exemplar of position i follows the official rule (microsoft/CoCosNet,
//   data/pix2pix_dataset.py `__getitem__`, with `real_reference_probability` 0.7 and
//   `hard_reference_probability` 0.2 from options/train_options.py): p uniform in [0, 1) from
//   the stream (seed, e, i, "sampler.exemplar"); p < 0.2: the last candidate of the image's
//   retrieval list (the "hard" reference); 0.2 ≤ p < 0.7: the first (the "easy" one); else
//   the image itself, a self-reference (the loader crops and flips it independently: a pseudo
//   pair). So hard 20 %, easy 50 %, self 30 %. Without retrieval lists every sample is a
//   self-reference.
// - Steps per epoch = ⌊L / G⌋ for global batch G (the tail is dropped); rank r of W takes
//   positions [r·b, (r+1)·b) of each global batch, b = G / W. Every rank takes the same number
//   of steps, and the ranks' shares are disjoint and together cover every used position.
// - The position (epoch, step) is global, so a run resumed with another number of ranks sees
//   the same samples in the same global batches.
import TensorCore

/// A place in the stream of global batches: the epoch and the step within it.
public struct SamplerPosition: Codable, Equatable, Hashable, Sendable, CustomStringConvertible {
    /// Epochs completed before this one (0-based).
    public var epoch: Int
    /// Global batches completed in this epoch (0-based).
    public var step: Int

    /// The position at `step` of `epoch`.
    public init(epoch: Int, step: Int) {
        self.epoch = epoch
        self.step = step
    }

    /// The start of training.
    public static let start = SamplerPosition(epoch: 0, step: 0)

    /// `epoch 3, step 17`.
    public var description: String { "epoch \(epoch), step \(step)" }
}

/// One sample of a global batch.
public struct SampleIndex: Equatable, Hashable, Sendable {
    /// The sample's position in its epoch (0..<epoch length); keys its augmentation.
    public let position: Int
    /// The image of domain A (for paired data: the image and its label map).
    public let a: Int
    /// The image of domain B, or `nil` for paired data.
    public let b: Int?
    /// Paired data: the image (with its label map) used as this sample's exemplar; `nil` for
    /// unpaired data.
    public var exemplar: Int? = nil
    /// Paired data: whether the exemplar is the sample's own image re-cropped (a pseudo pair),
    /// rather than a candidate of its retrieval list.
    public var isSelfReference = false
}

/// The official probabilities of the exemplar kinds (microsoft/CoCosNet, options/train_options.py).
public enum ExemplarSampling {
    /// `real_reference_probability`: an exemplar from the retrieval list (else a self-reference).
    public static let listed = 0.7
    /// `hard_reference_probability`: the last ("hard") candidate of the list.
    public static let hard = 0.2
}

/// A configuration the sampler cannot serve; the message names the values at fault.
public struct SamplerError: Error, CustomStringConvertible, Equatable {
    /// One line.
    public let description: String
}

/// Assigns dataset images to (epoch, step, rank) for data-parallel training.
///
/// A pure value:
/// all ranks construct the same sampler (differing only in `rank`) and agree without talking.
///
/// ```swift
/// let sampler = try ShardedSampler(countA: 1067, countB: 1334, globalBatch: 4, worldSize: 2, rank: 1, seed: 42)
/// let mine = sampler.samples(at: SamplerPosition(epoch: 0, step: 5))   // 2 samples
/// ```
public struct ShardedSampler: Equatable, Sendable {
    /// Images in domain A (paired data: image/label pairs).
    public let countA: Int
    /// Images in domain B, or `nil` for paired data.
    public let countB: Int?
    /// Samples per step summed over all ranks.
    public let globalBatch: Int
    /// Number of ranks.
    public let worldSize: Int
    /// This rank, 0..<worldSize.
    public let rank: Int
    /// The run's seed.
    public let seed: UInt64
    /// Paired data: each image's candidate exemplars (`nil`: only self-references).
    public let exemplarLists: ExemplarTable?

    /// Checks and stores the configuration.
    public init(
        countA: Int, countB: Int?, globalBatch: Int, worldSize: Int = 1, rank: Int = 0, seed: UInt64,
        exemplarLists: ExemplarTable? = nil
    ) throws {
        guard worldSize >= 1, (0..<worldSize).contains(rank) else {
            throw SamplerError(description: "rank \(rank) is not in 0..<\(worldSize)")
        }
        guard globalBatch >= 1 else { throw SamplerError(description: "the global batch size must be at least 1, not \(globalBatch)") }
        guard globalBatch % worldSize == 0 else {
            throw SamplerError(description: "global batch size \(globalBatch) is not divisible by the \(worldSize) ranks")
        }
        guard countA > 0, (countB ?? 1) > 0 else {
            throw SamplerError(description: "the training set is empty (A: \(countA) images, B: \(countB.map(String.init) ?? "-"))")
        }
        let length = Swift.max(countA, countB ?? 0)
        guard length >= globalBatch else {
            throw SamplerError(description: "an epoch of \(length) samples holds no full global batch of \(globalBatch)")
        }
        if let exemplarLists {
            guard countB == nil, exemplarLists.count == countA else {
                throw SamplerError(description: "\(exemplarLists.count) exemplar lists for \(countA) paired images")
            }
        }
        self.exemplarLists = exemplarLists
        self.countA = countA
        self.countB = countB
        self.globalBatch = globalBatch
        self.worldSize = worldSize
        self.rank = rank
        self.seed = seed
    }

    /// Sample positions per epoch: the larger domain's size.
    public var epochLength: Int { Swift.max(countA, countB ?? 0) }
    /// Global batches per epoch (the incomplete last one is dropped).
    public var stepsPerEpoch: Int { epochLength / globalBatch }
    /// Samples per step on each rank.
    public var localBatch: Int { globalBatch / worldSize }

    /// The same sampler as seen by another rank.
    public func forRank(_ other: Int) throws -> ShardedSampler {
        try ShardedSampler(
            countA: countA, countB: countB, globalBatch: globalBatch, worldSize: worldSize,
            rank: other, seed: seed, exemplarLists: exemplarLists)
    }

    /// The order of sample positions in `epoch` (a permutation of 0..<epochLength).
    public func permutation(epoch: Int) -> [Int] {
        var stream = RandomStream(components: [seed, UInt64(epoch), StableHash.value(of: "sampler.permutation")])
        return stream.permutation(epochLength)
    }

    /// The samples of the whole global batch at `position` (all ranks, rank 0's first).
    ///
    /// Pass `permutation(epoch:)` when calling for many steps of one epoch.
    public func globalSamples(at position: SamplerPosition, permutation: [Int]? = nil) -> [SampleIndex] {
        samples(at: position, slots: 0..<globalBatch, permutation: permutation)
    }

    /// This rank's share of the global batch at `position`.
    public func samples(at position: SamplerPosition, permutation: [Int]? = nil) -> [SampleIndex] {
        samples(at: position, slots: rank * localBatch..<(rank + 1) * localBatch, permutation: permutation)
    }

    /// The position after `position`: the next step, or the first step of the next epoch.
    public func advanced(_ position: SamplerPosition) -> SamplerPosition {
        position.step + 1 < stepsPerEpoch
            ? SamplerPosition(epoch: position.epoch, step: position.step + 1)
            : SamplerPosition(epoch: position.epoch + 1, step: 0)
    }

    /// The position reached after `steps` global steps from the start (for resuming by step count).
    public func position(afterSteps steps: Int) -> SamplerPosition {
        SamplerPosition(epoch: steps / stepsPerEpoch, step: steps % stepsPerEpoch)
    }

    private func samples(at position: SamplerPosition, slots: Range<Int>, permutation: [Int]?) -> [SampleIndex] {
        precondition(
            position.step >= 0 && position.step < stepsPerEpoch && position.epoch >= 0,
            "ShardedSampler: \(position) is outside an epoch of \(stepsPerEpoch) steps")
        let order = permutation ?? self.permutation(epoch: position.epoch)
        precondition(order.count == epochLength, "ShardedSampler: permutation of the wrong length")
        let tag = StableHash.value(of: "sampler.b"), exemplarTag = StableHash.value(of: "sampler.exemplar")
        return slots.map { slot in
            let i = position.step * globalBatch + slot
            var b: Int?
            if let countB {
                var stream = RandomStream(components: [seed, UInt64(position.epoch), UInt64(i), tag])
                b = stream.nextInt(below: countB)
            }
            var sample = SampleIndex(position: i, a: order[i] % countA, b: b)
            if countB == nil {
                var stream = RandomStream(components: [seed, UInt64(position.epoch), UInt64(i), exemplarTag])
                let p = stream.nextDouble()
                if let lists = exemplarLists, p < ExemplarSampling.listed {
                    sample.exemplar = p < ExemplarSampling.hard ? lists.hard(sample.a) : lists.easy(sample.a)
                } else {
                    sample.exemplar = sample.a
                    sample.isSelfReference = true
                }
            }
            return sample
        }
    }
}
