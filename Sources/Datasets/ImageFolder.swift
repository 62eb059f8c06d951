// Finding the images under a folder: recursive, sorted, by extension, deterministic.
import Foundation
import TensorCore

/// The image files under a folder.
///
/// ```swift
/// let horses = try ImageFolder(path: "data/horses")
/// horses.files      // ["a/001.jpg", "a/002.JPG", "b/x.png"], relative paths sorted by bytes
/// ```
public struct ImageFolder: Sendable {
    /// File extensions taken as images (compared without case).
    public static let extensions: Set<String> = ["jpg", "jpeg", "png"]

    /// The folder as given.
    public let path: String
    /// Relative paths of the image files, sorted by their UTF-8 bytes.
    public let files: [String]
    /// Entries that could not be listed (unreadable sub-folders), with the reason.
    public let problems: [(path: String, reason: String)]

    /// Lists `path` recursively.
    ///
    /// Names starting with "." (hidden files and folders, such as
    /// macOS `._x.jpg` companions) are ignored, and symbolic links are followed unless they
    /// lead back into a folder already being listed. A missing path, or one that is not a
    /// folder, is an error; an empty result is not (the caller decides).
    public init(path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw DatasetError("folder '\(path)' does not exist or cannot be read (\(String(cString: strerror(errno))))")
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { throw DatasetError("'\(path)' is not a folder") }
        self.path = path
        var files: [String] = []
        var problems: [(String, String)] = []
        var visiting: Set<[UInt64]> = [[UInt64(info.st_dev), UInt64(info.st_ino)]]
        ImageFolder.walk(root: path, relative: "", visiting: &visiting, files: &files, problems: &problems)
        self.files = files.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        self.problems = problems.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
    }

    /// Whether a file name has an image extension.
    public static func isImageName(_ name: String) -> Bool {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return false }
        return extensions.contains(name[name.index(after: dot)...].lowercased())
    }

    /// The name without its extension (`"a/b.c.png"` → `"a/b.c"`), for matching images to labels.
    public static func stem(_ relativePath: String) -> String {
        guard let dot = relativePath.lastIndex(of: "."), !relativePath[dot...].contains("/") else { return relativePath }
        return String(relativePath[..<dot])
    }

    private static func walk(
        root: String, relative: String, visiting: inout Set<[UInt64]>,
        files: inout [String], problems: inout [(String, String)]
    ) {
        let folder = relative.isEmpty ? root : root + "/" + relative
        guard let directory = opendir(folder) else {
            problems.append((relative.isEmpty ? "." : relative, "cannot list the folder (\(String(cString: strerror(errno))))"))
            return
        }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(directory)
        for name in names where !name.hasPrefix(".") {
            let child = relative.isEmpty ? name : relative + "/" + name
            var info = stat()
            guard stat(root + "/" + child, &info) == 0 else {
                // A dangling link or a file removed meanwhile: report it if it looks like an image.
                if isImageName(name) { files.append(child) }
                continue
            }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                let key = [UInt64(info.st_dev), UInt64(info.st_ino)]
                guard visiting.insert(key).inserted else { continue }
                walk(root: root, relative: child, visiting: &visiting, files: &files, problems: &problems)
                visiting.remove(key)
            } else if isImageName(name) {
                files.append(child)
            }
        }
    }
}

/// The deterministic train/test assignment by file name.
public enum TestSplit {
    /// A number in [0, 1) fixed by the relative path alone: the top 53 bits of the path's
    /// ``StableHash``, mixed (``StableHash/mix(_:)``) so that similar names spread evenly.
    public static func unitHash(_ relativePath: String) -> Double {
        Double(StableHash.mix(StableHash.value(of: relativePath)) >> 11) / 9_007_199_254_740_992.0
    }

    /// Whether the file at `relativePath` goes to the test split for a test fraction `fraction`.
    public static func isTest(_ relativePath: String, fraction: Double) -> Bool {
        unitHash(relativePath) < fraction
    }
}
