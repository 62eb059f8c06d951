// AGGAN's training mechanics on a tiny model: the two stages, the shared Adam step count, the
// (image, mask) pools, the learning-rate schedule, configuration defaults, translation and
// sample rows.
import Configuration
import Models
import NN
import TensorCore
import TestSupport
import XCTest

final class AGGANTrainingTests: XCTestCase {
    private func batch(_ seed: UInt64, size: Int = 16) -> TrainingBatch {
        var s = RandomStream(seed: seed, purpose: "batch")
        return .unpaired(
            ImageBatch(
                a: Tensor.uniform([2, 3, size, size], low: -1, high: 1, using: &s),
                b: Tensor.uniform([2, 3, size, size], low: -1, high: 1, using: &s)))
    }

    private func snapshot(_ m: Module) -> [[Float]] { m.namedParameters().map { $0.parameter.value.values } }

    func testStagesFreezeAndReleaseTheAttentionNetworks() {
        var options = tinyOptions()
        options.switchEpoch = 2
        let model = AGGAN(options: options, seed: 5, rank: 0)
        let context = LocalStepContext()
        var before = snapshot(model.g_A_ae)
        _ = model.trainStep(batch(1), epoch: 1, context: context)
        XCTAssertNotEqual(snapshot(model.g_A_ae), before, "stage 1 trains the attention")
        XCTAssertFalse(model.g_A_ae.isFrozen)

        before = snapshot(model.g_A_ae)
        let beforeB = snapshot(model.g_B_ae), beforeG = snapshot(model.g_A)
        let losses = model.trainStep(batch(2), epoch: 2, context: context)
        XCTAssertTrue(model.g_A_ae.isFrozen && model.g_B_ae.isFrozen)
        XCTAssertEqual(snapshot(model.g_A_ae), before, "stage 2 freezes g_A_ae")
        XCTAssertEqual(snapshot(model.g_B_ae), beforeB, "stage 2 freezes g_B_ae")
        XCTAssertNotEqual(snapshot(model.g_A), beforeG, "stage 2 still trains the generators")
        XCTAssertTrue(losses.allSatisfy { $0.value.isFinite })
        XCTAssertEqual(context.skipped, 0)

        _ = model.trainStep(batch(3), epoch: 0, context: context)
        XCTAssertFalse(model.g_A_ae.isFrozen || model.g_B_ae.isFrozen, "an epoch before the switch trains them again")
    }

    func testPaperKernelsTrainInBothStages() {
        var options = tinyOptions()
        options.attentionKernels = .paper
        options.switchEpoch = 1
        let model = AGGAN(options: options, seed: 11, rank: 0)
        let context = LocalStepContext()
        for epoch in 0..<2 {
            let losses = model.trainStep(batch(UInt64(20 + epoch)), epoch: epoch, context: context)
            XCTAssertTrue(losses.allSatisfy { $0.value.isFinite })
        }
        XCTAssertEqual(context.skipped, 0)
    }

    /// TF's one AdamOptimizer advances its β-powers at each of the four updates of an iteration.
    func testAdamStepCountsAdvanceOncePerUpdateAcrossTheFourOptimisers() {
        let model = AGGAN(options: tinyOptions(), seed: 6, rank: 0)
        let context = LocalStepContext()
        for iteration in 0..<2 {
            _ = model.trainStep(batch(UInt64(10 + iteration)), epoch: 0, context: context)
            let base = 4 * iteration
            XCTAssertEqual(model.optimizerGA.groups.map(\.step), [base + 1, base + 1])
            XCTAssertEqual(model.optimizerDB.groups.map(\.step), [base + 2])
            XCTAssertEqual(model.optimizerGB.groups.map(\.step), [base + 3, base + 3])
            XCTAssertEqual(model.optimizerDA.groups.map(\.step), [base + 4])
        }
        XCTAssertTrue(model.optimizers.allSatisfy { $0.groups.allSatisfy(\.settings.epsilonBeforeCorrection) })
    }

