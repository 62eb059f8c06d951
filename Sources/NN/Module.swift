// Modules, parameters and buffers, and the walk that names them like PyTorch's `state_dict`.
//
// A network is a tree of `Module` objects. Its parameters and buffers are found by reflection
// over stored properties in declaration order (superclass properties first), so adding a
// layer needs no bookkeeping. The dotted paths equal the PyTorch `state_dict` keys when the
// Swift property names equal the PyTorch attribute names — which is why network definitions
// keep names such as `conv_block` — and `Sequential` indexes its children as PyTorch does
// (`model.1.weight`). Results are arrays, never dictionaries, so their order is the same in
// every process.
import TensorCore

/// A trainable tensor: optimised, its gradient all-reduced across ranks.
public final class Parameter {
    /// The values; a leaf tensor that requires a gradient (unless frozen).
    public let value: Tensor

    /// Wraps `value` and marks it as requiring a gradient.
    public init(_ value: Tensor) {
        self.value = value
        value.requiresGrad = true
    }

    /// The accumulated gradient, if any.
    public var gradient: Tensor? { value.grad }
    /// The shape of the values.
    public var shape: [Int] { value.shape }
}

/// Non-trainable state saved with the module (spectral-norm vectors, running statistics):
/// never optimised, kept identical across ranks by construction or broadcast.
public final class Buffer {
    /// The values.
    public var value: Tensor

    /// Wraps `value`.
    public init(_ value: Tensor) { self.value = value }
}

/// Base class of every layer and network.
///
/// ```swift
/// final class TinyNet: Module {
///     let conv = Conv2d(inChannels: 3, outChannels: 8, kernelSize: 3, padding: 1)
///     let norm = InstanceNorm2d(features: 8)
///     func callAsFunction(_ x: Tensor) -> Tensor { norm(conv(x)).relu() }
/// }
/// let net = TinyNet()
/// print(net.namedParameters().map(\.path))   // ["conv.weight", "conv.bias"]
/// ```
open class Module {
    /// True in training mode (dropout active, spectral-norm power iterations run).
    public private(set) var isTraining = true
    /// A frozen module's parameters get no gradient and are skipped by optimisers.
    public private(set) var isFrozen = false
    private var cachedParameters: [(path: String, parameter: Parameter)]?
    private var cachedBuffers: [(path: String, buffer: Buffer)]?

    public init() {}

    /// The named children of this module, in order: parameters, buffers, modules, arrays of
    /// modules, optionals.
    ///
    /// The default reflects over stored properties; containers override it.
    open func namedMembers() -> [(name: String, value: Any)] {
        var mirrors: [Mirror] = []
        var m: Mirror? = Mirror(reflecting: self)
        while let current = m { mirrors.append(current); m = current.superclassMirror }
        var result: [(String, Any)] = []
        for mirror in mirrors.reversed() {
            for child in mirror.children {
                guard let label = child.label else { continue }
                result.append((label, child.value))
            }
        }
        return result
    }

    /// Every parameter with its dotted `state_dict` path, in declaration order.
    public func namedParameters() -> [(path: String, parameter: Parameter)] {
        if let cachedParameters { return cachedParameters }
        var params: [(String, Parameter)] = []
        var buffers: [(String, Buffer)] = []
        collect(prefix: "", parameters: &params, buffers: &buffers)
        cachedParameters = params
        cachedBuffers = buffers
        return params
    }

    /// Every buffer with its dotted `state_dict` path, in declaration order.
    public func namedBuffers() -> [(path: String, buffer: Buffer)] {
        if cachedBuffers == nil { _ = namedParameters() }
        return cachedBuffers ?? []
    }

    /// This module and every descendant, depth first in declaration order, with paths
    /// ("" for this module).
    public func namedModules() -> [(path: String, module: Module)] {
        var result: [(String, Module)] = [("", self)]
        for (name, value) in namedMembers() {
            for (suffix, child) in Module.modules(in: value, name: name) {
                result += child.namedModules().map { ($0.path.isEmpty ? suffix : suffix + "." + $0.path, $0.module) }
            }
        }
        return result
    }

    /// The parameters that optimisers update (not frozen).
    public func trainableParameters() -> [Parameter] {
        namedModules().filter { !$0.module.isFrozen }.flatMap { entry in
            entry.module.namedMembers().compactMap { $0.value as? Parameter }
        }
    }

    /// Total number of parameter elements.
    public var parameterCount: Int { namedParameters().reduce(0) { $0 + $1.parameter.value.count } }

    /// Switches this module and its descendants to training (`true`) or evaluation mode.
    public func train(_ on: Bool = true) {
        for (_, m) in namedModules() { m.isTraining = on }
    }

    /// Evaluation mode.
    public func eval() { train(false) }

    /// Freezes (or unfreezes) this module and its descendants: their parameters stop
    /// requiring gradients and optimisers skip them.
    public func freeze(_ on: Bool = true) {
        for (_, m) in namedModules() {
            m.isFrozen = on
            for case let p as Parameter in m.namedMembers().map(\.value) { p.value.requiresGrad = !on }
        }
    }

    /// Clears the gradients of every parameter (their storage stays, zeroed, when it belongs
    /// to an optimiser group's flat buffer).
    public func zeroGradients() {
        for (_, p) in namedParameters() { p.value.grad?.fill(0) }
    }

    /// Forgets cached paths after the module tree changed (rarely needed).
    public func invalidateCaches() {
        cachedParameters = nil
        cachedBuffers = nil
    }

    private func collect(prefix: String, parameters: inout [(String, Parameter)], buffers: inout [(String, Buffer)]) {
        for (name, value) in namedMembers() {
            let path = prefix + name
            switch value {
            case let p as Parameter: parameters.append((path, p))
            case let p as Parameter?: if let p { parameters.append((path, p)) }
            case let b as Buffer: buffers.append((path, b))
            case let b as Buffer?: if let b { buffers.append((path, b)) }
            default:
                for (suffix, child) in Module.modules(in: value, name: name) {
                    child.collect(prefix: prefix + suffix + ".", parameters: &parameters, buffers: &buffers)
                }
            }
        }
    }

    /// The modules held by a member value, with their path components.
    static func modules(in value: Any, name: String) -> [(String, Module)] {
        switch value {
        case let m as Module: return [(name, m)]
        case let m as Module?: return m.map { [(name, $0)] } ?? []
        case let ms as [Module]: return ms.enumerated().map { ("\(name).\($0.offset)", $0.element) }
        default:
            // Arrays of a Module subclass ([Conv2d], [ResnetBlock], …).
            let mirror = Mirror(reflecting: value)
            guard mirror.displayStyle == .collection else { return [] }
            guard let first = mirror.children.first, first.value is Module else { return [] }
            var result: [(String, Module)] = []
            for (i, child) in mirror.children.enumerated() {
                if let m = child.value as? Module { result.append(("\(name).\(i)", m)) }
            }
            return result
        }
    }
}

/// A module with a single tensor input and output.
open class Layer: Module {
    /// Applies the layer.
    open func forward(_ x: Tensor) -> Tensor { fatalError("\(type(of: self)) does not implement forward(_:)") }

    /// Applies the layer.
    public func callAsFunction(_ x: Tensor) -> Tensor { forward(x) }
}
