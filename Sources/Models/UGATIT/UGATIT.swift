// U-GAT-IT (Kim, Kim, Kang & Lee, ICLR 2020) as znxlwm/UGATIT-pytorch trains it (`UGATIT.py:
// build_model, train`; `main.py` defaults). Names follow the code: genA2B translates A → B,
// genB2A B → A; disGA / disLA (global 7 layers, local 5) judge domain A, disGB / disLB domain B.
//
// One iteration (`step` from 1), on one batch (a, b):
//   rates: with decay_flag, past iteration/2 each step lowers both rates by lr/(iteration/2)
//   D step: fake_A2B = genA2B(a), fake_B2A = genB2A(b) (no generator gradient: the official code
//     zeroes it before the G step); each D sees its real domain, then the fake (one power
//     iteration of every spectral norm per forward); per D, MSE(logit_real, 1) + MSE(logit_fake,
//     0) and the same on the CAM logits; D_loss_A = adv·(GA + GA cam + LA + LA cam), D_loss_B
//     likewise; Discriminator_loss = D_loss_A + D_loss_B
//   G step: fake_A2B, fake_B2A; cycles fake_A2B2A = genB2A(fake_A2B), fake_B2A2B; identities
//     fake_A2A = genB2A(a), fake_B2B = genA2B(b); MSE(·, 1) of the four Ds' logits and CAM logits
//     on the fakes; L1 means; CAM: BCE-with-logits of genB2A's CAM logits on b → 1 and on a → 0
//     (G_cam_loss_A), of genA2B's on a → 1 and on b → 0 (G_cam_loss_B);
//     G_loss_A = adv·(GA + GA cam + LA + LA cam) + cycle·recon_A + identity·identity_A + cam·cam_A
//   then every ρ of both generators is clamped to [0, 1] (`RhoClipper`).
// One Adam for both generators (G_optim), one for the four discriminators (D_optim): lr 1e-4,
// β (0.5, 0.999), coupled weight decay 1e-4 on every parameter. No image pool.
// Initialisation: PyTorch's defaults from the seed (identical on every rank); no per-rank state.
import Configuration
import NN
import TensorCore

/// U-GAT-IT, full or light.
public final class UGATIT: GANModel {
    /// The registry entry: `ugatit.light` picks the light model.
    public static let registration = ModelRegistration(
        UGATITOptions.self,
        summary: "U-GAT-IT (Kim et al. 2020): CAM attention and AdaLIN; ugatit.light pools before the γ/β MLP"
    ) { options, context in
        if let problem = options.problem { throw ConfigError(problem) }
        return UGATIT(options: options, seed: context.seed)
    }

    public let options: UGATITOptions
    public let genA2B: UGATITGenerator
    public let genB2A: UGATITGenerator
    public let disGA: UGATITDiscriminator
    public let disGB: UGATITDiscriminator
    public let disLA: UGATITDiscriminator
    public let disLB: UGATITDiscriminator
    public let optimizerG: Adam
    public let optimizerD: Adam
    public let schedule: LearningRateSchedule

    /// Builds the six networks in the official order from `seed`, with PyTorch's default
    /// initialisation and spectral-norm vectors u, v ~ N(0, 1) normalised.
    public init(options: UGATITOptions, seed: UInt64) {
        self.options = options
        var stream = RandomStream(seed: seed, purpose: "ugatit.init")
        genA2B = UGATITGenerator(options: options, stream: &stream)
        genB2A = UGATITGenerator(options: options, stream: &stream)
        disGA = UGATITDiscriminator(channels: options.channels, layers: UGATITOptions.globalLayers, stream: &stream)
        disGB = UGATITDiscriminator(channels: options.channels, layers: UGATITOptions.globalLayers, stream: &stream)
        disLA = UGATITDiscriminator(channels: options.channels, layers: UGATITOptions.localLayers, stream: &stream)
        disLB = UGATITDiscriminator(channels: options.channels, layers: UGATITOptions.localLayers, stream: &stream)
        let settings = Adam.Settings(beta1: UGATITOptions.betas.0, beta2: UGATITOptions.betas.1, weightDecay: options.weightDecay)
        let g = ParameterGroup(name: "G", networks: [("genA2B", genA2B), ("genB2A", genB2A)], learningRate: options.learningRate)
        let d = ParameterGroup(
            name: "D", networks: [("disGA", disGA), ("disGB", disGB), ("disLA", disLA), ("disLB", disLB)],
            learningRate: options.learningRate)
        optimizerG = Adam(name: "G", groups: [(g, settings)])
        optimizerD = Adam(name: "D", groups: [(d, settings)])
        schedule = options.decay ? .ugatitLinear(totalIterations: options.iterations) : .constant
    }

    public var networks: [(name: String, module: Module)] {
        [("genA2B", genA2B), ("genB2A", genB2A), ("disGA", disGA), ("disGB", disGB), ("disLA", disLA), ("disLB", disLB)]
    }

    public var optimizers: [Adam] { [optimizerG, optimizerD] }
    public var trainingLength: TrainingLength { .iterations(options.iterations) }

