// The fuzz target of the readers of i2i's HDF5 files. launch/fuzz builds it with
// `-sanitize=fuzzer -parse-as-library -D FUZZING`: `main` then runs libFuzzer's driver, which
// calls `LLVMFuzzerTestOneInput` with each input. A plain build (what `swift build` makes) is
// a replayer instead: `ReaderFuzzer FILE...` runs each file through the same function and
// prints one outcome line per reader, which is how tests replay the inputs the fuzzer found.
//
// Each input is written to a temporary .h5 file and opened the ways i2i opens files: as a
// dataset (reading names and the first and last image, labels and truth of every split, and its
// exemplar lists), as a checkpoint (verified, every tensor, rank 0's state) and as
// `--init-from` / frozen weights (every /networks/<net>/<key> tensor through the checked state
// loading). Every outcome must be a thrown error or success; a trap or a crash is a bug.
import Checkpointing
import Datasets
import Foundation
import HDF5Kit

/// The temporary file each input is written to (one per process).
let inputPath = NSTemporaryDirectory() + "i2i-reader-fuzz-\(getpid()).h5"

/// Opens `bytes` as every kind of file i2i reads; returns one outcome line per reader.
func readAsEveryFormat(_ bytes: UnsafeRawBufferPointer) -> [String] {
    guard FileManager.default.createFile(atPath: inputPath, contents: Data(bytes)) else { return ["cannot write \(inputPath)"] }
    defer { try? FileManager.default.removeItem(atPath: inputPath) }
    return [
        outcome("dataset") { try readDataset(inputPath) },
        outcome("checkpoint") { try readCheckpoint(inputPath) },
        outcome("weights") { try readWeights(inputPath) },
    ]
}

private func outcome(_ reader: String, _ body: () throws -> String) -> String {
    do { return "\(reader): ok (\(try body()))" } catch { return "\(reader): error: \(error)" }
}

/// What `inspect --verify`, `train` and `translate` read from a dataset, bounded to two images
/// per split.
private func readDataset(_ path: String) throws -> String {
    let data = try DatasetFile(path: path)
    defer { data.close() }
    for split in data.info.splits {
        let names = try data.names(split.name)
        for index in Set([0, split.count - 1]) where index >= 0 {
            _ = try data.image(split.name, index)
            if split.contents.labels { _ = try data.labels(split.name, index) }
            if split.contents.truth { _ = try data.truth(split.name, index) }
            _ = names[index]
        }
        _ = try data.exemplars(split.name)
    }
    return "\(data.info.splits.count) splits"
}

/// What `inspect` and `--resume` read from a checkpoint.
private func readCheckpoint(_ path: String) throws -> String {
    let reader = try CheckpointReader(path: path)
    let tensors = try reader.tensors()
    _ = try reader.rankState(0)
    for name in ["G", "D"] { _ = try? reader.optimizerLayout(name) }
    return "\(tensors.count) tensors"
}

/// What `--init-from` and frozen-weight loading read: each stored state tensor, through the
/// checked `StateSource` of an HDF5 group (its shape first, then exactly that many values).
private func readWeights(_ path: String) throws -> String {
    let file = try HDF5File.open(path, mode: .readOnly, fileLocking: false)
    defer { try? file.close() }
    guard file.root.contains("networks") else { return "no networks" }
    let networks = try file.root.openGroup("networks")
    var total = 0
    for name in try networks.childNames where (try? networks.kind(of: name)) == .group {
        let group = try networks.openGroup(name)
        for key in try group.stateKeys() where (try? group.kind(of: key)) == .dataset {
            let shape = try group.stateShape(of: key)
            var values = [Float](repeating: 0, count: HDF5Dataset.product(shape) ?? 0)
            try values.withUnsafeMutableBufferPointer { try group.readState(key, into: $0) }
            total += values.count
        }
    }
    return "\(total) values"
}

/// libFuzzer's entry point: one input, never a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    _ = readAsEveryFormat(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

#if FUZZING
    /// libFuzzer's driver (in the toolchain's libclang_rt.fuzzer, linked by -sanitize=fuzzer).
    @_silgen_name("LLVMFuzzerRunDriver")
    func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt
#endif

/// The program: libFuzzer's driver in a fuzzing build, else the replayer of the files named on
/// the command line (one line per reader).
///
/// SwiftPM links executables with `main` aliased to this entry point, so the fuzzing build
/// starts libFuzzer from here rather than through libFuzzer's own `main`.
@main
enum ReaderFuzzer {
    static func main() {
        #if FUZZING
            var argc = CommandLine.argc
            var argv = CommandLine.unsafeArgv
            exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
        #else
            for path in CommandLine.arguments.dropFirst() {
                guard let contents = FileManager.default.contents(atPath: path) else {
                    print("\(path): cannot read")
                    continue
                }
                let lines = contents.withUnsafeBytes { readAsEveryFormat($0) }
                for line in lines { print("\(path): \(line)") }
            }
        #endif
    }
}
