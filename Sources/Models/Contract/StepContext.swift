// What a model needs from the trainer inside a training step: back-propagation into one
// optimiser's parameters and the (possibly skipped) update. The trainer's implementation
// all-reduces gradients across ranks while backward runs and decides together with the other
// ranks whether an update is applied; the local one here serves tests and tools.
import NN
import TensorCore

/// Back-propagation and updates inside a model's step.
///
/// The trainer's implementation zeroes gradients, back-propagates into the optimiser's
/// parameters only, all-reduces gradients across ranks (overlapping the backward pass), and
/// decides together with the other ranks whether the update is applied (it is skipped
/// everywhere when any rank saw a non-finite value).
public protocol StepContext: AnyObject {
    /// Zeroes the gradients of `optimizer`'s groups and back-propagates `loss` into them only.
    func backward(_ loss: Tensor, for optimizer: Adam)
    /// Finishes the gradient exchange and applies the update unless a rank saw a non-finite
    /// loss or gradient. Returns whether the update was applied.
    @discardableResult func step(_ optimizer: Adam, loss: Float) -> Bool
}

/// A step context for one process with no communication (tests, tools, benchmarks).
///
/// As the trainer's context, it holds gradient memory only from a backward to its update: the
/// buffers are zeroed by releasing their pages (`releaseGradients`) before each backward and
/// after each update.
public final class LocalStepContext: StepContext {
    /// Updates skipped because of non-finite values.
    public private(set) var skipped = 0

    public init() {}

    public func backward(_ loss: Tensor, for optimizer: Adam) {
        for state in optimizer.groups { state.group.releaseGradients() }
        loss.backward(accumulatingInto: optimizer.groups.flatMap { $0.group.leafTensors })
    }

    @discardableResult public func step(_ optimizer: Adam, loss: Float) -> Bool {
        defer { for state in optimizer.groups { state.group.releaseGradients() } }
        guard loss.isFinite, optimizer.groups.allSatisfy({ $0.group.gradientsAreFinite() }) else {
            skipped += 1
            return false
        }
        optimizer.step()
        return true
    }
}
