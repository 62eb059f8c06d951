// Atomic replacement of an output: everything is written under a temporary name in the output's
// own folder (`.<name>.tmp-<pid>-<random>`, the pattern HDF5Kit's `HDF5File.create` uses too),
// flushed to disk, and renamed over the final name only when complete, so a reader sees either
// the old output or the whole new one, never a part. A folder that replaces a non-empty folder
// takes two renames (the old one is first moved to `.<name>.old-<pid>-<random>`, then deleted);
// a crash between them leaves the old contents under that name, which the next run of the
// command removes (OutputGuard.removeStaleTemporaries).
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Writes files and folders under temporary names and renames them into place.
public enum AtomicOutput {
    /// The temporary name for `path` in its folder: `.<name>.<kind>-<pid>-<random>`.
    public static func temporaryPath(for path: String, kind: String = "tmp") -> String {
        let url = URL(fileURLWithPath: path)
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let name = ".\(url.lastPathComponent).\(kind)-\(getpid())-\(random)"
        let folder = url.deletingLastPathComponent().path
        return (path.contains("/") ? folder + "/" : "") + name
    }

    /// The process id in a temporary name made for an output called `name`, or nil when
    /// `entry` is not one.
    public static func ownerPID(ofTemporary entry: String, for name: String) -> Int32? {
        for kind in ["tmp", "old"] {
            let prefix = ".\(name).\(kind)-"
            guard entry.hasPrefix(prefix) else { continue }
            let rest = entry.dropFirst(prefix.count)
            guard let digits = rest.split(separator: "-").first else { return nil }
            return Int32(digits)
        }
        return nil
    }

    /// Writes `data` to `path` atomically: a temporary file, fsync, rename, fsync of the folder.
    public static func write(_ data: Data, to path: String) throws {
        let temporary = temporaryPath(for: path)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw OutputError("cannot write '\(path)': \(lastError())", systemReason: lastError()) }
        var failure: String?
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = lastError()
                    return
                }
                offset += n
            }
        }
        if failure == nil && fsync(fd) != 0 { failure = lastError() }
        if close(fd) != 0 && failure == nil { failure = lastError() }
        if failure == nil && rename(temporary, path) != 0 { failure = lastError() }
        if let failure {
            unlink(temporary)
            throw OutputError("cannot write '\(path)': \(failure)", systemReason: failure)
        }
        syncFolder(of: path)
    }

    /// Writes `text` as UTF-8 to `path` atomically.
    public static func write(_ text: String, to path: String) throws { try write(Data(text.utf8), to: path) }

    /// fsyncs the folder holding `path`, so that a rename in it survives a power cut.
    public static func syncFolder(of path: String) {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let fd = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }

    static func lastError() -> String { String(cString: strerror(errno)) }
}

/// A folder output written under a temporary name and renamed into place by ``commit()``;
/// released uncommitted, it removes what was written.
public final class StagedFolder {
    /// The final path.
    public let path: String
    /// Where the files are written until ``commit()``.
    public let stagingPath: String
    private var committed = false

    /// Creates the temporary folder beside `path`.
    public init(path: String) throws {
        self.path = path
        stagingPath = AtomicOutput.temporaryPath(for: path)
        guard mkdir(stagingPath, 0o755) == 0 else {
            let reason = AtomicOutput.lastError()
            throw OutputError("cannot create a folder beside '\(path)': \(reason)", systemReason: reason)
        }
    }

    deinit { if !committed { try? FileManager.default.removeItem(atPath: stagingPath) } }

    /// Puts the written folder in place of `path` (an empty or missing folder is replaced in one
    /// rename; a non-empty one is first moved aside, then deleted).
    public func commit() throws {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: stagingPath)) ?? []
        for entry in entries {
            let fd = open(stagingPath + "/" + entry, O_RDONLY | O_CLOEXEC)
            if fd >= 0 {
                fsync(fd)
                close(fd)
            }
        }
        var old: String?
        if rename(stagingPath, path) != 0 {
            guard errno == ENOTEMPTY || errno == EEXIST else {
                let reason = AtomicOutput.lastError()
                throw OutputError("cannot put the folder '\(path)' in place: \(reason)", systemReason: reason)
            }
            let aside = AtomicOutput.temporaryPath(for: path, kind: "old")
            guard rename(path, aside) == 0 else {
                let reason = AtomicOutput.lastError()
                throw OutputError("cannot move the old folder '\(path)' aside: \(reason)", systemReason: reason)
            }
            guard rename(stagingPath, path) == 0 else {
                let reason = AtomicOutput.lastError()
                _ = rename(aside, path)
                throw OutputError("cannot put the folder '\(path)' in place: \(reason)", systemReason: reason)
            }
            old = aside
        }
        committed = true
        AtomicOutput.syncFolder(of: path)
        if let old { try? FileManager.default.removeItem(atPath: old) }
    }
}
