import Models
import NN
import TensorCore
import XCTest

/// Parameter counts and state names at the reference defaults (the counts the official code's `print_networks` reports).
final class ParameterCountTests: XCTestCase {
    func testCycleGANNetworksMatchTheOfficialCounts() {
        var s = RandomStream(seed: 0, purpose: "count")
        let g = ResnetGenerator(stream: &s)
        let d = PatchDiscriminator(stream: &s)
        XCTAssertEqual(g.parameterCount, 11_378_179)
        XCTAssertEqual(d.parameterCount, 2_764_737)
        let gNames = g.namedParameters().map(\.path)
        XCTAssertEqual(gNames.first, "model.1.weight")
        XCTAssertTrue(gNames.contains("model.10.conv_block.1.weight"))
        XCTAssertTrue(gNames.contains("model.19.weight"))  // first transposed conv
        XCTAssertEqual(gNames.last, "model.26.bias")
        XCTAssertEqual(
            d.namedParameters().map(\.path),
            [
                "model.0.weight", "model.0.bias", "model.2.weight", "model.2.bias", "model.5.weight", "model.5.bias",
                "model.8.weight", "model.8.bias", "model.11.weight", "model.11.bias",
            ])
    }
}
