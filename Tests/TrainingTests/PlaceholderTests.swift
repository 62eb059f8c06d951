import XCTest
import Training

// Placeholder until the module's tests land.
final class TrainingPlaceholderTests: XCTestCase {
    func testModuleLinks() {}
}
