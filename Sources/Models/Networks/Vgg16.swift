// The VGG16 feature extractor of the MUNIT code base's domain-invariant perceptual loss
// (NVlabs/MUNIT and mingyuliutw/UNIT master: `networks.py: Vgg16`, `utils.py: vgg_preprocess`,
// `trainer.py: compute_vgg_loss`). Frozen; its weights come from a user file (converted from
// torchvision's VGG16 by launch/convert-weights), never from training.
//
//   conv1_1 conv1_2 pool | conv2_1 conv2_2 pool | conv3_1..3_3 pool | conv4_1..4_3 | conv5_1..5_3
// every conv 3×3, padding 1, followed by ReLU; max pools 2×2 stride 2. As in the official
// forward there is NO pool between conv4_3 and conv5_1, so relu5_3 of a 256 px image is
// [512, 32, 32]. Input: BGR in [0, 255] minus the Caffe means (103.939, 116.779, 123.680).
// Loss: mean((IN(φ(x)) − IN(φ(y)))²), IN without affine, eps 1e-5.
import NN
import TensorCore

/// The official VGG16 up to relu5_3 (`Vgg16`), with its state names (`conv1_1.weight`, …).
public final class Vgg16: Module {
    public let conv1_1: Conv2d, conv1_2: Conv2d
    public let conv2_1: Conv2d, conv2_2: Conv2d
    public let conv3_1: Conv2d, conv3_2: Conv2d, conv3_3: Conv2d
    public let conv4_1: Conv2d, conv4_2: Conv2d, conv4_3: Conv2d
    public let conv5_1: Conv2d, conv5_2: Conv2d, conv5_3: Conv2d

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
        conv4_1 = conv(256, 512, &stream)
        conv4_2 = conv(512, 512, &stream)
        conv4_3 = conv(512, 512, &stream)
        conv5_1 = conv(512, 512, &stream)
        conv5_2 = conv(512, 512, &stream)
        conv5_3 = conv(512, 512, &stream)
        super.init()
    }

    /// Preprocessed images [N, 3, H, W] → relu5_3 [N, 512, H/8, W/8].
    public func callAsFunction(_ x: Tensor) -> Tensor {
        var h = conv1_2(conv1_1(x).relu()).relu().maxPool2d(kernel: 2, stride: 2)
        h = conv2_2(conv2_1(h).relu()).relu().maxPool2d(kernel: 2, stride: 2)
        h = conv3_3(conv3_2(conv3_1(h).relu()).relu()).relu().maxPool2d(kernel: 2, stride: 2)
        h = conv4_3(conv4_2(conv4_1(h).relu()).relu()).relu()
        return conv5_3(conv5_2(conv5_1(h).relu()).relu()).relu()
    }

    /// The frozen network of a perceptual loss from `path` (laid out as `/networks/vgg16`), or nil
    /// where the context loads no weights (translate, inspect: no losses there).
    public static func frozen(from path: String, seed: UInt64, context: ModelBuildContext?) throws -> Vgg16? {
        guard let load = context?.loadFrozenWeights else { return nil }
        var stream = RandomStream(seed: seed, purpose: "vgg16")
        let net = Vgg16(stream: &stream)
        try load(path, "vgg16", net)
        net.freeze()
        return net
    }

    /// RGB in [−1, 1] → BGR in [0, 255] minus the Caffe channel means (`vgg_preprocess`).
    public static func preprocess(_ rgb: Tensor) -> Tensor {
        let bgr = concat([rgb.slice(axis: 1, 2..<3), rgb.slice(axis: 1, 1..<2), rgb.slice(axis: 1, 0..<1)], axis: 1)
        let mean = Tensor(shape: [1, 3, 1, 1], values: [103.939, 116.779, 123.680])
        return (bgr.adding(1) * 127.5) - mean
    }

    /// The domain-invariant perceptual loss between `image` and `target` (`compute_vgg_loss`).
    public func perceptualLoss(_ image: Tensor, _ target: Tensor) -> Tensor {
        let f = instanceNorm(self(Vgg16.preprocess(image)), weight: nil, bias: nil, eps: 1e-5)
        let g = instanceNorm(self(Vgg16.preprocess(target)), weight: nil, bias: nil, eps: 1e-5)
        return mseLoss(f, g)
    }
}
