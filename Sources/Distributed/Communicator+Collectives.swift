// Blocking-looking collectives with a deadline, built on the Communicator's non-blocking
// requirements. Waiting is a test loop against a monotonic clock, never a blocking MPI_Wait:
// past the deadline the rank prints the step, phase and collective and aborts the job, so a
// stalled or vanished rank can never hang the others forever.
import Foundation

extension Communicator {
    /// Whether this is rank 0, which does the job's printing and writing.
    public var isRoot: Bool { rank == 0 }

    // MARK: - Waiting

    /// Waits until `request` completes; past the deadline (`timeout`, default
    /// ``timeoutSeconds``) the job is aborted with a message naming the step, phase and collective.
    public func wait(_ request: CollectiveRequest, timeout: Double? = nil) {
        waitAll([request], timeout: timeout)
    }

    /// Waits until all `requests` complete, calling `completed(i)` as request `i` completes
    /// (in completion order), under one deadline measured from the start of the wait.
    public func waitAll(_ requests: [CollectiveRequest], timeout: Double? = nil, completed: ((Int) -> Void)? = nil) {
        var pending = [Int]()
        pending.reserveCapacity(requests.count)
        for (i, request) in requests.enumerated() {
            if request.test() { completed?(i) } else { pending.append(i) }
        }
        if pending.isEmpty { return }
        let limit = timeout ?? timeoutSeconds
        let start = MonotonicClock.seconds()
        var announced = false
        var diagnosis: StallDiagnosis?
        while true {
            pending.removeAll { i in
                guard requests[i].test() else { return false }
                completed?(i)
                return true
            }
            if pending.isEmpty { return }
            let waited = MonotonicClock.seconds() - start
            // Half-way to the deadline, tell the other ranks which collective this one waits in,
            // so that a rank that times out can say who never arrived.
            if !announced && waited > limit / 2 {
                (self as? MPICommunicator)?.announceWaiting(in: oldestPending(requests, pending))
                announced = true
            }
            if waited > limit {
                let oldest = oldestPending(requests, pending)
                // Past the deadline. When a lower rank waits in the same collective, it reports and
                // aborts; this rank keeps polling for a grace period (its deadline can be up to
                // limit/2 later) before reporting itself.
                if diagnosis == nil { diagnosis = (self as? MPICommunicator)?.diagnoseStall(of: oldest) }
                if diagnosis?.lowerRankWaiting != true || waited > limit * 1.5 + 2 {
                    abortJob(
                        "\(oldest.label) (\(oldest.bytes) bytes, collective #\(oldest.sequence)) at step \(step), "
                            + "phase \(phase) did not complete within \(formatSeconds(limit)) s" + (diagnosis?.clause ?? ""))
                }
            }
            PollBackoff.pause(waited: waited)
        }
    }

    /// The pending request posted first (the one every other rank must reach first).
    private func oldestPending(_ requests: [CollectiveRequest], _ pending: [Int]) -> CollectiveRequest {
        pending.map { requests[$0] }.min { $0.sequence < $1.sequence }!
    }

    // MARK: - All-reduce

    /// All-reduces `buffer` in place.
    public func allReduce(
        _ buffer: UnsafeMutableBufferPointer<Float>, _ operation: ReductionOperation = .sum,
        timeout: Double? = nil
    ) {
        wait(startAllReduce(buffer, operation), timeout: timeout)
    }

    /// All-reduces `buffer` in place.
    public func allReduce(
        _ buffer: UnsafeMutableBufferPointer<Double>, _ operation: ReductionOperation = .sum,
        timeout: Double? = nil
    ) {
        wait(startAllReduce(buffer, operation), timeout: timeout)
    }

    /// The element-wise reduction of `values` over all ranks (every rank passes the same count).
    public func allReduce(_ values: [Double], _ operation: ReductionOperation = .sum) -> [Double] {
        var result = values
        result.withUnsafeMutableBufferPointer { allReduce($0, operation) }
        return result
    }

    /// The reduction of `value` over all ranks.
    public func allReduce(_ value: Double, _ operation: ReductionOperation = .sum) -> Double {
        allReduce([value], operation)[0]
    }

    /// The element-wise reduction of integer `values` over all ranks.
    public func allReduce(_ values: [Int], _ operation: ReductionOperation = .sum) -> [Int] {
        var wide = values.map(Int64.init)
        wide.withUnsafeMutableBufferPointer { wait(startAllReduce($0, operation)) }
        return wide.map(Int.init)
    }

    /// The element-wise mean of `values` over all ranks, for logging losses, throughput and
    /// time splits as job-wide figures rather than rank 0's.
    public func allReduceMean(_ values: [Double]) -> [Double] {
        let n = Double(size)
        return allReduce(values, .sum).map { $0 / n }
    }

