// The Communicator protocol: the ranks of a data-parallel job as the trainer sees them. There
// are two implementations, `SingleProcessCommunicator` (world size 1, no MPI at all) and
// `MPICommunicator`; `makeCommunicator()` picks one, so the trainer has one code path.
//
// Collectives are posted non-blocking (`start…`) and completed with `wait`, which enforces the
// deadline (see Communicator+Collectives.swift). Every rank must post the same collectives in
// the same order: MPI matches them by posting order, not by name.

/// The element-wise operation of an all-reduce.
public enum ReductionOperation: Sendable {
    case sum, max, min
}

/// The thread support requested from MPI at initialisation (checked against what it provides).
public enum ThreadSupport: Int, Comparable, Sendable, CustomStringConvertible {
    /// Only one thread exists.
    case single = 0
    /// Only the thread that initialised MPI calls it.
    case funneled = 1
    /// Any thread may call MPI, one at a time.
    case serialized = 2
    /// Any thread, concurrently.
    case multiple = 3

    public static func < (a: ThreadSupport, b: ThreadSupport) -> Bool { a.rawValue < b.rawValue }

    public var description: String {
        switch self {
        case .single: return "MPI_THREAD_SINGLE"
        case .funneled: return "MPI_THREAD_FUNNELED"
        case .serialized: return "MPI_THREAD_SERIALIZED"
        case .multiple: return "MPI_THREAD_MULTIPLE"
        }
    }
}

/// The ranks of a job and the collectives between them.
///
/// Obtain one with ``makeCommunicator(threadSupport:environment:)``. The blocking-looking
/// helpers (`allReduce`, `broadcast`, `allGather`, `barrier`, `anyRank`) are built on the
/// non-blocking requirements below and share one deadline, ``timeoutSeconds``.
///
/// ```swift
/// let comm = try makeCommunicator()
/// comm.configureComputeThreads()
/// comm.step = 12; comm.phase = "generator backward"
/// let stop = comm.anyRank(signals.stopRequested)
/// ```
public protocol Communicator: AnyObject {
    /// This process's rank in the job, `0..<size`.
    var rank: Int { get }
    /// Number of ranks in the job.
    var size: Int { get }
    /// This process's rank among the ranks sharing its node.
    var localRank: Int { get }
    /// Number of ranks sharing this node.
    var localSize: Int { get }

    /// Seconds a collective may wait before this rank aborts the whole job (default 300).
    var timeoutSeconds: Double { get set }
    /// The training step, quoted when a collective times out.
    var step: Int { get set }
    /// What the rank is doing ("forward", "generator backward", …), quoted on a time-out.
    var phase: String { get set }

    /// Posts an in-place all-reduce of `buffer` (which must stay valid until the request completes).
    func startAllReduce(_ buffer: UnsafeMutableBufferPointer<Float>, _ operation: ReductionOperation) -> CollectiveRequest
    /// Posts an in-place all-reduce of `buffer`.
    func startAllReduce(_ buffer: UnsafeMutableBufferPointer<Double>, _ operation: ReductionOperation) -> CollectiveRequest
    /// Posts an in-place all-reduce of `buffer`.
    func startAllReduce(_ buffer: UnsafeMutableBufferPointer<Int64>, _ operation: ReductionOperation) -> CollectiveRequest
    /// Posts a broadcast of `bytes` from `root` into the same-sized buffer on every other rank.
    func startBroadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int) -> CollectiveRequest
    /// Posts an all-gather: every rank sends `bytes.count` bytes (the same count everywhere);
    /// `result` (size × count bytes) receives them in rank order.
    func startAllGather(_ bytes: UnsafeRawBufferPointer, into result: UnsafeMutableRawBufferPointer) -> CollectiveRequest
    /// Posts a barrier.
    func startBarrier() -> CollectiveRequest

    // Vector collectives over a float buffer laid out by rank: `counts` holds one element
    // count per rank (``size`` of them), rank r's block starting at the sum of the counts
    // before it (see ``ShardLayout/counts(in:)``). Every count and offset must fit an Int32:
    // callers post them per bucket.

    /// Posts an in-place reduce-scatter: `buffer` (the sum of `counts` elements) holds every
    /// block on every rank; on completion this rank's block, in its own place, holds the
    /// reduction over ranks. The other blocks are undefined afterwards.
    func startReduceScatter(_ buffer: UnsafeMutableBufferPointer<Float>, counts: [Int], _ operation: ReductionOperation)
        -> CollectiveRequest
    /// Posts an in-place all-gather: each rank sends its own block of `buffer` (the sum of
    /// `counts` elements); on completion every block holds its owner's values.
    func startAllGather(_ buffer: UnsafeMutableBufferPointer<Float>, counts: [Int]) -> CollectiveRequest
    /// Posts a gather to `root`: there `buffer` is the whole layout (its own block in place, the
    /// others received); on every other rank `buffer` is its own block only (sent).
    func startGather(_ buffer: UnsafeMutableBufferPointer<Float>, counts: [Int], root: Int) -> CollectiveRequest
    /// Posts a scatter from `root`: there `buffer` is the whole layout (its own block stays in
    /// place); on every other rank `buffer` is its own block only (received).
    func startScatter(_ buffer: UnsafeMutableBufferPointer<Float>, counts: [Int], root: Int) -> CollectiveRequest

    /// Prints `error: <message>` (rank-prefixed) and ends every process of the job with status 1.
    func abortJob(_ message: String) -> Never
    /// Leaves the job cleanly; every rank must call it. Collectives are invalid afterwards.
    func finalize()
}

/// A posted collective that may not have completed yet.
///
/// Test it with ``test()`` or wait for it with ``Communicator/wait(_:timeout:)``. A request
/// from a ``SingleProcessCommunicator`` is complete when created.
public final class CollectiveRequest {
    /// The collective, for messages: "all-reduce", "broadcast", "all-gather", "reduce-scatter",
    /// "gather", "scatter" or "barrier" (callers may give a more specific label).
    public internal(set) var label: String
    /// Bytes this rank contributes.
    public let bytes: Int
    /// This rank's count of collectives posted before this one: the same on every rank for
    /// the same collective, since all ranks post the same sequence.
    public let sequence: Int
    /// Outstanding MPI requests; a collective larger than one MPI call holds several.
    var handles: [OpaquePointer]

    init(label: String, bytes: Int, sequence: Int = 0, handles: [OpaquePointer] = []) {
        self.label = label
        self.bytes = bytes
        self.sequence = sequence
        self.handles = handles
    }

    /// Whether the collective has completed.
    public var isComplete: Bool { handles.isEmpty }

    /// Drives progress and returns whether the collective has completed.
    ///
    /// MPI has no progress
    /// thread by default, so a posted collective advances only while some rank tests or waits.
    @discardableResult
    public func test() -> Bool {
        while let handle = handles.last {
            guard MPIRuntime.test(handle, of: self) else { return false }
            handles.removeLast()
        }
        return true
    }
}
