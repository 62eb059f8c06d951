// CoCosNet (Zhang et al., CVPR 2020): exemplar-based translation from label maps, as
// microsoft/CoCosNet trains it (models/pix2pix_model.py `compute_generator_loss`,
// `compute_discriminator_loss`, `generate_fake`, `inference`, `discriminate`,
// `create_optimizers`; trainers/pix2pix_trainer.py `run_generator_one_step`,
// `run_discriminator_one_step`, `update_learning_rate`), at the README's ADE20k options.
//
// One iteration on a paired batch (label ids, image, exemplar, exemplar label ids, self_ref):
//   one-hot maps; G step: VGG19 features r12 … r52 of the exemplar and of the image (frozen, no
//     graph); netCorr: adaptors on the label map and the exemplar (one power iteration each),
//     warp_out (the 4×-pooled exemplar warped and upsampled), warp_mask, warp_cycle (when its
//     weight is > 0), then the image adaptor on the ground truth (the third adaptor pass, for
//     the domain alignment); fake = netG(concat(warp_out, one-hot)); netD once on the fake and
//     real pairs stacked along the batch (one power iteration);
//     G loss = novgg_featpair·|f_seg − f_real| + warp_cycle_w·cycle + warp_self_w·self
//       + weight_gan·hinge(−D(fake)) + lambda_feat·Σ|D_l(fake) − D_l(real)|/num_D
//       + lambda_vgg·fm_ratio·fm + weight_perceptual·perc + lambda_vgg·ctx_w·contextual
//       + weight_mask·mask; back-propagated into netG and netCorr; Adam step.
//   D step: netD on the stacked (fake, detached — made before the G update — and real) pairs;
//     weight_gan·(hinge real + hinge fake); Adam step.
// Optimisers (TTUR, the default): G (netG, netCorr) lr₀/2 with betas (0, 0.9) and eps 1e-3;
// D 2·lr₀ with betas (0, 0.9), eps 1e-8. Schedule: lr₀ for `niter` epochs, then lowered by
// lr₀/niter_decay after each further epoch. Xavier-normal × 0.02 initialisation from the seed
// (identical on every rank). Without a VGG19 file (`vgg19_weights: none`) fm, perc and
// contextual are left out, and the start says so.
import Configuration
import Foundation
import NN
import TensorCore

/// CoCosNet: a label map and an exemplar image → an image with the map's layout and the
/// exemplar's appearance.
public final class CoCosNet: GANModel {
    /// The registry entry: paired data with exemplars.
    public static let registration = ModelRegistration(
        CoCosNetOptions.self,
        summary: "CoCosNet (Zhang et al. 2020): exemplar-based translation from label maps (paired data)",
        batchKind: .paired, translationInputs: [.exemplar]
    ) { options, context in
        if let problem = options.problem { throw ConfigError(problem) }
        return try CoCosNet(options: options, seed: context.seed, context: context)
    }

    public let options: CoCosNetOptions
    public let netG: CoCosNetGenerator
    public let netCorr: CoCosNetCorrespondence
    public let netD: CoCosNetDiscriminator
    /// The frozen VGG19 of the fm, perc and contextual terms; nil with `vgg19_weights: none` and
    /// where no losses are computed (translate, inspect).
    public let vgg: Vgg19?
    public let optimizerG: Adam
    public let optimizerD: Adam
    public let schedule: LearningRateSchedule

