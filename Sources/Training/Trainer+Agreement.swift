// Decisions every rank takes together: bad input seen on some ranks only becomes one error on
// all of them, and a stop signal is reported with the ranks that received it.
import Checkpointing
import Configuration
import Datasets
import Distributed
import Foundation

extension Trainer {
    /// Runs `body` on every rank and agrees on bad input: when it throws a ``ConfigError`` or
    /// `DatasetError` on some ranks only (a config or file that differs between nodes), every
    /// rank throws a ``ConfigError`` naming the first failing rank, so that the job ends with
    /// one line from rank 0 and exit status 2 instead of a silent exit on the failing rank.
    static func agreeing<T>(on comm: Communicator, _ body: () throws -> T) throws -> T {
        var value: T?
        var failure: Error?
        var message = ""
        do { value = try body() } catch let error as ConfigError {
            failure = error
            message = error.description
        } catch let error as DatasetError {
            failure = error
            message = "\(error)"
        }
        if comm.size > 1 {
            let messages = comm.allGather(Array(message.utf8)).map { String(decoding: $0, as: UTF8.self) }
            if let first = messages.firstIndex(where: { !$0.isEmpty }), messages.contains(where: { $0 != messages[first] }) {
                throw ConfigError("rank \(first): \(messages[first])")
            }
        }
        if let failure { throw failure }
        return value!
    }
}

extension Trainer {
    /// The signal every rank reports as the reason to stop: the highest signal number any
    /// rank received (a collective: every rank calls it).
    static func agreedSignal(_ signals: SignalMonitor, communicator comm: Communicator) -> Int32 {
        let highest = comm.allReduce([Int(signals.receivedSignal ?? 0)], .max)[0]
        return highest > 0 ? Int32(highest) : SIGTERM
    }

    /// "SIGTERM on rank 1", "SIGUSR1 on ranks 0, 1": which ranks received which stop signal
    /// (one small all-reduce, on every rank).
    static func whoGotSignals(_ signals: SignalMonitor, communicator comm: Communicator) -> String {
        var numbers = [Int](repeating: 0, count: comm.size)
        numbers[comm.rank] = Int(signals.receivedSignal ?? 0)
        numbers = comm.allReduce(numbers, .max)
        var byName: [(name: String, ranks: [Int])] = []
        for (rank, number) in numbers.enumerated() where number != 0 {
            let name = [SIGINT: "SIGINT", SIGTERM: "SIGTERM", SIGUSR1: "SIGUSR1"][Int32(number)] ?? "signal \(number)"
            if let i = byName.firstIndex(where: { $0.name == name }) { byName[i].ranks.append(rank) } else { byName.append((name, [rank])) }
        }
        if comm.size == 1 { return byName.first?.name ?? "a signal" }
        return byName.map { "\($0.name) on rank\($0.ranks.count == 1 ? "" : "s") " + $0.ranks.map(String.init).joined(separator: ", ") }
            .joined(separator: " and ")
    }
}
