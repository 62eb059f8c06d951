// The 8-bit image type that decoders, resizers, dataset files and demo generators exchange,
// with the EXIF orientation transforms and conversion to and from float tensors.
import TensorCore

/// An image of 8-bit samples: rows top to bottom, channels interleaved (H, W, C), as dataset
/// files store them.
///
/// Colour images have 3 channels (RGB); label maps have 1 (class ids).
///
/// ```swift
/// var image = Bitmap(width: 2, height: 1, channels: 3, repeating: 0)
/// image[1, 0, 0] = 255          // the right pixel becomes red
/// ```
public struct Bitmap: Equatable, Sendable {
    /// Columns.
    public let width: Int
    /// Rows.
    public let height: Int
    /// Samples per pixel: 3 for RGB, 1 for grey or label maps.
    public let channels: Int
    /// `height * width * channels` samples, row-major.
    public var pixels: [UInt8]

    /// An image holding `pixels` (row-major, channels interleaved).
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && channels > 0, "Bitmap: bad size \(width)x\(height)x\(channels)")
        precondition(
            pixels.count == width * height * channels,
            "Bitmap: \(pixels.count) samples do not fill \(width)x\(height)x\(channels)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// An image with every sample set to `value`.
    public init(width: Int, height: Int, channels: Int, repeating value: UInt8) {
        self.init(
            width: width, height: height, channels: channels,
            pixels: [UInt8](repeating: value, count: width * height * channels))
    }

    /// Samples in one row.
    public var rowLength: Int { width * channels }

    /// The sample of channel `c` at column `x`, row `y`.
    public subscript(x: Int, y: Int, c: Int) -> UInt8 {
        get { pixels[(y * width + x) * channels + c] }
        set { pixels[(y * width + x) * channels + c] = newValue }
    }

    /// The pixels inside a rectangle that lies within the image.
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) -> Bitmap {
        precondition(
            x >= 0 && y >= 0 && x + w <= width && y + h <= height,
            "cropped: \(w)x\(h) at (\(x), \(y)) is outside a \(width)x\(height) image")
        var out = [UInt8](repeating: 0, count: w * h * channels)
        for row in 0..<h {
            let from = ((y + row) * width + x) * channels
            out.replaceSubrange(
                row * w * channels..<(row + 1) * w * channels,
                with: pixels[from..<from + w * channels])
        }
        return Bitmap(width: w, height: h, channels: channels, pixels: out)
    }

    /// The image as EXIF orientation `tag` (1...8) says it should be displayed; 1 and unknown
    /// values leave it unchanged.
    ///
    /// Matches Pillow's `ImageOps.exif_transpose`.
    public func applyingOrientation(_ tag: Int) -> Bitmap {
        guard (2...8).contains(tag) else { return self }
        let swapsAxes = tag >= 5
        let outWidth = swapsAxes ? height : width, outHeight = swapsAxes ? width : height
        var out = [UInt8](repeating: 0, count: pixels.count)
        let w = width, h = height
        for y in 0..<outHeight {
            for x in 0..<outWidth {
                // (sx, sy): the stored pixel shown at (x, y).
                let (sx, sy): (Int, Int)
                switch tag {
                case 2: (sx, sy) = (w - 1 - x, y)  // mirror left–right
                case 3: (sx, sy) = (w - 1 - x, h - 1 - y)  // rotate 180°
                case 4: (sx, sy) = (x, h - 1 - y)  // mirror top–bottom
                case 5: (sx, sy) = (y, x)  // transpose
                case 6: (sx, sy) = (y, h - 1 - x)  // rotate 90° clockwise
                case 7: (sx, sy) = (w - 1 - y, h - 1 - x)  // transverse
                default: (sx, sy) = (w - 1 - y, x)  // 8: rotate 90° anticlockwise
                }
                for c in 0..<channels {
                    out[(y * outWidth + x) * channels + c] = pixels[(sy * w + sx) * channels + c]
                }
            }
        }
        return Bitmap(width: outWidth, height: outHeight, channels: channels, pixels: out)
    }

    /// The image mirrored left to right.
    public func flippedHorizontally() -> Bitmap { applyingOrientation(2) }
}

// MARK: - Tensors

extension Bitmap {
    /// Images in [-1, 1] from a float tensor (C, H, W) or (1, C, H, W), as `x/127.5 − 1`
    /// inverted: `round((v + 1) · 127.5)`, clamped to 0...255.
    public init(tensor: Tensor) {
        let shape = tensor.shape
        precondition(
            shape.count == 3 || (shape.count == 4 && shape[0] == 1),
            "Bitmap(tensor:) needs (C, H, W) or (1, C, H, W), not \(shape)")
        let c = shape[shape.count - 3], h = shape[shape.count - 2], w = shape[shape.count - 1]
        var out = [UInt8](repeating: 0, count: c * h * w)
        let data = tensor.data
        for ch in 0..<c {
            for i in 0..<h * w {
                let v = (data[ch * h * w + i] + 1) * 127.5
                out[i * c + ch] = UInt8(Swift.max(0, Swift.min(255, v.rounded())))
            }
        }
        self.init(width: w, height: h, channels: c, pixels: out)
    }

    /// The image as a float tensor (1, C, H, W) in [-1, 1] (`x/127.5 − 1`).
    public func tensor() -> Tensor {
        let t = Tensor(uninitializedShape: [1, channels, height, width])
        let plane = width * height
        pixels.withUnsafeBufferPointer { src in
            for i in 0..<plane {
                for c in 0..<channels {
                    t.data[c * plane + i] = Float(src[i * channels + c]) / 127.5 - 1
                }
            }
        }
        return t
    }

    /// A one-channel label map as class ids, (1, 1, H, W) floats (0, 1, 2, …).
    public func labelTensor() -> Tensor {
        precondition(channels == 1, "labelTensor() needs a one-channel label map, not \(channels) channels")
        let t = Tensor(uninitializedShape: [1, 1, height, width])
        for i in 0..<pixels.count { t.data[i] = Float(pixels[i]) }
        return t
    }
}
