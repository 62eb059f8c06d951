import HDF5Kit
// Attributes: every kind on the root, groups and datasets; replacement, listing, removal,
// widening on read, type mismatches, and a large (YAML-sized and beyond) string.
import XCTest

final class AttributeTests: HDF5TestCase {

    func testEveryKindRoundTrips() throws {
        let yaml = "model: cyclegan\nlambda_A: 10.0\nnote: \"ünïcode ✓\"\n"
        try makeFile("attrs.h5") { root in
            try root.setAttribute("format_version", 1)
            try root.setAttribute("learning_rate", 0.0002)
            try root.setAttribute("config", yaml)
            try root.setAttribute("shape", [1, 3, 256, 256])
            try root.setAttribute("mean", [0.5, 0.25])
            try root.setAttribute("rng", [Float(1.5), -2])
            try root.setAttribute("labels", ["sky", "tree"])
            try root.setAttribute("empty", [Int]())
            let d = try root.createDataset("net/w", values: [Float](repeating: 0, count: 4), shape: [2, 2])
            try d.setAttribute("step", -7)
            try root.openGroup("net").setAttribute("kind", "generator")
        }
        let root = try HDF5File.open(path("attrs.h5")).root
        XCTAssertEqual(try root.attribute("format_version", as: Int.self), 1)
        XCTAssertEqual(try root.attribute("learning_rate", as: Double.self), 0.0002)
        XCTAssertEqual(try root.attribute("config", as: String.self), yaml)
        XCTAssertEqual(try root.attribute("shape", as: [Int].self), [1, 3, 256, 256])
        XCTAssertEqual(try root.attribute("mean", as: [Double].self), [0.5, 0.25])
        XCTAssertEqual(try root.attribute("rng", as: [Float].self), [1.5, -2])
        XCTAssertEqual(try root.attribute("labels", as: [String].self), ["sky", "tree"])
        XCTAssertEqual(try root.attribute("empty", as: [Int].self), [])
        XCTAssertEqual(try root.attribute("rng"), .floats([1.5, -2]))
        XCTAssertEqual(try root.attribute("learning_rate"), .double(0.0002))
        XCTAssertEqual(try root.openDataset("net/w").attribute("step", as: Int.self), -7)
        XCTAssertEqual(try root.openGroup("net").attribute("kind", as: String.self), "generator")
        XCTAssertEqual(
            try root.attributeNames,
            ["config", "empty", "format_version", "labels", "learning_rate", "mean", "rng", "shape"])
        XCTAssertEqual(try root.openGroup("net").attributeNames, ["kind"])
        XCTAssertTrue(root.hasAttribute("config"))
        XCTAssertFalse(root.hasAttribute("nope"))
    }

    func testWideningAndMismatches() throws {
        let file = try HDF5File.create(at: path("types.h5"))
        let root = file.root
        try root.setAttribute("n", 3)
        try root.setAttribute("x", 2.5)
        try root.setAttribute("one", [9])
        XCTAssertEqual(try root.attribute("n", as: Double.self), 3, "ints widen to Double")
        XCTAssertEqual(try root.attribute("n", as: [Float].self), [3])
        XCTAssertEqual(try root.attribute("x", as: [Double].self), [2.5])
        XCTAssertEqual(try root.attribute("one", as: Int.self), 9, "a one-element array reads as a scalar")
        assertHDF5Error(["cannot read attribute 'x' of '/' in", "types.h5", "holds a float64, not Int"]) {
            try root.attribute("x", as: Int.self)
        }
        assertHDF5Error(["cannot read attribute 'n' of '/'", "holds an int64, not String"]) {
            try root.attribute("n", as: String.self)
        }
        try file.close()
    }

    func testReplaceAndRemove() throws {
        let file = try HDF5File.create(at: path("replace.h5"))
        let g = try file.root.createGroup("g")
        try g.setAttribute("step", 1)
        try g.setAttribute("step", "now a string")
        XCTAssertEqual(try g.attribute("step", as: String.self), "now a string")
        try g.removeAttribute("step")
        XCTAssertEqual(try g.attributeNames, [])
        assertHDF5Error(["cannot remove attribute 'step' of '/g'", "no such attribute"]) {
            try g.removeAttribute("step")
        }
        try file.close()
    }

    func testLargeStringAttribute() throws {
        // A resolved config or RNG state can exceed HDF5's 64 KiB compact-attribute limit.
        let big = String(repeating: "key: value # comment\n", count: 10_000)
        let many = (0..<20_000).map { $0 }
        try makeFile("big.h5") { root in
            try root.setAttribute("config", big)
            try root.setAttribute("state", many)
        }
        let root = try HDF5File.open(path("big.h5")).root
        XCTAssertEqual(try root.attribute("config", as: String.self), big)
        XCTAssertEqual(try root.attribute("state", as: [Int].self), many)
    }
}
