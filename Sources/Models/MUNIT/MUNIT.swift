// MUNIT (Huang, Liu, Belongie & Kautz, ECCV 2018) as the official code trains it (NVlabs/MUNIT
// `trainer.py: MUNIT_Trainer`, `train.py`), and MUNIT with self-attention (Kang & Lee,
// itsss/img2img_sa: the same trainer, attention blocks in the networks). Names follow the
// code: gen_a / gen_b are the AdaINGens of the two domains, dis_a judges domain A, dis_b B.
//
// One iteration (train.py: update_learning_rate, dis_update, gen_update); style codes
// s ~ N(0, I) [N, style_dim, 1, 1] are drawn anew in both steps, in the order s_a, s_b:
//   D: c_a = E^c_a(a), c_b = E^c_b(b); x_ba = G_a(c_b, s_a), x_ab = G_b(c_a, s_b) (detached);
//      gan_w · (D_a(x_ba, a) + D_b(x_ab, b)), each summed over the scales
//   G: (c_a, s_a') = E_a(a), (c_b, s_b') = E_b(b); x_a_recon = G_a(c_a, s_a'), x_ba = G_a(c_b, s_a),
//      x_b_recon = G_b(c_b, s_b'), x_ab = G_b(c_a, s_b); (c_b', s_a'') = E_a(x_ba),
//      (c_a', s_b'') = E_b(x_ab); x_aba = G_a(c_a', s_a'), x_bab = G_b(c_b', s_b') (if recon_x_cyc_w > 0);
//      gan_w·(adv_a(x_ba) + adv_b(x_ab)) + recon_x_w·|x_recon − x| + recon_s_w·|s'' − s|
//      + recon_c_w·|c' − c| + recon_x_cyc_w·|x_aba − a| (+ b's) + vgg_w·(VGG(x_ba, b) + VGG(x_ab, a)),
//      L1 as means; the targets c and s are not detached.
// One Adam for both generators (`gen`), one for both discriminators (`dis`), lr 1e-4,
// β (0.5, 0.999), coupled weight decay 1e-4; StepLR stepped before each iteration's update.
import Configuration
import NN
import TensorCore

/// MUNIT (and MUNIT with self-attention) as the official code trains it.
public final class MUNIT: GANModel {
    /// The registry entry: `munit.self_attention` picks the variant.
    public static let registration = ModelRegistration(
        MUNITOptions.self,
        summary: "MUNIT (Huang et al. 2018): multimodal translation with style codes; munit.self_attention adds SAGAN blocks",
        translationInputs: [.styleCode, .styleImage]
    ) { options, context in
        if let problem = options.problem { throw ConfigError(problem) }
        return try MUNIT(options: options, seed: context.seed, rank: context.rank, context: context)
    }

    /// Random styles per input in the sample grid.
    public static let displayStyles = 3

    public let options: MUNITOptions
    public let gen_a: AdaINGen
    public let gen_b: AdaINGen
    public let dis_a: MsImageDis
    public let dis_b: MsImageDis
    /// The frozen VGG16 of the perceptual loss, when `vgg_w` > 0 and the weights were loaded.
    public let vgg: Vgg16?
    public let optimizerGen: Adam
    public let optimizerDis: Adam
    public let schedule: LearningRateSchedule
    /// The style codes of the training steps, drawn per rank.
    let styles: RandomSource
    /// Replaces the style-code draws (the golden tests feed the reference's); nil draws from `styles`.
    public var noiseOverride: ((_ shape: [Int]) -> Tensor)?
    /// The sample grid's fixed random styles ([1, style_dim, 1, 1] each), as the official `s_a`, `s_b`.
    let displayStylesA: [Tensor]
    let displayStylesB: [Tensor]

