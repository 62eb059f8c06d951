// Jobs under Open MPI's real `mpirun` for the tests, as `Command`s of the process runner
// (ProcessRunner.swift): one program on N ranks, or several programs side by side (MPMD:
// `mpirun -np 1 a : -np 2 b`), with the options every test job needs on a small shared machine,
// and a way to find the process of each rank of a running job (to signal or kill one rank).
import Foundation

/// One program of an MPI job: how many ranks run it and the command line each of them runs.
public struct MPIProgram: Sendable {
    /// The number of ranks that run this program.
    public var ranks: Int
    /// The program's executable.
    public var executable: String
    /// Its arguments.
    public var arguments: [String]
    /// The hosts its ranks run on (`mpirun --host`); nil lets `mpirun` place them.
    public var hosts: [String]?

    /// `ranks` ranks running `executable arguments…`, on `hosts` when given.
    public init(ranks: Int, _ executable: String, _ arguments: [String], hosts: [String]? = nil) {
        self.ranks = ranks
        self.executable = executable
        self.arguments = arguments
        self.hosts = hosts
    }
}

/// Builds `mpirun` command lines for test jobs.
public enum MPIRun {
    /// The options every test job gets: `--oversubscribe` (more ranks than cores: tests run 3
    /// ranks on 2 cores), `--bind-to none` (ranks share the cores instead of each being pinned
    /// to one), and `--allow-run-as-root` when the tests run as root (containers, CI).
    public static var launcherOptions: [String] {
        (geteuid() == 0 ? ["--allow-run-as-root"] : []) + ["--oversubscribe", "--bind-to", "none"]
    }

    /// The environment settings every test job gets.
    ///
    /// Containers often forbid the cross-memory
    /// attach that Open MPI's shared-memory transport tries first; the copy-in/copy-out path
    /// works everywhere.
    public static let jobEnvironment: [String: String?] = ["OMPI_MCA_btl_vader_single_copy_mechanism": "none"]

    /// `mpirun OPTIONS -np n₁ exe₁ args₁ : -np n₂ exe₂ args₂ …`, run in `directory`, with
    /// ``Command/inheritedEnvironment`` plus ``jobEnvironment`` plus `setting` (the ranks on
    /// this machine inherit it).
    ///
    /// Throws ``MissingPrerequisite`` when `mpirun` is not installed.
    public static func command(
        _ programs: [MPIProgram], setting: [String: String?] = [:],
        directory: String? = nil
    ) throws -> Command {
        precondition(!programs.isEmpty && programs.allSatisfy { $0.ranks > 0 }, "an MPI job needs programs with ranks")
        let mpirun = try Executables.requireMPIRun()
        return Command(
            mpirun, launcherOptions + applications(programs), setting: jobEnvironment.merging(setting) { $1 }, directory: directory)
    }

    /// The application part of an `mpirun` command line: `-np n₁ [--host h] exe₁ args₁ : -np n₂ …`.
    public static func applications(_ programs: [MPIProgram]) -> [String] {
        var arguments: [String] = []
        for (i, program) in programs.enumerated() {
            if i > 0 { arguments.append(":") }
            arguments += ["-np", String(program.ranks)]
            if let hosts = program.hosts { arguments += ["--host", hosts.joined(separator: ",")] }
            arguments += [program.executable] + program.arguments
        }
        return arguments
    }

    /// `mpirun OPTIONS -np ranks executable arguments…` (see ``command(_:setting:directory:)``).
    public static func command(
        ranks: Int, _ executable: String, _ arguments: [String],
        setting: [String: String?] = [:], directory: String? = nil
    ) throws -> Command {
        try command([MPIProgram(ranks: ranks, executable, arguments)], setting: setting, directory: directory)
    }
}

extension RunningProcess {
    /// The process ids of the ranks of this `mpirun` job, by rank: the processes it started
    /// that carry the `OMPI_COMM_WORLD_RANK` their launcher gave them.
    ///
    /// Empty for a process that is not a running job.
    public func rankPIDs() -> [Int: pid_t] {
        var result: [Int: pid_t] = [:]
        for pid in ProcessTable.descendants(of: pid) {
            if let rank = ProcessTable.environment(of: pid)["OMPI_COMM_WORLD_RANK"].flatMap(Int.init) { result[rank] = pid }
        }
        return result
    }

    /// Waits up to `limit` seconds until all `ranks` ranks of this job have started, and returns
    /// their process ids by rank (fewer when some never started).
    public func waitForRanks(_ ranks: Int, upTo limit: Double) -> [Int: pid_t] {
        var pids: [Int: pid_t] = [:]
        _ = wait(upTo: limit) {
            pids = rankPIDs()
            return pids.count == ranks
        }
        return pids
    }
}
