// The training-time augmentation of the reference implementations: resize to the load size
// (bicubic for images, nearest for label maps), a random crop to the crop size, a random
// horizontal flip, and conversion to float in [-1, 1] (label maps: class ids as floats).
//
// The random choices of a sample come from the stream (seed, epoch, position in the epoch,
// domain), never from a per-rank or per-thread generator, so they do not depend on the number
// of ranks or on the order in which samples are prepared, and a resumed run repeats them.
import TensorCore

/// Crop offsets and flip of one sample.
public struct AugmentationChoice: Equatable, Sendable {
    /// Left edge of the crop in the resized image.
    public let x: Int
    /// Top edge of the crop in the resized image.
    public let y: Int
    /// Whether the crop is mirrored left to right.
    public let flip: Bool

    /// A crop at (x, y), mirrored or not.
    public init(x: Int, y: Int, flip: Bool) {
        self.x = x
        self.y = y
        self.flip = flip
    }
}

/// Which image of a sample an augmentation stream belongs to.
public enum AugmentationDomain: UInt64, Sendable {
    /// The A image (and, for paired data, its label map, which shares the A choice).
    case a = 0
    /// The B image (drawn independently of A).
    case b = 1
}

/// Resize, random crop and random flip, as configured by `load_size`, `crop_size` and `flip`.
///
/// ```swift
/// let augment = Augmentation(loadSize: 286, cropSize: 256, flip: true)
/// let choice = augment.choice(seed: 1, epoch: 0, position: 17, domain: .a)
/// augment.apply(image, choice, into: batch.data + i * 3 * 256 * 256)
/// ```
public struct Augmentation: Equatable, Sendable {
    /// Side of the square the stored image is resized to (`load_size`).
    public let loadSize: Int
    /// Side of the random square crop (`crop_size`), at most `loadSize`.
    public let cropSize: Int
    /// Whether to mirror half of the samples (`flip`).
    public let flip: Bool

    /// The reference's settings: 286, 256, flip.
    public init(loadSize: Int = 286, cropSize: Int = 256, flip: Bool = true) {
        precondition(
            cropSize >= 1 && loadSize >= cropSize,
            "Augmentation: crop size \(cropSize) must be between 1 and the load size \(loadSize)")
        self.loadSize = loadSize
        self.cropSize = cropSize
        self.flip = flip
    }

    /// No augmentation: the image is only converted (and resized when not `size` × `size`).
    public static func none(size: Int) -> Augmentation { Augmentation(loadSize: size, cropSize: size, flip: false) }

    /// The random choices for the sample at `position` of `epoch`.
    public func choice(seed: UInt64, epoch: Int, position: Int, domain: AugmentationDomain) -> AugmentationChoice {
        var stream = RandomStream(components: [seed, UInt64(epoch), UInt64(position), StableHash.value(of: "augment"), domain.rawValue])
        let slack = loadSize - cropSize
        let x = slack > 0 ? stream.nextInt(below: slack + 1) : 0
        let y = slack > 0 ? stream.nextInt(below: slack + 1) : 0
        let mirrored = flip && stream.nextFloat() < 0.5
        return AugmentationChoice(x: x, y: y, flip: mirrored)
    }

    /// The crop of `image` resized to the load size (bicubic), possibly mirrored.
    public func augmented(_ image: Bitmap, _ choice: AugmentationChoice, filter: ResamplingFilter = .bicubic) -> Bitmap {
        let window = PixelRect(x: choice.x, y: choice.y, width: cropSize, height: cropSize)
        let cropped =
            image.width == loadSize && image.height == loadSize
            ? image.cropped(x: window.x, y: window.y, width: cropSize, height: cropSize)
            : image.resized(width: loadSize, height: loadSize, filter: filter, window: window)
        return choice.flip ? cropped.flippedHorizontally() : cropped
    }

    /// Augments an image and writes it as `C × crop × crop` floats in [-1, 1] (`x/127.5 − 1`).
    public func apply(_ image: Bitmap, _ choice: AugmentationChoice, into destination: UnsafeMutablePointer<Float>) {
        let crop = augmented(image, choice)
        Augmentation.writePlanar(crop, into: destination, table: Augmentation.unitRange)
    }

    /// Augments a label map (nearest) and writes its class ids as `1 × crop × crop` floats.
    public func applyToLabels(_ labels: Bitmap, _ choice: AugmentationChoice, into destination: UnsafeMutablePointer<Float>) {
        let crop = augmented(labels, choice, filter: .nearest)
        Augmentation.writePlanar(crop, into: destination, table: Augmentation.identity)
    }

    /// `Float(v)/127.5 − 1` for every byte value.
    static let unitRange: [Float] = (0..<256).map { Float($0) / 127.5 - 1 }
    /// `Float(v)` for every byte value.
    static let identity: [Float] = (0..<256).map { Float($0) }

    /// Interleaved bytes (H, W, C) to planar floats (C, H, W) through a lookup table.
    static func writePlanar(_ image: Bitmap, into destination: UnsafeMutablePointer<Float>, table: [Float]) {
        let plane = image.width * image.height, c = image.channels
        table.withUnsafeBufferPointer { t in
            image.pixels.withUnsafeBufferPointer { src in
                for ch in 0..<c {
                    let out = destination + ch * plane
                    for i in 0..<plane { out[i] = t[Int(src[i * c + ch])] }
                }
            }
        }
    }
}
