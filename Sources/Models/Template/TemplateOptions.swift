// The template model's options: every setting declared once, with its key, range and help
// (Configuration's `Setting`). A new model's options file looks like this one.
import Configuration

/// Hyper-parameters of the template model.
public struct TemplateOptions: Codable, Equatable, Sendable {
    /// Classes of the input label maps (ids 0..<labelClasses).
    public var labelClasses = 8
    /// Filters of the generator's hidden layer.
    public var ngf = 16
    /// Weight of the L1 reconstruction loss.
    public var lambdaL1: Float = 1
    public var learningRate: Double = 2e-4
    public var beta1: Double = 0.5
    public var beta2: Double = 0.999
    /// Epochs of the full schedule (constant learning rate).
    public var epochs = 10
    /// A file with the frozen feature network's weights (`/networks/features/...`), or "none".
    public var featuresWeights = "none"
    /// Weight of the L1 loss between the frozen features of output and image.
    public var lambdaFeatures: Float = 1

    public init() {}
}

extension TemplateOptions: ConfigSection {
    public static let section = "template"

    public static let settings: [Setting<TemplateOptions>] = [
        .int("label_nc", \.labelClasses, .count(atMost: 256), "classes of the input label maps"),
        .int("ngf", \.ngf, .count(atMost: 4096), "filters of the generator's hidden layer"),
        .float("lambda_L1", \.lambdaL1, .within(0, 1e6), "weight of the L1 loss between output and image"),
        .double("lr", \.learningRate, .positive(atMost: 1), "Adam learning rate"),
        .double("beta1", \.beta1, .from(0, below: 1), "Adam β1"),
        .double("beta2", \.beta2, .from(0, below: 1), "Adam β2"),
        .int("n_epochs", \.epochs, .count(atMost: 1_000_000), "epochs of training at the constant rate"),
        .string(
            "features_weights", \.featuresWeights,
            "HDF5 file of the frozen feature network (a perceptual loss, as VGG is for other models), or none"),
        .float("lambda_features", \.lambdaFeatures, .within(0, 1e6), "weight of the feature-matching L1 loss"),
    ]
}
