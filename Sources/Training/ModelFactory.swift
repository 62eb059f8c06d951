// The one switch that builds a model from a resolved configuration.
import Models

/// Builds models by kind.
public enum ModelFactory {
    /// The model named by `config.model`, initialised from the config's seed (identical on every
    /// rank), with per-rank state (image pools) seeded from (seed, rank).
    public static func make(_ config: ExperimentConfig, rank: Int) -> GANModel {
        switch config.model {
        case .cyclegan: return CycleGAN(options: CycleGANOptions(config.values), seed: config.seed, rank: rank)
        case .aggan: return AGGAN(options: AGGANOptions(config.values), seed: config.seed, rank: rank)
        }
    }
}
