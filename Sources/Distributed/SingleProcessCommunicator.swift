// The single-process implementation of Communicator: world size 1, every collective a no-op
// that completes at once. No MPI function is called, so no launcher, MPI environment or
// network is needed.
import Foundation

/// A ``Communicator`` for a job of one process (rank 0 of 1).
///
/// All-reduces, broadcasts and the vector collectives leave the data as it is, an all-gather of
/// bytes copies this rank's bytes, and every request is complete when returned.
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

    // With one rank the only block is the whole buffer: each vector collective leaves it as it is.

    public func startReduceScatter(
        _ buffer: UnsafeMutableBufferPointer<Float>, counts: [Int], _ operation: ReductionOperation
    ) -> CollectiveRequest {
        checkOneBlock(counts, buffer.count, "reduce-scatter")
        return CollectiveRequest(label: "reduce-scatter", bytes: buffer.count * 4)
    }

    public func startAllGather(_ buffer: UnsafeMutableBufferPointer<Float>, counts: [Int]) -> CollectiveRequest {
        checkOneBlock(counts, buffer.count, "all-gather")
        return CollectiveRequest(label: "all-gather", bytes: buffer.count * 4)
    }

    public func startGather(_ buffer: UnsafeMutableBufferPointer<Float>, counts: [Int], root: Int) -> CollectiveRequest {
        precondition(root == 0, "gather: root \(root) is not a rank of a job of 1")
        checkOneBlock(counts, buffer.count, "gather")
        return CollectiveRequest(label: "gather", bytes: buffer.count * 4)
    }

    public func startScatter(_ buffer: UnsafeMutableBufferPointer<Float>, counts: [Int], root: Int) -> CollectiveRequest {
        precondition(root == 0, "scatter: root \(root) is not a rank of a job of 1")
        checkOneBlock(counts, buffer.count, "scatter")
        return CollectiveRequest(label: "scatter", bytes: buffer.count * 4)
    }

    private func checkOneBlock(_ counts: [Int], _ count: Int, _ what: String) {
        precondition(counts == [count], "\(what): counts \(counts) do not describe one block of \(count) elements")
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
