// HDF5File: creating and opening HDF5 files. A created file is written to a temporary file in
// the same folder and renamed over the final path only by a clean close (flushed and fsynced),
// so a crash or an error never leaves a half-written dataset or checkpoint under the real name.
import CHDF5
import Foundation

/// An open HDF5 file.
///
/// ```swift
/// let file = try HDF5File.create(at: "ckpt.h5")      // writes ".ckpt.h5.tmp-<pid>-<random>"
/// try file.root.createDataset("networks/G_A/model.1.weight", values: weights, shape: [64, 3, 7, 7])
/// try file.close()                                    // now "ckpt.h5" exists, complete
///
/// let reader = try HDF5File.open("ckpt.h5")
/// let w = try reader.root.openDataset("networks/G_A/model.1.weight").read(as: Float.self)
/// ```
///
/// Objects opened from a file (groups, datasets) keep it alive. ``close()`` closes them too:
/// using one afterwards throws. Not thread-safe: see ``HDF5Library``.
///
/// HDF5's exit handler is not installed (a failed close on a full disk made it crash at exit),
/// so a file still open when the process exits is not flushed: close or discard every file.
/// A created file is then simply not renamed into place; a file opened ``Mode/readWrite`` may
/// miss its last changes.
public final class HDF5File {

    /// How an existing file is opened.
    public enum Mode {
        /// Reading only.
        case readOnly
        /// Reading and writing in place (no temporary file: changes go straight to the file).
        case readWrite
    }

    /// The file's path as the caller gave it (for a created file: where it appears on close).
    public let path: String

    /// The temporary file being written, for a file made with ``create(at:)`` that is not
    /// closed yet; `nil` for opened files and after closing.
    public private(set) var temporaryPath: String?

    /// Whether the file is open (HDF5 objects from it can be used).
    public private(set) var isOpen: Bool

    /// The HDF5 file id.
    let id: hid_t

    private init(path: String, temporaryPath: String?, id: hid_t) {
        self.path = path
        self.temporaryPath = temporaryPath
        self.id = id
        self.isOpen = true
    }

    /// A file that is not closed is discarded: a created file's temporary file is removed.
    deinit {
        if isOpen { discard() }
    }

    /// The root group, `"/"`.
    public var root: HDF5Group {
        HDF5Group(file: self, id: id, path: "/", ownsID: false)
    }

    /// How many HDF5 objects (groups, datasets, named types, attributes) opened through this
    /// file are open now; 0 once every ``HDF5Object`` from it is released.
    ///
    /// For leak checks.
    public var openObjectCount: Int {
        guard isOpen else { return 0 }
        HDF5Library.enter()
        let types = UInt32(H5F_OBJ_DATASET | H5F_OBJ_GROUP | H5F_OBJ_DATATYPE | H5F_OBJ_ATTR | H5F_OBJ_LOCAL)
        return max(Int(H5Fget_obj_count(id, types)), 0)
    }

    var context: HDF5Context { HDF5Context(file: path, object: nil) }

    // MARK: - Creating and opening

