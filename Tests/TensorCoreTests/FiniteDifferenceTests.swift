// Finite-difference checks of the elementwise, reduction, matmul, shape and loss ops on tiny
// shapes: the analytic gradient of Σ out ⊙ R against fourth-order central differences (see
// TestSupport/FiniteDifferences.swift for the step and tolerance). Inputs keep away from kinks.
import TensorCore
import TestSupport
import XCTest

final class FiniteDifferenceTests: XCTestCase {
    var inputs = TestInputs(seed: 11)

    // MARK: - Binary arithmetic with broadcasting

    func testAdd() {
        checkFiniteDifferences("add", [inputs.normal([2, 3]), inputs.normal([3])]) { $0[0] + $0[1] }
        checkFiniteDifferences("add 4-d", [inputs.normal([2, 1, 3]), inputs.normal([2, 1])]) { $0[0] + $0[1] }
    }

    func testSub() {
        checkFiniteDifferences("sub", [inputs.normal([2, 1]), inputs.normal([1, 3])]) { $0[0] - $0[1] }
    }

    func testMul() {
        checkFiniteDifferences("mul", [inputs.normal([3, 1, 2]), inputs.normal([4, 1])]) { $0[0] * $0[1] }
        checkFiniteDifferences("mul 0-d", [inputs.normal([2, 3]), inputs.normal([])]) { $0[0] * $0[1] }
    }

    func testDiv() {
        checkFiniteDifferences("div", [inputs.normal([2, 3]), inputs.uniform([3], 0.5, 2)]) { $0[0] / $0[1] }
        checkFiniteDifferences("div 0-d left", [inputs.normal([]), inputs.uniform([2, 2], 0.5, 2)]) { $0[0] / $0[1] }
    }

    // MARK: - Scalar arithmetic and unary functions

    func testScalarArithmetic() {
        checkFiniteDifferences("neg", [inputs.normal([5])]) { -$0[0] }
        checkFiniteDifferences("x + s", [inputs.normal([5])]) { $0[0] + 1.5 }
        checkFiniteDifferences("x − s", [inputs.normal([5])]) { $0[0] - 1.5 }
        checkFiniteDifferences("x · s", [inputs.normal([5])]) { $0[0] * -2 }
        checkFiniteDifferences("x / s", [inputs.normal([5])]) { $0[0] / 4 }
        checkFiniteDifferences("s − x", [inputs.normal([5])]) { 3 - $0[0] }
        checkFiniteDifferences("s / x", [inputs.uniform([5], 0.5, 2)]) { 2 / $0[0] }
    }

    func testExpLogSqrt() {
        checkFiniteDifferences("exp", [inputs.normal([2, 3])]) { $0[0].exp() }
        checkFiniteDifferences("log", [inputs.uniform([2, 3], 0.5, 3)]) { $0[0].log() }
        checkFiniteDifferences("sqrt", [inputs.uniform([2, 3], 0.5, 3)]) { $0[0].sqrt() }
    }

    func testPow() {
        for p: Float in [2, 3, 0.5, -1.5] {
            checkFiniteDifferences("pow \(p)", [inputs.uniform([2, 3], 0.5, 2)]) { $0[0].pow(p) }
        }
        checkFiniteDifferences("pow 3 of negatives", [inputs.normal([5])]) { $0[0].pow(3) }
    }

    func testAbsAndClamp() {
        checkFiniteDifferences("abs", [inputs.awayFromZero([2, 4])]) { $0[0].abs() }
        // Values on a 0.1 grid offset by 0.05: none within a step of the bounds.
        checkFiniteDifferences("clamp", [inputs.distinct([3, 4], gap: 0.1, centre: 0.05)]) {
            $0[0].clamped(min: -0.5, max: 0.3)
        }
    }

    // MARK: - Activations

    func testActivations() {
        checkFiniteDifferences("relu", [inputs.awayFromZero([2, 4])]) { $0[0].relu() }
        checkFiniteDifferences("leakyRelu", [inputs.awayFromZero([2, 4])]) { $0[0].leakyRelu(0.2) }
        checkFiniteDifferences("sigmoid", [inputs.normal([2, 4], std: 2)]) { $0[0].sigmoid() }
        checkFiniteDifferences("tanh", [inputs.normal([2, 4])]) { $0[0].tanh() }
    }

    func testPReLU() {
        checkFiniteDifferences("prelu per channel", [inputs.awayFromZero([2, 3, 2, 2]), inputs.uniform([3], 0, 0.5)]) {
            prelu($0[0], weight: $0[1])
        }
        checkFiniteDifferences("prelu shared", [inputs.awayFromZero([2, 3, 2]), inputs.uniform([1], 0, 0.5)]) {
            prelu($0[0], weight: $0[1])
        }
    }

    func testSoftmax() {
        for axis in [0, 1, -1] {
            checkFiniteDifferences("softmax axis \(axis)", [inputs.normal([2, 3, 4])]) { $0[0].softmax(axis: axis) }
            checkFiniteDifferences("logSoftmax axis \(axis)", [inputs.normal([2, 3, 4])]) { $0[0].logSoftmax(axis: axis) }
        }
    }

    // MARK: - Reductions

