import HDF5Kit
// Groups: nested creation by path, sorted member names, contains, kinds, opening by relative
// and absolute paths, and removal.
import XCTest

final class GroupTests: HDF5TestCase {

    func testNestedGroupsAndSortedChildNames() throws {
        try makeFile("groups.h5") { root in
            let c = try root.createGroup("a/b/c")
            XCTAssertEqual(c.path, "/a/b/c")
            XCTAssertEqual(c.name, "c")
            try root.createGroup("a/zeta")
            try root.createGroup("a/alpha")
            try root.openGroup("a").createDataset("m.1.weight", values: [Float(1)], shape: [1])
            try c.createDataset("deep", values: [Int32(5)], shape: [1])
        }
        let root = try HDF5File.open(path("groups.h5")).root
        XCTAssertEqual(try root.childNames, ["a"])
        XCTAssertEqual(try root.openGroup("a").childNames, ["alpha", "b", "m.1.weight", "zeta"])
        let b = try root.openGroup("/a/b")
        XCTAssertEqual(b.path, "/a/b")
        XCTAssertEqual(try b.openDataset("c/deep").read(as: Int32.self), [5])
        XCTAssertEqual(try b.openDataset("/a/b/c/deep").path, "/a/b/c/deep")
        XCTAssertEqual(try root.openGroup("a/b/c").childNames, ["deep"])
    }

    func testContainsAndKind() throws {
        let file = try HDF5File.create(at: path("kinds.h5"))
        let root = file.root
        try root.createDataset("x/y", values: [1.0, 2.0], shape: [2])
        XCTAssertTrue(root.contains("x"))
        XCTAssertTrue(root.contains("x/y"))
        XCTAssertTrue(root.contains("/x/y"))
        XCTAssertTrue(root.contains("/"))
        XCTAssertFalse(root.contains("y"))
        XCTAssertFalse(root.contains("x/y/z"), "a dataset has no members")
        XCTAssertFalse(root.contains("q/r/s"))
        XCTAssertEqual(try root.kind(of: "x"), .group)
        XCTAssertEqual(try root.kind(of: "x/y"), .dataset)
        assertHDF5Error(["cannot look up '/x/nope' in", "kinds.h5", "object 'nope' doesn't exist"]) {
            try root.kind(of: "x/nope")
        }
        assertHDF5Error(["cannot open group '/x/y'", "it is a dataset, not a group"]) {
            try root.openGroup("x/y")
        }
        assertHDF5Error(["cannot open dataset '/x'", "it is a group, not a dataset"]) {
            try root.openDataset("x")
        }
        assertHDF5Error(["cannot create group '/x'", "exists"]) { try root.createGroup("x") }
        try file.close()
    }

    func testRemove() throws {
        let file = try HDF5File.create(at: path("remove.h5"))
        try file.root.createDataset("g/d", values: [UInt8(1)], shape: [1])
        try file.root.remove("g/d")
        XCTAssertFalse(file.root.contains("g/d"))
        XCTAssertEqual(try file.root.openGroup("g").childNames, [])
        assertHDF5Error(["cannot remove '/g/d'", "doesn't exist"]) { try file.root.remove("g/d") }
        try file.close()
    }

    func testObjectsCannotBeUsedAfterClose() throws {
        let file = try HDF5File.create(at: path("closed.h5"))
        let d = try file.root.createDataset("d", values: [Float(1)], shape: [1])
        let g = try file.root.createGroup("g")
        try file.close()
        XCTAssertFalse(file.isOpen)
        assertHDF5Error(["cannot read dataset '/d'", "closed.h5", "the file is closed"]) {
            try d.read(as: Float.self)
        }
        assertHDF5Error(["'/g'", "the file is closed"]) { try g.childNames }
        XCTAssertFalse(g.contains("x"))
    }
}
