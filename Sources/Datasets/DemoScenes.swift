// Demo generator G4 "scenes": paired label maps and images for exemplar-based translation
// (CoCosNet), with an exact answer. A scene is a label map — sky, mountains below a ridge, the
// ground below a horizon, an elliptic lake, round trees — and a style is a palette (one colour
// per class) with a texture (amplitude and grain of a value noise). Image = palette[label] +
// texture, clamped to 0...255.
//
// Layout of the file (DatasetLayout.swift): split `train` holds scene k (key k) in its own style
// (key k), its label map, and retrieval lists by the label-histogram rule (ExemplarLists.swift).
// Split `test` holds scene k (key 2⁴⁰ + k) in its own style, its label map, an exemplar
// `exemplars[k, 0]` = a training image drawn from the stream (seed, key, "demo.scenes.exemplar"),
// and `truth[k]`: the test label map rendered in that exemplar's style (its palette and texture
// settings, over the test scene's noise field). Every draw is keyed by (seed, key) alone, so the
// file does not depend on the number of threads.
import Foundation
import TensorCore

/// The "scenes" data: label maps of landscapes, each rendered in a random style.
public struct ScenesGenerator: Sendable {
    /// The seed all scenes and styles derive from.
    public let seed: UInt64

    /// Class ids of the label map.
    public enum Label: Int, CaseIterable, Sendable {
        case sky = 0
        case mountains
        case water
        case ground
        case trees
    }

    /// How a scene is painted.
    public struct Style: Equatable, Sendable {
        /// RGB colour per label, each channel in 20...235.
        public let palette: [[Double]]
        /// Peak-to-peak texture amplitude (the texture lies in ±amplitude/2).
        public let textureAmplitude: Double
        /// Lattice cells per side of the texture noise (its grain).
        public let textureCells: Int
    }

    /// Scenes and styles for `seed`.
    public init(seed: UInt64) { self.seed = seed }

    /// The style of image `key`.
    public func style(_ key: UInt64) -> Style {
        var random = RandomStream(components: [seed, key, StableHash.value(of: "demo.scenes.style")])
        let palette = Label.allCases.map { _ in (0..<3).map { _ in 20 + 215 * random.nextDouble() } }
        let amplitude = 4 + 28 * random.nextDouble()
        let cells = [4, 8, 16, 32][random.nextInt(below: 4)]
        return Style(palette: palette, textureAmplitude: amplitude, textureCells: cells)
    }

    /// The label map of scene `key`, `size` × `size`, row-major.
    public func labels(_ key: UInt64, size: Int) -> [UInt8] {
        var random = RandomStream(components: [seed, key, StableHash.value(of: "demo.scenes.layout")])
        let s = Double(size)
        let horizonLevel = 0.45 + 0.15 * random.nextDouble(), tilt = 0.1 * (random.nextDouble() - 0.5)
        func horizon(_ x: Double) -> Double { s * (horizonLevel + tilt * (x / s - 0.5)) }
        // Mountains: the upper envelope of 1–3 triangular peaks standing on the horizon.
        let peaks = (0..<1 + random.nextInt(below: 3)).map { _ in
            (x: s * random.nextDouble(), height: s * (0.1 + 0.25 * random.nextDouble()), slope: 0.6 + 1.2 * random.nextDouble())
        }
        func ridge(_ x: Double) -> Double {
            peaks.reduce(horizon(x)) { top, peak in Swift.min(top, horizon(x) - (peak.height - peak.slope * abs(x - peak.x))) }
        }
        // A lake (70 % of scenes): an ellipse centred below the horizon.
        let hasLake = random.nextDouble() < 0.7
        let lake = (
            x: s * (0.2 + 0.6 * random.nextDouble()), y: s * (horizonLevel + 0.1 + 0.3 * random.nextDouble()),
            rx: s * (0.12 + 0.2 * random.nextDouble()), ry: s * (0.04 + 0.1 * random.nextDouble())
        )
        // 0–4 round trees on the ground.
        let trees = (0..<random.nextInt(below: 5)).map { _ in
            (
                x: s * random.nextDouble(), y: s * (horizonLevel + 0.05 + 0.45 * random.nextDouble()),
                r: s * (0.04 + 0.06 * random.nextDouble())
            )
        }
        var map = [UInt8](repeating: 0, count: size * size)
        for y in 0..<size {
            for x in 0..<size {
                let px = Double(x) + 0.5, py = Double(y) + 0.5
                var label = Label.sky
                if py >= horizon(px) {
                    label = .ground
                    let dx = (px - lake.x) / lake.rx, dy = (py - lake.y) / lake.ry
                    if hasLake && dx * dx + dy * dy <= 1 { label = .water }
                } else if py >= ridge(px) {
                    label = .mountains
                }
                for tree in trees where (px - tree.x) * (px - tree.x) + (py - tree.y) * (py - tree.y) <= tree.r * tree.r {
                    label = .trees
                }
                map[y * size + x] = UInt8(label.rawValue)
            }
        }
        return map
    }

