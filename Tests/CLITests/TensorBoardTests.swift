// The TensorBoard event files of `i2i train`, read back by TensorBoard's own Python reader
// (`tensorboard` from PyPI; launch/test installs it): the TFRecord framing and both CRCs of
// every record (its strict record reader raises on a mismatch), the tags, steps and values of
// every scalar against metrics.jsonl, the sample grids' sizes against the PNG files, and a run
// killed after logging past its last checkpoint and resumed: each step appears once.
import Foundation
import TestSupport
import XCTest

final class TensorBoardTests: XCTestCase {
    /// What TensorBoard's reader finds in `folder`, as JSON: for each tag the steps and values
    /// of every raw event (duplicates included) and the images' sizes.
    private func readEvents(_ folder: String) throws -> [String: Any] {
        let script = """
            import glob, json, struct
            from tensorboard.backend.event_processing import event_file_loader
            from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
            from tensorboard.compat.proto import event_pb2
            from tensorboard.compat.tensorflow_stub import pywrap_tensorflow, errors
            files = sorted(glob.glob(\(String(reflecting: folder)) + "/events.out.tfevents.*"))
            records = 0
            for f in files:  # the strict reader: a bad length or data CRC raises DataLossError
                reader = pywrap_tensorflow.PyRecordReader_New(f.encode())
                while True:
                    try:
                        reader.GetNext()
                    except errors.OutOfRangeError:
                        break
                    records += 1
            scalars, images, versions = {}, [], []
            for f in files:  # raw events: as written, not migrated to tensors
                for event in event_file_loader.RawEventFileLoader(f).Load():
                    event = event_pb2.Event.FromString(event)
                    if event.HasField("file_version"):
                        versions.append(event.file_version)
                    for v in event.summary.value:
                        if v.HasField("image"):
                            png = v.image.encoded_image_string
                            w, h = struct.unpack(">II", png[16:24])
                            images.append([event.step, v.tag, v.image.width, v.image.height, w, h, v.image.colorspace])
                        else:
                            scalars.setdefault(v.tag, []).append([event.step, v.simple_value])
            accumulator = EventAccumulator(\(String(reflecting: folder)), size_guidance={"scalars": 0, "images": 0})
            accumulator.Reload()
            print(json.dumps({"records": records, "files": len(files), "versions": versions, "scalars": scalars,
                              "images": images, "tags": accumulator.Tags()["scalars"], "image_tags": accumulator.Tags()["images"]}))
            """
        let output = try Python.run(script, modules: ["tensorboard"])
        let line = try XCTUnwrap(output.split(separator: "\n").last { $0.hasPrefix("{") }, output)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    func testEventFilesHoldEveryScalarAndGridAndContinueAfterResume() throws {
        let ws = try CLIWorkspace("tensorboard")
        XCTAssertEqual(try ws.i2i(["demo-data", "--count", "16", "--size", "26", "--out", "data.h5"]).status, 0)
        let config = try ws.write(
            "tiny.yaml", TinyConfig.cycleGAN(train: ["log_every: 1", "sample_every: 3", "checkpoint_every: 4"]))
        // Killed at the start of step 6: steps 1–5 are logged, the last checkpoint is step 4.
        var r = try ws.i2i([
            "train", config, "--data", "data.h5", "--out", "run", "--steps", "8",
            "--set", "debug.crash_rank=0", "--set", "debug.crash_step=6",
        ])
        XCTAssertEqual(r.signal, SIGKILL, r.output)
        r = try ws.i2i(["train", config, "--data", "data.h5", "--out", "run", "--steps", "8", "--resume"])
        XCTAssertEqual(r.status, 0, r.output)

        let events = try readEvents(ws.folder + "/run/tensorboard")
        XCTAssertEqual(events["files"] as? Int, 2)  // one per start
        XCTAssertEqual(events["versions"] as? [String], ["brain.Event:2", "brain.Event:2"])
        let scalars = try XCTUnwrap(events["scalars"] as? [String: [[Double]]])
        let expectedTags: Set<String> = [
            "loss/D_A", "loss/G_A", "loss/cycle_A", "loss/idt_A", "loss/D_B", "loss/G_B", "loss/cycle_B", "loss/idt_B",
            "learning_rate/G", "learning_rate/D", "speed/images_per_second", "time/data", "time/compute",
            "time/communication", "progress/epoch", "progress/skipped_steps",
        ]
        XCTAssertEqual(Set(scalars.keys), expectedTags)
        XCTAssertEqual(Set(try XCTUnwrap(events["tags"] as? [String])), expectedTags)
        // Every step once, in order, across both files: the events of step 5 logged before the
        // kill were dropped with the resume from step 4.
        for (tag, points) in scalars { XCTAssertEqual(points.map { Int($0[0]) }, Array(1...8), tag) }
        // The values are metrics.jsonl's, as float32.
        let lines = try String(contentsOfFile: ws.folder + "/run/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 8)
        for line in lines {
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let step = try XCTUnwrap(object["step"] as? Int)
            for (key, tag) in [
                ("G_A", "loss/G_A"), ("cycle_B", "loss/cycle_B"), ("lr_D", "learning_rate/D"), ("time_compute", "time/compute"),
            ] {
                let expected = Float(try XCTUnwrap((object[key] as? NSNumber)?.doubleValue))
                XCTAssertEqual(Float(scalars[tag]![step - 1][1]), expected, "\(tag) at step \(step)")
            }
        }
        // Sample grids at steps 3, 6 and 8, of the size of the PNG files the run wrote.
        let images = try XCTUnwrap(events["images"] as? [[Any]])
        XCTAssertEqual(images.map { $0[0] as? Int }, [3, 6, 8])
        XCTAssertEqual(events["image_tags"] as? [String], ["samples"])
        for image in images {
            let step = image[0] as! Int
            let file = ws.folder + String(format: "/run/samples/step_%09d.png", step)
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
            func be32(_ i: Int) -> Int { bytes[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) } }
            XCTAssertEqual(image[2] as? Int, be32(16), "width at step \(step)")
            XCTAssertEqual(image[3] as? Int, be32(20), "height at step \(step)")
            XCTAssertEqual(image[4] as? Int, be32(16))
            XCTAssertEqual(image[5] as? Int, be32(20))
            XCTAssertEqual(image[6] as? Int, 3)
        }
        // 2 file-version events + 8 metrics events + 3 images.
        XCTAssertEqual(events["records"] as? Int, 13)
    }
}
