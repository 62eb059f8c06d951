// TensorBoard's event file format, written by hand: TFRecord framing with masked CRC32C around
// serialised `tensorflow.Event` protocol messages (tensorflow/core/util/event.proto and
// tensorflow/core/framework/summary.proto).
//
// Why a small encoder rather than swift-protobuf: i2i writes four messages (Event, Summary,
// Summary.Value, Summary.Image) with eight scalar fields, and reads none. Their wire encoding
// is a few lines (a varint key, then a varint, a fixed 32/64-bit value or length-prefixed
// bytes), where swift-protobuf would add a package, generated code for event.proto and
// summary.proto and their imports (a few thousand lines), and a regeneration step to keep
// honest. The tests read the files back with TensorBoard's own Python reader, which checks the
// framing, both CRCs and every field.
//
//   Event         wall_time double = 1; step int64 = 2; file_version string = 3; summary = 5
//   Summary       repeated Value value = 1
//   Summary.Value tag string = 1; simple_value float = 2; image Image = 4
//   Summary.Image height int32 = 1; width int32 = 2; colorspace int32 = 3;
//                 encoded_image_string bytes = 4
//
// A record is: length (uint64 little-endian), masked CRC32C of those 8 bytes (uint32), the
// data, masked CRC32C of the data (uint32); mask(c) = ((c >> 15) | (c << 17)) + 0xa282ead8.
import Foundation

/// One value of a TensorBoard summary.
public enum SummaryValue: Equatable {
    /// A point of a scalar curve.
    case scalar(tag: String, value: Float)
    /// An encoded image (PNG) of `width` × `height` pixels with `channels` channels.
    case image(tag: String, png: [UInt8], width: Int, height: Int, channels: Int)
}

/// Serialised `tensorflow.Event` messages and their TFRecord framing.
public enum EventRecords {
    /// The version string TensorBoard expects in a file's first event.
    public static let fileVersion = "brain.Event:2"

    /// The first event of a file: wall time and file version.
    public static func fileVersionEvent(wallTime: Double) -> [UInt8] {
        var message = ProtobufMessage()
        message.double(1, wallTime)
        message.bytes(3, Array(fileVersion.utf8))
        return message.bytes
    }

    /// An event at `step` holding one summary of `values`.
    public static func summaryEvent(step: Int, wallTime: Double, values: [SummaryValue]) -> [UInt8] {
        var summary = ProtobufMessage()
        for value in values {
            var entry = ProtobufMessage()
            switch value {
            case .scalar(let tag, let v):
                entry.bytes(1, Array(tag.utf8))
                entry.float(2, v)
            case .image(let tag, let png, let width, let height, let channels):
                var image = ProtobufMessage()
                image.varint(1, UInt64(height))
                image.varint(2, UInt64(width))
                image.varint(3, UInt64(channels))
                image.bytes(4, png)
                entry.bytes(1, Array(tag.utf8))
                entry.bytes(4, image.bytes)
            }
            summary.bytes(1, entry.bytes)
        }
        var event = ProtobufMessage()
        event.double(1, wallTime)
        event.varint(2, UInt64(max(step, 0)))
        event.bytes(5, summary.bytes)
        return event.bytes
    }

    /// `data` framed as one TFRecord.
    public static func record(_ data: [UInt8]) -> [UInt8] {
        var length = [UInt8](repeating: 0, count: 8)
        for i in 0..<8 { length[i] = UInt8(truncatingIfNeeded: UInt64(data.count) >> (8 * UInt64(i))) }
        return length + littleEndian(maskedCRC32C(length)) + data + littleEndian(maskedCRC32C(data))
    }

    /// The records of a TFRecord file's bytes, in order; a torn or corrupt tail (a crash while
    /// appending) ends the list.
    public static func records(in bytes: [UInt8]) -> [[UInt8]] {
        var result: [[UInt8]] = []
        var offset = 0
        while offset + 12 <= bytes.count {
            let header = Array(bytes[offset..<offset + 8])
            guard readUInt32(bytes, offset + 8) == maskedCRC32C(header) else { break }
            let length = header.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            guard bytes.count - offset >= 16, length <= UInt64(bytes.count - offset - 16) else { break }
            let start = offset + 12, end = start + Int(length)
            let data = Array(bytes[start..<end])
            guard readUInt32(bytes, end) == maskedCRC32C(data) else { break }
            result.append(data)
            offset = end + 4
        }
        return result
    }

    /// The `step` field of a serialised Event (0 when absent, as protobuf reads it).
    public static func step(ofEvent data: [UInt8]) -> Int {
        var reader = ProtobufReader(data)
        while let (field, value) = reader.next() {
            if field == 2, case .varint(let v) = value { return Int(truncatingIfNeeded: v) }
        }
        return 0
    }

    // MARK: - CRC32C

    /// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) of `data`.
    public static func crc32c(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    /// TFRecord's masked CRC: rotated right by 15 bits plus a constant.
    public static func maskedCRC32C(_ data: [UInt8]) -> UInt32 {
        let crc = crc32c(data)
        return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }

    private static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0x82F6_3B78 ^ (c >> 1) : c >> 1 }
        return c
    }

    private static func littleEndian(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * UInt32($0))) } }

    private static func readUInt32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }
}

/// A protocol buffer message being encoded, field by field.
struct ProtobufMessage {
    private(set) var bytes: [UInt8] = []

    mutating func varint(_ field: Int, _ value: UInt64) {
        key(field, wireType: 0)
        appendVarint(value)
    }

    mutating func double(_ field: Int, _ value: Double) {
        key(field, wireType: 1)
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: value.bitPattern >> (8 * UInt64(i)))) }
    }

    mutating func float(_ field: Int, _ value: Float) {
        key(field, wireType: 5)
        for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: value.bitPattern >> (8 * UInt32(i)))) }
    }

    /// A string, bytes or an embedded message.
    mutating func bytes(_ field: Int, _ value: [UInt8]) {
        key(field, wireType: 2)
        appendVarint(UInt64(value.count))
        bytes += value
    }

    private mutating func key(_ field: Int, wireType: UInt64) { appendVarint(UInt64(field) << 3 | wireType) }

    private mutating func appendVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }
}

/// Reads the top-level fields of a protocol buffer message (enough to find an Event's step).
struct ProtobufReader {
    enum Value {
        case varint(UInt64)
        case fixed(UInt64)
        case bytes(ArraySlice<UInt8>)
    }

    private let data: [UInt8]
    private var offset = 0

    init(_ data: [UInt8]) { self.data = data }

    /// The next field, or nil at the end or at malformed input.
    mutating func next() -> (field: Int, value: Value)? {
        guard let key = readVarint() else { return nil }
        let field = Int(key >> 3)
        switch key & 7 {
        case 0:
            return readVarint().map { (field, .varint($0)) }
        case 1, 5:
            let size = key & 7 == 1 ? 8 : 4
            guard offset + size <= data.count else { return nil }
            let value = (0..<size).reduce(UInt64(0)) { $0 | UInt64(data[offset + $1]) << (8 * UInt64($1)) }
            offset += size
            return (field, .fixed(value))
        case 2:
            guard let length = readVarint(), length <= UInt64(data.count - offset) else { return nil }
            let slice = data[offset..<offset + Int(length)]
            offset += Int(length)
            return (field, .bytes(slice))
        default:
            return nil
        }
    }

    private mutating func readVarint() -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while offset < data.count, shift < 64 {
            let byte = data[offset]
            offset += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
        return nil
    }
}
