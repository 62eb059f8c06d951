// Runs DistributedHarness under the real `mpirun` (or alone) for the tests, with a hard time
// limit, and returns its exit status, combined output and run time.
import Foundation
import TestSupport
import XCTest

/// One finished run of the harness.
struct JobResult {
    var status: Int32
    var output: String
    var seconds: Double

    /// Lines of one rank ("rank R: …" as printed by the harness).
    func lines(ofRank rank: Int) -> [String] {
        output.split(separator: "\n").map(String.init).filter { $0.hasPrefix("rank \(rank): ") }
    }
}

enum MPIJob {
    /// The `mpirun` on PATH, if any.
    static let mpirun: String? = Executables.mpirun

    /// The harness executable, built next to the test bundle.
    static let harness: String? = Executables.built("DistributedHarness")

    /// Skips the calling test when `mpirun` is missing; fails it when the harness is missing.
    static func requireMPI() throws {
        guard mpirun != nil else { throw XCTSkip("mpirun is not installed") }
        guard harness != nil else {
            XCTFail("DistributedHarness not found next to the tests; build with `swift build --build-tests`")
            throw XCTSkip("no harness")
        }
    }

    /// Runs the harness with `arguments` on `ranks` ranks under `mpirun`, killing the job after
    /// `limit` seconds (the test then fails on the status and time).
    static func run(ranks: Int, _ arguments: [String], limit: Double = 60) -> JobResult {
        var launcher = ["--oversubscribe", "--bind-to", "none", "-np", String(ranks)]
        if geteuid() == 0 { launcher.insert("--allow-run-as-root", at: 0) }
        return execute(mpirun!, launcher + [harness!] + arguments, environment: [:], limit: limit)
    }

    /// Runs the harness alone, with every MPI launcher variable removed from its environment.
    static func runAlone(_ arguments: [String], limit: Double = 30) -> JobResult {
        var environment = ProcessInfo.processInfo.environment
        for key in environment.keys where key.hasPrefix("OMPI_") || key.hasPrefix("PMI") || key.hasPrefix("PMIX") {
            environment[key] = nil
        }
        return execute(harness!, arguments, environment: environment, limit: limit, replaceEnvironment: true)
    }

    /// Runs `executable` with `arguments`, killing it after `limit` seconds.
    static func execute(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                        limit: Double, replaceEnvironment: Bool = false) -> JobResult {
        let log = FileManager.default.temporaryDirectory
            .appendingPathComponent("i2i-mpi-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try! FileHandle(forWritingTo: log)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = replaceEnvironment ? environment : ProcessInfo.processInfo.environment.merging(environment) { $1 }
        // Containers often forbid the cross-memory attach that Open MPI's shared-memory transport
        // tries first; the copy-in/copy-out path works everywhere.
        env["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none"
        process.environment = env
        process.standardOutput = handle
        process.standardError = handle
        let start = Date()
        do { try process.run() } catch {
            return JobResult(status: -1, output: "could not start \(executable): \(error)", seconds: 0)
        }
        let deadline = start.addingTimeInterval(limit)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        var killed = false
        if process.isRunning {
            killed = true
            process.terminate()
            let grace = Date().addingTimeInterval(5)
            while process.isRunning && Date() < grace { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        try? handle.close()
        let seconds = Date().timeIntervalSince(start)
        var output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        if killed { output += "\n[test] killed after \(limit) s" }
        return JobResult(status: process.terminationStatus, output: output, seconds: seconds)
    }
}
