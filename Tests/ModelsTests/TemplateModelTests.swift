// The template model, the worked example of the model contract: its registration, names and
// parameter counts (counted by hand below), and that its step lowers its loss on a fixed batch.
import Configuration
import Models
import NN
import TensorCore
import XCTest

final class TemplateModelTests: XCTestCase {
    private func pairedBatch(classes: Int, size: Int = 8, seed: UInt64 = 1) -> TrainingBatch {
        var stream = RandomStream(seed: seed, purpose: "template.batch")
        let labels = Tensor.zeros([2, 1, size, size])
        for i in 0..<labels.count { labels.data[i] = Float(stream.nextInt(below: classes)) }
        // The image is a fixed colour per class, so the map determines it.
        let images = Tensor.zeros([2, 3, size, size])
        let plane = size * size
        for n in 0..<2 {
            for i in 0..<plane {
                let k = Float(labels.data[n * plane + i])
                for c in 0..<3 { images.data[(n * 3 + c) * plane + i] = sin(k * 1.3 + Float(c)) * 0.8 }
            }
        }
        return .paired(
            PairedBatch(
                labels: labels, images: images, exemplars: images, exemplarLabels: labels,
                isSelfReference: [true, true]))
    }

    func testRegistrationIsPairedAndNotOnTheCommandLine() {
        let entry = TemplateModel.registration
        XCTAssertEqual(entry.name, "template")
        XCTAssertEqual(entry.batchKind, .paired)
        XCTAssertTrue(entry.translationInputs.isEmpty)
        XCTAssertEqual(entry.fields.map(\.key).first, "template.label_nc")
        XCTAssertEqual(entry.fields.first { $0.key == "template.features_weights" }?.defaultValue, .string("none"))
        XCTAssertEqual(entry.generalDefaults.map(\.key), ["data.flip"])
        XCTAssertNil(ModelRegistry.standard.model(named: "template"))
        XCTAssertEqual(ModelRegistry.standard.names, ["cyclegan", "aggan", "unit", "munit", "ugatit", "cocosnet"])
    }

    func testNamesAndParameterCounts() throws {
        let model = try TemplateModel.registration.makeModel(ConfigValues(), context: ModelBuildContext(seed: 0))
        XCTAssertEqual(model.networks.map(\.name), ["netG"])
        let net = model.networks[0].module
        XCTAssertEqual(net.namedParameters().map(\.path), ["model.0.weight", "model.0.bias", "model.2.weight", "model.2.bias"])
        // 8 classes → 16 filters (3×3) → 3 channels (3×3): 8·16·9 + 16 + 16·3·9 + 3.
        XCTAssertEqual(net.parameterCount, 1152 + 16 + 432 + 3)
        XCTAssertEqual(model.optimizers.map(\.name), ["G"])
        XCTAssertEqual(model.optimizers[0].groups[0].group.segments.first?.path, "netG.model.0.weight")
        XCTAssertTrue(model.pools.isEmpty && model.randomSources.isEmpty && model.frozenNetworks.isEmpty)
    }

    func testOptionsFromValues() throws {
        var values = ConfigValues()
        values.set("template.ngf", .int(4))
        values.set("template.lr", .double(0.01))
        let model = try TemplateModel.registration.makeModel(values, context: ModelBuildContext(seed: 0)) as! TemplateModel
        XCTAssertEqual(model.options.ngf, 4)
        XCTAssertEqual(model.optimizers[0].groups[0].group.learningRate, 0.01)
        XCTAssertEqual(model.networks[0].module.parameterCount, 8 * 4 * 9 + 4 + 4 * 3 * 9 + 3)
    }

    func testStepsLowerTheLossAndTranslateMatchesTheGenerator() {
        var options = TemplateOptions()
        options.labelClasses = 4
        options.learningRate = 1e-2
        let model = try! TemplateModel(options: options, seed: 3)
        let batch = pairedBatch(classes: 4)
        let context = LocalStepContext()
        let first = model.trainStep(batch, epoch: 0, context: context)[0].value
        var last = first
        for _ in 0..<60 { last = model.trainStep(batch, epoch: 0, context: context)[0].value }
        XCTAssertEqual(context.skipped, 0)
        XCTAssertLessThan(last, first * 0.5, "L1 \(first) → \(last)")
        let labels = batch.paired.labels
        let translated = model.translate(TranslationRequest(images: labels)).images
        XCTAssertEqual(translated.shape, [2, 3, 8, 8])
        let direct = withoutGradient { model.netG(oneHot(labels.reshaped([2, 8, 8]), classes: 4)) }
        XCTAssertEqual(translated.values, direct.values)
        XCTAssertEqual(model.visuals(batch).rows[0].images.map(\.shape), [[2, 1, 8, 8], [2, 3, 8, 8], [2, 3, 8, 8]])
    }
}
