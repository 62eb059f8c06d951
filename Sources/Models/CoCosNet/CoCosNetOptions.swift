// The architecture options of CoCosNet's networks, field for field the `CoCosNetConfig` of the
// PyTorch expression (launch/reference/i2i_reference/cocosnet_networks.py), with the defaults of
// the ADE20k command of microsoft/CoCosNet's README (`--use_attention --maskmix
// --warp_mask_losstype direct --PONO --PONO_C --vgg_normal_correct`) and options/*.py:
// semantic_nc 151 (150 labels + "don't care"), ngf = ndf = 64, crop 256, adaptor_kernel 3,
// warp_stride 4, match_kernel 3, n_layers_D 4, num_D 2, temperature 0.01, init xavier with
// init_variance 0.02. The SPADE hidden width (128) and the correspondence widths (feature_channel
// 64, inter_channels 256) are hard-coded in the official code; they are options here so that test
// fixtures can narrow them.
import Configuration
import NN

/// Architecture options of CoCosNet's correspondence network, generator and discriminator.
public struct CoCosNetOptions: Equatable, Sendable {
    /// One-hot label channels (`semantic_nc`: label_nc plus the "don't care" label).
    public var semanticChannels = 151
    /// Base width of the adaptors and the generator (`ngf`).
    public var generatorChannels = 64
    /// Base width of the discriminators (`ndf`).
    public var discriminatorChannels = 64
    /// Kernel of the adaptors' two stride-2 convs (`adaptor_kernel`).
    public var adaptorKernel = 3
    /// The correspondence's resolution divisor (`warp_stride`: 4, or 2 for half resolution).
    public var warpStride = 4
    /// Neighbourhood side of the matching vectors (`match_kernel`: 1 or 3).
    public var matchKernel = 3
    /// Concatenate the one-hot masks to the adaptor features before the trunk (`--maskmix`).
    public var maskMix = true
    /// Self-attention in the generator (at 128² for a 256 crop) and the discriminators (`--use_attention`).
    public var useAttention = true
    /// Centre the matching vectors over their feature dimension (`--PONO_C`), else over positions.
    public var ponoC = true
    /// Layers of each discriminator (`n_layers_D`).
    public var discriminatorLayers = 4
    /// Discriminator scales (`num_D`).
    public var discriminatorScales = 2
    /// SPADE's shared-conv width (`nhidden`, 128 in the official code).
    public var spadeHidden = 128
    /// NoVGGCorrespondence `feature_channel` (the trunk is 4× this plus the mask): ngf, as the
    /// adaptors' 4·ngf output channels feed the trunk.
    public var correspondenceFeatureChannels: Int { generatorChannels }
    /// NoVGGCorrespondence `inter_channels`: the width of θ and φ.
    public var correspondenceInterChannels = 256
    /// Softmax temperature of the correspondence (`temperature`, 0.01 in `Pix2PixModel`).
    public var temperature: Float = 0.01
    /// Xavier-normal gain of every conv weight (`init_variance`).
    public var initGain: Float = 0.02

    // MARK: Training (options/train_options.py and the README's ADE20k command)

    /// lr₀ (`lr`): G and netCorr train at lr₀/2, D at 2·lr₀ with TTUR.
    public var learningRate: Double = 2e-4
    /// Two time-scale rates and Adam betas (0, 0.9) (the default; `--no_TTUR` gives β1, β2 and one rate).
    public var ttur = true
    /// Adam betas without TTUR (`beta1`, `beta2`).
    public var beta1: Double = 0.5
    public var beta2: Double = 0.999
    /// Epochs at lr₀, then epochs of linear decay (`niter`, `niter_decay`; ADE20k 100 + 100).
    public var constantEpochs = 100
    public var decayEpochs = 100
    /// Loss weights (`novgg_featpair`, `weight_gan`, `lambda_feat`, `lambda_vgg`, `fm_ratio`,
    /// `weight_perceptual`, `ctx_w`, `weight_mask`, `warp_cycle_w`, `warp_self_w`).
    public var domainAlignmentWeight: Float = 10
    public var ganWeight: Float = 10
    public var featureMatchingWeight: Float = 10
    public var vggWeight: Float = 10
    public var pseudoPairRatio: Float = 0.1
    public var perceptualWeight: Float = 0.01
    public var contextualWeight: Float = 1
    public var maskWeight: Float = 100
    public var warpCycleWeight: Float = 0
    public var warpSelfWeight: Float = 0
    /// The perceptual term's layer (`which_perceptual`: 5_2 or 4_2).
    public var perceptualLayer: PerceptualLayerChoice = .relu5_2
    /// Add CX(avgpool4(relu2_2)) to the contextual loss (`--use_22ctx`).
    public var contextualRelu22 = false
    /// The frozen VGG19's HDF5 file (`/networks/vgg19`), `none` to train without the four VGG
    /// terms, or `random` for a VGG19 left at its seeded initialisation (demos and benchmarks
    /// without the pretrained file; not the paper's losses); the config must say which.
    public var vgg19Weights = ""
    /// The VGG19's width divisor (tests load a narrowed copy; not a config key).
    public var vggWidthDivisor = 1

