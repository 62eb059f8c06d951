import XCTest
import NN

// Placeholder until the module's tests land.
final class NNPlaceholderTests: XCTestCase {
    func testModuleLinks() {}
}
