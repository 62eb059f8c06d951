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
