import HDF5Kit
// Numeric datasets: round trips for every element type and several ranks, conversion on read,
// chunking with gzip and shuffle, slices along the first axis, and appending.
import XCTest

final class DatasetTests: HDF5TestCase {

    /// Writes `values` with `shape`, reopens the file and checks shape, type and values.
    private func roundTrip<T: HDF5Element & Equatable>(
        _ values: [T], shape: [Int],
        line: UInt = #line
    ) throws {
        let name = "rt-\(T.self)-\(shape.count).h5"
        try makeFile(name) { root in
            try root.createDataset("data", values: values, shape: shape)
        }
        let file = try HDF5File.open(path(name))
        let dataset = try file.root.openDataset("data")
        XCTAssertEqual(try dataset.shape, shape, line: line)
        XCTAssertEqual(dataset.elementType, T.hdf5ElementType, line: line)
        XCTAssertEqual(try dataset.read(as: T.self), values, line: line)
        XCTAssertNil(try dataset.chunkShape, line: line)
    }

    func testRoundTripEveryElementTypeAndRank() throws {
        let shapes: [[Int]] = [[7], [3, 4], [2, 3, 4], [2, 3, 2, 5]]
        for shape in shapes {
            let n = shape.reduce(1, *)
            try roundTrip((0..<n).map { Float($0) * 0.5 - 3 }, shape: shape)
            try roundTrip((0..<n).map { Double($0) / 3 - 1e300 }, shape: shape)
            try roundTrip((0..<n).map { Int32($0) * -7 + Int32.max / 2 }, shape: shape)
            try roundTrip((0..<n).map { Int64($0) * 1_000_000_007 - Int64.max / 3 }, shape: shape)
            try roundTrip((0..<n).map { UInt8(($0 * 37) % 256) }, shape: shape)
        }
    }

    func testScalarAndEmptyDatasets() throws {
        try roundTrip([Float(42.5)], shape: [])
        try roundTrip([Double](), shape: [0, 3])
    }

    func testReadConvertsTheStoredType() throws {
        try makeFile("convert.h5") { root in
            try root.createDataset("bytes", values: [0, 128, 255] as [UInt8], shape: [3])
            try root.createDataset("doubles", values: [0.25, -2.0] as [Double], shape: [2])
        }
        let root = try HDF5File.open(path("convert.h5")).root
        XCTAssertEqual(try root.openDataset("bytes").read(as: Float.self), [0, 128, 255])
        XCTAssertEqual(try root.openDataset("doubles").read(as: Float.self), [0.25, -2])
        XCTAssertEqual(try root.openDataset("bytes").read(as: Int64.self), [0, 128, 255])
    }

    func testChunkedGzipShuffleRoundTrip() throws {
        let shape = [6, 16, 16, 3]
        let values = (0..<shape.reduce(1, *)).map { Float(($0 * 13) % 29) }
        try makeFile("gzip.h5") { root in
            try root.createDataset(
                "x", values: values, shape: shape, chunkShape: [1, 16, 16, 3],
                gzipLevel: 6, shuffle: true)
            try root.createDataset("default-chunk", values: values, shape: shape, gzipLevel: 1)
        }
        let root = try HDF5File.open(path("gzip.h5")).root
        let x = try root.openDataset("x")
        XCTAssertEqual(try x.chunkShape, [1, 16, 16, 3])
        XCTAssertEqual(try x.gzipLevel, 6)
        XCTAssertEqual(try x.read(as: Float.self), values)
        let d = try root.openDataset("default-chunk")
        XCTAssertEqual(try d.chunkShape, [6, 16, 16, 3], "whole slices, up to 1 MiB, capped at the count")
        XCTAssertEqual(try d.gzipLevel, 1)
        XCTAssertEqual(try d.read(as: Float.self), values)
        // Repetitive data compresses: the file is much smaller than the raw arrays.
        let size = try FileManager.default.attributesOfItem(atPath: path("gzip.h5"))[.size] as! Int
        XCTAssertLessThan(size, 2 * values.count * 4 / 3)
    }

