// Training jobs across the test hosts of `launch/testnet` (TestSupport's TestNetwork): three
// hosts are brought up once per test process, on first use, and removed when it exits. Where
// network namespaces cannot be made (not root), every multi-host test skips with the reason,
// which XCTest prints and counts in its closing summary.
import Foundation
import TestSupport
import XCTest

/// The three test hosts node1, node2, node3, brought up on first use.
enum TestHosts {
    nonisolated(unsafe) private static var state: Result<Void, Error>?

    /// Brings the hosts up once; throws `XCTSkip` with the reason where namespaces cannot be
    /// made, and fails (throws) when they can but `launch/testnet up` fails.
    static func require() throws {
        if state == nil {
            do {
                if let reason = try TestNetwork.unavailableReason() {
                    print("multi-host tests skipped: \(reason)")
                    state = .failure(XCTSkip(reason))
                } else {
                    try TestNetwork.up(3)
                    atexit { try? TestNetwork.down() }
                    state = .success(())
                }
            } catch {
                state = .failure(error)
            }
        }
        try state!.get()
    }
}

/// A hostfile: host names and the ranks (slots) each takes.
typealias HostList = [(name: String, slots: Int)]

extension TrainingWorkspace {
    /// Starts `mpirun` on the first of `hosts` with `i2i arguments…` on every slot of `hosts`,
    /// over TCP between the hosts, in the background.
    func startOnHosts(_ hosts: HostList, _ arguments: [String]) throws -> RunningProcess {
        try TestHosts.require()
        let ranks = hosts.reduce(0) { $0 + $1.slots }
        return try TestNetwork.command(hosts: hosts, [MPIProgram(ranks: ranks, executable, arguments)], directory: folder).start()
    }

    /// Runs `i2i arguments…` on every slot of `hosts` (see ``startOnHosts(_:_:)``).
    func onHosts(_ hosts: HostList, _ arguments: [String], limit: Double = 90) throws -> ProcessResult {
        try startOnHosts(hosts, arguments).finish(limit: limit)
    }

    /// Starts an MPMD job across `hosts`: each program's ranks on the hosts it names.
    func startOnHosts(_ hosts: HostList, programs: [(host: String, ranks: Int, arguments: [String])]) throws -> RunningProcess {
        try TestHosts.require()
        let programs = programs.map { MPIProgram(ranks: $0.ranks, executable, $0.arguments, hosts: [$0.host]) }
        return try TestNetwork.command(hosts: hosts, programs, directory: folder).start()
    }
}