    /// Builds netG, netCorr and netD from `seed` (Xavier normal × init_variance), and the VGG19
    /// from `vgg19_weights` when the context loads frozen weights (training).
    public init(options: CoCosNetOptions, seed: UInt64, context: ModelBuildContext = ModelBuildContext(seed: 0)) throws {
        self.options = options
        var stream = RandomStream(seed: seed, purpose: "cocosnet.init")
        netG = CoCosNetGenerator(options: options, stream: &stream)
        netCorr = CoCosNetCorrespondence(options: options, stream: &stream)
        netD = CoCosNetDiscriminator(options: options, stream: &stream)
        vgg =
            options.usesVGG
            ? try Vgg19.frozen(from: options.vgg19Weights, seed: seed, context: context, widthDivisor: options.vggWidthDivisor) : nil
        let rate = options.learningRate
        let (g, d) = options.ttur ? (rate / 2, rate * 2) : (rate, rate)
        let (beta1, beta2) = options.ttur ? (0.0, 0.9) : (options.beta1, options.beta2)
        optimizerG = Adam(
            name: "G",
            groups: [
                (
                    ParameterGroup(name: "netG", networks: [("netG", netG)], learningRate: g),
                    Adam.Settings(beta1: beta1, beta2: beta2, eps: 1e-3)
                ),
                (
                    ParameterGroup(name: "netCorr", networks: [("netCorr", netCorr)], learningRate: g),
                    Adam.Settings(beta1: beta1, beta2: beta2, eps: 1e-3)
                ),
            ])
        optimizerD = Adam(
            name: "D",
            groups: [(ParameterGroup(name: "netD", networks: [("netD", netD)], learningRate: d), Adam.Settings(beta1: beta1, beta2: beta2))]
        )
        schedule = .cocosnet(niter: options.constantEpochs, niterDecay: options.decayEpochs)
        // A note on standard error (standard output may be a report: `i2i bench train --json`).
        if context.loadFrozenWeights != nil && context.rank == 0 {
            let note =
                !options.usesVGG
                ? "vgg19_weights is none: training without the fm, perc and contextual terms"
                : options.usesRandomVGG
                    ? "vgg19_weights is random: the fm, perc and contextual terms read an untrained VGG19, not the pretrained one"
                    : nil
            if let note { FileHandle.standardError.write(Data("note: cocosnet: \(note)\n".utf8)) }
        }
    }

    public var networks: [(name: String, module: Module)] { [("netG", netG), ("netCorr", netCorr), ("netD", netD)] }
    public var frozenNetworks: [(name: String, module: Module)] { vgg.map { [("vgg19", $0)] } ?? [] }
    public var optimizers: [Adam] { [optimizerG, optimizerD] }
    public var trainingLength: TrainingLength { .epochs(options.constantEpochs + options.decayEpochs) }

    public func imageSizeProblem(_ size: Int) -> String? { options.sizeProblem(size) }

    /// Class ids [N, 1, H, W] → one-hot [N, semantic_nc, H, W] (`preprocess_input`'s scatter).
    func oneHotMap(_ ids: Tensor) -> Tensor {
        let s = ids.shape
        return oneHot(ids.reshaped([s[0], s[2], s[3]]), classes: options.semanticChannels)
    }

    /// netD once on the fake and real pairs stacked along the batch → (fake, real) halves of
    /// every scale's outputs.
    private func discriminate(_ semantics: Tensor, fake: Tensor, real: Tensor) -> (fake: [[Tensor]], real: [[Tensor]]) {
        let n = fake.shape[0]
        let out = netD(labelMap: concat([semantics, semantics], axis: 0), image: concat([fake, real], axis: 0))
        return (
            out.map { $0.map { $0.slice(axis: 0, 0..<n) } },
            out.map { $0.map { $0.slice(axis: 0, n..<(2 * n)) } }
        )
    }

