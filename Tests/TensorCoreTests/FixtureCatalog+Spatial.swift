// Fixture cases of the image ops, indexing and losses: one line per variant (see
// FixtureCatalog.swift).
import TensorCore
import TestSupport

extension FixtureCatalog {
    // MARK: - conv.h5

    static let conv2d = OpFixtures(
        file: "conv", op: "conv2d",
        cases: [
            // Fewer than 16 output channels: Y = W'·x forward, flipped-kernel backward at stride 1.
            "conv2d_co4_k3_s1_p1",
            "conv2d_co3_k7_s1_p0_nobias",  // the 7×7 output layer of a ResNet generator
            "conv2d_co3_k3_s1_asym",  // per-side padding (0, 1, 1, 0)
            "conv2d_co4_k3_s2_p1",  // stride 2: im2col backward
            "conv2d_co2_k4_s2_asym",
            "conv2d_co4_k1",  // 1×1
            "conv2d_co4_k1_p1",  // padding wider than the kernel (negative flipped padding)
            "conv2d_co1_k3_s1_p2",  // padding = kernel − 1
            "conv2d_co5_k3x1_s2x1",  // rectangular kernel and stride
            // 16 or more output channels: out = W · im2col(x).
            "conv2d_co16_k3_s1_p1",
            "conv2d_co16_k3_s2_p1_odd",
            "conv2d_co17_k4_s2_asym",  // TF-SAME-style (0, 1, 0, 1)
            "conv2d_co20_k4_s1_p1",  // the 4×4 stride-1 PatchGAN layer
            "conv2d_co16_k1",  // pointwise: no im2col at all
            "conv2d_co16_k1_s2",  // 1×1 but strided: im2col path
            "conv2d_co16_k7_s1_p3",
            "conv2d_co18_k3x2_s1x2",  // rectangular kernel and stride, asymmetric padding
        ]
    ) { i, a in
        TensorCore.conv2d(i["x"], weight: i["w"], bias: i.optional("b"), stride: a.pair("stride"), padding: a.padding())
    }
    static let convTranspose2d = OpFixtures(
        file: "conv", op: "conv_transpose2d",
        cases: [
            "convt_k3_s2_p1_op1",  // CycleGAN's upsampling
            "convt_k4_s2_p1",  // pix2pix's upsampling
            "convt_k3_s1_p1",
            "convt_k3_s2_p0",
            "convt_k3_s2_p0_op1",  // output padding beyond the padding (negative bottom padding in the adjoint)
            "convt_k2_s2",
            "convt_k3x2_s2x1_p1x0",  // rectangular kernel, stride and padding
            "convt_k5_s3_p2_op2",
        ]
    ) { i, a in
        TensorCore.convTranspose2d(
            i["x"], weight: i["w"], bias: i.optional("b"), stride: a.pair("stride"),
            padding: a.pair("padding"), outputPadding: a.pair("output_padding"))
    }

    // MARK: - pool.h5

    static let avgPool2d = OpFixtures(
        file: "pool", op: "avg_pool2d",
        cases: [
            "avg_k2_s2", "avg_k3_s2_p1",
            "avg_k3_s2_p1_excl", "avg_k3_s1_p1_excl",  // count_include_pad = false
            "avg_k3_s3_odd", "avg_k2_s1",
        ]
    ) { i, a in
        i["x"].avgPool2d(
            kernel: a.int("kernel"), stride: a.int("stride"), padding: a.int("padding"),
            countIncludePad: a.bool("count_include_pad"))
    }
    static let maxPool2d = OpFixtures(
        file: "pool", op: "max_pool2d",
        cases: [
            "max_k2_s2", "max_k3_s2_p1", "max_k3_s1_p1", "max_k2_s1_odd",
            "max_ties_k2_s1", "max_ties_k3_s2_p1",  // ties: the first maximum in row-major order wins
        ]
    ) { i, a in
        i["x"].maxPool2d(kernel: a.int("kernel"), stride: a.int("stride"), padding: a.int("padding"))
    }
    static let globalAvgPool = OpFixtures(file: "pool", op: "global_avg_pool2d", cases: ["global_avg"]) { i, _ in i["x"].globalAvgPool2d() }
    static let globalMaxPool = OpFixtures(file: "pool", op: "global_max_pool2d", cases: ["global_max"]) { i, _ in i["x"].globalMaxPool2d() }
    static let upsample = OpFixtures(file: "pool", op: "upsample_nearest", cases: ["upsample_x2", "upsample_x3", "upsample_2x1"]) { i, a in
        let f = a.pair("factor")
        return i["x"].upsampleNearest(factorY: f.0, factorX: f.1)
    }
    static let resize = OpFixtures(file: "pool", op: "resize_nearest", cases: ["resize_up", "resize_down", "resize_mixed"]) { i, a in
        let s = a.pair("size")
        return i["x"].resizeNearest(height: s.0, width: s.1)
    }
    static let unfold = OpFixtures(file: "pool", op: "unfold", cases: ["unfold_k3_p1", "unfold_k2_s2", "unfold_k3_p0"]) { i, a in
        i["x"].unfold(kernel: a.int("kernel"), padding: a.int("padding"), stride: a.int("stride"))
    }

