// The run's TensorBoard event files, RUN_DIR/tensorboard/events.out.tfevents.<time>.<host>.<pid>
// (rank 0): every metrics.jsonl field as a scalar curve (losses under `loss/`, learning rates
// under `learning_rate/`, images/s and the data/compute/communication split under `speed/` and
// `time/`) and each sample grid as an image. `tensorboard --logdir RUN_DIR/tensorboard` shows
// them while the run goes on: every event is written whole and flushed.
//
// A resumed run continues the same curves: its first step is the checkpoint's step + 1, so the
// events a crash left past the checkpoint (logged but not checkpointed, hence logged again) are
// first removed from the older files, each rewritten atomically, as metrics.jsonl is. Each
// start then opens a new file; TensorBoard reads the files of the folder in name order.
import FileSafety
import Foundation

/// Appends summaries to a run's event file.
public final class TensorBoardLog {
    /// RUN_DIR/tensorboard.
    public let folder: String
    /// This start's event file.
    public let path: String
    private let handle: FileHandle

    /// Opens a new event file in `folder` (created if missing) after removing the events of
    /// steps after `step` from the files there (a resumed run).
    public init(folder: String, droppingEventsAfter step: Int? = nil) throws {
        self.folder = folder
        let fm = FileManager.default
        do { try fm.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw TrainingFailure("cannot create '\(folder)': \(RunFolder.systemReason(error))")
        }
        if let step {
            for file in TensorBoardLog.eventFiles(in: folder) { try TensorBoardLog.dropEvents(after: step, in: file) }
        }
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        // Ten digits of seconds keep the names in time order: a start in the same second as the
        // newest file (or with a clock set back) takes the next second.
        let newest = TensorBoardLog.eventFiles(in: folder).compactMap { file -> Int? in
            let parts = (file as NSString).lastPathComponent.split(separator: ".")
            return parts.count > 3 ? Int(parts[3]) : nil
        }.max()
        let seconds = max(Int(Date().timeIntervalSince1970), (newest ?? 0) + 1)
        path = folder + String(format: "/events.out.tfevents.%010d.", seconds) + "\(host).\(getpid()).i2i"
        guard fm.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw TrainingFailure("cannot create '\(path)': \(String(cString: strerror(errno)))")
        }
        self.handle = handle
        try append(EventRecords.fileVersionEvent(wallTime: Date().timeIntervalSince1970))
    }

    /// The event files of `folder`, in the order TensorBoard reads them.
    public static func eventFiles(in folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasPrefix("events.out.tfevents.") }.sorted().map { folder + "/" + $0 }
    }

    /// Appends one event at `step` holding `values`.
    public func write(step: Int, values: [SummaryValue]) throws {
        try append(EventRecords.summaryEvent(step: step, wallTime: Date().timeIntervalSince1970, values: values))
    }

    /// Appends the scalars of one metrics line: every field but `step` under its group.
    public func writeMetrics(step: Int, fields: [(String, Any)], losses: Set<String>) throws {
        var values: [SummaryValue] = []
        for (name, value) in fields where name != "step" {
            let number: Double
            switch value {
            case let v as Double: number = v
            case let v as Float: number = Double(v)
            case let v as Int: number = Double(v)
            default: continue
            }
            values.append(.scalar(tag: TensorBoardLog.tag(forMetric: name, isLoss: losses.contains(name)), value: Float(number)))
        }
        try write(step: step, values: values)
    }

    /// The TensorBoard tag of a metrics.jsonl field: `loss/G_A`, `learning_rate/G`,
    /// `speed/images_per_second`, `time/compute`, `progress/epoch`.
    public static func tag(forMetric name: String, isLoss: Bool) -> String {
        if isLoss { return "loss/" + name }
        if name.hasPrefix("lr_") { return "learning_rate/" + name.dropFirst(3) }
        if name.hasPrefix("time_") { return "time/" + name.dropFirst(5) }
        if name == "images_per_second" { return "speed/" + name }
        return "progress/" + name
    }

    /// Closes the file.
    public func close() { try? handle.close() }

    private func append(_ event: [UInt8]) throws {
        do { try handle.write(contentsOf: Data(EventRecords.record(event))) } catch {
            throw TrainingFailure("cannot write '\(path)': \(RunFolder.systemReason(error))")
        }
    }

    /// Rewrites `file` (atomically) without the events of steps after `step`, nor a torn tail.
    static func dropEvents(after step: Int, in file: String) throws {
        guard let data = FileManager.default.contents(atPath: file) else { return }
        let bytes = [UInt8](data)
        let records = EventRecords.records(in: bytes)
        // The file-version event has no step (0): it always stays.
        let kept = records.filter { EventRecords.step(ofEvent: $0) <= step }
        let result = kept.flatMap(EventRecords.record)
        guard result != bytes else { return }
        do { try AtomicOutput.write(Data(result), to: file) } catch {
            throw TrainingFailure("cannot rewrite '\(file)': \(RunFolder.systemReason(error))")
        }
    }
}
