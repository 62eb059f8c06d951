// Points in the training loop where tests inject faults and traces. Production runs use
// `NoTrainingHooks`, whose methods do nothing; `i2i train` installs `FaultInjection` only when a
// `debug.*` setting is on, which only the multi-rank tests do.
import Checkpointing
import Configuration
import Datasets
import Distributed
import Models

/// Callbacks at fixed points of a training step.
///
/// Every method has a no-op default.
public protocol TrainingHooks: AnyObject {
    /// At the start of `step` (counted from 1), after the batch was read.
    func stepStarting(_ step: Int, samples: [SampleIndex], communicator: Communicator, folder: RunFolder)
    /// Whether this rank's losses in `step` are replaced by NaN.
    func poisonsLosses(step: Int, rank: Int) -> Bool
    /// After `step` was applied on this rank.
    func stepFinished(_ step: Int, model: GANModel, communicator: Communicator)
    /// After a checkpoint's temporary file is complete, before it is renamed into place.
    func checkpointWritten(step: Int, communicator: Communicator)
}

extension TrainingHooks {
    public func stepStarting(_ step: Int, samples: [SampleIndex], communicator: Communicator, folder: RunFolder) {}
    public func poisonsLosses(step: Int, rank: Int) -> Bool { false }
    public func stepFinished(_ step: Int, model: GANModel, communicator: Communicator) {}
    public func checkpointWritten(step: Int, communicator: Communicator) {}
}

/// The hooks of a production run: none.
public final class NoTrainingHooks: TrainingHooks {
    public init() {}
}
