// HDF5Object: what groups and datasets share — the owning file, the absolute object path used
// in error messages, and ownership of the HDF5 id (closed exactly once, in deinit, unless the
// file's close already closed it).
import CHDF5

/// What an object path names.
public enum HDF5ObjectKind: Equatable {
    case group
    case dataset
    /// A committed (named) datatype or anything else HDF5 can store at a path.
    case other
}

/// A group or dataset in an open ``HDF5File``; attributes live here.
public class HDF5Object {

    /// The file the object belongs to (kept alive by the object).
    public let file: HDF5File

    /// The object's absolute path in the file, `"/"` for the root group.
    public let path: String

    /// The HDF5 object id.
    let id: hid_t

    /// Whether this object closes `id` (the root group borrows the file's id).
    private let ownsID: Bool

    init(file: HDF5File, id: hid_t, path: String, ownsID: Bool = true) {
        self.file = file
        self.id = id
        self.path = path
        self.ownsID = ownsID
    }

    /// Closing the file closes its objects; only objects of an open file close themselves.
    deinit {
        if ownsID && file.isOpen {
            HDF5Library.enter()
            _ = H5Oclose(id)
        }
    }

    /// The last component of ``path`` (`"images"` for `"/trainA/images"`, `"/"` for the root).
    public var name: String {
        path == "/" ? "/" : String(path.split(separator: "/").last ?? "")
    }

    /// Errors from this object name its file and its path.
    var context: HDF5Context { HDF5Context(file: file.path, object: path) }

    /// The object's id, or an error when the file has been closed.
    func validID(_ action: @autoclosure () -> String) throws -> hid_t {
        try file.ensureOpen(action(), object: path)
        return id
    }

    /// The absolute, normalised path of `relative` seen from this object: `"a/b"` under
    /// `"/x"` is `"/x/a/b"`; a path starting with `/` is taken from the root.
    func absolutePath(_ relative: String) -> String {
        let base: [Substring] = relative.hasPrefix("/") ? [] : path.split(separator: "/")
        let parts = base + relative.split(separator: "/").filter { $0 != "." }
        return "/" + parts.joined(separator: "/")
    }
}

extension HDF5Object: CustomStringConvertible {
    /// `"/trainA/images in data.h5"`.
    public var description: String { "\(path) in \(file.path)" }
}