    // MARK: - Decisions

    /// True on every rank when `flag` is true on at least one rank (a logical OR).
    ///
    /// Use it for anything that changes control flow: "non-finite loss here, skip the step",
    /// "a signal arrived, checkpoint and stop". Every rank must call it at the same point.
    public func anyRank(_ flag: Bool) -> Bool {
        allReduce([flag ? 1 : 0], .max)[0] != 0
    }

    /// True on every rank when `flag` is true on all ranks (a logical AND).
    public func allRanks(_ flag: Bool) -> Bool {
        allReduce([flag ? 1 : 0], .min)[0] != 0
    }

    // MARK: - Broadcast and all-gather

    /// Copies `bytes` from `root` into the same-sized buffer on every rank.
    public func broadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int = 0, timeout: Double? = nil) {
        wait(startBroadcast(bytes, root: root), timeout: timeout)
    }

    /// Copies `buffer` from `root` to every rank (for example a flat parameter buffer that rank 0
    /// initialised or loaded).
    public func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, root: Int = 0, timeout: Double? = nil) {
        broadcast(UnsafeMutableRawBufferPointer(buffer), root: root, timeout: timeout)
    }

    /// Root's `bytes` on every rank; other ranks' arguments are ignored and may differ in length.
    public func broadcast(_ bytes: [UInt8], root: Int = 0) -> [UInt8] {
        var count = [rank == root ? Int64(bytes.count) : 0]
        count.withUnsafeMutableBytes { broadcast($0, root: root) }
        var result = rank == root ? bytes : [UInt8](repeating: 0, count: Int(count[0]))
        result.withUnsafeMutableBytes { broadcast($0, root: root) }
        return result
    }

    /// Root's `value` on every rank, sent as JSON (for small state such as step, epoch and RNG
    /// seeds).
    ///
    /// - Throws: a decoding error when the ranks run incompatible code.
    public func broadcast<Value: Codable>(value: Value, root: Int = 0) throws -> Value {
        let bytes = rank == root ? [UInt8](try JSONEncoder().encode(value)) : []
        return try JSONDecoder().decode(Value.self, from: Data(broadcast(bytes, root: root)))
    }

    /// Every rank's `bytes`, in rank order (lengths may differ between ranks; meant for small
    /// strings such as fingerprints and checksums).
    public func allGather(_ bytes: [UInt8]) -> [[UInt8]] {
        let lengths = allGatherCounts(bytes.count)
        let width = lengths.max() ?? 0
        var send = bytes + [UInt8](repeating: 0, count: width - bytes.count)
        var gathered = [UInt8](repeating: 0, count: width * size)
        send.withUnsafeMutableBytes { s in
            gathered.withUnsafeMutableBytes { g in wait(startAllGather(UnsafeRawBufferPointer(s), into: g)) }
        }
        return (0..<size).map { r in Array(gathered[r * width..<r * width + lengths[r]]) }
    }

    /// Blocks until every rank has reached the barrier (under the deadline).
    public func barrier(timeout: Double? = nil) {
        wait(startBarrier(), timeout: timeout)
    }

    /// Every rank's `value` (a byte count), in rank order.
    private func allGatherCounts(_ value: Int) -> [Int] {
        var mine = Int64(value)
        var all = [Int64](repeating: 0, count: size)
        withUnsafeBytes(of: &mine) { s in
            all.withUnsafeMutableBytes { g in wait(startAllGather(s, into: g)) }
        }
        return all.map(Int.init)
    }
}

/// "3", "2.5", "0.25": seconds as a user would write them.
func formatSeconds(_ seconds: Double) -> String {
    seconds == seconds.rounded() && abs(seconds) < 1e15 ? String(Int(seconds)) : String(format: "%g", seconds)
}

/// Seconds on a monotonic clock (unaffected by changes of the wall-clock time).
public enum MonotonicClock {
    public static func seconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}

/// How a waiting rank spends the time between two tests of its requests.
///
/// MPI progresses only
/// inside those tests, so the first milliseconds are a busy loop that yields the core; long
/// waits (a slower rank still computing) back off to short sleeps so the waiting rank does not
/// steal a core from ranks sharing the node. Measured with `i2i bench allreduce` on 2 ranks:
/// pure spinning and this policy give the same bandwidth from 4 KiB to 64 MiB.
enum PollBackoff {
    /// Seconds of busy polling before sleeping between tests.
    static let spinSeconds = 0.002
    /// Sleep between tests after that, in microseconds.
    static let sleepMicroseconds: UInt32 = 50

    static func pause(waited: Double) {
        if waited < PollBackoff.spinSeconds {
            sched_yield()
        } else {
            usleep(PollBackoff.sleepMicroseconds)
        }
    }
}
