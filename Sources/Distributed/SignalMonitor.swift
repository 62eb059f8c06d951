// SIGINT, SIGTERM and SIGUSR1 as a request to stop cleanly: the handler only records the
// signal (async-signal-safe: a write to a pipe), and the trainer polls at step boundaries,
// agrees with the other ranks through `anyRank`, writes a checkpoint and exits. A second
// signal gets the default action, so an impatient user can still end the process at once.
//
// SIGUSR1 is included because `mpirun` forwards it to every rank (it does not forward SIGINT
// or SIGTERM: it kills the ranks instead), and Slurm can send it ahead of a time limit.
import Foundation

/// The write end of the signal pipe; -1 before installation.
///
/// Read by the handler only.
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

/// The handler: records the signal number in the pipe, then restores the default action of
/// every monitored signal.
///
/// Only async-signal-safe calls (write, signal).
private let recordSignal: @convention(c) (Int32) -> Void = { number in
    var byte = UInt8(truncatingIfNeeded: number)
    _ = write(signalPipeWriteEnd, &byte, 1)
    _ = signal(SIGINT, SIG_DFL)
    _ = signal(SIGTERM, SIG_DFL)
    _ = signal(SIGUSR1, SIG_DFL)
}

/// Turns SIGINT, SIGTERM and SIGUSR1 into a flag polled at step boundaries.
///
/// ```swift
/// let signals = SignalMonitor.install()
/// for step in … {
///     if comm.anyRank(signals.stopRequested) { saveCheckpoint(); break }
///     …
/// }
/// ```
public final class SignalMonitor {
    /// The process-wide monitor, once installed.
    nonisolated(unsafe) private static var installed: SignalMonitor?

    private let readEnd: Int32
    /// The first signal received, if any (for example `SIGTERM`).
    public private(set) var receivedSignal: Int32?

    private init(readEnd: Int32) {
        self.readEnd = readEnd
    }

    /// Installs the handlers (once per process; later calls return the same monitor).
    ///
    /// Install after MPI is initialised, so that MPI's own set-up cannot replace them.
    public static func install() -> SignalMonitor {
        if let monitor = installed { return monitor }
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { fatalError("SignalMonitor: pipe() failed: \(String(cString: strerror(errno)))") }
        for fd in ends {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        signalPipeWriteEnd = ends[1]
        let monitor = SignalMonitor(readEnd: ends[0])
        installed = monitor
        for number in [SIGINT, SIGTERM, SIGUSR1] {
            var action = sigaction()
            #if canImport(Glibc)
                action.__sigaction_handler.sa_handler = recordSignal
            #else
                action.__sigaction_u.__sa_handler = recordSignal
            #endif
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(number, &action, nil)
        }
        return monitor
    }

    /// Whether a monitored signal has arrived (this process only; combine across ranks with
    /// ``Communicator/anyRank(_:)``).
    ///
    /// Cheap: one non-blocking read.
    public var stopRequested: Bool {
        var bytes = [UInt8](repeating: 0, count: 16)
        let n = read(readEnd, &bytes, bytes.count)
        if n > 0, receivedSignal == nil { receivedSignal = Int32(bytes[0]) }
        return receivedSignal != nil
    }

    /// The name of the received signal ("SIGTERM"), if any.
    public var signalName: String? {
        guard let number = receivedSignal else { return nil }
        switch number {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        case SIGUSR1: return "SIGUSR1"
        default: return "signal \(number)"
        }
    }
}
