// Resolving a run's configuration: the model's section chosen by `model`, strict keys and
// ranges with the file and line named, `--set` overrides, the model's general defaults, and
// YAML that reads back to the same configuration (also the text older checkpoints hold).
import Configuration
import Models
import Training
import XCTest

final class ExperimentConfigTests: XCTestCase {
    private func message(_ yaml: String, overrides: [String] = [], registry: ModelRegistry = .standard) -> String {
        do {
            _ = try ExperimentConfig.parse(yaml: yaml, source: "c.yaml", overrides: overrides, registry: registry)
            return "accepted"
        } catch { return "\(error)" }
    }

    func testErrorsNameTheFileLineKeyAndValidValues() {
        XCTAssertEqual(message("model: cyclegan\ncyclegan:\n  ngf: 0\n"), "c.yaml:3: cyclegan.ngf = 0 must be in [1, 4096]")
        XCTAssertEqual(
            message("model: cyclegan\ncyclegan:\n  lamda_A: 5\n"),
            "c.yaml:3: unknown key 'cyclegan.lamda_A'; valid keys in 'cyclegan': ngf, ndf, n_blocks, n_layers_D, "
                + "gan_mode, lambda_A, lambda_B, lambda_identity, pool_size, lr, beta1, beta2, n_epochs, n_epochs_decay, init_gain")
        XCTAssertEqual(message("model: pix2pix\n"), "c.yaml: model 'pix2pix' is not one of cyclegan, aggan, unit, munit, ugatit, cocosnet")
        XCTAssertEqual(message("model: cyclegan\n", overrides: ["cyclegan.beta1=1"]), "--set: cyclegan.beta1 = 1 must be in [0, 1)")
        XCTAssertEqual(
            message("model: cyclegan\n", overrides: ["cyclegan.lr=1e9999"]), "--set: cyclegan.lr = '1e9999' is not a finite number")
        XCTAssertEqual(message("model: aggan\ncyclegan:\n  ngf: 4\n").prefix(40), "c.yaml:3: unknown key 'cyclegan.ngf'; se")
        XCTAssertEqual(message("model: cyclegan\ntrain:\n  batch_size: 0\n"), "c.yaml:3: train.batch_size = 0 must be in [1, 65536]")
        XCTAssertEqual(message("model: cyclegan\ndata:\n  crop_size: 100000\n"), "c.yaml:3: data.crop_size = 100000 must be in [1, 8192]")
        XCTAssertEqual(message("model: cyclegan\ntrain:\n  steps: -5\n"), "c.yaml:3: train.steps = -5 must be in [-1, 1000000000000]")
        XCTAssertEqual(message("model: cyclegan\ncyclegan:\n  pool_size: -1\n"), "c.yaml:3: cyclegan.pool_size = -1 must be in [0, 100000]")
        XCTAssertEqual(
            message("model: cyclegan\ncompute:\n  pool_cache_mb: -2\n"), "c.yaml:3: compute.pool_cache_mb = -2 must be in [-1, 1048576]")
    }

    func testOverridesTypedSectionsAndModelDefaults() throws {
        let config = try ExperimentConfig.parse(
            yaml: "model: cyclegan\nseed: 4\ncyclegan:\n  ngf: 8\n", source: "c.yaml",
            overrides: ["train.steps=7", "cyclegan.gan_mode=hinge", "compute.winograd=false"])
        XCTAssertEqual(config.model, "cyclegan")
        XCTAssertEqual(config.seed, 4)
        XCTAssertEqual(config.train.steps, 7)
        XCTAssertFalse(config.compute.winograd)
        XCTAssertNil(config.compute.poolCacheBytes, "pool_cache_mb -1: the automatic cap")
        let capped = try ExperimentConfig.parse(yaml: "model: cyclegan\n", source: "c.yaml", overrides: ["compute.pool_cache_mb=512"])
        XCTAssertEqual(capped.compute.poolCacheBytes, 512 << 20)
        XCTAssertEqual(CycleGANOptions(config.values).ngf, 8)
        XCTAssertEqual(CycleGANOptions(config.values).ganMode, .hinge)
        XCTAssertEqual(config.data, DataOptions())

        let registry = ModelRegistry([TemplateModel.registration])
        let template = try ExperimentConfig.parse(yaml: "model: template\n", source: "t.yaml", registry: registry)
        XCTAssertFalse(template.data.flip, "the template's general default")
        let flipped = try ExperimentConfig.parse(yaml: "model: template\ndata:\n  flip: true\n", source: "t.yaml", registry: registry)
        XCTAssertTrue(flipped.data.flip, "the file wins over the model's default")
    }

    func testYAMLReadsBackToTheSameConfiguration() throws {
        let config = try ExperimentConfig.parse(
            yaml: "model: aggan\naggan:\n  threshold: 0.3\n  attention_kernels: paper\n",
            source: "a.yaml", overrides: ["train.steps=12"])
        let again = try ExperimentConfig.parse(yaml: config.yaml(), source: "written")
        XCTAssertEqual(again.values, config.values)
        XCTAssertEqual(again.hash, config.hash)
        XCTAssertNil(ExperimentConfig.firstDifference(config, again))
        let other = try ExperimentConfig.parse(yaml: config.yaml(), source: "written", overrides: ["aggan.threshold=0.2"])
        XCTAssertEqual(ExperimentConfig.firstDifference(config, other)?.key, "aggan.threshold")
        XCTAssertEqual(ExperimentConfig.firstDifference(config, other)?.a, "0.3")
        XCTAssertTrue(config.summary().contains("  aggan.threshold: 0.3   (default: 0.1)"), config.summary())
    }

    /// The resolved config as checkpoints written before this layout recorded it (a sample of
    /// the emitted text: sections of `key: value` lines, integral floats with ".0").
    func testConfigTextOfEarlierCheckpointsStillParses() throws {
        let text = """
            model: cyclegan
            seed: 0
            data:
              load_size: 36
              crop_size: 32
              flip: true
            train:
              batch_size: 2
              steps: 40
            distributed:
              bucket_mb: 25.0
              timeout_seconds: 300.0
            debug:
              crash_kind: kill
            cyclegan:
              ngf: 8
              lambda_A: 10.0
              lr: 0.0002
              init_gain: 0.02

            """
        let config = try ExperimentConfig.parse(yaml: text, source: "old checkpoint")
        XCTAssertEqual(config.train.batchSize, 2)
        XCTAssertEqual(CycleGANOptions(config.values).learningRate, 2e-4)
        XCTAssertEqual(CycleGANOptions(config.values).initGain, 0.02)
    }
}
