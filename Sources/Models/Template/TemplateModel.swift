// The minimum a new model writes, as a worked example of the model contract (the role of
// `models/template_model.py` in junyanz/pytorch-CycleGAN-and-pix2pix): a paired model that
// regresses an image from its label map with one small generator and an L1 loss. It is built
// and tested but not registered in the command line (`ModelRegistry.standard` does not list
// it); tests train it through the real trainer with a registry that does.
//
// What a model provides, in the order the contract lists it:
//   1. options (TemplateOptions.swift): a `ConfigSection` with every setting declared once;
//   2. a `registration`: options type, batch kind, translation inputs, factory;
//   3. `networks` (checkpoint names, fixed order) and `optimizers` (one per step that updates);
//   4. `schedule` and `trainingLength` (the default `updateLearningRates` does the rest);
//   5. `trainStep`: forward, each loss, `context.backward` + `context.step` per optimiser;
//   6. `translate` and `visuals`.
// Per-rank state (image pools, noise streams) would be `ImagePool` / `RandomSource` properties;
// checkpoints find them by reflection. A frozen helper network (here an optional 3×3 conv
// "feature extractor" for a feature-matching loss, as VGG is for MUNIT and CoCosNet) is loaded
// from a user file through the build context and listed in `frozenNetworks`: it is never
// broadcast, optimised or checkpointed.
//
// Shapes: labels [N, 1, H, W] class ids → one-hot [N, C, H, W] → netG → [N, 3, H, W] in [-1, 1].
import NN
import TensorCore

/// A label-map-to-image regressor: the template of a model.
public final class TemplateModel: GANModel {
    /// The registry entry: paired data; the exemplar is not used.
    public static let registration = ModelRegistration(
        TemplateOptions.self, summary: "template: label map → image by L1 regression (an example, not a GAN)",
        batchKind: .paired, generalDefaults: [("data.flip", "false")]
    ) { options, context in try TemplateModel(options: options, seed: context.seed, context: context) }

    public let options: TemplateOptions
    public let netG: TemplateGenerator
    /// Frozen features for the feature-matching loss; `nil` when `features_weights` is none.
    public let features: Conv2d?
    public let optimizerG: Adam
    public let schedule = LearningRateSchedule.constant

    /// Builds the generator from `seed` with PyTorch's default initialisation (identical on
    /// every rank), and loads the frozen features when a file is named and the context can load
    /// it (training; `translate` and `inspect` never need the file).
    public init(options: TemplateOptions, seed: UInt64, context: ModelBuildContext = ModelBuildContext(seed: 0)) throws {
        self.options = options
        var stream = RandomStream(seed: seed, purpose: "template.init")
        netG = TemplateGenerator(inputChannels: options.labelClasses, ngf: options.ngf, stream: &stream)
        if options.featuresWeights != "none", let load = context.loadFrozenWeights {
            let net = Conv2d(inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1, stream: &stream)
            try load(options.featuresWeights, "features", net)
            net.freeze()
            features = net
        } else {
            features = nil
        }
        let group = ParameterGroup(name: "G", networks: [("netG", netG)], learningRate: options.learningRate)
        optimizerG = Adam(name: "G", groups: [(group, Adam.Settings(beta1: options.beta1, beta2: options.beta2))])
    }

    public var networks: [(name: String, module: Module)] { [("netG", netG)] }
    public var frozenNetworks: [(name: String, module: Module)] { features.map { [("features", $0)] } ?? [] }
    public var optimizers: [Adam] { [optimizerG] }
    public var trainingLength: TrainingLength { .epochs(options.epochs) }

    public func imageSizeProblem(_ size: Int) -> String? { size >= 1 ? nil : "the size must be positive" }

    /// One-hot label maps [N, C, H, W] from class ids [N, 1, H, W].
    func encode(_ labels: Tensor) -> Tensor {
        let s = labels.shape
        return oneHot(labels.reshaped([s[0], s[2], s[3]]), classes: options.labelClasses)
    }

    public func trainStep(_ batch: TrainingBatch, epoch: Int, context: StepContext) -> [(name: String, value: Float)] {
        let data = batch.paired
        let fake = netG(encode(data.labels))
        let lossL1 = l1Loss(fake, data.images) * options.lambdaL1
        var lossFeatures = Tensor(scalar: 0)
        if let features { lossFeatures = l1Loss(features(fake), features(data.images).detached()) * options.lambdaFeatures }
        let loss = lossL1 + lossFeatures
        let value = loss.item
        context.backward(loss, for: optimizerG)
        context.step(optimizerG, loss: value)
        return [("G_L1", lossL1.item), ("G_features", lossFeatures.item)]
    }

    /// `request.images` are label maps (class ids [N, 1, H, W]).
    public func translate(_ request: TranslationRequest) -> Translation {
        withoutGradient { Translation(images: netG(encode(request.images))) }
    }

    /// Rows label map (grey) | output | true image.
    public func visuals(_ batch: TrainingBatch) -> Visuals {
        withoutGradient {
            let data = batch.paired
            let shownLabels = data.labels.scaled(by: 1 / Float(max(options.labelClasses - 1, 1)))
            return Visuals(rows: [("labels → image", [shownLabels, netG(encode(data.labels)), data.images])])
        }
    }
}

/// Conv 3×3 (C → ngf), ReLU, conv 3×3 (ngf → 3), tanh; state keys `model.0.*` and `model.2.*`,
/// as a PyTorch module holding an `nn.Sequential` named `model` would have them.
public final class TemplateGenerator: Layer {
    public let model: Sequential

    public init(inputChannels: Int, ngf: Int, stream: inout RandomStream) {
        model = Sequential([
            Conv2d(inChannels: inputChannels, outChannels: ngf, kernelSize: 3, padding: 1, stream: &stream),
            ReLU(),
            Conv2d(inChannels: ngf, outChannels: 3, kernelSize: 3, padding: 1, stream: &stream),
            Tanh(),
        ])
        super.init()
    }

    /// [N, C, H, W] one-hot maps → [N, 3, H, W] in [-1, 1].
    public override func forward(_ x: Tensor) -> Tensor { model(x) }
}
