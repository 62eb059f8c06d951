// `i2i bench ops`: the rate of conv2d forward, backward-data and backward-weight at
// CycleGAN's shapes (batch 1), beside the raw sgemm rate measured in the same run.
//
// Each pass is timed on its own: forward with recording off, backward-data as the gradient
// of ⟨y, r⟩ with respect to x only, backward-weight with respect to the weight only (bias
// included in the forward, as the networks use it). Rates are 2·MACs of the pass divided by
// the median time; `gflops_total` is the three passes' FLOPs over their summed times.
import TensorCore

/// One convolution shape of the benchmark.
public struct ConvCase: Sendable {
    /// A stable name for JSON (`conv3x3_256_64x64`).
    public var name: String
    public var inputChannels: Int, outputChannels: Int
    public var kernel: Int, stride: Int, padding: Int
    /// Input height and width.
    public var size: Int
    /// A transposed conv (output padding stride − 1, as CycleGAN's upsampling).
    public var transposed: Bool

    /// Multiply-accumulates of one pass at batch 1.
    public var macs: Int {
        let kk = kernel * kernel
        if transposed { return inputChannels * outputChannels * kk * size * size }
        let out = (size + 2 * padding - kernel) / stride + 1
        return inputChannels * outputChannels * kk * out * out
    }

    /// CycleGAN's characteristic convolutions (ngf 64): a residual block's conv at 256×256
    /// images, the second downsampling conv, the output conv and the first upsampling conv.
    public static let cycleGAN: [ConvCase] = [
        ConvCase(
            name: "conv3x3_256_64x64", inputChannels: 256, outputChannels: 256, kernel: 3, stride: 1,
            padding: 1, size: 64, transposed: false),
        ConvCase(
            name: "conv3x3s2_128to256_128x128", inputChannels: 128, outputChannels: 256, kernel: 3, stride: 2,
            padding: 1, size: 128, transposed: false),
        ConvCase(
            name: "conv7x7_64to3_256x256", inputChannels: 64, outputChannels: 3, kernel: 7, stride: 1,
            padding: 3, size: 256, transposed: false),
        ConvCase(
            name: "convT3x3s2_256to128_64x64", inputChannels: 256, outputChannels: 128, kernel: 3, stride: 2,
            padding: 1, size: 64, transposed: true),
    ]
}

/// The measured rates of one ``ConvCase``.
public struct ConvCaseResult: Codable, Sendable {
    public var name: String
    public var gflopsForward: Double
    public var gflopsBackwardData: Double
    public var gflopsBackwardWeight: Double
    public var gflopsTotal: Double
    public var fractionOfSgemm: Double
    public var secondsForward: Double
    public var secondsBackwardData: Double
    public var secondsBackwardWeight: Double
}

/// The report of `i2i bench ops`.
public struct OpsReport: Codable, Sendable {
    public var sgemmGflops: Double
    public var threads: Int
    public var blasCore: String
    public var cases: [ConvCaseResult]
}

/// Runs the conv benchmark.
public enum OpsBenchmark {
    /// Measures every case in `cases`, each pass the median of `repetitions` runs.
    public static func run(cases: [ConvCase] = ConvCase.cycleGAN, repetitions: Int = 7) -> OpsReport {
        let sgemm = Measurement.sgemmGFLOPS()
        let results = cases.map { measure($0, repetitions: repetitions, sgemm: sgemm) }
        return OpsReport(
            sgemmGflops: sgemm, threads: Parallel.threadCount, blasCore: ComputeRuntime.blasCoreName,
            cases: results)
    }

    static func measure(_ c: ConvCase, repetitions: Int, sgemm: Double) -> ConvCaseResult {
        var stream = RandomStream(seed: 7, purpose: "bench.ops." + c.name)
        let x = Tensor.uniform([1, c.inputChannels, c.size, c.size], low: -1, high: 1, using: &stream)
        let wShape =
            c.transposed
            ? [c.inputChannels, c.outputChannels, c.kernel, c.kernel]
            : [c.outputChannels, c.inputChannels, c.kernel, c.kernel]
        let w = Tensor.normal(wShape, std: 0.02, using: &stream)
        let b = Tensor.normal([c.outputChannels], std: 0.02, using: &stream)
        x.requiresGrad = true
        w.requiresGrad = true
        func apply() -> Tensor {
            if c.transposed {
                return convTranspose2d(
                    x, weight: w, bias: b, stride: (c.stride, c.stride), padding: (c.padding, c.padding),
                    outputPadding: (c.stride - 1, c.stride - 1))
            }
            return conv2d(x, weight: w, bias: b, stride: (c.stride, c.stride), padding: Padding(c.padding))
        }
        let seedShape = withoutGradient { apply() }.shape
        let r = Tensor.uniform(seedShape, low: -1, high: 1, using: &stream)
        let forward = Measurement.medianTime(repetitions: repetitions) { _ = withoutGradient { apply() } }
        // Backward passes: record a forward (untimed), then time only the gradient call.
        func backward(_ target: Tensor) -> Double {
            var times: [Double] = []
            for i in 0..<(repetitions + 1) {
                let y = apply()
                let t = Measurement.time { _ = gradients(of: y, withRespectTo: [target], seed: r) }
                if i > 0 { times.append(t) }
            }
            return Measurement.median(times)
        }
        let data = backward(x), weight = backward(w)
        let flops = 2 * Double(c.macs)
        let total = 3 * flops / (forward + data + weight) * 1e-9
        return ConvCaseResult(
            name: c.name, gflopsForward: flops / forward * 1e-9, gflopsBackwardData: flops / data * 1e-9,
            gflopsBackwardWeight: flops / weight * 1e-9, gflopsTotal: total, fractionOfSgemm: total / sgemm,
            secondsForward: forward, secondsBackwardData: data, secondsBackwardWeight: weight)
    }
}