    /// The official ADE20k configuration.
    public init() {}

    /// The resolution divisor of the correspondence (2 with warp_stride 2, else 4).
    public var down: Int { warpStride == 2 ? 2 : 4 }

    /// The first inconsistency of the options, as one sentence, or nil.
    public var problem: String? {
        if let problem = architectureProblem { return problem }
        if vgg19Weights.isEmpty {
            return "cocosnet.vgg19_weights must name the frozen VGG19's HDF5 file (launch/convert-weights to-i2i --model vgg19 "
                + "makes one from the official vgg19_conv.pth or torchvision's VGG19), none to train without the VGG terms, "
                + "or random for an untrained VGG19"
        }
        return nil
    }

    /// The first inconsistency of the networks' options (what building them needs), or nil.
    public var architectureProblem: String? {
        let positive = [
            ("semantic_nc", semanticChannels), ("ngf", generatorChannels), ("ndf", discriminatorChannels),
            ("spade_hidden", spadeHidden), ("corr_inter_channels", correspondenceInterChannels),
        ]
        if let bad = positive.first(where: { $0.1 < 1 }) { return "\(bad.0) must be positive, not \(bad.1)" }
        if ![2, 4].contains(warpStride) { return "warp_stride must be 2 or 4, not \(warpStride)" }
        if ![1, 3].contains(matchKernel) { return "match_kernel must be 1 or 3, not \(matchKernel)" }
        if ![3, 4].contains(adaptorKernel) { return "adaptor_kernel must be 3 or 4, not \(adaptorKernel)" }
        if discriminatorLayers < 2 { return "n_layers_D must be at least 2, not \(discriminatorLayers)" }
        if discriminatorScales < 1 { return "num_D must be at least 1, not \(discriminatorScales)" }
        if useAttention {
            // netG's attention reads 4·ngf channels, each scale's the input of model3 (ndf·2^(L−2), at most 512).
            let dWidth = min(discriminatorChannels << (discriminatorLayers - 2), 512)
            if generatorChannels * 4 < 8 || dWidth < 8 {
                return "the attention blocks need at least 8 channels (4·ngf is \(generatorChannels * 4), the discriminator's \(dWidth))"
            }
            if discriminatorLayers != 4 {
                return "the discriminators' attention sits before model3, so use_attention needs n_layers_D 4, not \(discriminatorLayers)"
            }
        }
        if !(temperature > 0) { return "temperature must be positive, not \(temperature)" }
        return nil
    }

    /// Whether the fm, perc and contextual terms are trained (a VGG19 file or `random` is named).
    public var usesVGG: Bool { vgg19Weights != "none" }

    /// Whether the VGG19 stays at its seeded random initialisation (`vgg19_weights: random`).
    public var usesRandomVGG: Bool { vgg19Weights == Vgg19.untrained }

    /// Why square crops of `size` cannot be used, or nil: the generator starts at size/32, and
    /// each discriminator scale's 4×4 convs need room.
    public func sizeProblem(_ size: Int) -> String? {
        if size < 32 || size % 32 != 0 { return "the generator starts from size/32: the crop size must be a multiple of 32, not \(size)" }
        // Scale k sees size/2^k; n_layers_D − 1 stride-2 convs, then two stride-1 4×4 convs (pad 1)
        // each shrink the map by one.
        let smallest = size >> (discriminatorScales - 1)
        let last = (smallest >> (discriminatorLayers - 1)) - 2
        if last < 1 {
            return "the \(discriminatorScales)-scale discriminator needs crops of at least "
                + "\(32 << (discriminatorScales - 1)) px for its smallest scale, not \(size)"
        }
        return nil
    }

    /// The initialiser of every conv weight: Xavier normal with gain `initGain`, biases 0
    /// (microsoft/CoCosNet models/networks/base_network.py `init_weights`, `init_type xavier`).
    public var initializer: Initializer { .xavierNormal(gain: initGain) }
}

/// `which_perceptual`: the VGG19 layer of the perceptual term.
public enum PerceptualLayerChoice: String, CaseIterable, Sendable {
    case relu5_2 = "5_2"
    case relu4_2 = "4_2"

