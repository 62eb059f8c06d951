// CoCosNet's cross-domain correspondence network `netCorr` (microsoft/CoCosNet
// models/networks/correspondence.py `NoVGGCorrespondence`, `ResidualBlock`), at d = 4
// (warp_stride 4) and N = (H/d)·(W/d) positions:
//
//   f_A = feature_normalize(adaptive_model_seg(label, label))        [B, 4nf, H/d, W/d]
//   f_B = feature_normalize(adaptive_model_img(exemplar, exemplar))  [B, 4nf, H/d, W/d]
//   --maskmix: concat each with its own label map resized (nearest) to H/d   → T = 4nf + nc channels
//   content = layer(f_A ⊕ mask_A), reference = layer(f_B ⊕ mask_B)  4 ResidualBlocks(T), shared
//   θ̂ = match(theta(content)), φ̂ = match(phi(reference))  1×1 convs T → inter; unfold k×k (zero
//        pad k/2) → [B, inter·k², N]; minus the mean over the feature dimension (--PONO_C, else
//        over positions); ÷ (L2 norm over the feature dimension + float64 machine epsilon)
//   A = softmax_j(θ̂ᵢ·φ̂ⱼ / τ), τ = 0.01                             [B, N, N]
//   warp_out  = upsample×d nearest(A · avgpool_d(exemplar))          [B, 3, H, W]
//   warp_mask = A · nearest_d(exemplar label)                        [B, nc, H/d, W/d]
//   warp_cycle = softmax_i(θ̂ᵢ·φ̂ⱼ / τ) (the other direction) · (A · avgpool_d(exemplar))  [B, 3, H/d, W/d]
//
// feature_normalize (util/util.py) divides by the L2 norm over channels plus sys.float_info.epsilon.
// The image and the mask are warped by one `softmaxWarp` call (their channels concatenated), so
// one attention matrix serves both. `--warp_bilinear` and `--warp_patch` (DeepFashion) are not built.
import NN
import TensorCore

/// The correspondence trunk's residual block (`conv1`, `prelu`, `conv2`): reflect pad 1, conv
/// 3×3, IN, PReLU, reflect pad 1, conv 3×3, IN, + x, PReLU — one PReLU (a single slope,
/// initialised 0.25) used twice.
public final class CorrespondenceResidualBlock: Layer {
    public let conv1: Conv2d
    public let prelu: PReLU
    public let conv2: Conv2d

    /// A block of `channels` in and out.
    public init(channels: Int, stream: inout RandomStream) {
        conv1 = Conv2d(inChannels: channels, outChannels: channels, kernelSize: 3, padding: 1, paddingMode: .reflect, stream: &stream)
        prelu = PReLU()
        conv2 = Conv2d(inChannels: channels, outChannels: channels, kernelSize: 3, padding: 1, paddingMode: .reflect, stream: &stream)
        super.init()
    }

    /// The official attribute order (`conv1`, `prelu`, `conv2`).
    public override func namedMembers() -> [(name: String, value: Any)] {
        [("conv1", conv1), ("prelu", prelu), ("conv2", conv2)]
    }

    /// [B, C, H, W] → same shape.
    public override func forward(_ x: Tensor) -> Tensor {
        let h = prelu(instanceNorm(conv1(x)))
        return prelu(instanceNorm(conv2(h)) + x)
    }
}

/// What the correspondence network returns.
public struct CorrespondenceOutput {
    /// `warp_out`: the exemplar warped to the label map's layout, [B, 3, H, W].
    public let warpedImage: Tensor
    /// `warp_mask`: the exemplar's one-hot label map warped the same way, [B, nc, H/d, W/d].
    public let warpedMask: Tensor
    /// `warp_cycle`: the warped (H/d) image warped back by the reverse softmax, [B, 3, H/d, W/d], when asked for.
    public let warpCycle: Tensor?
    /// f_A: the label adaptor's normalised features, [B, 4·ngf, H/d, W/d] (the domain-alignment loss reads them).
    public let labelFeatures: Tensor
    /// f_B: the image adaptor's normalised features of the exemplar, [B, 4·ngf, H/d, W/d].
    public let exemplarFeatures: Tensor
}

/// `netCorr` (`adaptive_model_seg`, `adaptive_model_img`, `layer`, `phi`, `theta`).
public final class CoCosNetCorrespondence: Module {
    public let adaptive_model_seg: DomainAdaptor
    public let adaptive_model_img: DomainAdaptor
    /// Four ``CorrespondenceResidualBlock``s shared by both branches.
    public let layer: Sequential
    public let phi: Conv2d
    public let theta: Conv2d
    public let options: CoCosNetOptions

    /// The network with the official initialisation: Xavier normal × `initGain` on every conv
    /// weight, biases 0, PReLU slopes 0.25; spectral-norm vectors u, v normalised N(0, 1).
    public init(options o: CoCosNetOptions, stream: inout RandomStream) {
        precondition(o.architectureProblem == nil, o.architectureProblem ?? "")
        options = o
        adaptive_model_seg = DomainAdaptor(options: o, inputChannels: o.semanticChannels, stream: &stream)
        adaptive_model_img = DomainAdaptor(options: o, inputChannels: 3, stream: &stream)
        let trunk = o.correspondenceFeatureChannels * 4 + (o.maskMix ? o.semanticChannels : 0)
        var blocks: [Layer] = []
        for _ in 0..<4 { blocks.append(CorrespondenceResidualBlock(channels: trunk, stream: &stream)) }
        layer = Sequential(blocks)
        phi = Conv2d(inChannels: trunk, outChannels: o.correspondenceInterChannels, kernelSize: 1, stream: &stream)
        theta = Conv2d(inChannels: trunk, outChannels: o.correspondenceInterChannels, kernelSize: 1, stream: &stream)
        super.init()
        o.initializer.apply(to: self, using: &stream)
    }

