// U-GAT-IT's generator (znxlwm/UGATIT-pytorch `networks.py: ResnetGenerator`), with the official
// attribute names, so that state names match the official `state_dict` keys. For ch = c,
// n_res = n, C = 4c:
//
//   DownBlock  reflect pad 3, conv 7×7 3→c, IN, ReLU; 2 × (reflect pad 1, conv 3×3 stride 2, IN,
//              ReLU) c→2c→C; n × ResnetBlock(C)                      [N, 3, H, W] → E [N, C, H/4, W/4]
//   CAM        gap_fc, gmp_fc: Linear C→1 without bias on GAP(E), GMP(E) → cam_logit [N, 2];
//              E scaled per channel by each fc's weight, concatenated [N, 2C, h, w];
//              conv1x1 2C→C with bias, ReLU → x; heatmap = Σ_c x [N, 1, h, w]
//   FC         full: flatten x (h·w·C) → C; light: GAP(x) (C) → C; then ReLU, Linear C→C, ReLU
//   gamma/beta Linear C→C each: one (γ, β) pair [N, C] for every adaILN below
//   UpBlock1_i n × ResnetAdaILNBlock(C)
//   UpBlock2   2 × (nearest ×2, reflect pad 1, conv 3×3, ILN, ReLU) C→2c→c; reflect pad 3,
//              conv 7×7 c→3, tanh                                    → [N, 3, H, W]
// Every conv is bias-free except conv1x1; every Linear is bias-free. All parameters keep
// PyTorch's default initialisation (the official code calls no init function). At 256 px and
// ch 64 the full generator holds 278,959,808 parameters, 268,435,456 of them in FC.0.
import NN
import TensorCore

/// The U-GAT-IT generator of one direction (`genA2B` or `genB2A`).
public final class UGATITGenerator: Module {
    public let light: Bool
    public let residualBlocks: Int
    public let gap_fc: Linear
    public let gmp_fc: Linear
    public let conv1x1: Conv2d
    public let gamma: Linear
    public let beta: Linear
    /// `UpBlock1_1` … `UpBlock1_n`.
    public let upBlocks1: [ResnetAdaILNBlock]
    public let DownBlock: Sequential
    public let FC: Sequential
    public let UpBlock2: Sequential

    /// The official generator for `options`, drawing PyTorch's default initialisation from
    /// `stream` in the official construction order.
    public init(options: UGATITOptions, stream: inout RandomStream) {
        let c = options.channels, bottleneck = 4 * c
        light = options.light
        residualBlocks = options.residualBlocks
        var down: [Layer] = [
            Pad2d(3, mode: .reflect), Conv2d(inChannels: 3, outChannels: c, kernelSize: 7, bias: false, stream: &stream),
            InstanceNorm2d(features: c), ReLU(),
        ]
        for i in 0..<2 {
            let m = 1 << i
            down += [
                Pad2d(1, mode: .reflect),
                Conv2d(inChannels: c * m, outChannels: c * m * 2, kernelSize: 3, stride: 2, bias: false, stream: &stream),
                InstanceNorm2d(features: c * m * 2), ReLU(),
            ]
        }
        for _ in 0..<options.residualBlocks {
            down.append(ResnetBlock(channels: bottleneck, padding: .reflect, bias: false, stream: &stream))
        }
        gap_fc = Linear(inFeatures: bottleneck, outFeatures: 1, bias: false, stream: &stream)
        gmp_fc = Linear(inFeatures: bottleneck, outFeatures: 1, bias: false, stream: &stream)
        conv1x1 = Conv2d(inChannels: 2 * bottleneck, outChannels: bottleneck, kernelSize: 1, bias: true, stream: &stream)
        let first = options.light ? bottleneck : options.fullFCInputs
        let fc: [Layer] = [
            Linear(inFeatures: first, outFeatures: bottleneck, bias: false, stream: &stream), ReLU(),
            Linear(inFeatures: bottleneck, outFeatures: bottleneck, bias: false, stream: &stream), ReLU(),
        ]
        gamma = Linear(inFeatures: bottleneck, outFeatures: bottleneck, bias: false, stream: &stream)
        beta = Linear(inFeatures: bottleneck, outFeatures: bottleneck, bias: false, stream: &stream)
        upBlocks1 = (0..<options.residualBlocks).map { _ in ResnetAdaILNBlock(channels: bottleneck, bias: false, stream: &stream) }
        var up: [Layer] = []
        for i in 0..<2 {
            let m = 1 << (2 - i)
            up += [
                Upsample(factor: 2), Pad2d(1, mode: .reflect),
                Conv2d(inChannels: c * m, outChannels: c * m / 2, kernelSize: 3, bias: false, stream: &stream),
                ILN(features: c * m / 2), ReLU(),
            ]
        }
        up += [Pad2d(3, mode: .reflect), Conv2d(inChannels: c, outChannels: 3, kernelSize: 7, bias: false, stream: &stream), Tanh()]
        DownBlock = Sequential(down)
        FC = Sequential(fc)
        UpBlock2 = Sequential(up)
        super.init()
    }

