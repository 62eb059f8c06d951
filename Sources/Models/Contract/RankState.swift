// Per-rank state a model owns — image pools and random streams drawn per rank — found by
// reflection over the model's stored properties (as `Module` finds its parameters), so a model
// declares a pool or a stream once as a property and checkpoints save and restore it without
// a hand-written list.
import TensorCore

/// A named random stream owned by a model (one per rank), saved in checkpoints.
public final class RandomSource {
    /// The name it is saved under (`pool.fake_A`, `noise.gen_a`).
    public let name: String
    public var stream: RandomStream

    /// The stream (seed, rank, name): every rank draws its own.
    public init(name: String, seed: UInt64, rank: Int) {
        self.name = name
        self.stream = RandomStream(seed: seed, rank: rank, purpose: name)
    }
}

/// The per-rank state of a model, found by reflection.
public enum RankStateDiscovery {
    /// The image pools among `model`'s stored properties, in declaration order.
    public static func pools(of model: AnyObject) -> [ImagePool] {
        children(of: model).compactMap { $0 as? ImagePool }
    }

    /// Every random source of `model`: its own properties' and its pools', in declaration order.
    public static func randomSources(of model: AnyObject) -> [RandomSource] {
        children(of: model).flatMap { child -> [RandomSource] in
            if let source = child as? RandomSource { return [source] }
            if let pool = child as? ImagePool { return [pool.random] }
            return []
        }
    }

    private static func children(of object: AnyObject) -> [Any] {
        var result: [Any] = []
        var mirror: Mirror? = Mirror(reflecting: object)
        while let m = mirror {
            result = m.children.map(\.value) + result
            mirror = m.superclassMirror
        }
        return result
    }
}
