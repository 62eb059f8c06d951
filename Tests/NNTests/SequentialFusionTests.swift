// Sequential fuses an InstanceNorm2d followed by a ReLU or LeakyReLU, a Pad2d followed by an
// unpadded Conv2d, and a ×2 Upsample followed by a 5×5 Conv2dBlock (computed on the
// low-resolution input by nearestUpsampledConv5x5). The fused forward and every parameter and input gradient must match the
// layers applied one by one.
import NN
import TensorCore
import TestSupport
import XCTest

final class SequentialFusionTests: XCTestCase {
    func testFusedLayersMatchLayerByLayer() {
        var stream = RandomStream(seed: 3, purpose: "fusion")
        let net = Sequential([
            Pad2d(1, mode: .reflect),
            Conv2d(inChannels: 16, outChannels: 16, kernelSize: 3, stream: &stream),
            InstanceNorm2d(features: 16), ReLU(),
            Pad2d(Padding(left: 1, right: 2, top: 2, bottom: 1), mode: .replicate),
            Conv2d(inChannels: 16, outChannels: 24, kernelSize: 3, stream: &stream),
            InstanceNorm2d(features: 24, affine: true), LeakyReLU(0.2),
            Pad2d(3, mode: .reflect),
            Conv2d(inChannels: 24, outChannels: 3, kernelSize: 7, stream: &stream),
        ])
        var inputs = TestInputs(seed: 4)
        let x = inputs.normal([2, 16, 12, 12])
        x.requiresGrad = true
        let fused = net(x)
        let plain = net.layers.reduce(x) { $1.forward($0) }
        let r = inputs.normal(fused.shape)
        let targets = [x] + net.namedParameters().map(\.parameter.value)
        let gf = gradients(of: (fused * r).sum(), withRespectTo: targets)
        let gp = gradients(of: (plain * r).sum(), withRespectTo: targets)
        assertClose(fused.detached(), plain.detached(), Tolerance(absolute: 1e-5, relative: 1e-4), path: "forward")
        let names = ["input"] + net.namedParameters().map(\.path)
        for (i, name) in names.enumerated() {
            // Relative to the tensor's largest element; the biases before an instance norm have a
            // gradient of rounding noise only (mathematically zero), hence the floor.
            let scale = gp[i]!.values.reduce(0) { Swift.max($0, Swift.abs(Double($1))) }
            assertClose(
                gf[i]!, gp[i]!, Tolerance(absolute: Swift.max(3e-5 * scale, 2e-6), relative: 1e-4),
                path: "∂" + name)
        }
    }

    /// The upsampled 5×5 conv block in every padding mode, at sizes with and without the reflect
    /// border strips (H or W below 3 falls back to the direct computation), and with enough
    /// channels for the phase conv to run as Winograd.
    func testUpsampledConvolutionMatchesUpsampleThenConv() {
        for (mode, channels, height, width) in [
            (PaddingMode.reflect, 4, 5, 6), (.reflect, 16, 7, 4), (.zero, 4, 5, 6), (.replicate, 4, 4, 5), (.reflect, 3, 2, 5),
        ] {
            var stream = RandomStream(seed: 5, purpose: "upsampled")
            let net = Sequential([
                Upsample(factor: 2),
                Conv2dBlock(
                    inChannels: channels, outChannels: 16, kernelSize: 5, stride: 1, padding: 2, norm: .layer, activation: .relu,
                    padMode: mode, stream: &stream),
            ])
            var inputs = TestInputs(seed: 6)
            let x = inputs.normal([2, channels, height, width])
            x.requiresGrad = true
            let fused = net(x)
            let plain = net.layers.reduce(x) { $1.forward($0) }
            XCTAssertEqual(fused.shape, [2, 16, 2 * height, 2 * width])
            let r = inputs.normal(fused.shape)
            let targets = [x] + net.namedParameters().map(\.parameter.value)
            let gf = gradients(of: (fused * r).sum(), withRespectTo: targets)
            let gp = gradients(of: (plain * r).sum(), withRespectTo: targets)
            let label = "\(mode) \(channels)×\(height)×\(width)"
            assertClose(fused.detached(), plain.detached(), Tolerance(absolute: 1e-5, relative: 1e-4), path: label + " forward")
            for (i, name) in (["input"] + net.namedParameters().map(\.path)).enumerated() {
                let scale = gp[i]!.values.reduce(0) { Swift.max($0, Swift.abs(Double($1))) }
                assertClose(gf[i]!, gp[i]!, Tolerance(absolute: Swift.max(3e-5 * scale, 2e-6), relative: 1e-4), path: label + " ∂" + name)
            }
        }
    }
}
