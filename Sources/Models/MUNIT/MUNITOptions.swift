// MUNIT's hyper-parameters and its configuration section (`munit.*`), with the official names
// and defaults of NVlabs/MUNIT `configs/edges2handbags_folder.yaml` / `edges2shoes_folder.yaml`
// (`gen.*` keys without the prefix, `dis.*` keys with `dis_`). `self_attention: true` is
// itsss/img2img_sa (MUNIT with self-attention blocks in the decoder and the discriminators;
// its `configs/cat2dog.yaml` differs only in recon_x_cyc_w 10, see configs/munit-sa.yaml).
import Configuration
import NN
import TensorCore

/// Hyper-parameters of MUNIT and of MUNIT with self-attention.
public struct MUNITOptions: Equatable, Sendable {
    public var selfAttention = false
    public var genDim = 64
    public var styleDim = 8
    public var mlpDim = 256
    public var downsample = 2
    public var residualBlocks = 4
    public var activation: BlockActivation = .relu
    public var padType: PaddingMode = .reflect
    public var disDim = 64
    public var disLayers = 4
    public var disScales = 3
    public var disPadType: PaddingMode = .reflect
    public var ganType: MultiScaleGANType = .lsgan
    public var ganWeight: Float = 1
    public var reconXWeight: Float = 10
    public var reconSWeight: Float = 1
    public var reconCWeight: Float = 1
    public var reconXCycleWeight: Float = 0
    public var vggWeight: Float = 0
    public var vgg16Weights = "none"
    public var learningRate: Double = 1e-4
    public var beta1: Double = 0.5
    public var beta2: Double = 0.999
    public var weightDecay: Double = 1e-4
    public var stepSize = 100_000
    public var gamma: Double = 0.5
    public var maxIterations = 1_000_000
    public var initialization: UNITInitialization = .kaiming

    public init() {}

    /// Why these options cannot build a model, or nil.
    public var problem: String? {
        if vggWeight > 0 && vgg16Weights == "none" {
            return "munit.vgg_w = \(vggWeight) needs munit.vgg16_weights: an HDF5 file with the VGG16 weights under "
                + "/networks/vgg16 (launch/convert-weights vgg16 makes one from torchvision's VGG16)"
        }
        if selfAttention && (genDim * (1 << downsample) < 8 || disDim * (1 << (disLayers - 1)) < 8) {
            return "munit.self_attention needs at least 8 channels where the attention blocks sit (query and key have C/8)"
        }
        return nil
    }
}

extension MUNITOptions: ConfigSection {
    public static let section = "munit"

    public static let settings: [Setting<MUNITOptions>] = [
        .bool(
            "self_attention", \.selfAttention, "itsss/img2img_sa: self-attention after the decoder's residual blocks and in each D scale"),
        .int("gen_dim", \.genDim, .count(atMost: 4096), "generator filters in the first conv (gen.dim)"),
        .int("style_dim", \.styleDim, .count(atMost: 4096), "length of the style code (gen.style_dim)"),
        .int("mlp_dim", \.mlpDim, .count(atMost: 65536), "width of the MLP from style code to AdaIN parameters (gen.mlp_dim)"),
        .int("n_downsample", \.downsample, .within(1, 6), "stride-2 convs in each content encoder (gen.n_downsample)"),
        .int("n_res", \.residualBlocks, .within(0, 64), "residual blocks in each content encoder and decoder (gen.n_res)"),
        .choice("activ", \.activation, "the generators' activation (gen.activ)"),
        .choice("pad_type", \.padType, "the generators' padding (gen.pad_type)"),
        .int("dis_dim", \.disDim, .count(atMost: 4096), "discriminator filters in the first conv (dis.dim)"),
        .int("dis_n_layer", \.disLayers, .within(1, 12), "stride-2 layers per discriminator scale (dis.n_layer)"),
        .int("dis_num_scales", \.disScales, .count(atMost: 6), "scales of each multi-scale discriminator (dis.num_scales)"),
        .choice("dis_pad_type", \.disPadType, "the discriminators' padding (dis.pad_type)"),
        .choice("gan_type", \.ganType, "lsgan or nsgan (BCE on logits) (dis.gan_type)"),
        .float("gan_w", \.ganWeight, .within(0, 1e6), "weight of the adversarial losses"),
        .float("recon_x_w", \.reconXWeight, .within(0, 1e6), "weight of the L1 within-domain image reconstruction"),
        .float("recon_s_w", \.reconSWeight, .within(0, 1e6), "weight of the L1 style-code reconstruction"),
        .float("recon_c_w", \.reconCWeight, .within(0, 1e6), "weight of the L1 content-code reconstruction"),
        .float("recon_x_cyc_w", \.reconXCycleWeight, .within(0, 1e6), "weight of the style-augmented cycle reconstruction (0: off)"),
        .float("vgg_w", \.vggWeight, .within(0, 1e6), "weight of the domain-invariant VGG16 perceptual loss (0: off)"),
        .string("vgg16_weights", \.vgg16Weights, "HDF5 file of the frozen VGG16 (/networks/vgg16), or none"),
        .double("lr", \.learningRate, .positive(atMost: 1), "Adam learning rate of both optimisers"),
        .double("beta1", \.beta1, .from(0, below: 1), "Adam β1"),
        .double("beta2", \.beta2, .from(0, below: 1), "Adam β2"),
        .double("weight_decay", \.weightDecay, .within(0, 1), "Adam's coupled L2 weight decay"),
        .int("step_size", \.stepSize, .within(1, 1e9), "iterations between learning-rate decays (StepLR)"),
        .double("gamma", \.gamma, .within(0, 1), "learning-rate factor at each decay"),
        .int("max_iter", \.maxIterations, .within(1, 1e9), "iterations of the full schedule"),
        .choice("init", \.initialization, "generator initialisation (discriminators are N(0, 0.02))"),
    ]
}
