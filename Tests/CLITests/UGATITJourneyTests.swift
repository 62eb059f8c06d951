// U-GAT-IT through the CLI, full and light, in one process and on 2 MPI ranks: train, stop,
// resume (bit-identical to an uninterrupted run: the linear decay is recomputed from the step,
// and nothing else is per-rank), translate both directions with the CAM heat maps, inspect.
import Foundation
import HDF5Kit
import TestSupport
import XCTest

final class UGATITJourneyTests: XCTestCase {
    private func journey(light: Bool, ranks: Int) throws {
        let ws = try CLIWorkspace("ugatit-\(light ? "light" : "full")\(ranks)")
        let config = try ws.write("tiny.yaml", TinyConfig.ugatit(light: light, train: ["log_every: 3", "checkpoint_every: 6"]))
        func i2i(_ args: [String]) throws -> ProcessResult { ranks == 1 ? try ws.i2i(args) : try ws.mpi(ranks: ranks, args) }
        let data = try ws.i2i(["demo-data", "--count", "8", "--size", "100", "--out", "data.h5"])
        XCTAssertEqual(data.status, 0, data.output)

        var r = try i2i(["train", config, "--data", "data.h5", "--out", "straight", "--steps", "12"])
        XCTAssertEqual(r.status, 0, r.output)
        r = try i2i(["train", config, "--data", "data.h5", "--out", "run", "--steps", "6"])
        XCTAssertEqual(r.status, 0, r.output)
        r = try i2i(["train", config, "--data", "data.h5", "--out", "run", "--steps", "12", "--resume"])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.output.contains("steps 6..<12"), r.output)
        let names = ["genA2B", "genB2A", "disGA", "disGB", "disLA", "disLB"]
        let straightPath = ws.folder + "/straight/checkpoints/step_000000012.h5"
        try assertSameNetworks(straightPath, ws.folder + "/run/checkpoints/step_000000012.h5", names: names)
        // ρ stays clipped to [0, 1] (every generator step clamps it).
        let straight = try HDF5File.open(straightPath)
        for key in try straight.root.openGroup("networks/genA2B").childNames where key.hasSuffix("rho") {
            let rho = try straight.root.openDataset("networks/genA2B/\(key)").read(as: Float.self)
            XCTAssertTrue(rho.allSatisfy { $0 >= 0 && $0 <= 1 }, "genA2B.\(key): \(rho)")
        }
        try straight.close()
        let metrics = try String(contentsOfFile: ws.folder + "/run/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(metrics.count, 4)  // steps 3, 6, 9, 12
        XCTAssertTrue(metrics.last!.contains("\"Generator_loss\""), String(metrics.last!))
        XCTAssertTrue(metrics.last!.contains("\"G_cam_loss_A\""), String(metrics.last!))

        let ckpt = "run/checkpoints/step_000000012.h5"
        for direction in ["a2b", "b2a"] {
            let out = try ws.i2i([
                "translate", "--checkpoint", ckpt, "--direction", direction, "--input", "data.h5", "--output", direction,
                "--save-attention",
            ])
            XCTAssertEqual(out.status, 0, out.output)
            XCTAssertTrue(out.output.contains("against the truth"), out.output)
            let files = try FileManager.default.contentsOfDirectory(atPath: ws.folder + "/" + direction)
            XCTAssertEqual(files.count, 8, "\(files)")  // 4 translations, each with its heat map
            XCTAssertEqual(files.filter { $0.hasSuffix("_heatmap.png") }.count, 4, "\(files)")
        }
        let inspect = try ws.i2i(["inspect", ckpt, "--json"])
        XCTAssertEqual(inspect.status, 0, inspect.output)
        let json = try JSONSerialization.jsonObject(with: Data(inspect.output.utf8)) as! [String: Any]
        XCTAssertEqual(json["model"] as? String, "ugatit")
        XCTAssertEqual(json["world_size"] as? Int, ranks)
        XCTAssertEqual(Set((json["networks"] as! [String: Any]).keys), Set(names))
    }

    func testFullSingleProcess() throws { try journey(light: false, ranks: 1) }
    func testFullTwoRanks() throws { try journey(light: false, ranks: 2) }
    func testLightSingleProcess() throws { try journey(light: true, ranks: 1) }
    func testLightTwoRanks() throws { try journey(light: true, ranks: 2) }

    func testBadUGATITOptionsExitWithStatus2() throws {
        let ws = try CLIWorkspace("ugatit-bad")
        XCTAssertEqual(try ws.i2i(["demo-data", "--count", "8", "--size", "100", "--out", "data.h5"]).status, 0)
        let config = try ws.write("tiny.yaml", TinyConfig.ugatit(light: false))
        var r = try ws.i2i([
            "train", config, "--data", "data.h5", "--out", "run", "--set", "data.crop_size=64", "--set", "data.load_size=64",
        ])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.output.contains("ugatit.img_size = 96"), r.output)
        r = try ws.i2i([
            "train", config, "--data", "data.h5", "--out", "run", "--set", "ugatit.light=true", "--set", "data.crop_size=64",
            "--set", "data.load_size=64",
        ])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.output.contains("the 7-layer discriminator needs images of at least 96 px, not 64"), r.output)
        r = try ws.i2i(["train", config, "--data", "data.h5", "--out", "run", "--set", "ugatit.img_size=90"])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.output.contains("ugatit.img_size must be a multiple of 4"), r.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ws.folder + "/run"))
    }
}
