// Element types: the numeric Swift types HDF5Kit stores (Float, Double, Int32, Int64, UInt8),
// the HDF5 type ids they map to in memory and on disk, and how a stored type is described.
import CHDF5

/// The element type of a dataset or attribute as stored in the file.
public enum HDF5ElementType: Equatable, CustomStringConvertible {
    case float32, float64, int32, int64, uint8
    /// A fixed- or variable-length string.
    case string
    /// Anything else (`"int16"`, `"float16"`, `"compound"`, …): readable only through HDF5's
    /// conversion into one of the types above, where HDF5 has one.
    case other(String)

    /// The name as numpy and h5py write it (`"float32"`, `"uint8"`, `"string"`).
    public var description: String {
        switch self {
        case .float32: return "float32"
        case .float64: return "float64"
        case .int32: return "int32"
        case .int64: return "int64"
        case .uint8: return "uint8"
        case .string: return "string"
        case .other(let name): return name
        }
    }

    /// The in-memory (native) type id, for the five numeric types.
    var nativeTypeID: hid_t? {
        switch self {
        case .float32: return i2i_h5t_native_float()
        case .float64: return i2i_h5t_native_double()
        case .int32: return i2i_h5t_native_int32()
        case .int64: return i2i_h5t_native_int64()
        case .uint8: return i2i_h5t_native_uint8()
        case .string, .other: return nil
        }
    }

    /// The type id written to files: little-endian standard types, whatever the machine.
    var fileTypeID: hid_t? {
        switch self {
        case .float32: return i2i_h5t_ieee_f32le()
        case .float64: return i2i_h5t_ieee_f64le()
        case .int32: return i2i_h5t_std_i32le()
        case .int64: return i2i_h5t_std_i64le()
        case .uint8: return i2i_h5t_std_u8le()
        case .string, .other: return nil
        }
    }

    /// Describes a stored datatype (a dataset's or attribute's `H5?get_type`).
    init(typeID: hid_t) {
        let size = H5Tget_size(typeID)
        switch H5Tget_class(typeID) {
        case H5T_FLOAT:
            switch size {
            case 4: self = .float32
            case 8: self = .float64
            default: self = .other("float\(size * 8)")
            }
        case H5T_INTEGER:
            let signed = H5Tget_sign(typeID) != H5T_SGN_NONE
            switch (signed, size) {
            case (true, 4): self = .int32
            case (true, 8): self = .int64
            case (false, 1): self = .uint8
            default: self = .other("\(signed ? "int" : "uint")\(size * 8)")
            }
        case H5T_STRING: self = .string
        case H5T_COMPOUND: self = .other("compound")
        case H5T_ENUM: self = .other("enum")
        case H5T_ARRAY: self = .other("array")
        case H5T_VLEN: self = .other("vlen")
        case H5T_OPAQUE: self = .other("opaque")
        case H5T_REFERENCE: self = .other("reference")
        case H5T_BITFIELD: self = .other("bitfield")
        default: self = .other("unknown")
        }
    }

    /// Whether the type is numeric (integer or floating point), including `.other` numerics.
    var isNumeric: Bool {
        switch self {
        case .float32, .float64, .int32, .int64, .uint8: return true
        case .string: return false
        case .other(let name): return name.hasPrefix("int") || name.hasPrefix("uint") || name.hasPrefix("float")
        }
    }
}

/// A Swift type HDF5Kit reads and writes as dataset elements: `Float`, `Double`, `Int32`,
/// `Int64` and `UInt8`.
///
/// Reading converts (through HDF5) when the stored type differs.
public protocol HDF5Element {
    /// The element type a value of this Swift type is stored as.
    static var hdf5ElementType: HDF5ElementType { get }
}

extension Float: HDF5Element {
    /// Stored as IEEE float32.
    public static var hdf5ElementType: HDF5ElementType { .float32 }
}

extension Double: HDF5Element {
    /// Stored as IEEE float64.
    public static var hdf5ElementType: HDF5ElementType { .float64 }
}

extension Int32: HDF5Element {
    /// Stored as a signed 32-bit integer.
    public static var hdf5ElementType: HDF5ElementType { .int32 }
}

extension Int64: HDF5Element {
    /// Stored as a signed 64-bit integer.
    public static var hdf5ElementType: HDF5ElementType { .int64 }
}

extension UInt8: HDF5Element {
    /// Stored as an unsigned byte.
    public static var hdf5ElementType: HDF5ElementType { .uint8 }
}

extension HDF5Element {
    /// The native type id used for this Swift type in memory.
    static var nativeTypeID: hid_t { hdf5ElementType.nativeTypeID! }
}
