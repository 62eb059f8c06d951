// AGGAN — unsupervised attention-guided image-to-image translation (Mejjati et al., NeurIPS
// 2018) as the official TensorFlow code trains it (main.py, model.py, losses.py of
// AlamiMejjati/Unsupervised-Attention-guided-Image-to-Image-Translation).
//
// Names follow the TF code's variable scopes, which are also the checkpoint's network names:
//   paper            code / checkpoint   role
//   F_{S→T}          g_A                 generator A → B
//   F_{T→S}          g_B                 generator B → A
//   A_S              g_A_ae              attention on A images (used with g_A)
//   A_T              g_B_ae              attention on B images (used with g_B)
//   D_S              d_A                 judges domain A   (CycleGAN's D_A judges B: not here)
//   D_T              d_B                 judges domain B
//   s_a, λ_cyc, τ    mask, lambda_a/b, threshold
//
// Composition (both directions and in the cycle): s' = m ⊙ G(s) + (1 − m) ⊙ s with m = A(s);
// the mask [N, 1, H, W] broadcasts over the channels (TF tiles it to 3).
// One iteration is four TF `sess.run` calls, each recomputing the graph with the weights of
// the moment: g_A (+ g_A_ae) step → d_B step → g_B (+ g_B_ae) step → d_A step, where
//   g_loss_A = λ_a·|a − cyc_a| + λ_b·|b − cyc_b| + mean((d_B(fake_b ⊙ 1[m_a ≥ τ]) − 1)²)
//   g_loss_B = λ_b·|b − cyc_b| + λ_a·|a − cyc_a| + mean((d_A(fake_a ⊙ 1[m_b ≥ τ]) − 1)²)
//   d_loss_B = ½·[mean((d_B(b ⊙ 1[A_T(b) ≥ τ]) − 1)²) + mean(d_B(pooled fake_b ⊙ 1[pooled mask ≥ τ])²)]
// (d_loss_A symmetric). Stage 1 (epoch < switch): τ = 0, so the discriminators see whole
// images, IN on in the discriminators, attention trained. Stage 2: τ = threshold, IN
// bypassed in the discriminators, attention frozen. The pools store (fake, mask) pairs.
//
// Optimisers: TF builds six train ops on one `AdamOptimizer` (β1 0.5). Its moments are per
// variable — shared by a generator's stage-1 and stage-2 ops — and its β-power accumulators
// are shared by all ops, advancing at every update. Here there is one Adam per train op
// (g_A: g_A + g_A_ae; d_B; g_B: g_B + g_B_ae; d_A) with TF's epsilon form; stage 2 freezes the
// attention groups, which keeps their moments, as TF's `*_trainer_bis` ops do; and before each
// update the optimiser's step count is set to the largest count among the four, so that the
// bias corrections advance once per update across all of them, as the shared β-powers do.
import NN
import TensorCore

/// The AGGAN model.
public final class AGGAN: GANModel {
    /// The registry entry: unpaired data; translations come with the attention mask.
    public static let registration = ModelRegistration(
        AGGANOptions.self, summary: "attention-guided CycleGAN (Mejjati et al. 2018), the official TensorFlow code's training"
    ) { options, context in AGGAN(options: options, seed: context.seed, rank: context.rank) }

    public let options: AGGANOptions
    /// Generator A → B (paper F_{S→T}).
    public let g_A: AGGANGenerator
    /// Generator B → A (paper F_{T→S}).
    public let g_B: AGGANGenerator
    /// Attention on A images, composing g_A's output (paper A_S).
    public let g_A_ae: AGGANAttention
    /// Attention on B images, composing g_B's output (paper A_T).
    public let g_B_ae: AGGANAttention
    /// Discriminator of domain A (paper D_S).
    public let d_A: AGGANDiscriminator
    /// Discriminator of domain B (paper D_T).
    public let d_B: AGGANDiscriminator
    /// The train ops' optimisers, in TF's order of use within an iteration.
    public let optimizerGA: Adam, optimizerDB: Adam, optimizerGB: Adam, optimizerDA: Adam
    let fakeAPool: ImagePool
    let fakeBPool: ImagePool
    public let schedule: LearningRateSchedule

