// The ops against PyTorch: each test checks one op's fixture cases (listed one per variant in
// FixtureCatalog*.swift) — forward output and the gradient of Σ output ⊙ R for every input.
import TensorCore
import TestSupport
import XCTest

/// elementwise.h5: binary arithmetic with broadcasting, scalar arithmetic, unary functions, activations.
final class ElementwiseFixtureTests: XCTestCase {
    func testAdd() { FixtureCatalog.add.check() }
    func testSub() { FixtureCatalog.sub.check() }
    func testMul() { FixtureCatalog.mul.check() }
    func testDiv() { FixtureCatalog.div.check() }
    func testNeg() { FixtureCatalog.neg.check() }
    func testAddScalar() { FixtureCatalog.addScalar.check() }
    func testSubScalar() { FixtureCatalog.subScalar.check() }
    func testMulScalar() { FixtureCatalog.mulScalar.check() }
    func testDivScalar() { FixtureCatalog.divScalar.check() }
    func testRsubScalar() { FixtureCatalog.rsubScalar.check() }
    func testRdivScalar() { FixtureCatalog.rdivScalar.check() }
    func testExp() { FixtureCatalog.exp.check() }
    func testLog() { FixtureCatalog.log.check() }
    func testSqrt() { FixtureCatalog.sqrt.check() }
    func testPow() { FixtureCatalog.pow.check() }
    func testAbs() { FixtureCatalog.abs.check() }
    func testClamp() { FixtureCatalog.clamp.check() }
    func testRelu() { FixtureCatalog.relu.check() }
    func testLeakyRelu() { FixtureCatalog.leakyRelu.check() }
    func testPrelu() { FixtureCatalog.prelu.check() }
    func testSigmoid() { FixtureCatalog.sigmoid.check() }
    func testTanh() { FixtureCatalog.tanh.check() }
}

/// reduce.h5 and matmul.h5: softmax, reductions, variance, matmul, linear.
final class ReductionFixtureTests: XCTestCase {
    func testSoftmax() { FixtureCatalog.softmax.check() }
    func testLogSoftmax() { FixtureCatalog.logSoftmax.check() }
    func testSum() { FixtureCatalog.sum.check() }
    func testMean() { FixtureCatalog.mean.check() }
    func testMax() { FixtureCatalog.max.check() }
    func testMin() { FixtureCatalog.min.check() }
    func testVariance() { FixtureCatalog.variance.check() }
    func testMatmul() { FixtureCatalog.matmul.check() }
    func testLinear() { FixtureCatalog.linear.check() }
}

/// shape.h5 and pad.h5: reshape, permute, transpose, concat, stack, slice, expand, pad.
final class ShapeFixtureTests: XCTestCase {
    func testReshape() { FixtureCatalog.reshape.check() }
    func testPermute() { FixtureCatalog.permute.check() }
    func testTranspose() { FixtureCatalog.transpose.check() }
    func testConcat() { FixtureCatalog.concat.check() }
    func testStack() { FixtureCatalog.stack.check() }
    func testSlice() { FixtureCatalog.slice.check() }
    func testExpand() { FixtureCatalog.expand.check() }
    func testPad() { FixtureCatalog.pad.check() }
}

/// conv.h5, pool.h5, norm.h5, index.h5: convolutions, pooling, resampling, unfold, instance norm, one-hot, gather.
final class SpatialFixtureTests: XCTestCase {
    func testConv2d() { FixtureCatalog.conv2d.check() }
    func testConvTranspose2d() { FixtureCatalog.convTranspose2d.check() }
    func testAvgPool2d() { FixtureCatalog.avgPool2d.check() }
    func testMaxPool2d() { FixtureCatalog.maxPool2d.check() }
    func testGlobalAvgPool() { FixtureCatalog.globalAvgPool.check() }
    func testGlobalMaxPool() { FixtureCatalog.globalMaxPool.check() }
    func testUpsample() { FixtureCatalog.upsample.check() }
    func testResize() { FixtureCatalog.resize.check() }
    func testUnfold() { FixtureCatalog.unfold.check() }
    func testInstanceNorm() { FixtureCatalog.instanceNorm.check() }
    func testOneHot() { FixtureCatalog.oneHot.check() }
    func testGather() { FixtureCatalog.gather.check() }
}

/// loss.h5: MSE, L1, BCE with logits, NLL with per-pixel weights, hinge terms.
final class LossFixtureTests: XCTestCase {
    func testMse() { FixtureCatalog.mse.check() }
    func testMseConstant() { FixtureCatalog.mseConstant.check() }
    func testL1() { FixtureCatalog.l1.check() }
    func testBce() { FixtureCatalog.bce.check() }
    func testBceConstant() { FixtureCatalog.bceConstant.check() }
    func testNll() { FixtureCatalog.nll.check() }
    func testHingeReal() { FixtureCatalog.hingeReal.check() }
    func testHingeFake() { FixtureCatalog.hingeFake.check() }
    func testHingeGenerator() { FixtureCatalog.hingeGenerator.check() }
}

/// The Swift catalogue and the fixture files list the same cases.
final class FixtureInventoryTests: XCTestCase {
    func testEveryFixtureCaseIsListed() {
        var listed: [String: Set<String>] = [:]
        for op in FixtureCatalog.all {
            for name in op.cases {
                XCTAssertFalse(listed[op.file, default: []].contains(name), "\(op.file)/\(name) is listed twice")
                listed[op.file, default: []].insert(name)
            }
        }
        for (file, names) in listed.sorted(by: { $0.key < $1.key }) {
            let stored = Set(FixtureFile.named(file, in: fixtureDirectory).caseNames)
            XCTAssertEqual(stored.subtracting(names).sorted(), [], "\(file).h5 has cases that no test checks")
            XCTAssertEqual(names.subtracting(stored).sorted(), [], "cases listed for \(file).h5 are missing from it")
        }
    }
}
