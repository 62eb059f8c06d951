// Finite-difference checks of the image ops on tiny shapes: padding, conv2d on both GEMM
// orientations, transposed conv, pooling, upsampling, unfold, instance norm (per channel and,
// as AdaIN, per plane), MUNIT's layer norm, U-GAT-IT's layer-instance norm and SPADE's modulation.
import TensorCore
import TestSupport
import XCTest

final class SpatialFiniteDifferenceTests: XCTestCase {
    var inputs = TestInputs(seed: 12)

    func testPad() {
        for mode in PaddingMode.allCases {
            checkFiniteDifferences("pad \(mode)", [inputs.normal([1, 2, 3, 4])]) {
                $0[0].padded(Padding(left: 2, right: 1, top: 0, bottom: 2), mode: mode)
            }
        }
    }

    func testConv2dSmallOutputChannels() {
        // Co < 16: transposed-GEMM forward; stride 1 uses the flipped-kernel backward.
        checkFiniteDifferences("conv2d Co=3 s1 p1", [inputs.normal([2, 2, 4, 5]), inputs.normal([3, 2, 3, 3]), inputs.normal([3])]) {
            conv2d($0[0], weight: $0[1], bias: $0[2], padding: Padding(1))
        }
        checkFiniteDifferences("conv2d Co=2 s1 asym", [inputs.normal([1, 2, 4, 4]), inputs.normal([2, 2, 3, 2])]) {
            conv2d($0[0], weight: $0[1], padding: Padding(left: 0, right: 1, top: 2, bottom: 0))
        }
        checkFiniteDifferences("conv2d Co=2 s2", [inputs.normal([1, 2, 5, 4]), inputs.normal([2, 2, 3, 3])]) {
            conv2d($0[0], weight: $0[1], stride: (2, 2), padding: Padding(1))
        }
    }

    func testConv2dUsualPath() {
        checkFiniteDifferences("conv2d Co=16 s1 p1", [inputs.normal([1, 1, 3, 4]), inputs.normal([16, 1, 3, 3]), inputs.normal([16])]) {
            conv2d($0[0], weight: $0[1], bias: $0[2], padding: Padding(1))
        }
        checkFiniteDifferences("conv2d Co=16 s2 asym", [inputs.normal([2, 1, 4, 3]), inputs.normal([16, 1, 2, 2])]) {
            conv2d($0[0], weight: $0[1], stride: (2, 2), padding: Padding(left: 0, right: 1, top: 0, bottom: 1))
        }
        checkFiniteDifferences("conv2d Co=16 1×1", [inputs.normal([2, 2, 2, 3]), inputs.normal([16, 2, 1, 1])]) {
            conv2d($0[0], weight: $0[1])
        }
    }

    func testConvTranspose2d() {
        checkFiniteDifferences(
            "convTranspose2d k3 s2 p1 op1",
            [inputs.normal([1, 2, 2, 3]), inputs.normal([2, 3, 3, 3]), inputs.normal([3])]
        ) {
            convTranspose2d($0[0], weight: $0[1], bias: $0[2], stride: (2, 2), padding: (1, 1), outputPadding: (1, 1))
        }
        checkFiniteDifferences("convTranspose2d k4 s2 p1", [inputs.normal([2, 1, 2, 2]), inputs.normal([1, 2, 4, 4])]) {
            convTranspose2d($0[0], weight: $0[1], stride: (2, 2), padding: (1, 1))
        }
    }

    func testPooling() {
        checkFiniteDifferences("avgPool2d k3 s2 p1", [inputs.normal([1, 2, 5, 4])]) {
            $0[0].avgPool2d(kernel: 3, stride: 2, padding: 1)
        }
        checkFiniteDifferences("avgPool2d exclude pad", [inputs.normal([1, 2, 5, 4])]) {
            $0[0].avgPool2d(kernel: 3, stride: 2, padding: 1, countIncludePad: false)
        }
        checkFiniteDifferences("maxPool2d k3 s2 p1", [inputs.distinct([1, 2, 5, 4])]) {
            $0[0].maxPool2d(kernel: 3, stride: 2, padding: 1)
        }
        checkFiniteDifferences("global avg", [inputs.normal([2, 2, 2, 3])]) { $0[0].globalAvgPool2d() }
        checkFiniteDifferences("global max", [inputs.distinct([2, 2, 2, 3])]) { $0[0].globalMaxPool2d() }
    }

