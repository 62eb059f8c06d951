// Runs the real `i2i` executable (built next to the test bundle) in a temporary folder, alone
// or under `mpirun`, with a hard time limit, and returns its status and output.
import Foundation
import TestSupport
import XCTest

/// One finished command.
struct CommandResult {
    var status: Int32
    var output: String
}

/// A temporary working folder with helpers to run `i2i` in it.
final class CLIWorkspace {
    let folder: String

    init(_ name: String) throws {
        folder = NSTemporaryDirectory() + "i2i-cli-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: folder) }

    /// The `i2i` executable built with the tests.
    static let executable: String? = Executables.built("i2i")

    /// The `mpirun` on PATH, if any.
    static let mpirun: String? = Executables.mpirun

    /// The repository's configs folder.
    static let configs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("configs").path

    /// Writes `text` to a file in the workspace and returns its path.
    func write(_ name: String, _ text: String) throws -> String {
        let path = folder + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Runs `i2i arguments…` in the workspace (no MPI environment).
    func i2i(_ arguments: [String], limit: Double = 300) throws -> CommandResult {
        guard let exe = CLIWorkspace.executable else { throw XCTSkip("the i2i executable is not built next to the tests") }
        var env = ProcessInfo.processInfo.environment
        for key in env.keys where key.hasPrefix("OMPI_") || key.hasPrefix("PMI") { env[key] = nil }
        return run(exe, arguments, environment: env, limit: limit)
    }

    /// Runs `i2i arguments…` on `ranks` MPI ranks.
    func mpi(ranks: Int, _ arguments: [String], limit: Double = 300) throws -> CommandResult {
        guard let exe = CLIWorkspace.executable else { throw XCTSkip("the i2i executable is not built next to the tests") }
        guard let mpirun = CLIWorkspace.mpirun else { throw XCTSkip("mpirun is not installed") }
        var launcher = ["--oversubscribe", "--bind-to", "none", "-np", String(ranks), "-x", "I2I_THREADS=1"]
        if geteuid() == 0 { launcher.insert("--allow-run-as-root", at: 0) }
        return run(mpirun, launcher + [exe] + arguments, environment: ProcessInfo.processInfo.environment, limit: limit)
    }

    private func run(_ exe: String, _ arguments: [String], environment: [String: String], limit: Double) -> CommandResult {
        let log = folder + "/.output-\(UInt32.random(in: 0...UInt32.max))"
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = FileHandle(forWritingAtPath: log)!
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = arguments
        p.environment = environment
        p.currentDirectoryURL = URL(fileURLWithPath: folder)
        p.standardOutput = handle
        p.standardError = handle
        do { try p.run() } catch { return CommandResult(status: -1, output: "cannot start \(exe): \(error)") }
        let deadline = Date().addingTimeInterval(limit)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning { p.terminate(); usleep(200_000); kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        try? handle.close()
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: log)
        return CommandResult(status: p.terminationStatus, output: output)
    }
}
