// What the CLI journeys check after a resume: the resumed run's checkpoint holds exactly the
// networks of the uninterrupted run's, tensor for tensor, to the bit.
import HDF5Kit
import XCTest

/// Asserts that the checkpoints at `straight` and `resumed` hold the same tensors for every
/// network in `names` (each network must hold some).
func assertSameNetworks(
    _ straight: String, _ resumed: String, names: [String], file: StaticString = #filePath, line: UInt = #line
) throws {
    let a = try HDF5File.open(straight)
    let b = try HDF5File.open(resumed)
    defer {
        try? a.close()
        try? b.close()
    }
    for net in names {
        let keys = try a.root.openGroup("networks/\(net)").childNames
        XCTAssertFalse(keys.isEmpty, "\(net) holds no tensors", file: file, line: line)
        for key in keys {
            XCTAssertEqual(
                try a.root.openDataset("networks/\(net)/\(key)").read(as: Float.self),
                try b.root.openDataset("networks/\(net)/\(key)").read(as: Float.self), "\(net).\(key) after resume",
                file: file, line: line)
        }
    }
}
