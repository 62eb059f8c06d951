import XCTest
import HDF5Kit

// Placeholder until the module's tests land.
final class HDF5KitPlaceholderTests: XCTestCase {
    func testModuleLinks() {}
}