    /// Creates a new, empty file that will appear at `path` when ``close()`` succeeds.
    ///
    /// Until then everything is written to a temporary file in the same folder, named
    /// `.<name>.tmp-<pid>-<random>`. A file that is discarded (``discard()``, an error in
    /// ``close()``, or releasing the object unclosed) removes its temporary file and leaves any
    /// existing file at `path` untouched.
    /// - Parameter path: where the finished file goes; its folder must exist.
    public static func create(at path: String) throws -> HDF5File {
        HDF5Library.enter()
        let context = HDF5Context(file: path, object: nil)
        let action = "cannot create HDF5 file"
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw context.error(action, "folder '\(folder)' does not exist")
        }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw context.error(action, "a folder of that name exists")
        }
        let random = String(UInt32.random(in: .min ... .max), radix: 16)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(random)").path

        let fapl = try accessProperties(context, action, fileLocking: true)
        defer { H5Pclose(fapl) }
        try context.check(H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V110), action)
        let id = H5Fcreate(temporary, i2i_h5f_acc_excl(), i2i_h5p_default(), fapl)
        guard id >= 0 else {
            let error = HDF5Error.fromStack(file: path, object: nil, action: action)
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        return HDF5File(path: path, temporaryPath: temporary, id: id)
    }

    /// Opens an existing HDF5 file.
    ///
    /// A missing, truncated or non-HDF5 file throws an ``HDF5Error`` saying which.
    /// - Parameters:
    ///   - path: the file.
    ///   - mode: ``Mode/readOnly`` (the default) or ``Mode/readWrite`` (changes in place).
    ///   - fileLocking: HDF5's file locking; turn it off for read-only opens on file systems
    ///     that do not support locks (some network file systems). Ignored for read-write opens.
    public static func open(_ path: String, mode: Mode = .readOnly, fileLocking: Bool = true) throws -> HDF5File {
        HDF5Library.enter()
        let context = HDF5Context(file: path, object: nil)
        let action = "cannot open HDF5 file"
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw context.error(action, "no such file")
        }
        if isFolder.boolValue { throw context.error(action, "it is a folder") }

        let fapl = try accessProperties(context, action, fileLocking: fileLocking || mode == .readWrite)
        defer { H5Pclose(fapl) }
        let flags = mode == .readOnly ? i2i_h5f_acc_rdonly() : i2i_h5f_acc_rdwr()
        let id = H5Fopen(path, flags, fapl)
        guard id >= 0 else {
            var error = HDF5Error.fromStack(file: path, object: nil, action: action)
            if let reason = error.reason {
                if reason.hasPrefix("truncated file") {
                    error = HDF5Error(
                        file: path, object: nil, action: action,
                        reason: "the file is truncated (\(reason))", stack: error.stack)
                } else if reason.hasPrefix("file signature not found") {
                    error = HDF5Error(
                        file: path, object: nil, action: action,
                        reason: "not an HDF5 file (no HDF5 signature found)", stack: error.stack)
                }
            }
            throw error
        }
        return HDF5File(path: path, temporaryPath: nil, id: id)
    }

    /// File-access properties: closing the file closes every object opened from it (so a
    /// closed file is really closed before it is renamed), and optionally no file locking.
    private static func accessProperties(_ context: HDF5Context, _ action: String, fileLocking: Bool) throws -> hid_t {
        let fapl = try context.check(H5Pcreate(i2i_h5p_file_access()), action)
        do {
            try context.check(H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG), action)
            if !fileLocking {
                try context.check(H5Pset_file_locking(fapl, false, true), action)
            }
        } catch {
            H5Pclose(fapl)
            throw error
        }
        return fapl
    }

    // MARK: - Flushing and closing

    /// Writes HDF5's buffers to the (temporary or final) file.
    public func flush() throws {
        try ensureOpen("cannot flush")
        try context.check(H5Fflush(id, H5F_SCOPE_GLOBAL), "cannot flush")
    }

    /// Closes the file and every object opened from it.
    ///
    /// The objects still open (attributes, datasets, groups, named types) are closed first, in
    /// that order, then the file is flushed and closed; every status is checked, the first
    /// failure is the error, and an id whose close failed is never used again (HDF5 1.10 may
    /// have freed it). For a file made with ``create(at:)`` this then fsyncs the temporary
    /// file, renames it to ``path`` and fsyncs the folder; on any failure the temporary file is
    /// removed, ``path`` is left as it was, and the error is thrown (except when only the final
    /// folder sync fails: the file is then in place, and the error still thrown). Closing twice
    /// does nothing.
    public func close() throws {
        guard isOpen else { return }
        HDF5Library.enter()
        isOpen = false
        let action = "cannot close HDF5 file"
        var firstError = closeOpenObjects(action)
        if firstError == nil, H5Fflush(id, H5F_SCOPE_GLOBAL) < 0 {
            firstError = HDF5Error.fromStack(file: path, object: nil, action: action)
        }
        if H5Fclose(id) < 0, firstError == nil {
            firstError = HDF5Error.fromStack(file: path, object: nil, action: action)
        }
        guard let temporary = temporaryPath else {
            if let firstError { throw firstError }
            return
        }
        temporaryPath = nil
        do {
            if let firstError { throw firstError }
            try FileSync.fsync(path: temporary, context, action)
            guard rename(temporary, path) == 0 else {
                throw context.error(action, "cannot rename the temporary file: \(FileSync.lastError())")
            }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        try FileSync.fsyncFolder(of: path, context, action)
    }

    /// Closes the file without keeping it: a created file's temporary file is removed and
    /// ``path`` is left as it was; an opened file is closed, errors ignored.
    ///
    /// Objects still open from the file are closed first (attributes, datasets, groups, named
    /// types), each once, whatever fails.
    public func discard() {
        guard isOpen else { return }
        HDF5Library.enter()
        isOpen = false
        _ = closeOpenObjects("cannot close HDF5 file")
        _ = H5Fclose(id)
        if let temporary = temporaryPath {
            temporaryPath = nil
            try? FileManager.default.removeItem(atPath: temporary)
        }
    }

    /// Closes every object still open from this file: attributes, then datasets, groups and
    /// named types; returns the first failure (the others are closed all the same, each once).
    private func closeOpenObjects(_ action: String) -> HDF5Error? {
        var firstError: HDF5Error?
        let kinds = [H5F_OBJ_ATTR, H5F_OBJ_DATASET, H5F_OBJ_GROUP, H5F_OBJ_DATATYPE]
        for kind in kinds {
            let types = UInt32(kind | H5F_OBJ_LOCAL)
            let count = H5Fget_obj_count(id, types)
            guard count > 0 else { continue }
            var ids = [hid_t](repeating: -1, count: count)
            let found = H5Fget_obj_ids(id, types, count, &ids)
            guard found > 0 else { continue }
            for object in ids.prefix(found) {
                let closed = kind == H5F_OBJ_ATTR ? H5Aclose(object) : H5Oclose(object)
                if closed < 0, firstError == nil {
                    firstError = HDF5Error.fromStack(file: path, object: nil, action: action)
                }
            }
        }
        return firstError
    }

    /// Throws when the file has been closed; run at the start of every operation.
    func ensureOpen(_ action: @autoclosure () -> String, object: String? = nil) throws {
        HDF5Library.enter()
        guard isOpen else {
            throw HDF5Error(file: path, object: object, action: action(), reason: "the file is closed")
        }
    }
}

