// The MPI implementation of Communicator: MPI_COMM_WORLD through the CMPI wrapper. Rank and
// size come from MPI, never from launcher environment variables.
import CMPI
import Foundation

/// A ``Communicator`` over MPI_COMM_WORLD.
///
/// Created by ``makeCommunicator(threadSupport:environment:)`` when the process was started by
/// an MPI launcher. Initialising MPI more than once per process is not supported.
public final class MPICommunicator: Communicator {
    public let rank: Int
    public let size: Int
    public let localRank: Int
    public let localSize: Int
    public var timeoutSeconds: Double = 300
    public var step: Int = 0 { didSet { MPIRuntime.step = step } }
    public var phase: String = "start-up" { didSet { MPIRuntime.phase = phase } }
    /// The thread support MPI provided (at least the level requested).
    public let threadSupport: ThreadSupport
    /// Every rank's host name, by rank, gathered at start-up so that a message about a rank
    /// can say where it runs.
    public let hostNames: [String]
    private var finalized = false
    private var posted = 0  // collectives posted so far

    /// Initialises MPI, checking that it provides at least `threadSupport`.
    ///
    /// - Throws: ``DistributedError/initialization(_:)`` when MPI cannot be initialised or
    ///   provides less thread support than requested.
    public init(threadSupport requested: ThreadSupport = .serialized) throws {
        guard i2i_mpi_is_initialized() == 0 else {
            throw DistributedError.initialization("MPI is already initialised in this process")
        }
        var provided: Int32 = 0
        let code = i2i_mpi_init(Int32(requested.rawValue), &provided)
        let providedLevel = ThreadSupport(rawValue: Int(provided)) ?? .single
        if code == I2I_MPI_ERR_THREAD_LEVEL {
            _ = i2i_mpi_finalize()
            throw DistributedError.initialization(
                "MPI provides \(providedLevel) but i2i needs \(requested); use an MPI library built with thread support")
        }
        guard code == 0 else {
            throw DistributedError.initialization("MPI_Init_thread failed: \(MPIRuntime.errorText(code))")
        }
        var r: Int32 = 0, s: Int32 = 1, lr: Int32 = 0, ls: Int32 = 1
        MPIRuntime.check(i2i_mpi_world(&r, &s), "rank and size of MPI_COMM_WORLD")
        MPIRuntime.worldRank = Int(r)
        MPIRuntime.worldSize = Int(s)
        MPIRuntime.check(i2i_mpi_node(&lr, &ls), "node-local split (MPI_Comm_split_type)")
        rank = Int(r)
        size = Int(s)
        localRank = Int(lr)
        localSize = Int(ls)
        threadSupport = providedLevel
        hostNames = MPICommunicator.gatherHostNames(size: Int(s))
    }