    // MARK: - norm.h5 and index.h5

    static let instanceNorm = OpFixtures(
        file: "norm", op: "instance_norm",
        cases: [
            "inorm_plain", "inorm_affine", "inorm_eps1e-3",
            "inorm_offset",  // planes with mean 50
            "inorm_1d",  // [N, C, L]
            "inorm_weight_only",  // γ without β
        ]
    ) { i, a in TensorCore.instanceNorm(i["x"], weight: i.optional("w"), bias: i.optional("b"), eps: a.float("eps")!) }
    static let oneHot = OpFixtures(file: "index", op: "one_hot", cases: ["one_hot"]) { i, a in
        TensorCore.oneHot(i["ids"], classes: a.int("classes"))
    }
    static let gather = OpFixtures(file: "index", op: "gather", cases: ["gather_dim1", "gather_dim0", "gather_last"]) { i, a in
        TensorCore.gather(i["x"], axis: a.int("dim"), index: i["index"])
    }

    // MARK: - loss.h5

    static let mse = OpFixtures(file: "loss", op: "mse", cases: ["mse", "mse_bcast"]) { i, _ in mseLoss(i["x"], i["target"]) }
    static let mseConstant = OpFixtures(file: "loss", op: "mse_const", cases: ["mse_const"]) { i, a in
        mseLoss(i["x"], target: a.float("target")!)
    }
    static let l1 = OpFixtures(file: "loss", op: "l1", cases: ["l1"]) { i, _ in l1Loss(i["x"], i["target"]) }
    static let bce = OpFixtures(
        file: "loss", op: "bce_with_logits",
        cases: [
            "bce",
            "bce_large",  // logits of ±30, ±100 and std 60
        ]
    ) { i, _ in bceWithLogitsLoss(i["x"], i["target"]) }
    static let bceConstant = OpFixtures(file: "loss", op: "bce_with_logits_const", cases: ["bce_const1", "bce_const0"]) { i, a in
        bceWithLogitsLoss(i["x"], target: a.float("target")!)
    }
    static let nll = OpFixtures(
        file: "loss", op: "nll",
        cases: [
            "nll_weighted",  // per-pixel weights
            "nll_plain", "nll_rank2",
        ]
    ) { i, _ in nllLoss(i["logp"], target: i["target"], weight: i.optional("weight")) }
    static let hingeReal = OpFixtures(file: "loss", op: "hinge_real", cases: ["hinge_real"]) { i, _ in hingeRealLoss(i["x"]) }
    static let hingeFake = OpFixtures(file: "loss", op: "hinge_fake", cases: ["hinge_fake"]) { i, _ in hingeFakeLoss(i["x"]) }
    static let hingeGenerator = OpFixtures(file: "loss", op: "hinge_gen", cases: ["hinge_gen"]) { i, _ in hingeGeneratorLoss(i["x"]) }

    /// Every op's cases, for the inventory check.
    static let all: [OpFixtures] = [
        add, sub, mul, div, neg, addScalar, subScalar, mulScalar, divScalar, rsubScalar, rdivScalar, exp, log, sqrt, pow,
        abs, clamp, relu, leakyRelu, prelu, sigmoid, tanh,
        softmax, logSoftmax, sum, mean, max, min, variance, matmul, linear,
        reshape, permute, transpose, concat, stack, slice, expand, pad,
        conv2d, convTranspose2d, avgPool2d, maxPool2d, globalAvgPool, globalMaxPool, upsample, resize, unfold,
        instanceNorm, oneHot, gather,
        mse, mseConstant, l1, bce, bceConstant, nll, hingeReal, hingeFake, hingeGenerator,
    ]
}
