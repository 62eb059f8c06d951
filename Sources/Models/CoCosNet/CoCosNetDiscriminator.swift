// CoCosNet's discriminator `netD` (microsoft/CoCosNet models/networks/discriminator.py
// `MultiscaleDiscriminator`, `NLayerDiscriminator`; norm_D spectralinstance, --use_attention):
// num_D PatchGAN scales, scale i seeing the input average-pooled i times (3×3, stride 2, pad 1,
// padding not counted). One scale, input concat(one-hot label map, image), nf = ndf, L = n_layers_D:
//
//   model0   conv 4×4 s2 p1 (nc + 3) → nf, bias, no SN; LReLU 0.2
//   model1…model(L−2)  SN conv 4×4 s2 p1 (no bias) nf_prev → min(2·nf_prev, 512), IN; LReLU 0.2
//   attn     BigGAN attention over the input of model(L−1) (SN θ, φ, g, o; γ starts at 0)
//   model(L−1)  SN conv 4×4 s1 p1 (no bias), IN; LReLU 0.2
//   model L  conv 4×4 s1 p1 → 1, bias
//
// Every model<i>'s output is returned (the feature-matching loss reads all but the last).
// `dec`, a segmentation decoder (L − 1 × [Upsample ×2, SN conv 3×3 p1 halving, IN, LReLU], conv
// 3×3 → nc), is built as the official code builds it but never used in forward: it is part of the
// official state and parameter count (netD 6,862,194 at the ADE20k defaults) and gets zero
// gradients, which Adam with β1 = 0 and no weight decay turns into no update.
import NN
import TensorCore

/// One PatchGAN scale (`attn`, `dec`, `model0` … `model<L>`).
public final class CoCosNetPatchDiscriminator: Module {
    public let attn: PooledAttention?
    /// The unused segmentation decoder (state only).
    public let dec: Sequential
    /// `model0` … `model<L>`, each a Sequential.
    public let models: [Sequential]

    /// A scale with PyTorch's default initialisation (``CoCosNetDiscriminator`` re-initialises it).
    public init(options o: CoCosNetOptions, stream: inout RandomStream) {
        let layersD = o.discriminatorLayers
        var nf = o.discriminatorChannels
        // `sn_instance`: Sequential(spectral_norm(conv without bias), InstanceNorm2d(affine=False)).
        func snInstance(_ inC: Int, _ outC: Int, kernel: Int, stride: Int, _ s: inout RandomStream) -> Sequential {
            Sequential([
                Conv2d(
                    inChannels: inC, outChannels: outC, kernelSize: kernel, stride: stride, padding: 1, bias: false,
                    spectralNorm: true, stream: &s),
                InstanceNorm2d(features: outC),
            ])
        }
        var layers = [
            Sequential([
                Conv2d(inChannels: o.semanticChannels + 3, outChannels: nf, kernelSize: 4, stride: 2, padding: 1, stream: &stream),
                LeakyReLU(0.2),
            ])
        ]
        var attention: PooledAttention?
        var decoder: Sequential?
        for n in 1..<layersD {
            let previous = nf
            nf = min(nf * 2, 512)
            let last = n == layersD - 1
            if last {
                if o.useAttention {
                    attention = PooledAttention(channels: previous, spectralNorm: true, gammaShape: [], stream: &stream)
                }
                var dec: [Layer] = [], width = previous
                for _ in 0..<(layersD - 1) {
                    dec += [Upsample(factor: 2), snInstance(width, width / 2, kernel: 3, stride: 1, &stream), LeakyReLU(0.2)]
                    width /= 2
                }
                dec.append(Conv2d(inChannels: width, outChannels: o.semanticChannels, kernelSize: 3, padding: 1, stream: &stream))
                decoder = Sequential(dec)
            }
            layers.append(Sequential([snInstance(previous, nf, kernel: 4, stride: last ? 1 : 2, &stream), LeakyReLU(0.2)]))
        }
        layers.append(Sequential([Conv2d(inChannels: nf, outChannels: 1, kernelSize: 4, padding: 1, stream: &stream)]))
        attn = attention
        dec = decoder ?? Sequential([])
        models = layers
        super.init()
    }

    /// The official names and order: `attn`, `dec`, `model0`, `model1`, ….
    public override func namedMembers() -> [(name: String, value: Any)] {
        var members: [(String, Any)] = []
        if let attn { members.append(("attn", attn)) }
        members.append(("dec", dec))
        for (i, m) in models.enumerated() { members.append(("model\(i)", m)) }
        return members
    }

    /// input [B, nc + 3, H, W] → the outputs of model0 … model<L> (the last is the logits map).
    public func callAsFunction(_ input: Tensor) -> [Tensor] {
        var results: [Tensor] = []
        var h = input
        for (i, model) in models.enumerated() {
            if i == 3, let attn { h = attn(h) }
            h = model(h)
            results.append(h)
        }
        return results
    }
}

/// `netD` (`discriminator_0`, `discriminator_1`, …).
public final class CoCosNetDiscriminator: Module {
    public let scales: [CoCosNetPatchDiscriminator]

    /// The discriminator with the official initialisation (Xavier normal × `initGain` on every
    /// conv weight, biases 0, attention γ 0).
    public init(options o: CoCosNetOptions, stream: inout RandomStream) {
        precondition(o.architectureProblem == nil, o.architectureProblem ?? "")
        var scales: [CoCosNetPatchDiscriminator] = []
        for _ in 0..<o.discriminatorScales { scales.append(CoCosNetPatchDiscriminator(options: o, stream: &stream)) }
        self.scales = scales
        super.init()
        o.initializer.apply(to: self, using: &stream)
    }

    /// `discriminator_<i>` for scale i.
    public override func namedMembers() -> [(name: String, value: Any)] {
        scales.enumerated().map { ("discriminator_\($0.offset)", $0.element as Any) }
    }

    /// labelMap [B, nc, H, W] (one-hot), image [B, 3, H, W] → per scale, every layer's output
    /// (the last of each is that scale's logits).
    ///
    /// The official step (models/pix2pix_model.py `discriminate`) feeds concat(fake, real) along
    /// the batch as one call, so each spectral-norm layer runs one power iteration per
    /// discriminator pass; call this once on both halves to match its updates.
    public func callAsFunction(labelMap: Tensor, image: Tensor) -> [[Tensor]] {
        var x = concat([labelMap, image], axis: 1)  // [B, nc + 3, H, W]
        var results: [[Tensor]] = []
        for (i, scale) in scales.enumerated() {
            results.append(scale(x))
            if i + 1 < scales.count { x = x.avgPool2d(kernel: 3, stride: 2, padding: 1, countIncludePad: false) }
        }
        return results
    }
}
