// What the end-to-end tests need from the machine, and where it is: the executables built
// beside the test bundle (`i2i`, `DistributedHarness`), Open MPI's `mpirun`, and `python3` with
// the modules of the cross-check scripts (h5py, numpy). Each `require…` returns the path or
// throws ``MissingPrerequisite``, which XCTest records as a failure of the calling test with its
// message: a missing prerequisite is a broken test setup, never a reason to skip. `launch/test`
// builds the executables and installs mpirun, h5py and numpy when they are missing.
import Foundation

/// A program or module a test needs is not there; the message says what and how to get it.
public struct MissingPrerequisite: Error, CustomStringConvertible {
    /// What is missing and how to install or build it.
    public let description: String

    /// A missing prerequisite described by `description`.
    public init(_ description: String) { self.description = description }
}

/// Locates the programs that end-to-end tests start as child processes.
public enum Executables {
    /// The folders searched for executables built with the tests: the test runner's own folder
    /// and the folders of the loaded bundles (SwiftPM puts every product of a build in one).
    public static var buildFolders: [String] {
        var dirs = [URL]()
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            dirs.append(URL(fileURLWithPath: exe).deletingLastPathComponent())
        }
        for bundle in Bundle.allBundles { dirs.append(bundle.bundleURL.deletingLastPathComponent()) }
        dirs.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        var seen = Set<String>()
        return dirs.map(\.path).filter { seen.insert($0).inserted }
    }

    /// The executable `name` built into the same folder as the running test bundle, if any.
    public static func built(_ name: String) -> String? {
        for dir in buildFolders {
            let candidate = dir + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The first executable `name` on PATH, if any.
    public static func onPath(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The first `mpirun` on PATH, if any.
    public static let mpirun: String? = onPath("mpirun")

    /// The executable `name` built beside the tests; throws ``MissingPrerequisite`` when absent.
    public static func requireBuilt(_ name: String) throws -> String {
        guard let path = built(name) else {
            throw MissingPrerequisite(
                "the executable '\(name)' was not found beside the tests (looked in "
                    + buildFolders.joined(separator: ", ") + "); build it with the tests: "
                    + "`swift build -c release --build-tests` (launch/test does)")
        }
        return path
    }

    /// `mpirun` on PATH; throws ``MissingPrerequisite`` when absent.
    public static func requireMPIRun() throws -> String {
        guard let path = mpirun else {
            throw MissingPrerequisite(
                "mpirun was not found on PATH; install Open MPI "
                    + "(Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev; launch/test installs it)")
        }
        return path
    }
}

/// `python3` for the cross-checks against independent Python implementations.
public enum Python {
    /// `python3` on PATH; throws ``MissingPrerequisite`` when it is absent or cannot import
    /// every module in `modules` (the message carries Python's error).
    @discardableResult
    public static func require(modules: [String]) throws -> String {
        guard let python = Executables.onPath("python3") else {
            throw MissingPrerequisite(
                "python3 was not found on PATH; install Python 3, then "
                    + "`python3 -m pip install \(modules.joined(separator: " "))` (launch/test installs the modules)")
        }
        guard !modules.isEmpty else { return python }
        let check = try Command(python, ["-c", "import " + modules.joined(separator: ", ")]).run(limit: 120)
        guard check.status == 0 else {
            throw MissingPrerequisite(
                "\(python) cannot import \(modules.joined(separator: ", ")): "
                    + check.output.trimmingCharacters(in: .whitespacesAndNewlines)
                    + "; install with `\(python) -m pip install \(modules.joined(separator: " "))` (launch/test does)")
        }
        return python
    }

    /// Runs `script` with `python3 -c` after checking that it can import `modules`; returns
    /// everything it printed, or throws with that output when it exits non-zero or outlives
    /// `limit` seconds.
    @discardableResult
    public static func run(_ script: String, modules: [String], limit: Double = 120) throws -> String {
        let python = try require(modules: modules)
        let result = try Command(python, ["-c", script]).run(limit: limit)
        guard result.status == 0, !result.timedOut else {
            throw ProcessRunnerError("python3 script failed (status \(result.status)):\n\(result.output)")
        }
        return result.output
    }
}
