// StableHash, the project's one stable hash: FNV-1a's published test vectors (golang/go,
// src/hash/fnv/fnv_test.go, golden64a), SplitMix64's first outputs from state 0, how strings,
// integers and floats are fed, and the stream keys derived from purpose names — pinned to the
// values the project has always used, since a change would silently change every seeded run
// (initial weights, augmentation, sampling, demo data).
import TensorCore
import XCTest

final class StableHashTests: XCTestCase {
    func testFNV1aVectors() {
        XCTAssertEqual(StableHash().value, 0xcbf2_9ce4_8422_2325)
        XCTAssertEqual(StableHash.value(of: ""), 0xcbf2_9ce4_8422_2325)
        XCTAssertEqual(StableHash.value(of: "a"), 0xaf63_dc4c_8601_ec8c)
        XCTAssertEqual(StableHash.value(of: "ab"), 0x089c_4407_b545_986a)
        XCTAssertEqual(StableHash.value(of: "abc"), 0xe71f_a219_0541_574b)
        XCTAssertEqual(StableHash.hex(of: "ab"), "089c4407b545986a")  // zero-padded to 16 digits
        var bytes = StableHash()
        [UInt8]("abc".utf8).withUnsafeBytes { bytes.combine(bytes: $0) }
        XCTAssertEqual(bytes.value, StableHash.value(of: "abc"))
    }

    func testSplitMix64Outputs() {
        // splitmix64 seeded with 0: its first two outputs.
        XCTAssertEqual(StableHash.mix(0), 0xe220_a839_7b1d_cdaf)
        XCTAssertEqual(StableHash.mix(0x9E37_79B9_7F4A_7C15), 0x6e78_9e6a_a1b9_65f4)
    }

    func testFieldsAreDelimited() {
        var ab = StableHash(), a = StableHash()
        ab.combine("ab"); ab.combine("c")
        a.combine("a"); a.combine("bc")
        XCTAssertNotEqual(ab, a)
        var layout = StableHash()
        layout.combine("model.1.weight")
        layout.combine([64, 3, 7, 7])
        XCTAssertEqual(layout.hex, "818b83db604c8e5f")  // the example in StableHash's documentation
        var short = StableHash(), long = StableHash()
        short.combine([1, 2]); long.combine([1, 2, 0])
        XCTAssertNotEqual(short, long)
    }

    func testFloatsHashTheirBitPatterns() {
        func hash(_ values: [Float]) -> UInt64 {
            var h = StableHash()
            values.withUnsafeBufferPointer { h.combine($0) }
            return h.value
        }
        XCTAssertEqual(hash([1, -0.0, 0.5]), 0x99e0_1cab_84d7_30f5)
        XCTAssertNotEqual(hash([0]), hash([-0.0]))
        XCTAssertEqual(hash([]), StableHash.offsetBasis)
    }

    func testRandomStreamKeysArePinned() {
        var stream = RandomStream(seed: 42, rank: 1, purpose: "init")
        XCTAssertEqual(stream.key, 7_828_178_159_315_179_421)
        XCTAssertEqual([stream.nextUInt32(), stream.nextUInt32()], [3_200_881_136, 1_607_220_927])
        XCTAssertEqual(RandomStream(seed: 7, purpose: "pool").key, 3_742_248_568_005_164_315)
    }
}
