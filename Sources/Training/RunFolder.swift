// The run folder: the resolved config, checkpoints, sample grids,
// metrics.jsonl (one JSON object per logged step) and its TensorBoard event files, the run page
// index.html, log.txt and the lock (run.lock, see
// Trainer+RunFolder.swift). Only rank 0 writes here, and only once every check of a run passed.
import Checkpointing
import Configuration
import FileSafety
import Foundation

/// Paths and append-only files of a run.
public final class RunFolder {
    public let path: String
    public var checkpoints: CheckpointFolder { CheckpointFolder(path: path + "/checkpoints") }
    public var samplesPath: String { path + "/samples" }
    public var configPath: String { path + "/config.yaml" }
    public var metricsPath: String { path + "/metrics.jsonl" }
    public var logPath: String { path + "/log.txt" }
    /// TensorBoard's event files (`tensorboard --logdir RUN_DIR/tensorboard`).
    public var tensorBoardPath: String { path + "/tensorboard" }
    /// The run page, rewritten at each sample step.
    public var pagePath: String { path + "/index.html" }
    /// Written when the run has finished its schedule (launch scripts stop resuming then).
    public var finishedMarker: String { path + "/checkpoints/FINISHED" }
    private var metrics: FileHandle?
    private var log: FileHandle?
    /// This start's TensorBoard event file (rank 0, once the start is committed).
    public private(set) var tensorBoard: TensorBoardLog?

    public init(path: String) { self.path = path }

    /// Creates the folders and opens the append-only files; for a resumed run, first drops the
    /// metrics lines of steps after `step` (and a torn last line), so each step appears once.
    public func prepare(droppingMetricsAfter step: Int? = nil) throws {
        let fm = FileManager.default
        for p in [path, checkpoints.path, samplesPath] {
            do { try fm.createDirectory(atPath: p, withIntermediateDirectories: true) } catch {
                throw TrainingFailure("cannot create the run folder '\(p)': \(RunFolder.systemReason(error))")
            }
        }
        if let step { try dropMetrics(after: step) }
        metrics = try RunFolder.appending(metricsPath)
        log = try RunFolder.appending(logPath)
        tensorBoard = try TensorBoardLog(folder: tensorBoardPath, droppingEventsAfter: step)
    }

    /// What shows that the folder already holds a run ("config.yaml, checkpoints"), or nil.
    public func heldRunFiles() -> String? {
        let fm = FileManager.default
        var held: [String] = []
        for name in ["config.yaml", "metrics.jsonl"] where fm.fileExists(atPath: path + "/" + name) { held.append(name) }
        if let entries = try? fm.contentsOfDirectory(atPath: checkpoints.path), !entries.isEmpty { held.append("checkpoints") }
        return held.isEmpty ? nil : held.joined(separator: ", ")
    }

    /// Deletes everything in the folder but the entries named in `kept`.
    public func removeContents(keeping kept: Set<String>) throws {
        let fm = FileManager.default
        for entry in try fm.contentsOfDirectory(atPath: path) where !kept.contains(entry) {
            try fm.removeItem(atPath: path + "/" + entry)
        }
    }

    /// Rewrites metrics.jsonl (atomically) without the lines whose step is after `step`, nor a
    /// last line a crash cut short.
    func dropMetrics(after step: Int) throws {
        guard let data = FileManager.default.contents(atPath: metricsPath) else { return }
        let text = String(decoding: data, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if !text.hasSuffix("\n") { lines.removeLast() }  // torn by a crash (or empty)
        let kept = lines.filter { line in
            guard !line.isEmpty else { return false }
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let lineStep = object["step"] as? Int
            else { return false }
            return lineStep <= step
        }
        let result = kept.map { $0 + "\n" }.joined()
        if result != text { try AtomicOutput.write(result, to: metricsPath) }
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

    /// The system's one-line reason behind a Foundation file error ("No space left on device",
    /// "Read-only file system"), or the error's own description.
    public static func systemReason(_ error: Error) -> String {
        if let output = error as? OutputError { return output.systemReason ?? output.description }
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
        tensorBoard?.close()
        metrics = nil
        log = nil
        tensorBoard = nil
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
