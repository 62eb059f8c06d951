// The `i2i` command: image-to-image translation GANs on CPUs, data-parallel over MPI.
import ArgumentParser

/// Root command; each subcommand lives in its own file.
@main
struct I2I: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "i2i",
        abstract: "Image-to-image translation GANs (CycleGAN, AGGAN, UNIT, MUNIT, U-GAT-IT, CoCosNet) on CPUs, data-parallel over MPI.",
        subcommands: [Preprocess.self, DemoData.self, Train.self, Translate.self, Inspect.self, Bench.self])
}
