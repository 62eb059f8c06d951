// CycleGAN (Zhu et al., ICCV 2017) as the official PyTorch code trains it
// (junyanz/pytorch-CycleGAN-and-pix2pix, `models/cycle_gan_model.py`). Names follow the code: G_A is the paper's G (A→B), G_B is F
// (B→A), D_A judges domain B (paper D_Y), D_B judges domain A (paper D_X).
//
// One step: fake_B = G_A(a), rec_A = G_B(fake_B), fake_A = G_B(b), rec_B = G_A(fake_A);
// generator step on the GAN, cycle (λ 10) and identity (λ_idt 0.5 · λ) losses with gradients
// for the generators only; then the discriminator step on real images and pooled, detached
// fakes with the halved loss.
import NN
import TensorCore

/// The CycleGAN model.
public final class CycleGAN: GANModel {
    /// The registry entry: unpaired data, no translation inputs besides the images.
    public static let registration = ModelRegistration(
        CycleGANOptions.self, summary: "CycleGAN (Zhu et al. 2017), the official PyTorch code's training"
    ) { options, context in CycleGAN(options: options, seed: context.seed, rank: context.rank) }

    public let options: CycleGANOptions
    public let G_A: ResnetGenerator
    public let G_B: ResnetGenerator
    public let D_A: PatchDiscriminator
    public let D_B: PatchDiscriminator
    public let optimizerG: Adam
    public let optimizerD: Adam
    let fakeAPool: ImagePool
    let fakeBPool: ImagePool
    public let schedule: LearningRateSchedule

    /// Builds the networks from `seed` (initialisation N(0, 0.02), identical on every rank) and
    /// the image pools from (seed, rank).
    public init(options: CycleGANOptions, seed: UInt64, rank: Int) {
        self.options = options
        var stream = RandomStream(seed: seed, purpose: "cyclegan.init")
        G_A = ResnetGenerator(ngf: options.ngf, blocks: options.generatorBlocks, stream: &stream)
        G_B = ResnetGenerator(ngf: options.ngf, blocks: options.generatorBlocks, stream: &stream)
        D_A = PatchDiscriminator(ndf: options.ndf, layers: options.discriminatorLayers, stream: &stream)
        D_B = PatchDiscriminator(ndf: options.ndf, layers: options.discriminatorLayers, stream: &stream)
        for net in [G_A, G_B, D_A, D_B] as [Module] {
            Initializer.normal(std: options.initGain).apply(to: net, using: &stream)
        }
        let settings = Adam.Settings(beta1: options.beta1, beta2: options.beta2)
        let gGroup = ParameterGroup(name: "G", networks: [("G_A", G_A), ("G_B", G_B)], learningRate: options.learningRate)
        let dGroup = ParameterGroup(name: "D", networks: [("D_A", D_A), ("D_B", D_B)], learningRate: options.learningRate)
        optimizerG = Adam(name: "G", groups: [(gGroup, settings)])
        optimizerD = Adam(name: "D", groups: [(dGroup, settings)])
        fakeAPool = ImagePool(name: "fake_A", capacity: options.poolSize, seed: seed, rank: rank)
        fakeBPool = ImagePool(name: "fake_B", capacity: options.poolSize, seed: seed, rank: rank)
        schedule = .cycleGANLinear(nEpochs: options.epochs, nEpochsDecay: options.epochsDecay)
    }

    public var networks: [(name: String, module: Module)] { [("G_A", G_A), ("G_B", G_B), ("D_A", D_A), ("D_B", D_B)] }
    public var optimizers: [Adam] { [optimizerG, optimizerD] }

    public var trainingLength: TrainingLength { .epochs(options.epochs + options.epochsDecay) }

    public func imageSizeProblem(_ size: Int) -> String? {
        if size % 4 != 0 { return "the generator needs a multiple of 4, not \(size)" }
        // Each stride-2 layer halves the size; the two stride-1 4×4 layers then remove 1 each.
        let smallest = 3 << options.discriminatorLayers
        if size < smallest {
            return
                "\(size) is too small for the \(options.discriminatorLayers)-layer PatchGAN discriminator (it needs at least \(smallest))"
        }
        return nil
    }

    public func trainStep(_ batch: TrainingBatch, epoch: Int, context: StepContext) -> [(name: String, value: Float)] {
        let realA = batch.unpaired.a, realB = batch.unpaired.b
        let fakeB = G_A(realA), recA = G_B(fakeB)
        let fakeA = G_B(realB), recB = G_A(fakeA)

        // Generators: gradients for G_A and G_B only (D's parameters are not targets).
        let lambdaIdt = options.lambdaIdentity
        var lossIdtA = Tensor(scalar: 0), lossIdtB = Tensor(scalar: 0)
        if lambdaIdt > 0 {
            lossIdtA = l1Loss(G_A(realB), realB) * (options.lambdaB * lambdaIdt)
            lossIdtB = l1Loss(G_B(realA), realA) * (options.lambdaA * lambdaIdt)
        }
        let lossGA = options.ganMode.loss(D_A(fakeB), real: true)
        let lossGB = options.ganMode.loss(D_B(fakeA), real: true)
        let lossCycleA = l1Loss(recA, realA) * options.lambdaA
        let lossCycleB = l1Loss(recB, realB) * options.lambdaB
        let lossG = lossGA + lossGB + lossCycleA + lossCycleB + lossIdtA + lossIdtB
        let lossGValue = lossG.item
        context.backward(lossG, for: optimizerG)
        context.step(optimizerG, loss: lossGValue)

        // Discriminators: real images against pooled, detached fakes; the loss is halved.
        let pooledB = fakeBPool.query([fakeB])[0]
        let pooledA = fakeAPool.query([fakeA])[0]
        let lossDA = discriminatorLoss(D_A, real: realB, fake: pooledB)
        let lossDB = discriminatorLoss(D_B, real: realA, fake: pooledA)
        let lossD = lossDA + lossDB
        let lossDValue = lossD.item
        context.backward(lossD, for: optimizerD)
        context.step(optimizerD, loss: lossDValue)

        return [
            ("D_A", lossDA.item), ("G_A", lossGA.item), ("cycle_A", lossCycleA.item), ("idt_A", lossIdtA.item),
            ("D_B", lossDB.item), ("G_B", lossGB.item), ("cycle_B", lossCycleB.item), ("idt_B", lossIdtB.item),
        ]
    }

    private func discriminatorLoss(_ d: PatchDiscriminator, real: Tensor, fake: Tensor) -> Tensor {
        let lossReal = options.ganMode.loss(d(real), real: true, forDiscriminator: true)
        let lossFake = options.ganMode.loss(d(fake.detached()), real: false, forDiscriminator: true)
        return (lossReal + lossFake) * 0.5
    }

    public func translate(_ request: TranslationRequest) -> Translation {
        withoutGradient { Translation(images: (request.direction == .a2b ? G_A : G_B)(request.images)) }
    }

    public func visuals(_ batch: TrainingBatch) -> Visuals {
        withoutGradient {
            let a = batch.unpaired.a, b = batch.unpaired.b
            let fakeB = G_A(a), fakeA = G_B(b)
            return Visuals(rows: [("A → B → A", [a, fakeB, G_B(fakeB)]), ("B → A → B", [b, fakeA, G_A(fakeA)])])
        }
    }
}
