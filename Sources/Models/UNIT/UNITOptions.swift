// UNIT's hyper-parameters and its configuration section (`unit.*`). Two code bases of the
// authors disagree (mingyuliutw/UNIT): `variant: master` is the official master branch
// (`configs/unit_*.yaml`, `trainer.py: UNIT_Trainer`), the default; `variant: paper` is the
// NIPS 2017 paper's code, branch `version_02` (`exps/unit/cat2tiger.yaml`,
// `src/trainers/cocogan_trainer.py`). Keys carry the official names of the variant they belong
// to; the three whose defaults differ between the variants are −1 unless set: `gan_w` (master 1,
// paper 10), `dis_n_layer` (4, 6) and `max_iter` (1,000,000, 500,000).
import Configuration
import NN
import TensorCore

/// Which of the official code bases to follow.
public enum UNITVariant: String, CaseIterable, Codable, Sendable {
    /// The official master: two independent `VAEGen`s, multi-scale LSGAN discriminators.
    case master
    /// The paper's code (`version_02`): `COCOResGen` with shared layers, `COCODis` with BCE.
    case paper
}

/// Initialisation of the master variant's generators (`init`).
public enum UNITInitialization: String, CaseIterable, Codable, Sendable {
    /// Kaiming normal (fan in, a = 0), biases 0 — the official configs' choice.
    case kaiming
    /// N(0, 0.02), biases 0.
    case gaussian
}

/// Hyper-parameters of UNIT (both variants).
public struct UNITOptions: Equatable, Sendable {
    public var variant: UNITVariant = .master
    // Shared by both variants.
    public var genDim = 64
    public var disDim = 64
    public var disLayers = -1
    public var ganWeight: Float = -1
    public var learningRate: Double = 1e-4
    public var beta1: Double = 0.5
    public var beta2: Double = 0.999
    public var weightDecay: Double = 1e-4
    public var maxIterations = -1
    // Master.
    public var downsample = 2
    public var residualBlocks = 4
    public var activation: BlockActivation = .relu
    public var padType: PaddingMode = .reflect
    public var disScales = 3
    public var disPadType: PaddingMode = .reflect
    public var ganType: MultiScaleGANType = .lsgan
    public var reconXWeight: Float = 10
    public var reconKLWeight: Float = 0.01
    public var reconXCycleWeight: Float = 10
    public var reconKLCycleWeight: Float = 0.01
    public var vggWeight: Float = 0
    public var vgg16Weights = "none"
    public var stepSize = 100_000
    public var gamma: Double = 0.5
    public var initialization: UNITInitialization = .kaiming
    // Paper (`COCOResGen`, `COCODis`).
    public var encoderFrontBlocks = 3
    public var encoderResidualBlocks = 3
    public var encoderSharedBlocks = 1
    public var generatorSharedBlocks = 1
    public var generatorResidualBlocks = 3
    public var generatorFrontBlocks = 3
    public var directReconstructionWeight: Float = 100
    public var directKLWeight: Float = 0.1
    public var cycleReconstructionWeight: Float = 100
    public var cycleKLWeight: Float = 0.1

    public init() {}

    /// `gan_w` with its variant default.
    public var resolvedGANWeight: Float { ganWeight >= 0 ? ganWeight : (variant == .master ? 1 : 10) }
    /// `dis_n_layer` with its variant default.
    public var resolvedDisLayers: Int { disLayers > 0 ? disLayers : (variant == .master ? 4 : 6) }
    /// `max_iter` with its variant default.
    public var resolvedMaxIterations: Int { maxIterations > 0 ? maxIterations : (variant == .master ? 1_000_000 : 500_000) }

    /// Why these options cannot build a model, or nil.
    public var problem: String? {
        if ganWeight < 0 && ganWeight != -1 { return "unit.gan_w must be ≥ 0, or −1 for the variant's default" }
        if disLayers == 0 || disLayers < -1 { return "unit.dis_n_layer must be ≥ 1, or −1 for the variant's default" }
        if maxIterations == 0 || maxIterations < -1 { return "unit.max_iter must be ≥ 1, or −1 for the variant's default" }
        if vggWeight > 0 && variant == .master && vgg16Weights == "none" {
            return "unit.vgg_w = \(vggWeight) needs unit.vgg16_weights: an HDF5 file with the VGG16 weights under "
                + "/networks/vgg16 (launch/convert-weights vgg16 makes one from torchvision's VGG16)"
        }
        if variant == .paper && encoderFrontBlocks != generatorFrontBlocks {
            return "unit.n_enc_front_blk (\(encoderFrontBlocks)) and unit.n_gen_front_blk (\(generatorFrontBlocks)) must be "
                + "equal: the decoder undoes the encoder's downsampling"
        }
        return nil
    }
}

