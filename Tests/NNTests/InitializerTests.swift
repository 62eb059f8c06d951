// Initialisation schemes checked against their formulas (hand calculation of the target
// standard deviations and bounds), plus the optimiser's norm, zeroing and post-step hook.
import NN
import TensorCore
import XCTest

final class InitializerTests: XCTestCase {
    private func moments(_ t: Tensor) -> (mean: Double, std: Double, maxAbs: Float) {
        let v = t.values.map(Double.init)
        let mean = v.reduce(0, +) / Double(v.count)
        let variance = v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(v.count)
        return (mean, variance.squareRoot(), t.values.map(Swift.abs).max() ?? 0)
    }

    func testEachSchemeHasItsStandardDeviation() {
        var s = RandomStream(seed: 5, purpose: "init")
        // fan_in = 64·3·3 = 576, fan_out = 128·9 = 1152.
        let conv = Conv2d(inChannels: 64, outChannels: 128, kernelSize: 3, stream: &s)
        let cases: [(Initializer, Double)] = [
            (.normal(std: 0.02), 0.02),
            (.xavierNormal(gain: 0.02), 0.02 * (2.0 / (576 + 1152)).squareRoot()),
            (.kaimingNormal(a: 0), (2.0 / 576).squareRoot()),
            (.pytorchDefault, (1.0 / 576).squareRoot() / 3.0.squareRoot()),  // U(±1/√fan_in)
        ]
        for (scheme, expected) in cases {
            scheme.apply(to: conv, using: &s)
            let m = moments(conv.weight.value)
            XCTAssertEqual(m.mean, 0, accuracy: 3 * expected / 270, "\(scheme) mean")  // 73,728 samples
            XCTAssertEqual(m.std, expected, accuracy: expected * 0.02, "\(scheme) std")
            if scheme != .pytorchDefault { XCTAssertEqual(conv.bias!.value.values, [Float](repeating: 0, count: 128)) }
        }
        Initializer.truncatedNormal(std: 0.02).apply(to: conv, using: &s)
        let m = moments(conv.weight.value)
        XCTAssertLessThanOrEqual(m.maxAbs, 0.04)
        // A normal truncated at ±2σ has standard deviation 0.8796σ.
        XCTAssertEqual(m.std, 0.02 * 0.8796, accuracy: 0.02 * 0.02)
    }

    func testDefaultBoundsAndTransposedFanIn() {
        var s = RandomStream(seed: 6, purpose: "init")
        let convT = ConvTranspose2d(inChannels: 16, outChannels: 8, kernelSize: 3, stream: &s)
        // PyTorch takes fan_in from weight.size(1)·k·k = 8·9 = 72 for a transposed conv.
        let bound = Float(1 / 72.0.squareRoot())
        XCTAssertLessThanOrEqual(moments(convT.weight.value).maxAbs, bound)
        XCTAssertGreaterThan(moments(convT.weight.value).maxAbs, bound * 0.95)
        XCTAssertLessThanOrEqual(moments(convT.bias!.value).maxAbs, bound)
    }

    func testGradientNormZeroingAndPostStepHook() {
        let rho = Parameter(Tensor(shape: [1, 2, 1, 1], values: [0.95, 0.05]))
        let w = Parameter(Tensor(shape: [2], values: [1, 2]))
        let group = ParameterGroup(name: "G", parameters: [("rho", rho), ("w", w)], learningRate: 0.5)
        let adam = Adam(name: "G", groups: [(group, Adam.Settings())])
        adam.postStepHook = { rho.value.assign(rho.value.clamped(min: 0, max: 1)) }
        rho.gradient!.assign(Tensor(shape: [1, 2, 1, 1], values: [-3, 4]))  // pushes out of [0, 1]
        w.gradient!.assign(Tensor(shape: [2], values: [0, 12]))
        XCTAssertEqual(adam.gradientNorm(), 13, accuracy: 1e-9)  // √(9 + 16 + 144)
        adam.step()
        XCTAssertEqual(rho.value.values, [1, 0])
        adam.zeroGradients()
        XCTAssertEqual(group.gradientNorm(), 0)
    }
}
