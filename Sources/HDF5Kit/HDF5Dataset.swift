// HDF5Dataset: a numeric dataset — its shape, element type and storage settings, whole-array
// reads and writes, and reads, writes and appends of slices along the first axis (one image
// of N), all in row-major order; and DatasetLayout, the shape checks and dataspaces behind them.
import CHDF5

/// A dataset: an n-dimensional array of numbers (or strings, see ``readStrings()``).
///
/// ```swift
/// let images = try file.root.openDataset("trainA/images")   // uint8 (N, H, W, 3)
/// let (n, h, w) = try (images.count, images.shape[1], images.shape[2])
/// var pixels = [UInt8](repeating: 0, count: h * w * 3)
/// try pixels.withUnsafeMutableBufferPointer { try images.readSlice(7, into: $0) }
/// ```
///
/// Values are flat arrays in row-major (C) order. Reading as a Swift type other than the
/// stored one converts through HDF5 (float64 to `Float`, uint8 to `Float`, …).
public final class HDF5Dataset: HDF5Object {

    /// The element type as stored in the file.
    public let elementType: HDF5ElementType

    init(file: HDF5File, id: hid_t, path: String) {
        let type = H5Dget_type(id)
        elementType = type >= 0 ? HDF5ElementType(typeID: type) : .other("unknown")
        if type >= 0 { H5Tclose(type) }
        super.init(file: file, id: id, path: path)
    }

    // MARK: - Shape and storage

    /// The current dimensions (`[]` for a scalar).
    public var shape: [Int] {
        get throws { try dimensions("cannot read the shape of dataset").shape }
    }

    /// The maximum dimensions; `nil` marks an unlimited (extendible) dimension.
    public var maximumShape: [Int?] {
        get throws { try dimensions("cannot read the shape of dataset").maximum }
    }

    /// The length of the first axis (the number of images in an `(N, H, W, C)` dataset; 1 for
    /// a scalar).
    public var count: Int {
        get throws { try shape.first ?? 1 }
    }

    /// The chunk dimensions, or `nil` for a contiguous (unchunked) dataset.
    public var chunkShape: [Int]? {
        get throws {
            let action = "cannot read the layout of dataset"
            let dcpl = try context.check(H5Dget_create_plist(try validID(action)), action)
            defer { H5Pclose(dcpl) }
            guard H5Pget_layout(dcpl) == H5D_CHUNKED else { return nil }
            var dims = [hsize_t](repeating: 0, count: 32)
            let rank = try context.check(H5Pget_chunk(dcpl, 32, &dims), action)
            return dims.prefix(Int(rank)).map { Int($0) }
        }
    }

    /// The gzip (deflate) level the dataset is compressed with, or `nil` when it is not.
    public var gzipLevel: Int? {
        get throws {
            let action = "cannot read the filters of dataset"
            let dcpl = try context.check(H5Dget_create_plist(try validID(action)), action)
            defer { H5Pclose(dcpl) }
            let filterCount = try context.check(H5Pget_nfilters(dcpl), action)
            for index in 0..<UInt32(filterCount) {
                var flags: UInt32 = 0, config: UInt32 = 0
                var valueCount = 8
                var values = [UInt32](repeating: 0, count: 8)
                var name = [CChar](repeating: 0, count: 64)
                let filter = try context.check(
                    H5Pget_filter2(
                        dcpl, index, &flags, &valueCount, &values,
                        64, &name, &config), action)
                if filter == H5Z_FILTER_DEFLATE { return valueCount > 0 ? Int(values[0]) : 0 }
            }
            return nil
        }
    }

    private func dimensions(_ action: String) throws -> (shape: [Int], maximum: [Int?]) {
        let space = try context.check(H5Dget_space(try validID(action)), action)
        defer { H5Sclose(space) }
        return try DatasetLayout.dimensions(of: space, context, action)
    }

    // MARK: - Whole dataset

