// A temporary working folder in which the CLI tests run the real `i2i` executable (built next to
// the test bundle), alone or under the real `mpirun`, through TestSupport's process runner. A
// missing `i2i` or `mpirun` fails the test (Prerequisites.swift in TestSupport).
import Foundation
import TestSupport

/// A temporary working folder with helpers to run `i2i` in it.
final class CLIWorkspace {
    let folder: String

    init(_ name: String) throws {
        folder = NSTemporaryDirectory() + "i2i-cli-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: folder) }

    /// The repository's configs folder.
    static let configs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("configs").path

    /// Writes `text` to a file in the workspace and returns its path.
    func write(_ name: String, _ text: String) throws -> String {
        let path = folder + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Runs `i2i arguments…` in the workspace as one process without any MPI environment.
    func i2i(_ arguments: [String], limit: Double = 300) throws -> ProcessResult {
        try Command(try Executables.requireBuilt("i2i"), arguments, directory: folder).run(limit: limit)
    }

    /// Runs `i2i arguments…` in the workspace on `ranks` MPI ranks with one compute thread each.
    func mpi(ranks: Int, _ arguments: [String], limit: Double = 300) throws -> ProcessResult {
        try MPIRun.command(
            ranks: ranks, try Executables.requireBuilt("i2i"), arguments, setting: ["I2I_THREADS": "1"],
            directory: folder
        ).run(limit: limit)
    }
}
