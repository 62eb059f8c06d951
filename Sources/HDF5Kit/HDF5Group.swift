// HDF5Group: groups by path ("a/b/c"), what they contain, and creating and opening numeric
// datasets, with chunking, gzip and shuffle, and an optionally extendible first dimension.
import CHDF5

/// A group: a folder of groups and datasets inside an ``HDF5File``.
///
/// Paths are relative to the group (`"trainA/images"`) or absolute (`"/trainA/images"`).
/// Creating a group or dataset creates missing intermediate groups.
public final class HDF5Group: HDF5Object {

    // MARK: - Groups

    /// Creates the group at `path`, and any missing groups on the way; throws if it exists.
    @discardableResult
    public func createGroup(_ path: String) throws -> HDF5Group {
        let target = absolutePath(path)
        let action = "cannot create group"
        let id = try validID(action)
        let context = self.context.with(object: target)
        if contains(target) { throw context.error(action, "an object of that name exists") }
        let lcpl = try intermediateGroupLinkProperties(context, action)
        defer { H5Pclose(lcpl) }
        let group = try context.check(H5Gcreate2(id, target, lcpl, i2i_h5p_default(), i2i_h5p_default()), action)
        return HDF5Group(file: file, id: group, path: target)
    }

    /// Opens the existing group at `path`.
    public func openGroup(_ path: String) throws -> HDF5Group {
        let target = absolutePath(path)
        let action = "cannot open group"
        let id = try validID(action)
        try requireKind(.group, at: target, action)
        let group = try context.with(object: target).check(H5Gopen2(id, target, i2i_h5p_default()), action)
        return HDF5Group(file: file, id: group, path: target)
    }

    /// Whether something (a group or dataset) exists at `path`; `false` when any component on
    /// the way is missing or not a group.
    ///
    /// The empty path and `"."` name the group itself.
    public func contains(_ path: String) -> Bool {
        guard (try? validID("cannot look up")) != nil else { return false }
        return (try? missingComponent(absolutePath(path), "cannot look up")) == .some(nil)
    }

    /// Whether `path` names a group or a dataset; throws if nothing is there.
    public func kind(of path: String) throws -> HDF5ObjectKind {
        let target = absolutePath(path)
        let action = "cannot look up"
        let id = try validID(action)
        let context = self.context.with(object: target)
        if let missing = try missingComponent(target, action) {
            throw context.error(action, "object '\(missing)' doesn't exist")
        }
        let object = try context.check(H5Oopen(id, target, i2i_h5p_default()), action)
        defer { H5Oclose(object) }
        switch H5Iget_type(object) {
        case H5I_GROUP: return .group
        case H5I_DATASET: return .dataset
        default: return .other
        }
    }

    /// The names of the group's members (groups and datasets), sorted.
    public var childNames: [String] {
        get throws {
            let action = "cannot list the members of"
            let id = try validID(action)
            var info = H5G_info_t()
            try context.check(H5Gget_info(id, &info), action)
            // The link count and name lengths come from the file: nothing is reserved from them
            // (a corrupt count fails at the first missing link), and names are bounded.
            var names: [String] = []
            for index in 0..<info.nlinks {
                let size = try context.check(
                    H5Lget_name_by_idx(
                        id, ".", H5_INDEX_NAME, H5_ITER_INC, index,
                        nil, 0, i2i_h5p_default()), action)
                guard size <= 1 << 16 else { throw context.error(action, "a member's name declares \(size) bytes") }
                var buffer = [CChar](repeating: 0, count: size + 1)
                try context.check(
                    H5Lget_name_by_idx(
                        id, ".", H5_INDEX_NAME, H5_ITER_INC, index,
                        &buffer, size + 1, i2i_h5p_default()), action)
                names.append(String(cString: buffer))
            }
            return names.sorted()
        }
    }

    /// Removes the link at `path` (the object's space in the file is not reclaimed).
    public func remove(_ path: String) throws {
        let target = absolutePath(path)
        let action = "cannot remove"
        let id = try validID(action)
        let context = self.context.with(object: target)
        if let missing = try missingComponent(target, action) {
            throw context.error(action, "object '\(missing)' doesn't exist")
        }
        try context.check(H5Ldelete(id, target, i2i_h5p_default()), action)
    }

    // MARK: - Datasets

