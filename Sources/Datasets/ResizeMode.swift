// How `i2i preprocess` brings photos of any shape to the square size of a dataset file.

/// The policies for fitting an image into a square of side S.
public enum ResizeMode: String, CaseIterable, Sendable {
    /// Shorter side to S (aspect kept), then the centre S × S square.
    case crop
    /// Longer side to S (aspect kept), centred on a black square (class 0 for label maps).
    case pad
    /// Both sides to S (aspect changed).
    case stretch
}

extension Bitmap {
    /// The image fitted into a `size` × `size` square as `mode` says, resampled with `filter`
    /// (bicubic for photographs, nearest for label maps).
    ///
    /// An image already of that size is returned unchanged.
    ///
    /// The scaled side is `round(other · size / side)` (halves away from zero), at least 1.
    public func fitted(toSquare size: Int, mode: ResizeMode, filter: ResamplingFilter = .bicubic) -> Bitmap {
        precondition(size > 0, "fitted(toSquare:): size must be positive")
        if width == size && height == size { return self }
        switch mode {
        case .stretch:
            return resized(width: size, height: size, filter: filter)
        case .crop:
            let (w, h) = Bitmap.scaledSize(width: width, height: height, side: size, fitLonger: false)
            let window = PixelRect(x: (w - size) / 2, y: (h - size) / 2, width: size, height: size)
            return resized(width: w, height: h, filter: filter, window: window)
        case .pad:
            let (w, h) = Bitmap.scaledSize(width: width, height: height, side: size, fitLonger: true)
            let inner = (w == width && h == height) ? self : resized(width: w, height: h, filter: filter)
            var canvas = Bitmap(width: size, height: size, channels: channels, repeating: 0)
            let x0 = (size - w) / 2, y0 = (size - h) / 2
            for y in 0..<h {
                let from = y * inner.rowLength
                let to = ((y0 + y) * size + x0) * channels
                canvas.pixels.replaceSubrange(to..<to + inner.rowLength, with: inner.pixels[from..<from + inner.rowLength])
            }
            return canvas
        }
    }

    /// The size with the shorter (or, with `fitLonger`, the longer) side equal to `side`.
    public static func scaledSize(width: Int, height: Int, side: Int, fitLonger: Bool) -> (width: Int, height: Int) {
        let widthIsReference = fitLonger ? width >= height : width <= height
        if widthIsReference {
            let h = Swift.max(1, Int((Double(height) * Double(side) / Double(width)).rounded()))
            return (side, h)
        } else {
            let w = Swift.max(1, Int((Double(width) * Double(side) / Double(height)).rounded()))
            return (w, side)
        }
    }
}