    func testPoolsStoreFakesWithTheirMasks() {
        var options = tinyOptions()
        options.poolSize = 3
        let model = AGGAN(options: options, seed: 7, rank: 0)
        let data = batch(4)
        _ = model.trainStep(data, epoch: 0, context: LocalStepContext())
        XCTAssertEqual(model.pools.map(\.name), ["fake_A", "fake_B"])
        for pool in model.pools {
            XCTAssertEqual(pool.entries.count, 2)
            for entry in pool.entries {
                XCTAssertEqual(entry.map(\.shape), [[1, 3, 16, 16], [1, 1, 16, 16]])
                XCTAssertTrue(entry[1].values.allSatisfy { $0 > 0 && $0 < 1 })
            }
        }
        // The stored fake B and mask are g_A's composition and g_A_ae's mask before g_A's update.
        let twin = AGGAN(options: options, seed: 7, rank: 0)
        let translation = twin.translate(data.unpaired.a, direction: .a2b)
        let (fakeB, maskA) = (translation.images, translation.map("attention")?.tensor)
        let stored = model.pools[1].entries
        assertClose(concat(stored.map { $0[0] }, axis: 0), fakeB, Tolerance(absolute: 0, relative: 0), path: "pooled fake_B")
        assertClose(concat(stored.map { $0[1] }, axis: 0), maskA!, Tolerance(absolute: 0, relative: 0), path: "pooled mask")
        XCTAssertEqual(model.randomSources.map(\.name), ["pool.fake_A", "pool.fake_B"])
    }

    func testLearningRateFollowsTheOfficialSchedule() {
        var options = tinyOptions()
        options.learningRate = 2e-4
        options.maxEpochs = 200
        let model = AGGAN(options: options, seed: 8, rank: 0)
        for (epoch, expected) in [(0, 2e-4), (99, 2e-4), (100, 2e-4), (150, 1e-4), (199, 2e-4 / 100)] {
            model.updateLearningRates(epoch: epoch, iteration: 0)
            for opt in model.optimizers {
                for g in opt.groups { XCTAssertEqual(g.group.learningRate, expected, accuracy: 1e-15, "epoch \(epoch)") }
            }
        }
    }

    func testConfigDefaultsAreTheOptionsDefaults() {
        XCTAssertEqual(AGGANOptions.fields.map(\.key).count, 14)
        XCTAssertTrue(AGGANOptions.fields.allSatisfy { $0.key.hasPrefix("aggan.") })
        let values = ConfigValues(Dictionary(uniqueKeysWithValues: AGGANOptions.fields.map { ($0.key, $0.defaultValue) }))
        XCTAssertEqual(AGGANOptions(values), AGGANOptions())
        var paper = values
        paper.set("aggan.attention_kernels", .string("paper"))
        XCTAssertEqual(AGGANOptions(paper).attentionKernels, .paper)
        XCTAssertEqual(AGGANOptions().learningRate, 1e-4)
        XCTAssertEqual(AGGANOptions().switchEpoch, 30)
        XCTAssertEqual(AGGANOptions().threshold, 0.1)
    }

    func testTranslateComposesWithTheMaskAndVisualsHaveFourColumns() {
        let model = AGGAN(options: tinyOptions(), seed: 9, rank: 0)
        let data = batch(5)
        let a = data.unpaired.a
        let translation = model.translate(a, direction: .a2b)
        let image = translation.images
        XCTAssertEqual(image.shape, [2, 3, 16, 16])
        XCTAssertEqual(translation.maps.map(\.name), ["attention"])
        XCTAssertEqual(translation.map("attention")?.tensor.shape, [2, 1, 16, 16])
        let expected = withoutGradient {
            AGGAN.compose(model.g_A(a), source: a, mask: model.g_A_ae(a))
        }
        assertClose(image, expected, Tolerance(absolute: 0, relative: 0), path: "a2b translation")
        let visuals = model.visuals(data)
        XCTAssertEqual(visuals.rows.count, 2)
        for row in visuals.rows {
            XCTAssertEqual(row.images.map(\.shape), Array(repeating: [2, 3, 16, 16], count: 3) + [[2, 1, 16, 16]])
        }
    }
}