    /// Creates a dataset of `T` (stored little-endian) with the given shape.
    ///
    /// - Parameters:
    ///   - path: where, creating missing groups on the way; throws if something is there.
    ///   - type: the element type: `Float`, `Double`, `Int32`, `Int64` or `UInt8`.
    ///   - shape: the dimensions, row-major; `[]` is a scalar. With `extendible` the first
    ///     dimension is the initial count (often 0) and grows with ``HDF5Dataset/append(_:)``.
    ///   - chunkShape: the chunk dimensions, one per axis. When `nil` but chunking is needed
    ///     (gzip, shuffle or extendible), chunks hold whole slices along the first axis, as
    ///     many as fit in 1 MiB (at least one).
    ///   - gzipLevel: deflate compression level, 0–9, or `nil` for none.
    ///   - shuffle: the byte-shuffle filter before gzip (helps multi-byte numbers compress).
    ///   - extendible: makes the first dimension unlimited.
    @discardableResult
    public func createDataset<T: HDF5Element>(
        _ path: String, of type: T.Type, shape: [Int], chunkShape: [Int]? = nil,
        gzipLevel: Int? = nil, shuffle: Bool = false, extendible: Bool = false
    ) throws -> HDF5Dataset {
        let target = absolutePath(path)
        let action = "cannot create dataset"
        let id = try validID(action)
        let context = self.context.with(object: target)
        if contains(target) { throw context.error(action, "an object of that name exists") }
        if let problem = DatasetLayout.problem(
            shape: shape, chunkShape: chunkShape, gzipLevel: gzipLevel,
            shuffle: shuffle, extendible: extendible)
        {
            throw context.error(action, problem)
        }
        let space = try DatasetLayout.dataspace(shape: shape, extendible: extendible, context, action)
        defer { H5Sclose(space) }
        let dcpl = try context.check(H5Pcreate(i2i_h5p_dataset_create()), action)
        defer { H5Pclose(dcpl) }
        if extendible || chunkShape != nil || gzipLevel != nil || shuffle {
            let chunk =
                chunkShape
                ?? DatasetLayout.defaultChunk(
                    shape: shape, elementSize: MemoryLayout<T>.size,
                    extendible: extendible)
            let dims = chunk.map { hsize_t($0) }
            try context.check(H5Pset_chunk(dcpl, Int32(dims.count), dims), action)
            if shuffle { try context.check(H5Pset_shuffle(dcpl), action) }
            if let level = gzipLevel { try context.check(H5Pset_deflate(dcpl, UInt32(level)), action) }
        }
        let lcpl = try intermediateGroupLinkProperties(context, action)
        defer { H5Pclose(lcpl) }
        let fileType = T.hdf5ElementType.fileTypeID!
        let dataset = try context.check(
            H5Dcreate2(id, target, fileType, space, lcpl, dcpl, i2i_h5p_default()),
            action)
        return HDF5Dataset(file: file, id: dataset, path: target)
    }

    /// Creates a dataset holding `values` (row-major, `shape`'s element count of them).
    ///
    /// The other parameters are those of ``createDataset(_:of:shape:chunkShape:gzipLevel:shuffle:extendible:)``.
    @discardableResult
    public func createDataset<T: HDF5Element>(
        _ path: String, values: [T], shape: [Int], chunkShape: [Int]? = nil,
        gzipLevel: Int? = nil, shuffle: Bool = false, extendible: Bool = false
    ) throws -> HDF5Dataset {
        let count = shape.reduce(1, *)
        guard values.count == count else {
            throw context.with(object: absolutePath(path)).error(
                "cannot create dataset", "shape \(shape) holds \(count) elements, but \(values.count) were given")
        }
        let dataset = try createDataset(
            path, of: T.self, shape: shape, chunkShape: chunkShape,
            gzipLevel: gzipLevel, shuffle: shuffle, extendible: extendible)
        try dataset.write(values)
        return dataset
    }

    /// Opens the existing dataset at `path`.
    public func openDataset(_ path: String) throws -> HDF5Dataset {
        let target = absolutePath(path)
        let action = "cannot open dataset"
        let id = try validID(action)
        try requireKind(.dataset, at: target, action)
        let dataset = try context.with(object: target).check(H5Dopen2(id, target, i2i_h5p_default()), action)
        return HDF5Dataset(file: file, id: dataset, path: target)
    }

    // MARK: - Helpers

    /// The first component of absolute `target` that does not exist, or `nil` when all do.
    ///
    /// A component below a dataset counts as missing; a damaged file throws.
    func missingComponent(_ target: String, _ action: String) throws -> String? {
        let context = self.context.with(object: target)
        let components = target.split(separator: "/")
        var prefix = ""
        for (index, component) in components.enumerated() {
            prefix += "/" + component
            if try context.check(H5Lexists(id, prefix, i2i_h5p_default()), action) == 0 {
                return String(component)
            }
            if index + 1 < components.count {
                let object = try context.check(H5Oopen(id, prefix, i2i_h5p_default()), action)
                defer { H5Oclose(object) }
                if H5Iget_type(object) != H5I_GROUP { return String(components[index + 1]) }
            }
        }
        return nil
    }

    /// Throws unless an object of `kind` exists at `target`, with a reason naming what is wrong.
    func requireKind(_ expected: HDF5ObjectKind, at target: String, _ action: String) throws {
        let context = self.context.with(object: target)
        if let missing = try missingComponent(target, action) {
            throw context.error(action, "object '\(missing)' doesn't exist")
        }
        let found = try kind(of: target)
        if found != expected {
            throw context.error(action, "it is a \(found), not a \(expected)")
        }
    }

    /// Link-creation properties that create missing intermediate groups.
    func intermediateGroupLinkProperties(_ context: HDF5Context, _ action: String) throws -> hid_t {
        let lcpl = try context.check(H5Pcreate(i2i_h5p_link_create()), action)
        if H5Pset_create_intermediate_group(lcpl, 1) < 0 {
            let error = HDF5Error.fromStack(file: context.file, object: context.object, action: action)
            H5Pclose(lcpl)
            throw error
        }
        return lcpl
    }
}
