import XCTest
import Datasets

// Placeholder until the module's tests land.
final class DatasetsPlaceholderTests: XCTestCase {
    func testModuleLinks() {}
}
