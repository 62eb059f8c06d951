// Decoding JPEG and PNG files into bitmaps and encoding bitmaps as PNG, over CImageCodecs.
//
// The format is recognised from the first bytes, never from the file name. Every failure is an
// `ImageError` naming the file and the reason; nothing here can crash on a hostile file.
import CImageCodecs
import FileSafety
import Foundation

#if canImport(Glibc)
    import Glibc
    private let systemRead = Glibc.read
    private let systemWrite = Glibc.write
#else
    import Darwin
    private let systemRead = Darwin.read
    private let systemWrite = Darwin.write
#endif

/// Why an image could not be read or written.
public struct ImageError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The class of failure, for callers that react differently to each.
    public enum Kind: String, Sendable {
        /// The file could not be opened or read (missing, a directory, no permission).
        case unreadable
        /// The file has no bytes.
        case empty
        /// The bytes are neither JPEG nor PNG.
        case notAnImage
        /// The data is truncated, corrupt or uses a feature the decoder does not support.
        case corrupt
        /// The header announces more pixels than allowed.
        case tooLarge
        /// Memory ran out.
        case outOfMemory
        /// An output file could not be written (a full disk, no permission, a missing folder):
        /// a run-time failure (exit status 1), not bad input.
        case unwritable
    }

    /// The class of failure.
    public let kind: Kind
    /// The file at fault, when there is one.
    public let path: String?
    /// What went wrong, in words.
    public let reason: String

    /// An error of `kind` about `path`.
    public init(_ kind: Kind, path: String? = nil, reason: String) {
        self.kind = kind
        self.path = path
        self.reason = reason
    }

    /// The same error attributed to `path`.
    public func at(_ path: String) -> ImageError { ImageError(kind, path: path, reason: reason) }

    /// `path: reason`, or the reason alone.
    public var description: String { path.map { "\($0): \(reason)" } ?? reason }
}

/// The encoded formats the codecs understand.
public enum ImageFormat: String, Sendable {
    /// JPEG (JFIF, EXIF or raw), recognised by FF D8 FF.
    case jpeg
    /// PNG, recognised by its 8-byte signature.
    case png

    /// The format announced by the first bytes, or nil.
    public init?(signature bytes: UnsafeRawBufferPointer) {
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF {
            self = .jpeg
        } else if bytes.count >= 8, Array(bytes[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] {
            self = .png
        } else {
            return nil
        }
    }
}

/// JPEG and PNG decoding, PNG and JPEG encoding.
///
/// ```swift
/// let photo = try ImageCodec.read(contentsOf: "horses/001.jpg")     // RGB, EXIF-oriented
/// try ImageCodec.writePNG(photo, to: "copy.png")
/// ```
public enum ImageCodec {
    /// Images announcing more pixels than this are refused before decoding (about 16k × 16k).
    public static let defaultMaxPixels = 1 << 28

    /// Decodes JPEG or PNG bytes to RGB (3 channels), with the EXIF orientation applied;
    /// transparent PNG pixels are composited over white.
    public static func decode(_ bytes: [UInt8], maxPixels: Int = defaultMaxPixels) throws -> Bitmap {
        try decode(bytes, labels: false, maxPixels: maxPixels)
    }

    /// Decodes a PNG label map: one channel holding the palette index or the grey value of each
    /// pixel (an 8-bit-or-fewer greyscale or palette PNG; anything else is an error).
    public static func decodeLabels(_ bytes: [UInt8], maxPixels: Int = defaultMaxPixels) throws -> Bitmap {
        try decode(bytes, labels: true, maxPixels: maxPixels)
    }

    /// Reads and decodes an image file to RGB (see ``decode(_:maxPixels:)``).
    public static func read(contentsOf path: String, maxPixels: Int = defaultMaxPixels) throws -> Bitmap {
        do { return try decode(try readBytes(path), maxPixels: maxPixels) } catch let e as ImageError { throw e.at(path) }
    }

    /// Reads and decodes a PNG label map file (see ``decodeLabels(_:maxPixels:)``).
    public static func readLabels(contentsOf path: String, maxPixels: Int = defaultMaxPixels) throws -> Bitmap {
        do { return try decodeLabels(try readBytes(path), maxPixels: maxPixels) } catch let e as ImageError { throw e.at(path) }
    }

    /// PNG bytes for an image of 1, 3 or 4 channels (compression level 0...9).
    public static func encodePNG(_ image: Bitmap, compressionLevel: Int = 6) throws -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            i2i_encode_png(
                pixels.baseAddress, Int32(image.width), Int32(image.height), Int32(image.channels),
                Int32(compressionLevel), &out, &size, &message, message.count)
        }
        guard status == Int32(I2I_CODEC_OK), let out else {
            throw ImageError(
                status == Int32(I2I_CODEC_NO_MEMORY) ? .outOfMemory : .corrupt,
                reason: "cannot encode PNG: \(String(cString: message))")
        }
        defer { i2i_codecs_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }

