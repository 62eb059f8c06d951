// Inference through the model contract: a request carries the images and whatever else a model
// can take (a direction, style codes or style images, exemplars with their label maps); the
// result carries the translated images and named auxiliary outputs (attention masks, CAM heat
// maps, warped exemplars, style codes) that `translate --save-attention`, the sample grids and
// the HDF5 output write without knowing the model.
import TensorCore

/// Which way to translate.
public enum Direction: String, CaseIterable, Codable, Sendable {
    case a2b, b2a
}

/// Inputs beyond the images that a model's translation can use.
public enum TranslationInput: String, Sendable, CaseIterable {
    /// A style code per image (MUNIT).
    case styleCode
    /// A target-domain image whose style is encoded (MUNIT).
    case styleImage
    /// An exemplar image and its label map (CoCosNet).
    case exemplar
}

/// What to translate.
public struct TranslationRequest {
    /// The inputs, [N, 3, H, W] in [-1, 1] (label maps as class ids [N, 1, H, W] for paired models).
    public var images: Tensor
    public var direction: Direction
    /// Style codes, [N, S, 1, 1].
    public var styleCodes: Tensor?
    /// Style images, [N, 3, H, W] in [-1, 1].
    public var styleImages: Tensor?
    /// Exemplar images, [N, 3, H, W] in [-1, 1].
    public var exemplars: Tensor?
    /// The exemplars' label maps, [N, 1, H, W].
    public var exemplarLabels: Tensor?

    public init(
        images: Tensor, direction: Direction = .a2b, styleCodes: Tensor? = nil, styleImages: Tensor? = nil,
        exemplars: Tensor? = nil, exemplarLabels: Tensor? = nil
    ) {
        self.images = images
        self.direction = direction
        self.styleCodes = styleCodes
        self.styleImages = styleImages
        self.exemplars = exemplars
        self.exemplarLabels = exemplarLabels
    }
}

/// A named output besides the translation.
public struct AuxiliaryMap {
    /// How a map is shown and stored.
    public enum Kind: Sendable {
        /// [N, 1, H, W] in [0, 1] (attention masks): a grey image, black 0, white 1.
        case mask
        /// [N, 1, H, W] in [0, 1] (CAM heat maps): drawn with the jet colour map, blue 0, red 1,
        /// as U-GAT-IT's test code draws them (`utils.py: cam`, OpenCV's COLORMAP_JET).
        case heatmap
        /// [N, 3, H, W] in [-1, 1] (warped exemplars): an image.
        case image
        /// [N, C, 1, 1] or [N, C] numbers (style codes): stored, not drawn.
        case code
    }

    /// The file suffix and HDF5 dataset name (`attention`, `heatmap`, `warped_exemplar`, `style`).
    public var name: String
    public var tensor: Tensor
    public var kind: Kind

    public init(name: String, tensor: Tensor, kind: Kind) {
        self.name = name
        self.tensor = tensor
        self.kind = kind
    }

    /// The map as a 3-channel image in [-1, 1] (masks grey, images as they are); `nil` for codes.
    public var displayImage: Tensor? {
        switch kind {
        case .mask: return concat([tensor, tensor, tensor], axis: 1) * 2 - 1
        case .heatmap: return jetColours(tensor)
        case .image: return tensor
        case .code: return nil
        }
    }
}

/// A translation and its auxiliary outputs.
public struct Translation {
    /// [N, 3, H, W] in [-1, 1].
    public var images: Tensor
    public var maps: [AuxiliaryMap]

    public init(images: Tensor, maps: [AuxiliaryMap] = []) {
        self.images = images
        self.maps = maps
    }

    /// The map called `name`, if the model produced one.
    public func map(_ name: String) -> AuxiliaryMap? { maps.first { $0.name == name } }
}

/// Images for a sample grid, one row per sample and direction: each entry of `images` is one
/// column ([N, 3, H, W] in [-1, 1], or [N, 1, H, W] masks in [0, 1]).
public struct Visuals {
    public var rows: [(label: String, images: [Tensor])]
    /// The columns' labels drawn above the grid.
    ///
    /// For example `input`, `translation`, `reconstruction`, `attention`, `style 1`,
    /// `exemplar`. When empty, a row label ending in a parenthesised
    /// list of as many names as columns (`A → B (input, translation, reconstruction, cycle)`)
    /// names them; otherwise the trainer's defaults: input, translation, reconstruction, then
    /// the names of the maps the model's translation returns.
    public var columns: [String]
    public init(rows: [(label: String, images: [Tensor])], columns: [String] = []) {
        self.rows = rows
        self.columns = columns
    }
}

/// [N, 1, H, W] values in [0, 1] → [N, 3, H, W] RGB in [-1, 1] through the jet colour map, in
/// MATLAB's piecewise-linear form (each channel clamp(1.5 − |4v − k|, 0, 1) with k = 3, 2, 1 for
/// red, green, blue): the shape of OpenCV's COLORMAP_JET, which U-GAT-IT's `utils.py: cam`
/// applies to 8-bit values (its 256-entry table differs from this form by a few levels).
public func jetColours(_ values: Tensor) -> Tensor {
    let n = values.shape[0], plane = values.shape[2] * values.shape[3]
    let out = Tensor(uninitializedShape: [n, 3, values.shape[2], values.shape[3]])
    let src = values.data, dst = out.data
    for s in 0..<n {
        for (c, k) in [Float(3), 2, 1].enumerated() {
            let o = dst + (s * 3 + c) * plane, v = src + s * plane
            for i in 0..<plane { o[i] = Swift.min(Swift.max(1.5 - Swift.abs(4 * v[i] - k), 0), 1) * 2 - 1 }
        }
    }
    return out
}

/// Class ids [N, 1, H, W] → [N, 3, H, W] RGB in [-1, 1], coloured as CoCosNet's visualisers
/// colour label maps.
///
/// The colour map is pix2pixHD's `util.labelcolormap`, which CoCosNet keeps: class i takes the
/// bits of i + 1 dealt in turn to red, green and blue from the top bit down (7 rounds). Ids of
/// `classes` or more are drawn white.
public func labelColours(_ ids: Tensor, classes: Int) -> Tensor {
    let n = ids.shape[0], plane = ids.shape[2] * ids.shape[3]
    let palette: [(Float, Float, Float)] = (0..<256).map { i in
        var r = 0, g = 0, b = 0, id = i + 1
        for j in 0..<7 {
            r |= (id & 1) << (7 - j)
            g |= ((id >> 1) & 1) << (7 - j)
            b |= ((id >> 2) & 1) << (7 - j)
            id >>= 3
        }
        return (Float(r) / 127.5 - 1, Float(g) / 127.5 - 1, Float(b) / 127.5 - 1)
    }
    let out = Tensor(uninitializedShape: [n, 3, ids.shape[2], ids.shape[3]])
    let src = ids.data, dst = out.data
    for s in 0..<n {
        for i in 0..<plane {
            let id = Int(src[s * plane + i])
            let c = id >= 0 && id < Swift.min(classes, 256) ? palette[id] : (1, 1, 1)
            dst[(s * 3) * plane + i] = c.0
            dst[(s * 3 + 1) * plane + i] = c.1
            dst[(s * 3 + 2) * plane + i] = c.2
        }
    }
    return out
}
