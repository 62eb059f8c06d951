// Shared test support: a fresh temporary folder per test, and running Python (h5py) to
// cross-check files with an independent HDF5 implementation.
import Foundation
import HDF5Kit
import TestSupport
import XCTest

/// A test case with its own temporary folder, removed after the test.
class HDF5TestCase: XCTestCase {

    /// The test's temporary folder.
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("hdf5kit-tests-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// A path inside the test's folder.
    func path(_ name: String) -> String {
        folder.appendingPathComponent(name).path
    }

    /// The names in the test's folder, hidden files included, sorted.
    func folderContents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }

    /// Creates `name`, lets `body` fill its root group, and closes it; returns the path.
    @discardableResult
    func makeFile(_ name: String, _ body: (HDF5Group) throws -> Void) throws -> String {
        let file = try HDF5File.create(at: path(name))
        try body(file.root)
        try file.close()
        return path(name)
    }

    /// Asserts that `body` throws an `HDF5Error` whose description contains every string in
    /// `fragments`; returns the error.
    @discardableResult
    func assertHDF5Error<R>(
        _ fragments: [String], file: StaticString = #filePath, line: UInt = #line,
        _ body: () throws -> R
    ) -> HDF5Error? {
        do {
            _ = try body()
            XCTFail("expected an HDF5Error containing \(fragments)", file: file, line: line)
            return nil
        } catch let error as HDF5Error {
            for fragment in fragments {
                XCTAssertTrue(
                    error.description.contains(fragment),
                    "'\(error.description)' lacks '\(fragment)'", file: file, line: line)
            }
            return error
        } catch {
            XCTFail("expected an HDF5Error, got \(error)", file: file, line: line)
            return nil
        }
    }
}

/// Running Python scripts for the h5py cross-checks (through TestSupport's process runner).
enum H5py {
    /// The modules the cross-check scripts import.
    static let modules = ["h5py", "numpy"]

    /// Runs `script` with `python3 -c`; returns what it printed, or throws (failing the test)
    /// when python3, h5py or numpy is missing or the script fails.
    @discardableResult
    static func run(_ script: String) throws -> String {
        try Python.run(script, modules: modules)
    }
}