    /// The official attribute order (the order of the official `state_dict`).
    public override func namedMembers() -> [(name: String, value: Any)] {
        var members: [(name: String, value: Any)] = [
            ("gap_fc", gap_fc), ("gmp_fc", gmp_fc), ("conv1x1", conv1x1), ("gamma", gamma), ("beta", beta),
        ]
        for (i, block) in upBlocks1.enumerated() { members.append(("UpBlock1_\(i + 1)", block)) }
        return members + [("DownBlock", DownBlock), ("FC", FC), ("UpBlock2", UpBlock2)]
    }

    /// What one forward returns.
    public struct Output {
        /// [N, 3, H, W] in (−1, 1).
        public var image: Tensor
        /// [N, 2]: the GAP and GMP logits of the CAM.
        public var camLogit: Tensor
        /// [N, 1, H/4, W/4]: the channel sum of the re-weighted bottleneck.
        public var heatmap: Tensor
    }

    /// [N, 3, H, W] → translation, CAM logits and heat map.
    public func callAsFunction(_ input: Tensor) -> Output {
        let encoded = DownBlock(input)
        let cam = classActivation(encoded, gap: gap_fc, gmp: gmp_fc)
        let x = conv1x1(cam.features).relu()  // [N, C, h, w]
        let heatmap = x.sum(axes: [1], keepDims: true)
        let n = x.shape[0]
        // Full: the flattened bottleneck (Linear flattens [N, C, h, w] to [N, C·h·w] in place).
        let h = FC(light ? x.globalAvgPool2d().reshaped([n, x.shape[1]]) : x)
        let g = gamma(h), b = beta(h)  // [N, C] each, shared by every adaILN
        var y = x
        for block in upBlocks1 { y = block(y, gamma: g, beta: b) }
        return Output(image: UpBlock2(y), camLogit: cam.logits, heatmap: heatmap)
    }

    /// Every ρ of the generator's adaILN and ILN layers.
    public var rhos: [Parameter] {
        namedModules().compactMap { entry in
            (entry.module as? AdaILN)?.rho ?? (entry.module as? ILN)?.rho
        }
    }

    /// Clamps every ρ to [0, 1] in place (`RhoClipper(0, 1)`, applied after each G step).
    public func clipRho() {
        for rho in rhos {
            let p = rho.value.data
            for i in 0..<rho.value.count { p[i] = Swift.min(Swift.max(p[i], 0), 1) }
        }
    }
}

/// The class-activation map of both networks.
///
/// Returns the logits of the globally average- and max-pooled features, [N, 2], and the
/// features scaled per channel by each fc's first parameter (its `weight`, or `weight_orig`
/// under spectral norm, as `list(fc.parameters())[0]` reads), concatenated [N, 2C, h, w]. The
/// scaling takes gradient into the fcs' weights.
func classActivation(_ x: Tensor, gap: Linear, gmp: Linear) -> (logits: Tensor, features: Tensor) {
    let n = x.shape[0], c = x.shape[1]
    let gapLogit = gap(x.globalAvgPool2d().reshaped([n, c]))  // [N, 1]
    let gapFeatures = x * gap.weight.value.reshaped([1, c, 1, 1])
    let gmpLogit = gmp(x.globalMaxPool2d().reshaped([n, c]))
    let gmpFeatures = x * gmp.weight.value.reshaped([1, c, 1, 1])
    return (concat([gapLogit, gmpLogit], axis: 1), concat([gapFeatures, gmpFeatures], axis: 1))
}
