// Rank-aware printing: informational output from rank 0 only; warnings and errors from any
// rank, prefixed with "[rank R] " in jobs of more than one rank.
import Foundation

extension Communicator {
    /// "[rank R] " in a job of more than one rank, "" in a single process.
    public var rankPrefix: String { Distributed.rankPrefix(rank: rank, size: size) }

    /// Prints `line` to standard output on rank 0; other ranks print nothing.
    public func info(_ line: String) {
        if rank == 0 { writeLine(to: stdout, line) }
    }

    /// Prints `warning: <message>` with the rank prefix to standard error (from any rank).
    public func warning(_ message: String) {
        writeLine(to: stderr, rankPrefix + "warning: " + message)
    }

    /// Prints `error: <message>` with the rank prefix to standard error (from any rank).
    public func error(_ message: String) {
        writeLine(to: stderr, rankPrefix + "error: " + message)
    }

    /// Leaves the job with `status` after an outcome every rank shares (success, or an error
    /// thrown on every rank alike): finalises MPI on every rank, then exits.
    ///
    /// A failure that concerns only this rank should use ``abortJob(_:)`` instead.
    public func exitJob(_ status: Int32) -> Never {
        finalize()
        exit(status)
    }
}
