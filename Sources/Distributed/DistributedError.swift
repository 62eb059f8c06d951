// Errors of the distributed runtime that the caller turns into a one-line message and an exit
// status. Errors that concern the whole job (a fingerprint mismatch, drifted parameters, too
// many skipped steps) are thrown on every rank alike, so the ranks can leave together.

/// A failure of the distributed runtime, with a one-line message.
public enum DistributedError: Error, CustomStringConvertible, Equatable {
    /// MPI could not be initialised as required.
    case initialization(String)
    /// The ranks disagree at start-up (config, parameters, data, …): bad input, exit status 2.
    case mismatch(String)
    /// Parameters that should be identical differ between ranks.
    case parameterDrift(String)
    /// Too many consecutive steps were skipped for non-finite values.
    case tooManySkippedSteps(String)

    /// The message, without an "error: " prefix.
    public var description: String {
        switch self {
        case .initialization(let m), .mismatch(let m), .parameterDrift(let m), .tooManySkippedSteps(let m):
            return m
        }
    }

    /// The process exit status, as for every i2i command: 2 for bad input (ranks that disagree
    /// at start-up were given different configs, data or code), 1 for a run-time failure.
    public var exitStatus: Int32 {
        if case .mismatch = self { return 2 }
        return 1
    }
}
