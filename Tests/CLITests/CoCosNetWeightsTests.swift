// CoCosNet checkpoints from PyTorch weights, through the real CLI: the golden fixture's initial
// weights (cocosnet.h5's netG, netCorr and netD, exported by Tests/ModelsTests/Fixtures/
// make_fixtures.py from the PyTorch expression of microsoft/CoCosNet) loaded with `train --steps 0
// --init-from`, then `translate --save-attention` of the fixture's label map with its exemplar
// (cocosnet_*.png, the same arrays as /translation) must reproduce PyTorch's `inference`: the
// translation and the warped exemplar. The long tier first writes those weights as the official
// files (<epoch>_net_G.pth, _Corr.pth, _D.pth: plain state dicts, as util.save_network saves
// them) and converts them with launch/convert-weights, then converts the i2i checkpoint back and
// compares the files bit for bit; both need torch.
import Foundation
import HDF5Kit
import TestSupport
import XCTest

final class CoCosNetWeightsTests: XCTestCase {
    /// cocosnet.h5's architecture (its root attributes), as an i2i config.
    static let config = [
        "model: cocosnet", "data:", "  load_size: 64", "  crop_size: 64", "cocosnet:", "  semantic_nc: 6", "  ngf: 2",
        "  ndf: 4", "  spade_hidden: 8", "  corr_inter_channels: 8", "  vgg19_weights: none",
    ].joined(separator: "\n")
    static let fixture = UNITWeightsTests.fixtures + "/cocosnet.h5"
    static let networks = ["netG", "netCorr", "netD"]

    func testPyTorchWeightsReproduceTheReferenceTranslationAndWarpedExemplar() throws {
        let ws = try CLIWorkspace("cocosnet-weights")
        // The fixture also holds the frozen VGG19, which is no network of the model: copy the three.
        let source = try HDF5File.open(Self.fixture)
        defer { try? source.close() }
        let weights = try HDF5File.create(at: ws.folder + "/weights.h5")
        var count = 0
        for net in Self.networks {
            for key in try source.root.openGroup("networks/\(net)").childNames {
                let dataset = try source.root.openDataset("networks/\(net)/\(key)")
                let values = try dataset.read(as: Float.self)
                try weights.root.createDataset("networks/\(net)/\(key)", values: values, shape: try dataset.shape)
                count += values.count
            }
        }
        try weights.close()
        XCTAssertEqual(count, 244_211)  // netG 132,832 + netCorr 82,087 + netD 29,292 stored values
        try checkCoCosNetTranslation(ws, weights: ws.folder + "/weights.h5")
    }
}

/// Long tier: the weights as official checkpoint files through launch/convert-weights, both ways (torch needed).
final class CoCosNetConvertWeightsTests: XCTestCase {
    func testOfficialFilesConvertReproduceTheReferenceAndConvertBack() throws {
        let ws = try CLIWorkspace("cocosnet-convert")
        let official = ws.folder + "/official"
        try FileManager.default.createDirectory(atPath: official, withIntermediateDirectories: true)
        let reference = String(reflecting: UNITWeightsTests.repository + "/launch/reference")
        // The fixture's networks loaded (strictly) into the PyTorch expression and saved as util.save_network does.
        try Python.run(
            """
            import sys
            sys.path.insert(0, \(reference))
            import h5py, numpy as np, torch
            from i2i_reference.cocosnet_networks import CoCosNetConfig, MultiscaleDiscriminator, NoVGGCorrespondence, SPADEGenerator
            with h5py.File(\(String(reflecting: CoCosNetWeightsTests.fixture)), "r") as f:
                cfg = CoCosNetConfig(**{k: int(f.attrs[k]) for k in ("semantic_nc", "ngf", "ndf", "spade_hidden",
                                                                     "corr_feature_channel", "corr_inter_channels")})
                for net, label, build in (("netG", "G", SPADEGenerator), ("netCorr", "Corr", NoVGGCorrespondence),
                                          ("netD", "D", MultiscaleDiscriminator)):
                    m = build(cfg)
                    m.load_state_dict({k: torch.from_numpy(np.asarray(d[()])) for k, d in f["networks"][net].items()})
                    torch.save(m.cpu().state_dict(), \(String(reflecting: official)) + f"/latest_net_{label}.pth")
            """, modules: ["torch", "h5py", "yaml"], limit: 300)
        let config = try ws.write("tiny.yaml", CoCosNetWeightsTests.config)
        func convert(_ arguments: [String]) throws -> ProcessResult {
            try Command(
                "/usr/bin/env", ["python3", UNITWeightsTests.repository + "/launch/convert-weights"] + arguments, directory: ws.folder
            )
            .run(limit: 300)
        }
        var r = try convert(["to-i2i", "--model", "cocosnet", "--checkpoint-dir", "official", "--config", config, "--out", "w.h5"])
        XCTAssertEqual(r.status, 0, "launch/convert-weights needs python3 with torch, h5py and PyYAML: \(r.output)")
        // Without --config the architecture is the ADE20k one: one error line, status 2.
        r = try convert(["to-i2i", "--model", "cocosnet", "--checkpoint-dir", "official", "--out", "ade.h5"])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.output.contains("'fc.weight' has shape [32, 9, 3, 3], the network's is [1024, 154, 3, 3]"), r.output)
        XCTAssertEqual(r.output.split(separator: "\n").count, 1, r.output)

