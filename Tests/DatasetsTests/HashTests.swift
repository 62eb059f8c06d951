// SHA-256 (swift-crypto's, behind the dataset content hash) against the FIPS 180-4 examples,
// fed whole and in pieces.
import Crypto
import Datasets
import XCTest

final class HashTests: XCTestCase {
    private func hex(_ digest: SHA256.Digest) -> String { digest.map { String(format: "%02x", $0) }.joined() }

    func testKnownDigests() {
        XCTAssertEqual(hex(SHA256().finalize()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        var abc = SHA256()
        abc.update(data: Array("abc".utf8))
        XCTAssertEqual(hex(abc.finalize()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        var long = SHA256()
        long.update(data: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
        XCTAssertEqual(hex(long.finalize()), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        var million = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { million.update(data: chunk) }
        XCTAssertEqual(hex(million.finalize()), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testSplitUpdatesEqualOneUpdate() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let whole = hex(SHA256.hash(data: bytes))
        for cut in [0, 1, 63, 64, 65, 500, 999] {
            var parts = SHA256()
            parts.update(data: Array(bytes[0..<cut]))
            parts.update(data: Array(bytes[cut...]))
            XCTAssertEqual(hex(parts.finalize()), whole)
        }
    }

    func testSplitHasherDigestsAreSHA256() {
        let image: [UInt8] = [1, 2, 3, 4, 5, 6]
        XCTAssertEqual(
            SplitHasher.recordDigest(name: "a.png", image: image),
            Array(SHA256.hash(data: Array("a.png".utf8) + [0] + image)))
        var split = SplitHasher()
        split.add(name: "a.png", image: image)
        XCTAssertEqual(split.digest(), Array(SHA256.hash(data: SplitHasher.recordDigest(name: "a.png", image: image))))
    }
}