/// `fsync` for a file and its folder, so a renamed file survives a power cut.
enum FileSync {

    /// Flushes the file at `path` to disk.
    static func fsync(path: String, _ context: HDF5Context, _ action: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw context.error(action, "cannot reopen the temporary file to sync it: \(lastError())")
        }
        defer { closeDescriptor(fd) }
        guard Foundation.fsync(fd) == 0 else { throw context.error(action, "fsync failed: \(lastError())") }
    }

    /// Flushes the directory entry of `path` (its folder) to disk.
    ///
    /// File systems that cannot sync folders (EINVAL) are accepted.
    static func fsyncFolder(of path: String, _ context: HDF5Context, _ action: String) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let fd = open(folder, O_RDONLY)
        guard fd >= 0 else { return }
        defer { closeDescriptor(fd) }
        if Foundation.fsync(fd) != 0 && errno != EINVAL {
            throw context.error(action, "fsync of folder '\(folder)' failed: \(lastError())")
        }
    }

    /// The system's message for `errno`.
    static func lastError() -> String {
        String(cString: strerror(errno))
    }

    private static func closeDescriptor(_ fd: Int32) {
        #if canImport(Glibc)
            _ = Glibc.close(fd)
        #else
            _ = Darwin.close(fd)
        #endif
    }
}
