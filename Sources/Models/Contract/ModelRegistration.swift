// One registry entry per model: its name, its options section, the batch kind it trains on,
// the translation inputs it takes, general settings it changes, and how to build it. The
// trainer, `translate`, `inspect` and the benchmarks read models only through these entries.
import Configuration
import NN
import TensorCore

/// What a model's factory gets besides its options.
public struct ModelBuildContext {
    /// The run's seed: initialisation is identical on every rank.
    public var seed: UInt64
    /// This rank: per-rank state (pools, noise) is drawn from (seed, rank).
    public var rank: Int
    /// Loads a frozen network's weights from a user file (laid out as a checkpoint's
    /// `/networks/<name>` group); given by the trainer, absent in tools that need no losses.
    public var loadFrozenWeights: ((_ path: String, _ name: String, _ module: Module) throws -> Void)?

    public init(
        seed: UInt64, rank: Int = 0,
        loadFrozenWeights: ((_ path: String, _ name: String, _ module: Module) throws -> Void)? = nil
    ) {
        self.seed = seed
        self.rank = rank
        self.loadFrozenWeights = loadFrozenWeights
    }
}

/// How the registry knows a model.
public struct ModelRegistration: @unchecked Sendable {
    /// The `model:` value (`cyclegan`) and the options section's name.
    public let name: String
    /// One line for listings.
    public let summary: String
    /// The data the model trains on.
    public let batchKind: BatchKind
    /// What `translate` may pass besides the images.
    public let translationInputs: Set<TranslationInput>
    /// The options section's settings with their defaults.
    public let fields: [ConfigField]
    /// General settings whose defaults the model changes (`data.flip` = `false`), applied
    /// before the config file.
    public let generalDefaults: [(key: String, value: String)]
    private let build: (ConfigValues, ModelBuildContext) throws -> GANModel

    /// Registers a model whose options are the section `Options` (named after the model).
    public init<Options: ConfigSection>(
        _ options: Options.Type, summary: String, batchKind: BatchKind = .unpaired,
        translationInputs: Set<TranslationInput> = [], generalDefaults: [(key: String, value: String)] = [],
        build: @escaping (Options, ModelBuildContext) throws -> GANModel
    ) {
        self.name = Options.section
        self.summary = summary
        self.batchKind = batchKind
        self.translationInputs = translationInputs
        self.fields = Options.fields
        self.generalDefaults = generalDefaults
        self.build = { values, context in try build(Options(values), context) }
    }

    /// Builds the model from resolved values (its section's keys; others are ignored).
    public func makeModel(_ values: ConfigValues, context: ModelBuildContext) throws -> GANModel {
        try build(values, context)
    }
}

/// A list of registered models.
public struct ModelRegistry: Sendable {
    public let models: [ModelRegistration]

    public init(_ models: [ModelRegistration]) { self.models = models }

    /// The entry called `name`.
    public func model(named name: String) -> ModelRegistration? { models.first { $0.name == name } }

    /// The names, in registration order.
    public var names: [String] { models.map(\.name) }
}
