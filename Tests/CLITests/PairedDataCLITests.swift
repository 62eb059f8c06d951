// Paired data through the real `i2i`: `preprocess --paired --exemplars` with the official
// reference format and with a malformed file (one error line, exit status 2, no output file),
// and `demo-data --kind scenes`.
import Foundation
import HDF5Kit
import TestSupport
import XCTest

final class PairedDataCLITests: XCTestCase {
    /// Folders `images/` (RGB) and `labels/` (grey class ids 0...3) of 8×8 PNGs named `names`.
    private func writePairedFolders(_ ws: CLIWorkspace, names: [String]) throws {
        let script = """
            import os, struct, zlib
            root, names = \(String(reflecting: ws.folder)), [\(names.map { String(reflecting: $0) }.joined(separator: ", "))]
            def png(path, w, h, channels, value):
                os.makedirs(os.path.dirname(path), exist_ok=True)
                rows = b"".join(b"\\x00" + bytes(value(x, y, c) for x in range(w) for c in range(channels)) for y in range(h))
                def chunk(kind, data):
                    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
                kind = 2 if channels == 3 else 0
                data = b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, kind, 0, 0, 0))
                data += chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
                open(path, "wb").write(data)
            for i, name in enumerate(names):
                png(root + "/images/" + name + ".png", 8, 8, 3, lambda x, y, c: (x * 20 + y * 7 + c * 50 + i * 13) % 256)
                png(root + "/labels/" + name + ".png", 8, 8, 1, lambda x, y, c: (x // 2 + y // 4 + i) % 4)
            """
        try Python.run(script, modules: [])
    }

    func testPreprocessReadsReferenceFilesAndRefusesABadOne() throws {
        let ws = try CLIWorkspace("paired")
        try writePairedFolders(ws, names: ["ADE_train_1", "ADE_train_2", "ADE_train_3"])
        let paired = ["preprocess", "--paired", "--images", "images", "--labels", "labels", "--size", "8"]
        _ = try ws.write(
            "ref.txt", "ADE_train_1.png,ADE_train_2.png,ADE_train_3.png\nADE_train_2.png,ADE_train_1.png\nADE_train_3.png,ADE_train_1.png\n"
        )
        var r = try ws.i2i(paired + ["--exemplars", "ref.txt", "--out", "ok.h5"])
        XCTAssertEqual(r.status, 0, r.output)
        let file = try HDF5File.open(ws.folder + "/ok.h5", mode: .readOnly)
        XCTAssertEqual(try file.root.openDataset("train/exemplars").read(as: Int32.self), [1, 2, 0, -1, 0, -1])
        try file.close()
        r = try ws.i2i(paired + ["--out", "histogram.h5"])
        XCTAssertEqual(r.status, 0, r.output)

        _ = try ws.write("bad.txt", "ADE_train_1.png,ADE_train_2.png\nADE_train_2.png,ADE_val_9.png\nADE_train_3.png,ADE_train_1.png\n")
        r = try ws.i2i(paired + ["--exemplars", "bad.txt", "--out", "bad.h5"])
        XCTAssertEqual(r.status, 2, r.output)
        let errors = r.output.split(separator: "\n").filter { $0.hasPrefix("error:") }
        XCTAssertEqual(
            errors,
            ["error: --exemplars 'bad.txt' line 2: candidate 'ADE_val_9.png' names no training image (not in the folder, or skipped)"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: ws.folder + "/bad.h5"))
        r = try ws.i2i(["preprocess", "--a", "images", "--b", "labels", "--exemplars", "ref.txt", "--out", "u.h5"])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.output.contains("--exemplars need --paired"), r.output)
    }

    func testDemoDataScenesIsPairedAndScoresTheIdentityBaseline() throws {
        let ws = try CLIWorkspace("scenes")
        let r = try ws.i2i(["demo-data", "--kind", "scenes", "--count", "6", "--test-count", "3", "--size", "16", "--out", "s.h5"])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.output.contains("train 6, test 3 (+truth)"), r.output)
        XCTAssertTrue(r.output.contains("identity baseline on test:"), r.output)
        let file = try HDF5File.open(ws.folder + "/s.h5", mode: .readOnly)
        XCTAssertEqual(try file.root.attribute("kind", as: String.self), "paired")
        XCTAssertEqual(try file.root.openDataset("test/exemplars").shape, [3, 1])
        try file.close()
    }
}
