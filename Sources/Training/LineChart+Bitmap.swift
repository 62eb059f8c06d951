// Drawing a ``LineChart`` into a bitmap (for `i2i plot`): the same layout, ticks and colours as
// the run page's SVG, with lines two pixels wide and text in the built-in ``BitmapFont``.
import Datasets

extension LineChart {
    /// The chart as an RGB bitmap of `width` × `height`.
    public func bitmap() -> Bitmap {
        var canvas = Bitmap(width: width, height: height, channels: 3, repeating: 255)
        draw(into: &canvas, x: 0, y: 0)
        return canvas
    }

    /// Draws the chart with its top-left corner at (`x`, `y`) of `canvas`.
    public func draw(into canvas: inout Bitmap, x: Int, y: Int) {
        let ink: [UInt8] = [40, 40, 40], grid: [UInt8] = [225, 225, 225], axis: [UInt8] = [85, 85, 85]
        let plotRight = width - LineChart.right, plotBottom = height - LineChart.bottom
        BitmapFont.draw(title, into: &canvas, x: x + LineChart.left, y: y + 6, colour: ink)
        for tick in valueTicks {
            let ty = Int(position(step: stepTicks[0], value: tick.value).y.rounded())
            LineChart.line(&canvas, x + LineChart.left, y + ty, x + plotRight, y + ty, colour: grid, thickness: 1)
            let labelWidth = BitmapFont.width(of: tick.label)
            BitmapFont.draw(tick.label, into: &canvas, x: x + LineChart.left - 4 - labelWidth, y: y + ty - 4, colour: ink)
        }
        for step in stepTicks {
            let tx = Int(position(step: step, value: valueTicks[0].value).x.rounded())
            let label = String(step)
            BitmapFont.draw(label, into: &canvas, x: x + tx - BitmapFont.width(of: label) / 2, y: y + plotBottom + 5, colour: ink)
        }
        BitmapFont.draw("step", into: &canvas, x: x + plotRight - BitmapFont.width(of: "step"), y: y + height - 10, colour: axis)
        LineChart.line(&canvas, x + LineChart.left, y + LineChart.top, x + LineChart.left, y + plotBottom, colour: axis, thickness: 1)
        LineChart.line(&canvas, x + LineChart.left, y + plotBottom, x + plotRight, y + plotBottom, colour: axis, thickness: 1)
        for (i, s) in series.enumerated() {
            let (r, g, b) = LineChart.colour(i)
            let points = drawable(s).map { position(step: $0.step, value: $0.value) }
            for (a, c) in zip(points, points.dropFirst()) {
                LineChart.line(
                    &canvas, x + Int(a.x.rounded()), y + Int(a.y.rounded()), x + Int(c.x.rounded()), y + Int(c.y.rounded()),
                    colour: [r, g, b], thickness: 2)
            }
            if points.count == 1, let p = points.first {
                LineChart.line(&canvas, x + Int(p.x), y + Int(p.y), x + Int(p.x), y + Int(p.y), colour: [r, g, b], thickness: 3)
            }
            let label = s.name
            BitmapFont.draw(
                label, into: &canvas, x: x + plotRight - 4 - BitmapFont.width(of: label), y: y + LineChart.top + 2 + 11 * i,
                colour: [r, g, b])
        }
    }

    /// A straight line from (x0, y0) to (x1, y1) (Bresenham), `thickness` pixels wide; pixels
    /// outside the canvas are clipped.
    static func line(_ canvas: inout Bitmap, _ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, colour: [UInt8], thickness: Int) {
        var x = x0, y = y0
        let dx = abs(x1 - x0), dy = -abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var error = dx + dy
        while true {
            for oy in 0..<thickness {
                for ox in 0..<thickness {
                    let px = x + ox - thickness / 2, py = y + oy - thickness / 2
                    guard px >= 0, py >= 0, px < canvas.width, py < canvas.height else { continue }
                    for ch in 0..<3 { canvas[px, py, ch] = colour[ch] }
                }
            }
            if x == x1 && y == y1 { break }
            let e2 = 2 * error
            if e2 >= dy {
                error += dy
                x += sx
            }
            if e2 <= dx {
                error += dx
                y += sy
            }
        }
    }
}
