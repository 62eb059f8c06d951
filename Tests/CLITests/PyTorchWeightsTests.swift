// A checkpoint whose generator weights come from the PyTorch reference (loaded with
// `--init-from` from an h5py export laid out as /networks/<net>/<key>) reproduces PyTorch's
// translation of an image, through the real CLI (train --steps 0, then translate).
import Foundation
import HDF5Kit
import XCTest

final class PyTorchWeightsTests: XCTestCase {
    func testCheckpointFromPyTorchWeightsReproducesItsTranslation() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ModelsTests/Fixtures").path
        let ws = try CLIWorkspace("pytorch-weights")
        // The fixture's networks: ngf 4, ndf 4, 2 residual blocks, 32×32 images.
        let config = try ws.write(
            "reference.yaml",
            """
            model: cyclegan
            data:
              load_size: 32
              crop_size: 32
            cyclegan:
              ngf: 4
              ndf: 4
              n_blocks: 2
            """)
        XCTAssertEqual(try ws.i2i(["demo-data", "--count", "4", "--size", "32", "--out", "data.h5"]).status, 0)
        var r = try ws.i2i([
            "train", config, "--data", "data.h5", "--out", "run", "--steps", "0",
            "--init-from", fixtures + "/cyclegan.h5",
        ])
        XCTAssertEqual(r.status, 0, r.output)
        r = try ws.i2i([
            "translate", "--checkpoint", "run/checkpoints/step_000000000.h5",
            "--input", fixtures + "/translation_input.png", "--output", "out.h5",
        ])
        XCTAssertEqual(r.status, 0, r.output)

        let out = try HDF5File.open(ws.folder + "/out.h5")
        let expectedFile = try HDF5File.open(fixtures + "/cyclegan.h5")
        defer { try? out.close(); try? expectedFile.close() }
        let got = try out.root.openDataset("images").read(as: Float.self)
        let expected = try expectedFile.root.openDataset("translation/G_A_output").read(as: Float.self)
        XCTAssertEqual(try out.root.openDataset("images").shape, [1, 3, 32, 32])
        XCTAssertEqual(got.count, expected.count)
        let worst = zip(got, expected).map { Swift.abs($0 - $1) }.max() ?? .infinity
        // Float32 forward against a float64 reference through 20 layers of a tanh output.
        XCTAssertLessThan(worst, 1e-5, "largest difference from PyTorch's translation: \(worst)")
    }
}