    public func imageSizeProblem(_ size: Int) -> String? {
        if !options.light && size != options.imageSize {
            return "the full model's FC layer is built for ugatit.img_size = \(options.imageSize) px crops, not \(size) "
                + "(set ugatit.img_size to the crop size, or ugatit.light: true)"
        }
        if size % 4 != 0 { return "the generators downsample twice: the size must be a multiple of 4, not \(size)" }
        return UGATITDiscriminator.sizeProblem(size, layers: UGATITOptions.globalLayers)
    }

    /// The official loop counts steps from 1 and lowers the rate before a step's updates; a run
    /// longer than `ugatit.iteration` (`--steps`) stays at 0 instead of going negative (the
    /// official loop ends there).
    public func updateLearningRates(epoch: Int, iteration: Int) {
        for optimizer in optimizers {
            for state in optimizer.groups {
                let rate = schedule.learningRate(base: state.group.baseLearningRate, epoch: epoch, iteration: iteration + 1)
                state.group.learningRate = Swift.max(rate, 0)
            }
        }
    }

    /// The global and local discriminators of a domain.
    private func discriminators(_ domain: Direction) -> [(name: String, net: UGATITDiscriminator)] {
        domain == .b2a ? [("GA", disGA), ("LA", disLA)] : [("GB", disGB), ("LB", disLB)]
    }

    public func trainStep(_ batch: TrainingBatch, epoch: Int, context: StepContext) -> [(name: String, value: Float)] {
        let realA = batch.unpaired.a, realB = batch.unpaired.b
        let w = options
        var values: [(name: String, value: Float)] = []

        // D step. Each D sees the real images first, then the fakes (the power iterations' order).
        let (fakeA2B, fakeB2A) = withoutGradient { (genA2B(realA).image, genB2A(realB).image) }
        var dLoss: [Tensor] = []
        for (domain, real, fake) in [(Direction.b2a, realA, fakeB2A), (.a2b, realB, fakeA2B)] {
            let scored = discriminators(domain).map { ($0.name, $0.net(real), $0.net(fake)) }
            var terms: [Tensor] = []
            for (name, r, f) in scored {
                let ad = mseLoss(r.logits, target: 1) + mseLoss(f.logits, target: 0)
                let cam = mseLoss(r.camLogit, target: 1) + mseLoss(f.camLogit, target: 0)
                values += [("D_ad_loss_\(name)", ad.item), ("D_ad_cam_loss_\(name)", cam.item)]
                terms += [ad, cam]
            }
            dLoss.append((terms[0] + terms[1] + terms[2] + terms[3]) * w.advWeight)
        }
        let discriminatorLoss = dLoss[0] + dLoss[1]
        let dValue = discriminatorLoss.item
        values += [
            ("D_loss_A", dLoss[0].item), ("D_loss_B", dLoss[1].item), ("Discriminator_loss", dValue),
        ]
        context.backward(discriminatorLoss, for: optimizerD)
        context.step(optimizerD, loss: dValue)

        // G step on the same batch.
        let a2b = genA2B(realA), b2a = genB2A(realB)
        let a2b2a = genB2A(a2b.image).image, b2a2b = genA2B(b2a.image).image
        let a2a = genB2A(realA), b2b = genA2B(realB)
        var adversarial: [Tensor] = []
        var gValues: [(name: String, value: Float)] = []
        for (domain, fake) in [(Direction.b2a, b2a.image), (.a2b, a2b.image)] {
            for (name, net) in discriminators(domain) {
                let scored = net(fake)
                let ad = mseLoss(scored.logits, target: 1), cam = mseLoss(scored.camLogit, target: 1)
                gValues += [("G_ad_loss_\(name)", ad.item), ("G_ad_cam_loss_\(name)", cam.item)]
                adversarial += [ad, cam]
            }
        }
        let reconA = l1Loss(a2b2a, realA), reconB = l1Loss(b2a2b, realB)
        let identityA = l1Loss(a2a.image, realA), identityB = l1Loss(b2b.image, realB)
        let camA = bceWithLogitsLoss(b2a.camLogit, target: 1) + bceWithLogitsLoss(a2a.camLogit, target: 0)
        let camB = bceWithLogitsLoss(a2b.camLogit, target: 1) + bceWithLogitsLoss(b2b.camLogit, target: 0)
        let lossA =
            (adversarial[0] + adversarial[1] + adversarial[2] + adversarial[3]) * w.advWeight + reconA * w.cycleWeight
            + identityA * w.identityWeight + camA * w.camWeight
        let lossB =
            (adversarial[4] + adversarial[5] + adversarial[6] + adversarial[7]) * w.advWeight + reconB * w.cycleWeight
            + identityB * w.identityWeight + camB * w.camWeight
        let generatorLoss = lossA + lossB
        let gValue = generatorLoss.item
        gValues += [
            ("G_recon_loss_A", reconA.item), ("G_recon_loss_B", reconB.item), ("G_identity_loss_A", identityA.item),
            ("G_identity_loss_B", identityB.item), ("G_cam_loss_A", camA.item), ("G_cam_loss_B", camB.item),
            ("G_loss_A", lossA.item), ("G_loss_B", lossB.item), ("Generator_loss", gValue),
        ]
        context.backward(generatorLoss, for: optimizerG)
        context.step(optimizerG, loss: gValue)
        genA2B.clipRho()
        genB2A.clipRho()
        return values + gValues
    }

