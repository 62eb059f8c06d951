// UNIT (Liu, Breuel & Kautz, NIPS 2017) as the official master code trains it
// (mingyuliutw/UNIT master, `trainer.py: UNIT_Trainer`, `train.py`). Names follow the code:
// gen_a / gen_b are the two domains' VAEGens (encoder E, decoder G; nothing shared), dis_a
// judges domain A, dis_b domain B. The paper's code with shared layers is ``UNITPaper``.
//
// One iteration (train.py: update_learning_rate, dis_update, gen_update), with z = h + n,
// n ~ N(0, I) drawn per encode in the order a, b (D step), a, b, ba, ab (G step):
//   D: h_a = E_a(a), h_b = E_b(b); x_ba = G_a(z_b), x_ab = G_b(z_a) (detached);
//      gan_w · (D_a(x_ba, a) + D_b(x_ab, b)), each summed over the scales
//   G: x_a_recon = G_a(z_a), x_b_recon = G_b(z_b), x_ba = G_a(z_b), x_ab = G_b(z_a);
//      h_b' = E_a(x_ba), h_a' = E_b(x_ab); x_aba = G_a(z_a'), x_bab = G_b(z_b');
//      gan_w·(adv_a(x_ba) + adv_b(x_ab)) + recon_x_w·(|x_a_recon − a| + |x_b_recon − b|)
//      + recon_kl_w·(mean(h_a²) + mean(h_b²)) + recon_x_cyc_w·(|x_aba − a| + |x_bab − b|)
//      + recon_kl_cyc_w·(mean(h_a'²) + mean(h_b'²)) + vgg_w·(VGG(x_ba, b) + VGG(x_ab, a))
// One Adam for both generators (`gen`), one for both discriminators (`dis`), lr 1e-4,
// β (0.5, 0.999), coupled weight decay 1e-4; StepLR stepped before each iteration's update.
import Configuration
import NN
import TensorCore

/// UNIT as the official master trains it.
public final class UNIT: GANModel {
    /// The registry entry for both variants: `unit.variant` picks this class or ``UNITPaper``.
    public static let registration = ModelRegistration(
        UNITOptions.self, summary: "UNIT (Liu et al. 2017): the official master, or the paper's shared-layer code (unit.variant)"
    ) { options, context in
        if let problem = options.problem { throw ConfigError(problem) }
        switch options.variant {
        case .master: return try UNIT(options: options, seed: context.seed, rank: context.rank, context: context)
        case .paper: return UNITPaper(options: options, seed: context.seed, rank: context.rank)
        }
    }

    public let options: UNITOptions
    public let gen_a: VAEGen
    public let gen_b: VAEGen
    public let dis_a: MsImageDis
    public let dis_b: MsImageDis
    /// The frozen VGG16 of the perceptual loss, when `vgg_w` > 0 and the weights were loaded.
    public let vgg: Vgg16?
    public let optimizerGen: Adam
    public let optimizerDis: Adam
    public let schedule: LearningRateSchedule
    /// The latent noise, drawn per rank.
    let noise: RandomSource
    /// Replaces the noise draws (the golden tests feed the reference's); nil draws from `noise`.
    public var noiseOverride: ((_ shape: [Int]) -> Tensor)?

