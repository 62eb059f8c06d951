// The building blocks of AGGAN's TensorFlow networks (`layers.py` and the block functions of
// `model.py` in AlamiMejjati/Unsupervised-Attention-guided-Image-to-Image-Translation), in
// NCHW with PyTorch weight layouts:
// - `AGGANConv` is `general_conv2d`: zero/reflect padding or TF `SAME`, conv, instance norm
//   (affine, biased variance, eps 1e-5; the discriminator can bypass it per call, as TF's
//   `donorm`), then ReLU, TF's LeakyReLU(0.2) (gradient 1 at 0) or nothing;
// - `AGGANDeconv` is `general_deconv2d` with TF's `SAME` alignment: the full transposed conv
//   (PyTorch padding 0), cropped to in·stride starting at (k − s)/2, then IN and ReLU;
// - `AGGANResidualBlock` is `build_resnet_block`: pad 1, conv 3×3, IN, ReLU, pad 1, conv 3×3,
//   IN, and ReLU(x + block).
//
// State keys follow TF's variable scopes: `<scope>.conv.weight` ↔ `<scope>/Conv/weights`
// (HWIO there, [out, in, kh, kw] here), `<scope>.conv.bias` ↔ `<scope>/Conv/biases`,
// `<scope>.norm.weight` ↔ `<scope>/instance_norm/scale`, `<scope>.norm.bias` ↔
// `<scope>/instance_norm/offset`; transposed convs `<scope>/Conv2d_transpose/*` ([in, out,
// kh, kw] here). Convs that TF runs with `do_norm` constantly false have no norm here (TF
// still builds that branch of its `tf.cond`, two never-used variables included; the counts
// here exclude them).
import NN
import TensorCore

/// The activation after an AGGAN conv.
public enum AGGANActivation: Sendable {
    case none, relu, leakyRelu
}

/// TF `SAME` zero padding of a conv with kernel `k` and stride `s` on an input of `size`
/// pixels: the smaller half before, the larger after (0 before, 1 after for 3×3/stride 2 on
/// an even size, where PyTorch's `padding=1` would put 1 on both sides).
public func tensorFlowSamePadding(size: Int, kernel k: Int, stride s: Int) -> (before: Int, after: Int) {
    let out = (size + s - 1) / s
    let total = Swift.max((out - 1) * s + k - size, 0)
    return (total / 2, total - total / 2)
}

/// How an AGGAN conv pads its input.
public enum AGGANPadding: Equatable, Sendable {
    /// TF `VALID`: none.
    case valid
    /// TF `SAME` (zeros), computed from each input's size with ``tensorFlowSamePadding(size:kernel:stride:)``.
    case same
    /// `tf.pad(…, "CONSTANT")` by this amount on every side, then a `VALID` conv.
    case zero(Int)
    /// `tf.pad(…, "REFLECT")` by this amount on every side, then a `VALID` conv.
    case reflect(Int)
}

/// Conv → instance norm (optional) → activation, as TF's `general_conv2d`.
public final class AGGANConv: Layer {
    /// Weight [out, in, k, k], bias [out].
    public let conv: Conv2d
    /// Affine instance norm (scale → `weight`, offset → `bias`), or nil.
    public let norm: InstanceNorm2d?
    public let padding: AGGANPadding
    public let activation: AGGANActivation

    public init(
        inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: AGGANPadding,
        norm: Bool, activation: AGGANActivation, stream: inout RandomStream
    ) {
        let amount: Int, mode: PaddingMode
        switch padding {
        case .valid, .same: (amount, mode) = (0, .zero)
        case .zero(let p): (amount, mode) = (p, .zero)
        case .reflect(let p): (amount, mode) = (p, .reflect)
        }
        conv = Conv2d(
            inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize, stride: stride,
            padding: amount, paddingMode: mode, stream: &stream)
        self.norm = norm ? InstanceNorm2d(features: outChannels, affine: true) : nil
        self.padding = padding
        self.activation = activation
        super.init()
    }

    /// Applies the layer; `normalize: false` bypasses the instance norm (TF `donorm` false).
    public func callAsFunction(_ x: Tensor, normalize: Bool) -> Tensor {
        var y: Tensor
        if padding == .same {
            let k = conv.weight.shape[2], s = conv.stride.0
            let (top, bottom) = tensorFlowSamePadding(size: x.shape[2], kernel: k, stride: s)
            let (left, right) = tensorFlowSamePadding(size: x.shape[3], kernel: k, stride: s)
            y = conv2d(
                x, weight: conv.weight.value, bias: conv.bias?.value, stride: conv.stride,
                padding: Padding(left: left, right: right, top: top, bottom: bottom))
        } else {
            y = conv(x)
        }
        if normalize, let norm { y = norm(y) }
        switch activation {
        case .none: return y
        case .relu: return y.relu()
        case .leakyRelu: return tensorFlowLeakyRelu(y, slope: 0.2)
        }
    }

