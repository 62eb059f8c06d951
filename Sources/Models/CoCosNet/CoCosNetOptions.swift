// The architecture options of CoCosNet's networks, field for field the `CoCosNetConfig` of the
// PyTorch expression (launch/reference/i2i_reference/cocosnet_networks.py), with the defaults of
// the ADE20k command of microsoft/CoCosNet's README (`--use_attention --maskmix
// --warp_mask_losstype direct --PONO --PONO_C --vgg_normal_correct`) and options/*.py:
// semantic_nc 151 (150 labels + "don't care"), ngf = ndf = 64, crop 256, adaptor_kernel 3,
// warp_stride 4, match_kernel 3, n_layers_D 4, num_D 2, temperature 0.01, init xavier with
// init_variance 0.02. The SPADE hidden width (128) and the correspondence widths (feature_channel
// 64, inter_channels 256) are hard-coded in the official code; they are options here so that test
// fixtures can narrow them.
import NN

/// Architecture options of CoCosNet's correspondence network, generator and discriminator.
public struct CoCosNetOptions: Equatable, Sendable {
    /// One-hot label channels (`semantic_nc`: label_nc plus the "don't care" label).
    public var semanticChannels = 151
    /// Base width of the adaptors and the generator (`ngf`).
    public var generatorChannels = 64
    /// Base width of the discriminators (`ndf`).
    public var discriminatorChannels = 64
    /// Training crop side (`crop_size`); the generator starts from crop/32.
    public var cropSize = 256
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
    /// NoVGGCorrespondence `feature_channel` (the trunk is 4× this plus the mask); equals ngf.
    public var correspondenceFeatureChannels = 64
    /// NoVGGCorrespondence `inter_channels`: the width of θ and φ.
    public var correspondenceInterChannels = 256
    /// Softmax temperature of the correspondence (`temperature`, 0.01 in `Pix2PixModel`).
    public var temperature: Float = 0.01
    /// Xavier-normal gain of every conv weight (`init_variance`).
    public var initGain: Float = 0.02

    /// The official ADE20k configuration.
    public init() {}

    /// The resolution divisor of the correspondence (2 with warp_stride 2, else 4).
    public var down: Int { warpStride == 2 ? 2 : 4 }

    /// The first inconsistency, as one sentence, or nil.
    public var problem: String? {
        let positive = [
            ("semantic_nc", semanticChannels), ("ngf", generatorChannels), ("ndf", discriminatorChannels),
            ("spade_hidden", spadeHidden), ("corr_inter_channels", correspondenceInterChannels),
        ]
        if let bad = positive.first(where: { $0.1 < 1 }) { return "\(bad.0) must be positive, not \(bad.1)" }
        if correspondenceFeatureChannels != generatorChannels {
            return
                "the correspondence feature_channel (\(correspondenceFeatureChannels)) must equal ngf (\(generatorChannels)): the trunk reads the adaptors' 4·ngf channels"
        }
        if ![2, 4].contains(warpStride) { return "warp_stride must be 2 or 4, not \(warpStride)" }
        if ![1, 3].contains(matchKernel) { return "match_kernel must be 1 or 3, not \(matchKernel)" }
        if ![3, 4].contains(adaptorKernel) { return "adaptor_kernel must be 3 or 4, not \(adaptorKernel)" }
        if cropSize < 32 || cropSize % 32 != 0 { return "crop_size must be a positive multiple of 32, not \(cropSize)" }
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

    /// The initialiser of every conv weight: Xavier normal with gain `initGain`, biases 0
    /// (microsoft/CoCosNet models/networks/base_network.py `init_weights`, `init_type xavier`).
    public var initializer: Initializer { .xavierNormal(gain: initGain) }
}