    /// Builds the networks from `seed` (Kaiming-normal generators, N(0, 0.02) discriminators,
    /// LayerNorm γ uniform; identical on every rank) and the noise stream from (seed, rank); loads
    /// the VGG16 of the perceptual loss when `vgg_w` > 0 and the context can load it (training).
    public init(options: UNITOptions, seed: UInt64, rank: Int, context: ModelBuildContext? = nil) throws {
        self.options = options
        var stream = RandomStream(seed: seed, purpose: "unit.init")
        gen_a = VAEGen(options: options, stream: &stream)
        gen_b = VAEGen(options: options, stream: &stream)
        func discriminator(_ s: inout RandomStream) -> MsImageDis {
            MsImageDis(
                dim: options.disDim, layers: options.resolvedDisLayers, scales: options.disScales, padType: options.disPadType,
                ganType: options.ganType, stream: &s)
        }
        dis_a = discriminator(&stream)
        dis_b = discriminator(&stream)
        let genInit: Initializer = options.initialization == .kaiming ? .kaimingNormal(a: 0) : .normal(std: 0.02)
        for net in [gen_a, gen_b] { genInit.apply(to: net, using: &stream) }
        for net in [dis_a, dis_b] { Initializer.normal(std: 0.02).apply(to: net, using: &stream) }
        let settings = Adam.Settings(beta1: options.beta1, beta2: options.beta2, weightDecay: options.weightDecay)
        let gen = ParameterGroup(name: "gen", networks: [("gen_a", gen_a), ("gen_b", gen_b)], learningRate: options.learningRate)
        let dis = ParameterGroup(name: "dis", networks: [("dis_a", dis_a), ("dis_b", dis_b)], learningRate: options.learningRate)
        optimizerGen = Adam(name: "gen", groups: [(gen, settings)])
        optimizerDis = Adam(name: "dis", groups: [(dis, settings)])
        schedule = .stepBeforeEachUpdate(stepSize: options.stepSize, gamma: options.gamma)
        noise = RandomSource(name: "noise.latent", seed: seed, rank: rank)
        vgg = options.vggWeight > 0 ? try Vgg16.frozen(from: options.vgg16Weights, seed: seed, context: context) : nil
    }

    public var networks: [(name: String, module: Module)] { [("gen_a", gen_a), ("gen_b", gen_b), ("dis_a", dis_a), ("dis_b", dis_b)] }
    public var frozenNetworks: [(name: String, module: Module)] { vgg.map { [("vgg16", $0)] } ?? [] }
    public var optimizers: [Adam] { [optimizerGen, optimizerDis] }
    public var trainingLength: TrainingLength { .iterations(options.resolvedMaxIterations) }

    public func imageSizeProblem(_ size: Int) -> String? {
        let factor = 1 << options.downsample
        if size % factor != 0 { return "the generators' \(options.downsample) downsamplings need a multiple of \(factor), not \(size)" }
        return MsImageDis.sizeProblem(size, layers: options.resolvedDisLayers, scales: options.disScales)
    }

    /// h + n with n ~ N(0, I) (or the override's draw).
    func sample(_ h: Tensor) -> Tensor { h + (noiseOverride?(h.shape) ?? Tensor.normal(h.shape, std: 1, using: &noise.stream)) }

