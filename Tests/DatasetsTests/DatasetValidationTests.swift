// Hostile dataset files, made in the test from a valid one with h5py (an independent HDF5
// writer, which can also store the int16 images HDF5Kit does not write): each is refused when
// opened, before any image is read, with one DatasetError naming the file, the object and the
// problem. Huge declared sizes fail fast, without allocating.
import Datasets
import Foundation
import HDF5Kit
import TestSupport
import XCTest

final class DatasetValidationTests: XCTestCase {
    /// A valid unpaired file of 8×8 images (trainA 2, trainB 1, testA 1, testB 0), or a paired
    /// one (train 2 with label maps).
    func validFile(_ folder: String, paired: Bool = false) throws -> String {
        let path = folder + (paired ? "/paired.h5" : "/data.h5")
        let image = Bitmap(width: 8, height: 8, channels: 3, pixels: (0..<192).map { UInt8($0) })
        let labels = Bitmap(width: 8, height: 8, channels: 1, pixels: [UInt8](repeating: 1, count: 64))
        if paired {
            let writer = try DatasetWriter(path: path, imageSize: 8, splits: [("train", SplitContents(labels: true, truth: false))])
            for name in ["a", "b"] { try writer.append(to: "train", name: name, image: image, labels: labels) }
            try writer.finish(attributes: [("num_classes", .int(2))])
        } else {
            let writer = try DatasetWriter(
                path: path, imageSize: 8, splits: [("trainA", .images), ("trainB", .images), ("testA", .images), ("testB", .images)])
            for (split, name) in [("trainA", "a"), ("trainA", "b"), ("trainB", "c"), ("testA", "d")] {
                try writer.append(to: split, name: name, image: image)
            }
            try writer.finish(attributes: [])
        }
        XCTAssertNoThrow(try DatasetFile(path: path))
        return path
    }

    /// Runs h5py `statements` (one per line) on `path` opened for writing as `f`.
    func edit(_ path: String, _ statements: String) throws {
        let body = statements.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
        try Python.run("import h5py, numpy as np\nwith h5py.File('\(path)', 'r+') as f:\n\(body)\n", modules: ["h5py", "numpy"])
    }

