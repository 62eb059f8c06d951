// Does training learn? The tiny CycleGAN config, trained from a fixed seed on procedural
// "seasons" data (summer → winter landscapes with a known true translation), must translate the
// test images closer to the truth than the identity baseline (the input left unchanged). MUNIT,
// whose translation takes a style, is checked on "daytime" data, where the truth's style is given
// by a style image: that style must beat random ones (the model's ablation).
//
// The "stripes" data (flat shapes on flat backgrounds) is not used here: an instance-norm
// generator removes each image's mean colour in its first layer, so a CycleGAN cannot restore a
// flat background's colour, and any stripe pattern not in the truth's exact phase scores worse
// than leaving the image unchanged.
//
// At this budget the summer → winter direction is bimodal over seeds, as the PyTorch reference is
// on the demo data (launch/quality): some runs stall half-translated. Measured with seeds 0–3, A→B
// L1 over identity was 0.57, 0.38, 0.72, 0.31 before the Winograd convolutions and 0.73, 0.31,
// 0.71, 0.31 after, while B→A stayed at 0.19–0.31. So each direction must beat the identity
// baseline, and the two directions together must reach 60 % of its error: a model that learns
// nothing, or one direction only, fails; a seed's luck in one direction does not.
import Foundation
import XCTest

final class LearningCheckTests: XCTestCase {
    /// Parses "score on testA against the truth: L1 0.0979, PSNR 15.61 dB (identity: L1 0.3352, …".
    private func scores(_ output: String) -> (l1: Double, identity: Double)? {
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("score on") }) else { return nil }
        let numbers = line.split(whereSeparator: { " ,()".contains($0) }).compactMap { Double($0) }
        // numbers: L1, PSNR, identity L1, identity PSNR
        return numbers.count >= 4 ? (numbers[0], numbers[2]) : nil
    }

    func testTinyCycleGANBeatsTheIdentityBaselineOnSeasons() throws {
        try checkLearning(
            config: "cyclegan-tiny.yaml", settings: ["cyclegan.n_epochs=5", "cyclegan.n_epochs_decay=5"], folder: "learning")
    }

    /// UNIT's master variant at the tiny config.
    ///
    /// Measured with seed 0: L1 over identity 0.37
    /// (a2b) and 0.15 (b2a). The paper variant (constant 1e-4, λ 10/100) learns more slowly at
    /// this size (0.92 and 0.67 after 1000 steps), so it is not held to the same margin here.
    func testTinyUNITBeatsTheIdentityBaselineOnSeasons() throws {
        try checkLearning(config: "unit-tiny.yaml", settings: [], folder: "learning-unit")
    }

    /// MUNIT at the tiny config, on daytime data (seasons landscapes, each domain at a random time
    /// of day): with the style of the given style image (`--style-from`, the other test split in
    /// order) the translation must beat the identity baseline and each of three random style codes.
    ///
    /// Measured with seed 0 (about 60 s of training on 2 cores): a2b L1 0.139 with the style image
    /// against 0.270, 0.205 and 0.219 with random codes (identity 0.273); b2a 0.073 against 0.128,
    /// 0.134 and 0.140 (identity 0.276).
    func testTinyMUNITFollowsTheGivenStyleOnDaytime() throws {
        try checkStyleLearning(settings: [], folder: "learning-munit")
    }

    /// MUNIT with self-attention at the tiny config, held to the same check.
    func testTinySelfAttentionMUNITFollowsTheGivenStyleOnDaytime() throws {
        try checkStyleLearning(settings: ["munit.self_attention=true"], folder: "learning-munit-sa")
    }

    /// Trains the tiny MUNIT for 1000 steps on daytime data; in both directions the style taken
    /// from the truth's style image must beat the identity and every random style code, and be
    /// at most 80 % of the random codes' mean error.
    private func checkStyleLearning(settings: [String], folder: String) throws {
        let ws = try CLIWorkspace(folder)
        let data = try ws.i2i(["demo-data", "--kind", "daytime", "--count", "200", "--size", "36", "--seed", "1", "--out", "daytime.h5"])
        XCTAssertEqual(data.status, 0, data.output)
        let train = try ws.i2i(
            [
                "train", CLIWorkspace.configs + "/munit-tiny.yaml", "--data", "daytime.h5", "--out", "run", "--steps", "1000", "--seed",
                "0",
                "--set", "train.checkpoint_every=0", "--set", "train.sample_every=0",
            ] + settings.flatMap { ["--set", $0] }, limit: 900)
        XCTAssertEqual(train.status, 0, train.output)
        for direction in ["a2b", "b2a"] {
            let base = [
                "translate", "--checkpoint", "run/checkpoints/step_000001000.h5", "--direction", direction, "--input", "daytime.h5",
            ]
            let given = try ws.i2i(base + ["--output", "given_\(direction)", "--style-from", "daytime.h5"])
            XCTAssertEqual(given.status, 0, given.output)
            let random = try ws.i2i(base + ["--output", "random_\(direction)", "--style-seed", "1", "--styles", "3"])
            XCTAssertEqual(random.status, 0, random.output)
            guard let s = scores(given.output) else { XCTFail("no score in: \(given.output)"); continue }
            let randomL1 = random.output.split(separator: "\n").filter { $0.hasPrefix("score on") }.compactMap { scores(String($0))?.l1 }
            XCTAssertEqual(randomL1.count, 3, random.output)
            XCTAssertLessThan(s.l1, s.identity, "\(direction): L1 with the style image \(s.l1) vs identity \(s.identity)")
            for (k, l1) in randomL1.enumerated() {
                XCTAssertLessThan(s.l1, l1, "\(direction): L1 with the style image \(s.l1) vs random style \(k) \(l1)")
            }
            let mean = randomL1.reduce(0, +) / Double(Swift.max(1, randomL1.count))
            XCTAssertLessThan(s.l1, 0.8 * mean, "\(direction): L1 with the style image \(s.l1) vs random styles' mean \(mean)")
        }
    }

    /// The demo CoCosNet, trained 1000 steps on scenes, follows the exemplar's style.
    ///
    /// The demo config runs at 64 px with an untrained VGG19 (`vgg19_weights: random`: no
    /// pretrained weights offline). The scenes test split gives each label map an exemplar in
    /// another style and the truth: the map rendered in that style. Translated with
    /// its listed exemplar, each map must come closer to the truth than the identity (the map's
    /// own rendering) and than with a mismatched exemplar (the map's own rendering, whose style is
    /// not the truth's), here by half. Measured (`i2i demo-data --kind scenes --count 200 --size 64
    /// --seed 1`; `i2i train configs/demo-cocosnet.yaml --steps 1000 --seed 0`, 16–22 min on 2 cores):
    /// L1 0.0665 with the listed exemplars, 0.2713 with the mismatched ones, identity 0.2749
    /// (after 500 steps 0.248 / 0.306; after 250 the output was still flat, 0.272 / 0.278).
    func testDemoCoCosNetFollowsTheExemplarOnScenes() throws {
        let ws = try CLIWorkspace("learning-cocosnet")
        let data = try ws.i2i(["demo-data", "--kind", "scenes", "--count", "200", "--size", "64", "--seed", "1", "--out", "scenes.h5"])
        XCTAssertEqual(data.status, 0, data.output)
        let train = try ws.i2i(
            [
                "train", CLIWorkspace.configs + "/demo-cocosnet.yaml", "--data", "scenes.h5", "--out", "run", "--steps", "1000", "--seed",
                "0", "--set", "train.checkpoint_every=0", "--set", "train.sample_every=0",
            ], limit: 2400)
        XCTAssertEqual(train.status, 0, train.output)
        let base = ["translate", "--checkpoint", "run/checkpoints/step_000001000.h5", "--input", "scenes.h5:test"]
        let listed = try ws.i2i(base + ["--output", "listed"])
        XCTAssertEqual(listed.status, 0, listed.output)
        let mismatched = try ws.i2i(base + ["--output", "mismatched", "--exemplar", "scenes.h5:test"])
        XCTAssertEqual(mismatched.status, 0, mismatched.output)
        guard let given = scores(listed.output), let other = scores(mismatched.output) else {
            return XCTFail("no score in: \(listed.output)\n\(mismatched.output)")
        }
        XCTAssertLessThan(given.l1, given.identity, "L1 with the listed exemplar \(given.l1) vs identity \(given.identity)")
        XCTAssertLessThan(
            given.l1, 0.5 * other.l1, "L1 with the listed exemplar \(given.l1) vs a mismatched exemplar \(other.l1)")
    }

    /// U-GAT-IT (full) at the tiny config, 96 px (its global discriminators' minimum), with the
    /// schedule of 1000 iterations (linear decay over the last 500).
    func testTinyUGATITBeatsTheIdentityBaselineOnSeasons() throws {
        try checkLearning(config: "ugatit-tiny.yaml", settings: ["ugatit.iteration=1000"], folder: "learning-ugatit", size: 100)
    }

    /// Trains `config` for 1000 steps on seasons (`size` px) and checks both directions' test scores.
    private func checkLearning(config: String, settings: [String], folder: String, size: Int = 36) throws {
        let ws = try CLIWorkspace(folder)
        let data = try ws.i2i([
            "demo-data", "--kind", "seasons", "--count", "200", "--size", "\(size)", "--seed", "1", "--out", "seasons.h5",
        ])
        XCTAssertEqual(data.status, 0, data.output)
        let train = try ws.i2i(
            [
                "train", CLIWorkspace.configs + "/" + config, "--data", "seasons.h5", "--out", "run", "--steps", "1000", "--seed", "0",
                "--set", "train.checkpoint_every=0", "--set", "train.sample_every=0",
            ] + settings.flatMap { ["--set", $0] }, limit: 900)
        XCTAssertEqual(train.status, 0, train.output)
        var ratios: [String: Double] = [:]
        for direction in ["a2b", "b2a"] {
            let r = try ws.i2i([
                "translate", "--checkpoint", "run/checkpoints/step_000001000.h5", "--direction", direction,
                "--input", "seasons.h5", "--output", "out_\(direction)",
            ])
            XCTAssertEqual(r.status, 0, r.output)
            guard let s = scores(r.output) else { XCTFail("no score in: \(r.output)"); continue }
            XCTAssertLessThan(s.l1, s.identity, "\(config) \(direction): L1 \(s.l1) vs identity \(s.identity)")
            ratios[direction] = s.l1 / s.identity
        }
        guard let a2b = ratios["a2b"], let b2a = ratios["b2a"] else { return }
        // A clear margin, not a coin flip: together at most 60 % of the identity baseline's error.
        XCTAssertLessThan((a2b + b2a) / 2, 0.6, "\(config) L1 over identity: a2b \(a2b), b2a \(b2a)")
    }
}