    func testUpsampleAndUnfold() {
        checkFiniteDifferences("upsample ×2", [inputs.normal([1, 2, 2, 3])]) { $0[0].upsampleNearest(factor: 2) }
        checkFiniteDifferences("upsample 3×1", [inputs.normal([1, 1, 2, 2])]) { $0[0].upsampleNearest(factorY: 3, factorX: 1) }
        checkFiniteDifferences("resize 3×2 → 5×4", [inputs.normal([1, 2, 3, 2])]) { $0[0].resizeNearest(height: 5, width: 4) }
        checkFiniteDifferences("resize 5×4 → 2×3", [inputs.normal([1, 1, 5, 4])]) { $0[0].resizeNearest(height: 2, width: 3) }
        checkFiniteDifferences("unfold k3 p1", [inputs.normal([1, 2, 3, 3])]) { $0[0].unfold(kernel: 3, padding: 1) }
        checkFiniteDifferences("unfold k2 s2", [inputs.normal([2, 1, 4, 5])]) { $0[0].unfold(kernel: 2, stride: 2) }
    }

    func testInstanceNorm() {
        checkFiniteDifferences("instanceNorm", [inputs.normal([2, 2, 2, 3])]) { instanceNorm($0[0]) }
        checkFiniteDifferences(
            "instanceNorm affine",
            [inputs.normal([2, 2, 3, 2]), inputs.normal([2], mean: 1), inputs.normal([2])]
        ) {
            instanceNorm($0[0], weight: $0[1], bias: $0[2])
        }
        checkFiniteDifferences("instanceNorm weight only", [inputs.normal([1, 3, 5]), inputs.normal([3], mean: 1)]) {
            instanceNorm($0[0], weight: $0[1], eps: 1e-3)
        }
    }

    func testInstanceNormPerPlaneAffine() {
        // AdaIN: one scale and shift per (sample, channel) plane.
        checkFiniteDifferences(
            "instanceNorm per plane", [inputs.normal([2, 3, 2, 3]), inputs.normal([6], mean: 1), inputs.normal([6])]
        ) {
            instanceNorm($0[0], weight: $0[1], bias: $0[2])
        }
    }

    func testSPADEModulation() {
        for normalization in [SPADENormalization.instance, .positional] {
            let shape = [2, 3, 2, 3]
            checkFiniteDifferences(
                "spadeModulation \(normalization)", [inputs.normal(shape), inputs.normal(shape), inputs.normal(shape)]
            ) {
                spadeModulation($0[0], gamma: $0[1], beta: $0[2], normalization: normalization)
            }
        }
    }

    func testLayerNorm() {
        checkFiniteDifferences("layerNorm", [inputs.normal([2, 2, 2, 3])]) { layerNorm($0[0]) }
        checkFiniteDifferences(
            "layerNorm affine", [inputs.normal([2, 3, 2, 2]), inputs.normal([3], mean: 1), inputs.normal([3])]
        ) {
            layerNorm($0[0], weight: $0[1], bias: $0[2])
        }
        checkFiniteDifferences(
            "layerNorm affine leaky", [inputs.normal([1, 3, 3, 3]), inputs.normal([3], mean: 1), inputs.normal([3])]
        ) {
            layerNorm($0[0], weight: $0[1], bias: $0[2], eps: 1e-3, activation: .leakyRelu(0.2))
        }
        checkFiniteDifferences("layerNorm 2-d", [inputs.normal([3, 4])]) { layerNorm($0[0]) }
    }

    func testInstanceLayerNorm() {
        // ILN: per-channel γ, β; adaILN: per-plane γ, β; ρ away from 0 and 1 so both parts count.
        checkFiniteDifferences(
            "instanceLayerNorm per channel",
            [inputs.normal([2, 3, 2, 3]), inputs.uniform([3], 0.2, 0.8), inputs.normal([3], mean: 1), inputs.normal([3])]
        ) {
            instanceLayerNorm($0[0], rho: $0[1], weight: $0[2], bias: $0[3])
        }
        checkFiniteDifferences(
            "instanceLayerNorm per plane",
            [inputs.normal([2, 2, 3, 2]), inputs.uniform([2], 0.2, 0.8), inputs.normal([4], mean: 1), inputs.normal([4])]
        ) {
            instanceLayerNorm($0[0], rho: $0[1], weight: $0[2], bias: $0[3], eps: 1e-3)
        }
    }
}
