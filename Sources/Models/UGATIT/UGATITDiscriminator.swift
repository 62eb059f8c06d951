// U-GAT-IT's discriminator (znxlwm/UGATIT-pytorch `networks.py: Discriminator`), global
// (n_layers 7) or local (n_layers 5), with the official attribute names. For ndf = ch and
// C = ndf·2^(n_layers−2):
//
//   model    reflect pad 1, SN conv 4×4 stride 2 3→ndf (+bias), LeakyReLU 0.2; n_layers − 3 more
//            such stride-2 layers doubling the channels; reflect pad 1, SN conv 4×4 stride 1
//            (doubling), LeakyReLU 0.2                              [N, 3, H, W] → [N, C, h, w]
//   CAM      gap_fc, gmp_fc: SN Linear C→1 without bias → cam_logit [N, 2]; the features scaled
//            by each fc's `weight_orig` (the un-normalised weight: `list(fc.parameters())[0]`
//            after spectral_norm), concatenated; conv1x1 2C→C (+bias, no SN), LeakyReLU 0.2;
//            heatmap = Σ_c
//   conv     reflect pad 1, SN conv 4×4 stride 1 C→1 without bias → logits [N, 1, h − 2, w − 2]
// SN is torch.nn.utils.spectral_norm (one power iteration per training-mode forward;
// `weight_orig`, `weight_u`, `weight_v`). At 256 px and ch 64 the global discriminator holds
// 53,130,176 parameters (logits 6×6), the local one 3,290,560 (30×30).
import NN
import TensorCore

/// A U-GAT-IT discriminator (`disGA`, `disGB`: global; `disLA`, `disLB`: local).
public final class UGATITDiscriminator: Module {
    public let gap_fc: Linear
    public let gmp_fc: Linear
    public let conv1x1: Conv2d
    public let conv: Conv2d
    public let model: Sequential

    /// The official discriminator of `layers` layers (7 global, 5 local), drawing PyTorch's
    /// default initialisation and the spectral-norm vectors from `stream`.
    public init(channels ndf: Int, layers: Int, stream: inout RandomStream) {
        precondition(layers >= 3, "a U-GAT-IT discriminator has at least 3 layers")
        func block(_ inC: Int, _ outC: Int, stride: Int, _ s: inout RandomStream) -> [Layer] {
            [
                Pad2d(1, mode: .reflect),
                Conv2d(inChannels: inC, outChannels: outC, kernelSize: 4, stride: stride, bias: true, spectralNorm: true, stream: &s),
                LeakyReLU(0.2),
            ]
        }
        var layersList = block(3, ndf, stride: 2, &stream)
        for i in 1..<(layers - 2) {
            let m = 1 << (i - 1)
            layersList += block(ndf * m, ndf * m * 2, stride: 2, &stream)
        }
        let m = 1 << (layers - 3)
        layersList += block(ndf * m, ndf * m * 2, stride: 1, &stream)
        let c = ndf * (1 << (layers - 2))
        gap_fc = Linear(inFeatures: c, outFeatures: 1, bias: false, spectralNorm: true, stream: &stream)
        gmp_fc = Linear(inFeatures: c, outFeatures: 1, bias: false, spectralNorm: true, stream: &stream)
        conv1x1 = Conv2d(inChannels: 2 * c, outChannels: c, kernelSize: 1, bias: true, stream: &stream)
        conv = Conv2d(inChannels: c, outChannels: 1, kernelSize: 4, bias: false, spectralNorm: true, stream: &stream)
        model = Sequential(layersList)
        super.init()
    }

    /// The official attribute order (`gap_fc`, `gmp_fc`, `conv1x1`, `conv`, `model`).
    public override func namedMembers() -> [(name: String, value: Any)] {
        [("gap_fc", gap_fc), ("gmp_fc", gmp_fc), ("conv1x1", conv1x1), ("conv", conv), ("model", model)]
    }

    /// [N, 3, H, W] → (logits [N, 1, h', w'], CAM logits [N, 2]).
    ///
    /// The heat map is not computed: the training loop never reads it.
    public func callAsFunction(_ input: Tensor) -> (logits: Tensor, camLogit: Tensor) {
        let x = model(input)
        let cam = classActivation(x, gap: gap_fc, gmp: gmp_fc)
        let features = conv1x1(cam.features).leakyRelu(0.2)
        return (conv.forward(features, padding: Padding(1), paddingMode: .reflect), cam.logits)
    }

    /// Whether a size² image passes a discriminator of `layers` layers: every reflect pad needs
    /// a side of at least 2, and the logits at least 1 × 1 (256 px gives 6 × 6 global and
    /// 30 × 30 local logits).
    public static func fits(_ size: Int, layers: Int) -> Bool {
        var s = size
        for _ in 0..<(layers - 2) {
            if s < 2 { return false }
            s = (s + 2 - 4) / 2 + 1
        }
        for _ in 0..<2 {
            if s < 2 { return false }
            s = s + 2 - 4 + 1
        }
        return s >= 1
    }

    /// Why a size² image cannot pass a discriminator of `layers` layers, or nil (the global
    /// one needs at least 96 px).
    public static func sizeProblem(_ size: Int, layers: Int) -> String? {
        if fits(size, layers: layers) { return nil }
        var minimum = 2
        while !fits(minimum, layers: layers) { minimum += 1 }
        return "the \(layers)-layer discriminator needs images of at least \(minimum) px, not \(size)"
    }
}