    /// Builds the networks from `seed` (Kaiming-normal generators, N(0, 0.02) discriminators,
    /// LayerNorm γ uniform; identical on every rank) and the style stream from (seed, rank); loads
    /// the VGG16 of the perceptual loss when `vgg_w` > 0 and the context can load it (training).
    public init(options: MUNITOptions, seed: UInt64, rank: Int, context: ModelBuildContext? = nil) throws {
        self.options = options
        var stream = RandomStream(seed: seed, purpose: "munit.init")
        gen_a = AdaINGen(options: options, stream: &stream)
        gen_b = AdaINGen(options: options, stream: &stream)
        func discriminator(_ s: inout RandomStream) -> MsImageDis {
            MsImageDis(
                dim: options.disDim, layers: options.disLayers, scales: options.disScales, padType: options.disPadType,
                ganType: options.ganType, selfAttention: options.selfAttention, stream: &s)
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
        styles = RandomSource(name: "noise.style", seed: seed, rank: rank)
        var display = RandomStream(seed: seed, purpose: "munit.display_styles")
        let shape = [1, options.styleDim, 1, 1]
        displayStylesA = (0..<MUNIT.displayStyles).map { _ in Tensor.normal(shape, std: 1, using: &display) }
        displayStylesB = (0..<MUNIT.displayStyles).map { _ in Tensor.normal(shape, std: 1, using: &display) }
        vgg = options.vggWeight > 0 ? try Vgg16.frozen(from: options.vgg16Weights, seed: seed, context: context) : nil
    }

    public var networks: [(name: String, module: Module)] { [("gen_a", gen_a), ("gen_b", gen_b), ("dis_a", dis_a), ("dis_b", dis_b)] }
    public var frozenNetworks: [(name: String, module: Module)] { vgg.map { [("vgg16", $0)] } ?? [] }
    public var optimizers: [Adam] { [optimizerGen, optimizerDis] }
    public var trainingLength: TrainingLength { .iterations(options.maxIterations) }

    public func imageSizeProblem(_ size: Int) -> String? {
        let factor = 1 << options.downsample
        if size % factor != 0 {
            return "the content encoders' \(options.downsample) downsamplings need a multiple of \(factor), not \(size)"
        }
        if size < 16 { return "the style encoders' four downsamplings need at least 16 px, not \(size)" }
        return MsImageDis.sizeProblem(size, layers: options.disLayers, scales: options.disScales)
    }

    /// n style codes ~ N(0, I) [n, style_dim, 1, 1] (or the override's draw).
    func drawStyles(_ n: Int) -> Tensor {
        let shape = [n, options.styleDim, 1, 1]
        return noiseOverride?(shape) ?? Tensor.normal(shape, std: 1, using: &styles.stream)
    }

    public func trainStep(_ batch: TrainingBatch, epoch: Int, context: StepContext) -> [(name: String, value: Float)] {
        let xa = batch.unpaired.a, xb = batch.unpaired.b
        let n = xa.shape[0]
        let o = options

        // Discriminators, on translations with random styles (no generator gradient needed).
        let (fakeBA, fakeAB) = withoutGradient {
            let sa = drawStyles(n), sb = drawStyles(n)
            let ca = gen_a.enc_content(xa), cb = gen_b.enc_content(xb)
            return (gen_a.decode(cb, sa), gen_b.decode(ca, sb))
        }
        let lossDisA = dis_a.discriminatorLoss(fake: fakeBA, real: xa)
        let lossDisB = dis_b.discriminatorLoss(fake: fakeAB, real: xb)
        let lossDis = lossDisA * o.ganWeight + lossDisB * o.ganWeight
        let lossDisValue = lossDis.item
        context.backward(lossDis, for: optimizerDis)
        context.step(optimizerDis, loss: lossDisValue)

        // Generators.
        let sa = drawStyles(n), sb = drawStyles(n)
        let (ca, saPrime) = gen_a.encode(xa)
        let (cb, sbPrime) = gen_b.encode(xb)
        // Each decoder decodes its reconstruction and its translation in one batch (per-sample layers).
        let decodedA = gen_a.decode(concat([ca, cb], axis: 0), concat([saPrime, sa], axis: 0))
        let decodedB = gen_b.decode(concat([cb, ca], axis: 0), concat([sbPrime, sb], axis: 0))
        let xaRecon = decodedA.slice(axis: 0, 0..<n), xba = decodedA.slice(axis: 0, n..<2 * n)
        let xbRecon = decodedB.slice(axis: 0, 0..<n), xab = decodedB.slice(axis: 0, n..<2 * n)
        let (cbRecon, saRecon) = gen_a.encode(xba)
        let (caRecon, sbRecon) = gen_b.encode(xab)
        let reconXA = l1Loss(xaRecon, xa), reconXB = l1Loss(xbRecon, xb)
        let reconSA = l1Loss(saRecon, sa), reconSB = l1Loss(sbRecon, sb)
        let reconCA = l1Loss(caRecon, ca), reconCB = l1Loss(cbRecon, cb)
        let advA = dis_a.generatorLoss(fake: xba), advB = dis_b.generatorLoss(fake: xab)
        // Summed in the official order (trainer.py gen_update).
        var lossGen =
            advA * o.ganWeight + advB * o.ganWeight + reconXA * o.reconXWeight + reconSA * o.reconSWeight
            + reconCA * o.reconCWeight + reconXB * o.reconXWeight + reconSB * o.reconSWeight + reconCB * o.reconCWeight
        var cycle: (a: Float, b: Float) = (0, 0)
        if o.reconXCycleWeight > 0 {
            let cycA = l1Loss(gen_a.decode(caRecon, saPrime), xa), cycB = l1Loss(gen_b.decode(cbRecon, sbPrime), xb)
            lossGen = lossGen + cycA * o.reconXCycleWeight + cycB * o.reconXCycleWeight
            cycle = (cycA.item, cycB.item)
        }
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
            ("gen_adv_a", advA.item), ("gen_adv_b", advB.item), ("gen_recon_x_a", reconXA.item), ("gen_recon_x_b", reconXB.item),
            ("gen_recon_s_a", reconSA.item), ("gen_recon_s_b", reconSB.item), ("gen_recon_c_a", reconCA.item),
            ("gen_recon_c_b", reconCB.item), ("gen_cycrecon_x_a", cycle.a), ("gen_cycrecon_x_b", cycle.b),
        ] + perceptual + [("gen_total", lossGenValue)]
    }