    /// Builds the networks from `seed` with TF's initialisation (identical on every rank) and
    /// the image pools from (seed, rank).
    public init(options: AGGANOptions, seed: UInt64, rank: Int) {
        self.options = options
        var stream = RandomStream(seed: seed, purpose: "aggan.init")
        g_A = AGGANGenerator(ngf: options.ngf, blocks: options.generatorBlocks, stream: &stream)
        g_B = AGGANGenerator(ngf: options.ngf, blocks: options.generatorBlocks, stream: &stream)
        g_A_ae = AGGANAttention(ngf: options.ngf, kernels: options.attentionKernels, stream: &stream)
        g_B_ae = AGGANAttention(ngf: options.ngf, kernels: options.attentionKernels, stream: &stream)
        d_A = AGGANDiscriminator(ndf: options.ndf, stream: &stream)
        d_B = AGGANDiscriminator(ndf: options.ndf, stream: &stream)
        for net in [g_A, g_B, g_A_ae, g_B_ae, d_A, d_B] as [Module] {
            initializeAGGANNetwork(net, stddev: options.initStddev, using: &stream)
        }
        let settings = Adam.Settings(beta1: options.beta1, beta2: options.beta2, epsilonBeforeCorrection: true)
        func adam(_ nets: [(String, Module)]) -> Adam {
            let groups = nets.map { name, net in
                (ParameterGroup(name: name, networks: [(name, net)], learningRate: options.learningRate), settings)
            }
            return Adam(name: nets[0].0, groups: groups)
        }
        optimizerGA = adam([("g_A", g_A), ("g_A_ae", g_A_ae)])
        optimizerDB = adam([("d_B", d_B)])
        optimizerGB = adam([("g_B", g_B), ("g_B_ae", g_B_ae)])
        optimizerDA = adam([("d_A", d_A)])
        fakeAPool = ImagePool(name: "fake_A", capacity: options.poolSize, seed: seed, rank: rank)
        fakeBPool = ImagePool(name: "fake_B", capacity: options.poolSize, seed: seed, rank: rank)
        schedule = .aggan(maxEpochs: options.maxEpochs)
    }

    public var networks: [(name: String, module: Module)] {
        [("g_A", g_A), ("g_B", g_B), ("g_A_ae", g_A_ae), ("g_B_ae", g_B_ae), ("d_A", d_A), ("d_B", d_B)]
    }

    /// Generators first: g_A, g_B, d_A, d_B.
    public var optimizers: [Adam] { [optimizerGA, optimizerGB, optimizerDA, optimizerDB] }

    public var trainingLength: TrainingLength { .epochs(options.maxEpochs) }

    public func imageSizeProblem(_ size: Int) -> String? {
        size % 4 == 0 && size >= 8 ? nil : "the generator and attention networks need a multiple of 4 (at least 8), not \(size)"
    }

    // The image pools hold (fake [1, 3, H, W], mask [1, 1, H, W]) pairs.

    /// Whether `epoch` (from 0) is in the second stage.
    public func isSecondStage(epoch: Int) -> Bool { epoch >= options.switchEpoch }

    // MARK: - Training

    /// One iteration: the four TF train ops in order.
    ///
    /// Losses: each generator step's total and
    /// its adversarial and (λ-weighted) cycle terms, each discriminator step's total and its
    /// real and fake halves before the ½.
    public func trainStep(_ batch: TrainingBatch, epoch: Int, context: StepContext) -> [(name: String, value: Float)] {
        let stage2 = isSecondStage(epoch: epoch)
        for attention in [g_A_ae, g_B_ae] where attention.isFrozen != stage2 { attention.freeze(stage2) }
        let tau: Float = stage2 ? options.threshold : 0
        let normD = !stage2
        let a = batch.unpaired.a, b = batch.unpaired.b

        // g_A and g_A_ae, against d_B.
        let pa = cycleForward(a: a, b: b, adversary: .b, threshold: tau, normalizeD: normD)
        let lossGA = pa.cycleA + pa.cycleB + pa.gan
        let lossGAValues = (lossGA.item, pa.gan.item, pa.cycleA.item, pa.cycleB.item)
        update(optimizerGA, lossGA, lossGAValues.0, context)
        let pooledB = fakeBPool.query([pa.fakeB, pa.maskA])

        // d_B: real b through g_B_ae's mask (g_B_ae has not changed since the pass above).
        let db = discriminatorLoss(
            d_B, real: b, realMask: pa.maskB.detached(), fake: pooledB[0], fakeMask: pooledB[1],
            threshold: tau, normalize: normD)
        update(optimizerDB, db.total, db.total.item, context)

        // g_B and g_B_ae against the updated d_B, with the updated g_A and g_A_ae in the cycle.
        let pb = cycleForward(a: a, b: b, adversary: .a, threshold: tau, normalizeD: normD)
        let lossGB = pb.cycleB + pb.cycleA + pb.gan
        let lossGBValues = (lossGB.item, pb.gan.item, pb.cycleA.item, pb.cycleB.item)
        update(optimizerGB, lossGB, lossGBValues.0, context)
        let pooledA = fakeAPool.query([pb.fakeA, pb.maskB])

        // d_A: real a through the updated g_A_ae's mask.
        let da = discriminatorLoss(
            d_A, real: a, realMask: pb.maskA.detached(), fake: pooledA[0], fakeMask: pooledA[1],
            threshold: tau, normalize: normD)
        update(optimizerDA, da.total, da.total.item, context)

        return [
            ("g_A", lossGAValues.0), ("g_A_gan", lossGAValues.1), ("g_A_cycle_a", lossGAValues.2),
            ("g_A_cycle_b", lossGAValues.3),
            ("d_B", db.total.item), ("d_B_real", db.real.item), ("d_B_fake", db.fake.item),
            ("g_B", lossGBValues.0), ("g_B_gan", lossGBValues.1), ("g_B_cycle_a", lossGBValues.2),
            ("g_B_cycle_b", lossGBValues.3),
            ("d_A", da.total.item), ("d_A_real", da.real.item), ("d_A_fake", da.fake.item),
        ]
    }

