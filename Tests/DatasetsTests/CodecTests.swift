// JPEG and PNG decoding against Pillow-made references, PNG round trips, and the corrupt-file zoo.
import Datasets
import Foundation
import XCTest

final class CodecTests: XCTestCase {
    func testDecodingMatchesPillow() throws {
        XCTAssertGreaterThan(Fixtures.manifest.decode.count, 20)
        for c in Fixtures.manifest.decode {
            let bytes = Fixtures.bytes(c.file)
            let image = c.mode == "labels" ? try ImageCodec.decodeLabels(bytes) : try ImageCodec.decode(bytes)
            let expected = Bitmap(width: c.width, height: c.height, channels: c.channels, pixels: Fixtures.bytes(c.expected))
            assertClose(image, expected, maxDiff: c.max_diff, minFraction: c.min_fraction, c.file)
        }
    }

    func testErrorZooFromFixtures() {
        for c in Fixtures.manifest.error {
            let bytes = Fixtures.bytes(c.file)
            XCTAssertThrowsError(try c.mode == "labels" ? ImageCodec.decodeLabels(bytes) : ImageCodec.decode(bytes), c.file) {
                XCTAssertEqual(($0 as? ImageError)?.kind.rawValue, c.kind, "\(c.file): \($0)")
            }
        }
    }

    func testTruncatedFilesFailAtEveryLength() {
        for name in ["jpeg_baseline.jpg", "jpeg_progressive.jpg", "png_rgb8.png", "png_interlaced.png"] {
            let bytes = Fixtures.bytes(name)
            // Every prefix shorter than the whole file must fail cleanly (the last two bytes of a
            // JPEG are the end marker, which libjpeg tolerates missing).
            let tolerated = name.hasSuffix(".jpg") ? 2 : 0
            for length in stride(from: 0, to: bytes.count - tolerated, by: max(1, bytes.count / 97)) {
                XCTAssertThrowsError(try ImageCodec.decode(Array(bytes[0..<length])), "\(name) cut to \(length) bytes")
            }
        }
    }

    func testRandomlyCorruptedFilesNeverCrash() {
        var stream = RandomSource(seed: 7)
        for name in ["jpeg_baseline.jpg", "jpeg_progressive.jpg", "png_rgb8.png", "png_palette.png"] {
            let original = Fixtures.bytes(name)
            for _ in 0..<150 {
                var bytes = original
                for _ in 0..<1 + stream.next(4) { bytes[stream.next(bytes.count)] = UInt8(stream.next(256)) }
                if let image = try? ImageCodec.decode(bytes) {
                    XCTAssertEqual(image.pixels.count, image.width * image.height * 3)
                }
            }
        }
    }

    func testFilesThatAreNotImages() throws {
        let folder = makeTemporaryFolder(self)
        FileManager.default.createFile(atPath: folder + "/empty.jpg", contents: Data())
        try FileManager.default.createDirectory(atPath: folder + "/x.jpg", withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: folder + "/dangling.png", withDestinationPath: folder + "/missing")
        XCTAssertEqual(mkfifo(folder + "/fifo.png", 0o644), 0)
        let cases: [(String, ImageError.Kind)] = [
            ("empty.jpg", .empty), ("x.jpg", .unreadable), ("dangling.png", .unreadable),
            ("fifo.png", .unreadable), ("absent.png", .unreadable),
        ]
        for (name, kind) in cases {
            XCTAssertThrowsError(try ImageCodec.read(contentsOf: folder + "/" + name)) {
                let error = $0 as? ImageError
                XCTAssertEqual(error?.kind, kind, "\(name): \($0)")
                XCTAssertEqual(error?.path, folder + "/" + name)
            }
        }
        // Permission bits only stop non-root users.
        let locked = folder + "/locked.png"
        FileManager.default.createFile(atPath: locked, contents: Data(Fixtures.bytes("png_rgb8.png")))
        chmod(locked, 0)
        if getuid() != 0 {
            XCTAssertThrowsError(try ImageCodec.read(contentsOf: locked)) {
                XCTAssertEqual(($0 as? ImageError)?.kind, .unreadable)
            }
        }
    }

    func testErrorMessagesNameTheFile() {
        let path = Fixtures.path("png_bad_crc.png")
        XCTAssertThrowsError(try ImageCodec.read(contentsOf: path)) {
            let text = "\($0)"
            XCTAssertTrue(text.hasPrefix(path + ": corrupt or unsupported PNG"), text)
        }
    }

    func testPNGRoundTrip() throws {
        var stream = RandomSource(seed: 3)
        for channels in [1, 3, 4] {
            let pixels = (0..<(13 * 7 * channels)).map { _ in UInt8(stream.next(256)) }
            let image = Bitmap(width: 13, height: 7, channels: channels, pixels: pixels)
            let encoded = try ImageCodec.encodePNG(image)
            switch channels {
            case 1:
                XCTAssertEqual(try ImageCodec.decodeLabels(encoded), image)
            case 3:
                XCTAssertEqual(try ImageCodec.decode(encoded), image)
            default:
                XCTAssertEqual(try ImageCodec.decode(encoded).width, 13)
            }
        }
        let folder = makeTemporaryFolder(self)
        let image = try ImageCodec.decode(Fixtures.bytes("png_rgb8.png"))
        let jpeg = try ImageCodec.decode(try ImageCodec.encodeJPEG(image, quality: 95))
        assertClose(jpeg, image, maxDiff: 40, minFraction: 0.95, "JPEG round trip")
        try ImageCodec.writePNG(image, to: folder + "/copy.png")
        XCTAssertEqual(try ImageCodec.read(contentsOf: folder + "/copy.png"), image)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["copy.png"])
    }
}

/// A tiny deterministic generator for test data (SplitMix64).
struct RandomSource {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }
}
