import Checkpointing
// Adam (with coupled weight decay, TTUR settings and defaults) against torch.optim.Adam over
// five steps, every learning-rate schedule against PyTorch's scheduler driven the reference
// way, and state save/load round trips.
import Foundation
import HDF5Kit
import NN
import TensorCore
import TestSupport
import XCTest

final class OptimizerParityTests: XCTestCase {
    func testAdamMatchesPyTorchOverFiveSteps() throws {
        let file = try openNNFixture("optim.h5")
        defer { try? file.close() }
        for name in ["adam_wd", "adam_ttur", "adam_default"] {
            let g = try file.root.openGroup(name)
            let lr = try g.attribute("lr", as: Double.self)
            var settings = Adam.Settings()
            if g.hasAttribute("betas") {
                let betas = try g.attribute("betas", as: [Double].self)
                settings.beta1 = betas[0]
                settings.beta2 = betas[1]
            }
            if g.hasAttribute("eps") { settings.eps = try g.attribute("eps", as: Double.self) }
            if g.hasAttribute("weight_decay") { settings.weightDecay = try g.attribute("weight_decay", as: Double.self) }
            let p0 = Parameter(try readTensor(g, "p0_init")), p1 = Parameter(try readTensor(g, "p1_init"))
            let group = ParameterGroup(name: name, parameters: [("p0", p0), ("p1", p1)], learningRate: lr)
            let adam = Adam(name: name, groups: [(group, settings)])
            for step in 0..<5 {
                let s = try g.openGroup("step\(step)")
                p0.gradient!.assign(try readTensor(s, "g0"))
                p1.gradient!.assign(try readTensor(s, "g1"))
                adam.step()
                // Float32 arithmetic on both sides; differences come from operation order only.
                let tolerance = Tolerance(absolute: 1e-6, relative: 1e-5)
                assertClose(p0.value, try readTensor(s, "p0"), tolerance, path: "\(name)/step\(step)/p0")
                assertClose(p1.value, try readTensor(s, "p1"), tolerance, path: "\(name)/step\(step)/p1")
            }
        }
    }

    func testSchedulesMatchPyTorch() throws {
        let file = try openNNFixture("schedules.h5")
        defer { try? file.close() }
        func expectSequence(_ got: [Double], _ group: String, _ dataset: String = "lr") throws {
            let expected = try file.root.openGroup(group).openDataset(dataset).read(as: Double.self)
            XCTAssertEqual(got.count, expected.count, group)
            for (i, (a, e)) in zip(got, expected).enumerated() {
                XCTAssertEqual(a, e, accuracy: 1e-15 + 1e-12 * Swift.abs(e), "\(group)/\(dataset)[\(i)]")
            }
        }
        let cyclegan = LearningRateSchedule.cycleGANLinear(nEpochs: 3, nEpochsDecay: 4)
        try expectSequence((0..<7).map { cyclegan.learningRate(base: 2e-4, epoch: $0, iteration: 0) }, "cyclegan")
        let munit = LearningRateSchedule.step(stepSize: 3, gamma: 0.5)
        try expectSequence((0..<10).map { munit.learningRate(base: 1e-4, epoch: 0, iteration: $0) }, "munit")
        let ugatit = LearningRateSchedule.ugatitLinear(totalIterations: 10)
        try expectSequence((1...10).map { ugatit.learningRate(base: 1e-4, epoch: 0, iteration: $0) }, "ugatit")
        let cocosnet = LearningRateSchedule.cocosnet(niter: 3, niterDecay: 4)
        try expectSequence((0..<7).map { cocosnet.learningRate(base: 1e-4, epoch: $0, iteration: 0) }, "cocosnet", "lr_g")
        try expectSequence((0..<7).map { cocosnet.learningRate(base: 4e-4, epoch: $0, iteration: 0) }, "cocosnet", "lr_d")
        // AGGAN (TensorFlow main.py): constant for half the epochs, then linear to 0 (hand-computed).
        let aggan = LearningRateSchedule.aggan(maxEpochs: 4)
        XCTAssertEqual((0..<4).map { aggan.learningRate(base: 1e-4, epoch: $0, iteration: 0) }, [1e-4, 1e-4, 1e-4, 5e-5])
    }
}

final class StateRoundTripTests: XCTestCase {
    private func temporaryPath(_ name: String) -> String {
        NSTemporaryDirectory() + "i2i-state-\(ProcessInfo.processInfo.processIdentifier)-\(name).h5"
    }

