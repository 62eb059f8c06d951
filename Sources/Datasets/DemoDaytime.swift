// Demo generator G3 "daytime": the seasons landscapes (DemoSeasons.swift) seen at a random time
// of day, a style that the scene does not determine — data that scores a multimodal model
// (MUNIT) on whether it takes the style it is given.
//
// A scene's content is the seasons label map and texture. Its appearance in each domain is a
// light level ℓ ∈ [0.4, 1] and a warmth w ∈ [-1, 1] (evening red against morning blue), drawn
// per scene and per domain from their own stream, independent of the content:
//   pixel_c = clamp((palette[label]_c + texture) · ℓ · g_c(w), 0, 255),
//   g(w) = (1 + 0.3·w, 1, 1 − 0.3·w),
// with the summer palette for A and the winter palette for B.
//
// Test splits pair up index by index (DemoDataset.swift): the truth of testA[i] is its scene in
// winter with the appearance of testB[i], and the truth of testB[i] its scene in summer with the
// appearance of testA[i]. So `i2i translate --style-from DATA.h5` (the other test split, in
// order) gives each input the style of its truth, and a random style code does not.
import Foundation
import TensorCore

/// The "daytime" scenes: summer (A) and winter (B) landscapes, each at its own time of day.
public struct DaytimeGenerator: DemoGenerator {
    /// The seed all scenes derive from.
    public let seed: UInt64
    private let seasons: SeasonsGenerator

    /// A domain's appearance: the light level and the warmth of the light.
    public struct Appearance: Equatable, Sendable {
        /// Multiplies every channel: 1 is midday, 0.4 late evening.
        public var light: Double
        /// −1 cold (blue) to 1 warm (red) light.
        public var warmth: Double

        /// The per-channel gain (R, G, B).
        public var gains: [Double] { [light * (1 + 0.3 * warmth), light, light * (1 - 0.3 * warmth)] }
    }

    /// Scenes for `seed`.
    public init(seed: UInt64) {
        self.seed = seed
        seasons = SeasonsGenerator(seed: seed)
    }

    /// The appearance of scene `index` in domain A and in domain B.
    public func appearances(of index: UInt64) -> (a: Appearance, b: Appearance) {
        var random = RandomStream(components: [seed, index, StableHash.value(of: "demo.daytime.appearance")])
        func draw() -> Appearance { Appearance(light: 0.4 + 0.6 * random.nextDouble(), warmth: 2 * random.nextDouble() - 1) }
        let a = draw()
        return (a, draw())
    }

    public func render(scene index: UInt64, size: Int) -> (a: Bitmap, b: Bitmap) {
        render(scene: index, styleOf: index, size: size)
    }

    public func render(scene index: UInt64, styleOf styleScene: UInt64, size: Int) -> (a: Bitmap, b: Bitmap) {
        let (labels, texture) = seasons.scene(index, size: size)
        let look = appearances(of: styleScene)
        func paint(_ palette: [[Double]], _ appearance: Appearance) -> Bitmap {
            let gains = appearance.gains
            var pixels = [UInt8](repeating: 0, count: size * size * 3)
            for i in 0..<size * size {
                let colour = palette[Int(labels[i])]
                for c in 0..<3 {
                    let value = (colour[c] + texture[i]) * gains[c]
                    pixels[i * 3 + c] = UInt8(Swift.max(0, Swift.min(255, value.rounded())))
                }
            }
            return Bitmap(width: size, height: size, channels: 3, pixels: pixels)
        }
        return (paint(SeasonsGenerator.summer, look.a), paint(SeasonsGenerator.winter, look.b))
    }
}
