// The trainer's side of a model's step: back-propagation into one optimiser's parameters with
// the gradient all-reduce overlapping the backward pass, and updates decided together by all
// ranks (a non-finite loss or gradient on any rank makes every rank skip the update).
import Distributed
import Foundation
import Models
import NN
import TensorCore

/// Implements ``StepContext`` over a communicator; one code path for one or many ranks.
final class DistributedStepContext: StepContext {
    private let communicator: Communicator
    private let bucketBytes: Int
    /// Per parameter group: its synchroniser and the segment index of each leaf tensor.
    private var synchronizers: [ObjectIdentifier: (sync: GradientSynchronizer, segments: [ObjectIdentifier: Int])] = [:]
    /// Updates skipped in the current step.
    private(set) var skippedInStep = 0
    /// Seconds spent waiting on communication in the current step.
    private(set) var communicationSeconds = 0.0

    init(communicator: Communicator, bucketBytes: Int) {
        self.communicator = communicator
        self.bucketBytes = bucketBytes
    }

    /// Clears the per-step counters.
    func beginStep() {
        skippedInStep = 0
        communicationSeconds = 0
    }

    private func synchronizer(for group: ParameterGroup) -> (sync: GradientSynchronizer, segments: [ObjectIdentifier: Int]) {
        let key = ObjectIdentifier(group)
        if let existing = synchronizers[key] { return existing }
        let sync = GradientSynchronizer(communicator: communicator, segmentSizes: group.segments.map(\.count),
                                        bucketBytes: bucketBytes, name: "\(group.name) gradients")
        var segments: [ObjectIdentifier: Int] = [:]
        for (i, s) in group.segments.enumerated() { segments[ObjectIdentifier(s.parameter.value)] = i }
        let entry = (sync, segments)
        synchronizers[key] = entry
        return entry
    }

    func backward(_ loss: Tensor, for optimizer: Adam) {
        communicator.phase = "\(optimizer.name) backward"
        optimizer.zeroGradients()
        let entries = optimizer.groups.map { synchronizer(for: $0.group) }
        for (state, entry) in zip(optimizer.groups, entries) { entry.sync.begin(gradients: state.group.gradientBuffer) }
        let leaves = optimizer.groups.flatMap { $0.group.leafTensors }
        loss.backward(accumulatingInto: leaves) { leaf in
            let id = ObjectIdentifier(leaf)
            for entry in entries {
                if let segment = entry.segments[id] { entry.sync.parameterReady(segment); return }
            }
        }
    }

    @discardableResult
    func step(_ optimizer: Adam, loss: Float) -> Bool {
        communicator.phase = "\(optimizer.name) gradient all-reduce"
        let start = DispatchTime.now().uptimeNanoseconds
        for state in optimizer.groups {
            let entry = synchronizer(for: state.group)
            _ = entry.sync.finish()
        }
        let locallyBad = !loss.isFinite || !optimizer.groups.allSatisfy { $0.group.gradientsAreFinite() }
        communicator.phase = "\(optimizer.name) finite check"
        let skip = communicator.anyRank(locallyBad)
        communicationSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        if skip {
            skippedInStep += 1
            return false
        }
        communicator.phase = "\(optimizer.name) update"
        optimizer.step()
        return true
    }
}
