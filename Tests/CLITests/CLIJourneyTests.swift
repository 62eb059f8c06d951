// The CLI end to end, as a user runs it: demo data, train, stop, resume, translate (PNG and
// HDF5), inspect — in one process and on 2 MPI ranks — and the errors users meet most often.
import Foundation
import HDF5Kit
import TestSupport
import XCTest

final class CLIJourneyTests: XCTestCase {
    /// A CycleGAN small enough to train 20 steps in a few seconds.
    private let tinyConfig = TinyConfig.cycleGAN(train: ["log_every: 5", "sample_every: 10", "checkpoint_every: 10"])

    private func journey(ranks: Int) throws {
        let ws = try CLIWorkspace("journey\(ranks)")
        let config = try ws.write("tiny.yaml", tinyConfig)
        func i2i(_ args: [String]) throws -> ProcessResult { ranks == 1 ? try ws.i2i(args) : try ws.mpi(ranks: ranks, args) }

        let data = try ws.i2i(["demo-data", "--kind", "stripes", "--count", "16", "--size", "26", "--out", "data.h5"])
        XCTAssertEqual(data.status, 0, data.output)

        let first = try i2i(["train", config, "--data", "data.h5", "--out", "run", "--steps", "10"])
        XCTAssertEqual(first.status, 0, first.output)
        let resumed = try i2i(["train", config, "--data", "data.h5", "--out", "run", "--steps", "20", "--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.output)
        XCTAssertTrue(resumed.output.contains("resuming from"), resumed.output)
        XCTAssertTrue(resumed.output.contains("steps 10..<20"), resumed.output)

        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: ws.folder + "/run/checkpoints").sorted()
        XCTAssertEqual(checkpoints, ["FINISHED", "step_000000010.h5", "step_000000020.h5"])
        let metrics = try String(contentsOfFile: ws.folder + "/run/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(metrics.count, 4)  // steps 5, 10, 15, 20
        XCTAssertTrue(metrics.last!.hasPrefix("{\"step\": 20, "), String(metrics.last!))
        for key in ["\"G_A\"", "\"cycle_B\"", "\"lr_G\"", "\"images_per_second\"", "\"time_communication\""] {
            XCTAssertTrue(metrics.last!.contains(key), "metrics lack \(key)")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: ws.folder + "/run/samples/step_000000020.png"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: ws.folder + "/run/config.yaml"))

        let ckpt = "run/checkpoints/step_000000020.h5"
        let png = try ws.i2i(["translate", "--checkpoint", ckpt, "--input", "data.h5", "--output", "pngs"])
        XCTAssertEqual(png.status, 0, png.output)
        XCTAssertTrue(png.output.contains("score on testA against the truth"), png.output)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: ws.folder + "/pngs").count, 4)
        let h5 = try ws.i2i(["translate", "--checkpoint", ckpt, "--direction", "b2a", "--input", "data.h5:testB", "--output", "out.h5"])
        XCTAssertEqual(h5.status, 0, h5.output)
        let out = try HDF5File.open(ws.folder + "/out.h5")
        XCTAssertEqual(try out.root.openDataset("images").shape, [4, 3, 26, 26])
        XCTAssertEqual(try out.root.openDataset("names").readStrings().count, 4)
        try out.close()

