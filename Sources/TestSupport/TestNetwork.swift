// Test hosts for the multi-host tests: the network namespaces of the repository's
// `launch/testnet` (node1…nodeN, each with its own address on a private bridge and its own host
// name), `mpirun` across them over TCP only (`launch/testnet mpirun`, which starts the ranks of
// other hosts through its `shell`, Open MPI's remote-launch agent in place of ssh), and network
// faults (a host's link taken down). Creating namespaces needs root and a kernel and container
// that allow them; where they do not, ``TestNetwork/unavailableReason`` says why, and the tests
// skip with that reason (the one skip the tests allow: XCTest counts it in its summary).
import Foundation

/// The test hosts of `launch/testnet`, and MPI jobs across them.
public enum TestNetwork {
    /// The repository's `launch/testnet`.
    public static let script: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("launch/testnet").path

    /// Why test hosts cannot be made on this machine (not root, network namespaces not
    /// allowed), or nil when they can.
    ///
    /// Throws ``MissingPrerequisite`` when `ip` (iproute2) is not installed: `launch/test`
    /// installs it.
    public static func unavailableReason() throws -> String? {
        guard geteuid() == 0 else { return "the multi-host tests need root to create network namespaces (running as uid \(geteuid()))" }
        guard let ip = Executables.onPath("ip") else {
            throw MissingPrerequisite("`ip` (iproute2) was not found on PATH; install it: apt-get install iproute2 (launch/test does)")
        }
        let probe = "i2i-probe-\(getpid())"
        let made = try Command(ip, ["netns", "add", probe]).run(limit: 30)
        guard made.status == 0 else {
            return "network namespaces cannot be created here (`ip netns add` failed: "
                + made.output.trimmingCharacters(in: .whitespacesAndNewlines) + ")"
        }
        _ = try Command(ip, ["netns", "delete", probe]).run(limit: 30)
        return nil
    }

    /// Brings up exactly `count` hosts, node1…node`count` (`launch/testnet up`).
    public static func up(_ count: Int) throws { try run(["up", String(count)]) }

    /// Removes every host and file `launch/testnet` created.
    public static func down() throws { try run(["down"]) }

    /// Takes the network link of `host` down (`false`) or up again (`true`), as a pulled or
    /// replaced cable would.
    public static func setLink(of host: String, up: Bool) throws {
        try run(["exec", host, "ip", "link", "set", "eth0", up ? "up" : "down"])
    }

    /// `mpirun` on the first of `hosts` for a hostfile of `hosts` (name and slots), starting
    /// `programs` (each placed with its `hosts`, or by `mpirun` in hostfile order) over TCP
    /// only, with ``MPIRun/launcherOptions``, ``MPIRun/jobEnvironment`` and `setting`.
    public static func command(
        hosts: [(name: String, slots: Int)], _ programs: [MPIProgram], setting: [String: String?] = [:],
        directory: String? = nil
    ) throws -> Command {
        _ = try Executables.requireMPIRun()
        let root: [String: String?] =
            geteuid() == 0 ? ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"] : [:]
        return Command(
            script, ["mpirun"] + hosts.map { "\($0.name):\($0.slots)" } + ["--"] + MPIRun.launcherOptions + MPIRun.applications(programs),
            setting: MPIRun.jobEnvironment.merging(root) { $1 }.merging(setting) { $1 }, directory: directory)
    }

    /// Runs `launch/testnet arguments…`; throws with its output when it fails.
    private static func run(_ arguments: [String]) throws {
        let result = try Command(script, arguments).run(limit: 60)
        guard result.status == 0, !result.timedOut else {
            throw ProcessRunnerError(
                "launch/testnet \(arguments.joined(separator: " ")) failed (status \(result.status)):\n\(result.output)")
        }
    }
}
