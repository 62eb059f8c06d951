// Strings in HDF5: variable-length UTF-8 strings (what HDF5Kit writes, and what h5py writes
// for `str`) and fixed-length ones (numpy `S` arrays), for string datasets and attributes.
import CHDF5
import Foundation

/// Encoding and decoding of HDF5 string elements, shared by datasets and attributes.
enum HDF5Strings {

    /// A new variable-length UTF-8 string type.
    ///
    /// The caller closes it.
    static func variableUTF8Type(_ context: HDF5Context, _ action: String) throws -> hid_t {
        let type = try context.check(H5Tcopy(i2i_h5t_c_s1()), action)
        if H5Tset_size(type, i2i_h5t_variable()) < 0 || H5Tset_cset(type, H5T_CSET_UTF8) < 0 {
            let error = HDF5Error.fromStack(file: context.file, object: context.object, action: action)
            H5Tclose(type)
            throw error
        }
        return type
    }

    /// Writes `values` as variable-length UTF-8 strings through `write(memoryType, buffer)`
    /// (an `H5Dwrite` or `H5Awrite`).
    ///
    /// Strings are cut at an embedded NUL.
    static func write(
        _ values: [String], _ context: HDF5Context, _ action: String,
        _ write: (hid_t, UnsafeRawPointer) -> herr_t
    ) throws {
        let type = try variableUTF8Type(context, action)
        defer { H5Tclose(type) }
        var pointers: [UnsafeMutablePointer<CChar>?] = values.map { strdup($0) }
        defer { for p in pointers { free(p) } }
        if pointers.contains(where: { $0 == nil }) { throw context.error(action, "out of memory") }
        try pointers.withUnsafeMutableBufferPointer { buffer in
            _ = try context.check(write(type, UnsafeRawPointer(buffer.baseAddress!)), action)
        }
    }

    /// Reads `count` strings of stored type `fileType` through `read(memoryType, buffer)`
    /// (an `H5Dread` or `H5Aread`), variable- or fixed-length, decoded as UTF-8.
    static func read(
        count: Int, fileType: hid_t, _ context: HDF5Context, _ action: String,
        _ read: (hid_t, UnsafeMutableRawPointer) -> herr_t
    ) throws -> [String] {
        guard count > 0 else { return [] }
        guard count <= HDF5Limits.maximumStringBytes / 8 else { throw context.error(action, "it declares \(count) strings") }
        let memoryType = try context.check(H5Tcopy(fileType), action)
        defer { H5Tclose(memoryType) }
        if try context.check(H5Tis_variable_str(fileType), action) > 0 {
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            try pointers.withUnsafeMutableBufferPointer { buffer in
                _ = try context.check(read(memoryType, UnsafeMutableRawPointer(buffer.baseAddress!)), action)
            }
            // HDF5 allocated each string; hand it back with HDF5's own allocator.
            defer { for case let p? in pointers { H5free_memory(p) } }
            return pointers.map { $0.map { String(cString: $0) } ?? "" }
        }
        let size = H5Tget_size(memoryType)
        guard size > 0 else { throw context.error(action, "fixed-length strings of size 0") }
        guard let bytesNeeded = HDF5Dataset.product([count, size]), bytesNeeded <= HDF5Limits.maximumStringBytes else {
            throw context.error(action, "\(count) fixed-length strings of \(size) bytes are too large to read")
        }
        let spacePadded = H5Tget_strpad(fileType) == H5T_STR_SPACEPAD
        var bytes = [UInt8](repeating: 0, count: bytesNeeded)
        try bytes.withUnsafeMutableBytes { buffer in
            _ = try context.check(read(memoryType, buffer.baseAddress!), action)
        }
        return (0..<count).map { index in
            var element = bytes[index * size..<(index + 1) * size]
            if let nul = element.firstIndex(of: 0) { element = element[..<nul] }
            if spacePadded {
                while element.last == UInt8(ascii: " ") { element = element.dropLast() }
            }
            return String(decoding: element, as: UTF8.self)
        }
    }
}

// MARK: - String datasets

extension HDF5Group {

    /// Creates a one-dimensional dataset of variable-length UTF-8 strings holding `values`
    /// (as h5py writes a list of `str`), creating missing groups on the way.
    @discardableResult
    public func createStringDataset(_ path: String, _ values: [String]) throws -> HDF5Dataset {
        let target = absolutePath(path)
        let action = "cannot create string dataset"
        let id = try validID(action)
        let context = self.context.with(object: target)
        if contains(target) { throw context.error(action, "an object of that name exists") }
        let space = try DatasetLayout.dataspace(shape: [values.count], extendible: false, context, action)
        defer { H5Sclose(space) }
        let type = try HDF5Strings.variableUTF8Type(context, action)
        defer { H5Tclose(type) }
        let lcpl = try intermediateGroupLinkProperties(context, action)
        defer { H5Pclose(lcpl) }
        let dataset = try context.check(
            H5Dcreate2(
                id, target, type, space, lcpl, i2i_h5p_default(),
                i2i_h5p_default()), action)
        let result = HDF5Dataset(file: file, id: dataset, path: target)
        try result.writeStrings(values)
        return result
    }
}

extension HDF5Dataset {

    /// Reads a string dataset (variable- or fixed-length strings, any rank) as a flat array.
    public func readStrings() throws -> [String] {
        let action = "cannot read strings from dataset"
        let id = try validID(action)
        guard elementType == .string else { throw context.error(action, "it holds \(elementType), not strings") }
        guard let count = try elementCount else { throw context.error(action, "its shape \(try shape) is too large") }
        let type = try context.check(H5Dget_type(id), action)
        defer { H5Tclose(type) }
        return try HDF5Strings.read(count: count, fileType: type, context, action) { memoryType, buffer in
            H5Dread(id, memoryType, i2i_h5s_all(), i2i_h5s_all(), i2i_h5p_default(), buffer)
        }
    }

    /// Overwrites every element of a string dataset; `values` must match its element count.
    public func writeStrings(_ values: [String]) throws {
        let action = "cannot write strings to dataset"
        let id = try validID(action)
        guard elementType == .string else { throw context.error(action, "it holds \(elementType), not strings") }
        let count = try shape.reduce(1, *)
        guard values.count == count else {
            throw context.error(action, "it holds \(count) strings, not \(values.count)")
        }
        if count == 0 { return }
        try HDF5Strings.write(values, context, action) { memoryType, buffer in
            H5Dwrite(id, memoryType, i2i_h5s_all(), i2i_h5s_all(), i2i_h5p_default(), buffer)
        }
    }
}
