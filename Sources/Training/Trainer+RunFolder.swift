// How a run takes and gives back its run folder (rank 0 only; the other ranks learn rank 0's
// verdict by a broadcast, so a refusal is the same one line and exit status 2 on every rank):
//   1. claim (first thing in set-up): the folder is created if missing and locked (RunLock in
//      FileSafety: a live holder refuses with its pid and host, a stale lock is replaced with a
//      warning); a folder that already holds a run (config.yaml, metrics.jsonl or checkpoints)
//      needs `--resume` or `--overwrite`; no input may lie inside a folder `--overwrite` clears.
//   2. commit (after the config was parsed, the dataset opened, the model built, the resume
//      checkpoint accepted and the ranks agreed): `--overwrite` deletes the old contents, the
//      resolved config.yaml is written, metrics.jsonl loses the lines past the resumed step
//      (a crash after a metrics line but before its checkpoint would repeat them), and the
//      append-only files are opened.
//   3. abandon (a start that failed before its commit): the lock file and any folder the claim
//      created are removed, so a failed start leaves nothing behind.
import Configuration
import FileSafety
import Foundation

extension Trainer {
    /// Runs `body` on rank 0; every rank throws rank 0's failure: a ``TrainingFailure`` (a
    /// system call failed: exit 1) as such, anything else as a ``ConfigError`` (exit 2).
    func onRoot(_ body: () throws -> Void) throws {
        var failure: [String]?
        if isRoot {
            do { try body() } catch let error as TrainingFailure { failure = ["failure", error.description] } catch {
                failure = ["refusal", "\(error)"]
            }
        }
        waitForRootFileWork()  // deleting an old run (--overwrite) may outlast a collective's deadline
        if let failure = try communicator.broadcast(value: failure, root: 0) {
            if failure[0] == "failure" { throw TrainingFailure(failure[1]) }
            throw ConfigError(failure[1])
        }
    }

    /// Creates (if needed), locks and checks the run folder; writes nothing else.
    func claimRunFolder() throws {
        let path = folder.path
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue {
            throw ConfigError("--out '\(path)' is a file, not a run folder")
        }
        var inputs = [CommandInput("--data", request.dataPath)]
        if let weights = request.initFrom { inputs.append(CommandInput("--init-from", weights)) }
        // Resuming with the run's own config.yaml is normal; clearing the folder that holds it is not.
        if request.overwrite { inputs.append(CommandInput("CONFIG", request.configPath)) }
        do {
            try OutputGuard(option: "--out", path: path, kind: .folder, overwrite: true).checkNotAnInput(inputs)
        } catch let error as OutputError { throw ConfigError(error.description) }

        createdFolder = Trainer.outermostMissingFolder(of: path)
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            createdFolder = nil
            throw TrainingFailure("cannot create the run folder '\(path)': \(RunFolder.systemReason(error))")
        }
        do { lock = try RunLock(folder: path) } catch let error as OutputError {
            if error.systemReason != nil { throw TrainingFailure(error.description) }
            throw ConfigError(error.description)
        }
        if let stale = lock?.replacedStaleLock { communicator.warning(stale) }

        if !request.resume && !request.overwrite, let held = folder.heldRunFiles() {
            throw ConfigError(
                "run folder '\(path)' already holds a run (\(held)); pass --resume to continue it or --overwrite to start a new run in its place"
            )
        }
    }

    /// Writes the run's files: every check of the run has passed.
    func commitStart(_ start: StartState) throws {
        do {
            if request.overwrite { try folder.removeContents(keeping: [RunLock.fileName]) }
            try folder.prepare(droppingMetricsAfter: request.resume ? start.step : nil)
            try AtomicOutput.write(config.yaml(), to: folder.configPath)
        } catch let error as ConfigError { throw error } catch let error as TrainingFailure { throw error } catch {
            throw TrainingFailure("cannot write the run folder '\(folder.path)': \(RunFolder.systemReason(error))")
        }
        startCommitted = true
        if let path = start.resumedFrom { try folder.appendLog("resumed from \(path) at step \(start.step)") }
        if request.overwrite { try folder.appendLog("started afresh (--overwrite): the previous run's files were deleted") }
        for note in startNotes { try folder.appendLog(note) }
    }

    /// Undoes the claim of a start that failed before its commit.
    func abandonStart() {
        guard isRoot, !startCommitted else { return }
        lock?.release()
        lock = nil
        guard let created = createdFolder else { return }
        // Only empty folders are removed: nothing was written, so nothing else can be there.
        var current = URL(fileURLWithPath: folder.path).standardizedFileURL.path
        let top = URL(fileURLWithPath: created).standardizedFileURL.path
        while rmdir(current) == 0, current != top {
            current = URL(fileURLWithPath: current).deletingLastPathComponent().path
        }
    }

    /// The outermost folder of `path` (itself included) that does not exist yet, if any.
    static func outermostMissingFolder(of path: String) -> String? {
        var missing: String?
        var current = URL(fileURLWithPath: path).standardizedFileURL
        while !FileManager.default.fileExists(atPath: current.path) && current.path != "/" {
            missing = current.path
            current = current.deletingLastPathComponent()
        }
        return missing
    }
}
