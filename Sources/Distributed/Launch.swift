// Choosing the communicator: MPI when an MPI launcher started the process, a single process
// otherwise (without touching MPI at all). Also the per-rank compute-thread default.
import Foundation
import TensorCore

/// Environment variables that MPI launchers set in every process they start: Open MPI's
/// `mpirun`, PMIx-based launchers (Open MPI 5, `srun --mpi=pmix`), and PMI-1/PMI-2 launchers
/// (MPICH's Hydra, Intel MPI, `srun --mpi=pmi2`).
///
/// Their values are never used for rank or size.
public let mpiLauncherMarkers = [
    "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMIX_NAMESPACE", "PMI_RANK", "PMI_SIZE", "PMI_FD",
]

/// Whether `environment` shows that an MPI launcher started this process.
public func startedByMPILauncher(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
    mpiLauncherMarkers.contains { environment[$0] != nil }
}

/// The communicator for this process: an ``MPICommunicator`` when an MPI launcher started it,
/// otherwise a ``SingleProcessCommunicator`` (MPI is then never initialised, so no launcher,
/// MPI environment or network is needed).
///
/// - Parameters:
///   - threadSupport: the MPI thread level required (checked against what MPI provides).
///   - environment: where to look for the launcher's markers (``mpiLauncherMarkers``).
/// - Throws: ``DistributedError/initialization(_:)`` when MPI cannot be initialised.
public func makeCommunicator(
    threadSupport: ThreadSupport = .serialized,
    environment: [String: String] = ProcessInfo.processInfo.environment
) throws -> Communicator {
    if startedByMPILauncher(environment: environment) {
        return try MPICommunicator(threadSupport: threadSupport)
    }
    return SingleProcessCommunicator()
}

extension Communicator {
    /// Sets the compute threads (parallel loops and OpenBLAS) of this rank to the default: the
    /// node's cores divided by the ranks sharing the node, or `I2I_THREADS` when set.
    ///
    /// - Returns: the thread count now in use.
    @discardableResult
    public func configureComputeThreads() -> Int {
        let threads = ComputeRuntime.defaultThreadCount(ranksOnNode: localSize)
        ComputeRuntime.configure(threads: threads)
        return threads
    }
}
