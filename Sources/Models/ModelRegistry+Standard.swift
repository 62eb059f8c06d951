// The models `i2i` trains. Adding a model is one folder under Sources/Models and one line here.

extension ModelRegistry {
    /// Every model of the command line, in the order `--help` lists them.
    public static let standard = ModelRegistry([
        CycleGAN.registration,
        AGGAN.registration,
        UNIT.registration,
        MUNIT.registration,
        UGATIT.registration,
        CoCosNet.registration,
    ])
}
