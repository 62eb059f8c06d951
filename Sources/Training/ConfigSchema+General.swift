// The settings every run has (seed, data, training loop, distribution), beside each model's
// own section, and the lookup of a model's section by kind.
import Models

/// The general settings and every model's section.
public enum ExperimentSchema {
    /// Settings outside the model sections.
    public static let general: [ConfigField] = [
        ConfigField("model", .choice(ModelKind.allCases.map(\.rawValue)), .string("cyclegan"), "which model to train"),
        ConfigField("seed", .int, .int(0), "seed of every random stream (initialisation, data order, augmentation, pools)"),
        ConfigField("data.load_size", .int, .int(286), "images are resized to this size before cropping"),
        ConfigField("data.crop_size", .int, .int(256), "random crop size (the training resolution)"),
        ConfigField("data.flip", .bool, .bool(true), "random horizontal flips"),
        ConfigField("train.batch_size", .int, .int(1), "global batch size (split evenly across ranks)"),
        ConfigField("train.steps", .int, .int(0), "optimisation steps to run; 0 runs the model's full schedule"),
        ConfigField("train.log_every", .int, .int(10), "steps between metrics lines"),
        ConfigField("train.sample_every", .int, .int(500), "steps between sample grids (0: only at the end)"),
        ConfigField("train.checkpoint_every", .int, .int(1000), "steps between checkpoints (0: only at the end)"),
        ConfigField("train.keep_checkpoints", .int, .int(3), "how many recent checkpoints to keep"),
        ConfigField("train.sample_count", .int, .int(4), "test images shown in each sample grid"),
        ConfigField("distributed.bucket_mb", .double, .double(25), "gradient all-reduce bucket size in MB"),
        ConfigField("distributed.timeout_seconds", .double, .double(300), "deadline of every collective; past it the job aborts"),
        ConfigField("distributed.checkpoint_timeout_seconds", .double, .double(1800),
                    "how long the other ranks wait while rank 0 reads or writes a checkpoint"),
        ConfigField("distributed.checksum_every", .int, .int(200), "steps between cross-rank parameter checksum comparisons (0: never)"),
        ConfigField("distributed.max_skipped_steps", .int, .int(5), "consecutive steps skipped for non-finite values before the run stops"),
    ] + debug

    /// Fault injection and tracing for the multi-rank tests; all off by default. Steps are
    /// counted from 1, as in metrics.jsonl (step 1 is the first optimisation step).
    public static let debug: [ConfigField] = [
        ConfigField("debug.nonfinite_rank", .int, .int(-1), "test hook: this rank's losses become NaN at debug.nonfinite_step (-1: off)"),
        ConfigField("debug.nonfinite_step", .int, .int(0), "test hook: the step at which debug.nonfinite_rank's losses become NaN"),
        ConfigField("debug.crash_rank", .int, .int(-1), "test hook: this rank fails at the start of debug.crash_step (-1: off)"),
        ConfigField("debug.crash_step", .int, .int(0), "test hook: the step at whose start debug.crash_rank fails"),
        ConfigField("debug.crash_kind", .choice(["kill", "stall"]), .string("kill"),
                    "test hook: kill (the rank SIGKILLs itself) or stall (it stops taking part, so the others reach the collective deadline)"),
        ConfigField("debug.checkpoint_pause_seconds", .double, .double(0),
                    "test hook: rank 0 sleeps this long after writing a checkpoint's temporary file, before renaming it"),
        ConfigField("debug.per_rank_checksums", .bool, .bool(false),
                    "test hook: every rank prints a checksum of its networks and optimiser state after each step"),
        ConfigField("debug.trace_samples", .bool, .bool(false),
                    "test hook: rank 0 writes each step's global sample indices (position:A:B) to log.txt"),
    ]

    /// The section of each model.
    public static func fields(for kind: ModelKind) -> [ConfigField] {
        switch kind {
        case .cyclegan: return CycleGANOptions.fields
        case .aggan: return AGGANOptions.fields
        }
    }

    /// The section name of a model's settings.
    public static func section(for kind: ModelKind) -> String { kind.rawValue }
}
