// The start-up notice when every learning rate reaches 0 before the last step (the tiny
// configs used to decay to 0 at step 8 of 40 with nothing said). CycleGAN's linear decay with
// 1 + 1 epochs: epoch 0 trains at lr·(1 − 1/2), epoch 1 at lr·(1 − 2/2) = 0.
import Checkpointing
import Datasets
import Distributed
import Foundation
import Models
import Training
import XCTest

final class ScheduleNoticeTests: XCTestCase {
    func testLearningRateReachingZeroEarlyIsReported() throws {
        let folder = NSTemporaryDirectory() + "i2i-schedule-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let data = folder + "/data.h5"
        let writer = try DatasetWriter(path: data, imageSize: 16, splits: [("trainA", .images), ("trainB", .images)])
        for split in ["trainA", "trainB"] {
            for i in 0..<4 {
                let pixels = (0..<(16 * 16 * 3)).map { UInt8(($0 * 7 + i * 31 + (split == "trainA" ? 0 : 90)) % 256) }
                try writer.append(to: split, name: "\(i).png", image: Bitmap(width: 16, height: 16, channels: 3, pixels: pixels))
            }
        }
        try writer.finish(attributes: [])
        let config = folder + "/c.yaml"
        try """
        model: cyclegan
        data: {load_size: 16, crop_size: 16}
        train: {batch_size: 2, steps: 6, sample_every: 0, checkpoint_every: 0}
        cyclegan: {ngf: 4, ndf: 4, n_blocks: 1, n_layers_D: 1, n_epochs: 1, n_epochs_decay: 1}
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let request = TrainRequest(configPath: config, dataPath: data, runPath: folder + "/run")
        XCTAssertEqual(try Trainer(request: request, communicator: SingleProcessCommunicator()).run(), .finished(step: 6))
        let log = try String(contentsOfFile: folder + "/run/log.txt", encoding: .utf8)
        // 4 images, batch 2: 2 steps per epoch, so the schedule ends at step 4 and epoch 1 (steps 3–4) is at 0.
        XCTAssertTrue(
            log.contains("warning: train.steps 6 runs past the end of cyclegan's schedule at step 4 (2 epochs × 2 steps per epoch)"), log)
        XCTAssertTrue(log.contains("warning: every learning rate is 0 from step 3 of 6: the steps after it do not train"), log)
    }
}
