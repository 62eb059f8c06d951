// CoCosNet through the CLI, in one process and on 2 MPI ranks, on the paired scenes demo data:
// train, stop, resume (bit-identical to an uninterrupted run: the exemplar draw is keyed by the
// sample's position, so it repeats after a resume on any rank count), translate the test label
// maps with their listed exemplars (scored against the true renderings) and with one exemplar
// for all, inspect; and the exemplar options' errors.
import Foundation
import HDF5Kit
import TestSupport
import XCTest

final class CoCosNetJourneyTests: XCTestCase {
    private func journey(ranks: Int) throws {
        let ws = try CLIWorkspace("cocosnet\(ranks)")
        let config = try ws.write("tiny.yaml", TinyConfig.cocosnet(train: ["log_every: 3", "checkpoint_every: 6"]))
        func i2i(_ args: [String]) throws -> ProcessResult { ranks == 1 ? try ws.i2i(args) : try ws.mpi(ranks: ranks, args) }
        let data = try ws.i2i(["demo-data", "--kind", "scenes", "--count", "8", "--size", "64", "--out", "data.h5"])
        XCTAssertEqual(data.status, 0, data.output)

        var r = try i2i(["train", config, "--data", "data.h5", "--out", "straight", "--steps", "12"])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.output.contains("without the fm, perc and contextual terms"), r.output)
        r = try i2i(["train", config, "--data", "data.h5", "--out", "run", "--steps", "6"])
        XCTAssertEqual(r.status, 0, r.output)
        r = try i2i(["train", config, "--data", "data.h5", "--out", "run", "--steps", "12", "--resume"])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.output.contains("steps 6..<12"), r.output)
        let names = ["netG", "netCorr", "netD"]
        try assertSameNetworks(
            ws.folder + "/straight/checkpoints/step_000000012.h5", ws.folder + "/run/checkpoints/step_000000012.h5", names: names)
        let metrics = try String(contentsOfFile: ws.folder + "/run/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(metrics.count, 4)  // steps 3, 6, 9, 12
        for term in ["no_vgg_feat", "GAN", "GAN_Feat", "mask", "D_Fake", "D_real"] {
            XCTAssertTrue(metrics.last!.contains("\"\(term)\""), "\(term) in \(metrics.last!)")
        }
        XCTAssertFalse(metrics.last!.contains("\"contextual\""), String(metrics.last!))

        let ckpt = "run/checkpoints/step_000000012.h5"
        let out = try ws.i2i(["translate", "--checkpoint", ckpt, "--input", "data.h5", "--output", "listed", "--save-attention"])
        XCTAssertEqual(out.status, 0, out.output)
        XCTAssertTrue(out.output.contains("with their exemplars"), out.output)
        XCTAssertTrue(out.output.contains("score on test against the truth"), out.output)
        let files = try FileManager.default.contentsOfDirectory(atPath: ws.folder + "/listed")
        let tests = files.filter { !$0.hasSuffix("_warped_exemplar.png") }
        XCTAssertGreaterThan(tests.count, 0, "\(files)")
        XCTAssertEqual(files.count, 2 * tests.count, "each translation with its warped exemplar: \(files)")

        // One exemplar for every label map: the first training image with its label map.
        let one = try ws.i2i(["translate", "--checkpoint", ckpt, "--input", "data.h5", "--exemplar", "data.h5:train", "--output", "one.h5"])
        XCTAssertEqual(one.status, 2, one.output)  // the training split holds more than one exemplar
        XCTAssertTrue(one.output.contains("--exemplar holds"), one.output)

        let inspect = try ws.i2i(["inspect", ckpt, "--json"])
        XCTAssertEqual(inspect.status, 0, inspect.output)
        let json = try JSONSerialization.jsonObject(with: Data(inspect.output.utf8)) as! [String: Any]
        XCTAssertEqual(json["model"] as? String, "cocosnet")
        XCTAssertEqual(json["world_size"] as? Int, ranks)
        XCTAssertEqual(Set((json["networks"] as! [String: Any]).keys), Set(names))
    }

    func testSingleProcess() throws { try journey(ranks: 1) }
    func testTwoRanks() throws { try journey(ranks: 2) }

    func testExemplarMistakesExitWithStatus2() throws {
        let ws = try CLIWorkspace("cocosnet-bad")
        XCTAssertEqual(try ws.i2i(["demo-data", "--kind", "scenes", "--count", "8", "--size", "64", "--out", "data.h5"]).status, 0)
        let config = try ws.write("tiny.yaml", TinyConfig.cocosnet())
        var r = try ws.i2i(["train", config, "--data", "data.h5", "--out", "run", "--steps", "1"])
        XCTAssertEqual(r.status, 0, r.output)
        let ckpt = "run/checkpoints/step_000000001.h5"
        // An exemplar image file without its label map.
        r = try ws.i2i(["translate", "--checkpoint", ckpt, "--input", "data.h5", "--exemplar", config, "--output", "x"])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.output.contains("needs its label map: pass --exemplar-labels"), r.output)
        // --steps 0 never reads the VGG19 file (only the losses use it).
        r = try ws.i2i([
            "train", config, "--data", "data.h5", "--out", "initial", "--steps", "0", "--set", "cocosnet.vgg19_weights=missing.h5",
        ])
        XCTAssertEqual(r.status, 0, r.output)
        // A VGG19 file that does not exist is one error line before anything is written.
        r = try ws.i2i(["train", config, "--data", "data.h5", "--out", "run2", "--set", "cocosnet.vgg19_weights=missing.h5"])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.output.contains("missing.h5"), r.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ws.folder + "/run2"), "nothing written")
        // The config must say which VGG19 (or none).
        r = try ws.i2i(["train", config, "--data", "data.h5", "--out", "run3", "--set", "cocosnet.vgg19_weights="])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.output.contains("cocosnet.vgg19_weights"), r.output)
        // Unpaired data for a paired model.
        XCTAssertEqual(try ws.i2i(["demo-data", "--count", "8", "--size", "72", "--out", "unpaired.h5"]).status, 0)
        r = try ws.i2i(["train", config, "--data", "unpaired.h5", "--out", "run4"])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.output.contains("paired"), r.output)
    }
}
