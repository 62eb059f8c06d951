// The one write-protection policy of every command that writes a file or a folder (preprocess
// and demo-data `--out`, translate `--output`, inspect `--grid`, train `--out`):
//   1. an output never names an input of the same command: not the same path (after symlinks),
//      not the same file under another name (device and inode), not a path inside an input
//      folder, and not a folder that contains an input;
//   2. an existing output file or non-empty output folder is refused unless the command was given
//      `--overwrite`; the replacement is then atomic (AtomicOutput.swift);
//   3. temporary files or folders a dead run of a command left beside the output are removed.
// Commands call ``OutputGuard/claim(inputs:)`` before they read or compute anything costly, so
// a refused output costs nothing and changes nothing. Commands added later use it too.
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A refused output or a failed atomic write: one line naming the option and the path.
public struct OutputError: Error, CustomStringConvertible {
    /// The message, without the `error: ` prefix.
    public let description: String
    /// The system's reason when a system call failed ("No space left on device").
    public let systemReason: String?

    /// An error with the given message.
    public init(_ description: String, systemReason: String? = nil) {
        self.description = description
        self.systemReason = systemReason
    }
}

/// An input of a command, named by the option (or argument) that gave it.
public struct CommandInput {
    /// How the user named it: `--checkpoint`, `--input`, `FILE`.
    public let option: String
    /// The path as given.
    public let path: String

    /// An input given by `option` at `path`.
    public init(_ option: String, _ path: String) {
        self.option = option
        self.path = path
    }
}

/// Checks that a command may write its output, under the policy of the file comment.
public struct OutputGuard {
    /// What the output is.
    public enum Kind: Sendable {
        /// One file (a dataset, an HDF5 result, a PNG grid).
        case file
        /// A folder of files (PNG translations, a run folder).
        case folder
    }

    /// The option that names the output (`--out`, `--output`, `--grid`).
    public let option: String
    /// The output path as given.
    public let path: String
    /// A file or a folder.
    public let kind: Kind
    /// Whether the command was given `--overwrite`.
    public let overwrite: Bool

    /// A guard for the output `path` given by `option`.
    public init(option: String, path: String, kind: Kind, overwrite: Bool) {
        self.option = option
        self.path = path
        self.kind = kind
        self.overwrite = overwrite
    }

    /// Applies the whole policy: not an input, not an existing output without `--overwrite`, and
    /// stale temporaries of earlier runs removed.
    public func claim(inputs: [CommandInput]) throws {
        try checkNotAnInput(inputs)
        try checkExisting()
        removeStaleTemporaries()
    }

    /// Throws when the output is an input, lies inside an input folder, or contains an input.
    public func checkNotAnInput(_ inputs: [CommandInput]) throws {
        let output = PathIdentity(path)
        for input in inputs {
            let other = PathIdentity(input.path)
            if output.isSameItem(as: other) {
                throw OutputError(
                    "\(option) '\(path)' is the input \(input.option) '\(input.path)'; choose another output (an input is never overwritten)"
                )
            }
            if other.isFolder && output.isInside(other) {
                throw OutputError(
                    "\(option) '\(path)' is inside the input folder \(input.option) '\(input.path)'; choose an output outside it")
            }
            if output.isFolder || kind == .folder, other.isInside(output) {
                throw OutputError(
                    "\(option) '\(path)' contains the input \(input.option) '\(input.path)'; choose an output that holds no input")
            }
        }
    }

    /// Throws when the output exists (a file, or a non-empty folder) and `--overwrite` was not
    /// given, or when it exists as the other kind.
    public func checkExisting() throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return }
        switch kind {
        case .file:
            if isFolder.boolValue { throw OutputError("\(option) '\(path)' is a folder; give a file name") }
            if !overwrite { throw OutputError("\(option) '\(path)' already exists; pass --overwrite to replace it") }
        case .folder:
            if !isFolder.boolValue { throw OutputError("\(option) '\(path)' is a file, not a folder") }
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            if !entries.isEmpty && !overwrite {
                throw OutputError("\(option) '\(path)' is not empty; pass --overwrite to replace its contents")
            }
        }
    }

    /// Removes the temporary files and folders of this output (`.<name>.tmp-<pid>-…` and
    /// `.<name>.old-<pid>-…`) left by processes of this host that no longer run.
    public func removeStaleTemporaries() {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let name = url.lastPathComponent
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for entry in entries {
            guard let pid = AtomicOutput.ownerPID(ofTemporary: entry, for: name), !ProcessLiveness.isRunning(pid) else { continue }
            try? FileManager.default.removeItem(atPath: folder + "/" + entry)
        }
    }
}

/// Whether a process of this host runs.
public enum ProcessLiveness {
    /// True when `pid` names a running process (or one this user may not signal).
    public static func isRunning(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        if kill(pid, 0) == 0 { return true }
        return errno == EPERM
    }

    /// This host's name.
    public static var hostName: String { ProcessInfo.processInfo.hostName }
}

/// A path resolved for comparison: absolute, symbolic links followed as far as it exists, and
/// the device and inode when it exists.
public struct PathIdentity {
    /// The absolute path, symbolic links of its existing part resolved.
    public let resolved: String
    let device: UInt64?
    let inode: UInt64?
    /// Whether the path is an existing folder.
    public let isFolder: Bool

    /// Resolves `path`.
    public init(_ path: String) {
        resolved = PathIdentity.resolve(path)
        var info = stat()
        if stat(path, &info) == 0 {
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
            isFolder = (info.st_mode & S_IFMT) == S_IFDIR
        } else {
            device = nil
            inode = nil
            isFolder = false
        }
    }

    /// The same path, or the same existing file under two names (a hard or symbolic link).
    public func isSameItem(as other: PathIdentity) -> Bool {
        if resolved == other.resolved { return true }
        guard let device, let inode else { return false }
        return device == other.device && inode == other.inode
    }

    /// Whether this path lies strictly inside `folder`.
    public func isInside(_ folder: PathIdentity) -> Bool {
        let prefix = folder.resolved.hasSuffix("/") ? folder.resolved : folder.resolved + "/"
        return resolved.hasPrefix(prefix) && resolved != folder.resolved
    }

    /// The absolute path with `.`, `..` and symbolic links of its existing part resolved.
    public static func resolve(_ path: String) -> String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        var existing = absolute
        var rest: [String] = []
        while !existing.isEmpty && existing != "/" {
            if let real = realpath(existing, nil) {
                defer { free(real) }
                let base = String(cString: real)
                return rest.isEmpty ? base : (base == "/" ? "" : base) + "/" + rest.reversed().joined(separator: "/")
            }
            let url = URL(fileURLWithPath: existing)
            rest.append(url.lastPathComponent)
            existing = url.deletingLastPathComponent().path
        }
        return absolute
    }
}
