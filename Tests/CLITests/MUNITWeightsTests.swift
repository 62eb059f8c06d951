// MUNIT checkpoints from PyTorch weights, through the real CLI: the golden fixtures' initial
// weights (exported by Tests/ModelsTests/Fixtures/make_fixtures.py from the PyTorch expressions
// of NVlabs/MUNIT and itsss/img2img_sa) loaded with `train --steps 0 --init-from`, then
// `translate --style-from` of the fixture image (its own style: the target domain's style
// encoder reads it) in both directions must reproduce PyTorch's translations. The long tier
// also converts the official checkpoint files of the same weights (gen_*.pt / dis_*.pt) with
// launch/convert-weights first, which needs torch.
import Foundation
import HDF5Kit
import TestSupport
import XCTest

final class MUNITWeightsTests: XCTestCase {
    /// The fixtures' tiny configurations (their root attributes), as i2i configs.
    static func config(selfAttention: Bool) -> String {
        let munit = [
            "self_attention: \(selfAttention)", "gen_dim: 4", "style_dim: 3", "mlp_dim: 8", "n_downsample: 2", "n_res: 2",
            "dis_dim: 4", "dis_n_layer: 3", "dis_num_scales: 2",
        ]
        return (["model: munit", "data:", "  load_size: 32", "  crop_size: 32", "munit:"] + munit.map { "  " + $0 })
            .joined(separator: "\n")
    }

    func testPyTorchWeightsReproduceTheReferenceTranslations() throws {
        let ws = try CLIWorkspace("munit-weights")
        for (selfAttention, file) in [(false, "munit.h5"), (true, "munit_sa.h5")] {
            let fixture = UNITWeightsTests.fixtures + "/" + file
            try checkMUNITTranslations(ws, selfAttention: selfAttention, weights: fixture, reference: fixture)
        }
    }
}

/// Long tier: the official checkpoint files through launch/convert-weights (torch needed).
final class MUNITConvertWeightsTests: XCTestCase {
    func testOfficialCheckpointFilesConvertAndReproduceTheReferenceTranslations() throws {
        let ws = try CLIWorkspace("munit-convert")
        let convert = UNITWeightsTests.repository + "/launch/convert-weights"
        let fixtures = UNITWeightsTests.fixtures
        for (selfAttention, name) in [(false, "munit"), (true, "munit_sa")] {
            let r = try Command(
                "/usr/bin/env",
                [
                    "python3", convert, "to-i2i", "--model", "munit", "--gen", fixtures + "/\(name)_gen.pt",
                    "--dis", fixtures + "/\(name)_dis.pt", "--out", "\(name)-weights.h5",
                ], directory: ws.folder
            ).run(limit: 300)
            XCTAssertEqual(r.status, 0, "launch/convert-weights needs python3 with torch and h5py: \(r.output)")
            try checkMUNITTranslations(
                ws, selfAttention: selfAttention, weights: ws.folder + "/\(name)-weights.h5", reference: fixtures + "/\(name).h5")
        }
    }
}

/// Trains 0 steps from `weights`, translates the fixture image both ways with its own style
/// and compares with PyTorch's translations in `reference`.
func checkMUNITTranslations(_ ws: CLIWorkspace, selfAttention: Bool, weights: String, reference: String) throws {
    let label = selfAttention ? "sa" : "munit"
    let config = try ws.write("\(label).yaml", MUNITWeightsTests.config(selfAttention: selfAttention))
    if !FileManager.default.fileExists(atPath: ws.folder + "/data.h5") {
        XCTAssertEqual(try ws.i2i(["demo-data", "--count", "4", "--size", "32", "--out", "data.h5"]).status, 0)
    }
    let run = "run-\(label)"
    var r = try ws.i2i(["train", config, "--data", "data.h5", "--out", run, "--steps", "0", "--init-from", weights])
    XCTAssertEqual(r.status, 0, r.output)
    let expectedFile = try HDF5File.open(reference)
    defer { try? expectedFile.close() }
    let image = UNITWeightsTests.fixtures + "/translation_input.png"
    for direction in ["a2b", "b2a"] {
        let out = "\(label)-\(direction).h5"
        r = try ws.i2i([
            "translate", "--checkpoint", run + "/checkpoints/step_000000000.h5", "--direction", direction,
            "--input", image, "--style-from", image, "--save-style", "--output", out,
        ])
        XCTAssertEqual(r.status, 0, r.output)
        let file = try HDF5File.open(ws.folder + "/" + out)
        defer { try? file.close() }
        XCTAssertEqual(try file.root.openDataset("images").shape, [1, 3, 32, 32])
        XCTAssertEqual(try file.root.openDataset("style").shape, [1, 3, 1, 1])
        let got = try file.root.openDataset("images").read(as: Float.self)
        let expected = try expectedFile.root.openDataset("translation/\(direction)").read(as: Float.self)
        XCTAssertEqual(got.count, expected.count)
        let worst = zip(got, expected).map { Swift.abs($0 - $1) }.max() ?? .infinity
        // The checklist's bound for tanh outputs.
        XCTAssertLessThan(worst, 1e-4, "\(label) \(direction): largest difference from PyTorch's translation \(worst)")
    }
}
