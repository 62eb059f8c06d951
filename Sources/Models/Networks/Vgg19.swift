// The frozen VGG19 feature extractor of CoCosNet (microsoft/CoCosNet,
// models/networks/correspondence.py `VGG19_feature_color_torchversion`; util/util.py
// `vgg_preprocess`; loaded from `models/vgg19_conv.pth` in models/pix2pix_model.py). Frozen; its
// weights come from a user file (`cocosnet.vgg19_weights`, converted by launch/convert-weights
// --model vgg19), never from training.
//
//   conv1_1 conv1_2 p1 | conv2_1 conv2_2 p2 | conv3_1..3_4 p3 | conv4_1..4_4 p4 | conv5_1..5_4 p5
// every conv 3×3, padding 1, followed by ReLU; its output is named r<block><index> (r11 … r54);
// max pools 2×2 stride 2 (p1 … p5). The losses read r12, r22, r32, r42, r52 (pix2pix_model.py):
// [N, 64, H, W], [N, 128, H/2, W/2], [N, 256, H/4, W/4], [N, 512, H/8, W/8], [N, 512, H/16, W/16].
// Input (`vgg_normal_correct`, as in the README's commands): RGB in [-1, 1] → (x + 1)/2 → BGR
// minus (0.40760392, 0.45795686, 0.48501961) → × 255.
import NN
import TensorCore

/// CoCosNet's VGG19 (`VGG19_feature_color_torchversion`), with its state names (`conv1_1.weight`, …).
public final class Vgg19: Module {
    /// An activation the network can return, by the official name.
    public enum Layer: String, CaseIterable, Sendable {
        case r11, r12, p1, r21, r22, p2, r31, r32, r33, r34, p3, r41, r42, r43, r44, p4, r51, r52, r53, r54, p5
    }

    /// The layers the CoCosNet losses read, shallow to deep.
    public static let lossLayers: [Layer] = [.r12, .r22, .r32, .r42, .r52]

    public let conv1_1: Conv2d, conv1_2: Conv2d
    public let conv2_1: Conv2d, conv2_2: Conv2d
    public let conv3_1: Conv2d, conv3_2: Conv2d, conv3_3: Conv2d, conv3_4: Conv2d
    public let conv4_1: Conv2d, conv4_2: Conv2d, conv4_3: Conv2d, conv4_4: Conv2d
    public let conv5_1: Conv2d, conv5_2: Conv2d, conv5_3: Conv2d, conv5_4: Conv2d

    /// The layers with PyTorch's default initialisation (load the real weights before use);
    /// `widthDivisor` > 1 narrows every layer but the input (tests use a narrow copy).
    public init(widthDivisor: Int = 1, stream: inout RandomStream) {
        func conv(_ i: Int, _ o: Int, _ s: inout RandomStream) -> Conv2d {
            Conv2d(inChannels: i == 3 ? 3 : i / widthDivisor, outChannels: o / widthDivisor, kernelSize: 3, padding: 1, stream: &s)
        }
        conv1_1 = conv(3, 64, &stream)
        conv1_2 = conv(64, 64, &stream)
        conv2_1 = conv(64, 128, &stream)
        conv2_2 = conv(128, 128, &stream)
        conv3_1 = conv(128, 256, &stream)
        conv3_2 = conv(256, 256, &stream)
        conv3_3 = conv(256, 256, &stream)
        conv3_4 = conv(256, 256, &stream)
        conv4_1 = conv(256, 512, &stream)
        conv4_2 = conv(512, 512, &stream)
        conv4_3 = conv(512, 512, &stream)
        conv4_4 = conv(512, 512, &stream)
        conv5_1 = conv(512, 512, &stream)
        conv5_2 = conv(512, 512, &stream)
        conv5_3 = conv(512, 512, &stream)
        conv5_4 = conv(512, 512, &stream)
        super.init()
    }

    /// The activations `layers` (in that order) of a preprocessed batch [N, 3, H, W]; the
    /// forward stops after the deepest one asked for.
    public func callAsFunction(_ x: Tensor, _ layers: [Layer]) -> [Tensor] {
        let convs = [
            [conv1_1, conv1_2], [conv2_1, conv2_2], [conv3_1, conv3_2, conv3_3, conv3_4],
            [conv4_1, conv4_2, conv4_3, conv4_4], [conv5_1, conv5_2, conv5_3, conv5_4],
        ]
        let deepest = layers.compactMap { Layer.allCases.firstIndex(of: $0) }.max() ?? -1
        var found: [Layer: Tensor] = [:]
        var h = x, at = 0
        outer: for (block, blockConvs) in convs.enumerated() {
            for (index, conv) in blockConvs.enumerated() {
                guard at <= deepest else { break outer }
                h = conv(h).relu()
                found[Layer(rawValue: "r\(block + 1)\(index + 1)")!] = h
                at += 1
            }
            guard at <= deepest else { break }
            h = h.maxPool2d(kernel: 2, stride: 2)
            found[Layer(rawValue: "p\(block + 1)")!] = h
            at += 1
        }
        return layers.map { found[$0]! }
    }

    /// The weights "file" that keeps the network at its seeded random initialisation.
    public static let untrained = "random"

    /// The frozen network of the CoCosNet losses from `path` (laid out as `/networks/vgg19`), or
    /// nil where the context loads no weights (translate, inspect: no losses there).
    ///
    /// `path` `untrained` ("random") loads nothing: the weights are He-normal (std √(2/fan_in),
    /// biases 0, so activations keep the pretrained network's order of magnitude through all 16
    /// layers) from the stream (`seed`, "vgg19"), the same on every rank and at every resume. Random
    /// convolutional features still measure colour and texture statistics (Ustyuzhaninov et al.,
    /// "Texture synthesis using shallow convolutional networks with random filters", 2016), which
    /// is what the demo data needs; they are not the paper's perceptual features.
    /// `widthDivisor` > 1 builds the narrowed copy that test fixtures hold.
    public static func frozen(from path: String, seed: UInt64, context: ModelBuildContext?, widthDivisor: Int = 1) throws -> Vgg19? {
        guard let load = context?.loadFrozenWeights else { return nil }
        var stream = RandomStream(seed: seed, purpose: "vgg19")
        let net = Vgg19(widthDivisor: widthDivisor, stream: &stream)
        if path == untrained { Initializer.kaimingNormal(a: 0).apply(to: net, using: &stream) } else { try load(path, "vgg19", net) }
        net.freeze()
        return net
    }

    /// RGB in [−1, 1] → BGR in about [−124, 152]: `vgg_preprocess` with `vgg_normal_correct`.
    public static func preprocess(_ rgb: Tensor) -> Tensor {
        let bgr = concat([rgb.slice(axis: 1, 2..<3), rgb.slice(axis: 1, 1..<2), rgb.slice(axis: 1, 0..<1)], axis: 1)
        let mean = Tensor(shape: [1, 3, 1, 1], values: [0.40760392, 0.45795686, 0.48501961])
        return ((bgr.adding(1) * 0.5) - mean) * 255
    }
}
