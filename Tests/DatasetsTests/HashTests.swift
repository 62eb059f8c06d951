// SHA-256 against the FIPS 180-4 examples.
import Datasets
import XCTest

final class HashTests: XCTestCase {
    func testKnownDigests() {
        var h = SHA256()
        XCTAssertEqual(h.hexDigest(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        h.update("abc")
        XCTAssertEqual(h.hexDigest(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        var long = SHA256()
        long.update("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
        XCTAssertEqual(long.hexDigest(), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        var million = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { million.update(chunk) }
        XCTAssertEqual(million.hexDigest(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testSplitUpdatesEqualOneUpdate() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        var whole = SHA256()
        whole.update(bytes)
        for cut in [0, 1, 63, 64, 65, 500, 999] {
            var parts = SHA256()
            parts.update(Array(bytes[0..<cut]))
            parts.update(Array(bytes[cut...]))
            XCTAssertEqual(parts.hexDigest(), whole.hexDigest())
        }
    }
}
