// Every fixture case, grouped by op: one line per variant, and the Swift call for the op
// built from the case's inputs and attributes. FixtureInventoryTests checks that this list
// and the fixture files agree, so no case is silently skipped.
import TensorCore
import TestSupport

enum FixtureCatalog {
    // MARK: - elementwise.h5

    static let binaryKinds = ["same", "row", "col", "lead", "chan", "rank0", "rank0_left"]
    static let add = OpFixtures(file: "elementwise", op: "add", cases: binaryKinds.map { "add_\($0)" }) { i, _ in i["a"] + i["b"] }
    static let sub = OpFixtures(file: "elementwise", op: "sub", cases: binaryKinds.map { "sub_\($0)" }) { i, _ in i["a"] - i["b"] }
    static let mul = OpFixtures(file: "elementwise", op: "mul", cases: binaryKinds.map { "mul_\($0)" }) { i, _ in i["a"] * i["b"] }
    static let div = OpFixtures(file: "elementwise", op: "div", cases: binaryKinds.map { "div_\($0)" }) { i, _ in i["a"] / i["b"] }
    static let neg = OpFixtures(file: "elementwise", op: "neg", cases: ["neg"]) { i, _ in -i["x"] }
    static let addScalar = OpFixtures(file: "elementwise", op: "add_scalar", cases: ["add_scalar"]) { i, a in i["x"] + a.float("scalar")! }
    static let subScalar = OpFixtures(file: "elementwise", op: "sub_scalar", cases: ["sub_scalar"]) { i, a in i["x"] - a.float("scalar")! }
    static let mulScalar = OpFixtures(file: "elementwise", op: "mul_scalar", cases: ["mul_scalar"]) { i, a in i["x"] * a.float("scalar")! }
    static let divScalar = OpFixtures(file: "elementwise", op: "div_scalar", cases: ["div_scalar"]) { i, a in i["x"] / a.float("scalar")! }
    static let rsubScalar = OpFixtures(file: "elementwise", op: "rsub_scalar", cases: ["rsub_scalar"]) { i, a in a.float("scalar")! - i["x"]
    }
    static let rdivScalar = OpFixtures(file: "elementwise", op: "rdiv_scalar", cases: ["rdiv_scalar"]) { i, a in a.float("scalar")! / i["x"]
    }
    static let exp = OpFixtures(file: "elementwise", op: "exp", cases: ["exp"]) { i, _ in i["x"].exp() }
    static let log = OpFixtures(file: "elementwise", op: "log", cases: ["log"]) { i, _ in i["x"].log() }
    static let sqrt = OpFixtures(file: "elementwise", op: "sqrt", cases: ["sqrt"]) { i, _ in i["x"].sqrt() }
    static let pow = OpFixtures(
        file: "elementwise", op: "pow",
        cases: [
            "pow_2", "pow_3", "pow_half", "pow_neg",
            "pow_0",  // x⁰: PyTorch's gradient is exactly 0
            "pow_0_zeros",  // … even at x = 0
        ]
    ) { i, a in i["x"].pow(a.float("exponent")!) }
    static let abs = OpFixtures(file: "elementwise", op: "abs", cases: ["abs", "abs_zeros"]) { i, _ in i["x"].abs() }
    static let clamp = OpFixtures(
        file: "elementwise", op: "clamp",
        cases: [
            "clamp_both", "clamp_min", "clamp_max",
            "clamp_on_bounds", "clamp_min_on_bound",  // no gradient on the bounds (open interval)
        ]
    ) { i, a in
        i["x"].clamped(min: a.float("min"), max: a.float("max"))
    }
    static let relu = OpFixtures(file: "elementwise", op: "relu", cases: ["relu", "relu_zeros"]) { i, _ in i["x"].relu() }
    static let leakyRelu = OpFixtures(
        file: "elementwise", op: "leaky_relu", cases: ["leaky_relu_0.2", "leaky_relu_default", "leaky_relu_zeros"]
    ) { i, a in
        i["x"].leakyRelu(a.float("slope")!)
    }
    static let prelu = OpFixtures(
        file: "elementwise", op: "prelu",
        cases: [
            "prelu_shared", "prelu_channel", "prelu_2d",
            "prelu_zeros",  // at x = 0 PyTorch takes the slope branch: ∂/∂x = a
        ]
    ) { i, _ in
        TensorCore.prelu(i["x"], weight: i["w"])
    }
    static let sigmoid = OpFixtures(
        file: "elementwise", op: "sigmoid",
        cases: [
            "sigmoid",
            "sigmoid_large",  // |x| up to ~100: saturates without overflow
        ]
    ) { i, _ in i["x"].sigmoid() }
    static let tanh = OpFixtures(file: "elementwise", op: "tanh", cases: ["tanh"]) { i, _ in i["x"].tanh() }

    // MARK: - reduce.h5

