// CycleGAN's configuration section (`cyclegan.*`), with the official code's option names.

extension CycleGANOptions {
    /// The settings of the `cyclegan` section and their defaults (the paper's).
    public static let fields: [ConfigField] = [
        ConfigField("cyclegan.ngf", .int, .int(64), "generator filters in the first conv layer"),
        ConfigField("cyclegan.ndf", .int, .int(64), "discriminator filters in the first conv layer"),
        ConfigField("cyclegan.n_blocks", .int, .int(9), "residual blocks in the generator"),
        ConfigField("cyclegan.n_layers_D", .int, .int(3), "PatchGAN discriminator layers"),
        ConfigField("cyclegan.gan_mode", .choice(GANMode.allCases.map(\.rawValue)), .string("lsgan"), "adversarial loss"),
        ConfigField("cyclegan.lambda_A", .double, .double(10), "weight of the cycle loss A → B → A"),
        ConfigField("cyclegan.lambda_B", .double, .double(10), "weight of the cycle loss B → A → B"),
        ConfigField("cyclegan.lambda_identity", .double, .double(0.5), "identity loss weight, relative to lambda_A/B"),
        ConfigField("cyclegan.pool_size", .int, .int(50), "images kept in each fake-image pool (0 disables)"),
        ConfigField("cyclegan.lr", .double, .double(2e-4), "Adam learning rate"),
        ConfigField("cyclegan.beta1", .double, .double(0.5), "Adam β1"),
        ConfigField("cyclegan.beta2", .double, .double(0.999), "Adam β2"),
        ConfigField("cyclegan.n_epochs", .int, .int(100), "epochs at the initial learning rate"),
        ConfigField("cyclegan.n_epochs_decay", .int, .int(100), "epochs of linear decay to zero"),
        ConfigField("cyclegan.init_gain", .double, .double(0.02), "standard deviation of the N(0, σ) initialisation"),
    ]

    /// Options from resolved configuration values.
    public init(_ v: ConfigValues) {
        self.init()
        ngf = v.int("cyclegan.ngf")
        ndf = v.int("cyclegan.ndf")
        generatorBlocks = v.int("cyclegan.n_blocks")
        discriminatorLayers = v.int("cyclegan.n_layers_D")
        ganMode = GANMode(rawValue: v.string("cyclegan.gan_mode")) ?? .lsgan
        lambdaA = v.float("cyclegan.lambda_A")
        lambdaB = v.float("cyclegan.lambda_B")
        lambdaIdentity = v.float("cyclegan.lambda_identity")
        poolSize = v.int("cyclegan.pool_size")
        learningRate = v.double("cyclegan.lr")
        beta1 = v.double("cyclegan.beta1")
        beta2 = v.double("cyclegan.beta2")
        epochs = v.int("cyclegan.n_epochs")
        epochsDecay = v.int("cyclegan.n_epochs_decay")
        initGain = v.float("cyclegan.init_gain")
    }
}