    /// [N, in, H, W] → [N, out, H', W'], with the norm on.
    public override func forward(_ x: Tensor) -> Tensor { self(x, normalize: true) }
}

/// Transposed conv with TF `SAME` alignment → instance norm → ReLU (`general_deconv2d`).
public final class AGGANDeconv: Layer {
    /// Weight [in, out, k, k], bias [out]; run with padding 0, then cropped.
    public let conv: ConvTranspose2d
    public let norm: InstanceNorm2d
    public let kernelSize: Int
    public let stride: Int

    public init(inChannels: Int, outChannels: Int, kernelSize: Int = 3, stride: Int = 2, stream: inout RandomStream) {
        conv = ConvTranspose2d(
            inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize,
            stride: stride, stream: &stream)
        norm = InstanceNorm2d(features: outChannels, affine: true)
        self.kernelSize = kernelSize
        self.stride = stride
        super.init()
    }

    /// [N, in, H, W] → [N, out, H·s, W·s].
    ///
    /// TF's `conv2d_transpose(…, 'SAME')` is the adjoint of
    /// a `SAME` conv from the (H·s)-grid, which pads (k − s)/2 before; the full transposed
    /// output ((H − 1)·s + k long) therefore starts that many rows early. For 3×3/stride 2 the
    /// crop keeps rows [0, 2H) — PyTorch's padding 1 / output padding 1 keeps [1, 2H + 1).
    public override func forward(_ x: Tensor) -> Tensor {
        let full = conv(x)
        let offset = Swift.max(kernelSize - stride, 0) / 2
        let h = x.shape[2] * stride, w = x.shape[3] * stride
        let cropped = full.slice(axis: 2, offset..<(offset + h)).slice(axis: 3, offset..<(offset + w))
        return norm(cropped).relu()
    }
}

/// TF's `build_resnet_block`: two padded 3×3 convs with IN, and ReLU after the residual sum.
///
/// Keys `c1.*` and `c2.*` as TF's scopes `r<i>/c1`, `r<i>/c2`.
public final class AGGANResidualBlock: Layer {
    public let c1: AGGANConv
    public let c2: AGGANConv

    /// `padding` is `.zero` in the generator (TF "CONSTANT") and `.reflect` in the attention net.
    public init(channels: Int, padding: PaddingMode, stream: inout RandomStream) {
        let pad: AGGANPadding = padding == .reflect ? .reflect(1) : .zero(1)
        c1 = AGGANConv(
            inChannels: channels, outChannels: channels, kernelSize: 3, padding: pad, norm: true,
            activation: .relu, stream: &stream)
        c2 = AGGANConv(
            inChannels: channels, outChannels: channels, kernelSize: 3, padding: pad, norm: true,
            activation: .none, stream: &stream)
        super.init()
    }

    /// [N, C, H, W] → same shape.
    public override func forward(_ x: Tensor) -> Tensor { (x + c2(c1(x))).relu() }
}

/// TF's `lrelu`, max(x, slope·x), with TF's gradient: `Maximum` sends a tie to its first
/// argument, so the slope is 1 for x ≥ 0 — at x = 0 too, where PyTorch's LeakyReLU (and
/// ``Tensor/leakyRelu(_:)``) use `slope`.
///
/// Exact zeros do occur: a discriminator without norm
/// (stage 2) with zero biases, over a region its binarised mask blanked.
public func tensorFlowLeakyRelu(_ x: Tensor, slope: Float) -> Tensor {
    let out = Tensor(uninitializedShape: x.shape)
    let px = x.data, po = out.data
    Parallel.forEach(x.count, grain: 1 << 15) { range in
        for i in range { po[i] = px[i] >= 0 ? px[i] : slope * px[i] }
    }
    return out.recorded("tf_leaky_relu", [x]) { g, _ in
        let gx = Tensor(uninitializedShape: x.shape)
        let pg = g.data, pgx = gx.data, px = x.data
        Parallel.forEach(x.count, grain: 1 << 15) { range in
            for i in range { pgx[i] = px[i] >= 0 ? pg[i] : slope * pg[i] }
        }
        return [gx]
    }
}

/// TF's initialisation of an AGGAN network: every conv and transposed-conv weight from a
/// normal(0, `stddev`) truncated at ±2·stddev (`truncated_normal_initializer`), biases 0, and
/// every instance-norm scale from a normal(1, 0.02) truncated to [0.96, 1.04], offsets 0.
public func initializeAGGANNetwork(_ network: Module, stddev: Float, using stream: inout RandomStream) {
    Initializer.truncatedNormal(std: stddev).apply(to: network, using: &stream)
    for (_, module) in network.namedModules() {
        guard let norm = module as? InstanceNorm2d, let scale = norm.weight, let offset = norm.bias else { continue }
        scale.value.assign(Tensor.truncatedNormal(scale.shape, mean: 1, std: 0.02, low: 0.96, high: 1.04, using: &stream))
        offset.value.fill(0)
    }
}
