import XCTest
import TensorCore

final class SmokeTests: XCTestCase {
    func testSquareGradient() {
        let x = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6], requiresGrad: true)
        (x * x).sum().backward()
        XCTAssertEqual(x.grad!.values, [2, 4, 6, 8, 10, 12])
    }
}
