// Process-wide MPI state and error handling for the MPI communicator: the only Swift file
// besides MPICommunicator.swift that calls the C wrapper.
import CMPI
import Foundation

/// Thin Swift checks around CMPI calls.
///
/// A failing MPI call is fatal for the job: the rank
/// prints one line naming the call and the MPI error, then aborts every process.
enum MPIRuntime {
    /// World rank and size once MPI is initialised (a process joins at most one MPI job).
    nonisolated(unsafe) static var worldRank = 0
    nonisolated(unsafe) static var worldSize = 1

    /// The step and phase of the job's communicator, quoted when an MPI call fails.
    nonisolated(unsafe) static var step = 0
    nonisolated(unsafe) static var phase = "start-up"

    /// Largest element count passed to one MPI call (MPI counts are C ints).
    static let maxCount = Int(Int32.max)

    /// The text of a wrapper or MPI error code.
    static func errorText(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 512)
        i2i_mpi_error_string(code, &buffer, Int32(buffer.count))
        return String(cString: buffer)
    }

    /// Aborts the job when `code` reports a failure of `call`.
    static func check(_ code: Int32, _ call: @autoclosure () -> String) {
        if code != 0 { fail("MPI \(call()) failed: \(errorText(code))") }
    }

    /// Tests one MPI request of `request`; true when it completed (it is then freed).
    static func test(_ handle: OpaquePointer, of request: CollectiveRequest) -> Bool {
        var done: Int32 = 0
        let code = i2i_mpi_test(handle, &done)
        if code != 0 {
            // Typically MPI_ERR_TRUNCATE: the ranks posted different collectives at this point.
            fail(
                "\(request.label) (\(request.bytes) bytes, collective #\(request.sequence)) at step \(step), phase \(phase) "
                    + "failed in MPI: \(errorText(code)) (do all ranks post the same collectives in the same order?)")
        }
        return done != 0
    }

    /// Prints `error: <message>` with the rank prefix, then aborts every process of the job.
    static func fail(_ message: String) -> Never {
        writeLine(to: stderr, rankPrefix(rank: worldRank, size: worldSize) + "error: " + message + "; aborting the job")
        if i2i_mpi_is_initialized() != 0 && i2i_mpi_is_finalized() == 0 { i2i_mpi_abort(1) }
        exit(1)
    }
}

/// "[rank R] " in a job of more than one rank, "" in a single process.
func rankPrefix(rank: Int, size: Int) -> String { size > 1 ? "[rank \(rank)] " : "" }

/// Writes one line and flushes, so lines from several ranks do not interleave mid-line.
func writeLine(to stream: UnsafeMutablePointer<FILE>, _ line: String) {
    fputs(line + "\n", stream)
    fflush(stream)
}