    public func trainStep(_ batch: TrainingBatch, epoch: Int, context: StepContext) -> [(name: String, value: Float)] {
        let data = batch.paired, o = options
        let semantics = oneHotMap(data.labels), exemplarSemantics = oneHotMap(data.exemplarLabels)
        let selfReference = Tensor(shape: [data.isSelfReference.count], values: data.isSelfReference.map { $0 ? 1 : 0 })
        var terms: [(name: String, loss: Tensor)] = []

        // G step.
        let layers = Vgg19.lossLayers
        let features = vgg.map { vgg in
            withoutGradient { (exemplar: vgg(Vgg19.preprocess(data.exemplars), layers), real: vgg(Vgg19.preprocess(data.images), layers)) }
        }
        let corr = netCorr(
            labelMap: semantics, exemplar: data.exemplars, exemplarLabelMap: exemplarSemantics, warpCycle: o.warpCycleWeight > 0)
        let realFeatures = netCorr.imageFeatures(data.images)
        terms.append(("no_vgg_feat", l1Loss(corr.labelFeatures, realFeatures) * o.domainAlignmentWeight))
        if o.warpCycleWeight > 0, let cycle = corr.warpCycle {
            terms.append(("G_warp_cycle", CoCosNetLosses.warpCycle(cycle, exemplar: data.exemplars, stride: o.down) * o.warpCycleWeight))
        }
        if o.warpSelfWeight > 0 {
            terms.append(
                (
                    "G_warp_self",
                    CoCosNetLosses.warpSelf(corr.warpedImage, real: data.images, selfReference: selfReference) * o.warpSelfWeight
                ))
        }
        let fake = netG(warped: corr.warpedImage, labelMap: semantics)
        let predicted = discriminate(semantics, fake: fake, real: data.images)
        terms.append(("GAN", CoCosNetLosses.hingeGenerator(fake: predicted.fake) * o.ganWeight))
        terms.append(
            ("GAN_Feat", CoCosNetLosses.discriminatorFeatureMatching(fake: predicted.fake, real: predicted.real) * o.featureMatchingWeight))
        if let vgg, let features {
            let fakeFeatures = vgg(Vgg19.preprocess(fake), layers)
            terms.append(
                (
                    "fm",
                    CoCosNetLosses.featureMatching(fake: fakeFeatures, real: features.real, selfReference: selfReference) * o.vggWeight
                        * o.pseudoPairRatio
                ))
            terms.append(
                (
                    "perc",
                    CoCosNetLosses.perceptual(fake: fakeFeatures, real: features.real, layer: o.perceptualLayer.layer) * o.perceptualWeight
                ))
            terms.append(
                (
                    "contextual",
                    CoCosNetLosses.contextualStyle(fake: fakeFeatures, exemplar: features.exemplar, useRelu22: o.contextualRelu22)
                        * o.vggWeight * o.contextualWeight
                ))
        }
        if o.maskWeight > 0 {
            terms.append(
                ("mask", CoCosNetLosses.warpedMask(corr.warpedMask, label: data.labels, exemplarLabel: data.exemplarLabels) * o.maskWeight))
        }
        var generatorLoss = terms[0].loss
        for term in terms.dropFirst() { generatorLoss = generatorLoss + term.loss }
        let values = terms.map { (name: $0.name, value: $0.loss.item) }
        let gValue = generatorLoss.item
        context.backward(generatorLoss, for: optimizerG)
        context.step(optimizerG, loss: gValue)

        // D step on the fake made before the G update.
        let judged = discriminate(semantics, fake: fake.detached(), real: data.images)
        let hinge = CoCosNetLosses.hingeDiscriminator(real: judged.real, fake: judged.fake)
        let dFake = hinge.fake * o.ganWeight, dReal = hinge.real * o.ganWeight
        let discriminatorLoss = dFake + dReal
        let dValue = discriminatorLoss.item
        context.backward(discriminatorLoss, for: optimizerD)
        context.step(optimizerD, loss: dValue)
        return values + [("G_loss", gValue), ("D_Fake", dFake.item), ("D_real", dReal.item), ("D_loss", dValue)]
    }

    // MARK: - Inference

    /// `request.images` are label maps (class ids [N, 1, H, W]) and `request.exemplars` with
    /// `exemplarLabels` their exemplars; the translation and, as the map `warped_exemplar`, the
    /// warped exemplar that conditions the generator (`inference`).
    public func translate(_ request: TranslationRequest) -> Translation {
        guard let exemplars = request.exemplars, let exemplarLabels = request.exemplarLabels else {
            preconditionFailure("cocosnet translates a label map with an exemplar image and its label map")
        }
        return withoutGradient {
            let semantics = oneHotMap(request.images)
            let corr = netCorr(labelMap: semantics, exemplar: exemplars, exemplarLabelMap: oneHotMap(exemplarLabels))
            let fake = netG(warped: corr.warpedImage, labelMap: semantics)
            return Translation(images: fake, maps: [AuxiliaryMap(name: "warped_exemplar", tensor: corr.warpedImage, kind: .image)])
        }
    }

    /// label map (coloured) | exemplar | warped exemplar | output | ground truth.
    public func visuals(_ batch: TrainingBatch) -> Visuals {
        let data = batch.paired
        let out = translate(TranslationRequest(images: data.labels, exemplars: data.exemplars, exemplarLabels: data.exemplarLabels))
        return Visuals(
            rows: [
                (
                    "label map → image",
                    [
                        labelColours(data.labels, classes: options.semanticChannels), data.exemplars,
                        out.map("warped_exemplar")!.tensor, out.images, data.images,
                    ]
                )
            ],
            columns: ["label map", "exemplar", "warped exemplar", "output", "ground truth"])
    }
}
