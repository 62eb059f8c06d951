// UNIT as the paper's code trains it (mingyuliutw/UNIT branch `version_02`,
// `src/trainers/cocogan_trainer.py: COCOGANTrainer`, `src/cocogan_train.py`); the networks are
// in UNITPaperNetworks.swift. The checkpoint holds `gen` and `dis`, as the official trainer
// saves them, so the shared layers are stored once and their gradients all-reduced once.
//
// One iteration (dis_update, then gen_update), with z = shared(E(x)) + n and n ~ N(0, I)
// drawn over the whole batch that passes the shared encoder block:
//   gen(a, b): z = enc_shared(cat(E_A(a), E_B(b))) + n (one draw, 2N latents); y = dec_shared(z);
//              x_aa, x_ba = decode_A(y); x_ab, x_bb = decode_B(y)
//   D: D_A(a) → 1, D_A(x_ba) → 0, D_B(b) → 1, D_B(x_ab) → 0 (sigmoid BCE means, summed);
//      gan_w · (ad_a + ad_b)
//   G: gen(a, b); x_bab, z_bab = a2b(x_ba); x_aba, z_aba = b2a(x_ab) (one draw each);
//      gan_w·(BCE(D_A(x_ba), 1) + BCE(D_B(x_ab), 1)) + ll_direct·(|x_aa − a| + |x_bb − b|)
//      + ll_cycle·(|x_aba − a| + |x_bab − b|) + kl_direct·(mean(z²) + mean(z²))
//      + kl_cycle·(mean(z_bab²) + mean(z_aba²))
// The direct KL term is written `enc_loss + enc_loss` in the code (counted twice) and z holds the
// added noise; both quirks are kept. Adam lr 1e-4, β (0.5, 0.999), weight decay 1e-4, constant.
import NN
import TensorCore

/// UNIT as the paper's code (`version_02`) trains it.
public final class UNITPaper: GANModel {
    public let options: UNITOptions
    /// Both domains' encoders and decoders with the shared blocks (`COCOResGen`).
    public let gen: COCOResGen
    /// Both domains' discriminators (`COCODis`).
    public let dis: COCODis
    public let optimizerGen: Adam
    public let optimizerDis: Adam
    public let schedule: LearningRateSchedule = .constant
    /// The latent noise, drawn per rank.
    let noise: RandomSource
    /// Replaces the noise draws (the golden tests feed the reference's); nil draws from `noise`.
    public var noiseOverride: ((_ shape: [Int]) -> Tensor)?

    /// Builds the networks from `seed` (conv weights N(0, 0.02), biases PyTorch's default;
    /// identical on every rank) and the noise stream from (seed, rank).
    public init(options: UNITOptions, seed: UInt64, rank: Int) {
        self.options = options
        var stream = RandomStream(seed: seed, purpose: "unit-paper.init")
        gen = COCOResGen(options: options, stream: &stream)
        dis = COCODis(channels: options.disDim, layers: options.resolvedDisLayers, stream: &stream)
        for net in [gen, dis] as [Module] { Initializer.normal(std: 0.02).apply(to: net, using: &stream, keepingBiases: true) }
        let settings = Adam.Settings(beta1: options.beta1, beta2: options.beta2, weightDecay: options.weightDecay)
        optimizerGen = Adam(
            name: "gen", groups: [(ParameterGroup(name: "gen", networks: [("gen", gen)], learningRate: options.learningRate), settings)])
        optimizerDis = Adam(
            name: "dis", groups: [(ParameterGroup(name: "dis", networks: [("dis", dis)], learningRate: options.learningRate), settings)])
        noise = RandomSource(name: "noise.latent", seed: seed, rank: rank)
    }

    public var networks: [(name: String, module: Module)] { [("gen", gen), ("dis", dis)] }
    public var optimizers: [Adam] { [optimizerGen, optimizerDis] }
    public var trainingLength: TrainingLength { .iterations(options.resolvedMaxIterations) }

    public func imageSizeProblem(_ size: Int) -> String? {
        let factor = 1 << (options.encoderFrontBlocks - 1)
        if size % factor != 0 {
            return "the generator's \(options.encoderFrontBlocks - 1) downsamplings need a multiple of \(factor), not \(size)"
        }
        return nil
    }

    /// The shared encoder block plus noise: the latent z.
    func latent(_ encoded: Tensor) -> Tensor {
        let h = gen.enc_shared(encoded)
        return h + (noiseOverride?(h.shape) ?? Tensor.normal(h.shape, std: 1, using: &noise.stream))
    }

    /// `forward_a2b` / `forward_b2a` in training: (translation, z).
    func translateWithNoise(_ x: Tensor, _ direction: Direction) -> (Tensor, Tensor) {
        let z = latent(direction == .a2b ? gen.encode_A(x) : gen.encode_B(x))
        let y = gen.dec_shared(z)
        return (direction == .a2b ? gen.decode_B(y) : gen.decode_A(y), z)
    }