        let inspect = try ws.i2i(["inspect", ckpt, "--json"])
        XCTAssertEqual(inspect.status, 0, inspect.output)
        let json = try JSONSerialization.jsonObject(with: Data(inspect.output.utf8)) as! [String: Any]
        XCTAssertEqual(json["kind"] as? String, "checkpoint")
        XCTAssertEqual(json["model"] as? String, "cyclegan")
        XCTAssertEqual(json["step"] as? Int, 20)
        XCTAssertEqual(json["world_size"] as? Int, ranks)
        let networks = json["networks"] as! [String: [String: Int]]
        XCTAssertEqual(Set(networks.keys), ["G_A", "G_B", "D_A", "D_B"])
        XCTAssertGreaterThan(networks["G_A"]!["parameters"]!, 0)
        XCTAssertEqual(((json["config"] as! [String: Any])["cyclegan"] as! [String: Any])["ngf"] as? Int, 4)
    }

    func testSingleProcessJourney() throws { try journey(ranks: 1) }

    func testTwoRankJourney() throws { try journey(ranks: 2) }

    func testBadConfigsAndInputsExitWithStatus2AndOneLine() throws {
        let ws = try CLIWorkspace("bad")
        XCTAssertEqual(try ws.i2i(["demo-data", "--count", "8", "--size", "16", "--out", "data.h5"]).status, 0)
        let typo = try ws.write("typo.yaml", "model: cyclegan\ncyclegan:\n  lamda_A: 5\n")
        var r = try ws.i2i(["train", typo, "--data", "data.h5", "--out", "run"])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.output.contains("typo.yaml:3: unknown key 'cyclegan.lamda_A'"), r.output)
        XCTAssertTrue(r.output.contains("valid keys in 'cyclegan': ngf, ndf"), r.output)
        let badValue = try ws.write("bad.yaml", "model: cyclegan\ntrain:\n  batch_size: two\n")
        r = try ws.i2i(["train", badValue, "--data", "data.h5", "--out", "run"])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.output.contains("train.batch_size = 'two' is not an integer"), r.output)
        r = try ws.i2i(["train", badValue, "--data", "missing.h5", "--out", "run"])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.output.contains("dataset file 'missing.h5' does not exist"), r.output)
        let good = try ws.write("good.yaml", tinyConfig)
        r = try ws.i2i(["train", good, "--data", "data.h5", "--out", "run", "--set", "cyclegan.gan_mode=wgan"])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.output.contains("cyclegan.gan_mode = 'wgan' is not one of lsgan, vanilla, hinge"), r.output)
        r = try ws.i2i(["train", good, "--data", "data.h5", "--out", "run", "--batch-size", "3", "--steps", "1"])
        XCTAssertEqual(r.status, 0, r.output)  // one rank: any batch size
        let small = try ws.write("small.yaml", tinyConfig.replacingOccurrences(of: "crop_size: 24", with: "crop_size: 16"))
        r = try ws.i2i(["train", small, "--data", "data.h5", "--out", "run2"])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(
            r.output.contains("data.crop_size: 16 is too small for the 3-layer PatchGAN discriminator (it needs at least 24)"), r.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ws.folder + "/run2"))  // a failed start leaves no files
        _ = try ws.write("notckpt.h5", "not hdf5")
        r = try ws.i2i(["translate", "--checkpoint", "notckpt.h5", "--input", "data.h5", "--output", "o"])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.output.contains("notckpt.h5"), r.output)
    }

    func testStepsZeroWritesTheInitialCheckpointAndInitFromLoadsIt() throws {
        let ws = try CLIWorkspace("init")
        XCTAssertEqual(try ws.i2i(["demo-data", "--count", "8", "--size", "26", "--out", "data.h5"]).status, 0)
        let config = try ws.write("tiny.yaml", tinyConfig)
        var r = try ws.i2i(["train", config, "--data", "data.h5", "--out", "a", "--steps", "0", "--seed", "5"])
        XCTAssertEqual(r.status, 0, r.output)
        // A second run with another seed, initialised from the first run's weights, must start
        // from exactly those weights.
        r = try ws.i2i([
            "train", config, "--data", "data.h5", "--out", "b", "--steps", "0", "--seed", "6",
            "--init-from", "a/checkpoints/step_000000000.h5",
        ])
        XCTAssertEqual(r.status, 0, r.output)
        let a = try HDF5File.open(ws.folder + "/a/checkpoints/step_000000000.h5")
        let b = try HDF5File.open(ws.folder + "/b/checkpoints/step_000000000.h5")
        for net in ["G_A", "D_B"] {
            for key in try a.root.openGroup("networks/\(net)").childNames {
                XCTAssertEqual(
                    try a.root.openDataset("networks/\(net)/\(key)").read(as: Float.self),
                    try b.root.openDataset("networks/\(net)/\(key)").read(as: Float.self), "\(net).\(key)")
            }
        }
        try a.close(); try b.close()
        r = try ws.i2i([
            "train", config, "--data", "data.h5", "--out", "c", "--steps", "0",
            "--init-from", "data.h5",
        ])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.output.contains("no '/networks' group"), r.output)
    }
}
