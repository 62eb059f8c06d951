// HDF5AttributeValue: the values attributes hold, and the Swift types (Int, Double, String and
// arrays of Int, Double, Float and String) that convert to and from them, with the widening
// rules used when an attribute is read back as a given type.

/// The value of an attribute, as HDF5Kit writes and reads it.
///
/// Integers are stored as int64, `double` and `doubles` as float64, `floats` as float32,
/// strings as variable-length UTF-8. Scalars use a scalar dataspace, arrays a 1-D one.
public enum HDF5AttributeValue: Equatable {
    case int(Int)
    case double(Double)
    case string(String)
    case ints([Int])
    case doubles([Double])
    case floats([Float])
    case strings([String])

    /// What the value is, for error messages: `"a float64"`, `"an int64 array of 3"`.
    var summary: String {
        switch self {
        case .int: return "an int64"
        case .double: return "a float64"
        case .string: return "a string"
        case .ints(let v): return "an int64 array of \(v.count)"
        case .doubles(let v): return "a float64 array of \(v.count)"
        case .floats(let v): return "a float32 array of \(v.count)"
        case .strings(let v): return "a string array of \(v.count)"
        }
    }
}

/// A Swift type that can be an attribute: `Int`, `Double`, `String`, `[Int]`, `[Double]`,
/// `[Float]` and `[String]`.
public protocol HDF5AttributeConvertible {
    /// The value to store.
    var hdf5AttributeValue: HDF5AttributeValue { get }
    /// The value read back, or `nil` when the stored value has another type. Widening is
    /// allowed (an int attribute reads as `Double`, a one-element array as a scalar).
    init?(hdf5AttributeValue: HDF5AttributeValue)
}

extension Int: HDF5AttributeConvertible {
    /// Stored as int64.
    public var hdf5AttributeValue: HDF5AttributeValue { .int(self) }
    /// An int64 scalar or one-element array.
    public init?(hdf5AttributeValue value: HDF5AttributeValue) {
        switch value {
        case .int(let v): self = v
        case .ints(let v) where v.count == 1: self = v[0]
        default: return nil
        }
    }
}

extension Double: HDF5AttributeConvertible {
    /// Stored as float64.
    public var hdf5AttributeValue: HDF5AttributeValue { .double(self) }
    /// A number (integer or floating point) scalar or one-element array.
    public init?(hdf5AttributeValue value: HDF5AttributeValue) {
        switch value {
        case .double(let v): self = v
        case .int(let v): self = Double(v)
        default:
            guard let values = [Double](hdf5AttributeValue: value), values.count == 1 else { return nil }
            self = values[0]
        }
    }
}

extension String: HDF5AttributeConvertible {
    /// Stored as a variable-length UTF-8 string.
    public var hdf5AttributeValue: HDF5AttributeValue { .string(self) }
    /// A string or one-element string array.
    public init?(hdf5AttributeValue value: HDF5AttributeValue) {
        switch value {
        case .string(let v): self = v
        case .strings(let v) where v.count == 1: self = v[0]
        default: return nil
        }
    }
}

extension Array: HDF5AttributeConvertible where Element: HDF5AttributeArrayElement {
    /// Stored as a 1-D array of the element's type.
    public var hdf5AttributeValue: HDF5AttributeValue { Element.attributeValue(self) }
    /// An array (or scalar) of a convertible type.
    public init?(hdf5AttributeValue value: HDF5AttributeValue) {
        guard let values = Element.elements(of: value) else { return nil }
        self = values
    }
}

/// An element of an array attribute: `Int`, `Double`, `Float` or `String`.
public protocol HDF5AttributeArrayElement {
    /// The attribute value holding `values`.
    static func attributeValue(_ values: [Self]) -> HDF5AttributeValue
    /// The elements of `value` as this type, or `nil` when it holds another kind.
    static func elements(of value: HDF5AttributeValue) -> [Self]?
}

extension Int: HDF5AttributeArrayElement {
    /// `.ints`.
    public static func attributeValue(_ values: [Int]) -> HDF5AttributeValue { .ints(values) }
    /// Integers only.
    public static func elements(of value: HDF5AttributeValue) -> [Int]? {
        switch value {
        case .int(let v): return [v]
        case .ints(let v): return v
        default: return nil
        }
    }
}

extension Double: HDF5AttributeArrayElement {
    /// `.doubles`.
    public static func attributeValue(_ values: [Double]) -> HDF5AttributeValue { .doubles(values) }
    /// Any numbers.
    public static func elements(of value: HDF5AttributeValue) -> [Double]? {
        switch value {
        case .int(let v): return [Double(v)]
        case .double(let v): return [v]
        case .ints(let v): return v.map { Double($0) }
        case .doubles(let v): return v
        case .floats(let v): return v.map { Double($0) }
        case .string, .strings: return nil
        }
    }
}

extension Float: HDF5AttributeArrayElement {
    /// `.floats`.
    public static func attributeValue(_ values: [Float]) -> HDF5AttributeValue { .floats(values) }
    /// Any numbers (float64 values are rounded to float32).
    public static func elements(of value: HDF5AttributeValue) -> [Float]? {
        Double.elements(of: value)?.map { Float($0) }
    }
}

extension String: HDF5AttributeArrayElement {
    /// `.strings`.
    public static func attributeValue(_ values: [String]) -> HDF5AttributeValue { .strings(values) }
    /// Strings only.
    public static func elements(of value: HDF5AttributeValue) -> [String]? {
        switch value {
        case .string(let v): return [v]
        case .strings(let v): return v
        default: return nil
        }
    }
}
