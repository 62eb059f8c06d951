// Bicubic and nearest resampling against Pillow, windows, and the crop / pad / stretch policies.
import Datasets
import XCTest

final class ResamplingTests: XCTestCase {
    func testResizeMatchesPillow() {
        for c in Fixtures.manifest.resize {
            let source = Bitmap(
                width: c.source_width, height: c.source_height, channels: c.channels,
                pixels: Fixtures.bytes(c.source))
            let expected = Bitmap(width: c.width, height: c.height, channels: c.channels, pixels: Fixtures.bytes(c.expected))
            let filter = ResamplingFilter(rawValue: c.filter)!
            let actual = source.resized(width: c.width, height: c.height, filter: filter)
            // The issue asks for 99 % within 2 levels; the fixed-point scheme should give equality.
            assertClose(actual, expected, maxDiff: 2, minFraction: 0.99, c.expected)
            assertClose(actual, expected, maxDiff: 0, minFraction: 1, c.expected + " (exact)")
        }
    }

    func testWindowEqualsResizeThenCrop() {
        let source = Bitmap(width: 40, height: 32, channels: 3, pixels: Fixtures.bytes("resize_source.raw"))
        for (w, h) in [(45, 36), (17, 13), (40, 50), (61, 32), (61, 20)] {
            for filter in [ResamplingFilter.bicubic, .nearest] {
                let full = source.resized(width: w, height: h, filter: filter)
                for window in [
                    PixelRect(x: 0, y: 0, width: w, height: h), PixelRect(x: 3, y: 2, width: w - 5, height: h - 4),
                    PixelRect(x: w - 4, y: h - 3, width: 4, height: 3),
                ] {
                    let part = source.resized(width: w, height: h, filter: filter, window: window)
                    XCTAssertEqual(
                        part, full.cropped(x: window.x, y: window.y, width: window.width, height: window.height),
                        "\(filter) \(w)x\(h) window \(window)")
                }
            }
        }
    }

    func testResizeModes() {
        let source = Bitmap(width: 40, height: 32, channels: 3, pixels: Fixtures.bytes("resize_source.raw"))
        // crop: 32 → 24 on the short side, width round(40·24/32) = 30, centre window x = 3.
        let cropped = source.fitted(toSquare: 24, mode: .crop)
        XCTAssertEqual(cropped, source.resized(width: 30, height: 24).cropped(x: 3, y: 0, width: 24, height: 24))
        // pad: 40 → 24 on the long side, height round(32·24/40) = 19, centred at y = 2, black border.
        let padded = source.fitted(toSquare: 24, mode: .pad)
        XCTAssertEqual(padded.width, 24)
        XCTAssertEqual(padded.cropped(x: 0, y: 2, width: 24, height: 19), source.resized(width: 24, height: 19))
        XCTAssertEqual(padded.cropped(x: 0, y: 0, width: 24, height: 2).pixels.max(), 0)
        XCTAssertEqual(padded.cropped(x: 0, y: 21, width: 24, height: 3).pixels.max(), 0)
        XCTAssertEqual(source.fitted(toSquare: 24, mode: .stretch), source.resized(width: 24, height: 24))
        let square = source.fitted(toSquare: 16, mode: .stretch)
        XCTAssertEqual(square.fitted(toSquare: 16, mode: .crop), square)
        // Label maps keep their values under nearest.
        let labels = Bitmap(width: 20, height: 15, channels: 1, pixels: Fixtures.bytes("resize_labels.raw"))
        let fitted = labels.fitted(toSquare: 33, mode: .crop, filter: .nearest)
        XCTAssertTrue(Set(fitted.pixels).isSubset(of: Set(labels.pixels)))
    }

    func testOrientationsAreTheDihedralGroup() {
        let image = Bitmap(width: 3, height: 2, channels: 1, pixels: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(image.applyingOrientation(2).pixels, [3, 2, 1, 6, 5, 4])
        XCTAssertEqual(image.applyingOrientation(3).pixels, [6, 5, 4, 3, 2, 1])
        XCTAssertEqual(image.applyingOrientation(6).pixels, [4, 1, 5, 2, 6, 3])  // 90° clockwise
        XCTAssertEqual(image.applyingOrientation(8).pixels, [3, 6, 2, 5, 1, 4])  // 90° anticlockwise
        XCTAssertEqual(image.applyingOrientation(6).width, 2)
    }
}
