// U-GAT-IT checkpoints from PyTorch weights, through the real CLI: the golden fixtures' initial
// weights (full and light, exported by Tests/ModelsTests/Fixtures/make_fixtures.py from the
// PyTorch expression of znxlwm/UGATIT-pytorch) loaded with `train --steps 0 --init-from`, then
// `translate --save-attention` of ugatit_input.png in both directions must reproduce PyTorch's
// translations and heat maps (normalised and resized as the official test code shows them).
// The long tier also converts the official `*_params_*.pt` file of the light weights with
// launch/convert-weights first, which needs torch.
import Foundation
import HDF5Kit
import TestSupport
import XCTest

final class UGATITWeightsTests: XCTestCase {
    /// The fixtures' configuration (their root attributes), as an i2i config.
    static func config(light: Bool) -> String {
        [
            "model: ugatit", "data:", "  load_size: 96", "  crop_size: 96", "ugatit:", "  light: \(light)", "  ch: 2",
            "  n_res: 2", "  img_size: 96",
        ].joined(separator: "\n")
    }

    func testPyTorchWeightsReproduceTheReferenceTranslationsAndHeatMaps() throws {
        let ws = try CLIWorkspace("ugatit-weights")
        for (light, file) in [(false, "ugatit.h5"), (true, "ugatit_light.h5")] {
            let fixture = UNITWeightsTests.fixtures + "/" + file
            try checkUGATITTranslations(ws, light: light, weights: fixture, reference: fixture)
        }
    }
}

/// Long tier: the official params file through launch/convert-weights (torch needed).
final class UGATITConvertWeightsTests: XCTestCase {
    func testOfficialParamsFileConvertsAndReproducesTheReferenceTranslations() throws {
        let ws = try CLIWorkspace("ugatit-convert")
        let fixtures = UNITWeightsTests.fixtures
        let r = try Command(
            "/usr/bin/env",
            [
                "python3", UNITWeightsTests.repository + "/launch/convert-weights", "to-i2i", "--model", "ugatit", "--params",
                fixtures + "/ugatit_params.pt", "--out", "light-weights.h5",
            ], directory: ws.folder
        ).run(limit: 300)
        XCTAssertEqual(r.status, 0, "launch/convert-weights needs python3 with torch and h5py: \(r.output)")
        try checkUGATITTranslations(
            ws, light: true, weights: ws.folder + "/light-weights.h5", reference: fixtures + "/ugatit_light.h5")
    }
}

/// Trains 0 steps from `weights`, translates ugatit_input.png both ways with its heat map and
/// compares both with PyTorch's in `reference`.
func checkUGATITTranslations(_ ws: CLIWorkspace, light: Bool, weights: String, reference: String) throws {
    let label = light ? "light" : "full"
    let config = try ws.write("\(label).yaml", UGATITWeightsTests.config(light: light))
    if !FileManager.default.fileExists(atPath: ws.folder + "/data.h5") {
        XCTAssertEqual(try ws.i2i(["demo-data", "--count", "4", "--size", "96", "--out", "data.h5"]).status, 0)
    }
    let run = "run-\(label)"
    var r = try ws.i2i(["train", config, "--data", "data.h5", "--out", run, "--steps", "0", "--init-from", weights])
    XCTAssertEqual(r.status, 0, r.output)
    let expectedFile = try HDF5File.open(reference)
    defer { try? expectedFile.close() }
    for direction in ["a2b", "b2a"] {
        let out = "\(label)-\(direction).h5"
        r = try ws.i2i([
            "translate", "--checkpoint", run + "/checkpoints/step_000000000.h5", "--direction", direction,
            "--input", UNITWeightsTests.fixtures + "/ugatit_input.png", "--output", out, "--save-attention",
        ])
        XCTAssertEqual(r.status, 0, r.output)
        let file = try HDF5File.open(ws.folder + "/" + out)
        defer { try? file.close() }
        for (dataset, expectedName, shape) in [
            ("images", direction, [1, 3, 96, 96]), ("heatmap", direction + "_heatmap_image", [1, 1, 96, 96]),
        ] {
            XCTAssertEqual(try file.root.openDataset(dataset).shape, shape)
            let got = try file.root.openDataset(dataset).read(as: Float.self)
            let expected = try expectedFile.root.openDataset("translation/\(expectedName)").read(as: Float.self)
            XCTAssertEqual(got.count, expected.count)
            let worst = zip(got, expected).map { Swift.abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThan(worst, 1e-4, "\(label) \(direction) \(dataset): largest difference from PyTorch's \(worst)")
        }
    }
}
