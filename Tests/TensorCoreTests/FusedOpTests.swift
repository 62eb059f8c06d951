// Fused ops against the chains of ops they replace: instance norm with a ReLU or leaky ReLU
// fused in, with and without affine parameters, forward and every gradient.
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
}
