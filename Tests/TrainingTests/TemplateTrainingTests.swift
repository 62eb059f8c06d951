// The template model through the real trainer, in this process: a registry that lists it, a
// paired dataset written here, training with checkpoints and sample grids, resume, and the
// error for data of the other kind. This is the path every paired model (CoCosNet) takes.
import Checkpointing
import Configuration
import Datasets
import Distributed
import Foundation
import HDF5Kit
import Models
import NN
import TensorCore
import Training
import XCTest

final class TemplateTrainingTests: XCTestCase {
    private var folder = ""
    private let registry = ModelRegistry(ModelRegistry.standard.models + [TemplateModel.registration])

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "i2i-template-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: folder) }

    /// A paired dataset: label maps of 4 classes in vertical bands, each class a fixed colour.
    private func writePairedData(count: Int = 6, size: Int = 12) throws -> String {
        let path = folder + "/paired.h5"
        let contents = SplitContents(labels: true, truth: false)
        let writer = try DatasetWriter(path: path, imageSize: size, splits: [("train", contents), ("test", contents)])
        let colours: [[UInt8]] = [[200, 30, 30], [30, 200, 30], [30, 30, 200], [220, 220, 40]]
        for split in ["train", "test"] {
            for i in 0..<(split == "train" ? count : 2) {
                var labels = [UInt8](repeating: 0, count: size * size), pixels = [UInt8](repeating: 0, count: size * size * 3)
                for y in 0..<size {
                    for x in 0..<size {
                        let k = ((x + i) / 3 + y / 6) % 4
                        labels[y * size + x] = UInt8(k)
                        for c in 0..<3 { pixels[(y * size + x) * 3 + c] = colours[k][c] }
                    }
                }
                try writer.append(
                    to: split, name: "\(split)\(i).png", image: Bitmap(width: size, height: size, channels: 3, pixels: pixels),
                    labels: Bitmap(width: size, height: size, channels: 1, pixels: labels))
            }
        }
        try writer.finish(attributes: [("num_classes", .int(4))])
        return path
    }

