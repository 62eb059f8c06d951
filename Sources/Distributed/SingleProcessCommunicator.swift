// The single-process implementation of Communicator: world size 1, every collective a no-op
// that completes at once. No MPI function is called, so no launcher, MPI environment or
// network is needed.
import Foundation

/// A ``Communicator`` for a job of one process (rank 0 of 1).
///
/// All-reduces and broadcasts leave the data as it is, an all-gather copies this rank's bytes,
/// and every request is complete when returned.
public final class SingleProcessCommunicator: Communicator {
    public let rank = 0
    public let size = 1
    public let localRank = 0
    public let localSize = 1
    public var timeoutSeconds: Double = 300
    public var step: Int = 0
    public var phase: String = "start-up"

    /// Creates the communicator of a one-process job.
    public init() {}

    public func startAllReduce(_ buffer: UnsafeMutableBufferPointer<Float>, _ operation: ReductionOperation) -> CollectiveRequest {
        CollectiveRequest(label: "all-reduce", bytes: buffer.count * 4)
    }

    public func startAllReduce(_ buffer: UnsafeMutableBufferPointer<Double>, _ operation: ReductionOperation) -> CollectiveRequest {
        CollectiveRequest(label: "all-reduce", bytes: buffer.count * 8)
    }

    public func startAllReduce(_ buffer: UnsafeMutableBufferPointer<Int64>, _ operation: ReductionOperation) -> CollectiveRequest {
        CollectiveRequest(label: "all-reduce", bytes: buffer.count * 8)
    }

    public func startBroadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int) -> CollectiveRequest {
        precondition(root == 0, "broadcast: root \(root) is not a rank of a job of 1")
        return CollectiveRequest(label: "broadcast", bytes: bytes.count)
    }

    public func startAllGather(_ bytes: UnsafeRawBufferPointer, into result: UnsafeMutableRawBufferPointer) -> CollectiveRequest {
        precondition(result.count == bytes.count, "all-gather: result holds \(result.count) bytes, needs \(bytes.count)")
        if bytes.count > 0 { result.copyMemory(from: bytes) }
        return CollectiveRequest(label: "all-gather", bytes: bytes.count)
    }

    public func startBarrier() -> CollectiveRequest {
        CollectiveRequest(label: "barrier", bytes: 0)
    }

    public func abortJob(_ message: String) -> Never {
        writeLine(to: stderr, "error: " + message)
        exit(1)
    }

    public func finalize() {}
}