    public func trainStep(_ batch: TrainingBatch, epoch: Int, context: StepContext) -> [(name: String, value: Float)] {
        let xa = batch.unpaired.a, xb = batch.unpaired.b
        let ganW = options.resolvedGANWeight

        // Discriminators, on translations from noisy latents (no generator gradient needed).
        let (fakeBA, fakeAB) = withoutGradient {
            let za = sample(gen_a.encode(xa)), zb = sample(gen_b.encode(xb))
            return (gen_a.decode(zb), gen_b.decode(za))
        }
        let lossDisA = dis_a.discriminatorLoss(fake: fakeBA, real: xa)
        let lossDisB = dis_b.discriminatorLoss(fake: fakeAB, real: xb)
        let lossDis = lossDisA * ganW + lossDisB * ganW
        let lossDisValue = lossDis.item
        context.backward(lossDis, for: optimizerDis)
        context.step(optimizerDis, loss: lossDisValue)

        // Generators.
        let ha = gen_a.encode(xa), za = sample(ha)
        let hb = gen_b.encode(xb), zb = sample(hb)
        // Each decoder decodes both latents in one batch (per-sample layers: the same result).
        let decodedA = gen_a.decode(concat([za, zb], axis: 0)), decodedB = gen_b.decode(concat([zb, za], axis: 0))
        let n = xa.shape[0]
        let xaRecon = decodedA.slice(axis: 0, 0..<n), xba = decodedA.slice(axis: 0, n..<2 * n)
        let xbRecon = decodedB.slice(axis: 0, 0..<n), xab = decodedB.slice(axis: 0, n..<2 * n)
        let hbRecon = gen_a.encode(xba), zbRecon = sample(hbRecon)
        let haRecon = gen_b.encode(xab), zaRecon = sample(haRecon)
        // The cycle decodes only when weighted (the official code fails on recon_x_cyc_w 0; 0 is reported).
        var cycA = Tensor(scalar: 0), cycB = Tensor(scalar: 0)
        if options.reconXCycleWeight > 0 {
            cycA = l1Loss(gen_a.decode(zaRecon), xa)
            cycB = l1Loss(gen_b.decode(zbRecon), xb)
        }
        let advA = dis_a.generatorLoss(fake: xba), advB = dis_b.generatorLoss(fake: xab)
        let reconA = l1Loss(xaRecon, xa), reconB = l1Loss(xbRecon, xb)
        let klA = ha.squared().mean(), klB = hb.squared().mean()
        let klCycA = haRecon.squared().mean(), klCycB = hbRecon.squared().mean()
        let o = options
        var lossGen =
            advA * ganW + advB * ganW + reconA * o.reconXWeight + klA * o.reconKLWeight + reconB * o.reconXWeight
            + klB * o.reconKLWeight + cycA * o.reconXCycleWeight + klCycA * o.reconKLCycleWeight + cycB * o.reconXCycleWeight
            + klCycB * o.reconKLCycleWeight
        var perceptual: [(name: String, value: Float)] = []
        if o.vggWeight > 0, let vgg {
            // Each translation against its source image (domain-invariant content).
            let vggA = vgg.perceptualLoss(xba, xb), vggB = vgg.perceptualLoss(xab, xa)
            lossGen = lossGen + vggA * o.vggWeight + vggB * o.vggWeight
            perceptual = [("gen_vgg_a", vggA.item), ("gen_vgg_b", vggB.item)]
        }
        let lossGenValue = lossGen.item
        context.backward(lossGen, for: optimizerGen)
        context.step(optimizerGen, loss: lossGenValue)

        return [
            ("dis_a", lossDisA.item), ("dis_b", lossDisB.item), ("dis_total", lossDisValue),
            ("gen_adv_a", advA.item), ("gen_adv_b", advB.item), ("gen_recon_x_a", reconA.item), ("gen_recon_x_b", reconB.item),
            ("gen_recon_kl_a", klA.item), ("gen_recon_kl_b", klB.item), ("gen_cyc_x_a", cycA.item), ("gen_cyc_x_b", cycB.item),
            ("gen_recon_kl_cyc_aba", klCycA.item), ("gen_recon_kl_cyc_bab", klCycB.item),
        ] + perceptual + [("gen_total", lossGenValue)]
    }

    /// As the official `forward`: encode without noise, decode with the other domain's decoder.
    public func translate(_ request: TranslationRequest) -> Translation {
        withoutGradient {
            switch request.direction {
            case .a2b: return Translation(images: gen_b.decode(gen_a.encode(request.images)))
            case .b2a: return Translation(images: gen_a.decode(gen_b.encode(request.images)))
            }
        }
    }

    /// Input | translation | reconstruction | cycle, per direction, without noise (as `sample`).
    public func visuals(_ batch: TrainingBatch) -> Visuals {
        withoutGradient {
            let a = batch.unpaired.a, b = batch.unpaired.b
            let ha = gen_a.encode(a), hb = gen_b.encode(b)
            let ab = gen_b.decode(ha), ba = gen_a.decode(hb)
            return Visuals(
                rows: [
                    ("A → B", [a, ab, gen_a.decode(ha), gen_a.decode(gen_b.encode(ab))]),
                    ("B → A", [b, ba, gen_b.decode(hb), gen_b.decode(gen_a.encode(ba))]),
                ], columns: ["input", "translation", "reconstruction", "cycle"])
        }
    }
}
