// Access to the committed fixtures (Fixtures/, written by Fixtures/make_fixtures.py) and
// small helpers shared by the Datasets tests.
import Datasets
import Foundation
import XCTest

/// The fixture folder and its manifest.
enum Fixtures {
    struct DecodeCase: Decodable {
        let file: String, mode: String, expected: String
        let width: Int, height: Int, channels: Int
        let max_diff: Int, min_fraction: Double
    }
    struct ErrorCase: Decodable { let file: String, mode: String, kind: String }
    struct ResizeCase: Decodable {
        let source: String, source_width: Int, source_height: Int, channels: Int
        let filter: String, width: Int, height: Int, expected: String
    }
    struct Manifest: Decodable {
        let decode: [DecodeCase], error: [ErrorCase], resize: [ResizeCase]
    }

    static let folder: String = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.path

    static func path(_ name: String) -> String { folder + "/" + name }

    static func bytes(_ name: String) -> [UInt8] {
        [UInt8](FileManager.default.contents(atPath: path(name)) ?? Data())
    }

    static let manifest: Manifest = {
        let data = FileManager.default.contents(atPath: path("manifest.json"))!
        return try! JSONDecoder().decode(Manifest.self, from: data)
    }()
}

/// A fresh empty folder under the system's temporary directory, removed by the test's teardown.
func makeTemporaryFolder(_ test: XCTestCase, _ name: String = #function) -> String {
    let path =
        NSTemporaryDirectory() + "i2i-tests-\(getpid())-\(name.filter { $0.isLetter || $0.isNumber })-\(UInt32.random(in: 0...UInt32.max))"
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
}

/// Fails unless at least `minFraction` of the samples differ by at most `maxDiff`.
func assertClose(
    _ actual: Bitmap, _ expected: Bitmap, maxDiff: Int, minFraction: Double,
    _ what: String, file: StaticString = #filePath, line: UInt = #line
) {
    guard actual.width == expected.width, actual.height == expected.height, actual.channels == expected.channels else {
        XCTFail(
            "\(what): size \(actual.width)x\(actual.height)x\(actual.channels), expected \(expected.width)x\(expected.height)x\(expected.channels)",
            file: file, line: line)
        return
    }
    var within = 0, worst = 0, worstAt = 0
    for i in 0..<actual.pixels.count {
        let d = abs(Int(actual.pixels[i]) - Int(expected.pixels[i]))
        if d <= maxDiff { within += 1 }
        if d > worst { worst = d; worstAt = i }
    }
    let fraction = Double(within) / Double(max(1, actual.pixels.count))
    XCTAssert(
        fraction >= minFraction,
        "\(what): \(String(format: "%.4f", fraction)) of samples within \(maxDiff) (need \(minFraction)); worst \(worst) at sample \(worstAt)",
        file: file, line: line)
}
