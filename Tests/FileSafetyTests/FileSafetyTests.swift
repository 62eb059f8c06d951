// Unit tests of FileSafety: path identity (links, folders, paths that do not exist yet), the
// names of temporaries, atomic file and folder replacement, and the run-folder lock in one
// process (the CLI tests cover two processes).
import FileSafety
import Foundation
import XCTest

final class FileSafetyTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "i2i-filesafety-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: folder) }

    func testPathsAreComparedAfterLinksAndDots() throws {
        try AtomicOutput.write("x", to: folder + "/a.h5")
        XCTAssertEqual(symlink(folder + "/a.h5", folder + "/link.h5"), 0)
        XCTAssertEqual(link(folder + "/a.h5", folder + "/hard.h5"), 0)
        let a = PathIdentity(folder + "/a.h5")
        XCTAssertTrue(PathIdentity(folder + "/./sub/../a.h5").isSameItem(as: a))
        XCTAssertTrue(PathIdentity(folder + "/link.h5").isSameItem(as: a))
        XCTAssertTrue(PathIdentity(folder + "/hard.h5").isSameItem(as: a))
        XCTAssertFalse(PathIdentity(folder + "/b.h5").isSameItem(as: a))
        XCTAssertTrue(PathIdentity(folder + "/new/deeper").isInside(PathIdentity(folder)))
        XCTAssertFalse(PathIdentity(folder + "x").isInside(PathIdentity(folder)))
    }

    func testGuardRefusesInputsAndExistingOutputs() throws {
        try AtomicOutput.write("x", to: folder + "/in.h5")
        let onInput = OutputGuard(option: "--out", path: folder + "/in.h5", kind: .file, overwrite: true)
        XCTAssertThrowsError(try onInput.claim(inputs: [CommandInput("--data", folder + "/in.h5")]))
        let existing = OutputGuard(option: "--out", path: folder + "/in.h5", kind: .file, overwrite: false)
        XCTAssertThrowsError(try existing.claim(inputs: [])) { error in
            XCTAssertEqual("\(error)", "--out '\(folder)/in.h5' already exists; pass --overwrite to replace it")
        }
        XCTAssertNoThrow(try OutputGuard(option: "--out", path: folder + "/new.h5", kind: .file, overwrite: false).claim(inputs: []))
        let around = OutputGuard(option: "--output", path: folder, kind: .folder, overwrite: true)
        XCTAssertThrowsError(try around.checkNotAnInput([CommandInput("--input", folder + "/in.h5")]))
    }

    func testStaleTemporariesOfDeadProcessesAreRemoved() throws {
        let stale = folder + "/.out.h5.tmp-999999999-1"
        let live = folder + "/.out.h5.tmp-\(getpid())-2"
        try AtomicOutput.write("s", to: stale)
        try AtomicOutput.write("l", to: live)
        XCTAssertEqual(AtomicOutput.ownerPID(ofTemporary: ".out.h5.old-12-ab", for: "out.h5"), 12)
        XCTAssertNil(AtomicOutput.ownerPID(ofTemporary: ".other.h5.tmp-12-ab", for: "out.h5"))
        OutputGuard(option: "--out", path: folder + "/out.h5", kind: .file, overwrite: false).removeStaleTemporaries()
        XCTAssertFalse(FileManager.default.fileExists(atPath: stale))
        XCTAssertTrue(FileManager.default.fileExists(atPath: live))
    }

    func testStagedFolderReplacesANonEmptyFolderWhole() throws {
        let target = folder + "/out"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        try AtomicOutput.write("old", to: target + "/old.txt")
        let staged = try StagedFolder(path: target)
        try AtomicOutput.write("new", to: staged.stagingPath + "/new.txt")
        try staged.commit()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: target), ["new.txt"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["out"])
    }

    func testTheLockRefusesASecondHolderAndIsReleased() throws {
        let lock = try RunLock(folder: folder)
        XCTAssertNil(lock.replacedStaleLock)
        XCTAssertEqual(RunLock.holder(ofFolder: folder)?.pid, "\(getpid())")
        // flock locks belong to open files: a second open in this process conflicts as another process would.
        XCTAssertThrowsError(try RunLock(folder: folder)) { error in
            XCTAssertTrue("\(error)".contains("is in use by pid \(getpid()) on host \(ProcessLiveness.hostName)"), "\(error)")
        }
        lock.release()
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/" + RunLock.fileName))
        XCTAssertNoThrow(try RunLock(folder: folder).release())
    }
}
