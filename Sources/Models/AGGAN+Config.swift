// AGGAN's hyper-parameters and its configuration section (`aggan.*`). Defaults are the
// official code's: main.py's flags (switch 30, threshold 0.1), model.py's constants (ngf 32,
// ndf 64, 9 blocks, pool 50), and configs/exp_01.json (horse2zebra: base_lr 1e-4 for
// max_step = 100 epochs, λ 10; summer2winter, exp_05.json, uses 2e-4 for 200 epochs).

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

extension AGGANOptions {
    /// The settings of the `aggan` section and their defaults (the official code's).
    public static let fields: [ConfigField] = [
        ConfigField("aggan.ngf", .int, .int(32), "filters in the first conv of the generators and attention networks"),
        ConfigField("aggan.ndf", .int, .int(64), "discriminator filters in the first conv layer"),
        ConfigField("aggan.n_blocks", .int, .int(9), "residual blocks in the generator"),
        ConfigField("aggan.attention_kernels", .choice(AttentionKernels.allCases.map(\.rawValue)), .string("official"),
                    "attention net's last three convs: official (1×1, as the TF code runs) or paper (3×3, 3×3, 7×7)"),
        ConfigField("aggan.lambda_a", .double, .double(10), "weight of the cycle loss A → B → A (_LAMBDA_A)"),
        ConfigField("aggan.lambda_b", .double, .double(10), "weight of the cycle loss B → A → B (_LAMBDA_B)"),
        ConfigField("aggan.pool_size", .int, .int(50), "(fake, mask) pairs kept in each pool (0 disables)"),
        ConfigField("aggan.base_lr", .double, .double(1e-4), "Adam learning rate before the decay"),
        ConfigField("aggan.beta1", .double, .double(0.5), "Adam β1"),
        ConfigField("aggan.beta2", .double, .double(0.999), "Adam β2"),
        ConfigField("aggan.max_epochs", .int, .int(100),
                    "epochs (the official max_step): constant rate for the first half, then linear to 0"),
        ConfigField("aggan.switch", .int, .int(30),
                    "first epoch of stage 2: attention frozen, masks binarised at threshold, no norm in D"),
        ConfigField("aggan.threshold", .double, .double(0.1), "τ: mask value below which stage-2 discriminators see 0"),
        ConfigField("aggan.init_stddev", .double, .double(0.02), "σ of the truncated-normal conv initialisation"),
    ]

    /// Options from resolved configuration values.
    public init(_ v: ConfigValues) {
        self.init()
        ngf = v.int("aggan.ngf")
        ndf = v.int("aggan.ndf")
        generatorBlocks = v.int("aggan.n_blocks")
        attentionKernels = AttentionKernels(rawValue: v.string("aggan.attention_kernels")) ?? .official
        lambdaA = v.float("aggan.lambda_a")
        lambdaB = v.float("aggan.lambda_b")
        poolSize = v.int("aggan.pool_size")
        learningRate = v.double("aggan.base_lr")
        beta1 = v.double("aggan.beta1")
        beta2 = v.double("aggan.beta2")
        maxEpochs = v.int("aggan.max_epochs")
        switchEpoch = v.int("aggan.switch")
        threshold = v.float("aggan.threshold")
        initStddev = v.float("aggan.init_stddev")
    }
}
