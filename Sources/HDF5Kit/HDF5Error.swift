// HDF5Error, the one error type of HDF5Kit, and HDF5Library, the set-up every entry point runs.
// An error names the file, the object path and what was attempted, and folds in HDF5's own
// error stack (whose automatic printing is switched off), so a failure reads as one clear line
// instead of a page of HDF5-DIAG output on stderr.
import CHDF5

/// The linked HDF5 C library.
///
/// HDF5Kit is a small Swift API over HDF5 for i2i's dataset and checkpoint files: files
/// (``HDF5File``, created through a temporary file renamed on a clean close), groups
/// (``HDF5Group``), numeric and string datasets (``HDF5Dataset``) and attributes.
///
/// ```swift
/// let file = try HDF5File.create(at: "data.h5")
/// let images = try file.root.createDataset("trainA/images", of: UInt8.self,
///                                          shape: [0, 256, 256, 3], chunkShape: [1, 256, 256, 3],
///                                          gzipLevel: 4, extendible: true)
/// try images.append(pixels)          // one image of 256·256·3 bytes
/// try file.root.setAttribute("image_size", 256)
/// try file.close()                   // flush, fsync, rename into place
/// ```
///
/// ## Threads
/// HDF5Kit is **not thread-safe**. Its types are not `Sendable`: use a file and every object
/// opened from it on one thread at a time, and do not use two files from two threads at
/// once. That is the caller's responsibility; HDF5Kit does no locking of its own. (The HDF5
/// build on Debian serialises its C calls internally, but HDF5Kit does not rely on it.)
///
/// ## Errors
/// Every failure throws ``HDF5Error``, which names the file and the object path. HDF5's
/// automatic printing of its error stack to stderr is switched off (per thread, at the first
/// HDF5Kit call on that thread) and its messages are folded into the error instead.
public enum HDF5Library {

    /// The HDF5 library version, such as `"1.10.8"`.
    public static var version: String {
        enter()
        var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
        _ = H5get_libversion(&major, &minor, &release)
        return "\(major).\(minor).\(release)"
    }

    /// Whether the library can write gzip-compressed (deflate) datasets.
    public static var hasGzip: Bool {
        enter()
        return H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0
    }

    /// Run at every HDF5Kit entry point: switches HDF5's automatic error printing off for the
    /// calling thread the first time (a thread-local flag, so this is cheap afterwards).
    @inline(__always)
    static func enter() {
        i2i_h5_silence_errors()
    }
}

// MARK: - The error

/// A failed HDF5 operation, naming the file, the object inside it and what was attempted.
///
/// The description is one line, for example
/// `cannot open dataset '/trainA/images' in 'data.h5': object 'images' doesn't exist`.
/// HDF5's own diagnostics (its error stack) are kept in ``stack`` for debugging; the most
/// specific of them becomes the ``reason`` when HDF5Kit has no better explanation.
public struct HDF5Error: Error, CustomStringConvertible, Equatable {

    /// The file as the caller named it (for a file being created: its final path, not the
    /// temporary file).
    public let file: String

    /// The absolute path of the object inside the file (`"/trainA/images"`), or `nil` when the
    /// operation concerned the file as a whole (creating, opening, closing).
    public let object: String?

    /// What was attempted, as a phrase: `"cannot open dataset"`.
    public let action: String

    /// Why it failed, when known: HDF5Kit's own explanation or HDF5's most specific message.
    public let reason: String?

    /// HDF5's error stack at the time of the failure, most specific entry first, each written
    /// `"function(): message"`.
    ///
    /// Empty when HDF5Kit detected the problem itself.
    public let stack: [String]

    /// Creates an error; `stack` is normally filled by HDF5Kit from HDF5's error stack.
    public init(file: String, object: String?, action: String, reason: String?, stack: [String] = []) {
        self.file = file
        self.object = object
        self.action = action
        self.reason = reason
        self.stack = stack
    }

    /// One line: action, object path, file and reason.
    public var description: String {
        var text = action
        if let object { text += " '\(object)' in" }
        text += " '\(file)'"
        if let reason { text += ": \(reason)" }
        return text
    }
}

// MARK: - Building errors from HDF5's error stack

extension HDF5Error {

    /// An error whose reason is HDF5's most specific message on the calling thread's error
    /// stack.
    ///
    /// Must be called right after the failing HDF5 call: the next API call clears it.
    static func fromStack(file: String, object: String?, action: String) -> HDF5Error {
        let entries = currentStack()
        let reason = entries.first.map { cleanedReason($0.desc) } ?? nil
        let stack = entries.map { "\($0.function)(): \($0.desc)" }
        return HDF5Error(
            file: file, object: object, action: action,
            reason: reason ?? "HDF5 reported a failure without a message", stack: stack)
    }

    /// The default error stack of the calling thread, most specific entry first.
    static func currentStack() -> [(function: String, desc: String)] {
        final class Collector { var entries: [(function: String, desc: String)] = [] }
        let collector = Collector()
        let walker: H5E_walk2_t = { _, error, data in
            guard let error = error?.pointee, let data else { return 0 }
            let collector = Unmanaged<Collector>.fromOpaque(data).takeUnretainedValue()
            let function = error.func_name.map { String(cString: $0) } ?? "?"
            let desc = error.desc.map { String(cString: $0) } ?? ""
            collector.entries.append((function, desc))
            return 0
        }
        withExtendedLifetime(collector) {
            _ = H5Ewalk2(
                i2i_h5e_default(), H5E_WALK_UPWARD, walker,
                Unmanaged.passUnretained(collector).toOpaque())
        }
        return collector.entries
    }

    /// Shortens HDF5's messages where they bury the useful part: the low-level file driver
    /// writes `unable to open file: name = '…', errno = 13, error message = 'Permission
    /// denied', …`, of which the system's message is what a user needs.
    static func cleanedReason(_ desc: String) -> String? {
        let trimmed = desc.trimmingWhitespace()
        if let range = trimmed.range(of: "error message = '") {
            let rest = trimmed[range.upperBound...]
            if let end = rest.firstIndex(of: "'") { return String(rest[..<end]) }
        }
        return trimmed.isEmpty ? nil : trimmed
    }
}

// MARK: - Context: who is failing, and the checks that throw

/// The file and object an operation works on, used to build errors that name both.
struct HDF5Context {
    /// The file as the caller named it.
    let file: String
    /// The object's absolute path, or `nil` for the file as a whole.
    let object: String?

    /// Returns `result`, or throws an error built from HDF5's stack when it is negative
    /// (HDF5's convention for failure in ids, statuses, tri-state booleans and sizes).
    @discardableResult
    func check<R: BinaryInteger>(_ result: R, _ action: @autoclosure () -> String) throws -> R {
        if result < 0 {
            throw HDF5Error.fromStack(file: file, object: object, action: action())
        }
        return result
    }

    /// An error with HDF5Kit's own reason (no HDF5 stack involved).
    func error(_ action: String, _ reason: String?) -> HDF5Error {
        HDF5Error(file: file, object: object, action: action, reason: reason)
    }

    /// The same file, another object.
    func with(object: String?) -> HDF5Context {
        HDF5Context(file: file, object: object)
    }
}

extension StringProtocol {
    /// The string without leading and trailing spaces and newlines (HDF5 messages end in one).
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }),
            let last = lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(self[first...last])
    }
}
