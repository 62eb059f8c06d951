// Looking before reading: element counts that overflow are nil, not a trap; element size,
// layout and attribute types and counts are read without reading values; attributes and string
// datasets that declare more than HDF5Kit's limits are refused before anything is allocated.
import HDF5Kit
import XCTest

final class InspectionTests: HDF5TestCase {

    func testCountsSizesAndLayouts() throws {
        let target = try makeFile("inspect.h5") { root in
            _ = try root.createDataset("floats", values: [Float](repeating: 1, count: 6), shape: [2, 3])
            _ = try root.createDataset("chunked", of: UInt8.self, shape: [0, 4], chunkShape: [1, 4], extendible: true)
            _ = try root.createStringDataset("names", ["a", "b"])
            try root.setAttribute("size", 8)
            try root.setAttribute("splits", ["trainA", "trainB", "testA"])
        }
        let root = try HDF5File.open(target).root
        let floats = try root.openDataset("floats")
        XCTAssertEqual(try floats.elementCount, 6)
        XCTAssertEqual(try floats.elementSize, 4)
        XCTAssertTrue(try floats.isContiguous)
        XCTAssertFalse(try root.openDataset("chunked").isContiguous)
        XCTAssertTrue(try root.openDataset("names").hasVariableLengthStrings)
        XCTAssertEqual(try root.attributeType("size"), .int64)
        XCTAssertEqual(try root.attributeType("splits"), .string)
        XCTAssertEqual(try root.attributeElementCount("size"), 1)
        XCTAssertEqual(try root.attributeElementCount("splits"), 3)
        assertHDF5Error(["no such attribute"]) { try root.attributeType("missing") }
    }

    func testProductOverflowIsNil() {
        XCTAssertEqual(HDF5Dataset.product([]), 1)
        XCTAssertEqual(HDF5Dataset.product([2, 3, 4]), 24)
        XCTAssertNil(HDF5Dataset.product([1 << 40, 1 << 40]))
        XCTAssertNil(HDF5Dataset.product([3, -1]))
    }

    func testHugeDeclaredAttributeAndStringsAreRefused() throws {
        let target = path("huge.h5")
        try H5py.run(
            """
            import h5py, numpy as np
            with h5py.File('\(target)', 'w', libver='latest') as f:
                f.attrs.create('many', np.zeros(1 << 21, dtype='u1'))
                f.create_dataset('names', shape=(1 << 40,), dtype=h5py.string_dtype(), chunks=(1024,))
                f.create_dataset('fixed', shape=(1 << 20,), dtype='S4096', chunks=(16,))
            """)
        let root = try HDF5File.open(target).root
        let start = Date()
        assertHDF5Error(["'many'", "2097152 elements"]) { try root.attribute("many") }
        assertHDF5Error(["/names", "1099511627776 strings"]) { try root.openDataset("names").readStrings() }
        assertHDF5Error(["/fixed", "too large to read"]) { try root.openDataset("fixed").readStrings() }
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)
    }
}