    /// The source's content decoded with a style of the target domain.
    ///
    /// The style is the request's style codes, else the style of its style images (one for
    /// all, or one per input), else one fixed random style (the first of the sample grid's).
    /// The codes come back as the map `style` ([N, style_dim, 1, 1]).
    public func translate(_ request: TranslationRequest) -> Translation {
        withoutGradient {
            let (source, target) = request.direction == .a2b ? (gen_a, gen_b) : (gen_b, gen_a)
            let n = request.images.shape[0]
            var codes: Tensor
            if let given = request.styleCodes {
                codes = given.reshaped([given.shape[0], options.styleDim, 1, 1])
            } else if let images = request.styleImages {
                codes = target.enc_style(images)
            } else {
                codes = (request.direction == .a2b ? displayStylesB : displayStylesA)[0]
            }
            if codes.shape[0] == 1 && n > 1 { codes = repeatRows(codes, n) }
            let output = target.decode(source.enc_content(request.images), codes)
            return Translation(images: output, maps: [AuxiliaryMap(name: "style", tensor: codes, kind: .code)])
        }
    }

    /// Per direction: input | reconstruction | the fixed random styles | the style of a real
    /// target-domain image (the batch's other-domain image, shifted by one when the batch has several).
    public func visuals(_ batch: TrainingBatch) -> Visuals {
        withoutGradient {
            let a = batch.unpaired.a, b = batch.unpaired.b
            func row(_ x: Tensor, _ real: Tensor, _ source: AdaINGen, _ target: AdaINGen, _ fixed: [Tensor]) -> [Tensor] {
                let n = x.shape[0]
                let (content, style) = source.encode(x)
                var columns = [x, source.decode(content, style)]
                for s in fixed { columns.append(target.decode(content, repeatRows(s, n))) }
                let exemplars = n > 1 ? concat([real.slice(axis: 0, 1..<n), real.slice(axis: 0, 0..<1)], axis: 0) : real
                columns.append(target.decode(content, target.enc_style(exemplars)))
                return columns
            }
            // One name per column: the grid draws them (ImageGrid.splitRowLabel).
            let styles = (1...MUNIT.displayStyles).map { "style \($0)" }.joined(separator: ", ")
            return Visuals(rows: [
                ("A → B (input, reconstruction, \(styles), style of a B)", row(a, b, gen_a, gen_b, displayStylesB)),
                ("B → A (input, reconstruction, \(styles), style of an A)", row(b, a, gen_b, gen_a, displayStylesA)),
            ])
        }
    }
}

/// `t` [1, …] repeated to [n, …].
func repeatRows(_ t: Tensor, _ n: Int) -> Tensor { n == 1 ? t : concat(Array(repeating: t, count: n), axis: 0) }
