// Attributes on groups, datasets and the root group: integers (int64), doubles (float64),
// strings (UTF-8), and arrays of ints, doubles, floats and strings — written, read back with
// type checks, listed and removed.
import CHDF5

extension HDF5Object {

    // MARK: - Writing

    /// Sets the attribute `name` to `value`, replacing any attribute of that name.
    public func setAttribute<V: HDF5AttributeConvertible>(_ name: String, _ value: V) throws {
        try setAttribute(name, value.hdf5AttributeValue)
    }

    /// Sets the attribute `name` to `value`, replacing any attribute of that name.
    public func setAttribute(_ name: String, _ value: HDF5AttributeValue) throws {
        let action = "cannot write attribute '\(name)' of"
        let id = try validID(action)
        if try context.check(H5Aexists(id, name), action) > 0 { try context.check(H5Adelete(id, name), action) }
        switch value {
        case .int(let v): try writeAttribute(name, [Int64(v)], scalar: true, .int64, action)
        case .double(let v): try writeAttribute(name, [v], scalar: true, .float64, action)
        case .ints(let v): try writeAttribute(name, v.map { Int64($0) }, scalar: false, .int64, action)
        case .doubles(let v): try writeAttribute(name, v, scalar: false, .float64, action)
        case .floats(let v): try writeAttribute(name, v, scalar: false, .float32, action)
        case .string(let v): try writeStringAttribute(name, [v], scalar: true, action)
        case .strings(let v): try writeStringAttribute(name, v, scalar: false, action)
        }
    }

    private func writeAttribute<T: HDF5Element>(
        _ name: String, _ values: [T], scalar: Bool,
        _ type: HDF5ElementType, _ action: String
    ) throws {
        let attribute = try createAttribute(
            name, fileType: type.fileTypeID!, count: values.count,
            scalar: scalar, action)
        defer { H5Aclose(attribute) }
        if values.isEmpty { return }
        try values.withUnsafeBytes { buffer in
            _ = try context.check(H5Awrite(attribute, T.nativeTypeID, buffer.baseAddress), action)
        }
    }

    private func writeStringAttribute(_ name: String, _ values: [String], scalar: Bool, _ action: String) throws {
        let type = try HDF5Strings.variableUTF8Type(context, action)
        defer { H5Tclose(type) }
        let attribute = try createAttribute(name, fileType: type, count: values.count, scalar: scalar, action)
        defer { H5Aclose(attribute) }
        if values.isEmpty { return }
        try HDF5Strings.write(values, context, action) { memoryType, buffer in
            H5Awrite(attribute, memoryType, buffer)
        }
    }

    /// A new attribute with a scalar, 1-D or (for an empty array) null dataspace.
    private func createAttribute(
        _ name: String, fileType: hid_t, count: Int, scalar: Bool,
        _ action: String
    ) throws -> hid_t {
        let space: hid_t
        if scalar {
            space = try context.check(H5Screate(H5S_SCALAR), action)
        } else if count == 0 {
            space = try context.check(H5Screate(H5S_NULL), action)
        } else {
            var dims = [hsize_t(count)]
            space = try context.check(H5Screate_simple(1, &dims, nil), action)
        }
        defer { H5Sclose(space) }
        return try context.check(
            H5Acreate2(id, name, fileType, space, i2i_h5p_default(), i2i_h5p_default()),
            action)
    }

    // MARK: - Reading

    /// Reads the attribute `name` as `V`; throws when it is missing or holds another type.
    public func attribute<V: HDF5AttributeConvertible>(_ name: String, as type: V.Type = V.self) throws -> V {
        let value = try attribute(name)
        guard let converted = V(hdf5AttributeValue: value) else {
            throw context.error("cannot read attribute '\(name)' of", "it holds \(value.summary), not \(V.self)")
        }
        return converted
    }

    /// Reads the attribute `name` as whatever it holds (integers as int64, floating point as
    /// float64 or, for float32 arrays, float32; any rank is flattened).
    public func attribute(_ name: String) throws -> HDF5AttributeValue {
        let action = "cannot read attribute '\(name)' of"
        let id = try validID(action)
        guard try context.check(H5Aexists(id, name), action) > 0 else {
            throw context.error(action, "no such attribute")
        }
        let attribute = try context.check(H5Aopen(id, name, i2i_h5p_default()), action)
        defer { H5Aclose(attribute) }
        let type = try context.check(H5Aget_type(attribute), action)
        defer { H5Tclose(type) }
        let space = try context.check(H5Aget_space(attribute), action)
        defer { H5Sclose(space) }
        let spaceClass = H5Sget_simple_extent_type(space)
        let scalar = spaceClass == H5S_SCALAR
        let count = spaceClass == H5S_NULL ? 0 : Int(try context.check(H5Sget_simple_extent_npoints(space), action))
        guard count <= HDF5Limits.maximumAttributeElements else {
            throw context.error(
                action, "it declares \(count) elements, more than the \(HDF5Limits.maximumAttributeElements) an attribute may hold")
        }

        let stored = HDF5ElementType(typeID: type)
        func numbers<T: HDF5Element>(_: T.Type) throws -> [T] {
            try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                if count > 0 {
                    try context.check(H5Aread(attribute, T.nativeTypeID, buffer.baseAddress), action)
                }
                initialized = count
            }
        }
        switch stored {
        case .string:
            let values = try HDF5Strings.read(count: count, fileType: type, context, action) { memoryType, buffer in
                H5Aread(attribute, memoryType, buffer)
            }
            return scalar ? .string(values.first ?? "") : .strings(values)
        case .float32 where !scalar:
            return .floats(try numbers(Float.self))
        case .float32, .float64, .other("float16"):
            let values = try numbers(Double.self)
            return scalar ? .double(values[0]) : .doubles(values)
        case let kind where kind.isNumeric:
            let values = try numbers(Int64.self).map { Int($0) }
            return scalar ? .int(values[0]) : .ints(values)
        default:
            throw context.error(action, "its type (\(stored)) is not supported")
        }
    }

    /// Whether the object has an attribute called `name`.
    public func hasAttribute(_ name: String) -> Bool {
        guard let id = try? validID("cannot look up attribute") else { return false }
        return H5Aexists(id, name) > 0
    }

    /// The names of the object's attributes, sorted.
    public var attributeNames: [String] {
        get throws {
            final class Names { var list: [String] = [] }
            let names = Names()
            let action = "cannot list the attributes of"
            let id = try validID(action)
            var index: hsize_t = 0
            let collect: H5A_operator2_t = { _, name, _, data in
                guard let name, let data else { return 0 }
                Unmanaged<Names>.fromOpaque(data).takeUnretainedValue().list.append(String(cString: name))
                return 0
            }
            try withExtendedLifetime(names) {
                _ = try context.check(
                    H5Aiterate2(
                        id, H5_INDEX_NAME, H5_ITER_INC, &index, collect,
                        Unmanaged.passUnretained(names).toOpaque()), action)
            }
            return names.list.sorted()
        }
    }

    /// Removes the attribute `name`; throws if there is none.
    public func removeAttribute(_ name: String) throws {
        let action = "cannot remove attribute '\(name)' of"
        let id = try validID(action)
        guard try context.check(H5Aexists(id, name), action) > 0 else {
            throw context.error(action, "no such attribute")
        }
        try context.check(H5Adelete(id, name), action)
    }
}