    /// Asserts that opening `path` throws exactly `message` (a DatasetError) within `seconds`.
    func assertRefused(_ path: String, _ message: String, within seconds: Double = 5, line: UInt = #line) {
        let start = Date()
        XCTAssertThrowsError(try DatasetFile(path: path), line: line) { error in
            XCTAssertTrue(error is DatasetError, "\(type(of: error)): \(error)", line: line)
            XCTAssertEqual("\(error)", message, line: line)
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), seconds, "refusing took too long", line: line)
    }

    func testHostileExemplarListsAreRefused() throws {
        let path = try validFile(makeTemporaryFolder(self), paired: true)
        try edit(path, "del f['train/exemplars']\nf.create_dataset('train/exemplars', data=np.array([[1], [0]], dtype='f4'))")
        assertRefused(path, "\(path): '/train/exemplars' holds float32 of shape [2, 1], expected int32 (2, K) with K in 1...1024")
        try edit(path, "del f['train/exemplars']\nf.create_dataset('train/exemplars', data=np.array([[1, 0, 1]], dtype='i4'))")
        assertRefused(path, "\(path): '/train/exemplars' holds int32 of shape [1, 3], expected int32 (2, K) with K in 1...1024")
        // Indices are checked against /train when the lists are read: 2 is outside 2 images.
        try edit(path, "del f['train/exemplars']\nf.create_dataset('train/exemplars', data=np.array([[1], [2]], dtype='i4'))")
        let file = try DatasetFile(path: path)
        XCTAssertThrowsError(try file.trainingSource()) {
            XCTAssertEqual(
                "\($0)",
                "\(path): '/train/exemplars' has a row that is empty, not padded at its end with -1, or names an image outside the 2 of split 'train'"
            )
        }
        file.close()
        // A paired file without lists (written before they existed) cannot train.
        try edit(path, "del f['train/exemplars']")
        XCTAssertThrowsError(try DatasetFile(path: path).trainingSource()) {
            XCTAssertTrue("\($0)".contains("paired split 'train' has no exemplar lists"), "\($0)")
        }
    }

    func testHugeDeclaredImageSizeFailsFast() throws {
        let path = try validFile(makeTemporaryFolder(self))
        // 100000×100000×3 bytes per image (30 GB) declared in the header; no chunk is written.
        try edit(
            path,
            """
            del f['trainA/images']
            f.create_dataset('trainA/images', shape=(2, 100000, 100000, 3), dtype='u1', chunks=(1, 64, 64, 3))
            """)
        assertRefused(path, "\(path): '/trainA/images' declares 100000×100000 images, larger than the maximum side of 8192", within: 2)
        try edit(path, "f.attrs['image_size'] = np.int64(100000)")
        assertRefused(path, "\(path): root attribute 'image_size' is 100000, expected in 1...8192", within: 2)
    }

    func testHugeDeclaredImageCountFailsFast() throws {
        let path = try validFile(makeTemporaryFolder(self))
        try edit(
            path,
            """
            del f['trainA/images']
            f.create_dataset('trainA/images', shape=(10**12, 8, 8, 3), dtype='u1', chunks=(1, 8, 8, 3))
            """)
        assertRefused(path, "\(path): '/trainA/images' declares 1000000000000 images, more than the maximum of 10000000", within: 2)
    }

    func testImagesOfAnotherElementType() throws {
        let path = try validFile(makeTemporaryFolder(self))
        for dtype in ["float32", "int16"] {
            try edit(
                path,
                """
                del f['trainA/images']
                f.create_dataset('trainA/images', data=np.zeros((2, 8, 8, 3), dtype='\(dtype)'))
                """)
            assertRefused(path, "\(path): '/trainA/images' holds \(dtype) values, expected uint8")
        }
    }

    func testNamesCountDiffersFromImageCount() throws {
        let path = try validFile(makeTemporaryFolder(self))
        try edit(
            path,
            """
            del f['trainA/names']
            f.create_dataset('trainA/names', data=['only-one'], dtype=h5py.string_dtype())
            """)
        assertRefused(path, "\(path): '/trainA/names' holds 1 names for 2 images")
    }

    func testCountAttributeDiffersFromImageCount() throws {
        let path = try validFile(makeTemporaryFolder(self))
        try edit(path, "f.attrs['count_trainA'] = np.int64(5)")
        assertRefused(path, "\(path): root attribute 'count_trainA' is 5, but '/trainA/images' holds 2 images")
    }

    func testLabelsOfAnotherShapeOrType() throws {
        let path = try validFile(makeTemporaryFolder(self), paired: true)
        try edit(
            path,
            """
            del f['train/labels']
            f.create_dataset('train/labels', data=np.zeros((2, 8, 8, 1), dtype='u1'))
            """)
        assertRefused(path, "\(path): '/train/labels' has shape [2, 8, 8, 1], expected [2, 8, 8] (one label map per image)")
        try edit(
            path,
            """
            del f['train/labels']
            f.create_dataset('train/labels', data=np.zeros((2, 8, 8), dtype='int16'))
            """)
        assertRefused(path, "\(path): '/train/labels' holds int16 values, expected uint8")
    }

    func testMissingOrMistypedRequiredAttribute() throws {
        let path = try validFile(makeTemporaryFolder(self))
        try edit(path, "del f.attrs['count_trainB']")
        assertRefused(path, "\(path): root attribute 'count_trainB' is missing")
        try edit(path, "f.attrs['count_trainB'] = np.int64(1)\ndel f.attrs['image_size']")
        assertRefused(path, "\(path): root attribute 'image_size' is missing")
        try edit(path, "f.attrs['image_size'] = 'eight'")
        assertRefused(path, "\(path): root attribute 'image_size' holds string, expected an integer")
        try edit(path, "f.attrs['image_size'] = np.int64(8)\nf.attrs['kind'] = 'mixed'")
        assertRefused(path, "\(path): root attribute 'kind' is 'mixed', expected 'unpaired' or 'paired'")
    }

    func testTruncatedAndEmptyFiles() throws {
        let folder = makeTemporaryFolder(self)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: try validFile(folder)))
        for (name, length) in [("empty.h5", 0), ("half.h5", bytes.count / 2), ("header.h5", 512)] {
            let path = folder + "/" + name
            try bytes.prefix(length).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try DatasetFile(path: path), name) { error in
                XCTAssertTrue(error is DatasetError, "\(name): \(type(of: error)) \(error)")
                XCTAssertTrue("\(error)".contains(path), "\(name): \(error)")
                XCTAssertFalse("\(error)".contains("\n"), "\(name): \(error)")
            }
        }
    }
}
