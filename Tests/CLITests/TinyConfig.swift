// The tiny CycleGAN the CLI tests train: 4 filters, 1 residual block, 24 px crops of 26 px
// images, global batch 2 — a step in well under a second — with the `train` cadences and the
// pool size each test needs. One definition, so a change to the schema changes one place.

/// Config texts for the CLI tests.
enum TinyConfig {
    /// The tiny CycleGAN with `train` keys (`"log_every: 1"`, …) added after `batch_size: 2`.
    static func cycleGAN(train: [String] = [], poolSize: Int = 4) -> String {
        (["model: cyclegan", "data:", "  load_size: 26", "  crop_size: 24", "train:", "  batch_size: 2"]
            + train.map { "  " + $0 }
            + ["cyclegan:", "  ngf: 4", "  ndf: 4", "  n_blocks: 1", "  pool_size: \(poolSize)"]).joined(separator: "\n")
    }
}

extension TinyConfig {
    /// A tiny UNIT of `variant` (master or paper): 4 filters, one residual block per part,
    /// 3-layer discriminators (master: 2 scales), 24 px crops of 26 px images, global batch 2.
    static func unit(variant: String, train: [String] = []) -> String {
        (["model: unit", "data:", "  load_size: 26", "  crop_size: 24", "train:", "  batch_size: 2"]
            + train.map { "  " + $0 }
            + [
                "unit:", "  variant: \(variant)", "  gen_dim: 4", "  dis_dim: 4", "  dis_n_layer: 3", "  dis_num_scales: 2",
                "  n_res: 1", "  n_enc_res_blk: 1", "  n_gen_res_blk: 1",
            ]).joined(separator: "\n")
    }
}

extension TinyConfig {
    /// A tiny MUNIT (with `selfAttention`, MUNIT with self-attention): 4 filters, style code 8,
    /// MLP 16, one residual block per content encoder and decoder, 2-scale 3-layer
    /// discriminators, the cycle loss on, 24 px crops of 26 px images, global batch 2.
    static func munit(selfAttention: Bool, train: [String] = []) -> String {
        (["model: munit", "data:", "  load_size: 26", "  crop_size: 24", "train:", "  batch_size: 2"]
            + train.map { "  " + $0 }
            + [
                "munit:", "  self_attention: \(selfAttention)", "  gen_dim: 4", "  mlp_dim: 16", "  n_res: 1", "  dis_dim: 4",
                "  dis_n_layer: 3", "  dis_num_scales: 2", "  recon_x_cyc_w: 10",
            ]).joined(separator: "\n")
    }
}

extension TinyConfig {
    /// U-GAT-IT at 96 px (the global discriminator's minimum), ch 2, one residual block, global batch 2.
    static func ugatit(light: Bool, train: [String] = []) -> String {
        (["model: ugatit", "data:", "  load_size: 100", "  crop_size: 96", "train:", "  batch_size: 2"]
            + train.map { "  " + $0 }
            + ["ugatit:", "  light: \(light)", "  ch: 2", "  n_res: 1", "  img_size: 96", "  iteration: 20"])
            .joined(separator: "\n")
    }
}

extension TinyConfig {
    /// A tiny CoCosNet on the 5-class scenes data: 64 px crops of 72 px images, ngf = ndf = 4,
    /// SPADE hidden 8, θ/φ width 8, no VGG19, global batch 2.
    static func cocosnet(train: [String] = []) -> String {
        (["model: cocosnet", "data:", "  load_size: 72", "  crop_size: 64", "train:", "  batch_size: 2"]
            + train.map { "  " + $0 }
            + [
                "cocosnet:", "  semantic_nc: 5", "  ngf: 4", "  ndf: 4", "  spade_hidden: 8", "  corr_inter_channels: 8",
                "  niter: 1", "  niter_decay: 1", "  vgg19_weights: none",
            ]).joined(separator: "\n")
    }
}
