// Labelled sample grids and the built-in bitmap font, against layouts and pixels worked out by
// hand from the font's 5×8 cells.
import Datasets
import Training
import XCTest

final class LabelledGridTests: XCTestCase {
    func testLayoutAndTextPixels() {
        let image = Bitmap(width: 10, height: 10, channels: 3, repeating: 100)
        let grid = ImageGrid.composeLabelled([[image], [image]], rowLabels: ["A", "B"], columnLabels: ["in"], gap: 2)
        // Header: 8 rows of text + 2 gaps; margin: "A" is 5 wide + 2 gaps; the column is as
        // wide as "in" (2 glyphs: 2 × 6 − 1 = 11) since the image is 10 wide.
        XCTAssertEqual(grid.width, 9 + 11 + 2 * 2)
        XCTAssertEqual(grid.height, 12 + 2 * 10 + 3 * 2)
        // "A" starts at (2, y0 + 1) with y0 = 12 + 2 = 14 and the text centred in 10 rows:
        // its first row is ".###.", so (2, 15) is background and (3, 15) ink.
        XCTAssertEqual(grid[2, 15, 0], 255)
        XCTAssertEqual(grid[3, 15, 0], 40)
        // The image is centred in its 11-pixel cell: columns 11 ..< 21 (x0 = 9 + 2 + 0).
        XCTAssertEqual(grid[11, 14, 0], 100)
        XCTAssertEqual(grid[20, 23, 1], 100)
        XCTAssertEqual(grid[21, 14, 0], 255)
        XCTAssertEqual(BitmapFont.width(of: "reconstruction", scale: 2), (14 * 6 - 1) * 2)
    }

    func testLargeCellsUseTwiceTheFontSize() {
        let image = Bitmap(width: 128, height: 128, channels: 1, repeating: 0)
        let grid = ImageGrid.composeLabelled([[image]], rowLabels: [], columnLabels: ["x"], gap: 2)
        XCTAssertEqual(grid.height, 16 + 4 + 128 + 2 * 2)
        XCTAssertEqual(grid.width, 128 + 2 * 2)
    }

    func testARowLabelCanNameTheColumns() {
        let split = ImageGrid.splitRowLabel("A → B (input, translation, reconstruction, cycle)", columns: 4)
        XCTAssertEqual(split.row, "A → B")
        XCTAssertEqual(split.columns, ["input", "translation", "reconstruction", "cycle"])
        XCTAssertNil(ImageGrid.splitRowLabel("A → B (input, translation)", columns: 3).columns)  // not one name per column
        XCTAssertEqual(ImageGrid.splitRowLabel("A → B → A", columns: 3).row, "A → B → A")
    }
}