    /// Reads every element, converted to `T`.
    public func read<T: HDF5Element>(as type: T.Type = T.self) throws -> [T] {
        let shape = try dimensions("cannot read dataset").shape
        guard let count = HDF5Dataset.product(shape) else { throw context.error("cannot read dataset", "its shape \(shape) is too large") }
        return try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            try read(into: buffer)
            initialized = count
        }
    }

    /// Reads every element into `buffer`, which must hold exactly the dataset's element count.
    public func read<T: HDF5Element>(into buffer: UnsafeMutableBufferPointer<T>) throws {
        try transfer(
            rows: nil, buffer.baseAddress, count: buffer.count, T.nativeTypeID,
            writing: false, action: "cannot read dataset")
    }

    /// Writes every element from `values` (row-major, exactly the dataset's element count).
    public func write<T: HDF5Element>(_ values: [T]) throws {
        try values.withUnsafeBufferPointer { try write(from: $0) }
    }

    /// Writes every element from `buffer` (row-major, exactly the dataset's element count).
    public func write<T: HDF5Element>(from buffer: UnsafeBufferPointer<T>) throws {
        try transfer(
            rows: nil, UnsafeMutableRawPointer(mutating: buffer.baseAddress), count: buffer.count,
            T.nativeTypeID, writing: true, action: "cannot write dataset")
    }

    // MARK: - Slices along the first axis

    /// Reads slice `index` along the first axis (image `index` of N), converted to `T`.
    public func readSlice<T: HDF5Element>(_ index: Int, as type: T.Type = T.self) throws -> [T] {
        let sliceShape = Array(try dimensions("cannot read slice \(index) of dataset").shape.dropFirst())
        guard let sliceCount = HDF5Dataset.product(sliceShape) else {
            throw context.error("cannot read slice \(index) of dataset", "its slice shape \(sliceShape) is too large")
        }
        return try [T](unsafeUninitializedCapacity: sliceCount) { buffer, initialized in
            try readSlice(index, into: buffer)
            initialized = sliceCount
        }
    }

    /// Reads slice `index` along the first axis into `buffer`, which must hold exactly one
    /// slice (the product of the dimensions after the first).
    public func readSlice<T: HDF5Element>(_ index: Int, into buffer: UnsafeMutableBufferPointer<T>) throws {
        try transfer(
            rows: index..<index + 1, buffer.baseAddress, count: buffer.count, T.nativeTypeID,
            writing: false, action: "cannot read slice \(index) of dataset")
    }

    /// Reads the slices `rows` along the first axis (a batch of images) into `buffer`.
    public func readSlices<T: HDF5Element>(_ rows: Range<Int>, into buffer: UnsafeMutableBufferPointer<T>) throws {
        try transfer(
            rows: rows, buffer.baseAddress, count: buffer.count, T.nativeTypeID,
            writing: false, action: "cannot read slices \(rows) of dataset")
    }

    /// Writes slice `index` along the first axis from `values` (exactly one slice).
    public func writeSlice<T: HDF5Element>(_ index: Int, _ values: [T]) throws {
        try values.withUnsafeBufferPointer { try writeSlice(index, from: $0) }
    }

    /// Writes slice `index` along the first axis from `buffer` (exactly one slice).
    public func writeSlice<T: HDF5Element>(_ index: Int, from buffer: UnsafeBufferPointer<T>) throws {
        try transfer(
            rows: index..<index + 1, UnsafeMutableRawPointer(mutating: buffer.baseAddress),
            count: buffer.count, T.nativeTypeID, writing: true,
            action: "cannot write slice \(index) of dataset")
    }

    /// Writes the slices `rows` along the first axis from `buffer`.
    public func writeSlices<T: HDF5Element>(_ rows: Range<Int>, from buffer: UnsafeBufferPointer<T>) throws {
        try transfer(
            rows: rows, UnsafeMutableRawPointer(mutating: buffer.baseAddress), count: buffer.count,
            T.nativeTypeID, writing: true, action: "cannot write slices \(rows) of dataset")
    }

    // MARK: - Appending

    /// Appends whole slices along the first axis, which must be extendible; returns the
    /// indices of the new slices.
    @discardableResult
    public func append<T: HDF5Element>(_ values: [T]) throws -> Range<Int> {
        try values.withUnsafeBufferPointer { try append(from: $0) }
    }

    /// Appends whole slices from `buffer` (a multiple of the slice size) along the first axis,
    /// which must be extendible; returns the indices of the new slices.
    @discardableResult
    public func append<T: HDF5Element>(from buffer: UnsafeBufferPointer<T>) throws -> Range<Int> {
        let action = "cannot append to dataset"
        let (dims, maximum) = try dimensions(action)
        guard let first = dims.first else { throw context.error(action, "it is a scalar") }
        guard maximum[0] == nil else {
            throw context.error(action, "its first dimension is not extendible (create it with extendible: true)")
        }
        let sliceCount = dims.dropFirst().reduce(1, *)
        guard sliceCount > 0, buffer.count % sliceCount == 0 else {
            throw context.error(action, "\(buffer.count) values are not whole slices of \(sliceCount)")
        }
        let rows = first..<first + buffer.count / sliceCount
        var newDims = dims.map { hsize_t($0) }
        newDims[0] = hsize_t(rows.upperBound)
        try context.check(H5Dset_extent(try validID(action), newDims), action)
        try transfer(
            rows: rows, UnsafeMutableRawPointer(mutating: buffer.baseAddress), count: buffer.count,
            T.nativeTypeID, writing: true, action: action)
        return rows
    }

    // MARK: - Transfer

    /// Reads or writes `count` elements of memory type `memoryType`: the whole dataset when
    /// `rows` is `nil`, else the slices `rows` along the first axis.
    private func transfer(
        rows: Range<Int>?, _ buffer: UnsafeMutableRawPointer?, count: Int, _ memoryType: hid_t,
        writing: Bool, action: String
    ) throws {
        let id = try validID(action)
        guard elementType.isNumeric else {
            throw context.error(
                action,
                elementType == .string
                    ? "it holds strings (use readStrings())" : "its elements (\(elementType)) are not numbers")
        }
        let fileSpace = try context.check(H5Dget_space(id), action)
        defer { H5Sclose(fileSpace) }
        let dims = try DatasetLayout.dimensions(of: fileSpace, context, action).shape
        var memoryShape = dims
        if let rows {
            guard let first = dims.first else { throw context.error(action, "it is a scalar") }
            guard rows.lowerBound >= 0, rows.upperBound <= first else {
                throw context.error(action, "index out of range 0..<\(first)")
            }
            memoryShape[0] = rows.count
        }
        guard let expected = HDF5Dataset.product(memoryShape) else { throw context.error(action, "its shape \(dims) is too large") }
        guard count == expected else {
            throw context.error(action, "it needs a buffer of \(expected) elements, not \(count)")
        }
        if expected == 0 { return }
        if let rows {
            var start = [hsize_t](repeating: 0, count: dims.count)
            start[0] = hsize_t(rows.lowerBound)
            let extent = memoryShape.map { hsize_t($0) }
            try context.check(H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nil, extent, nil), action)
        }
        let memorySpace = try DatasetLayout.memorySpace(shape: memoryShape, context, action)
        defer { H5Sclose(memorySpace) }
        if writing {
            try context.check(H5Dwrite(id, memoryType, memorySpace, fileSpace, i2i_h5p_default(), buffer), action)
        } else {
            try context.check(H5Dread(id, memoryType, memorySpace, fileSpace, i2i_h5p_default(), buffer), action)
        }
    }
}