    /// Baseline JPEG bytes (4:2:0 for colour) for an image of 1 or 3 channels, quality 1...100.
    public static func encodeJPEG(_ image: Bitmap, quality: Int = 90) throws -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            i2i_encode_jpeg(
                pixels.baseAddress, Int32(image.width), Int32(image.height), Int32(image.channels),
                Int32(quality), &out, &size, &message, message.count)
        }
        guard status == Int32(I2I_CODEC_OK), let out else {
            throw ImageError(
                status == Int32(I2I_CODEC_NO_MEMORY) ? .outOfMemory : .corrupt,
                reason: "cannot encode JPEG: \(String(cString: message))")
        }
        defer { i2i_codecs_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }

    /// Writes `image` as a PNG file, through a temporary file renamed into place.
    ///
    /// A failed write (a full disk, no permission) removes the temporary file, leaves `path` as
    /// it was and throws an ``ImageError`` of kind ``ImageError/Kind/unwritable``.
    public static func writePNG(_ image: Bitmap, to path: String) throws {
        let bytes = try encodePNG(image)
        // A temporary file in the same folder, fsynced and renamed (FileSafety's AtomicOutput).
        do { try AtomicOutput.write(Data(bytes), to: path) } catch {
            let reason = (error as? OutputError)?.systemReason ?? "\(error)"
            throw ImageError(.unwritable, path: path, reason: "cannot write the file (\(reason))")
        }
    }

    /// The bytes of a file, with a reason when it cannot be read (missing, a directory, no permission).
    public static func readBytes(_ path: String) throws -> [UInt8] {
        // Non-blocking, so that a FIFO cannot stall the open; regular files read normally.
        let fd = open(path, O_RDONLY | O_NONBLOCK)
        guard fd >= 0 else { throw ImageError(.unreadable, path: path, reason: "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ImageError(.unreadable, path: path, reason: String(cString: strerror(errno))) }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw ImageError(.unreadable, path: path, reason: "is a directory") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw ImageError(.unreadable, path: path, reason: "not a regular file") }
        let size = Int(info.st_size)
        if size == 0 { throw ImageError(.empty, path: path, reason: "empty file (0 bytes)") }
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = bytes.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress! + done, size - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let reason = n < 0 ? String(cString: strerror(errno)) : "the file shrank while being read"
                throw ImageError(.unreadable, path: path, reason: "cannot read: \(reason)")
            }
            done += n
        }
        return bytes
    }

    // MARK: - Private

    private static func decode(_ bytes: [UInt8], labels: Bool, maxPixels: Int) throws -> Bitmap {
        if bytes.isEmpty { throw ImageError(.empty, reason: "empty file (0 bytes)") }
        var result = i2i_bitmap()
        var message = [CChar](repeating: 0, count: 256)
        let format: ImageFormat? = bytes.withUnsafeBytes { ImageFormat(signature: $0) }
        let status: Int32
        switch format {
        case .jpeg?:
            if labels { throw ImageError(.corrupt, reason: "a label map must be a PNG file, not a JPEG") }
            status = bytes.withUnsafeBufferPointer {
                i2i_decode_jpeg($0.baseAddress, $0.count, Int64(maxPixels), &result, &message, message.count)
            }
        case .png?:
            let mode = Int32(labels ? I2I_PNG_LABELS : I2I_PNG_COLOR)
            status = bytes.withUnsafeBufferPointer {
                i2i_decode_png($0.baseAddress, $0.count, mode, Int64(maxPixels), &result, &message, message.count)
            }
        case nil:
            throw ImageError(.notAnImage, reason: "not a JPEG or PNG file")
        }
        guard status == Int32(I2I_CODEC_OK), let pixels = result.pixels else {
            let reason = String(cString: message)
            let name = format == .jpeg ? "JPEG" : "PNG"
            switch status {
            case Int32(I2I_CODEC_TOO_LARGE): throw ImageError(.tooLarge, reason: reason)
            case Int32(I2I_CODEC_NO_MEMORY): throw ImageError(.outOfMemory, reason: reason)
            default: throw ImageError(.corrupt, reason: "corrupt or unsupported \(name): \(reason)")
            }
        }
        defer { i2i_codecs_free(pixels) }
        let count = Int(result.width) * Int(result.height) * Int(result.channels)
        let image = Bitmap(
            width: Int(result.width), height: Int(result.height), channels: Int(result.channels),
            pixels: Array(UnsafeBufferPointer(start: pixels, count: count)))
        return image.applyingOrientation(Int(result.orientation))
    }
}
