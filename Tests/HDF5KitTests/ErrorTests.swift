// Errors: a missing file, a truncated file, a file that is not HDF5, a missing dataset path
// and a missing attribute each throw an HDF5Error naming the file and the object, and HDF5
// prints nothing to stderr on the way.
import Foundation
import HDF5Kit
import XCTest

final class ErrorTests: HDF5TestCase {

    func testMissingFile() {
        let error = assertHDF5Error(["cannot open HDF5 file", "missing.h5", "no such file"]) {
            try HDF5File.open(path("missing.h5"))
        }
        XCTAssertEqual(error?.file, path("missing.h5"))
        XCTAssertNil(error?.object)
    }

    func testTruncatedFile() throws {
        let target = try makeFile("torn.h5") { root in
            try root.createDataset("x", values: (0..<50_000).map { Float($0) }, shape: [50_000])
        }
        let size = try FileManager.default.attributesOfItem(atPath: target)[.size] as! Int
        XCTAssertEqual(truncate(target, off_t(size / 2)), 0)
        let error = assertHDF5Error(["cannot open HDF5 file", "torn.h5", "truncated"]) {
            try HDF5File.open(target)
        }
        XCTAssertFalse(error?.stack.isEmpty ?? true, "HDF5's own messages are kept")
    }

    func testCorruptMetadataIsDetected() throws {
        // Files written here use the 1.8+ object-header format, whose metadata is checksummed.
        let target = try makeFile("corrupt.h5") { root in
            try root.createDataset("trainA/images", values: (0..<20_000).map { Float($0) }, shape: [20_000])
            try root.setAttribute("step", 3)
        }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: target))
        for i in 100..<1_500 { bytes[i] = 0xFF }
        try bytes.write(to: URL(fileURLWithPath: target))
        assertHDF5Error(["corrupt.h5", "checksum"]) {
            let root = try HDF5File.open(target).root
            _ = try root.attribute("step")
            return try root.openDataset("trainA/images").read(as: Float.self)
        }
    }

    func testFileThatIsNotHDF5() throws {
        let target = path("notes.h5")
        try Data("just some text, not an HDF5 file\n".utf8).write(to: URL(fileURLWithPath: target))
        assertHDF5Error(["cannot open HDF5 file", "notes.h5", "not an HDF5 file"]) {
            try HDF5File.open(target)
        }
        try Data().write(to: URL(fileURLWithPath: path("empty.h5")))
        assertHDF5Error(["cannot open HDF5 file", "empty.h5"]) { try HDF5File.open(path("empty.h5")) }
    }

    func testMissingDatasetPath() throws {
        let target = try makeFile("data.h5") { root in try root.createGroup("trainA") }
        let root = try HDF5File.open(target).root
        let error = assertHDF5Error(
            ["cannot open dataset '/trainA/images' in '\(target)': object 'images' doesn't exist"]) {
                try root.openDataset("trainA/images")
            }
        XCTAssertEqual(error?.object, "/trainA/images")
        assertHDF5Error(["cannot open dataset '/trainB/images'", "object 'trainB' doesn't exist"]) {
            try root.openDataset("/trainB/images")
        }
    }

    func testMissingAttribute() throws {
        let target = try makeFile("ckpt.h5") { root in try root.createGroup("networks") }
        let networks = try HDF5File.open(target).root.openGroup("networks")
        assertHDF5Error(["cannot read attribute 'step' of '/networks' in '\(target)'", "no such attribute"]) {
            try networks.attribute("step", as: Int.self)
        }
    }

    func testHDF5StackIsFoldedIntoTheError() throws {
        // A failure only HDF5 detects: writing through a read-only file.
        let target = try makeFile("ro.h5") { root in
            try root.createDataset("d", values: [Float(1)], shape: [1])
        }
        let d = try HDF5File.open(target).root.openDataset("d")
        let error = assertHDF5Error(["cannot write dataset '/d' in", "ro.h5"]) { try d.write([Float(2)]) }
        XCTAssertNotNil(error?.reason)
        XCTAssertTrue(error?.stack.contains { $0.contains("H5Dwrite") } ?? false, "\(error?.stack ?? [])")
    }

    func testHDF5PrintsNothingToStderr() throws {
        let target = try makeFile("quiet.h5") { _ in }
        let captured = try captureStandardError {
            let root = try? HDF5File.open(target).root
            _ = try? root?.openDataset("missing")
            _ = try? root?.attribute("missing")
            _ = try? HDF5File.open(target).root.createGroup("read-only")
            try? Data("x".utf8).write(to: URL(fileURLWithPath: path("bad.h5")))
            _ = try? HDF5File.open(path("bad.h5"))
        }
        XCTAssertEqual(captured, "", "HDF5 printed to stderr")
    }

    func testHDF5PrintsNothingToStderrOnAnotherThread() throws {
        let target = path("bad.h5")
        try Data("x".utf8).write(to: URL(fileURLWithPath: target))
        let captured = try captureStandardError {
            let done = DispatchSemaphore(value: 0)
            let thread = Thread {
                _ = try? HDF5File.open(target)
                done.signal()
            }
            thread.start()
            done.wait()
        }
        XCTAssertEqual(captured, "", "HDF5 printed to stderr")
    }

    /// Runs `body` with file descriptor 2 redirected to a file; returns what was written.
    private func captureStandardError(_ body: () throws -> Void) throws -> String {
        let capture = path("stderr.txt")
        _ = FileManager.default.createFile(atPath: capture, contents: nil)
        let fd = open(capture, O_WRONLY)
        let saved = dup(2)
        fflush(stderr)
        dup2(fd, 2)
        defer {
            fflush(stderr)
            dup2(saved, 2)
            close(saved)
            close(fd)
        }
        try body()
        fflush(stderr)
        return try String(contentsOfFile: capture, encoding: .utf8)
    }
}
