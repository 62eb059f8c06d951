// TensorBoard's record framing and protocol encoding against published values: the CRC-32C
// check value of "123456789" (RFC 3720, appendix B.4), and an Event encoded by hand from the
// protocol buffer wire format.
import Training
import XCTest

final class EventRecordsTests: XCTestCase {
    func testCRC32CMatchesTheStandardCheckValue() {
        XCTAssertEqual(EventRecords.crc32c(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(EventRecords.crc32c([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)  // RFC 3720 B.4: 32 zero bytes
        let crc: UInt32 = 0xE306_9283
        XCTAssertEqual(EventRecords.maskedCRC32C(Array("123456789".utf8)), ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8)
    }

    func testScalarEventBytes() {
        // Event{wall_time: 0.5, step: 300, summary{value{tag: "a", simple_value: 1.0}}}:
        // 09 <0.5 as little-endian double> 10 ac 02 | 2a 0a (summary, 10 bytes) | 0a 08 (value, 8 bytes)
        // | 0a 01 61 (tag) 15 00 00 80 3f (simple_value)
        let bytes = EventRecords.summaryEvent(step: 300, wallTime: 0.5, values: [.scalar(tag: "a", value: 1)])
        XCTAssertEqual(
            bytes,
            [0x09, 0, 0, 0, 0, 0, 0, 0xE0, 0x3F, 0x10, 0xAC, 0x02, 0x2A, 0x0A, 0x0A, 0x08, 0x0A, 0x01, 0x61, 0x15, 0, 0, 0x80, 0x3F])
        XCTAssertEqual(EventRecords.step(ofEvent: bytes), 300)
    }

    func testRecordsRoundTripAndATornTailIsDropped() {
        let a = EventRecords.record([1, 2, 3]), b = EventRecords.record(Array(repeating: 7, count: 300))
        XCTAssertEqual(a.count, 8 + 4 + 3 + 4)
        XCTAssertEqual(Array(a[0..<8]), [3, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(EventRecords.records(in: a + b), [[1, 2, 3], Array(repeating: 7, count: 300)])
        XCTAssertEqual(EventRecords.records(in: a + b.dropLast(1)), [[1, 2, 3]])
        var corrupt = a + b
        corrupt[a.count + 20] ^= 1
        XCTAssertEqual(EventRecords.records(in: corrupt), [[1, 2, 3]])
    }
}
