import XCTest
import Distributed

// Placeholder until the module's tests land.
final class DistributedPlaceholderTests: XCTestCase {
    func testModuleLinks() {}
}