    /// The loss's layer.
    public var layer: CoCosNetLosses.PerceptualLayer { self == .relu5_2 ? .relu5_2 : .relu4_2 }
}

extension CoCosNetOptions: ConfigSection {
    public static let section = "cocosnet"

    public static let settings: [Setting<CoCosNetOptions>] = [
        .int(
            "semantic_nc", \.semanticChannels, .within(1, 256),
            "label classes of the one-hot maps (label_nc, plus 1 with a don't-care label)"),
        .int("ngf", \.generatorChannels, .count(atMost: 4096), "base width of the adaptors and the generator"),
        .int("ndf", \.discriminatorChannels, .count(atMost: 4096), "base width of the discriminators"),
        .int(
            "adaptor_kernel", \.adaptorKernel, .within(3, 4),
            "kernel of the adaptors' stride-2 convs (3 for ADE20k, 4 for CelebA-HQ and DeepFashion)"),
        .int("warp_stride", \.warpStride, .within(2, 4), "the correspondence's resolution divisor: 4, or 2 for half resolution"),
        .int("match_kernel", \.matchKernel, .within(1, 3), "side of the unfolded matching neighbourhoods: 3 or 1"),
        .bool("maskmix", \.maskMix, "concatenate the one-hot masks to the adaptor features before the shared trunk (--maskmix)"),
        .bool("use_attention", \.useAttention, "self-attention in the generator and the discriminators (--use_attention)"),
        .bool("pono_c", \.ponoC, "centre the matching vectors over their feature dimension (--PONO_C)"),
        .int("n_layers_D", \.discriminatorLayers, .within(2, 8), "layers of each discriminator"),
        .int("num_D", \.discriminatorScales, .count(atMost: 6), "discriminator scales"),
        .int("spade_hidden", \.spadeHidden, .count(atMost: 4096), "width of SPADE's shared conv (128 in the official code)"),
        .int("corr_inter_channels", \.correspondenceInterChannels, .count(atMost: 4096), "width of θ and φ (256 in the official code)"),
        .float("temperature", \.temperature, .within(1e-6, 1e3), "softmax temperature of the correspondence"),
        .float("init_variance", \.initGain, .within(0, 10), "gain of the Xavier-normal initialisation"),
        .double("lr", \.learningRate, .positive(atMost: 1), "base learning rate (G and the correspondence lr/2, D 2·lr with TTUR)"),
        .bool("ttur", \.ttur, "two time-scale rates with Adam betas (0, 0.9); false: one rate and beta1, beta2 (--no_TTUR)"),
        .double("beta1", \.beta1, .from(0, below: 1), "Adam β1 without TTUR"),
        .double("beta2", \.beta2, .from(0, below: 1), "Adam β2 without TTUR"),
        .int("niter", \.constantEpochs, .within(0, 1e6), "epochs at the base rate"),
        .int("niter_decay", \.decayEpochs, .within(0, 1e6), "epochs of linear decay after niter"),
        .float("novgg_featpair", \.domainAlignmentWeight, .within(0, 1e6), "weight of the domain alignment of the adaptors' features"),
        .float("weight_gan", \.ganWeight, .within(0, 1e6), "weight of the hinge adversarial losses"),
        .float("lambda_feat", \.featureMatchingWeight, .within(0, 1e6), "weight of the discriminator feature matching"),
        .float("lambda_vgg", \.vggWeight, .within(0, 1e6), "weight of the VGG terms (fm and contextual)"),
        .float("fm_ratio", \.pseudoPairRatio, .within(0, 1e6), "share of lambda_vgg for the pseudo-pair feature matching"),
        .float("weight_perceptual", \.perceptualWeight, .within(0, 1e6), "weight of the perceptual MSE"),
        .choice("which_perceptual", \.perceptualLayer, "layer of the perceptual term: 5_2 or 4_2"),
        .float("ctx_w", \.contextualWeight, .within(0, 1e6), "share of lambda_vgg for the contextual loss"),
        .bool("use_22ctx", \.contextualRelu22, "add relu2_2 to the contextual loss"),
        .float("weight_mask", \.maskWeight, .within(0, 1e6), "weight of the warped-mask NLL (0: off)"),
        .float("warp_cycle_w", \.warpCycleWeight, .within(0, 1e6), "weight of the warp-cycle L1 (0: off)"),
        .float("warp_self_w", \.warpSelfWeight, .within(0, 1e6), "weight of the warp-self L1 on self-referenced samples (0: off)"),
        .string(
            "vgg19_weights", \.vgg19Weights,
            "HDF5 file of the frozen VGG19 (/networks/vgg19), none to train without the VGG terms, or random for an untrained VGG19"),
    ]
}
