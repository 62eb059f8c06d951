// The contract between a translation model and the trainer, typed where the reference code is
// stringly typed (`getattr(self, 'net' + name)` in junyanz/pytorch-CycleGAN-and-pix2pix,
// `models/base_model.py`): a model lists its networks and optimisers, runs one training step
// on a batch of the kind it declared, and translates a request. Everything a model would
// otherwise repeat — per-rank state, learning-rate updates from a schedule, prefixed optimiser
// groups — comes from the defaults and helpers here.
//
// Invariants the trainer relies on:
// - `networks` and `optimizers` keep their order for the life of the model (checkpoint
//   layout, gradient buckets and the start-up broadcast follow it);
// - every trainable parameter belongs to exactly one optimiser group, once (a layer shared
//   by two networks is listed under one of them only);
// - `frozenNetworks` are never broadcast, optimised or checkpointed: each rank loads them
//   itself from a user file while the model is built;
// - per-rank random state lives in `ImagePool` and `RandomSource` properties only.
import NN
import TensorCore

/// A translation model the trainer can drive.
public protocol GANModel: AnyObject {
    /// The trainable networks, with the reference implementation's names (`G_A`, `D_A`, …),
    /// in a fixed order: what checkpoints hold and the start-up broadcast sends.
    var networks: [(name: String, module: Module)] { get }
    /// Frozen auxiliary networks (a VGG for perceptual losses), loaded from a user file.
    var frozenNetworks: [(name: String, module: Module)] { get }
    /// The optimisers, in a fixed order (generators first).
    var optimizers: [Adam] { get }
    /// The learning-rate schedule applied to every group's base rate by the default
    /// `updateLearningRates`.
    var schedule: LearningRateSchedule { get }
    /// The length of the model's full schedule (what a run trains unless told otherwise).
    var trainingLength: TrainingLength { get }
    /// Why square training crops of `size` cannot be used, or nil when they can.
    func imageSizeProblem(_ size: Int) -> String?

    /// Sets the learning rates for a position in training (epochs and iterations from 0).
    func updateLearningRates(epoch: Int, iteration: Int)
    /// Runs one optimisation step on `batch` and returns the named losses, in a fixed order.
    func trainStep(_ batch: TrainingBatch, epoch: Int, context: StepContext) -> [(name: String, value: Float)]
    /// Translates a request (no gradient).
    func translate(_ request: TranslationRequest) -> Translation
    /// Images for a sample grid from `batch` (no gradient).
    func visuals(_ batch: TrainingBatch) -> Visuals
}

extension GANModel {
    public var frozenNetworks: [(name: String, module: Module)] { [] }

    /// Each group's rate from its base rate and `schedule`.
    public func updateLearningRates(epoch: Int, iteration: Int) {
        for optimizer in optimizers {
            for state in optimizer.groups {
                state.group.learningRate = schedule.learningRate(
                    base: state.group.baseLearningRate, epoch: epoch,
                    iteration: iteration)
            }
        }
    }

    /// The image pools (per-rank state saved in checkpoints), found among the stored properties.
    public var pools: [ImagePool] { RankStateDiscovery.pools(of: self) }

    /// The per-rank random streams (pools' included), found among the stored properties.
    public var randomSources: [RandomSource] { RankStateDiscovery.randomSources(of: self) }

    /// Translates `images` [N, 3, H, W] in `direction` with no other input.
    public func translate(_ images: Tensor, direction: Direction) -> Translation {
        translate(TranslationRequest(images: images, direction: direction))
    }
}

/// How long a model's official schedule runs: in epochs (CycleGAN, AGGAN) or in iterations
/// (MUNIT, UNIT and U-GAT-IT count `max_iter` updates), where one iteration is one global batch.
public enum TrainingLength: Equatable, Sendable {
    case epochs(Int)
    case iterations(Int)

    /// Steps of the schedule when an epoch has `stepsPerEpoch` steps.
    public func steps(stepsPerEpoch: Int) -> Int {
        switch self {
        case .epochs(let n): return n * stepsPerEpoch
        case .iterations(let n): return n
        }
    }

    /// "200 epochs × 50 steps per epoch" or "1000000 iterations".
    public func describe(stepsPerEpoch: Int) -> String {
        switch self {
        case .epochs(let n): return "\(n) epochs × \(stepsPerEpoch) steps per epoch"
        case .iterations(let n): return "\(n) iterations"
        }
    }
}

extension ParameterGroup {
    /// One group over several networks' parameters, in order, with paths prefixed by the
    /// network's name (`G_A.model.1.weight`).
    public convenience init(name: String, networks: [(name: String, module: Module)], learningRate: Double) {
        let parameters = networks.flatMap { net in
            net.module.namedParameters().map { (path: net.name + "." + $0.path, parameter: $0.parameter) }
        }
        self.init(name: name, parameters: parameters, learningRate: learningRate)
    }
}
