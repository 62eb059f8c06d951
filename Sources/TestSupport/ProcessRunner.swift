// The one way the tests run a child process: a `Command` (executable, arguments, environment,
// working folder) is started as a `RunningProcess` (posix_spawn, in a process group of its own),
// whose standard output and error go together to a temporary file (no pipe that can fill up and
// block the child). A test may read the output so far, wait for a condition, send signals, and
// then finish the process, which waits for its exit under a hard time limit: past the limit the
// process and everything it started are stopped (SIGTERM, then SIGKILL after a grace period) and
// the result says so. `mpirun` jobs are Commands too (MPIRun.swift); finding the programs is
// Prerequisites.swift. Linux only (/proc).
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A program to run: executable, arguments, environment and working folder.
public struct Command: Sendable, CustomStringConvertible {
    /// The executable's path.
    public var executable: String
    /// The arguments after the executable.
    public var arguments: [String]
    /// The child's whole environment.
    public var environment: [String: String]
    /// The working folder; nil runs the child in this process's.
    public var directory: String?

    /// A command whose environment is this process's with every MPI launcher variable removed
    /// (``Command/inheritedEnvironment``), then `setting` applied (a nil value removes the variable).
    public init(
        _ executable: String, _ arguments: [String] = [], setting: [String: String?] = [:],
        directory: String? = nil
    ) {
        self.executable = executable
        self.arguments = arguments
        self.directory = directory
        var environment = Command.inheritedEnvironment
        for (key, value) in setting { environment[key] = value }
        self.environment = environment
    }

    /// This process's environment less the variables an MPI launcher gives the processes it
    /// starts (`OMPI_*` other than `OMPI_MCA_*` settings and `OMPI_ALLOW_*`, `PMI*`, `PMIX*`), so
    /// a child started alone never believes it is a rank of a job.
    public static var inheritedEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.filter { key, _ in
            let launcher =
                (key.hasPrefix("OMPI_") && !key.hasPrefix("OMPI_MCA_") && !key.hasPrefix("OMPI_ALLOW_"))
                || key.hasPrefix("PMI")
            return !launcher
        }
    }

    /// The command line as one string, for messages.
    public var description: String { ([executable] + arguments).joined(separator: " ") }

    /// Starts the command; throws when it cannot be started (no such executable, bad folder).
    public func start() throws -> RunningProcess { try RunningProcess(self) }

    /// Starts the command and waits for it to end, stopping it after `limit` seconds.
    public func run(limit: Double) throws -> ProcessResult { try start().finish(limit: limit) }
}

/// How a child process ended, with everything it printed.
public struct ProcessResult: Sendable {
    /// The exit status, or the number of the signal that ended the process (see `signal`).
    public var status: Int32
    /// The signal that ended the process, if a signal did.
    public var signal: Int32?
    /// Standard output and standard error, interleaved as written.
    public var output: String
    /// Seconds from the start to the end of the process.
    public var seconds: Double
    /// Whether the process outlived its time limit and was stopped by the runner.
    public var timedOut: Bool
}

/// A started child process.
///
/// It runs in a process group of its own, so that stopping it at its
/// time limit also stops what it started (and, because the runner waits for the process itself
/// rather than for its output to close, a background grandchild cannot hold the test up).
public final class RunningProcess {
    /// What was started.
    public let command: Command
    /// When it was started.
    public let start: Date
    /// The process id (also the id of its process group).
    public let pid: pid_t
    private let logPath: String
    private var ended: (status: Int32, signal: Int32?)?

    fileprivate init(_ command: Command) throws {
        self.command = command
        logPath = NSTemporaryDirectory() + "i2i-test-process-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).log"
        let log = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard log >= 0 else { throw ProcessRunnerError("cannot create the output file \(logPath): \(String(cString: strerror(errno)))") }
        defer { close(log) }
        start = Date()
        do {
            pid = try Spawn.start(command, output: log)
        } catch {
            unlink(logPath)
            throw error
        }
    }

    deinit {
        if isRunning { stop() }
        _ = reap(blocking: true)
        unlink(logPath)
    }

    /// Whether the process is still running (it has not exited, whatever its children do).
    public var isRunning: Bool { reap(blocking: false) == nil }

    /// Everything the process has printed so far.
    public var output: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Polls `condition` every 20 ms until it holds (true) or `limit` seconds pass or the
    /// process ends without it holding (false).
    public func wait(upTo limit: Double, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(limit)
        while Date() < deadline {
            if condition() { return true }
            if !isRunning { return condition() }
            usleep(20_000)
        }
        return condition()
    }