    func testSumAndMean() {
        checkFiniteDifferences("sum all", [inputs.normal([2, 3, 2])]) { $0[0].sum() }
        checkFiniteDifferences("sum [0, 2] keep", [inputs.normal([2, 3, 2])]) { $0[0].sum(axes: [0, 2], keepDims: true) }
        checkFiniteDifferences("mean all", [inputs.normal([2, 3, 2])]) { $0[0].mean() }
        checkFiniteDifferences("mean [-1]", [inputs.normal([2, 3, 2])]) { $0[0].mean(axis: -1) }
    }

    func testMaxAndMin() {
        checkFiniteDifferences("max all", [inputs.distinct([2, 3, 2])]) { $0[0].max() }
        checkFiniteDifferences("max [1]", [inputs.distinct([2, 3, 2])]) { $0[0].max(axes: [1]) }
        checkFiniteDifferences("min [0, 2] keep", [inputs.distinct([2, 3, 2])]) { $0[0].min(axes: [0, 2], keepDims: true) }
    }

    func testVariance() {
        checkFiniteDifferences("variance unbiased all", [inputs.normal([2, 3, 2])]) { $0[0].variance() }
        checkFiniteDifferences("variance biased [1]", [inputs.normal([2, 3, 2])]) { $0[0].variance(axes: [1], unbiased: false) }
        checkFiniteDifferences("variance [0, 2] keep", [inputs.normal([2, 3, 2])]) {
            $0[0].variance(axes: [0, 2], keepDims: true)
        }
    }

    // MARK: - Matmul and shape ops

    func testMatmul() {
        checkFiniteDifferences("matmul", [inputs.normal([3, 4]), inputs.normal([4, 2])]) { matmul($0[0], $0[1]) }
        checkFiniteDifferences("bmm", [inputs.normal([2, 3, 2]), inputs.normal([2, 2, 3])]) { matmul($0[0], $0[1]) }
        checkFiniteDifferences("bmm shared", [inputs.normal([2, 3, 2]), inputs.normal([2, 3])]) { batchedMatmul($0[0], $0[1]) }
    }

    func testLinear() {
        checkFiniteDifferences("linear", [inputs.normal([3, 4]), inputs.normal([2, 4]), inputs.normal([2])]) {
            linear($0[0], weight: $0[1], bias: $0[2])
        }
        checkFiniteDifferences("linear without bias", [inputs.normal([2, 3]), inputs.normal([4, 3])]) {
            linear($0[0], weight: $0[1])
        }
    }

    func testShapeOps() {
        checkFiniteDifferences("reshape", [inputs.normal([2, 3, 2])]) { $0[0].reshaped([3, -1]) }
        checkFiniteDifferences("permute", [inputs.normal([2, 3, 2])]) { $0[0].permuted([2, 0, 1]) }
        checkFiniteDifferences("transpose", [inputs.normal([2, 3, 2])]) { $0[0].transposed(0, 1) }
        checkFiniteDifferences("concat", [inputs.normal([2, 1, 2]), inputs.normal([2, 3, 2])]) { concat($0, axis: 1) }
        checkFiniteDifferences("stack", [inputs.normal([2, 2]), inputs.normal([2, 2])]) { stack($0, axis: 2) }
        checkFiniteDifferences("slice", [inputs.normal([2, 4, 2])]) { $0[0].slice(axis: 1, 1..<3) }
        checkFiniteDifferences("expand", [inputs.normal([3, 1])]) { $0[0].expanded(to: [2, 3, 2]) }
        checkFiniteDifferences("flatten", [inputs.normal([2, 2, 2])]) { $0[0].flattened().unsqueezed(0) }
    }

    func testGather() {
        let index = Tensor(shape: [2, 3], values: [0, 2, 2, 1, 0, 1])
        checkFiniteDifferences("gather", [inputs.normal([2, 4])]) { gather($0[0], axis: 1, index: index) }
    }

    // MARK: - Losses

    func testLosses() {
        checkFiniteDifferences("mse", [inputs.normal([2, 3]), inputs.normal([2, 3])]) { mseLoss($0[0], $0[1]) }
        checkFiniteDifferences("mse constant", [inputs.normal([2, 3])]) { mseLoss($0[0], target: 1) }
        let x = inputs.normal([2, 3]), t = x + inputs.awayFromZero([2, 3])
        checkFiniteDifferences("l1", [x, t]) { l1Loss($0[0], $0[1]) }
        checkFiniteDifferences("bce with logits", [inputs.normal([2, 3], std: 3), inputs.uniform([2, 3], 0, 1)]) {
            bceWithLogitsLoss($0[0], $0[1])
        }
        checkFiniteDifferences("bce constant", [inputs.normal([2, 3], std: 3)]) { bceWithLogitsLoss($0[0], target: 1) }
        let target = inputs.classIDs([2, 2], classes: 3), weight = inputs.uniform([2, 2], 0.2, 2)
        checkFiniteDifferences("nll", [inputs.normal([2, 3, 2])]) {
            nllLoss($0[0].logSoftmax(axis: 1), target: target, weight: weight)
        }
        checkFiniteDifferences("hinge real", [inputs.distinct([2, 4], gap: 0.3, centre: 0.05)]) { hingeRealLoss($0[0]) }
        checkFiniteDifferences("hinge fake", [inputs.distinct([2, 4], gap: 0.3, centre: 0.05)]) { hingeFakeLoss($0[0]) }
        checkFiniteDifferences("hinge generator", [inputs.normal([2, 4])]) { hingeGeneratorLoss($0[0]) }
    }
}
