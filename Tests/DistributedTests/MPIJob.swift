// Runs DistributedHarness for the tests through TestSupport's process runner: under the real
// `mpirun` on N ranks, through the repository's `launch/mpirun-local`, or alone without any MPI
// environment. `I2I_THREADS` is removed from the environment so the ranks take the default
// thread count, which the tests then know. A missing harness or `mpirun` fails the test.
import Foundation
import TestSupport

enum MPIJob {
    /// The harness executable built next to the test bundle.
    static func harness() throws -> String { try Executables.requireBuilt("DistributedHarness") }

    /// The environment changes for every harness run.
    private static let setting: [String: String?] = ["I2I_THREADS": nil]

    /// Runs the harness with `arguments` on `ranks` ranks under `mpirun`, stopping the job after
    /// `limit` seconds (the test then fails on the status and time).
    static func run(ranks: Int, _ arguments: [String], limit: Double = 60) throws -> ProcessResult {
        try MPIRun.command(ranks: ranks, try harness(), arguments, setting: setting).run(limit: limit)
    }

    /// Runs the harness on `ranks` ranks through `launch/mpirun-local` (which picks its own
    /// mpirun options).
    static func runThroughLocalLauncher(ranks: Int, _ arguments: [String], limit: Double = 60) throws -> ProcessResult {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let launcher = root.appendingPathComponent("launch/mpirun-local").path
        _ = try Executables.requireMPIRun()
        return try Command(
            launcher, [String(ranks), try harness()] + arguments,
            setting: MPIRun.jobEnvironment.merging(setting) { $1 }
        ).run(limit: limit)
    }

    /// Runs the harness alone, with every MPI launcher variable removed from its environment.
    static func runAlone(_ arguments: [String], limit: Double = 30) throws -> ProcessResult {
        try Command(try harness(), arguments, setting: setting).run(limit: limit)
    }
}

extension ProcessResult {
    /// Lines of one rank ("rank R: …" as printed by the harness).
    func lines(ofRank rank: Int) -> [String] {
        output.split(separator: "\n").map(String.init).filter { $0.hasPrefix("rank \(rank): ") }
    }
}