    func testModuleAndOptimizerStateRoundTripBitExactly() throws {
        var s = RandomStream(seed: 9, purpose: "round trip")
        let net = Sequential([
            Conv2d(inChannels: 3, outChannels: 4, kernelSize: 3, spectralNorm: true, stream: &s),
            InstanceNorm2d(features: 4, affine: true),
            ResBlock(channels: 4, norm: .adain, padMode: .reflect, stream: &s),
        ])
        let group = ParameterGroup(name: "G", parameters: net.namedParameters(), learningRate: 1e-3)
        let adam = Adam(name: "G", groups: [(group, Adam.Settings(weightDecay: 1e-4))])
        for i in 0..<group.count { group.gradients.pointer[i] = Float(i % 7) - 3 }
        adam.step()
        adam.step()

        let path = temporaryPath("roundtrip")
        let out = try HDF5File.create(at: path)
        try net.saveState(to: out.root.createGroup("networks/net"))
        try adam.saveState(to: out.root.createGroup("optimizers/G"))
        try out.close()
        defer { try? FileManager.default.removeItem(atPath: path) }

        var s2 = RandomStream(seed: 10, purpose: "other init")
        let copy = Sequential([
            Conv2d(inChannels: 3, outChannels: 4, kernelSize: 3, spectralNorm: true, stream: &s2),
            InstanceNorm2d(features: 4, affine: true),
            ResBlock(channels: 4, norm: .adain, padMode: .reflect, stream: &s2),
        ])
        let group2 = ParameterGroup(name: "G", parameters: copy.namedParameters(), learningRate: 0)
        let adam2 = Adam(name: "G", groups: [(group2, Adam.Settings(weightDecay: 1e-4))])
        let file = try HDF5File.open(path)
        try copy.loadState(from: file.root.openGroup("networks/net"))
        try adam2.loadState(from: file.root.openGroup("optimizers/G"))
        try file.close()
        for ((k, a), (_, b)) in zip(net.stateTensors(), copy.stateTensors()) {
            XCTAssertEqual(a.values, b.values, "\(k) differs after the round trip")
        }
        XCTAssertEqual(adam2.groups[0].step, 2)
        XCTAssertEqual(adam2.groups[0].group.learningRate, 1e-3)
        let n = group.count
        XCTAssertEqual(
            Array(UnsafeBufferPointer(start: adam.groups[0].exp_avg_sq.pointer, count: n)),
            Array(UnsafeBufferPointer(start: adam2.groups[0].exp_avg_sq.pointer, count: n)))
    }

    func testLoadingReportsEveryMismatchAtOnce() throws {
        var s = RandomStream(seed: 1, purpose: "mismatch")
        let saved = Sequential([
            Conv2d(inChannels: 3, outChannels: 4, kernelSize: 3, stream: &s), Linear(inFeatures: 4, outFeatures: 2, stream: &s),
        ])
        let path = temporaryPath("mismatch")
        let out = try HDF5File.create(at: path)
        try saved.saveState(to: out.root.createGroup("net"))
        try out.root.createDataset("net/extra.weight", values: [Float(1)], shape: [1])
        try out.close()
        defer { try? FileManager.default.removeItem(atPath: path) }

        let other = Sequential([
            Conv2d(inChannels: 3, outChannels: 5, kernelSize: 3, stream: &s), InstanceNorm2d(features: 5, affine: true),
        ])
        let missingOne = Sequential([
            Conv2d(inChannels: 3, outChannels: 4, kernelSize: 3, stream: &s), Linear(inFeatures: 4, outFeatures: 2, stream: &s),
            Linear(inFeatures: 2, outFeatures: 2, bias: false, stream: &s),
        ])
        let before = other.stateTensors().map { $0.tensor.values }
        let file = try HDF5File.open(path)
        defer { try? file.close() }
        XCTAssertThrowsError(try other.loadState(from: file.root.openGroup("net"))) { error in
            let text = "\(error)"
            XCTAssertFalse(text.contains("missing"), text)
            XCTAssertTrue(text.contains("unexpected 1 (extra.weight)"), text)
            XCTAssertTrue(text.contains("wrong shape 4"), text)
            XCTAssertTrue(text.contains("0.weight: expected [5, 3, 3, 3], found [4, 3, 3, 3]"), text)
            XCTAssertTrue(text.contains("1.weight: expected [5], found [2, 4]"), text)
            XCTAssertTrue(text.contains("mismatch.h5"), text)
        }
        XCTAssertEqual(other.stateTensors().map { $0.tensor.values }, before, "a failed load must change nothing")
        XCTAssertThrowsError(try missingOne.loadState(from: file.root.openGroup("net"))) { error in
            XCTAssertTrue("\(error)".contains("missing 1 (2.weight)"), "\(error)")
        }

    }
}
