// The Tensor type: Float32, row-major (NCHW for images), contiguous, storage shared by
// reference, with an optional link to the operation that produced it for reverse-mode autodiff.

import Foundation

/// An n-dimensional array of `Float`, stored contiguously in row-major order.
///
/// Images are laid out NCHW as in PyTorch. A tensor that requires a gradient either is a leaf
/// (a parameter or an input marked with ``requiresGrad``) or was produced by an operation on
/// such tensors while gradient recording was on; the latter keep the graph node that
/// ``backward(_:)`` walks.
///
/// ```swift
/// let x = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6], requiresGrad: true)
/// let y = (x * x).sum()
/// y.backward()
/// print(x.grad!.values)   // [2, 4, 6, 8, 10, 12]
/// ```
public final class Tensor {
    /// Dimensions, outermost first.
    public let shape: [Int]
    /// The elements.
    ///
    /// Reshaping shares it; every other operation writes new storage.
    public internal(set) var storage: TensorStorage
    /// The recorded operation that produced this tensor, if any.
    var node: GradNode?
    /// Whether this tensor is a leaf whose gradient should be computed.
    var isGradLeaf: Bool
    /// Accumulated gradient (leaves only); same shape as the tensor.
    public var grad: Tensor?

    /// Wraps existing storage.
    ///
    /// `storage.count` must be at least the element count of `shape`.
    public init(shape: [Int], storage: TensorStorage, requiresGrad: Bool = false) {
        check(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in shape \(shape)")
        check(
            storage.count >= shape.elementCount,
            "Tensor: storage of \(storage.count) elements is too small for shape \(shape)")
        self.shape = shape
        self.storage = storage
        self.isGradLeaf = requiresGrad
    }

    /// A tensor with uninitialised contents.
    public convenience init(uninitializedShape shape: [Int]) {
        self.init(shape: shape, storage: TensorStorage(count: shape.elementCount))
    }

    /// A tensor filled with `value`.
    public convenience init(shape: [Int], repeating value: Float, requiresGrad: Bool = false) {
        self.init(shape: shape, storage: TensorStorage(count: shape.elementCount), requiresGrad: requiresGrad)
        let p = storage.pointer, n = shape.elementCount
        Profiler.measure(.allocation) { p.update(repeating: value, count: n) }
    }

    /// A tensor holding `values` (row-major).
    public convenience init(shape: [Int], values: [Float], requiresGrad: Bool = false) {
        check(
            values.count == shape.elementCount,
            "Tensor: \(values.count) values do not fill shape \(shape) (\(shape.elementCount) elements)")
        self.init(shape: shape, storage: TensorStorage(count: values.count), requiresGrad: requiresGrad)
        values.withUnsafeBufferPointer { storage.pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    /// A zero-dimensional tensor.
    public convenience init(scalar: Float) {
        self.init(shape: [], values: [scalar])
    }

    /// Zeros of the given shape.
    public static func zeros(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: shape, repeating: 0, requiresGrad: requiresGrad)
    }

    /// Ones of the given shape.
    public static func ones(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: shape, repeating: 1, requiresGrad: requiresGrad)
    }

    /// Number of elements.
    @inlinable public var count: Int { shape.elementCount }
    /// Number of dimensions.
    @inlinable public var rank: Int { shape.count }
    /// First element's address.
    @inlinable public var data: UnsafeMutablePointer<Float> { storage.pointer }

    /// The elements as an array (copies).
    public var values: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

    /// The single element of a one-element tensor.
    public var item: Float {
        check(count == 1, "item: tensor of shape \(shape) has \(count) elements, not 1")
        return data[0]
    }

    /// Whether gradients flow to this tensor: a marked leaf, or the output of a recorded op.
    public var requiresGrad: Bool {
        get { isGradLeaf || node != nil }
        set {
            check(node == nil || newValue, "requiresGrad: cannot clear it on a non-leaf tensor; use detached()")
            isGradLeaf = newValue
        }
    }

    /// Whether this tensor was produced by a recorded operation.
    public var isLeaf: Bool { node == nil }

    /// A tensor sharing this one's storage, cut from the graph: no gradient flows through it.
    public func detached() -> Tensor {
        Tensor(shape: shape, storage: storage)
    }

    /// A deep copy with fresh storage, cut from the graph.
    public func copy() -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        out.data.update(from: data, count: count)
        return out
    }

    /// Size of dimension `axis` (negative counts from the end).
    public func size(_ axis: Int) -> Int { shape[normalizedAxis(axis, rank: rank, op: "size")] }

    /// Overwrites the contents with `other`'s, which must have the same element count.
    public func assign(_ other: Tensor) {
        check(other.count == count, "assign: shapes \(other.shape) and \(shape) differ in size")
        data.update(from: other.data, count: count)
    }

    /// Points this tensor at other storage of at least `count` elements (used to move
    /// parameters into an optimiser group's flat buffer).
    ///
    /// Other tensors sharing the old storage keep it.
    public func replaceStorage(with newStorage: TensorStorage) {
        check(newStorage.count >= count, "replaceStorage: \(newStorage.count) elements cannot hold shape \(shape)")
        storage = newStorage
    }

    /// Sets every element to `value`.
    public func fill(_ value: Float) { data.update(repeating: value, count: count) }
}

extension Tensor: CustomStringConvertible {
    /// Shape and the first few values.
    public var description: String {
        let shown = values.prefix(8).map { String(format: "%.5g", Double($0)) }.joined(separator: ", ")
        return "Tensor(\(shape): [\(shown)\(count > 8 ? ", …" : "")])"
    }
}
