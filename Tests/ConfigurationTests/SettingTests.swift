// Settings declared once: defaults come from the options struct, values are parsed and
// range-checked by the declaration, and the YAML that is written reads back to the same values.
// Expected values are written out by hand from the declarations below.
import Configuration
import XCTest

/// A section shaped like a model's, for these tests.
private struct ToyOptions: ConfigSection, Equatable {
    enum Mode: String, CaseIterable { case lsgan, vanilla }
    var width = 64
    var rate = 2e-4
    var weight: Float = 0.1
    var flip = true
    var mode = Mode.lsgan
    var path = "none"

    static let section = "toy"
    static let settings: [Setting<ToyOptions>] = [
        .int("width", \.width, .count(atMost: 4096), "filters"),
        .double("lr", \.rate, .positive(atMost: 1), "learning rate"),
        .float("weight", \.weight, .from(0, below: 1), "a weight in [0, 1)"),
        .bool("flip", \.flip, "flips"),
        .choice("mode", \.mode, "adversarial loss"),
        .string("path", \.path, "a file"),
    ]
}

final class SettingTests: XCTestCase {
    private let fields = ToyOptions.fields

    private func field(_ key: String) -> ConfigField { fields.first { $0.key == key }! }

    func testDefaultsAndKeysComeFromTheDeclaration() {
        XCTAssertEqual(fields.map(\.key), ["toy.width", "toy.lr", "toy.weight", "toy.flip", "toy.mode", "toy.path"])
        XCTAssertEqual(fields.map(\.defaultValue), [.int(64), .double(2e-4), .double(0.1), .bool(true), .string("lsgan"), .string("none")])
        XCTAssertEqual(field("toy.mode").type, .choice(["lsgan", "vanilla"]))
        XCTAssertEqual(ToyOptions(ConfigValues()), ToyOptions())
    }

    func testValuesAreWrittenThroughTheKeyPaths() throws {
        var values = ConfigValues()
        for (key, text) in [
            ("toy.width", "8"), ("toy.lr", "0.5"), ("toy.weight", "0.25"), ("toy.flip", "no"),
            ("toy.mode", "vanilla"), ("toy.path", "vgg.h5"),
        ] {
            values.set(key, try field(key).value(from: text, source: "test"))
        }
        var expected = ToyOptions()
        expected.width = 8
        expected.rate = 0.5
        expected.weight = 0.25
        expected.flip = false
        expected.mode = .vanilla
        expected.path = "vgg.h5"
        XCTAssertEqual(ToyOptions(values), expected)
    }

    func testRangesAndTypesAreCheckedWithTheKeyNamed() {
        func message(_ key: String, _ text: String) -> String {
            do {
                _ = try field(key).value(from: text, source: "run.yaml:3")
                return "accepted"
            } catch { return "\(error)" }
        }
        XCTAssertEqual(message("toy.width", "0"), "run.yaml:3: toy.width = 0 must be in [1, 4096]")
        XCTAssertEqual(message("toy.width", "4097"), "run.yaml:3: toy.width = 4097 must be in [1, 4096]")
        XCTAssertEqual(message("toy.width", "4096"), "accepted")
        XCTAssertEqual(message("toy.width", "2.5"), "run.yaml:3: toy.width = '2.5' is not an integer")
        XCTAssertEqual(message("toy.lr", "0"), "run.yaml:3: toy.lr = 0 must be in (0, 1]")
        XCTAssertEqual(message("toy.lr", "1e9999"), "run.yaml:3: toy.lr = '1e9999' is not a finite number")
        XCTAssertEqual(message("toy.lr", "nan"), "run.yaml:3: toy.lr = 'nan' is not a finite number")
        XCTAssertEqual(message("toy.weight", "1"), "run.yaml:3: toy.weight = 1 must be in [0, 1)")
        XCTAssertEqual(message("toy.weight", "0"), "accepted")
        XCTAssertEqual(message("toy.mode", "hinge"), "run.yaml:3: toy.mode = 'hinge' is not one of lsgan, vanilla")
        XCTAssertEqual(message("toy.flip", "maybe"), "run.yaml:3: toy.flip = 'maybe' is not true or false")
    }

    func testBoundsDescribeThemselves() {
        XCTAssertEqual(Bounds.atLeast(1).description, "≥ 1")
        XCTAssertEqual(Bounds.above(0).description, "> 0")
        XCTAssertEqual(Bounds.from(0, below: 1).description, "in [0, 1)")
        XCTAssertEqual(Bounds.any.description, "any value")
        XCTAssertTrue(Bounds.above(0).contains(1e-300))
        XCTAssertFalse(Bounds.above(0).contains(0))
        XCTAssertFalse(Bounds.from(0, below: 1).contains(1))
    }
}
