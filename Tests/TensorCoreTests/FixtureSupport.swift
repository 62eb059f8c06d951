// The glue between the op tests and the committed PyTorch fixtures: where the fixture files
// are, and `OpFixtures`, one op's list of cases (one line per variant, tinygrad's
// helper_test_op style) with the call that builds the op from a case's inputs and attributes.
import Foundation
import TensorCore
import TestSupport
import XCTest

/// The fixture folder, a resource of this test target (`resources: [.copy("Fixtures")]`).
let fixtureDirectory: URL = {
    guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
        fatalError("TensorCoreTests: the Fixtures resource folder is missing from the test bundle")
    }
    return url
}()

/// One op's fixture cases and how to call the op for a case.
struct OpFixtures {
    /// Fixture file name without `.h5`.
    let file: String
    /// The `op` attribute every case must carry.
    let op: String
    /// Case names, one per variant.
    let cases: [String]
    /// Tolerance for the output and the gradients, unless a case overrides it.
    var tolerance: Tolerance = .standard
    /// Per-case tolerances, each with its reason in a comment where it is set.
    var overrides: [String: Tolerance] = [:]
    let build: (FixtureInputs, FixtureAttributes) -> Tensor

    /// Checks every case: forward output and the gradient of Σ output ⊙ R for every input.
    func check(file sourceFile: StaticString = #filePath, line: UInt = #line) {
        let f = FixtureFile.named(file, in: fixtureDirectory)
        for name in cases {
            let c: FixtureCase
            do { c = try f.load(name) } catch {
                XCTFail("\(file)/\(name): cannot load the case: \(error)", file: sourceFile, line: line)
                continue
            }
            XCTAssertEqual(c.op, op, "\(c.path): the case is for op '\(c.op)', listed under '\(op)'", file: sourceFile, line: line)
            assertOpMatchesFixture(c, tolerance: overrides[name] ?? tolerance, file: sourceFile, line: line, build)
        }
    }
}