    private func writeConfig() throws -> String {
        let path = folder + "/template.yaml"
        let text = """
            model: template
            data:
              load_size: 12
              crop_size: 12
            train:
              batch_size: 2
              log_every: 1
              sample_every: 3
              checkpoint_every: 3
              sample_count: 2
            template:
              label_nc: 4
              ngf: 4
              lr: 0.01
              n_epochs: 2
            """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func train(data: String, steps: Int?, resume: Bool = false, overrides: [String] = []) throws -> TrainOutcome {
        var request = TrainRequest(configPath: try writeConfig(), dataPath: data, runPath: folder + "/run")
        request.steps = steps
        request.resume = resume
        request.overrides = overrides
        return try Trainer(request: request, communicator: SingleProcessCommunicator(), registry: registry).run()
    }

    func testTrainsResumesAndWritesItsCheckpointsAndSamples() throws {
        let data = try writePairedData()
        // 6 images, global batch 2: 3 steps per epoch, 2 epochs.
        XCTAssertEqual(try train(data: data, steps: nil), .finished(step: 6))
        let checkpoints = CheckpointFolder(path: folder + "/run/checkpoints").files().sorted()
        XCTAssertEqual(checkpoints.map { ($0 as NSString).lastPathComponent }, ["step_000000003.h5", "step_000000006.h5"])
        let reader = try CheckpointReader(path: checkpoints[1])
        XCTAssertEqual(reader.header.model, "template")
        XCTAssertEqual(reader.header.step, 6)
        XCTAssertEqual(reader.networkNames, ["netG"])
        let samples = try FileManager.default.contentsOfDirectory(atPath: folder + "/run/samples").sorted()
        XCTAssertEqual(samples, ["step_000000003.png", "step_000000006.png"])
        let config = try String(contentsOfFile: folder + "/run/config.yaml", encoding: .utf8)
        XCTAssertTrue(config.contains("flip: false"), "the template's general default")
        XCTAssertTrue(config.contains("label_nc: 4"))

        // The first logged L1 is above the last: the model learns the colour of each class.
        let lines = try String(contentsOfFile: folder + "/run/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        let losses = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }.map { $0["G_L1"] as! Double }
        XCTAssertEqual(losses.count, 6)
        XCTAssertLessThan(losses.last!, losses.first!)

        XCTAssertEqual(try train(data: data, steps: 8, resume: true), .finished(step: 8))
        XCTAssertEqual(
            try CheckpointReader(path: CheckpointFolder(path: folder + "/run/checkpoints").files().sorted().last!).header.step, 8)
    }

    /// A frozen network is loaded from the user's file by every rank, used by the loss, and never
    /// optimised or written into checkpoints; a file that does not fit is one clear error.
    func testFrozenNetworkIsLoadedFromAFileAndNeverCheckpointed() throws {
        let data = try writePairedData()
        var stream = RandomStream(seed: 9, purpose: "features")
        let features = Conv2d(inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1, stream: &stream)
        let weights = folder + "/features.h5"
        let file = try HDF5File.create(at: weights)
        try features.saveState(to: file.root.createGroup("networks/features"))
        try file.close()

        XCTAssertEqual(try train(data: data, steps: 2, overrides: ["template.features_weights=\(weights)"]), .finished(step: 2))
        let reader = try CheckpointReader(path: CheckpointFolder(path: folder + "/run/checkpoints").files().sorted().last!)
        XCTAssertEqual(reader.networkNames, ["netG"], "the frozen network is not checkpointed")
        XCTAssertEqual(try reader.optimizerLayout("G").map(\.path).filter { $0.contains("features") }, [])
        let lines = try String(contentsOfFile: folder + "/run/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        let featureLosses = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
            .map { $0["G_features"] as! Double }
        XCTAssertTrue(featureLosses.allSatisfy { $0 > 0 }, "\(featureLosses)")

        // Weights of another shape, and a missing file.
        let wrong = Conv2d(inChannels: 3, outChannels: 5, kernelSize: 3, padding: 1, stream: &stream)
        let wrongPath = folder + "/wrong.h5"
        let other = try HDF5File.create(at: wrongPath)
        try wrong.saveState(to: other.root.createGroup("networks/features"))
        try other.close()
        // Weights stored as float64, and a weight whose header declares 2^32 × 9 values (no
        // data written): refused from the header, before anything is allocated or read.
        let float64Path = folder + "/float64.h5", hugePath = folder + "/huge.h5"
        for (path, huge) in [(float64Path, false), (hugePath, true)] {
            let bad = try HDF5File.create(at: path)
            let group = try bad.root.createGroup("networks/features")
            if huge {
                _ = try group.createDataset("weight", of: Float.self, shape: [1 << 16, 1 << 16, 3, 3], chunkShape: [1, 1, 3, 3])
            } else {
                _ = try group.createDataset("weight", values: [Double](repeating: 0.5, count: 4 * 3 * 3 * 3), shape: [4, 3, 3, 3])
            }
            _ = try group.createDataset("bias", values: [Float](repeating: 0, count: 4), shape: [4])
            try bad.close()
        }
        for (path, expected) in [
            (wrongPath, "wrong shape"), (folder + "/absent.h5", "features weights"),
            (float64Path, "cannot load tensor '/networks/features/weight' in '\(float64Path)': it holds float64 values, expected float32"),
            (hugePath, "'/networks/features/weight' in '\(hugePath)': it declares shape [65536, 65536, 3, 3], more than 268435456 values"),
        ] {
            try? FileManager.default.removeItem(atPath: folder + "/run")
            XCTAssertThrowsError(try train(data: data, steps: 1, overrides: ["template.features_weights=\(path)"])) { error in
                XCTAssertTrue(
                    error is ConfigError && "\(error)".hasPrefix("features weights:") && "\(error)".contains(expected), "\(error)")
            }
        }
    }

    /// `--resume` refuses a checkpoint trained on other data unless `--allow-other-data` says so,
    /// which log.txt records.
    func testResumeOnOtherDataNeedsAllowOtherData() throws {
        let data = try writePairedData()
        XCTAssertEqual(try train(data: data, steps: 2), .finished(step: 2))
        try FileManager.default.moveItem(atPath: data, toPath: folder + "/first.h5")
        let other = try writePairedData(count: 8)
        XCTAssertThrowsError(try train(data: other, steps: 4, resume: true)) { error in
            XCTAssertTrue(error is ConfigError && "\(error)".contains("was trained on another dataset"), "\(error)")
            XCTAssertTrue("\(error)".contains("--allow-other-data"), "\(error)")
        }
        var request = TrainRequest(configPath: try writeConfig(), dataPath: other, runPath: folder + "/run")
        request.steps = 4
        request.resume = true
        request.allowOtherData = true
        XCTAssertEqual(
            try Trainer(request: request, communicator: SingleProcessCommunicator(), registry: registry).run(), .finished(step: 4))
        let log = try String(contentsOfFile: folder + "/run/log.txt", encoding: .utf8)
        XCTAssertTrue(log.contains("--allow-other-data: continuing from a checkpoint trained on another dataset"), log)
        // The same data resumes without a word.
        XCTAssertEqual(try train(data: other, steps: 5, resume: true), .finished(step: 5))
    }

    /// The start-up says when the run outlasts the model's schedule (here 2 epochs of 3 steps).
    func testStepsPastTheScheduleAreReported() throws {
        XCTAssertEqual(try train(data: try writePairedData(), steps: 7), .finished(step: 7))
        let log = try String(contentsOfFile: folder + "/run/log.txt", encoding: .utf8)
        XCTAssertTrue(
            log.contains("warning: train.steps 7 runs past the end of template's schedule at step 6 (2 epochs × 3 steps per epoch)"), log)
        XCTAssertFalse(log.contains("every learning rate is 0"), "the template's rate is constant")
    }

    func testUnpairedDataIsRefusedWithTheKindsNamed() throws {
        let path = folder + "/unpaired.h5"
        let writer = try DatasetWriter(path: path, imageSize: 12, splits: [("trainA", .images), ("trainB", .images)])
        for split in ["trainA", "trainB"] {
            for i in 0..<2 {
                try writer.append(
                    to: split, name: "\(i).png",
                    image: Bitmap(width: 12, height: 12, channels: 3, pixels: [UInt8](repeating: 9, count: 432)))
            }
        }
        try writer.finish(attributes: [])
        XCTAssertThrowsError(try train(data: path, steps: 1)) { error in
            XCTAssertTrue(error is ConfigError, "\(error)")
            XCTAssertTrue("\(error)".contains("unpaired A and B images") && "\(error)".contains("template trains on paired"), "\(error)")
        }
    }
}
