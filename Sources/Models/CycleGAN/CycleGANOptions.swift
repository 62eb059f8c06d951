// CycleGAN's hyper-parameters and its configuration section (`cyclegan.*`), with the official
// code's option names (junyanz/pytorch-CycleGAN-and-pix2pix, `options/base_options.py`,
// `options/train_options.py`, `models/cycle_gan_model.py`). The defaults are the paper's.
import Configuration

/// Hyper-parameters of CycleGAN.
public struct CycleGANOptions: Codable, Equatable, Sendable {
    public var ngf = 64
    public var ndf = 64
    public var generatorBlocks = 9
    public var discriminatorLayers = 3
    public var ganMode: GANMode = .lsgan
    public var lambdaA: Float = 10
    public var lambdaB: Float = 10
    public var lambdaIdentity: Float = 0.5
    public var poolSize = 50
    public var learningRate: Double = 2e-4
    public var beta1: Double = 0.5
    public var beta2: Double = 0.999
    public var epochs = 100
    public var epochsDecay = 100
    public var initGain: Float = 0.02

    public init() {}
}

extension CycleGANOptions: ConfigSection {
    public static let section = "cyclegan"

    public static let settings: [Setting<CycleGANOptions>] = [
        .int("ngf", \.ngf, .count(atMost: 4096), "generator filters in the first conv layer"),
        .int("ndf", \.ndf, .count(atMost: 4096), "discriminator filters in the first conv layer"),
        .int("n_blocks", \.generatorBlocks, .count(atMost: 64), "residual blocks in the generator"),
        .int("n_layers_D", \.discriminatorLayers, .count(atMost: 8), "PatchGAN discriminator layers"),
        .choice("gan_mode", \.ganMode, "adversarial loss"),
        .float("lambda_A", \.lambdaA, .within(0, 1e6), "weight of the cycle loss A → B → A"),
        .float("lambda_B", \.lambdaB, .within(0, 1e6), "weight of the cycle loss B → A → B"),
        .float("lambda_identity", \.lambdaIdentity, .within(0, 1e6), "identity loss weight, relative to lambda_A/B"),
        .int("pool_size", \.poolSize, .within(0, 100_000), "images kept in each fake-image pool (0 disables)"),
        .double("lr", \.learningRate, .positive(atMost: 1), "Adam learning rate"),
        .double("beta1", \.beta1, .from(0, below: 1), "Adam β1"),
        .double("beta2", \.beta2, .from(0, below: 1), "Adam β2"),
        .int("n_epochs", \.epochs, .within(0, 1_000_000), "epochs at the initial learning rate"),
        .int("n_epochs_decay", \.epochsDecay, .within(0, 1_000_000), "epochs of linear decay to zero"),
        .float("init_gain", \.initGain, .positive(atMost: 10), "standard deviation of the N(0, σ) initialisation"),
    ]
}