        try checkCoCosNetTranslation(ws, weights: ws.folder + "/w.h5")
        // Back: the step-0 checkpoint (its own config gives the architecture) as official files.
        r = try convert(["from-i2i", "--model", "cocosnet", "run/checkpoints/step_000000000.h5", "--out-dir", "back"])
        XCTAssertEqual(r.status, 0, r.output)
        let same = try Python.run(
            """
            import torch
            for label in ("G", "Corr", "D"):
                a = torch.load(\(String(reflecting: official)) + f"/latest_net_{label}.pth", weights_only=True)
                b = torch.load(\(String(reflecting: ws.folder)) + f"/back/latest_net_{label}.pth", weights_only=True)
                bad = [k for k in a if k not in b or not torch.equal(a[k], b[k])]
                print(label, list(a) == list(b), len(a), bad[:3])
            """, modules: ["torch"], limit: 300)
        XCTAssertEqual(same.split(separator: "\n").map(String.init), ["G True 193 []", "Corr True 192 []", "D True 74 []"])
    }
}

/// Trains 0 steps of CoCosNetWeightsTests.config from `weights` (into ws/run), translates
/// cocosnet_label.png with cocosnet_exemplar.png and its label map, and compares the translation
/// and the warped exemplar with PyTorch's `inference` in cocosnet.h5 /translation.
func checkCoCosNetTranslation(_ ws: CLIWorkspace, weights: String) throws {
    let config = try ws.write("tiny.yaml", CoCosNetWeightsTests.config)
    XCTAssertEqual(try ws.i2i(["demo-data", "--kind", "scenes", "--count", "4", "--size", "64", "--out", "data.h5"]).status, 0)
    var r = try ws.i2i(["train", config, "--data", "data.h5", "--out", "run", "--steps", "0", "--init-from", weights])
    XCTAssertEqual(r.status, 0, r.output)
    let fixtures = UNITWeightsTests.fixtures
    r = try ws.i2i([
        "translate", "--checkpoint", "run/checkpoints/step_000000000.h5", "--input", fixtures + "/cocosnet_label.png",
        "--exemplar", fixtures + "/cocosnet_exemplar.png", "--exemplar-labels", fixtures + "/cocosnet_exemplar_label.png",
        "--output", "out.h5", "--save-attention",
    ])
    XCTAssertEqual(r.status, 0, r.output)
    let expected = try HDF5File.open(CoCosNetWeightsTests.fixture)
    defer { try? expected.close() }
    let file = try HDF5File.open(ws.folder + "/out.h5")
    defer { try? file.close() }
    for (dataset, reference) in [("images", "translation/out"), ("warped_exemplar", "translation/warp_out")] {
        XCTAssertEqual(try file.root.openDataset(dataset).shape, [1, 3, 64, 64])
        let got = try file.root.openDataset(dataset).read(as: Float.self)
        let want = try expected.root.openDataset(reference).read(as: Float.self)
        XCTAssertEqual(got.count, want.count)
        let worst = zip(got, want).map { Swift.abs($0 - $1) }.max() ?? .infinity
        XCTAssertLessThan(worst, 1e-4, "\(dataset): largest difference from PyTorch's \(worst)")
        // Not a trivial match: the output spans a real range.
        XCTAssertGreaterThan((want.max() ?? 0) - (want.min() ?? 0), 0.01, reference)
    }
}
