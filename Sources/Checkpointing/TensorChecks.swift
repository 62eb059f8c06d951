// Checks of a float32 tensor dataset before it is read, shared by checkpoints, `--init-from`
// weights and frozen-weight files: the element type must be float32, the declared shape must
// not overflow or exceed the tensor limit, its element count must be what the reader expects,
// and uncompressed contiguous data must lie inside the file. Nothing is allocated from a
// dataset's header before these pass.
import Foundation
import HDF5Kit

/// Limits and checks for the float32 tensors of state files.
public enum TensorChecks {
    /// The most values one stored tensor may declare (1 GiB of float32; the largest network
    /// tensor of the models here is a few million values).
    public static let maximumElements = 1 << 28

    /// What is wrong with `dataset` as a float32 tensor (of `expectedCount` values when
    /// given), as a phrase for an error message; `nil` when it may be read.
    public static func problem(_ dataset: HDF5Dataset, expectedCount: Int? = nil) -> String? {
        guard dataset.elementType == .float32 else { return "holds \(dataset.elementType) values, expected float32" }
        guard let shape = try? dataset.shape else { return "has an unreadable shape" }
        guard let count = HDF5Dataset.product(shape), count <= maximumElements else {
            return "declares shape \(shape), more than \(maximumElements) values"
        }
        if let expectedCount, count != expectedCount {
            return "holds \(count) values (shape \(shape)), expected \(expectedCount)"
        }
        if (try? dataset.isContiguous) == true, let size = fileSize(dataset.file.path), count * 4 > size {
            return "declares shape \(shape), more bytes than the file holds (\(size))"
        }
        return nil
    }

    /// Throws an ``HDF5Error`` naming the file and dataset unless ``problem(_:expectedCount:)``
    /// finds nothing.
    public static func check(_ dataset: HDF5Dataset, expectedCount: Int? = nil) throws {
        if let problem = problem(dataset, expectedCount: expectedCount) {
            throw HDF5Error(file: dataset.file.path, object: dataset.path, action: "cannot load tensor", reason: "it \(problem)")
        }
    }

    private static func fileSize(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int
    }
}