// MARK: - Layout

/// Shape, chunk and dataspace helpers shared by dataset creation and access.
enum DatasetLayout {

    /// Chunks chosen by default hold about this many bytes (whole slices along the first axis).
    static let defaultChunkBytes = 1 << 20

    /// What is wrong with a requested layout, or `nil` when it is valid.
    static func problem(
        shape: [Int], chunkShape: [Int]?, gzipLevel: Int?, shuffle: Bool,
        extendible: Bool
    ) -> String? {
        if shape.contains(where: { $0 < 0 }) { return "shape \(shape) has a negative dimension" }
        let chunked = extendible || chunkShape != nil || gzipLevel != nil || shuffle
        if chunked && shape.isEmpty {
            return "a scalar dataset cannot be chunked, compressed or extendible"
        }
        if let level = gzipLevel, !(0...9).contains(level) {
            return "gzip level \(level) is not in 0...9"
        }
        if let chunk = chunkShape {
            if chunk.count != shape.count {
                return "chunk shape \(chunk) has rank \(chunk.count), the dataset \(shape) rank \(shape.count)"
            }
            if chunk.contains(where: { $0 <= 0 }) { return "chunk shape \(chunk) has a dimension below 1" }
            for axis in shape.indices where chunk[axis] > shape[axis] && !(axis == 0 && extendible) {
                return "chunk shape \(chunk) exceeds the dataset shape \(shape) on axis \(axis)"
            }
        }
        return nil
    }

    /// One or more whole slices along the first axis, about ``defaultChunkBytes`` in all.
    static func defaultChunk(shape: [Int], elementSize: Int, extendible: Bool) -> [Int] {
        let rest = shape.dropFirst().map { max($0, 1) }
        let sliceBytes = max(rest.reduce(elementSize, *), 1)
        var rows = max(defaultChunkBytes / sliceBytes, 1)
        if !extendible { rows = min(rows, max(shape[0], 1)) }
        return [rows] + rest
    }

    /// A new dataspace: scalar for `[]`, else simple with an unlimited first axis when
    /// `extendible`.
    ///
    /// The caller closes it.
    static func dataspace(shape: [Int], extendible: Bool, _ context: HDF5Context, _ action: String) throws -> hid_t {
        if shape.isEmpty { return try context.check(H5Screate(H5S_SCALAR), action) }
        let dims = shape.map { hsize_t($0) }
        var maxDims = dims
        if extendible { maxDims[0] = i2i_h5s_unlimited() }
        return try context.check(H5Screate_simple(Int32(dims.count), dims, maxDims), action)
    }

    /// The current and maximum dimensions of a dataspace (`nil` for an unlimited maximum).
    static func dimensions(of space: hid_t, _ context: HDF5Context, _ action: String) throws
        -> (shape: [Int], maximum: [Int?])
    {
        let rank = Int(try context.check(H5Sget_simple_extent_ndims(space), action))
        var dims = [hsize_t](repeating: 0, count: rank)
        var maxDims = [hsize_t](repeating: 0, count: rank)
        if rank > 0 {
            try context.check(H5Sget_simple_extent_dims(space, &dims, &maxDims), action)
        }
        let unlimited = i2i_h5s_unlimited()
        // A corrupt header may declare dimensions beyond Int.max: clamp them (readers check
        // shapes against their limits) rather than trap.
        func clamped(_ value: hsize_t) -> Int { Int(exactly: value) ?? Int.max }
        return (dims.map(clamped), maxDims.map { $0 == unlimited ? nil : clamped($0) })
    }

    /// A memory dataspace of `shape` (scalar for `[]`).
    ///
    /// The caller closes it.
    static func memorySpace(shape: [Int], _ context: HDF5Context, _ action: String) throws -> hid_t {
        try dataspace(shape: shape, extendible: false, context, action)
    }
}