    /// Sends `signal` to the process (not to its children).
    public func send(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// Waits for the process to end, at most until `limit` seconds after its start; past that,
    /// stops it and everything it started, and marks the result `timedOut` (its output then
    /// ends with a line saying so).
    ///
    /// What the process leaves running in its group is killed.
    public func finish(limit: Double) -> ProcessResult {
        let deadline = start.addingTimeInterval(limit)
        while isRunning && Date() < deadline { usleep(20_000) }
        let timedOut = isRunning
        if timedOut { stop() }
        let end = reap(blocking: true) ?? (status: -1, signal: nil)
        // Whatever the process left running in its group would outlive the test.
        kill(-pid, SIGKILL)
        let seconds = Date().timeIntervalSince(start)
        var text = output
        if timedOut { text += "\n[test] \(command.description): stopped after its limit of \(limit) s" }
        return ProcessResult(status: end.status, signal: end.signal, output: text, seconds: seconds, timedOut: timedOut)
    }

    /// SIGTERM to the process group, then after 5 s SIGKILL to the group and to every process
    /// found below the process (`mpirun` puts its ranks in groups of their own).
    private func stop() {
        let family = ProcessTable.descendants(of: pid)
        kill(-pid, SIGTERM)
        let grace = Date().addingTimeInterval(5)
        while isRunning && Date() < grace { usleep(20_000) }
        kill(-pid, SIGKILL)
        for child in family + ProcessTable.descendants(of: pid) where ProcessTable.isAlive(child) { kill(child, SIGKILL) }
    }

    /// Collects the exit of the process once (waitpid); nil while it runs.
    private func reap(blocking: Bool) -> (status: Int32, signal: Int32?)? {
        if let ended { return ended }
        var status: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(pid, &status, blocking ? 0 : WNOHANG) } while result < 0 && errno == EINTR
        guard result == pid else { return nil }
        // The wait status: the low 7 bits are the signal that ended the process (0: it exited),
        // and bits 8-15 its exit status.
        let signal = status & 0x7f
        ended = signal == 0 ? (status: (status >> 8) & 0xff, signal: nil) : (status: signal, signal: signal)
        return ended
    }
}

/// Starting a process with posix_spawn: its own process group, default signal handling, no
/// input, output and errors to one file, and the command's folder and environment.
private enum Spawn {
    /// glibc's `posix_spawn_file_actions_addchdir_np` (2.29 and later), which Swift's Glibc
    /// module does not declare.
    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, UnsafePointer<CChar>?) -> Int32
    private static let addChdir: AddChdir? = dlopen(nil, RTLD_NOW)
        .flatMap { dlsym($0, "posix_spawn_file_actions_addchdir_np") }
        .map { unsafeBitCast($0, to: AddChdir.self) }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later): the child gets no
    /// descriptor of this process beyond its standard three.
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = dlopen(nil, RTLD_NOW)
        .flatMap { dlsym($0, "posix_spawn_file_actions_addclosefrom_np") }
        .map { unsafeBitCast($0, to: AddCloseFrom.self) }

    static func start(_ command: Command, output: Int32) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)
        _ = addCloseFrom?(&actions, 3)
        if let directory = command.directory {
            guard let addChdir else { throw ProcessRunnerError("this C library cannot start a process in another folder") }
            _ = addChdir(&actions, directory)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([command.executable] + command.arguments).map { strdup($0) } + [nil]
        let envp = command.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid: pid_t = 0
        let error = posix_spawn(&pid, command.executable, &actions, &attributes, argv, envp)
        guard error == 0 else {
            throw ProcessRunnerError("cannot start \(command.description): \(String(cString: strerror(error)))")
        }
        return pid
    }
}

/// A command that could not be started.
public struct ProcessRunnerError: Error, CustomStringConvertible {
    /// What went wrong.
    public let description: String

    init(_ description: String) { self.description = description }
}

/// Reading the Linux process table under /proc: parents, children, environments.
public enum ProcessTable {
    /// The parent of `pid`, if it exists.
    public static func parent(of pid: pid_t) -> pid_t? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // After "pid (name)": state, then the parent's pid.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? pid_t(fields[1]) : nil
    }

    /// The direct children of `pid`.
    public static func children(of pid: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid_t($0) }.filter { parent(of: $0) == pid }
    }

    /// The children of `pid`, their children, and so on.
    public static func descendants(of pid: pid_t) -> [pid_t] {
        var result: [pid_t] = []
        var frontier = [pid]
        while let next = frontier.popLast() {
            let found = children(of: next)
            result += found
            frontier += found
        }
        return result
    }

    /// The environment `pid` was started with (empty when it cannot be read).
    public static func environment(of pid: pid_t) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return [:] }
        var result: [String: String] = [:]
        for entry in data.split(separator: 0) {
            let text = String(decoding: entry, as: UTF8.self)
            guard let equals = text.firstIndex(of: "=") else { continue }
            result[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        return result
    }

    /// Whether `pid` exists and has not yet been reaped or become a zombie.
    public static func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
    }
}
