// UNIT through the CLI, both variants, in one process and on 2 MPI ranks: train, stop, resume
// (bit-identical to an uninterrupted run, so the per-rank latent noise is checkpointed), translate
// both directions, inspect.
import Foundation
import HDF5Kit
import TestSupport
import XCTest

final class UNITJourneyTests: XCTestCase {
    private func journey(variant: String, ranks: Int) throws {
        let ws = try CLIWorkspace("unit-\(variant)\(ranks)")
        let config = try ws.write("tiny.yaml", TinyConfig.unit(variant: variant, train: ["log_every: 5", "checkpoint_every: 10"]))
        func i2i(_ args: [String]) throws -> ProcessResult { ranks == 1 ? try ws.i2i(args) : try ws.mpi(ranks: ranks, args) }
        let data = try ws.i2i(["demo-data", "--count", "12", "--size", "26", "--out", "data.h5"])
        XCTAssertEqual(data.status, 0, data.output)

        var r = try i2i(["train", config, "--data", "data.h5", "--out", "straight", "--steps", "20"])
        XCTAssertEqual(r.status, 0, r.output)
        r = try i2i(["train", config, "--data", "data.h5", "--out", "run", "--steps", "10"])
        XCTAssertEqual(r.status, 0, r.output)
        r = try i2i(["train", config, "--data", "data.h5", "--out", "run", "--steps", "20", "--resume"])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.output.contains("steps 10..<20"), r.output)
        let names = variant == "master" ? ["gen_a", "gen_b", "dis_a", "dis_b"] : ["gen", "dis"]
        try assertSameNetworks(
            ws.folder + "/straight/checkpoints/step_000000020.h5", ws.folder + "/run/checkpoints/step_000000020.h5", names: names)
        let metrics = try String(contentsOfFile: ws.folder + "/run/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(metrics.count, 4)  // steps 5, 10, 15, 20
        XCTAssertTrue(metrics.last!.contains("\"gen_total\""), String(metrics.last!))

        let ckpt = "run/checkpoints/step_000000020.h5"
        for direction in ["a2b", "b2a"] {
            let out = try ws.i2i(["translate", "--checkpoint", ckpt, "--direction", direction, "--input", "data.h5", "--output", direction])
            XCTAssertEqual(out.status, 0, out.output)
            XCTAssertTrue(out.output.contains("against the truth"), out.output)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: ws.folder + "/" + direction).count, 4)
        }
        let inspect = try ws.i2i(["inspect", ckpt, "--json"])
        XCTAssertEqual(inspect.status, 0, inspect.output)
        let json = try JSONSerialization.jsonObject(with: Data(inspect.output.utf8)) as! [String: Any]
        XCTAssertEqual(json["model"] as? String, "unit")
        XCTAssertEqual(json["world_size"] as? Int, ranks)
        XCTAssertEqual(Set((json["networks"] as! [String: Any]).keys), Set(names))
    }

    func testMasterSingleProcess() throws { try journey(variant: "master", ranks: 1) }
    func testMasterTwoRanks() throws { try journey(variant: "master", ranks: 2) }
    func testPaperSingleProcess() throws { try journey(variant: "paper", ranks: 1) }
    func testPaperTwoRanks() throws { try journey(variant: "paper", ranks: 2) }

    func testBadUNITOptionsExitWithStatus2() throws {
        let ws = try CLIWorkspace("unit-bad")
        XCTAssertEqual(try ws.i2i(["demo-data", "--count", "8", "--size", "26", "--out", "data.h5"]).status, 0)
        let config = try ws.write("tiny.yaml", TinyConfig.unit(variant: "paper"))
        var r = try ws.i2i(["train", config, "--data", "data.h5", "--out", "run", "--set", "unit.n_gen_front_blk=2"])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.output.contains("unit.n_enc_front_blk (3) and unit.n_gen_front_blk (2) must be equal"), r.output)
        r = try ws.i2i(["train", config, "--data", "data.h5", "--out", "run", "--set", "unit.variant=vae"])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.output.contains("unit.variant = 'vae' is not one of master, paper"), r.output)
        r = try ws.i2i(["train", config, "--data", "data.h5", "--out", "run", "--set", "unit.variant=master", "--set", "data.crop_size=22"])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.output.contains("need a multiple of 4, not 22"), r.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ws.folder + "/run"))
    }

    /// The VGG16 perceptual term (master, vgg_w > 0): weights from a user file, loaded as a
    /// frozen network (never in checkpoints); without a file it is one error line.
    func testPerceptualLossTrainsFromAVGG16File() throws {
        let ws = try CLIWorkspace("unit-vgg")
        XCTAssertEqual(try ws.i2i(["demo-data", "--count", "8", "--size", "26", "--out", "data.h5"]).status, 0)
        let config = try ws.write("tiny.yaml", TinyConfig.unit(variant: "master", train: ["log_every: 1"]))
        var r = try ws.i2i(["train", config, "--data", "data.h5", "--out", "run", "--steps", "1", "--set", "unit.vgg_w=1"])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.output.contains("unit.vgg_w = 1.0 needs unit.vgg16_weights"), r.output)
        // A full-size VGG16 with small random weights (the names and shapes are what matter here).
        try Python.run(
            """
            import h5py, numpy as np
            layers = [("conv1_1", 3, 64), ("conv1_2", 64, 64), ("conv2_1", 64, 128), ("conv2_2", 128, 128),
                      ("conv3_1", 128, 256), ("conv3_2", 256, 256), ("conv3_3", 256, 256), ("conv4_1", 256, 512),
                      ("conv4_2", 512, 512), ("conv4_3", 512, 512), ("conv5_1", 512, 512), ("conv5_2", 512, 512),
                      ("conv5_3", 512, 512)]
            rng = np.random.default_rng(0)
            with h5py.File("\(ws.folder)/vgg.h5", "w") as f:
                for name, cin, cout in layers:
                    f[f"networks/vgg16/{name}.weight"] = (rng.standard_normal((cout, cin, 3, 3)) * 0.05).astype(np.float32)
                    f[f"networks/vgg16/{name}.bias"] = np.zeros(cout, np.float32)
            """, modules: ["h5py", "numpy"])
        r = try ws.i2i([
            "train", config, "--data", "data.h5", "--out", "run", "--steps", "2", "--set", "unit.vgg_w=1",
            "--set", "unit.vgg16_weights=vgg.h5",
        ])
        XCTAssertEqual(r.status, 0, r.output)
        let metrics = try String(contentsOfFile: ws.folder + "/run/metrics.jsonl", encoding: .utf8)
        XCTAssertTrue(metrics.contains("\"gen_vgg_a\""), metrics)
        XCTAssertTrue(metrics.contains("\"gen_vgg_b\""), metrics)
        let checkpoint = try HDF5File.open(ws.folder + "/run/checkpoints/step_000000002.h5")
        XCTAssertEqual(try checkpoint.root.openGroup("networks").childNames.sorted(), ["dis_a", "dis_b", "gen_a", "gen_b"])
        try checkpoint.close()
    }
}
