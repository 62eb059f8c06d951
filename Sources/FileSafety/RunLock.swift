// The lock of a folder that one process at a time may use (a training run folder). The lock is
// the file `<folder>/run.lock`, held with flock(2) for the life of the process and holding the
// line "pid <pid> host <host>":
//   - flock is released by the kernel when the holder ends in any way (kill -9 included), so a
//     lock file whose flock is free was left by a dead process: it is reported and replaced;
//   - a held flock refuses the second process with a message naming the holder's pid and host;
//   - a free flock whose file names a live process of this host (other than this one) is also
//     refused: it guards file systems where flock is not shared between processes.
// NFS: Linux NFS clients (v4, and v3 with lockd) map flock to byte-range locks the server
// shares between hosts; with `nolock` mounts or servers without lock support, flock is local to
// each host, and only the pid check protects a folder from a second run, and only on one host.
// Do not run two jobs on one run folder from different hosts of such a file system.
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A held lock on a folder; ``release()`` (or ending the process) gives it up.
public final class RunLock {
    /// The lock file.
    public let path: String
    /// The warning to show when a stale lock was replaced (nil when there was none).
    public let replacedStaleLock: String?
    private var fd: Int32

    /// The lock file's name in a folder.
    public static let fileName = "run.lock"

    /// Takes the lock of `folder` (which must exist), or throws an ``OutputError`` naming the
    /// pid and host of the process that holds it.
    public init(folder: String) throws {
        path = folder + "/" + RunLock.fileName
        var stale: String?
        while true {
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                let reason = AtomicOutput.lastError()
                throw OutputError("cannot create the lock file '\(path)': \(reason)", systemReason: reason)
            }
            if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                let holder = RunLock.holder(fd)
                close(fd)
                throw OutputError(
                    "run folder '\(folder)' is in use by pid \(holder?.pid ?? "?") on host \(holder?.host ?? "?") "
                        + "(lock file \(path)); wait for that run to end or choose another --out")
            }
            // The file may have been removed and recreated by a holder releasing it meanwhile:
            // only the lock on the file that has the name counts.
            var mine = stat()
            var named = stat()
            guard fstat(fd, &mine) == 0, stat(path, &named) == 0, mine.st_ino == named.st_ino, mine.st_dev == named.st_dev else {
                close(fd)
                continue
            }
            if let holder = RunLock.holder(fd) {
                if holder.host == ProcessLiveness.hostName, let pid = Int32(holder.pid), pid != getpid(), ProcessLiveness.isRunning(pid) {
                    close(fd)
                    throw OutputError(
                        "run folder '\(folder)' is in use by pid \(holder.pid) on host \(holder.host) (lock file \(path), "
                            + "a live process); wait for that run to end or choose another --out")
                }
                stale =
                    "replacing the stale lock \(path) of pid \(holder.pid) on host \(holder.host) (that process is gone)"
            }
            let line = "pid \(getpid()) host \(ProcessLiveness.hostName)\n"
            guard ftruncate(fd, 0) == 0, pwrite(fd, line, line.utf8.count, 0) == line.utf8.count else {
                let reason = AtomicOutput.lastError()
                close(fd)
                throw OutputError("cannot write the lock file '\(path)': \(reason)", systemReason: reason)
            }
            fsync(fd)
            self.fd = fd
            break
        }
        replacedStaleLock = stale
    }

    deinit { release() }

    /// Removes the lock file and gives up the lock.
    public func release() {
        guard fd >= 0 else { return }
        unlink(path)
        close(fd)
        fd = -1
    }

    /// The pid and host written in an open lock file, or nil when it is empty or unreadable.
    static func holder(_ fd: Int32) -> (pid: String, host: String)? {
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = pread(fd, &buffer, buffer.count, 0)
        guard n > 0 else { return nil }
        let words = String(decoding: buffer[0..<n], as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        guard words.count >= 4, words[0] == "pid", words[2] == "host" else { return nil }
        return (words[1], words[3])
    }

    /// The pid and host written in the lock file of `folder`, if any (for messages and tests).
    public static func holder(ofFolder folder: String) -> (pid: String, host: String)? {
        let fd = open(folder + "/" + fileName, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return holder(fd)
    }
}