    /// The parameters and modules in the official order (the options are not state).
    public override func namedMembers() -> [(name: String, value: Any)] {
        [
            ("adaptive_model_seg", adaptive_model_seg), ("adaptive_model_img", adaptive_model_img), ("layer", layer),
            ("phi", phi), ("theta", theta),
        ]
    }

    /// The image adaptor's normalised features of `image` [B, 3, H, W] → [B, 4·ngf, H/d, W/d]:
    /// the ground-truth side of the domain-alignment loss (`no_vgg_feat`, the third adaptor pass).
    ///
    /// The official forward runs it after the exemplar's pass (label, exemplar, real image: the
    /// order of the image adaptor's spectral-norm power iterations); calling it after
    /// ``callAsFunction(labelMap:exemplar:exemplarLabelMap:warpCycle:)`` gives the same updates.
    public func imageFeatures(_ image: Tensor) -> Tensor {
        featureNormalize(adaptive_model_img(image))
    }

    /// Warps `exemplar` [B, 3, H, W] (and its one-hot `exemplarLabelMap` [B, nc, H, W]) to the
    /// layout of `labelMap` [B, nc, H, W]; with `warpCycle`, also warps the result back.
    ///
    /// H and W must be multiples of d (of 32 for the generator that reads the result).
    public func callAsFunction(
        labelMap: Tensor, exemplar: Tensor, exemplarLabelMap: Tensor, warpCycle: Bool = false
    ) -> CorrespondenceOutput {
        let d = options.down
        let b = exemplar.shape[0], h = exemplar.shape[2], w = exemplar.shape[3], nc = exemplarLabelMap.shape[1]
        let fh = h / d, fw = w / d
        let featureA = featureNormalize(adaptive_model_seg(labelMap))  // [B, 4nf, fh, fw]
        let featureB = featureNormalize(adaptive_model_img(exemplar))
        let content: Tensor, reference: Tensor
        if options.maskMix {
            let maskA = labelMap.resizeNearest(height: featureA.shape[2], width: featureA.shape[3])
            let maskB = exemplarLabelMap.resizeNearest(height: featureB.shape[2], width: featureB.shape[3])
            content = layer(concat([featureA, maskA], axis: 1))  // [B, 4nf + nc, fh, fw]
            reference = layer(concat([featureB, maskB], axis: 1))
        } else {
            content = layer(featureA)
            reference = layer(featureB)
        }
        let query = matchingFeatures(theta(content))  // [B, inter·k², N]
        let key = matchingFeatures(phi(reference))
        // The exemplar average-pooled and its label map nearest-resized to the feature grid, one
        // [B, 3 + nc, N] value tensor.
        let smallImage = exemplar.avgPool2d(kernel: d)
        let smallMask = exemplarLabelMap.resizeNearest(height: fh, width: fw)
        let values = concat([smallImage, smallMask], axis: 1).reshaped([b, 3 + nc, fh * fw])
        let warped = softmaxWarp(query: query, key: key, values: values, temperature: options.temperature)
        let warpedImage = warped.slice(axis: 1, 0..<3)  // [B, 3, N]
        let warpedMask = warped.slice(axis: 1, 3..<(3 + nc)).reshaped([b, nc, fh, fw])
        let image = warpedImage.reshaped([b, 3, fh, fw])
        var cycle: Tensor?
        if warpCycle {
            // softmax of the transposed similarities: exemplar positions attend to label positions.
            cycle = softmaxWarp(query: key, key: query, values: warpedImage, temperature: options.temperature)
                .reshaped([b, 3, fh, fw])
        }
        return CorrespondenceOutput(
            warpedImage: image.upsampleNearest(factor: d), warpedMask: warpedMask, warpCycle: cycle,
            labelFeatures: featureA, exemplarFeatures: featureB)
    }

    /// conv output [B, C, h, w] → unfolded, centred, L2-normalised matching vectors [B, C·k², h·w].
    func matchingFeatures(_ t: Tensor) -> Tensor {
        let k = options.matchKernel
        let columns = k == 1 ? t.reshaped([t.shape[0], t.shape[1], -1]) : t.unfold(kernel: k, padding: k / 2)
        let centred = columns - columns.mean(axes: [options.ponoC ? 1 : 2], keepDims: true)
        return centred / centred.squared().sum(axes: [1], keepDims: true).sqrt().adding(machineEpsilon)
    }
}

/// `sys.float_info.epsilon` (float64's machine epsilon), which util.feature_normalize and the
/// matching features add to the L2 norm.
let machineEpsilon = Float(Double.ulpOfOne)

/// x / (‖x‖₂ over channels + ε): [B, C, …] → same shape (util.feature_normalize; also the
/// contextual loss's normalisation).
func featureNormalize(_ x: Tensor) -> Tensor {
    x / x.squared().sum(axes: [1], keepDims: true).sqrt().adding(machineEpsilon)
}