    /// The forward graph of one generator train op.
    struct CyclePass {
        var maskA: Tensor, maskB: Tensor, fakeA: Tensor, fakeB: Tensor
        var cycleA: Tensor, cycleB: Tensor, gan: Tensor
    }

    /// Which discriminator a generator step is judged by.
    enum Adversary { case a, b }

    /// Both translations and both cycles with the current weights, the λ-weighted cycle
    /// losses, and the LSGAN generator loss against one discriminator (d_B judges fake_b
    /// through m_a, d_A judges fake_a through m_b).
    func cycleForward(a: Tensor, b: Tensor, adversary: Adversary, threshold: Float, normalizeD: Bool) -> CyclePass {
        let maskA = g_A_ae(a), maskB = g_B_ae(b)
        let fakeB = AGGAN.compose(g_A(a), source: a, mask: maskA)
        let fakeA = AGGAN.compose(g_B(b), source: b, mask: maskB)
        let cycA = AGGAN.compose(g_B(fakeB), source: fakeB, mask: g_B_ae(fakeB))
        let cycB = AGGAN.compose(g_A(fakeA), source: fakeA, mask: g_A_ae(fakeA))
        let cycleA = l1Loss(cycA, a) * options.lambdaA
        let cycleB = l1Loss(cycB, b) * options.lambdaB
        let scores =
            adversary == .b
            ? d_B(fakeB, mask: maskA, threshold: threshold, normalize: normalizeD)
            : d_A(fakeA, mask: maskB, threshold: threshold, normalize: normalizeD)
        return CyclePass(
            maskA: maskA, maskB: maskB, fakeA: fakeA, fakeB: fakeB, cycleA: cycleA, cycleB: cycleB,
            gan: mseLoss(scores, target: 1))
    }

    /// ½·[mean((D(real) − 1)²) + mean(D(fake)²)], each input seen through its binarised mask.
    func discriminatorLoss(
        _ d: AGGANDiscriminator, real: Tensor, realMask: Tensor, fake: Tensor, fakeMask: Tensor,
        threshold: Float, normalize: Bool
    ) -> (total: Tensor, real: Tensor, fake: Tensor) {
        let lossReal = mseLoss(d(real, mask: realMask, threshold: threshold, normalize: normalize), target: 1)
        let lossFake = mseLoss(d(fake.detached(), mask: fakeMask, threshold: threshold, normalize: normalize), target: 0)
        return ((lossReal + lossFake) * 0.5, lossReal, lossFake)
    }

    /// Back-propagates `loss` into `optimizer`'s parameters and applies the update, with the
    /// step count shared across the four optimisers (TF's shared β-power accumulators).
    private func update(_ optimizer: Adam, _ loss: Tensor, _ value: Float, _ context: StepContext) {
        context.backward(loss, for: optimizer)
        let shared = optimizers.flatMap(\.groups).map(\.step).max() ?? 0
        for state in optimizer.groups { state.step = shared }
        context.step(optimizer, loss: value)
    }

    /// m ⊙ translated + (1 − m) ⊙ source, the mask [N, 1, H, W] broadcast over channels.
    public static func compose(_ translated: Tensor, source: Tensor, mask: Tensor) -> Tensor {
        translated * mask + source * mask.subtracted(from: 1)
    }

    // MARK: - Inference

    /// The composed translation and, as the map `attention`, the mask [N, 1, H, W] it used.
    public func translate(_ request: TranslationRequest) -> Translation {
        withoutGradient {
            let (g, att) = request.direction == .a2b ? (g_A, g_A_ae) : (g_B, g_B_ae)
            let mask = att(request.images)
            return Translation(
                images: AGGAN.compose(g(request.images), source: request.images, mask: mask),
                maps: [AuxiliaryMap(name: "attention", tensor: mask, kind: .mask)])
        }
    }

    /// Rows input | translation | reconstruction | attention mask, for each direction.
    public func visuals(_ batch: TrainingBatch) -> Visuals {
        withoutGradient {
            let a = batch.unpaired.a, b = batch.unpaired.b
            let ab = translate(a, direction: .a2b), ba = translate(b, direction: .b2a)
            let recA = translate(ab.images, direction: .b2a).images
            let recB = translate(ba.images, direction: .a2b).images
            return Visuals(rows: [
                ("A → B → A", [a, ab.images, recA, ab.maps[0].tensor]),
                ("B → A → B", [b, ba.images, recB, ba.maps[0].tensor]),
            ])
        }
    }
}
