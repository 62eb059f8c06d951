// U-GAT-IT's hyper-parameters and its configuration section (`ugatit.*`), with the names and
// defaults of znxlwm/UGATIT-pytorch `main.py` (the PyTorch code is the default expression):
// light false, ch 64, n_res 4, img_size 256, adv_weight 1, cycle_weight 10, identity_weight 10,
// cam_weight 1000, lr 1e-4, weight_decay 1e-4, iteration 1,000,000, decay_flag true. The Adam
// betas (0.5, 0.999) and the discriminators' depths (global 7, local 5 layers) are fixed in
// `UGATIT.py` / `networks.py` (main.py's `n_dis` is read by nothing); i2i fixes them too.
//
// `img_size` sizes the full generator's first FC layer (a flatten of the (img_size/4)² × 4·ch
// bottleneck): the full model trains and translates at that size only; the light model (GAP
// before the FC) at any size the networks accept.
import Configuration
import NN
import TensorCore

/// Hyper-parameters of U-GAT-IT (full and light).
public struct UGATITOptions: Equatable, Sendable {
    /// The light model: the γ/β MLP reads the globally average-pooled bottleneck.
    public var light = false
    /// Base channel count of every network (`ch`).
    public var channels = 64
    /// Residual blocks in the encoder bottleneck and adaILN blocks in the decoder (`n_res`).
    public var residualBlocks = 4
    /// The image size the full model's FC layer is built for (`img_size`).
    public var imageSize = 256
    public var advWeight: Float = 1
    public var cycleWeight: Float = 10
    public var identityWeight: Float = 10
    public var camWeight: Float = 1000
    public var learningRate: Double = 1e-4
    public var weightDecay: Double = 1e-4
    /// Iterations of the official schedule (`iteration`).
    public var iterations = 1_000_000
    /// Linear decay of the rates over the second half of `iterations` (`decay_flag`).
    public var decay = true

    /// Adam's betas, fixed in UGATIT.py.
    public static let betas = (0.5, 0.999)
    /// Layers of the global and local discriminators, fixed in UGATIT.py.
    public static let globalLayers = 7
    public static let localLayers = 5

    public init() {}

    /// Why these options cannot build a model, or nil.
    public var problem: String? {
        if imageSize % 4 != 0 {
            return "ugatit.img_size must be a multiple of 4 (the generators downsample twice), not \(imageSize)"
        }
        if let sizeProblem = UGATITDiscriminator.sizeProblem(imageSize, layers: UGATITOptions.globalLayers) {
            return "ugatit.img_size \(imageSize): \(sizeProblem)"
        }
        return nil
    }

    /// Inputs of the full generator's first FC layer: (img_size/4)² · 4·ch.
    public var fullFCInputs: Int { (imageSize / 4) * (imageSize / 4) * channels * 4 }
}

extension UGATITOptions: ConfigSection {
    public static let section = "ugatit"

    public static let settings: [Setting<UGATITOptions>] = [
        .bool("light", \.light, "the light model: the γ/β MLP reads the pooled bottleneck instead of all of it (--light)"),
        .int("ch", \.channels, .count(atMost: 4096), "base channel count of the generators and discriminators"),
        .int("n_res", \.residualBlocks, .within(0, 64), "residual blocks in each generator's encoder and decoder"),
        .int("img_size", \.imageSize, .within(4, 65536), "image size; sizes the full generator's FC layer"),
        .float("adv_weight", \.advWeight, .within(0, 1e6), "weight of the adversarial losses (logits and CAM logits)"),
        .float("cycle_weight", \.cycleWeight, .within(0, 1e6), "weight of the L1 cycle reconstruction"),
        .float("identity_weight", \.identityWeight, .within(0, 1e6), "weight of the L1 identity reconstruction"),
        .float("cam_weight", \.camWeight, .within(0, 1e6), "weight of the generators' CAM (BCE) losses"),
        .double("lr", \.learningRate, .positive(atMost: 1), "Adam learning rate of both optimisers (β 0.5, 0.999)"),
        .double("weight_decay", \.weightDecay, .within(0, 1), "Adam's coupled L2 weight decay"),
        .int("iteration", \.iterations, .within(2, 1e9), "iterations of the full schedule"),
        .bool("decay_flag", \.decay, "decay both rates linearly to 0 over the second half of the iterations"),
    ]
}