    public func trainStep(_ batch: TrainingBatch, epoch: Int, context: StepContext) -> [(name: String, value: Float)] {
        let a = batch.unpaired.a, b = batch.unpaired.b, n = a.shape[0]
        let ganW = options.resolvedGANWeight

        // Discriminators, on translations of a fresh pass (only x_ba and x_ab are needed).
        let (fakeBA, fakeAB) = withoutGradient {
            let y = gen.dec_shared(latent(concat([gen.encode_A(a), gen.encode_B(b)], axis: 0)))
            return (gen.decode_A(y.slice(axis: 0, n..<2 * n)), gen.decode_B(y.slice(axis: 0, 0..<n)))
        }
        let adA = bceWithLogitsLoss(dis.model_A(a), target: 1) + bceWithLogitsLoss(dis.model_A(fakeBA), target: 0)
        let adB = bceWithLogitsLoss(dis.model_B(b), target: 1) + bceWithLogitsLoss(dis.model_B(fakeAB), target: 0)
        let lossDis = (adA + adB) * ganW
        let lossDisValue = lossDis.item
        context.backward(lossDis, for: optimizerDis)
        context.step(optimizerDis, loss: lossDisValue)

        // Generator.
        let z = latent(concat([gen.encode_A(a), gen.encode_B(b)], axis: 0))
        let y = gen.dec_shared(z)
        let outA = gen.decode_A(y), outB = gen.decode_B(y)
        let xaa = outA.slice(axis: 0, 0..<n), xba = outA.slice(axis: 0, n..<2 * n)
        let xab = outB.slice(axis: 0, 0..<n), xbb = outB.slice(axis: 0, n..<2 * n)
        let (xbab, zbab) = translateWithNoise(xba, .a2b)
        let (xaba, zaba) = translateWithNoise(xab, .b2a)
        let genAdA = bceWithLogitsLoss(dis.model_A(xba), target: 1), genAdB = bceWithLogitsLoss(dis.model_B(xab), target: 1)
        let enc = z.squared().mean(), encBAB = zbab.squared().mean(), encABA = zaba.squared().mean()
        let llA = l1Loss(xaa, a), llB = l1Loss(xbb, b), llABA = l1Loss(xaba, a), llBAB = l1Loss(xbab, b)
        let o = options
        let lossGen =
            (genAdA + genAdB) * ganW + (llA + llB) * o.directReconstructionWeight + (llABA + llBAB) * o.cycleReconstructionWeight
            + (enc + enc) * o.directKLWeight + (encBAB + encABA) * o.cycleKLWeight
        let lossGenValue = lossGen.item
        context.backward(lossGen, for: optimizerGen)
        context.step(optimizerGen, loss: lossGenValue)

        return [
            ("dis_a", adA.item), ("dis_b", adB.item), ("dis_total", lossDisValue),
            ("gen_ad_a", genAdA.item), ("gen_ad_b", genAdB.item), ("gen_ll_a", llA.item), ("gen_ll_b", llB.item),
            ("gen_ll_aba", llABA.item), ("gen_ll_bab", llBAB.item), ("gen_enc", enc.item), ("gen_enc_aba", encABA.item),
            ("gen_enc_bab", encBAB.item), ("gen_total", lossGenValue),
        ]
    }

    /// As `forward_a2b` / `forward_b2a` in evaluation mode: no noise.
    public func translate(_ request: TranslationRequest) -> Translation {
        withoutGradient { Translation(images: translateClean(request.images, request.direction)) }
    }

    func translateClean(_ x: Tensor, _ direction: Direction) -> Tensor {
        let y = gen.dec_shared(gen.enc_shared(direction == .a2b ? gen.encode_A(x) : gen.encode_B(x)))
        return direction == .a2b ? gen.decode_B(y) : gen.decode_A(y)
    }

    /// Input | translation | reconstruction | cycle, per direction, without noise.
    public func visuals(_ batch: TrainingBatch) -> Visuals {
        withoutGradient {
            let a = batch.unpaired.a, b = batch.unpaired.b
            func row(_ x: Tensor, _ d: Direction) -> [Tensor] {
                let y = gen.dec_shared(gen.enc_shared(d == .a2b ? gen.encode_A(x) : gen.encode_B(x)))
                let translated = d == .a2b ? gen.decode_B(y) : gen.decode_A(y)
                let reconstructed = d == .a2b ? gen.decode_A(y) : gen.decode_B(y)
                return [x, translated, reconstructed, translateClean(translated, d == .a2b ? .b2a : .a2b)]
            }
            return Visuals(
                rows: [
                    ("A → B", row(a, .a2b)),
                    ("B → A", row(b, .b2a)),
                ], columns: ["input", "translation", "reconstruction", "cycle"])
        }
    }
}