    /// The texture of scene `key` at `style`'s grain and amplitude, in ±amplitude/2.
    public func texture(_ key: UInt64, style: Style, size: Int) -> [Double] {
        var random = RandomStream(components: [seed, key, UInt64(style.textureCells), StableHash.value(of: "demo.scenes.texture")])
        let noise = ValueNoise(octaves: [(style.textureCells, 1.0)], random: &random)
        let s = Double(size)
        return (0..<size * size).map { i in
            style.textureAmplitude * (noise.value((Double(i % size) + 0.5) / s, (Double(i / size) + 0.5) / s) - 0.5)
        }
    }

    /// Label map `labels` of scene `key` painted in `style`.
    public func paint(_ labels: [UInt8], scene key: UInt64, style: Style, size: Int) -> Bitmap {
        let texture = self.texture(key, style: style, size: size)
        var pixels = [UInt8](repeating: 0, count: size * size * 3)
        for i in 0..<size * size {
            let colour = style.palette[Int(labels[i])]
            for c in 0..<3 { pixels[i * 3 + c] = UInt8(Swift.max(0, Swift.min(255, (colour[c] + texture[i]).rounded()))) }
        }
        return Bitmap(width: size, height: size, channels: 3, pixels: pixels)
    }

    /// Scene `key` in its own style, with its label map (one channel).
    public func render(_ key: UInt64, size: Int) -> (image: Bitmap, labels: Bitmap) {
        let map = labels(key, size: size)
        return (paint(map, scene: key, style: style(key), size: size), Bitmap(width: size, height: size, channels: 1, pixels: map))
    }

    /// The training image used as the exemplar of test scene `key`, of `trainCount`.
    public func exemplar(ofTest key: UInt64, trainCount: Int) -> Int {
        var random = RandomStream(components: [seed, key, StableHash.value(of: "demo.scenes.exemplar")])
        return random.nextInt(below: trainCount)
    }

    /// The key of test scene `k` (training scene k has key k).
    public static func testKey(_ k: Int) -> UInt64 { (1 << 40) + UInt64(k) }
}

extension DemoDataset {
    /// Writes the paired "scenes" data (file header): `count` training and `testCount` test scenes.
    static func writeScenes(count: Int, testCount: Int, size: Int, seed: UInt64, to path: String, gzipLevel: Int?) throws -> String {
        let generator = ScenesGenerator(seed: seed)
        let writer = try DatasetWriter(
            path: path, imageSize: size,
            splits: [("train", SplitContents(labels: true, truth: false)), ("test", SplitContents(labels: true, truth: true))],
            gzipLevel: gzipLevel)
        do {
            var exemplars: [Int] = []
            for (split, n) in [("train", count), ("test", testCount)] {
                // Rendered on all cores, written in order.
                var prepared = [(name: String, image: Bitmap, labels: Bitmap, truth: Bitmap?, exemplar: Int?)?](repeating: nil, count: n)
                prepared.withUnsafeMutableBufferPointer { slots in
                    let slots = slots
                    Parallel.forEachTask(n) { k in
                        let key = split == "train" ? UInt64(k) : ScenesGenerator.testKey(k)
                        let (image, labels) = generator.render(key, size: size)
                        var truth: Bitmap?, exemplar: Int?
                        if split == "test" {
                            let j = generator.exemplar(ofTest: key, trainCount: count)
                            truth = generator.paint(labels.pixels, scene: key, style: generator.style(UInt64(j)), size: size)
                            exemplar = j
                        }
                        slots[k] = ("scenes/\(split)/" + String(format: "%06d", k), image, labels, truth, exemplar)
                    }
                }
                for item in prepared {
                    let (name, image, labels, truth, exemplar) = item!
                    try writer.append(to: split, name: name, image: image, labels: labels, truth: truth)
                    if let exemplar { exemplars.append(exemplar) }
                }
            }
            // The training lists: the histogram rule, applied by the writer.
            try writer.setExemplars(ExemplarTable(rows: exemplars.map { [$0] }), for: "test")
            let parameters: [String: Any] = [
                "command": "demo-data", "kind": DemoKind.scenes.rawValue, "count": count, "test_count": testCount, "size": size,
                "seed": seed,
            ]
            let json = try JSONSerialization.data(withJSONObject: parameters, options: [.sortedKeys, .withoutEscapingSlashes])
            return try writer.finish(attributes: [
                ("resize_mode", .string("generated")), ("skipped", .int(0)),
                ("created_by", .string(String(decoding: json, as: UTF8.self))),
                ("generator", .string(DemoKind.scenes.rawValue)), ("seed", .int(Int(truncatingIfNeeded: seed))),
                ("num_classes", .int(ScenesGenerator.Label.allCases.count)),
            ])
        } catch {
            writer.discard()
            throw error
        }
    }
}