extension UNITOptions: ConfigSection {
    public static let section = "unit"

    public static let settings: [Setting<UNITOptions>] = [
        .choice("variant", \.variant, "master: the official master code; paper: the NIPS 2017 code (version_02) with shared layers"),
        .int("gen_dim", \.genDim, .count(atMost: 4096), "generator filters in the first conv (master gen.dim, paper gen.ch)"),
        .int("dis_dim", \.disDim, .count(atMost: 4096), "discriminator filters in the first conv (master dis.dim, paper dis.ch)"),
        .int("dis_n_layer", \.disLayers, .within(-1, 12), "stride-2 layers per discriminator; −1: master 4, paper 6"),
        .float("gan_w", \.ganWeight, .within(-1, 1e6), "weight of the adversarial losses; −1: master 1, paper 10"),
        .double("lr", \.learningRate, .positive(atMost: 1), "Adam learning rate of both optimisers"),
        .double("beta1", \.beta1, .from(0, below: 1), "Adam β1"),
        .double("beta2", \.beta2, .from(0, below: 1), "Adam β2"),
        .double("weight_decay", \.weightDecay, .within(0, 1), "Adam's coupled L2 weight decay"),
        .int("max_iter", \.maxIterations, .within(-1, 1e9), "iterations of the full schedule; −1: master 1,000,000, paper 500,000"),
        .int("n_downsample", \.downsample, .within(1, 6), "master: stride-2 convs in each content encoder"),
        .int("n_res", \.residualBlocks, .within(0, 64), "master: residual blocks in each encoder and decoder"),
        .choice("activ", \.activation, "master: the generators' activation"),
        .choice("pad_type", \.padType, "master: the generators' padding"),
        .int("dis_num_scales", \.disScales, .count(atMost: 6), "master: scales of each multi-scale discriminator"),
        .choice("dis_pad_type", \.disPadType, "master: the discriminators' padding"),
        .choice("gan_type", \.ganType, "master: lsgan or nsgan (BCE on logits)"),
        .float("recon_x_w", \.reconXWeight, .within(0, 1e6), "master: weight of the L1 reconstruction of each image"),
        .float("recon_kl_w", \.reconKLWeight, .within(0, 1e6), "master: weight of the KL term mean(h²) of each latent"),
        .float("recon_x_cyc_w", \.reconXCycleWeight, .within(0, 1e6), "master: weight of the L1 cycle reconstruction"),
        .float("recon_kl_cyc_w", \.reconKLCycleWeight, .within(0, 1e6), "master: weight of the KL term of the re-encoded latents"),
        .float("vgg_w", \.vggWeight, .within(0, 1e6), "master: weight of the domain-invariant VGG16 perceptual loss (0: off)"),
        .string("vgg16_weights", \.vgg16Weights, "master: HDF5 file of the frozen VGG16 (/networks/vgg16), or none"),
        .int("step_size", \.stepSize, .within(1, 1e9), "master: iterations between learning-rate decays (StepLR)"),
        .double("gamma", \.gamma, .within(0, 1), "master: learning-rate factor at each decay"),
        .choice("init", \.initialization, "master: generator initialisation (discriminators are N(0, 0.02))"),
        .int("n_enc_front_blk", \.encoderFrontBlocks, .within(1, 6), "paper: front convs of each encoder (the first 7×7, then stride 2)"),
        .int("n_enc_res_blk", \.encoderResidualBlocks, .within(0, 64), "paper: residual blocks of each encoder"),
        .int("n_enc_shared_blk", \.encoderSharedBlocks, .within(0, 64), "paper: residual blocks shared by both encoders"),
        .int("n_gen_shared_blk", \.generatorSharedBlocks, .within(0, 64), "paper: residual blocks shared by both decoders"),
        .int("n_gen_res_blk", \.generatorResidualBlocks, .within(0, 64), "paper: residual blocks of each decoder"),
        .int("n_gen_front_blk", \.generatorFrontBlocks, .within(1, 6), "paper: transposed convs of each decoder, the 1×1 output included"),
        .float("ll_direct_link_w", \.directReconstructionWeight, .within(0, 1e6), "paper: weight of the L1 reconstruction (λ2)"),
        .float("kl_direct_link_w", \.directKLWeight, .within(0, 1e6), "paper: weight of the KL term, counted twice as the code does (λ1)"),
        .float("ll_cycle_link_w", \.cycleReconstructionWeight, .within(0, 1e6), "paper: weight of the L1 cycle reconstruction (λ4)"),
        .float("kl_cycle_link_w", \.cycleKLWeight, .within(0, 1e6), "paper: weight of the cycle KL terms (λ3)"),
    ]
}
