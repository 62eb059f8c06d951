// The dataset file layer: writer and reader agree, the content hash covers pixels and names,
// and files that are not datasets are refused with a message naming them.
import Datasets
import Foundation
import HDF5Kit
import XCTest

final class DatasetFileTests: XCTestCase {
    func image(_ value: UInt8, size: Int = 4, channels: Int = 3) -> Bitmap {
        Bitmap(
            width: size, height: size, channels: channels,
            pixels: (0..<size * size * channels).map { UInt8(truncatingIfNeeded: Int(value) + $0) })
    }

    func write(_ path: String, names: [String] = ["x", "y"], second: UInt8 = 9, gzip: Int? = nil) throws -> String {
        let writer = try DatasetWriter(
            path: path, imageSize: 4, splits: [("trainA", .images), ("trainB", .images), ("testA", .images), ("testB", .images)],
            gzipLevel: gzip)
        try writer.append(to: "trainA", name: names[0], image: image(1))
        try writer.append(to: "trainA", name: names[1], image: image(second))
        try writer.append(to: "trainB", name: "z", image: image(3))
        XCTAssertThrowsError(try writer.append(to: "trainB", name: "bad", image: image(3, size: 5)))
        XCTAssertThrowsError(try writer.append(to: "nowhere", name: "bad", image: image(3)))
        return try writer.finish(attributes: [("resize_mode", .string("crop"))])
    }

    func testRoundTripAndHashSensitivity() throws {
        let root = makeTemporaryFolder(self)
        let hash = try write(root + "/a.h5")
        XCTAssertEqual(try write(root + "/b.h5", gzip: 6), hash)  // compression is not content
        XCTAssertNotEqual(try write(root + "/c.h5", names: ["x", "w"]), hash)
        XCTAssertNotEqual(try write(root + "/d.h5", second: 10), hash)
        let file = try DatasetFile(path: root + "/a.h5")
        XCTAssertEqual(file.info.splits.map(\.count), [2, 1, 0, 0])
        XCTAssertEqual(try file.image("trainA", 1), image(9))
        XCTAssertEqual(try file.names("trainA"), ["x", "y"])
        XCTAssertEqual(try file.computeContentHash(), hash)
        XCTAssertEqual(hash.count, 64)
        XCTAssertEqual(try DatasetFile.format(ofFileAt: root + "/a.h5"), "i2i-dataset")
        XCTAssertThrowsError(try file.image("trainB", 1)) {
            XCTAssertEqual("\($0)", "\(root)/a.h5: image 1 is outside split 'trainB' of 1 images")
        }
        XCTAssertThrowsError(try file.image("train", 0)) {
            XCTAssertEqual("\($0)", "\(root)/a.h5 has no split 'train' (it has: trainA, trainB, testA, testB)")
        }
        let compressed = try HDF5File.open(root + "/b.h5")
        XCTAssertEqual(try compressed.root.openDataset("trainA/images").chunkShape, [1, 4, 4, 3])
        XCTAssertEqual(try compressed.root.openDataset("trainA/images").gzipLevel, 6)
    }

    func testFilesThatAreNotDatasets() throws {
        let root = makeTemporaryFolder(self)
        let other = try HDF5File.create(at: root + "/ckpt.h5")
        try other.root.setAttribute("format", "i2i-checkpoint")
        try other.close()
        XCTAssertEqual(try DatasetFile.format(ofFileAt: root + "/ckpt.h5"), "i2i-checkpoint")
        XCTAssertThrowsError(try DatasetFile(path: root + "/ckpt.h5")) {
            XCTAssertEqual("\($0)", "\(root)/ckpt.h5 is not an i2i dataset file (its format attribute is 'i2i-checkpoint')")
        }
        try Data("plain text".utf8).write(to: URL(fileURLWithPath: root + "/text.h5"))
        XCTAssertThrowsError(try DatasetFile(path: root + "/text.h5")) {
            XCTAssertTrue($0 is DatasetError)
            XCTAssertTrue("\($0)".contains("not an HDF5 file"), "\($0)")
        }
        let broken = try HDF5File.create(at: root + "/broken.h5")
        try broken.root.setAttribute("format", "i2i-dataset")
        try broken.close()
        XCTAssertThrowsError(try DatasetFile(path: root + "/broken.h5")) {
            XCTAssertEqual("\($0)", "\(root)/broken.h5: root attribute 'format_version' is missing")
        }
    }
}
