// Small file systems for the resource-failure tests: a tmpfs of a few hundred KiB (a disk that
// fills up) or one mounted read-only (a folder nobody can write, root included, which `chmod`
// cannot give), mounted with mount(2) and detached in the test's tear-down. Mounting needs
// root (as in the containers and CI the tests run in); elsewhere the tests are skipped with the
// reason printed.
import Foundation
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// A tmpfs mounted on a new folder, unmounted by ``unmount()``.
final class ScratchMount {
    /// The mount point.
    let path: String
    private var mounted = false

    /// Mounts a tmpfs of `kilobytes` KiB on a new folder under `parent`; read-only when
    /// `readOnly`.
    ///
    /// Throws `XCTSkip` (the reason printed by XCTest) when not root.
    init(in parent: String, name: String, kilobytes: Int, readOnly: Bool = false) throws {
        guard geteuid() == 0 else {
            throw XCTSkip("needs root to mount a small tmpfs (a full disk, a read-only folder); running as uid \(geteuid())")
        }
        path = parent + "/" + name
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let flags = UInt(readOnly ? MS_RDONLY : 0)
        guard mount("tmpfs", path, "tmpfs", flags, "size=\(kilobytes)k,mode=0755") == 0 else {
            throw XCTSkip("cannot mount a tmpfs on \(path): \(String(cString: strerror(errno)))")
        }
        mounted = true
    }

    /// Bytes still free on the file system.
    var freeBytes: Int {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return 0 }
        return Int(info.f_bavail) * Int(info.f_frsize)
    }

    /// Fills the file system until about `leaving` bytes are free (a file named `filler`).
    func fill(leaving: Int) throws {
        let size = max(freeBytes - leaving, 0)
        try Data(count: size).write(to: URL(fileURLWithPath: path + "/filler"))
    }

    /// Removes the filler file written by ``fill(leaving:)``.
    func emptyFiller() {
        try? FileManager.default.removeItem(atPath: path + "/filler")
    }

    /// The names in the mount's top folder, hidden ones (temporary files) included.
    func names(in folder: String = "") -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path + (folder.isEmpty ? "" : "/" + folder))) ?? []).sorted()
    }

    /// Detaches the file system (lazily, so that a process still holding a file cannot block it).
    func unmount() {
        guard mounted else { return }
        mounted = false
        _ = umount2(path, Int32(MNT_DETACH))
        try? FileManager.default.removeItem(atPath: path)
    }

    deinit { unmount() }
}
