// Laying images out in a grid (for the sample sheets that training writes and `i2i inspect
// --grid`), and colouring label maps so they can be looked at. Pictures for people, not dataset
// contents, so they live here rather than in Datasets.
import Datasets
import Foundation

/// Builds one picture out of rows of pictures.
public enum ImageGrid {
    /// The rows side by side and one under another, separated by `gap` pixels of `background`
    /// grey; cells take the size of the largest image, smaller ones sit at their top-left.
    ///
    /// Grey and label images (one channel) are shown as grey RGB.
    public static func compose(_ rows: [[Bitmap]], gap: Int = 2, background: UInt8 = 255) -> Bitmap {
        let all = rows.flatMap { $0 }
        guard let first = all.first else { return Bitmap(width: 1, height: 1, channels: 3, repeating: background) }
        let cellWidth = all.map(\.width).max() ?? first.width, cellHeight = all.map(\.height).max() ?? first.height
        let columns = rows.map(\.count).max() ?? 1
        let width = columns * cellWidth + (columns + 1) * gap, height = rows.count * cellHeight + (rows.count + 1) * gap
        var canvas = Bitmap(width: width, height: height, channels: 3, repeating: background)
        for (r, row) in rows.enumerated() {
            for (c, image) in row.enumerated() {
                let x0 = gap + c * (cellWidth + gap), y0 = gap + r * (cellHeight + gap)
                for y in 0..<image.height {
                    for x in 0..<image.width {
                        for ch in 0..<3 {
                            canvas[x0 + x, y0 + y, ch] = image[x, y, image.channels == 3 ? ch : 0]
                        }
                    }
                }
            }
        }
        return canvas
    }
}

extension Bitmap {
    /// A label map (one channel of class ids) drawn in a fixed colour per class, the same in
    /// every file: class 0 is black, the others spread over the hue circle.
    public func colourizedLabels() -> Bitmap {
        precondition(channels == 1, "colourizedLabels: needs a one-channel label map")
        let palette: [[UInt8]] = (0..<256).map { id in
            if id == 0 { return [0, 0, 0] }
            // Golden-angle steps around the hue circle, at two brightness levels.
            let hue = (Double(id) * 0.618_033_988_75).truncatingRemainder(dividingBy: 1) * 6
            let value: Double = id % 2 == 0 ? 255 : 190
            let f = hue - hue.rounded(.down)
            let (p, q, t) = (0.0, value * (1 - f), value * f)
            let rgb: (Double, Double, Double)
            switch Int(hue) {
            case 0: rgb = (value, t, p)
            case 1: rgb = (q, value, p)
            case 2: rgb = (p, value, t)
            case 3: rgb = (p, q, value)
            case 4: rgb = (t, p, value)
            default: rgb = (value, p, q)
            }
            return [UInt8(rgb.0.rounded()), UInt8(rgb.1.rounded()), UInt8(rgb.2.rounded())]
        }
        var out = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<width * height { out.replaceSubrange(i * 3..<i * 3 + 3, with: palette[Int(pixels[i])]) }
        return Bitmap(width: width, height: height, channels: 3, pixels: out)
    }
}

extension ImageGrid {
    /// A row label that ends in a parenthesised list of as many names as there are columns
    /// (`A → B (input, translation, reconstruction, cycle)`) names the columns: the row keeps
    /// the text before it (`A → B`).
    public static func splitRowLabel(_ label: String, columns: Int) -> (row: String, columns: [String]?) {
        guard label.hasSuffix(")"), let open = label.lastIndex(of: "(") else { return (label, nil) }
        let names = label[label.index(after: open)..<label.index(before: label.endIndex)]
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard names.count == columns, !names.contains(where: \.isEmpty) else { return (label, nil) }
        return (label[..<open].trimmingCharacters(in: .whitespaces), names)
    }

    /// The rows as ``compose(_:gap:background:)`` lays them out, with `columnLabels` drawn above
    /// the columns and `rowLabels` to the left of the rows in the built-in ``BitmapFont``
    /// (twice its size for cells of 128 pixels or more); each image is centred in its cell,
    /// which is wide enough for its column's label.
    public static func composeLabelled(
        _ rows: [[Bitmap]], rowLabels: [String], columnLabels: [String], gap: Int = 2, background: UInt8 = 255
    ) -> Bitmap {
        let all = rows.flatMap { $0 }
        guard !all.isEmpty else { return compose(rows, gap: gap, background: background) }
        let imageWidth = all.map(\.width).max()!, cellHeight = all.map(\.height).max()!
        let scale = cellHeight >= 128 ? 2 : 1
        let columns = max(rows.map(\.count).max() ?? 1, columnLabels.count)
        let labelWidth = columnLabels.map { BitmapFont.width(of: $0, scale: scale) }.max() ?? 0
        let cellWidth = max(imageWidth, labelWidth)
        let textHeight = BitmapFont.glyphHeight * scale
        let header = columnLabels.isEmpty ? 0 : textHeight + 2 * gap
        let margin = rowLabels.isEmpty ? 0 : (rowLabels.map { BitmapFont.width(of: $0, scale: scale) }.max() ?? 0) + 2 * gap
        let width = margin + columns * cellWidth + (columns + 1) * gap
        let height = header + rows.count * cellHeight + (rows.count + 1) * gap
        var canvas = Bitmap(width: width, height: height, channels: 3, repeating: background)
        let ink: [UInt8] = [40, 40, 40]
        for (c, label) in columnLabels.enumerated() {
            let x0 = margin + gap + c * (cellWidth + gap)
            BitmapFont.draw(
                label, into: &canvas, x: x0 + (cellWidth - BitmapFont.width(of: label, scale: scale)) / 2, y: gap, scale: scale, colour: ink
            )
        }
        for (r, row) in rows.enumerated() {
            let y0 = header + gap + r * (cellHeight + gap)
            if r < rowLabels.count {
                BitmapFont.draw(rowLabels[r], into: &canvas, x: gap, y: y0 + (cellHeight - textHeight) / 2, scale: scale, colour: ink)
            }
            for (c, image) in row.enumerated() {
                let x0 = margin + gap + c * (cellWidth + gap) + (cellWidth - image.width) / 2
                for y in 0..<image.height {
                    for x in 0..<image.width {
                        for ch in 0..<3 { canvas[x0 + x, y0 + y, ch] = image[x, y, image.channels == 3 ? ch : 0] }
                    }
                }
            }
        }
        return canvas
    }
}
