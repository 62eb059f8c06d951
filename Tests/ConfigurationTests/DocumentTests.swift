// YAML in and out through Yams: scalars flattened to dotted keys with their lines, malformed
// documents rejected with the line, and written YAML reading back to the same values.
import Configuration
import XCTest

final class DocumentTests: XCTestCase {
    func testScalarsFlattenToDottedKeysWithTheirLines() throws {
        let doc = try ConfigDocument(yaml: "model: cyclegan\nseed: 3\ntrain:\n  steps: 40\n  log_every: 5\n", source: "a.yaml")
        XCTAssertEqual(doc.entries.map(\.key), ["model", "seed", "train.steps", "train.log_every"])
        XCTAssertEqual(doc.entries.map(\.value), ["cyclegan", "3", "40", "5"])
        XCTAssertEqual(doc.entries.map(\.line), [1, 2, 4, 5])
        XCTAssertEqual(doc["train.steps"], "40")
    }

    func testMalformedDocumentsAreOneLineErrors() {
        func message(_ text: String) -> String {
            do {
                _ = try ConfigDocument(yaml: text, source: "b.yaml")
                return "accepted"
            } catch { return "\(error)" }
        }
        XCTAssertEqual(message("train:\n  steps: [1, 2]\n"), "b.yaml:2: train.steps must be a single value or a section")
        XCTAssertTrue(
            message("seed: 1\nseed: 2\n").hasPrefix("b.yaml: not valid YAML") && message("seed: 1\nseed: 2\n").contains("'seed'"),
            message("seed: 1\nseed: 2\n"))
        XCTAssertEqual(message("- a\n- b\n"), "b.yaml: expected a mapping of keys to values at the top")
        XCTAssertTrue(message("train: {steps: 1\n").hasPrefix("b.yaml: not valid YAML"), message("train: {steps: 1\n"))
    }

    func testWrittenYAMLReadsBackToTheSameValues() throws {
        let fields = [
            ConfigField(key: "model", type: .string, defaultValue: .string("cyclegan"), help: ""),
            ConfigField(key: "seed", type: .int, defaultValue: .int(0), help: ""),
            ConfigField(key: "train.lr", type: .double, defaultValue: .double(2e-4), help: ""),
            ConfigField(key: "train.flip", type: .bool, defaultValue: .bool(true), help: ""),
            ConfigField(key: "data.path", type: .string, defaultValue: .string("a: b # c"), help: ""),
            ConfigField(key: "train.note", type: .string, defaultValue: .string("true"), help: ""),
        ]
        var values = ConfigValues()
        for f in fields { values.set(f.key, f.defaultValue) }
        values.set("train.lr", .double(0.1))
        let text = ConfigDocument.yaml(values, fields: fields)
        // Sections keep the order of their first key; later keys of a section join it.
        XCTAssertEqual(text, "model: cyclegan\nseed: 0\ntrain:\n  lr: 0.1\n  flip: true\n  note: \"true\"\ndata:\n  path: \"a: b # c\"\n")
        let doc = try ConfigDocument(yaml: text, source: "written")
        for f in fields {
            XCTAssertEqual(try f.value(from: doc[f.key]!, source: "written"), values[f.key], f.key)
        }
    }
}
