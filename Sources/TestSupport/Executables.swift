// Finding the programs the end-to-end tests run: executables built beside the test bundle
// (`i2i`, the distributed harness) and `mpirun` on PATH.
import Foundation

/// Locates the programs that end-to-end tests start as child processes.
public enum Executables {
    /// The executable `name` built into the same folder as the running test bundle, if any.
    public static func built(_ name: String) -> String? {
        var dirs = [URL]()
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            dirs.append(URL(fileURLWithPath: exe).deletingLastPathComponent())
        }
        for bundle in Bundle.allBundles { dirs.append(bundle.bundleURL.deletingLastPathComponent()) }
        dirs.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        for dir in dirs {
            let candidate = dir.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The first `mpirun` on PATH, if any.
    public static let mpirun: String? = {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(dir)/mpirun"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }()
}
