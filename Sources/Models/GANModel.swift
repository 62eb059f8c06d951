// The contract between a translation model and the trainer, typed where the reference code is
// stringly typed (`getattr(self, 'net' + name)`): a model lists its networks and optimisers,
// runs one training step given a batch and a step context, and translates images.
import NN
import TensorCore

/// The models i2i trains.
public enum ModelKind: String, CaseIterable, Codable, Sendable {
    case cyclegan, aggan
}

/// A batch of unpaired images: A and B, each [N, 3, H, W] in [-1, 1].
public struct ImageBatch {
    public var a: Tensor
    public var b: Tensor
    public init(a: Tensor, b: Tensor) { self.a = a; self.b = b }
}

/// Which way to translate.
public enum Direction: String, CaseIterable, Codable, Sendable {
    case a2b, b2a
}

/// What a model needs from the trainer inside a step. The trainer's implementation zeroes
/// gradients, back-propagates into the optimiser's parameters only, all-reduces gradients
/// across ranks (overlapping the backward pass), and decides together with the other ranks
/// whether the update is applied (it is skipped everywhere when any rank saw a non-finite
/// value).
public protocol StepContext: AnyObject {
    /// Zeroes the gradients of `optimizer`'s groups and back-propagates `loss` into them only.
    func backward(_ loss: Tensor, for optimizer: Adam)
    /// Finishes the gradient exchange and applies the update unless a rank saw a non-finite
    /// loss or gradient. Returns whether the update was applied.
    @discardableResult func step(_ optimizer: Adam, loss: Float) -> Bool
}

/// A step context for one process with no communication (tests, tools).
public final class LocalStepContext: StepContext {
    /// Updates skipped because of non-finite values.
    public private(set) var skipped = 0

    public init() {}

    public func backward(_ loss: Tensor, for optimizer: Adam) {
        optimizer.zeroGradients()
        loss.backward(accumulatingInto: optimizer.groups.flatMap { $0.group.leafTensors })
    }

    @discardableResult public func step(_ optimizer: Adam, loss: Float) -> Bool {
        guard loss.isFinite, optimizer.groups.allSatisfy({ $0.group.gradientsAreFinite() }) else {
            skipped += 1
            return false
        }
        optimizer.step()
        return true
    }
}

/// Images to show in a sample grid, one row per sample: input, translation, reconstruction,
/// and optionally an attention mask, for each direction.
public struct Visuals {
    public var rows: [(label: String, images: [Tensor])]
    public init(rows: [(label: String, images: [Tensor])]) { self.rows = rows }
}

/// A translation model the trainer can drive.
public protocol GANModel: AnyObject {
    /// Which model this is.
    var kind: ModelKind { get }
    /// The networks, with the reference implementation's names (`G_A`, `D_A`, …), in a fixed order.
    var networks: [(name: String, module: Module)] { get }
    /// The optimisers, in a fixed order (generators first).
    var optimizers: [Adam] { get }
    /// Per-rank random streams the model owns (image pools, noise), for checkpoints.
    var randomStreams: [(name: String, stream: RandomStream)] { get set }
    /// Per-rank image pools, for checkpoints.
    var pools: [(name: String, pool: ImagePool)] { get }
    /// Epochs of the model's full schedule (what a run trains unless told otherwise).
    var trainingEpochs: Int { get }
    /// Why square images of `size` cannot be trained on, or nil when they can.
    func imageSizeProblem(_ size: Int) -> String?

    /// Sets the learning rates for a position in training (epochs and iterations from 0).
    func updateLearningRates(epoch: Int, iteration: Int)
    /// Runs one optimisation step on `batch` and returns the named losses, in a fixed order.
    func trainStep(_ batch: ImageBatch, epoch: Int, context: StepContext) -> [(name: String, value: Float)]
    /// Translates `images` [N, 3, H, W]; returns the translation and, where the model has one,
    /// its attention mask [N, 1, H, W].
    func translate(_ images: Tensor, direction: Direction) -> (image: Tensor, attention: Tensor?)
    /// Images for a sample grid from `batch` (no gradient).
    func visuals(_ batch: ImageBatch) -> Visuals
}