    func testSliceReadAndWriteAlongFirstAxis() throws {
        let (n, h, w) = (5, 4, 3)
        let file = try HDF5File.create(at: path("slices.h5"))
        let images = try file.root.createDataset(
            "trainA/images", of: UInt8.self, shape: [n, h, w, 3],
            chunkShape: [1, h, w, 3], gzipLevel: 4)
        for i in 0..<n {
            try images.writeSlice(i, [UInt8](repeating: UInt8(10 * i), count: h * w * 3))
        }
        try file.close()

        let reader = try HDF5File.open(path("slices.h5")).root.openDataset("/trainA/images")
        XCTAssertEqual(try reader.count, n)
        var slice = [UInt8](repeating: 0, count: h * w * 3)
        for i in [3, 0, 4] {
            try slice.withUnsafeMutableBufferPointer { try reader.readSlice(i, into: $0) }
            XCTAssertEqual(Set(slice), [UInt8(10 * i)])
        }
        XCTAssertEqual(try reader.readSlice(2, as: Float.self), [Float](repeating: 20, count: h * w * 3))
        var batch = [UInt8](repeating: 0, count: 2 * h * w * 3)
        try batch.withUnsafeMutableBufferPointer { try reader.readSlices(1..<3, into: $0) }
        XCTAssertEqual(Array(batch.prefix(h * w * 3)), [UInt8](repeating: 10, count: h * w * 3))
        XCTAssertEqual(Array(batch.suffix(h * w * 3)), [UInt8](repeating: 20, count: h * w * 3))
        let all = try reader.read(as: UInt8.self)
        XCTAssertEqual(all.count, n * h * w * 3)
        XCTAssertEqual(all[4 * h * w * 3], 40)
    }

    func testSliceErrors() throws {
        let file = try HDF5File.create(at: path("slice-errors.h5"))
        let d = try file.root.createDataset("d", values: [Float](repeating: 1, count: 6), shape: [3, 2])
        assertHDF5Error(["cannot read slice 3 of dataset '/d'", "slice-errors.h5", "out of range 0..<3"]) {
            try d.readSlice(3, as: Float.self)
        }
        assertHDF5Error(["cannot write slice 0 of dataset '/d'", "buffer of 2 elements, not 3"]) {
            try d.writeSlice(0, [Float](repeating: 0, count: 3))
        }
        assertHDF5Error(["cannot write dataset '/d'", "buffer of 6 elements, not 5"]) {
            try d.write([Float](repeating: 0, count: 5))
        }
        assertHDF5Error(["cannot append to dataset '/d'", "not extendible"]) {
            try d.append([Float](repeating: 0, count: 2))
        }
        try file.close()
    }

    func testAppendToExtendibleDataset() throws {
        let file = try HDF5File.create(at: path("append.h5"))
        let d = try file.root.createDataset(
            "images", of: UInt8.self, shape: [0, 2, 2], gzipLevel: 1,
            extendible: true)
        XCTAssertEqual(try d.count, 0)
        XCTAssertEqual(try d.maximumShape, [nil, 2, 2])
        XCTAssertEqual(try d.append([UInt8](repeating: 1, count: 4)), 0..<1)
        XCTAssertEqual(try d.append([UInt8](repeating: 2, count: 8)), 1..<3)
        assertHDF5Error(["not whole slices of 4"]) { try d.append([UInt8](repeating: 0, count: 3)) }
        try file.close()

        let reader = try HDF5File.open(path("append.h5")).root.openDataset("images")
        XCTAssertEqual(try reader.shape, [3, 2, 2])
        XCTAssertEqual(try reader.read(as: UInt8.self), [1, 1, 1, 1] + [UInt8](repeating: 2, count: 8))
    }

    func testInvalidLayoutsAreRejected() throws {
        let file = try HDF5File.create(at: path("layouts.h5"))
        let root = file.root
        assertHDF5Error(["cannot create dataset '/a'", "gzip level 12"]) {
            try root.createDataset("a", of: Float.self, shape: [2], gzipLevel: 12)
        }
        assertHDF5Error(["chunk shape [1] has rank 1"]) {
            try root.createDataset("b", of: Float.self, shape: [2, 2], chunkShape: [1])
        }
        assertHDF5Error(["scalar dataset cannot be chunked"]) {
            try root.createDataset("c", of: Float.self, shape: [], gzipLevel: 1)
        }
        assertHDF5Error(["shape [2] holds 2 elements, but 3 were given"]) {
            try root.createDataset("d", values: [Float](repeating: 0, count: 3), shape: [2])
        }
        try root.createDataset("e", of: Float.self, shape: [1])
        assertHDF5Error(["cannot create dataset '/e'", "exists"]) {
            try root.createDataset("e", of: Float.self, shape: [1])
        }
        try file.close()
    }
}
