// The run folder: the resolved config, checkpoints, sample grids,
// metrics.jsonl (one JSON object per logged step) and log.txt. Only rank 0 writes here.
import Checkpointing
import Configuration
import Foundation

/// Paths and append-only files of a run.
public final class RunFolder {
    public let path: String
    public var checkpoints: CheckpointFolder { CheckpointFolder(path: path + "/checkpoints") }
    public var samplesPath: String { path + "/samples" }
    public var configPath: String { path + "/config.yaml" }
    public var metricsPath: String { path + "/metrics.jsonl" }
    public var logPath: String { path + "/log.txt" }
    /// Written when the run has finished its schedule (launch scripts stop resuming then).
    public var finishedMarker: String { path + "/checkpoints/FINISHED" }
    private var metrics: FileHandle?
    private var log: FileHandle?

    public init(path: String) { self.path = path }

    /// Creates the folders and opens the append-only files.
    public func prepare() throws {
        let fm = FileManager.default
        for p in [path, checkpoints.path, samplesPath] {
            do { try fm.createDirectory(atPath: p, withIntermediateDirectories: true) } catch {
                throw TrainingFailure("cannot create the run folder '\(p)': \(RunFolder.systemReason(error))")
            }
        }
        metrics = try RunFolder.appending(metricsPath)
        log = try RunFolder.appending(logPath)
    }

    private static func appending(_ path: String) throws -> FileHandle {
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw TrainingFailure("cannot create '\(path)': \(String(cString: strerror(errno)))")
            }
        }
        guard let h = FileHandle(forWritingAtPath: path) else {
            throw TrainingFailure("cannot open '\(path)' for writing: \(String(cString: strerror(errno)))")
        }
        h.seekToEndOfFile()
        return h
    }

    /// Writes `text` to `path` atomically (temporary file, then rename).
    ///
    /// A failure throws a ``TrainingFailure``: `cannot write '<path>': <the system's reason>`.
    public static func writeAtomically(_ text: String, to path: String) throws {
        do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
            throw TrainingFailure("cannot write '\(path)': \(systemReason(error))")
        }
    }

    /// The system's one-line reason behind a Foundation file error ("No space left on device",
    /// "Read-only file system"), or the error's own description.
    public static func systemReason(_ error: Error) -> String {
        var current = error as NSError
        while current.domain != NSPOSIXErrorDomain, let underlying = current.userInfo[NSUnderlyingErrorKey] {
            guard let next = underlying as? Error else { break }
            current = next as NSError
        }
        if current.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(current.code))) }
        return (error as NSError).localizedDescription.split(separator: "\n").first.map(String.init) ?? "\(error)"
    }

    /// Appends one JSON object (keys in the given order) to metrics.jsonl.
    ///
    /// Throws a ``TrainingFailure`` naming the file and the system's reason when the write
    /// fails (a full disk, a file system gone read-only).
    public func appendMetrics(_ fields: [(String, Any)]) throws {
        let body = fields.map { "\"\($0.0)\": \(RunFolder.json($0.1))" }.joined(separator: ", ")
        try RunFolder.append("{" + body + "}\n", to: metrics, metricsPath)
    }

    /// Appends a timestamped line to log.txt; throws like ``appendMetrics(_:)``.
    public func appendLog(_ line: String) throws {
        let stamp = ISO8601DateFormatter().string(from: Date())
        try RunFolder.append("\(stamp) \(line)\n", to: log, logPath)
    }

    /// Writes `text` through `handle` (nothing when it is not open), turning a failed write into
    /// one line: `cannot write '<path>': No space left on device`.
    private static func append(_ text: String, to handle: FileHandle?, _ path: String) throws {
        guard let handle else { return }
        do { try handle.write(contentsOf: Data(text.utf8)) } catch {
            throw TrainingFailure("cannot write '\(path)': \(systemReason(error))")
        }
    }

    /// Closes the files.
    public func close() {
        try? metrics?.close()
        try? log?.close()
        metrics = nil
        log = nil
    }

    static func json(_ value: Any) -> String {
        switch value {
        case let v as String:
            return "\"" + v.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        case let v as Int: return String(v)
        // Shortest text that reads back to the same value, so runs can be compared exactly.
        case let v as Double: return v.isFinite ? "\(v)" : "null"
        case let v as Float: return v.isFinite ? "\(v)" : "null"
        case let v as Bool: return v ? "true" : "false"
        case let v as [(String, Any)]: return "{" + v.map { "\"\($0.0)\": \(json($0.1))" }.joined(separator: ", ") + "}"
        default: return "null"
        }
    }
}
