// `i2i demo-data`: the built-in procedural two-domain datasets with a true answer per test image.
import ArgumentParser
import Datasets
import FileSafety
import Foundation

/// Writes a procedural demo dataset (G1 "stripes", G2 "seasons", G3 "daytime" or the paired G4 "scenes").
struct DemoData: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-data",
        abstract: "Write a procedural two-domain dataset with a known true answer for each test image.",
        discussion: """
            stripes: flat shapes (A) and the same shapes striped (B), a horse-to-zebra analogue.
            seasons: a landscape in summer (A) and in winter (B).
            daytime: the seasons landscapes, each domain lit at a random time of day (light level and \
            warmth): a style the scene does not determine. Each test truth takes the look of the other \
            test split's image at the same index, so `translate --style-from DATA.h5` scores a \
            multimodal model on following the style it is given.
            trainA and trainB show different scenes (unpaired). /testA/truth holds the true B rendering \
            of each test A image and /testB/truth the true A of each test B image.
            scenes (paired, for CoCosNet): label maps of sky, mountains, water, ground and trees, each \
            rendered in a random palette and texture; /train with label maps and retrieval lists, /test \
            with, per label map, an exemplar (/test/exemplars[i,0], a training image) and /test/truth, \
            the map rendered in the exemplar's style. The same seed gives the same file content (content hash).
            """)

    @Option(help: "stripes, seasons, daytime or scenes.") var kind = "stripes"
    @Option(help: "Training images per domain.") var count = 200
    @Option(name: .customLong("test-count"), help: "Test images per domain (default: count/10, at least 4).") var testCount: Int?
    @Option(help: "Side of the square images.") var size = 64
    @Option(help: "Seed of the scenes.") var seed: UInt64 = 0
    @Option(help: "gzip level 1-9 for each image (default: none).") var gzip: Int?
    @Option(help: "The dataset file to write.") var out: String?
    @Flag(help: "Replace an existing --out file (atomically, when the new one is complete).") var overwrite = false

    func validate() throws {
        try require(
            DemoKind(rawValue: kind) != nil, "--kind must be \(DemoKind.allCases.map(\.rawValue).joined(separator: " or ")), not '\(kind)'")
        try require(count >= 1 && count <= 10_000_000, "--count must be between 1 and 10000000, not \(count)")
        try require(testCount.map { $0 >= 1 } ?? true, "--test-count must be at least 1, not \(testCount ?? 0)")
        try require((8...4096).contains(size), "--size must be between 8 and 4096, not \(size)")
        try require(gzip.map { (1...9).contains($0) } ?? true, "--gzip must be between 1 and 9, not \(gzip ?? 0)")
        try require(out != nil, "--out FILE.h5 is required")
    }

    func run() throws {
        let path = out!
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try require(FileManager.default.fileExists(atPath: folder), "--out: folder '\(folder)' does not exist")
        try claimOutput("--out", path, kind: .file, overwrite: overwrite, inputs: [])
        let start = Date()
        let hash = try reportingErrors {
            try DemoDataset.write(
                kind: DemoKind(rawValue: kind)!, count: count, testCount: testCount, size: size,
                seed: seed, to: path, gzipLevel: gzip)
        }
        let seconds = Date().timeIntervalSince(start)
        let data = try reportingErrors { try DatasetFile(path: path) }
        let counts = data.info.splits.map { "\($0.name) \($0.count)\($0.contents.truth ? " (+truth)" : "")" }
        print(
            "wrote \(path): \(kind), \(size)x\(size), seed \(seed): \(counts.joined(separator: ", ")) in \(String(format: "%.1f", seconds)) s"
        )
        print("content hash \(hash)")
        for split in data.info.splits.filter(\.contents.truth).map(\.name) {
            let identity = try reportingErrors { try data.scoreTranslation(of: split) { $0 }.identity }
            print("identity baseline on \(split): \(identity)")
        }
    }
}