    /// Every rank's host name (gethostname, at most 64 bytes), by rank: one blocking all-gather,
    /// like MPI_Init itself, before any collective that has a deadline.
    private static func gatherHostNames(size: Int) -> [String] {
        let width = 64
        var name = [CChar](repeating: 0, count: 256)
        let mine = gethostname(&name, name.count - 1) == 0 ? Array(String(cString: name).utf8.prefix(width)) : []
        let send = mine + [UInt8](repeating: 0, count: width - mine.count)
        var all = [UInt8](repeating: 0, count: width * size)
        var handle: OpaquePointer?
        MPIRuntime.check(i2i_mpi_iallgather(send, Int64(width), &all, &handle), "all-gather of the host names")
        MPIRuntime.check(i2i_mpi_wait(handle), "all-gather of the host names")
        return (0..<size).map { rank in
            String(decoding: all[(rank * width)..<((rank + 1) * width)].prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// Whether MPI has been initialised in this process (false in single-process mode).
    public static var isInitialized: Bool { i2i_mpi_is_initialized() != 0 }

    // MARK: - Non-blocking collectives

    public func startAllReduce(_ buffer: UnsafeMutableBufferPointer<Float>, _ operation: ReductionOperation) -> CollectiveRequest {
        allReduce(
            UnsafeMutableRawPointer(buffer.baseAddress), count: buffer.count, elementSize: 4,
            type: Int32(I2I_MPI_FLOAT32), operation)
    }

    public func startAllReduce(_ buffer: UnsafeMutableBufferPointer<Double>, _ operation: ReductionOperation) -> CollectiveRequest {
        allReduce(
            UnsafeMutableRawPointer(buffer.baseAddress), count: buffer.count, elementSize: 8,
            type: Int32(I2I_MPI_FLOAT64), operation)
    }

    public func startAllReduce(_ buffer: UnsafeMutableBufferPointer<Int64>, _ operation: ReductionOperation) -> CollectiveRequest {
        allReduce(
            UnsafeMutableRawPointer(buffer.baseAddress), count: buffer.count, elementSize: 8,
            type: Int32(I2I_MPI_INT64), operation)
    }

    public func startBroadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int) -> CollectiveRequest {
        precondition(root >= 0 && root < size, "broadcast: root \(root) is not a rank of a job of \(size)")
        // Split into calls of at most Int32.max bytes; each rank splits identically.
        let handles = chunks(count: bytes.count).map { range -> OpaquePointer in
            var handle: OpaquePointer?
            MPIRuntime.check(
                i2i_mpi_ibcast(bytes.baseAddress! + range.lowerBound, Int64(range.count), Int32(root), &handle),
                "broadcast of \(bytes.count) bytes")
            return handle!
        }
        return record("broadcast", bytes: bytes.count, handles)
    }

    public func startAllGather(_ bytes: UnsafeRawBufferPointer, into result: UnsafeMutableRawBufferPointer) -> CollectiveRequest {
        precondition(result.count == bytes.count * size, "all-gather: result holds \(result.count) bytes, needs \(bytes.count * size)")
        // Every rank sends the same count, so all of them skip an empty all-gather alike.
        guard let send = bytes.baseAddress, let receive = result.baseAddress else {
            return record("all-gather", bytes: 0, [])
        }
        var handle: OpaquePointer?
        MPIRuntime.check(
            i2i_mpi_iallgather(send, Int64(bytes.count), receive, &handle),
            "all-gather of \(bytes.count) bytes")
        return record("all-gather", bytes: bytes.count, [handle!])
    }

    public func startReduceScatter(
        _ buffer: UnsafeMutableBufferPointer<Float>, counts: [Int], _ operation: ReductionOperation
    ) -> CollectiveRequest {
        vector("reduce-scatter", buffer, counts, whole: true, own: counts[rank]) { data, c, handle in
            i2i_mpi_ireduce_scatter_float(data, c, MPICommunicator.code(of: operation), handle)
        }
    }

    public func startAllGather(_ buffer: UnsafeMutableBufferPointer<Float>, counts: [Int]) -> CollectiveRequest {
        vector("all-gather", buffer, counts, whole: true, own: counts[rank]) { data, c, handle in
            i2i_mpi_iallgatherv_float(data, c, handle)
        }
    }

    public func startGather(_ buffer: UnsafeMutableBufferPointer<Float>, counts: [Int], root: Int) -> CollectiveRequest {
        precondition(root >= 0 && root < size, "gather: root \(root) is not a rank of a job of \(size)")
        return vector("gather", buffer, counts, whole: rank == root, own: counts[rank]) { data, c, handle in
            i2i_mpi_igatherv_float(data, c, Int32(root), handle)
        }
    }

    public func startScatter(_ buffer: UnsafeMutableBufferPointer<Float>, counts: [Int], root: Int) -> CollectiveRequest {
        precondition(root >= 0 && root < size, "scatter: root \(root) is not a rank of a job of \(size)")
        return vector("scatter", buffer, counts, whole: rank == root, own: counts[rank]) { data, c, handle in
            i2i_mpi_iscatterv_float(data, c, Int32(root), handle)
        }
    }

    public func startBarrier() -> CollectiveRequest {
        var handle: OpaquePointer?
        MPIRuntime.check(i2i_mpi_ibarrier(&handle), "barrier")
        return record("barrier", bytes: 0, [handle!])
    }

    // MARK: - Leaving the job

    public func abortJob(_ message: String) -> Never {
        MPIRuntime.fail(message)
    }

    public func finalize() {
        guard !finalized else { return }
        // A barrier under the deadline first: MPI_Finalize has none, and would wait forever
        // for a rank that stalled.
        phase = "finalize"
        barrier()
        finalized = true
        MPIRuntime.check(i2i_mpi_finalize(), "finalize")
    }

    /// A blocking `MPI_Allreduce` with no deadline, for comparison in benchmarks only.
    public func blockingAllReduce(_ buffer: UnsafeMutableBufferPointer<Float>) {
        for range in chunks(count: buffer.count) {
            MPIRuntime.check(
                i2i_mpi_allreduce(
                    buffer.baseAddress! + range.lowerBound, Int64(range.count),
                    Int32(I2I_MPI_FLOAT32), Int32(I2I_MPI_SUM)),
                "all-reduce of \(buffer.count * 4) bytes")
        }
    }

    // MARK: - Helpers

    /// Posts one vector collective over `buffer`, which holds the whole layout (`whole`) or
    /// this rank's block only.
    private func vector(
        _ label: String, _ buffer: UnsafeMutableBufferPointer<Float>, _ counts: [Int], whole: Bool, own: Int,
        _ post: (UnsafeMutablePointer<Float>?, UnsafePointer<Int64>, UnsafeMutablePointer<OpaquePointer?>) -> Int32
    ) -> CollectiveRequest {
        precondition(counts.count == size, "\(label): \(counts.count) counts for a job of \(size) ranks")
        let total = counts.reduce(0, +)
        precondition(
            buffer.count == (whole ? total : own),
            "\(label): buffer holds \(buffer.count) floats, the layout \(whole ? total : own)")
        var handle: OpaquePointer?
        let wide = counts.map(Int64.init)
        // A base address is needed even for an empty block (MPI ignores it).
        var empty: Float = 0
        let code = wide.withUnsafeBufferPointer { c in
            withUnsafeMutablePointer(to: &empty) { fallback in post(buffer.baseAddress ?? fallback, c.baseAddress!, &handle) }
        }
        MPIRuntime.check(code, "\(label) of \(total * 4) bytes")
        return record(label, bytes: own * 4, [handle!])
    }

    private static func code(of operation: ReductionOperation) -> Int32 {
        switch operation {
        case .sum: return Int32(I2I_MPI_SUM)
        case .max: return Int32(I2I_MPI_MAX)
        case .min: return Int32(I2I_MPI_MIN)
        }
    }

    private func allReduce(
        _ base: UnsafeMutableRawPointer?, count: Int, elementSize: Int, type: Int32,
        _ operation: ReductionOperation
    ) -> CollectiveRequest {
        let op: Int32
        switch operation {
        case .sum: op = Int32(I2I_MPI_SUM)
        case .max: op = Int32(I2I_MPI_MAX)
        case .min: op = Int32(I2I_MPI_MIN)
        }
        let handles = chunks(count: count).map { range -> OpaquePointer in
            var handle: OpaquePointer?
            MPIRuntime.check(
                i2i_mpi_iallreduce(base! + range.lowerBound * elementSize, Int64(range.count), type, op, &handle),
                "all-reduce of \(count * elementSize) bytes")
            return handle!
        }
        return record("all-reduce", bytes: count * elementSize, handles)
    }

    /// Wraps posted MPI requests, numbering the collective.
    private func record(_ label: String, bytes: Int, _ handles: [OpaquePointer]) -> CollectiveRequest {
        posted += 1
        return CollectiveRequest(label: label, bytes: bytes, sequence: posted, handles: handles)
    }

    /// `0..<count` in pieces MPI's int counts can hold (none for an empty buffer).
    private func chunks(count: Int) -> [Range<Int>] {
        stride(from: 0, to: count, by: MPIRuntime.maxCount).map { $0..<min(count, $0 + MPIRuntime.maxCount) }
    }
}
