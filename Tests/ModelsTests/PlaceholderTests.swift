import XCTest
import Models

// Placeholder until the module's tests land.
final class ModelsPlaceholderTests: XCTestCase {
    func testModuleLinks() {}
}
