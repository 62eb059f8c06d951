// The settings every run has, beside the model's own section: the seed, the data pipeline, the
// training loop's cadences, the distributed runtime and the compute kernels. Each is declared
// once (key, type, default, range, help); `ExperimentConfig` resolves them with the model's.
import Checkpointing
import Configuration
import Datasets

/// Top-level keys besides `model`.
public struct RunOptions: ConfigSection, Equatable, Sendable {
    /// Seed of every random stream.
    public var seed = 0

    public init() {}
    public static let section = ""
    public static let settings: [Setting<RunOptions>] = [
        .int(
            "seed", \.seed, .within(0, 9_007_199_254_740_992),
            "seed of every random stream (initialisation, data order, augmentation, pools)")
    ]
}

/// `data.*`: how training images are augmented.
public struct DataOptions: ConfigSection, Equatable, Sendable {
    public var loadSize = 286
    public var cropSize = 256
    public var flip = true

    public init() {}
    public static let section = "data"
    public static let settings: [Setting<DataOptions>] = [
        .int(
            "load_size", \.loadSize, .count(atMost: Double(DatasetLayout.maximumImageSide)),
            "images are resized to this size before cropping"),
        .int("crop_size", \.cropSize, .count(atMost: Double(DatasetLayout.maximumImageSide)), "random crop size (the training resolution)"),
        .bool("flip", \.flip, "random horizontal flips"),
    ]
}

/// `train.*`: the loop's length and cadences.
public struct TrainOptions: ConfigSection, Equatable, Sendable {
    public var batchSize = 1
    public var steps = -1
    public var logEvery = 10
    public var sampleEvery = 500
    public var checkpointEvery = 1000
    public var keepCheckpoints = 3
    public var sampleCount = 4

    public init() {}
    public static let section = "train"
    public static let settings: [Setting<TrainOptions>] = [
        .int("batch_size", \.batchSize, .count(atMost: 65_536), "global batch size (split evenly across ranks)"),
        .int(
            "steps", \.steps, .within(-1, 1e12),
            "optimisation steps to run in all (a resumed run continues to it); -1: the model's full schedule; 0: write the initial checkpoint and exit"
        ),
        .int("log_every", \.logEvery, .count(atMost: 1e12), "steps between metrics lines"),
        .int("sample_every", \.sampleEvery, .within(0, 1e12), "steps between sample grids (0: only at the end)"),
        .int("checkpoint_every", \.checkpointEvery, .within(0, 1e12), "steps between checkpoints (0: only at the end)"),
        .int("keep_checkpoints", \.keepCheckpoints, .count(atMost: 1_000_000), "how many recent checkpoints to keep"),
        .int("sample_count", \.sampleCount, .within(0, 64), "test images shown in each sample grid"),
    ]
}

/// `distributed.*`: buckets, deadlines and checks of the data-parallel runtime.
public struct DistributedOptions: ConfigSection, Equatable, Sendable {
    public var bucketMB = 25.0
    public var timeoutSeconds = 300.0
    public var checkpointTimeoutSeconds = 1800.0
    public var checksumEvery = 200
    public var maxSkippedSteps = 5
    public var shardOptimizer = false

    public init() {}
    public static let section = "distributed"
    public static let settings: [Setting<DistributedOptions>] = [
        .double("bucket_mb", \.bucketMB, .positive(atMost: 65_536), "gradient all-reduce bucket size in MB"),
        .double("timeout_seconds", \.timeoutSeconds, .positive(atMost: 1e7), "deadline of every collective; past it the job aborts"),
        .double(
            "checkpoint_timeout_seconds", \.checkpointTimeoutSeconds, .positive(atMost: 1e7),
            "how long the other ranks wait while rank 0 reads or writes a checkpoint"),
        .int(
            "checksum_every", \.checksumEvery, .within(0, 1e12),
            "steps between cross-rank parameter checksum comparisons (0: never)"),
        .int(
            "max_skipped_steps", \.maxSkippedSteps, .count(atMost: 1e12),
            "consecutive steps skipped for non-finite values before the run stops"),
        .bool(
            "shard_optimizer", \.shardOptimizer,
            "each rank holds the Adam moments of its slice of every parameter buffer only (ZeRO stage 1) and gives back the gradient memory outside its slice once reduced (stage 2): gradients are reduce-scattered, parameters all-gathered"
        ),
    ]

    /// Bucket size in bytes.
    public var bucketBytes: Int { Int(bucketMB * 1_048_576) }
}

/// `compute.*`: threads and kernels of each rank.
///
/// The environment variables `I2I_THREADS` and
/// `I2I_WINOGRAD` set the same for commands that read no config (bench, translate).
public struct ComputeOptions: ConfigSection, Equatable, Sendable {
    public var threads = 0
    public var winograd = true
    public var poolCacheMB = -1

    public init() {}
    public static let section = "compute"
    public static let settings: [Setting<ComputeOptions>] = [
        .int(
            "threads", \.threads, .within(0, 4096),
            "compute threads per rank (0: the node's cores divided by the ranks on it; --threads overrides)"),
        .bool("winograd", \.winograd, "Winograd F(4×4, 3×3) for 3×3 stride-1 convolutions (false: im2col and GEMM only)"),
        .int(
            "pool_cache_mb", \.poolCacheMB, .within(-1, 1_048_576),
            "most MiB of freed tensor buffers each rank keeps for reuse (-1: 8192, or 256 with distributed.shard_optimizer; less memory, more page faults)"
        ),
    ]

    /// The tensor pool's cache cap in bytes, nil for the automatic choice (`pool_cache_mb: -1`).
    public var poolCacheBytes: Int? { poolCacheMB < 0 ? nil : poolCacheMB << 20 }
}
