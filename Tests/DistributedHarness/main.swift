// DistributedHarness: one process per rank, launched by DistributedTests under `mpirun` (or
// alone, for single-process mode). Each scenario exercises the distributed runtime the way the
// trainer will and prints "rank R: <scenario> ok" on success; failures exit non-zero.
//
//   DistributedHarness <scenario> [--timeout S] [--rank R] [--step N] [--field NAME]
//
// Scenarios: collectives, synchronizer, sharded, decisions, desync, drift, single; and `overlap`, a
// measurement (not a test) of waiting with and without overlap.
import Distributed
import Foundation

/// Command-line options shared by the scenarios.
struct Options {
    var scenario = ""
    var timeout = 30.0  // collective deadline in seconds
    var rank = 1  // the rank that misbehaves
    var step = 3  // the step at which it misbehaves
    var field = "allreduce"  // desync: the extra collective ("broadcast" or "allreduce")

    init(_ arguments: [String]) {
        var it = arguments.dropFirst().makeIterator()
        scenario = it.next() ?? ""
        while let flag = it.next() {
            guard let value = it.next() else { fail("missing value after \(flag)") }
            switch flag {
            case "--timeout": timeout = Double(value) ?? timeout
            case "--rank": rank = Int(value) ?? rank
            case "--step": step = Int(value) ?? step
            case "--field": field = value
            default: fail("unknown option \(flag)")
            }
        }
    }
}

/// Prints an error line and exits with status 1 (this rank only).
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(("harness error: " + message + "\n").data(using: .utf8)!)
    exit(1)
}

/// Fails the rank (and with it the job) when `condition` is false.
func expect(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
    line: Int = #line
) {
    if !condition() { fail("line \(line): \(message())") }
}

/// Prints one line tagged with the rank, flushed at once.
func say(_ comm: Communicator, _ text: String) {
    print("rank \(comm.rank): \(text)")
    fflush(stdout)
}

let options = Options(CommandLine.arguments)
let comm: Communicator
do {
    comm = try makeCommunicator()
} catch {
    fail("\(error)")
}
comm.timeoutSeconds = options.timeout
let threads = comm.configureComputeThreads()
say(comm, "size=\(comm.size) local=\(comm.localRank)/\(comm.localSize) threads=\(threads)")

switch options.scenario {
case "collectives": runCollectives(comm)
case "synchronizer": runSynchronizer(comm)
case "sharded": runSharded(comm)
case "decisions": runDecisions(comm)
case "desync": runDesync(comm, options)
case "drift": runDrift(comm, options)
case "single": runSingle(comm)
case "overlap": runOverlap(comm)
default: fail("unknown scenario '\(options.scenario)'")
}
say(comm, "\(options.scenario) ok")
comm.exitJob(0)