    static let softmax = OpFixtures(
        file: "reduce", op: "softmax",
        cases: [
            "softmax_dim0", "softmax_dim1", "softmax_dim-1",
            "softmax_large",  // logits around 80 ± 60: needs the max subtracted
        ]
    ) { i, a in i["x"].softmax(axis: a.int("dim")) }
    static let logSoftmax = OpFixtures(
        file: "reduce", op: "log_softmax",
        cases: [
            "log_softmax_dim0", "log_softmax_dim1", "log_softmax_dim-1", "log_softmax_large",
        ]
    ) { i, a in i["x"].logSoftmax(axis: a.int("dim")) }
    static let reductionVariants = ["all", "d1", "dm1_keep", "d02", "d23_keep"]
    static let sum = OpFixtures(file: "reduce", op: "sum", cases: reductionVariants.map { "sum_\($0)" }) { i, a in
        i["x"].sum(axes: a.ints("dims"), keepDims: a.bool("keepdim"))
    }
    static let mean = OpFixtures(file: "reduce", op: "mean", cases: reductionVariants.map { "mean_\($0)" }) { i, a in
        i["x"].mean(axes: a.ints("dims"), keepDims: a.bool("keepdim"))
    }
    static let max = OpFixtures(
        file: "reduce", op: "max",
        cases: reductionVariants.map { "max_\($0)" } + [
            "max_ties_d1", "max_ties_all",  // ties share the gradient equally (torch.amax)
        ]
    ) { i, a in
        i["x"].max(axes: a.ints("dims"), keepDims: a.bool("keepdim"))
    }
    static let min = OpFixtures(file: "reduce", op: "min", cases: reductionVariants.map { "min_\($0)" } + ["min_ties_d0"]) { i, a in
        i["x"].min(axes: a.ints("dims"), keepDims: a.bool("keepdim"))
    }
    static let variance = OpFixtures(
        file: "reduce", op: "var",
        cases: reductionVariants.map { "var_biased_\($0)" } + reductionVariants.map { "var_unbiased_\($0)" } + [
            "var_offset"  // mean 300, std 1: a one-pass E[x²] − E[x]² would cancel
        ],
        // var_offset: x ≈ 300 carries a Float32 rounding of 300·6e-8 = 2e-5 per element, so the
        // centred values, and with them var and its gradient, are good to ~2e-5/1 relative.
        overrides: ["var_offset": Tolerance(absolute: 1e-4, relative: 1e-3)]
    ) { i, a in i["x"].variance(axes: a.ints("dims"), unbiased: a.bool("unbiased"), keepDims: a.bool("keepdim")) }

    // MARK: - matmul.h5

    static let matmul = OpFixtures(file: "matmul", op: "matmul", cases: ["mm", "mm_vec", "mm_odd", "bmm", "bmm_shared"]) { i, _ in
        TensorCore.matmul(i["a"], i["b"])
    }
    static let linear = OpFixtures(file: "matmul", op: "linear", cases: ["linear", "linear_nobias"]) { i, _ in
        TensorCore.linear(i["x"], weight: i["w"], bias: i.optional("b"))
    }

    // MARK: - shape.h5

    static let reshape = OpFixtures(file: "shape", op: "reshape", cases: ["reshape"]) { i, a in i["x"].reshaped(a.ints("shape")!) }
    static let permute = OpFixtures(file: "shape", op: "permute", cases: ["permute_0231", "permute_3102"]) { i, a in
        i["x"].permuted(a.ints("order")!)
    }
    static let transpose = OpFixtures(file: "shape", op: "transpose", cases: ["transpose_last", "transpose_02"]) { i, a in
        let d = a.ints("dims")!
        return i["x"].transposed(d[0], d[1])
    }
    static let concat = OpFixtures(file: "shape", op: "concat", cases: ["concat_dim0", "concat_dim1", "concat_dim-1"]) { i, a in
        TensorCore.concat(i.list("t"), axis: a.int("dim"))
    }
    static let stack = OpFixtures(file: "shape", op: "stack", cases: ["stack_dim1"]) { i, a in
        TensorCore.stack(i.list("t"), axis: a.int("dim"))
    }
    static let slice = OpFixtures(file: "shape", op: "slice", cases: ["slice_dim1", "slice_dim0", "slice_last"]) { i, a in
        i["x"].slice(axis: a.int("dim"), a.int("start")..<a.int("end"))
    }
    static let expand = OpFixtures(file: "shape", op: "expand", cases: ["expand_lead", "expand_row", "expand_mid"]) { i, a in
        i["x"].expanded(to: a.ints("shape")!)
    }

    // MARK: - pad.h5

    static let pad = OpFixtures(
        file: "pad", op: "pad",
        cases: ["zero", "reflect", "replicate"].flatMap { m in ["p1", "asym", "left", "bottom"].map { "pad_\(m)_\($0)" } } + [
            "pad_reflect_max",  // reflection up to size − 1 on each side
            "pad_replicate_3d",  // a [C, H, W] input
        ]
    ) { i, a in i["x"].padded(a.padding(), mode: PaddingMode(rawValue: a.string("mode"))!) }
}
