// Decisions taken together: a step is skipped on every rank when the loss or gradients are
// non-finite on any rank, and the run stops after too many skips in a row.

/// Whether any value of `values` is NaN or infinite.
public func containsNonFinite(_ values: UnsafeBufferPointer<Float>) -> Bool {
    var nonFinite: UInt32 = 0
    for v in values { nonFinite |= (v.bitPattern & 0x7f80_0000) == 0x7f80_0000 ? 1 : 0 }
    return nonFinite != 0
}

/// Counts steps skipped because of non-finite values and stops the run after `limit` in a row.
///
/// ```swift
/// var skips = NonFiniteStepGuard(limit: 5)
/// let skip = try skips.shouldSkip(localNonFinite: !loss.isFinite, on: comm)
/// if skip { comm.warning("step \(step): non-finite loss on some rank; skipped") } else { optimizer.step() }
/// ```
public struct NonFiniteStepGuard: Sendable {
    /// Consecutive skips that stop the run.
    public let limit: Int
    /// Skips in a row so far.
    public private(set) var consecutive = 0
    /// Skips in total.
    public private(set) var total = 0

    /// Creates a guard that stops the run after `limit` consecutive skipped steps.
    public init(limit: Int) {
        precondition(limit >= 1, "NonFiniteStepGuard: limit must be at least 1")
        self.limit = limit
    }

    /// Decides, on every rank alike, whether this step is skipped: true when `localNonFinite`
    /// holds on any rank (one small all-reduce).
    ///
    /// - Throws: ``DistributedError/tooManySkippedSteps(_:)`` on every rank at the `limit`-th
    ///   skip in a row.
    public mutating func shouldSkip(localNonFinite: Bool, on communicator: Communicator) throws -> Bool {
        try record(skipped: communicator.anyRank(localNonFinite), step: communicator.step)
    }

    /// Records a decision already taken together (for example from
    /// ``GradientSynchronizer/finish(timeout:)``, whose result is identical on every rank).
    public mutating func record(skipped: Bool, step: Int) throws -> Bool {
        guard skipped else {
            consecutive = 0
            return false
        }
        consecutive += 1
        total += 1
        if consecutive >= limit {
            throw DistributedError.tooManySkippedSteps(
                "\(consecutive) steps in a row up to step \(step) had a non-finite loss or gradient on some rank (limit \(limit)); stopping"
            )
        }
        return true
    }
}
