import HDF5Kit
// String datasets: variable-length UTF-8 round trips, empty lists, and type errors.
import XCTest

final class StringTests: HDF5TestCase {

    func testStringDatasetRoundTrip() throws {
        let names = ["a/001.jpg", "b/ü-ñ-日本.png", "", String(repeating: "long", count: 500)]
        try makeFile("strings.h5") { root in
            let d = try root.createStringDataset("trainA/names", names)
            XCTAssertEqual(d.elementType, .string)
            try root.createStringDataset("empty", [])
        }
        let root = try HDF5File.open(path("strings.h5")).root
        let d = try root.openDataset("trainA/names")
        XCTAssertEqual(d.elementType, .string)
        XCTAssertEqual(try d.shape, [4])
        XCTAssertEqual(try d.readStrings(), names)
        XCTAssertEqual(try root.openDataset("empty").readStrings(), [])
    }

    func testOverwriteStrings() throws {
        let file = try HDF5File.create(at: path("overwrite.h5"))
        let d = try file.root.createStringDataset("s", ["x", "y"])
        try d.writeStrings(["p", "q"])
        XCTAssertEqual(try d.readStrings(), ["p", "q"])
        assertHDF5Error(["cannot write strings to dataset '/s'", "holds 2 strings, not 1"]) {
            try d.writeStrings(["only"])
        }
        try file.close()
    }

    func testStringAndNumberDatasetsAreNotConfused() throws {
        let file = try HDF5File.create(at: path("confuse.h5"))
        let s = try file.root.createStringDataset("s", ["x"])
        let f = try file.root.createDataset("f", values: [Float(1)], shape: [1])
        assertHDF5Error(["cannot read dataset '/s'", "it holds strings"]) { try s.read(as: Float.self) }
        assertHDF5Error(["cannot read strings from dataset '/f'", "float32, not strings"]) {
            try f.readStrings()
        }
        try file.close()
    }
}
