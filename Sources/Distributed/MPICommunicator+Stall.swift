// Stall diagnosis over a side band. A collective that cannot complete says nothing about who
// is missing, so a rank that has waited half its deadline sends every other rank a notice
// naming the collective it waits in (its sequence number and label). A rank that times out
// reads the notices it got and names the ranks that never reached the collective, or that wait
// in a different one (ranks that disagree on the order of collectives). Only the lowest rank
// among those waiting reports and aborts; the others give it a grace period first, so a job of
// many ranks prints one error line rather than one per rank.
import CMPI
import Foundation

extension MPICommunicator {
    /// Sends every other rank a notice: this rank waits in `request`.
    func announceWaiting(in request: CollectiveRequest) {
        var text = Array("\(request.sequence)\t\(request.label)".utf8.prefix(Int(I2I_MPI_NOTICE_BYTES)))
        for other in 0..<size where other != rank {
            // A notice that cannot be sent only makes the diagnosis vaguer; not worth aborting.
            _ = i2i_mpi_notice_send(Int32(other), &text, Int32(text.count))
        }
    }

    /// What the other ranks reported about `request` (notices collected for a fraction of a
    /// second).
    func diagnoseStall(of request: CollectiveRequest) -> StallDiagnosis {
        var latest = [Int: (sequence: Int, label: String)]()
        var buffer = [UInt8](repeating: 0, count: Int(I2I_MPI_NOTICE_BYTES))
        let start = MonotonicClock.seconds()
        while MonotonicClock.seconds() - start < 0.2 {
            var source: Int32 = 0, count: Int32 = -1
            guard i2i_mpi_notice_receive(&buffer, &source, &count) == 0 else { break }
            if count < 0 { usleep(10_000); continue }
            let parts = String(decoding: buffer[0..<Int(count)], as: UTF8.self).split(separator: "\t", maxSplits: 1)
            guard parts.count == 2, let sequence = Int(parts[0]) else { continue }
            if sequence >= latest[Int(source)]?.sequence ?? -1 {
                latest[Int(source)] = (sequence, String(parts[1]))
            }
        }
        var missing = [Int](), elsewhere = [String](), lowerRankWaiting = false
        for other in 0..<size where other != rank {
            guard let note = latest[other], note.sequence >= request.sequence else {
                missing.append(other)
                continue
            }
            if note.sequence != request.sequence || note.label != request.label {
                elsewhere.append("rank \(other) waits in collective #\(note.sequence) (\(note.label)) instead")
            } else if other < rank {
                lowerRankWaiting = true
            }
        }
        var clauses = [String]()
        if !missing.isEmpty {
            // Where the missing ranks run: on a cluster, the host to look at (down, unreachable).
            let hosts = Array(Set(missing.map { hostNames[$0] })).sorted()
            let place = (hosts.count == 1 ? "on host " : "on hosts ") + hosts.joined(separator: ", ")
            clauses.append(
                missing.count == 1
                    ? "rank \(missing[0]) has not reached it (\(place): stalled, busy, unreachable or gone)"
                    : "ranks \(missing.map(String.init).joined(separator: ", ")) have not reached it "
                        + "(\(place): stalled, busy, unreachable or gone)")
        }
        clauses += elsewhere
        if clauses.isEmpty && size > 1 { clauses.append("all other ranks are waiting in it too") }
        return StallDiagnosis(clause: clauses.map { "; " + $0 }.joined(), lowerRankWaiting: lowerRankWaiting)
    }
}

/// The other ranks' state when a collective timed out.
struct StallDiagnosis {
    /// Text appended to the time-out message ("; rank 1 has not reached it (on host node2: …)").
    var clause: String
    /// Whether a lower rank waits in the same collective (and will report and abort).
    var lowerRankWaiting: Bool
}
