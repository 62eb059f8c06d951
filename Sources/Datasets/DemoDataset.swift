// `i2i demo-data`: procedural two-domain datasets with a known answer (DemoStripes.swift,
// DemoSeasons.swift, DemoDaytime.swift), written as dataset files whose test images carry their
// true translation, and the paired kind "scenes" (DemoScenes.swift, its own layout described there).
//
// Training splits are unpaired: trainA and trainB render different scenes. Each test split
// renders its own scenes and stores the other domain's rendering of the same scene as
// `truth`: /testA/truth[i] is the true B of /testA/images[i], and /testB/truth[i] the true A
// of /testB/images[i]. Where the appearance of a domain is not fixed by the scene (daytime), the
// truth of /testA/images[i] takes the appearance of /testB/images[i] and vice versa, so the
// other test split holds each truth's style image, index-aligned. Scene k of a split is keyed by (seed, split, k) alone, so the file is
// the same for a seed whatever the number of threads.
import Foundation
import HDF5Kit
import TensorCore

/// A procedural scene generator: scene `index` rendered in domain A and in domain B.
public protocol DemoGenerator: Sendable {
    /// Both renderings of scene `index`, `size` × `size` RGB.
    func render(scene index: UInt64, size: Int) -> (a: Bitmap, b: Bitmap)
    /// Scene `index` rendered in each domain with the appearance scene `styleScene` has there;
    /// the same as `render(scene:size:)` where a scene's appearance is fixed.
    func render(scene index: UInt64, styleOf styleScene: UInt64, size: Int) -> (a: Bitmap, b: Bitmap)
}

extension DemoGenerator {
    public func render(scene index: UInt64, styleOf styleScene: UInt64, size: Int) -> (a: Bitmap, b: Bitmap) {
        render(scene: index, size: size)
    }
}

/// The built-in generators.
public enum DemoKind: String, CaseIterable, Sendable {
    /// G1: flat shapes → striped shapes.
    case stripes
    /// G2: summer landscape → winter landscape.
    case seasons
    /// G3: summer landscape → winter landscape, each domain at a random time of day (a style
    /// the scene does not determine).
    case daytime
    /// G4: paired label maps of landscapes in random styles, with exemplars (DemoScenes.swift).
    case scenes

    /// Whether the kind writes paired data (`train`/`test` with label maps and exemplars).
    public var isPaired: Bool { self == .scenes }

    /// The two-domain generator of an unpaired kind for `seed` (the paired kind has
    /// ``ScenesGenerator``).
    public func generator(seed: UInt64) -> DemoGenerator {
        switch self {
        case .stripes: return StripesGenerator(seed: seed)
        case .seasons: return SeasonsGenerator(seed: seed)
        case .daytime: return DaytimeGenerator(seed: seed)
        case .scenes: preconditionFailure("DemoKind.scenes is paired: use ScenesGenerator")
        }
    }
}

/// Writes demo dataset files.
public enum DemoDataset {
    /// The first scene index of each split (disjoint ranges of 2⁴⁰ scenes).
    static func sceneBase(_ split: String) -> UInt64 {
        UInt64(DatasetLayout.unpairedSplits.firstIndex(of: split)!) << 40
    }

    /// Test images per domain when not given: a tenth of `count`, at least 4.
    public static func defaultTestCount(count: Int) -> Int { Swift.max(4, count / 10) }

    /// Writes `count` training images per domain and `testCount` test images per domain of
    /// `kind` at `size` pixels to `path`; returns the content hash.
    @discardableResult
    public static func write(
        kind: DemoKind, count: Int, testCount: Int? = nil, size: Int, seed: UInt64,
        to path: String, gzipLevel: Int? = nil
    ) throws -> String {
        precondition(count > 0 && size > 0, "DemoDataset: count and size must be positive")
        let tests = testCount ?? defaultTestCount(count: count)
        if kind.isPaired { return try writeScenes(count: count, testCount: tests, size: size, seed: seed, to: path, gzipLevel: gzipLevel) }
        let generator = kind.generator(seed: seed)
        let writer = try DatasetWriter(
            path: path, imageSize: size,
            splits: [
                ("trainA", .images), ("trainB", .images),
                ("testA", SplitContents(labels: false, truth: true)), ("testB", SplitContents(labels: false, truth: true)),
            ], gzipLevel: gzipLevel)
        do {
            for (split, n) in [("trainA", count), ("trainB", count), ("testA", tests), ("testB", tests)] {
                let chunk = Swift.max(16, 4 * Parallel.threadCount)
                for start in stride(from: 0, to: n, by: chunk) {
                    let range = start..<Swift.min(n, start + chunk)
                    // Rendered (with each stored image's record digest) on all cores, written in order.
                    var prepared = [(name: String, image: Bitmap, truth: Bitmap?, digest: [UInt8])?](repeating: nil, count: range.count)
                    prepared.withUnsafeMutableBufferPointer { slots in
                        let slots = slots
                        Parallel.forEachTask(range.count) { i in
                            let index = range.lowerBound + i
                            let sceneIndex = sceneBase(split) + UInt64(index)
                            let scene = generator.render(scene: sceneIndex, size: size)
                            let name = "\(kind.rawValue)/\(split)/" + String(format: "%06d", index)
                            // A splits show A (truth B); B splits show B (truth A); only test splits keep
                            // the truth, in the appearance of the other test split's scene at this index.
                            let isA = split.hasSuffix("A")
                            let image = isA ? scene.a : scene.b
                            var truth: Bitmap?
                            if split.hasPrefix("test") {
                                let styleScene = sceneBase(isA ? "testB" : "testA") + UInt64(index)
                                let styled = generator.render(scene: sceneIndex, styleOf: styleScene, size: size)
                                truth = isA ? styled.b : styled.a
                            }
                            slots[i] = (name, image, truth, SplitHasher.recordDigest(name: name, image: image.pixels, truth: truth?.pixels))
                        }
                    }
                    for item in prepared {
                        let (name, image, truth, digest) = item!
                        try writer.append(to: split, name: name, image: image, truth: truth, recordDigest: digest)
                    }
                }
            }
            let parameters: [String: Any] = [
                "command": "demo-data", "kind": kind.rawValue, "count": count,
                "test_count": tests, "size": size, "seed": seed,
            ]
            let json = try JSONSerialization.data(withJSONObject: parameters, options: [.sortedKeys, .withoutEscapingSlashes])
            return try writer.finish(attributes: [
                ("resize_mode", .string("generated")), ("skipped", .int(0)),
                ("created_by", .string(String(decoding: json, as: UTF8.self))),
                ("generator", .string(kind.rawValue)), ("seed", .int(Int(truncatingIfNeeded: seed))),
            ])
        } catch {
            writer.discard()
            throw error
        }
    }
}
