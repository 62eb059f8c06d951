// Demo generator G1 "stripes": a procedural analogue, with an exact answer, of CycleGAN's
// horse2zebra task (one of the data sets junyanz/pytorch-CycleGAN-and-pix2pix downloads, in
// datasets/download_cyclegan_dataset.sh). Training uses A and B of different scenes (unpaired);
// the test splits also store each image's true translation, so a translation can be scored.
//
// A scene is a background colour and 1–3 ellipses or rectangles (centre, half-axes, rotation,
// flat colour) drawn in order, so later shapes cover earlier ones. A shows the shapes in flat
// colour. B shows the same geometry with each shape's interior striped in its colour and its
// complement (255 − c): the stripes cross the shape's major axis with a period of S/8 pixels,
// and their phase is anchored at the shape's centre, so B is a function of what A shows. The
// background is the same in both. Pixels are sampled at their centres (no antialiasing).
import Foundation
import TensorCore

/// The "stripes" scenes: flat shapes (A) and the same shapes striped (B).
public struct StripesGenerator: DemoGenerator {
    /// The seed all scenes derive from.
    public let seed: UInt64

    /// Scenes for `seed`.
    public init(seed: UInt64) { self.seed = seed }

    struct Shape {
        let isEllipse: Bool
        let centreX: Double, centreY: Double
        /// Half-lengths along the major (u) and minor (v) axes.
        let major: Double, minor: Double
        /// Cosine and sine of the major axis's angle.
        let cosine: Double, sine: Double
        let colour: [UInt8]

        /// The point in the shape's frame: u along the major axis, v across it.
        func frame(_ x: Double, _ y: Double) -> (u: Double, v: Double) {
            let dx = x - centreX, dy = y - centreY
            return (dx * cosine + dy * sine, -dx * sine + dy * cosine)
        }

        func contains(u: Double, v: Double) -> Bool {
            isEllipse ? (u / major) * (u / major) + (v / minor) * (v / minor) <= 1 : abs(u) <= major && abs(v) <= minor
        }
    }

    /// The random scene `index` at side `size`.
    func scene(_ index: UInt64, size: Int) -> (background: [UInt8], shapes: [Shape]) {
        var random = RandomStream(components: [seed, index, StableHash.value(of: "demo.stripes")])
        // Each channel is dark or bright, so a colour and its complement always differ clearly.
        func colour() -> [UInt8] {
            (0..<3).map { _ in
                let bright = random.nextFloat() < 0.5
                return UInt8(bright ? 165 + random.nextInt(below: 91) : random.nextInt(below: 91))
            }
        }
        let background = colour()
        let s = Double(size)
        let shapes = (0..<1 + random.nextInt(below: 3)).map { _ -> Shape in
            let isEllipse = random.nextFloat() < 0.5
            let cx = s * (0.2 + 0.6 * random.nextDouble()), cy = s * (0.2 + 0.6 * random.nextDouble())
            let major = s * (0.15 + 0.2 * random.nextDouble())
            let minor = major * (0.4 + 0.6 * random.nextDouble())
            let angle = Double.pi * random.nextDouble()
            return Shape(
                isEllipse: isEllipse, centreX: cx, centreY: cy, major: major, minor: minor,
                cosine: cos(angle), sine: sin(angle), colour: colour())
        }
        return (background, shapes)
    }

    public func render(scene index: UInt64, size: Int) -> (a: Bitmap, b: Bitmap) {
        let (background, shapes) = scene(index, size: size)
        let halfPeriod = Double(size) / 16
        var a = [UInt8](repeating: 0, count: size * size * 3), b = a
        for y in 0..<size {
            for x in 0..<size {
                // The topmost shape under the pixel, and whether B shows its complement there.
                var top = -1, complement = false
                for (k, shape) in shapes.enumerated() {
                    let (u, v) = shape.frame(Double(x) + 0.5, Double(y) + 0.5)
                    guard shape.contains(u: u, v: v) else { continue }
                    top = k
                    complement = Int((u / halfPeriod).rounded(.down)) & 1 == 1
                }
                let colour = top < 0 ? background : shapes[top].colour
                let at = (y * size + x) * 3
                for c in 0..<3 {
                    a[at + c] = colour[c]
                    b[at + c] = complement ? 255 - colour[c] : colour[c]
                }
            }
        }
        return (Bitmap(width: size, height: size, channels: 3, pixels: a), Bitmap(width: size, height: size, channels: 3, pixels: b))
    }
}
