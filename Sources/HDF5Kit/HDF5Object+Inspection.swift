// Looking before reading: a dataset's element count (overflow-checked), element size, storage
// layout and allocated bytes, and an attribute's element type and shape. Readers of i2i's files
// check these against their layouts before they allocate anything from a file's header.
import CHDF5

/// Bounds HDF5Kit itself applies to sizes read from a file's header, before it allocates.
public enum HDF5Limits {
    /// The most elements one attribute read allocates (attributes are small metadata; HDF5
    /// stores them in object headers).
    public static let maximumAttributeElements = 1 << 20
    /// The most bytes one read of fixed-length strings allocates.
    public static let maximumStringBytes = 1 << 30
}

extension HDF5Dataset {

    /// The number of elements (the product of the dimensions), or `nil` when that product
    /// does not fit in an `Int` (a hostile or corrupt header).
    public var elementCount: Int? {
        get throws { HDF5Dataset.product(try shape) }
    }

    /// The size in bytes of one stored element (for fixed-length strings, the string length;
    /// for variable-length strings, the size of HDF5's handle).
    public var elementSize: Int {
        get throws {
            let action = "cannot read the type of dataset"
            let type = try context.check(H5Dget_type(try validID(action)), action)
            defer { H5Tclose(type) }
            return H5Tget_size(type)
        }
    }

    /// Whether the dataset's strings are variable-length (`false` for fixed-length strings
    /// and for numbers).
    public var hasVariableLengthStrings: Bool {
        get throws {
            let action = "cannot read the type of dataset"
            let type = try context.check(H5Dget_type(try validID(action)), action)
            defer { H5Tclose(type) }
            return try context.check(H5Tis_variable_str(type), action) > 0
        }
    }

    /// Whether the data is stored in one contiguous block of the file (not chunked, not
    /// compact): such data must lie inside the file.
    public var isContiguous: Bool {
        get throws {
            let action = "cannot read the layout of dataset"
            let dcpl = try context.check(H5Dget_create_plist(try validID(action)), action)
            defer { H5Pclose(dcpl) }
            return H5Pget_layout(dcpl) == H5D_CONTIGUOUS
        }
    }

    /// The product of `dimensions`, or `nil` on overflow or a negative dimension.
    public static func product(_ dimensions: [Int]) -> Int? {
        var total = 1
        for dimension in dimensions {
            guard dimension >= 0 else { return nil }
            let (next, overflow) = total.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            total = next
        }
        return total
    }
}

extension HDF5Object {

    /// The element type of attribute `name`, without reading its value.
    public func attributeType(_ name: String) throws -> HDF5ElementType {
        let action = "cannot read the type of attribute '\(name)' of"
        return try withAttribute(name, action) { attribute in
            let type = try context.check(H5Aget_type(attribute), action)
            defer { H5Tclose(type) }
            return HDF5ElementType(typeID: type)
        }
    }

    /// The element count of attribute `name` (1 for a scalar, 0 for an empty one), without
    /// reading its value.
    public func attributeElementCount(_ name: String) throws -> Int {
        let action = "cannot read the shape of attribute '\(name)' of"
        return try withAttribute(name, action) { attribute in
            let space = try context.check(H5Aget_space(attribute), action)
            defer { H5Sclose(space) }
            if H5Sget_simple_extent_type(space) == H5S_NULL { return 0 }
            return Int(try context.check(H5Sget_simple_extent_npoints(space), action))
        }
    }

    private func withAttribute<R>(_ name: String, _ action: String, _ body: (hid_t) throws -> R) throws -> R {
        let id = try validID(action)
        guard try context.check(H5Aexists(id, name), action) > 0 else { throw context.error(action, "no such attribute") }
        let attribute = try context.check(H5Aopen(id, name, i2i_h5p_default()), action)
        defer { H5Aclose(attribute) }
        return try body(attribute)
    }
}
