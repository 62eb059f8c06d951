// UNIT checkpoints from PyTorch weights, through the real CLI: the golden fixtures' initial
// weights (exported by Tests/ModelsTests/Fixtures/make_fixtures.py from the PyTorch expressions
// of the official code) loaded with `train --steps 0 --init-from`, then `translate` of the
// fixture image in both directions must reproduce PyTorch's translations. The long tier also
// converts the official checkpoint files of the same weights (gen_*.pt / dis_*.pt, and the
// paper code's *.pkl) with launch/convert-weights first, which needs torch.
import Foundation
import HDF5Kit
import TestSupport
import XCTest

final class UNITWeightsTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ModelsTests/Fixtures").path
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// The fixtures' tiny configurations (their root attributes), as i2i configs.
    static func config(variant: String) -> String {
        let unit =
            variant == "master"
            ? ["gen_dim: 4", "n_downsample: 2", "n_res: 2", "dis_dim: 4", "dis_n_layer: 3", "dis_num_scales: 2"]
            : ["gen_dim: 4", "n_enc_res_blk: 1", "n_gen_res_blk: 1", "dis_dim: 4", "dis_n_layer: 3"]
        return
            (["model: unit", "data:", "  load_size: 32", "  crop_size: 32", "unit:", "  variant: \(variant)"]
            + unit.map { "  " + $0 }).joined(separator: "\n")
    }

    func testPyTorchWeightsReproduceTheReferenceTranslations() throws {
        let ws = try CLIWorkspace("unit-weights")
        for (variant, file) in [("master", "unit.h5"), ("paper", "unit_paper.h5")] {
            let fixture = UNITWeightsTests.fixtures + "/" + file
            try checkUNITTranslations(ws, variant: variant, weights: fixture, reference: fixture)
        }
    }
}

/// Long tier: the official checkpoint files through launch/convert-weights (torch needed).
final class UNITConvertWeightsTests: XCTestCase {
    func testOfficialCheckpointFilesConvertAndReproduceTheReferenceTranslations() throws {
        let ws = try CLIWorkspace("unit-convert")
        let convert = UNITWeightsTests.repository + "/launch/convert-weights"
        let fixtures = UNITWeightsTests.fixtures
        for (variant, model, gen, dis, reference) in [
            ("master", "unit", "unit_gen.pt", "unit_dis.pt", "unit.h5"),
            ("paper", "unit-paper", "unit_paper_gen.pkl", "unit_paper_dis.pkl", "unit_paper.h5"),
        ] {
            let r = try Command(
                "/usr/bin/env",
                [
                    "python3", convert, "to-i2i", "--model", model, "--gen", fixtures + "/" + gen, "--dis", fixtures + "/" + dis,
                    "--out", "\(variant)-weights.h5",
                ], directory: ws.folder
            ).run(limit: 300)
            XCTAssertEqual(r.status, 0, "launch/convert-weights needs python3 with torch and h5py: \(r.output)")
            try checkUNITTranslations(
                ws, variant: variant, weights: ws.folder + "/\(variant)-weights.h5", reference: fixtures + "/" + reference)
        }
        // The converter's own round trip (official → i2i → official, bit for bit) and its errors.
        let selfTest = try Command("/usr/bin/env", ["python3", UNITWeightsTests.repository + "/launch/reference/test_convert_weights.py"])
            .run(limit: 300)
        XCTAssertEqual(selfTest.status, 0, selfTest.output)
    }
}

/// Trains 0 steps from `weights`, translates the fixture image both ways and compares with
/// PyTorch's translations in `reference`.
func checkUNITTranslations(_ ws: CLIWorkspace, variant: String, weights: String, reference: String) throws {
    let config = try ws.write("\(variant).yaml", UNITWeightsTests.config(variant: variant))
    if !FileManager.default.fileExists(atPath: ws.folder + "/data.h5") {
        XCTAssertEqual(try ws.i2i(["demo-data", "--count", "4", "--size", "32", "--out", "data.h5"]).status, 0)
    }
    let run = "run-\(variant)"
    var r = try ws.i2i(["train", config, "--data", "data.h5", "--out", run, "--steps", "0", "--init-from", weights])
    XCTAssertEqual(r.status, 0, r.output)
    let expectedFile = try HDF5File.open(reference)
    defer { try? expectedFile.close() }
    for direction in ["a2b", "b2a"] {
        let out = "\(variant)-\(direction).h5"
        r = try ws.i2i([
            "translate", "--checkpoint", run + "/checkpoints/step_000000000.h5", "--direction", direction,
            "--input", UNITWeightsTests.fixtures + "/translation_input.png", "--output", out,
        ])
        XCTAssertEqual(r.status, 0, r.output)
        let file = try HDF5File.open(ws.folder + "/" + out)
        defer { try? file.close() }
        XCTAssertEqual(try file.root.openDataset("images").shape, [1, 3, 32, 32])
        let got = try file.root.openDataset("images").read(as: Float.self)
        let expected = try expectedFile.root.openDataset("translation/\(direction)").read(as: Float.self)
        XCTAssertEqual(got.count, expected.count)
        let worst = zip(got, expected).map { Swift.abs($0 - $1) }.max() ?? .infinity
        // The checklist's bound for tanh outputs; measured: a few 1e-7.
        XCTAssertLessThan(worst, 1e-4, "\(variant) \(direction): largest difference from PyTorch's translation \(worst)")
    }
}
