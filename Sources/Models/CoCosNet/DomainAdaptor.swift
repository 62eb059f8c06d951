// CoCosNet's domain adaptor (microsoft/CoCosNet models/networks/generator.py
// `AdaptiveFeatureGenerator`), which maps a one-hot label map or an image into the shared
// domain where the correspondence is computed. norm_E `spectralinstance`: each conv is
// spectrally normalised, has no bias and is followed by InstanceNorm2d without affine
// parameters. For ngf = nf and adaptor kernel k:
//
//   layer1  SN conv 3×3 s1 p1  in → nf, IN                  [N, in, H, W]      → [N, nf, H, W]
//   layer2  LReLU 0.2, SN conv k×k s2 p1  nf → 2nf, IN                         → [N, 2nf, H/2, W/2]
//   layer3  LReLU, SN conv 3×3 s1 p1  2nf → 4nf, IN
//   layer4  LReLU, SN conv k×k s2 p1 (3×3 s1 with warp_stride 2)  4nf → 8nf, IN → [N, 8nf, H/4, W/4]
//   layer5  LReLU, SN conv 3×3 s1 p1  8nf → 8nf, IN (no activation after)
//   head_0, G_middle_0  SPADEResnetBlock 8nf → 8nf;  G_middle_1  8nf → 4nf (learned shortcut),
//           each conditioned on the adaptor's own raw input          → [N, 4nf, H/4, W/4]
//
// State names: `layer1.0.weight_orig`, `layer1.0.weight_u`, `layer1.0.weight_v`, …,
// `head_0.conv_0.*`, …. The correspondence network L2-normalises the output over channels.
import NN
import TensorCore

/// The domain adaptor (`adaptive_model_seg` for label maps, `adaptive_model_img` for images).
public final class DomainAdaptor: Module {
    public let layer1: Sequential
    public let layer2: Sequential
    public let layer3: Sequential
    public let layer4: Sequential
    public let layer5: Sequential
    public let head_0: SPADEResnetBlock
    public let G_middle_0: SPADEResnetBlock
    public let G_middle_1: SPADEResnetBlock

    /// An adaptor of `inputChannels` inputs (semantic_nc for label maps, 3 for images), with
    /// PyTorch's default initialisation drawn from `stream` (``CoCosNetCorrespondence``
    /// re-initialises it).
    public init(options o: CoCosNetOptions, inputChannels: Int, stream: inout RandomStream) {
        let nf = o.generatorChannels, k = o.adaptorKernel
        // `sn_instance`: Sequential(spectral_norm(conv without bias), InstanceNorm2d(affine=False)).
        func snInstance(_ inC: Int, _ outC: Int, kernel: Int, stride: Int, _ s: inout RandomStream) -> Sequential {
            Sequential([
                Conv2d(
                    inChannels: inC, outChannels: outC, kernelSize: kernel, stride: stride, padding: 1, bias: false,
                    spectralNorm: true, stream: &s),
                InstanceNorm2d(features: outC),
            ])
        }
        layer1 = snInstance(inputChannels, nf, kernel: 3, stride: 1, &stream)
        layer2 = snInstance(nf, nf * 2, kernel: k, stride: 2, &stream)
        layer3 = snInstance(nf * 2, nf * 4, kernel: 3, stride: 1, &stream)
        layer4 =
            o.warpStride == 2
            ? snInstance(nf * 4, nf * 8, kernel: 3, stride: 1, &stream) : snInstance(nf * 4, nf * 8, kernel: k, stride: 2, &stream)
        layer5 = snInstance(nf * 8, nf * 8, kernel: 3, stride: 1, &stream)
        func block(_ fin: Int, _ fout: Int, _ s: inout RandomStream) -> SPADEResnetBlock {
            SPADEResnetBlock(fin: fin, fout: fout, conditionChannels: inputChannels, hidden: o.spadeHidden, stream: &s)
        }
        head_0 = block(8 * nf, 8 * nf, &stream)
        G_middle_0 = block(8 * nf, 8 * nf, &stream)
        G_middle_1 = block(8 * nf, 4 * nf, &stream)
        super.init()
    }

    /// x [N, in, H, W] → features [N, 4·ngf, H/d, W/d] (d = the options' `down`), not normalised.
    ///
    /// The SPADE blocks are conditioned on `x` itself, as the official forward calls
    /// `adaptive_model(x, x)`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        var h = layer1(x)
        for layer in [layer2, layer3, layer4, layer5] { h = layer(h.leakyRelu(0.2)) }
        h = head_0(h, condition: x)
        h = G_middle_0(h, condition: x)
        return G_middle_1(h, condition: x)
    }
}
