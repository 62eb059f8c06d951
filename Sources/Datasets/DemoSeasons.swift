// Demo generator G2 "seasons": a summer → winter relighting of a label map, with an exact
// answer — a procedural analogue of CycleGAN's summer2winter_yosemite task (one of the data sets
// junyanz/pytorch-CycleGAN-and-pix2pix downloads, in datasets/download_cyclegan_dataset.sh).
//
// A scene is a label map — sky above a sinusoidal horizon, ground below it, rock where a
// fractal value noise passes a threshold, and 1–5 triangle trees — plus one low-amplitude
// texture field shared by both renderings. A = summer palette[label] + texture, B = winter
// palette[label] + texture, clamped to 0...255.
import Foundation
import TensorCore

/// The "seasons" scenes: a landscape in summer (A) and the same landscape in winter (B).
public struct SeasonsGenerator: DemoGenerator {
    /// The seed all scenes derive from.
    public let seed: UInt64

    /// Class ids of the label map.
    public enum Label: Int, CaseIterable {
        /// Above the horizon.
        case sky = 0
        /// Below the horizon.
        case ground
        /// Ground where the fractal noise passes the scene's threshold.
        case rock
        /// Inside a triangle tree.
        case tree
    }

    /// Summer colours by label: blue sky, green ground, brown rock, dark green trees.
    public static let summer: [[Double]] = [[110, 170, 235], [90, 170, 70], [130, 100, 70], [30, 100, 40]]
    /// Winter colours by label: grey sky, snow, dark rock, frosted trees.
    public static let winter: [[Double]] = [[185, 190, 200], [240, 240, 245], [70, 65, 65], [200, 215, 210]]

    /// Scenes for `seed`.
    public init(seed: UInt64) { self.seed = seed }

    /// The label map and texture of scene `index` at side `size`.
    public func scene(_ index: UInt64, size: Int) -> (labels: [UInt8], texture: [Double]) {
        var random = RandomStream(components: [seed, index, StableHash.value(of: "demo.seasons")])
        let s = Double(size)
        let a1 = 0.03 + 0.05 * random.nextDouble(), f1 = 0.5 + random.nextDouble(), p1 = 2 * Double.pi * random.nextDouble()
        let a2 = 0.01 + 0.02 * random.nextDouble(), f2 = 2 + 2 * random.nextDouble(), p2 = 2 * Double.pi * random.nextDouble()
        func horizon(_ x: Double) -> Double {
            s * (0.35 + a1 * sin(2 * Double.pi * f1 * x / s + p1) + a2 * sin(2 * Double.pi * f2 * x / s + p2))
        }
        let rockNoise = ValueNoise(octaves: [(4, 1.0), (8, 0.5), (16, 0.25)], random: &random)
        let threshold = 0.55 + 0.1 * random.nextDouble()
        let trees = (0..<1 + random.nextInt(below: 5)).map { _ -> (x: Double, base: Double, height: Double, halfWidth: Double) in
            let x = s * random.nextDouble()
            let base = Swift.min(0.95 * s, horizon(x) + s * (0.05 + 0.5 * random.nextDouble()))
            return (x, base, s * (0.12 + 0.18 * random.nextDouble()), s * (0.04 + 0.05 * random.nextDouble()))
        }
        let textureNoise = ValueNoise(octaves: [(16, 1.0), (32, 0.5)], random: &random)

        var labels = [UInt8](repeating: 0, count: size * size)
        var texture = [Double](repeating: 0, count: size * size)
        for y in 0..<size {
            for x in 0..<size {
                let px = Double(x) + 0.5, py = Double(y) + 0.5
                var label = Label.sky
                if py >= horizon(px) {
                    label = rockNoise.value(px / s, py / s) > threshold ? .rock : .ground
                }
                for tree in trees {
                    let top = tree.base - tree.height
                    if py >= top && py <= tree.base && abs(px - tree.x) <= tree.halfWidth * (py - top) / tree.height {
                        label = .tree
                    }
                }
                labels[y * size + x] = UInt8(label.rawValue)
                texture[y * size + x] = 24 * (textureNoise.value(px / s, py / s) - 0.5)
            }
        }
        return (labels, texture)
    }

    public func render(scene index: UInt64, size: Int) -> (a: Bitmap, b: Bitmap) {
        let (labels, texture) = scene(index, size: size)
        func paint(_ palette: [[Double]]) -> Bitmap {
            var pixels = [UInt8](repeating: 0, count: size * size * 3)
            for i in 0..<size * size {
                let colour = palette[Int(labels[i])]
                for c in 0..<3 { pixels[i * 3 + c] = UInt8(Swift.max(0, Swift.min(255, (colour[c] + texture[i]).rounded()))) }
            }
            return Bitmap(width: size, height: size, channels: 3, pixels: pixels)
        }
        return (paint(SeasonsGenerator.summer), paint(SeasonsGenerator.winter))
    }
}

/// Smooth random noise in [0, 1] on the unit square: a sum of octaves, each bilinear (with
/// smoothstep easing) interpolation of random values on a square lattice.
struct ValueNoise {
    private let layers: [(cells: Int, weight: Double, lattice: [Double])]
    private let totalWeight: Double

    /// Octaves of `cells` lattice cells per side, weighted; lattice values come from `random`.
    init(octaves: [(cells: Int, weight: Double)], random: inout RandomStream) {
        layers = octaves.map { octave in
            let side = octave.cells + 1
            return (octave.cells, octave.weight, (0..<side * side).map { _ in random.nextDouble() })
        }
        totalWeight = octaves.reduce(0) { $0 + $1.weight }
    }

    /// The noise at (x, y) in [0, 1]².
    func value(_ x: Double, _ y: Double) -> Double {
        var sum = 0.0
        for layer in layers {
            let n = layer.cells, side = n + 1
            let gx = Swift.min(Double(n) - 1e-9, Swift.max(0, x * Double(n)))
            let gy = Swift.min(Double(n) - 1e-9, Swift.max(0, y * Double(n)))
            let ix = Int(gx), iy = Int(gy)
            let tx = ValueNoise.ease(gx - Double(ix)), ty = ValueNoise.ease(gy - Double(iy))
            let l = layer.lattice
            let top = l[iy * side + ix] * (1 - tx) + l[iy * side + ix + 1] * tx
            let bottom = l[(iy + 1) * side + ix] * (1 - tx) + l[(iy + 1) * side + ix + 1] * tx
            sum += layer.weight * (top * (1 - ty) + bottom * ty)
        }
        return sum / totalWeight
    }

    private static func ease(_ t: Double) -> Double { t * t * (3 - 2 * t) }
}
