// MUNIT and MUNIT with self-attention through the CLI, in one process and on 2 MPI ranks: train,
// stop, resume (bit-identical to an uninterrupted run, so the per-rank style-code stream is
// checkpointed), translate both directions, inspect; and the options' errors.
import Foundation
import HDF5Kit
import TestSupport
import XCTest

final class MUNITJourneyTests: XCTestCase {
    private func journey(selfAttention: Bool, ranks: Int) throws {
        let ws = try CLIWorkspace("munit-\(selfAttention ? "sa" : "plain")\(ranks)")
        let config = try ws.write(
            "tiny.yaml", TinyConfig.munit(selfAttention: selfAttention, train: ["log_every: 5", "checkpoint_every: 10"]))
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
        let names = ["gen_a", "gen_b", "dis_a", "dis_b"]
        let straightPath = ws.folder + "/straight/checkpoints/step_000000020.h5"
        try assertSameNetworks(straightPath, ws.folder + "/run/checkpoints/step_000000020.h5", names: names)
        if selfAttention {
            let straight = try HDF5File.open(straightPath)
            XCTAssertTrue(try straight.root.openGroup("networks/gen_a").childNames.contains("dec.model.1.gamma"))
            XCTAssertTrue(try straight.root.openGroup("networks/dis_b").childNames.contains("cnns.1.3.query_conv.weight"))
            try straight.close()
        }
        let metrics = try String(contentsOfFile: ws.folder + "/run/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(metrics.count, 4)  // steps 5, 10, 15, 20
        XCTAssertTrue(metrics.last!.contains("\"gen_recon_s_a\""), String(metrics.last!))
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
        XCTAssertEqual(json["model"] as? String, "munit")
        XCTAssertEqual(json["world_size"] as? Int, ranks)
        XCTAssertEqual(Set((json["networks"] as! [String: Any]).keys), Set(names))
    }

    func testMUNITSingleProcess() throws { try journey(selfAttention: false, ranks: 1) }
    func testMUNITTwoRanks() throws { try journey(selfAttention: false, ranks: 2) }
    func testSelfAttentionSingleProcess() throws { try journey(selfAttention: true, ranks: 1) }
    func testSelfAttentionTwoRanks() throws { try journey(selfAttention: true, ranks: 2) }

    func testBadMUNITOptionsExitWithStatus2() throws {
        let ws = try CLIWorkspace("munit-bad")
        XCTAssertEqual(try ws.i2i(["demo-data", "--count", "8", "--size", "26", "--out", "data.h5"]).status, 0)
        let config = try ws.write("tiny.yaml", TinyConfig.munit(selfAttention: false))
        var r = try ws.i2i(["train", config, "--data", "data.h5", "--out", "run", "--set", "munit.vgg_w=1"])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.output.contains("munit.vgg_w = 1.0 needs munit.vgg16_weights"), r.output)
        r = try ws.i2i(["train", config, "--data", "data.h5", "--out", "run", "--set", "data.crop_size=22"])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.output.contains("need a multiple of 4, not 22"), r.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ws.folder + "/run"))
    }

    /// `--style-seed N --styles K` (K outputs per input, the same K codes for every input),
    /// `--style-from` (one image for all, or one per input), `--save-style`, and their errors.
    func testMultimodalTranslateOptions() throws {
        let ws = try CLIWorkspace("munit-styles")
        XCTAssertEqual(try ws.i2i(["demo-data", "--count", "8", "--size", "26", "--out", "data.h5"]).status, 0)
        let config = try ws.write("tiny.yaml", TinyConfig.munit(selfAttention: false))
        var r = try ws.i2i(["train", config, "--data", "data.h5", "--out", "run", "--steps", "2"])
        XCTAssertEqual(r.status, 0, r.output)
        let ckpt = "run/checkpoints/step_000000002.h5"
        let base = ["translate", "--checkpoint", ckpt, "--input", "data.h5:testA"]
        r = try ws.i2i(base + ["--output", "styles", "--style-seed", "7", "--styles", "3", "--save-style"])
        XCTAssertEqual(r.status, 0, r.output)
        let files = try FileManager.default.contentsOfDirectory(atPath: ws.folder + "/styles").sorted()
        let pngs = files.filter { $0.hasSuffix(".png") }, texts = files.filter { $0.hasSuffix("_style.txt") }
        XCTAssertEqual(pngs.count, 3 * 4, files.description)  // 4 test images × 3 styles
        XCTAssertEqual(texts.count, pngs.count, files.description)
        // Each style's written translations are scored against the split's truth, one line each.
        let scoreLines = r.output.split(separator: "\n").filter { $0.hasPrefix("score on testA against the truth") }
        XCTAssertEqual(scoreLines.count, 3, r.output)
        XCTAssertTrue(scoreLines[2].hasSuffix("for style 2"), r.output)
        XCTAssertTrue(pngs.allSatisfy { $0.contains("_style0") || $0.contains("_style1") || $0.contains("_style2") }, pngs.description)
        // Style k is the same code for every input; different styles differ.
        func code(_ name: String) throws -> String { try String(contentsOfFile: ws.folder + "/styles/" + name, encoding: .utf8) }
        let style0 = texts.filter { $0.contains("_style0_") }, style1 = texts.filter { $0.contains("_style1_") }
        XCTAssertEqual(Set(try style0.map(code)).count, 1)
        XCTAssertNotEqual(try code(style0[0]), try code(style1[0]))
        XCTAssertEqual(try code(style0[0]).split(separator: "\n").count, 8)
        // The same seed gives the same images; HDF5 output holds /style.
        r = try ws.i2i(base + ["--output", "again.h5", "--style-seed", "7", "--styles", "3", "--save-style"])
        XCTAssertEqual(r.status, 0, r.output)
        let h5 = try HDF5File.open(ws.folder + "/again.h5")
        XCTAssertEqual(try h5.root.openDataset("images").shape, [12, 3, 26, 26])
        XCTAssertEqual(try h5.root.openDataset("style").shape, [12, 8, 1, 1])
        try h5.close()
        // Style images: a dataset split index-aligned, one image for all, a wrong count.
        r = try ws.i2i(base + ["--output", "aligned", "--style-from", "data.h5:testB"])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertEqual(r.output.split(separator: "\n").filter { $0.hasPrefix("score on testA against the truth") }.count, 1, r.output)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: ws.folder + "/aligned").count, 4)
        r = try ws.i2i(
            base + [
                "--output", "one", "--style-from",
                "aligned/" + (try FileManager.default.contentsOfDirectory(atPath: ws.folder + "/aligned").sorted()[0]),
            ])
        XCTAssertEqual(r.status, 0, r.output)
        r = try ws.i2i(base + ["--output", "bad", "--style-from", "data.h5:trainB"])
        XCTAssertNotEqual(r.status, 0, r.output)
        XCTAssertTrue(r.output.contains("give one, or one per input"), r.output)
        r = try ws.i2i(base + ["--output", "bad2", "--style-from", "data.h5:testB", "--style-seed", "1"])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.output.contains("--style-from excludes --style-seed"), r.output)
    }
}
