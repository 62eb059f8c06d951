// File lifecycle: create through a temporary file renamed on a clean close; discarding (or
// dropping an unclosed file) leaves no temporary file and never touches an existing file;
// read-write opens; read-only opens without file locking.
import Foundation
import HDF5Kit
import XCTest

final class FileLifecycleTests: HDF5TestCase {

    func testCreateWritesTemporaryFileThenRenames() throws {
        let file = try HDF5File.create(at: path("data.h5"))
        let temporary = try XCTUnwrap(file.temporaryPath)
        XCTAssertEqual(URL(fileURLWithPath: temporary).deletingLastPathComponent().path, folder.path)
        let contents = try folderContents()
        XCTAssertEqual(contents.count, 1)
        XCTAssertTrue(contents[0].hasPrefix(".data.h5.tmp-"), contents[0])
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("data.h5")))

        try file.root.createDataset("x", values: [Float(1), 2], shape: [2])
        try file.close()
        XCTAssertNil(file.temporaryPath)
        XCTAssertEqual(try folderContents(), ["data.h5"])
        XCTAssertEqual(try HDF5File.open(path("data.h5")).root.openDataset("x").read(as: Float.self), [1, 2])
        XCTAssertNoThrow(try file.close(), "closing twice does nothing")
    }

    func testDiscardLeavesExistingFileByteIdentical() throws {
        let target = try makeFile("ckpt.h5") { root in try root.setAttribute("step", 100) }
        let before = try Data(contentsOf: URL(fileURLWithPath: target))

        let file = try HDF5File.create(at: target)
        try file.root.setAttribute("step", 200)
        try file.root.createDataset("big", values: [Float](repeating: 3, count: 10_000), shape: [10_000])
        try file.flush()
        file.discard()
        XCTAssertEqual(try folderContents(), ["ckpt.h5"])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: target)), before)
        XCTAssertEqual(try HDF5File.open(target).root.attribute("step", as: Int.self), 100)
    }

    func testDroppingAnUnclosedFileDiscardsIt() throws {
        let target = try makeFile("keep.h5") { root in try root.setAttribute("v", 1) }
        let before = try Data(contentsOf: URL(fileURLWithPath: target))
        do {
            let file = try HDF5File.create(at: target)
            let d = try file.root.createDataset("d", values: [UInt8(1)], shape: [1])
            try d.setAttribute("x", 1)
            // Leaving the scope releases the file (and the dataset that keeps it alive) unclosed.
        }
        XCTAssertEqual(try folderContents(), ["keep.h5"])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: target)), before)
    }

    func testCloseReplacesAnExistingFile() throws {
        let target = try makeFile("replace.h5") { root in try root.setAttribute("v", 1) }
        try makeFile("replace.h5") { root in try root.setAttribute("v", 2) }
        XCTAssertEqual(try HDF5File.open(target).root.attribute("v", as: Int.self), 2)
        XCTAssertEqual(try folderContents(), ["replace.h5"])
    }

    func testCreateInMissingFolderFails() throws {
        assertHDF5Error(["cannot create HDF5 file", "nowhere/x.h5", "does not exist"]) {
            try HDF5File.create(at: path("nowhere/x.h5"))
        }
    }

    func testReadWriteOpenChangesInPlace() throws {
        let target = try makeFile("rw.h5") { root in
            try root.createDataset("d", values: [Int64](repeating: 0, count: 4), shape: [2, 2])
        }
        let file = try HDF5File.open(target, mode: .readWrite)
        XCTAssertNil(file.temporaryPath)
        try file.root.openDataset("d").writeSlice(1, [Int64(5), 6])
        try file.root.setAttribute("edited", "yes")
        try file.close()
        let root = try HDF5File.open(target).root
        XCTAssertEqual(try root.openDataset("d").read(as: Int64.self), [0, 0, 5, 6])
        XCTAssertEqual(try root.attribute("edited", as: String.self), "yes")
    }

    func testReadOnlyFileRejectsWritesAndCanSkipLocking() throws {
        let target = try makeFile("ro.h5") { root in try root.setAttribute("v", 1) }
        let file = try HDF5File.open(target, mode: .readOnly, fileLocking: false)
        XCTAssertEqual(try file.root.attribute("v", as: Int.self), 1)
        assertHDF5Error(["cannot create group '/g' in", "ro.h5"]) { try file.root.createGroup("g") }
        let second = try HDF5File.open(target, fileLocking: false)
        XCTAssertEqual(try second.root.attribute("v", as: Int.self), 1)
    }

    func testEveryObjectIsClosedWhenReleased() throws {
        let file = try HDF5File.create(at: path("leaks.h5"))
        XCTAssertEqual(file.openObjectCount, 0)
        do {
            let d = try file.root.createDataset(
                "g/d", values: [Float](repeating: 1, count: 8), shape: [2, 4],
                gzipLevel: 1, extendible: true)
            try d.append([Float](repeating: 2, count: 4))
            _ = try d.readSlice(2, as: Float.self)
            try d.setAttribute("a", [1.5])
            _ = try d.attribute("a", as: [Double].self)
            _ = try d.attributeNames
            try file.root.createStringDataset("g/s", ["x"])
            _ = try file.root.openDataset("g/s").readStrings()
            _ = try file.root.openGroup("g").childNames
            _ = try file.root.kind(of: "g/d")
            _ = try? file.root.openDataset("g/missing")
            withExtendedLifetime(d) {
                XCTAssertEqual(file.openObjectCount, 1, "only the dataset still referenced")
            }
        }
        XCTAssertEqual(file.openObjectCount, 0)
        try file.close()
    }

    func testLibraryFacts() {
        XCTAssertTrue(HDF5Library.version.hasPrefix("1."), HDF5Library.version)
        XCTAssertTrue(HDF5Library.hasGzip)
    }
}
