// CycleGAN against a PyTorch expression of the official model (Fixtures/make_fixtures.py):
// a tiny configuration (ngf 4, ndf 4, 2 residual blocks, 32×32, batch 2) from the same
// weights; every loss term over three optimiser steps and every parameter gradient of step 0.
import Checkpointing
import HDF5Kit
import Models
import NN
import TensorCore
import TestSupport
import XCTest

/// The folder holding this target's fixtures.
let modelFixtureFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

/// A tensor from a float32 dataset.
func readModelTensor(_ group: HDF5Group, _ path: String) throws -> Tensor {
    let d = try group.openDataset(path)
    return Tensor(shape: try d.shape, values: try d.read(as: Float.self))
}

/// A step context that records each optimiser group's gradients (by prefixed parameter path)
/// after its backward pass, then behaves like ``LocalStepContext``.
final class RecordingStepContext: StepContext {
    private let local = LocalStepContext()
    var recording = true
    private(set) var gradients: [String: Tensor] = [:]

    func backward(_ loss: Tensor, for optimizer: Adam) {
        local.backward(loss, for: optimizer)
        guard recording else { return }
        for state in optimizer.groups {
            for s in state.group.segments { gradients[s.path] = s.parameter.gradient!.copy() }
        }
    }

    func step(_ optimizer: Adam, loss: Float) -> Bool { local.step(optimizer, loss: loss) }
}

final class CycleGANGoldenTests: XCTestCase {
    func testLossesAndGradientsMatchTheReference() throws {
        let file = try HDF5File.open(modelFixtureFolder + "/cyclegan.h5")
        defer { try? file.close() }
        var options = CycleGANOptions()
        options.ngf = try file.root.attribute("ngf", as: Int.self)
        options.ndf = try file.root.attribute("ndf", as: Int.self)
        options.generatorBlocks = try file.root.attribute("blocks", as: Int.self)
        let model = CycleGAN(options: options, seed: 1, rank: 0)
        for (name, net) in model.networks {
            try net.loadState(from: file.root.openGroup("networks/\(name)"))
        }
        let context = RecordingStepContext()
        // Float32 against a float64 reference; the losses after two updates also carry the
        // updates' rounding, amplified by Adam's 1/√v normalisation of small gradients.
        let lossTolerance = Tolerance(absolute: 1e-5, relative: 2e-4)
        for step in 0..<3 {
            let s = try file.root.openGroup("step\(step)")
            let batch = TrainingBatch.unpaired(ImageBatch(a: try readModelTensor(s, "a"), b: try readModelTensor(s, "b")))
            context.recording = step == 0
            model.updateLearningRates(epoch: 0, iteration: step)
            let losses = model.trainStep(batch, epoch: 0, context: context)
            let expected = try s.openGroup("losses")
            XCTAssertEqual(losses.map(\.name), ["D_A", "G_A", "cycle_A", "idt_A", "D_B", "G_B", "cycle_B", "idt_B"])
            for (name, value) in losses {
                let e = try expected.attribute(name, as: Double.self)
                XCTAssertTrue(lossTolerance.accepts(Double(value), e), "step \(step) \(name): \(value) vs \(e)")
            }
            if step == 0 {
                let grads = try s.openGroup("grads")
                var compared = 0
                for (name, net) in model.networks {
                    for (key, _) in net.namedParameters() {
                        let expectedGrad = try readModelTensor(grads, "\(name)/\(key)")
                        guard let got = context.gradients["\(name).\(key)"] else {
                            XCTFail("no gradient recorded for \(name).\(key)"); continue
                        }
                        // Float32 backward through ~20 layers with sums over whole planes: about
                        // 1e-5 absolute error at gradients of size 3, and a few 1e-6 of noise on
                        // the biases that precede an instance norm (mathematically zero).
                        assertClose(got, expectedGrad, Tolerance(absolute: 1e-5, relative: 1e-3), path: "\(name).\(key) gradient")
                        compared += 1
                    }
                }
                XCTAssertEqual(compared, model.networks.reduce(0) { $0 + $1.module.namedParameters().count })
            }
        }
    }
}
