// Convolution layers with PyTorch's parameter names and layouts: Conv2d (weight [out, in, kh,
// kw], optional bias, zero/reflect/replicate padding, optional spectral norm) and
// ConvTranspose2d (weight [in, out, kh, kw]).
import TensorCore

/// 2-D convolution.
///
/// With spectral norm its state names are `weight_orig`, `bias`, `weight_u`,
/// `weight_v`, as after `torch.nn.utils.spectral_norm`.
public final class Conv2d: Layer {
    /// [out, in, kh, kw] (`weight`, or `weight_orig` under spectral norm).
    public let weight: Parameter
    /// [out], or nil for a bias-free conv.
    public let bias: Parameter?
    public let stride: (Int, Int)
    public let padding: Padding
    public let paddingMode: PaddingMode
    /// Power-iteration state when spectrally normalised.
    public let spectralNorm: SpectralNormState?

    /// A conv whose parameters start with PyTorch's default initialisation drawn from
    /// `stream` (re-initialise with ``Initializer`` as each model requires).
    public init(
        inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
        paddingMode: PaddingMode = .zero, bias: Bool = true, spectralNorm: Bool = false,
        stream: inout RandomStream
    ) {
        let shape = [outChannels, inChannels, kernelSize, kernelSize]
        let fanIn = inChannels * kernelSize * kernelSize
        self.weight = Parameter(Initializer.pytorchDefaultWeight(shape, fanIn: fanIn, using: &stream))
        self.bias = bias ? Parameter(Initializer.pytorchDefaultBias([outChannels], fanIn: fanIn, using: &stream)) : nil
        self.stride = (stride, stride)
        self.padding = Padding(padding)
        self.paddingMode = paddingMode
        self.spectralNorm = spectralNorm ? SpectralNormState(weightShape: shape, stream: &stream) : nil
        super.init()
    }

    /// A conv with explicit per-side zero padding (TensorFlow `SAME` alignment).
    public init(
        inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int, padding: Padding,
        bias: Bool = true, stream: inout RandomStream
    ) {
        let shape = [outChannels, inChannels, kernelSize, kernelSize]
        let fanIn = inChannels * kernelSize * kernelSize
        self.weight = Parameter(Initializer.pytorchDefaultWeight(shape, fanIn: fanIn, using: &stream))
        self.bias = bias ? Parameter(Initializer.pytorchDefaultBias([outChannels], fanIn: fanIn, using: &stream)) : nil
        self.stride = (stride, stride)
        self.padding = padding
        self.paddingMode = .zero
        self.spectralNorm = nil
        super.init()
    }

    public override func namedMembers() -> [(name: String, value: Any)] {
        var members: [(String, Any)] = [(spectralNorm == nil ? "weight" : "weight_orig", weight)]
        if let bias { members.append(("bias", bias)) }
        if let spectralNorm { members += [("weight_u", spectralNorm.u), ("weight_v", spectralNorm.v)] }
        return members
    }

    /// The weight the forward uses (normalised under spectral norm).
    public func effectiveWeight() -> Tensor {
        spectralNorm?.normalizedWeight(weight.value, training: isTraining) ?? weight.value
    }

    public override func forward(_ x: Tensor) -> Tensor {
        forward(x, padding: padding, paddingMode: paddingMode)
    }

    /// The conv with `padding` in `mode` instead of its own (``Sequential`` passes a preceding
    /// Pad2d layer's padding here, so that it is read in place rather than copied).
    public func forward(_ x: Tensor, padding: Padding, paddingMode: PaddingMode) -> Tensor {
        let w = effectiveWeight()
        return conv2d(x, weight: w, bias: bias?.value, stride: stride, padding: padding, paddingMode: paddingMode)
    }
}

/// Transposed 2-D convolution; weight [in, out, kh, kw] as in PyTorch.
public final class ConvTranspose2d: Layer {
    public let weight: Parameter
    public let bias: Parameter?
    public let stride: (Int, Int)
    public let padding: (Int, Int)
    public let outputPadding: (Int, Int)

    /// A transposed conv with PyTorch's default initialisation (fan-in from dimension 1).
    public init(
        inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
        outputPadding: Int = 0, bias: Bool = true, stream: inout RandomStream
    ) {
        let shape = [inChannels, outChannels, kernelSize, kernelSize]
        // PyTorch computes fan_in from weight.size(1) · k · k, i.e. the *output* channels here.
        let fanIn = outChannels * kernelSize * kernelSize
        self.weight = Parameter(Initializer.pytorchDefaultWeight(shape, fanIn: fanIn, using: &stream))
        self.bias = bias ? Parameter(Initializer.pytorchDefaultBias([outChannels], fanIn: fanIn, using: &stream)) : nil
        self.stride = (stride, stride)
        self.padding = (padding, padding)
        self.outputPadding = (outputPadding, outputPadding)
        super.init()
    }

    public override func forward(_ x: Tensor) -> Tensor {
        convTranspose2d(
            x, weight: weight.value, bias: bias?.value, stride: stride, padding: padding,
            outputPadding: outputPadding)
    }
}

/// Fully connected layer: y = x·Wᵀ + b with weight [out, in].
public final class Linear: Layer {
    public let weight: Parameter
    public let bias: Parameter?
    public let spectralNorm: SpectralNormState?

    /// A linear layer with PyTorch's default initialisation.
    public init(
        inFeatures: Int, outFeatures: Int, bias: Bool = true, spectralNorm: Bool = false,
        stream: inout RandomStream
    ) {
        let shape = [outFeatures, inFeatures]
        self.weight = Parameter(Initializer.pytorchDefaultWeight(shape, fanIn: inFeatures, using: &stream))
        self.bias = bias ? Parameter(Initializer.pytorchDefaultBias([outFeatures], fanIn: inFeatures, using: &stream)) : nil
        self.spectralNorm = spectralNorm ? SpectralNormState(weightShape: shape, stream: &stream) : nil
        super.init()
    }

    public override func namedMembers() -> [(name: String, value: Any)] {
        var members: [(String, Any)] = [(spectralNorm == nil ? "weight" : "weight_orig", weight)]
        if let bias { members.append(("bias", bias)) }
        if let spectralNorm { members += [("weight_u", spectralNorm.u), ("weight_v", spectralNorm.v)] }
        return members
    }

    /// The weight the forward uses (normalised under spectral norm).
    public func effectiveWeight() -> Tensor {
        spectralNorm?.normalizedWeight(weight.value, training: isTraining) ?? weight.value
    }

    /// [N, in] → [N, out]; other ranks are flattened to [N, in] first.
    public override func forward(_ x: Tensor) -> Tensor {
        let flat = x.rank == 2 ? x : x.reshaped([x.shape[0], -1])
        return linear(flat, weight: effectiveWeight(), bias: bias?.value)
    }
}
