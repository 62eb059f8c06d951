// AGGAN's hyper-parameters and its configuration section (`aggan.*`). Defaults are the
// official code's (AlamiMejjati/Unsupervised-Attention-guided-Image-to-Image-Translation):
// main.py's flags (switch 30, threshold 0.1), model.py's constants (ngf 32, ndf 64, 9 blocks,
// pool 50), and configs/exp_01.json (horse2zebra: base_lr 1e-4 for max_step = 100 epochs,
// λ 10; summer2winter, exp_05.json, uses 2e-4 for 200 epochs).
import Configuration

/// Hyper-parameters of AGGAN.
public struct AGGANOptions: Codable, Equatable, Sendable {
    /// Filters of the generators' first conv, and of the attention networks' (TF's global ngf).
    public var ngf = 32
    public var ndf = 64
    public var generatorBlocks = 9
    public var attentionKernels: AttentionKernels = .official
    public var lambdaA: Float = 10
    public var lambdaB: Float = 10
    public var poolSize = 50
    public var learningRate: Double = 1e-4
    public var beta1: Double = 0.5
    public var beta2: Double = 0.999
    /// Epochs of training; the rate is constant for the first half, then falls linearly to 0.
    public var maxEpochs = 100
    /// First epoch (from 0) of the second stage.
    public var switchEpoch = 30
    /// τ: in the second stage the discriminators see only pixels whose mask is ≥ τ.
    public var threshold: Float = 0.1
    /// Standard deviation of the truncated-normal conv initialisation.
    public var initStddev: Float = 0.02

    public init() {}
}

extension AGGANOptions: ConfigSection {
    public static let section = "aggan"

    public static let settings: [Setting<AGGANOptions>] = [
        .int("ngf", \.ngf, .count(atMost: 4096), "filters in the first conv of the generators and attention networks"),
        .int("ndf", \.ndf, .count(atMost: 4096), "discriminator filters in the first conv layer"),
        .int("n_blocks", \.generatorBlocks, .count(atMost: 64), "residual blocks in the generator"),
        .choice(
            "attention_kernels", \.attentionKernels,
            "attention net's last three convs: official (1×1, as the TF code runs) or paper (3×3, 3×3, 7×7)"),
        .float("lambda_a", \.lambdaA, .within(0, 1e6), "weight of the cycle loss A → B → A (_LAMBDA_A)"),
        .float("lambda_b", \.lambdaB, .within(0, 1e6), "weight of the cycle loss B → A → B (_LAMBDA_B)"),
        .int("pool_size", \.poolSize, .within(0, 100_000), "(fake, mask) pairs kept in each pool (0 disables)"),
        .double("base_lr", \.learningRate, .positive(atMost: 1), "Adam learning rate before the decay"),
        .double("beta1", \.beta1, .from(0, below: 1), "Adam β1"),
        .double("beta2", \.beta2, .from(0, below: 1), "Adam β2"),
        .int(
            "max_epochs", \.maxEpochs, .within(2, 1_000_000),
            "epochs (the official max_step): constant rate for the first half, then linear to 0"),
        .int(
            "switch", \.switchEpoch, .within(0, 1_000_000),
            "first epoch of stage 2: attention frozen, masks binarised at threshold, no norm in D"),
        .float("threshold", \.threshold, .within(0, 1), "τ: mask value below which stage-2 discriminators see 0"),
        .float("init_stddev", \.initStddev, .positive(atMost: 10), "σ of the truncated-normal conv initialisation"),
    ]
}