    // MARK: - Inference

    /// The generator of `direction` and the images at the size it takes (the full model's FC
    /// fixes it: other sizes are resized bilinearly to img_size and back, as the official
    /// test code resizes its inputs to img_size).
    private func run(_ generator: UGATITGenerator, _ x: Tensor) -> UGATITGenerator.Output {
        let h = x.shape[2], w = x.shape[3], size = options.imageSize
        if options.light || (h == size && w == size) { return generator(x) }
        var out = generator(resizeBilinear(x, height: size, width: size))
        out.image = resizeBilinear(out.image, height: h, width: w)
        return out
    }

    /// The translation and, as the map `heatmap`, the generator's CAM heat map as the official
    /// test code shows it (`utils.py: cam`): shifted to a minimum of 0, divided by its maximum,
    /// resized bilinearly to the image, [N, 1, H, W] in [0, 1], drawn with the jet colour map.
    public func translate(_ request: TranslationRequest) -> Translation {
        withoutGradient {
            let generator = request.direction == .a2b ? genA2B : genB2A
            let out = run(generator, request.images)
            let heatmap = UGATIT.heatmapImage(out.heatmap, height: request.images.shape[2], width: request.images.shape[3])
            return Translation(images: out.image, maps: [AuxiliaryMap(name: "heatmap", tensor: heatmap, kind: .heatmap)])
        }
    }

    /// `heatmap` [N, 1, h, w] per sample shifted to min 0 and divided by its max (0 where it is
    /// constant), then resized bilinearly (half-pixel centres, as cv2.resize) to height × width.
    public static func heatmapImage(_ heatmap: Tensor, height: Int, width: Int) -> Tensor {
        let n = heatmap.shape[0], plane = heatmap.count / n
        let normalised = heatmap.detached().copy()
        let p = normalised.data
        for s in 0..<n {
            let base = p + s * plane
            var lo = Float.infinity
            for i in 0..<plane { lo = Swift.min(lo, base[i]) }
            var hi: Float = 0
            for i in 0..<plane {
                base[i] -= lo
                hi = Swift.max(hi, base[i])
            }
            if hi > 0 { for i in 0..<plane { base[i] /= hi } }
        }
        return resizeBilinear(normalised, height: height, width: width)
    }

    /// Per direction: input | heat map (jet colours) | translation | cycle (the columns of the
    /// official sample images' A → B part).
    public func visuals(_ batch: TrainingBatch) -> Visuals {
        withoutGradient {
            func row(_ x: Tensor, _ forward: UGATITGenerator, _ backward: UGATITGenerator) -> [Tensor] {
                let out = run(forward, x)
                let heatmap = UGATIT.heatmapImage(out.heatmap, height: x.shape[2], width: x.shape[3])
                return [x, jetColours(heatmap), out.image, run(backward, out.image).image]
            }
            return Visuals(rows: [
                ("A → B (input, heat map, translation, cycle)", row(batch.unpaired.a, genA2B, genB2A)),
                ("B → A (input, heat map, translation, cycle)", row(batch.unpaired.b, genB2A, genA2B)),
            ])
        }
    }
}

/// Bilinear resize of [N, C, h, w] to [N, C, height, width] with half-pixel centres and edge
/// clamping (PyTorch `interpolate(mode="bilinear", align_corners=False)`, cv2 INTER_LINEAR when
/// enlarging); no gradient.
func resizeBilinear(_ x: Tensor, height: Int, width: Int) -> Tensor {
    let n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3]
    if h == height && w == width { return x }
    let out = Tensor.zeros([n, c, height, width])
    func taps(_ size: Int, _ source: Int) -> [(Int, Int, Float)] {
        let scale = Float(source) / Float(size)
        return (0..<size).map { o in
            let position = Swift.max((Float(o) + 0.5) * scale - 0.5, 0)
            let i0 = Swift.min(Int(position), source - 1)
            let i1 = Swift.min(i0 + 1, source - 1)
            return (i0, i1, position - Float(i0))
        }
    }
    let ys = taps(height, h), xs = taps(width, w)
    let src = x.data, dst = out.data
    for plane in 0..<(n * c) {
        let s = src + plane * h * w, d = dst + plane * height * width
        for (oy, (y0, y1, fy)) in ys.enumerated() {
            for (ox, (x0, x1, fx)) in xs.enumerated() {
                let top = s[y0 * w + x0] * (1 - fx) + s[y0 * w + x1] * fx
                let bottom = s[y1 * w + x0] * (1 - fx) + s[y1 * w + x1] * fx
                d[oy * width + ox] = top * (1 - fy) + bottom * fy
            }
        }
    }
    return out
}
