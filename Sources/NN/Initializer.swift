// Weight initialisation schemes, chosen per network by config, all drawing from seeded streams:
// normal(0, σ) with zero bias (CycleGAN, discriminators of MUNIT/UNIT), Xavier normal with a
// gain (CoCosNet: gain 0.02), Kaiming normal (MUNIT/UNIT generators), PyTorch's default
// (U-GAT-IT never re-initialises), and truncated normal (TensorFlow models such as AGGAN).
import Foundation
import TensorCore

/// How a network's conv and linear weights are (re-)initialised.
public enum Initializer: Equatable, Sendable {
    /// Weights ~ N(0, std), biases 0.
    case normal(std: Float)
    /// Weights ~ N(0, gain·√(2 / (fan_in + fan_out))), biases 0.
    case xavierNormal(gain: Float)
    /// Weights ~ N(0, √(2 / (1 + a²)) / √fan_in), biases 0 (PyTorch `kaiming_normal_`, fan_in mode).
    case kaimingNormal(a: Float)
    /// Kaiming uniform with a = √5 for weights and U(±1/√fan_in) for biases (what PyTorch's
    /// layers do at construction).
    case pytorchDefault
    /// Weights ~ N(0, std) truncated to ±2·std (TensorFlow's truncated normal), biases 0.
    case truncatedNormal(std: Float)

    /// Parses a config value: `normal`, `xavier`, `kaiming`, `default`, `truncated_normal`.
    public init?(name: String, gain: Float) {
        switch name {
        case "normal": self = .normal(std: gain)
        case "xavier": self = .xavierNormal(gain: gain)
        case "kaiming": self = .kaimingNormal(a: 0)
        case "default": self = .pytorchDefault
        case "truncated_normal": self = .truncatedNormal(std: gain)
        default: return nil
        }
    }

    /// Re-initialises every Conv2d, ConvTranspose2d and Linear weight below `module` (and
    /// zeroes their biases, except under `.pytorchDefault`), in module order.
    ///
    /// Normalisation layers keep their own initial values, as in the reference `init_weights` functions.
    /// With `keepingBiases`, biases keep their values (UNIT's paper code re-draws conv weights only).
    public func apply(to module: Module, using stream: inout RandomStream, keepingBiases: Bool = false) {
        for (_, m) in module.namedModules() {
            let weight: Parameter, bias: Parameter?, fanIn: Int, fanOut: Int
            switch m {
            case let c as Conv2d:
                weight = c.weight; bias = c.bias
                let k = c.weight.shape[2] * c.weight.shape[3]
                fanIn = c.weight.shape[1] * k; fanOut = c.weight.shape[0] * k
            case let c as ConvTranspose2d:
                weight = c.weight; bias = c.bias
                let k = c.weight.shape[2] * c.weight.shape[3]
                fanIn = c.weight.shape[1] * k; fanOut = c.weight.shape[0] * k
            case let l as Linear:
                weight = l.weight; bias = l.bias
                fanIn = l.weight.shape[1]; fanOut = l.weight.shape[0]
            default:
                continue
            }
            let fresh: Tensor
            switch self {
            case .normal(let std):
                fresh = Tensor.normal(weight.shape, std: std, using: &stream)
            case .xavierNormal(let gain):
                fresh = Tensor.normal(weight.shape, std: gain * (2 / Float(fanIn + fanOut)).squareRoot(), using: &stream)
            case .kaimingNormal(let a):
                let std = (2 / (1 + a * a)).squareRoot() / Float(fanIn).squareRoot()
                fresh = Tensor.normal(weight.shape, std: std, using: &stream)
            case .pytorchDefault:
                fresh = Initializer.pytorchDefaultWeight(weight.shape, fanIn: fanIn, using: &stream)
            case .truncatedNormal(let std):
                fresh = Tensor.truncatedNormal(weight.shape, std: std, low: -2 * std, high: 2 * std, using: &stream)
            }
            weight.value.assign(fresh)
            if let bias, !keepingBiases {
                if self == .pytorchDefault {
                    bias.value.assign(Initializer.pytorchDefaultBias(bias.shape, fanIn: fanIn, using: &stream))
                } else {
                    bias.value.fill(0)
                }
            }
        }
    }

    /// PyTorch's default weight: kaiming_uniform(a = √5), that is U(±1/√fan_in).
    public static func pytorchDefaultWeight(_ shape: [Int], fanIn: Int, using stream: inout RandomStream) -> Tensor {
        let bound = 1 / Float(Swift.max(fanIn, 1)).squareRoot()
        return Tensor.uniform(shape, low: -bound, high: bound, using: &stream)
    }

    /// PyTorch's default bias: U(±1/√fan_in).
    public static func pytorchDefaultBias(_ shape: [Int], fanIn: Int, using stream: inout RandomStream) -> Tensor {
        let bound = 1 / Float(Swift.max(fanIn, 1)).squareRoot()
        return Tensor.uniform(shape, low: -bound, high: bound, using: &stream)
    }
}
