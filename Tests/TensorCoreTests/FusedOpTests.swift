// Fused ops against the chains of ops they replace: instance norm with a ReLU or leaky ReLU
// fused in, with and without affine parameters, forward and every gradient; MUNIT's layer norm
// against a hand calculation and against its composed expression (16-wide vector loops and
// their remainders, several samples); U-GAT-IT's layer-instance norm against its composed
// expression (per-channel and per-plane γ, β; with and without a ReLU); SPADE's modulation
// against x̂·(1 + γ) + β composed from instance norm and from the positional norm's expression.
import TensorCore
import TestSupport
import XCTest

final class FusedOpTests: XCTestCase {
    func testInstanceNormWithActivationMatchesTheChain() {
        for (i, activation) in [NormActivation.relu, .leakyRelu(0.2)].enumerated() {
            for affine in [false, true] {
                for shape in [[2, 5, 7, 9], [1, 3, 32, 32]] {
                    var inputs = TestInputs(seed: UInt64(50 + i))
                    let x = inputs.normal(shape)
                    let gamma = inputs.normal([shape[1]], mean: 1), beta = inputs.normal([shape[1]])
                    let r = inputs.normal(shape)
                    for t in [x, gamma, beta] { t.requiresGrad = true }
                    let w = affine ? gamma : nil, b = affine ? beta : nil
                    let fused = instanceNorm(x, weight: w, bias: b, activation: activation)
                    let plain = instanceNorm(x, weight: w, bias: b)
                    let chain: Tensor
                    switch activation {
                    case .relu: chain = plain.relu()
                    case .leakyRelu(let s): chain = plain.leakyRelu(s)
                    case .none: chain = plain
                    }
                    let targets = affine ? [x, gamma, beta] : [x]
                    let gf = gradients(of: (fused * r).sum(), withRespectTo: targets)
                    let gc = gradients(of: (chain * r).sum(), withRespectTo: targets)
                    let path = "\(activation) affine \(affine) \(shape)"
                    assertClose(fused.detached(), chain.detached(), .standard, path: path + " forward")
                    for (j, name) in ["∂x", "∂γ", "∂β"].prefix(targets.count).enumerated() {
                        assertClose(gf[j]!, gc[j]!, Tolerance(absolute: 1e-5, relative: 1e-4), path: path + " " + name)
                    }
                }
            }
        }
    }

    /// x = (1, 2, 3, 4) in one sample: mean 2.5, unbiased std √(5/3); γ 2, β 1.
    func testLayerNormByHand() {
        let x = Tensor(shape: [1, 1, 2, 2], values: [1, 2, 3, 4])
        let y = layerNorm(x, weight: Tensor(shape: [1], values: [2]), bias: Tensor(shape: [1], values: [1]), eps: 0)
        let std = (5.0 / 3.0).squareRoot()
        for (i, v) in [1.0, 2, 3, 4].enumerated() {
            XCTAssertEqual(Double(y.values[i]), 2 * (v - 2.5) / std + 1, accuracy: 1e-6)
        }
        let relu = layerNorm(x, activation: .relu)
        XCTAssertEqual(relu.values.prefix(2), [0, 0])
        XCTAssertEqual(Double(relu.values[3]), 1.5 / (std + 1e-5), accuracy: 1e-6)
    }

    func testSPADEModulationMatchesTheComposedExpression() {
        for (i, normalization) in [SPADENormalization.instance, .positional].enumerated() {
            // Odd sizes: block boundaries inside a sample's positions and channel planes.
            for shape in [[2, 3, 5, 7], [1, 5, 33, 17], [3, 2, 1, 1], [3, 256, 2, 2], [2, 64, 16, 16], [1, 16, 64, 64]]
            where normalization == .positional || shape[2] * shape[3] > 1 {
                var inputs = TestInputs(seed: UInt64(90 + i))
                let x = inputs.normal(shape, mean: 0.5), gamma = inputs.normal(shape), beta = inputs.normal(shape)
                let r = inputs.normal(shape)
                for t in [x, gamma, beta] { t.requiresGrad = true }
                let fused = spadeModulation(x, gamma: gamma, beta: beta, normalization: normalization)
                let normalized: Tensor
                if normalization == .instance {
                    normalized = instanceNorm(x)
                } else {
                    // (x − mean) / sqrt(var + eps) over the channels, unbiased variance.
                    let mean = x.mean(axes: [1], keepDims: true)
                    normalized = (x - mean) / x.variance(axes: [1], unbiased: true, keepDims: true).adding(1e-5).sqrt()
                }
                let chain = normalized * gamma.adding(1) + beta
                let gf = gradients(of: (fused * r).sum(), withRespectTo: [x, gamma, beta])
                let gc = gradients(of: (chain * r).sum(), withRespectTo: [x, gamma, beta])
                let path = "spade \(normalization) \(shape)"
                assertClose(fused.detached(), chain.detached(), .standard, path: path + " forward")
                for (j, name) in ["∂x", "∂γ", "∂β"].enumerated() {
                    assertClose(gf[j]!, gc[j]!, Tolerance(absolute: 1e-5, relative: 1e-4), path: path + " " + name)
                }
            }
        }
    }

    func testLayerNormMatchesTheComposedExpression() {
        for (i, activation) in [NormActivation.none, .relu, .leakyRelu(0.2)].enumerated() {
            for shape in [[2, 3, 5, 7], [1, 4, 32, 33]] {
                var inputs = TestInputs(seed: UInt64(70 + i))
                let x = inputs.normal(shape, mean: 0.5)
                let gamma = inputs.uniform([shape[1]], 0, 1), beta = inputs.normal([shape[1]])
                let r = inputs.normal(shape)
                for t in [x, gamma, beta] { t.requiresGrad = true }
                let fused = layerNorm(x, weight: gamma, bias: beta, activation: activation)
                // (x − mean) / (std + eps) · γ + β, the unbiased std over each sample's C·H·W values.
                let n = shape[0], flat = x.reshaped([n, -1])
                let mean = flat.mean(axes: [1]).reshaped([n, 1, 1, 1])
                let std = flat.variance(axes: [1], unbiased: true).sqrt().reshaped([n, 1, 1, 1])
                let plain = (x - mean) / std.adding(1e-5) * gamma.reshaped([1, shape[1], 1, 1]) + beta.reshaped([1, shape[1], 1, 1])
                let chain: Tensor
                switch activation {
                case .relu: chain = plain.relu()
                case .leakyRelu(let s): chain = plain.leakyRelu(s)
                case .none: chain = plain
                }
                let gf = gradients(of: (fused * r).sum(), withRespectTo: [x, gamma, beta])
                let gc = gradients(of: (chain * r).sum(), withRespectTo: [x, gamma, beta])
                let path = "layer norm \(activation) \(shape)"
                assertClose(fused.detached(), chain.detached(), .standard, path: path + " forward")
                for (j, name) in ["∂x", "∂γ", "∂β"].enumerated() {
                    assertClose(gf[j]!, gc[j]!, Tolerance(absolute: 1e-5, relative: 1e-4), path: path + " " + name)
                }
            }
        }
    }

    func testInstanceLayerNormMatchesTheComposedExpression() {
        for (i, activation) in [NormActivation.none, .relu].enumerated() {
            for perPlane in [false, true] {
                let shape = perPlane ? [2, 3, 5, 7] : [1, 4, 17, 19]
                let n = shape[0], c = shape[1]
                var inputs = TestInputs(seed: UInt64(90 + 2 * i + (perPlane ? 1 : 0)))
                let x = inputs.normal(shape, mean: 0.3)
                let rho = inputs.uniform([c], 0, 1)
                let affine = perPlane ? n * c : c
                let gamma = inputs.normal([affine], mean: 1), beta = inputs.normal([affine])
                let r = inputs.normal(shape)
                for t in [x, rho, gamma, beta] { t.requiresGrad = true }
                let fused = instanceLayerNorm(x, rho: rho, weight: gamma, bias: beta, activation: activation)
                // ρ·(x − μ_plane)/√(var_plane + eps) + (1 − ρ)·(x − μ_sample)/√(var_sample + eps), unbiased.
                func standardized(_ axes: [Int]) -> Tensor {
                    (x - x.mean(axes: axes, keepDims: true)) / x.variance(axes: axes, unbiased: true, keepDims: true).adding(1e-5).sqrt()
                }
                let rho4 = rho.reshaped([1, c, 1, 1])
                let mixed = rho4 * standardized([2, 3]) + rho4.subtracted(from: 1) * standardized([1, 2, 3])
                let affineShape = perPlane ? [n, c, 1, 1] : [1, c, 1, 1]
                let plain = mixed * gamma.reshaped(affineShape) + beta.reshaped(affineShape)
                let chain = activation == .relu ? plain.relu() : plain
                let gf = gradients(of: (fused * r).sum(), withRespectTo: [x, rho, gamma, beta])
                let gc = gradients(of: (chain * r).sum(), withRespectTo: [x, rho, gamma, beta])
                let path = "instance-layer norm \(activation) per plane \(perPlane)"
                assertClose(fused.detached(), chain.detached(), .standard, path: path + " forward")
                for (j, name) in ["∂x", "∂ρ", "∂γ", "∂β"].enumerated() {
                    assertClose(gf[j]!, gc[j]!, Tolerance(absolute: 1e-5, relative: 1e-4), path: path + " " + name)
                }
            }
        }
    }
}
