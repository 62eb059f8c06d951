// Timing training steps the way the trainer runs them (the model's step with the overlapping
// gradient all-reduce and the collective skip decisions), on synthetic in-memory images with a
// fixed per-rank batch: the measurement behind `i2i bench scaling` (weak scaling).
import Distributed
import Foundation
import Models
import NN
import TensorCore
import Training

/// What one job measured.
public struct StepTimings: Codable, Sendable {
    /// Ranks of the job.
    public var ranks: Int
    /// Images per rank per step.
    public var batchPerRank: Int
    /// Compute threads per rank.
    public var threads: Int
    /// Image side in pixels.
    public var size: Int
    /// Seconds of each timed step, the slowest rank's, in order.
    public var seconds: [Double]
    /// Seconds of each timed step that rank 0 spent waiting on communication.
    public var communicationSeconds: [Double]
    /// Process CPU seconds of each timed step, the largest over ranks: on a machine shared
    /// with other work, wall time suffers from the sharing and CPU time much less.
    public var cpuSeconds: [Double]

    /// Median seconds per step.
    public var secondsPerStep: Double { median(seconds) }
    /// Images per second over the whole job at the median step time.
    public var imagesPerSecond: Double { Double(ranks * batchPerRank) / secondsPerStep }
    /// Median seconds per step spent waiting on communication (rank 0).
    public var communicationPerStep: Double { median(communicationSeconds) }
    /// Median process CPU seconds per step (the busiest rank).
    public var cpuPerStep: Double { median(cpuSeconds) }
}

/// CPU time of this process, in seconds.
func processCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// The median of `values` (the mean of the middle two for an even count).
public func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    guard !s.isEmpty else { return .nan }
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// Weak-scaling measurements of the trainer's step.
public enum ScalingBenchmark {
    /// Runs `warmup + steps` training steps of `config`'s model on every rank of `communicator`,
    /// each rank on its own `batchPerRank` synthetic images of the config's crop size, and
    /// returns the timed steps (every rank returns the same figures).
    public static func timeSteps(
        config: ExperimentConfig, communicator comm: Communicator, batchPerRank: Int,
        warmup: Int, steps: Int
    ) throws -> StepTimings {
        comm.timeoutSeconds = config.distributed.timeoutSeconds
        let size = config.data.cropSize
        let model = try config.makeModel(rank: comm.rank)
        var stream = RandomStream(seed: config.seed, rank: comm.rank, purpose: "bench.scaling.images")
        let batch = SyntheticBatch.make(config.registration.batchKind, count: batchPerRank, size: size, using: &stream)
        let context = DistributedStepContext(
            communicator: comm, bucketBytes: config.distributed.bucketBytes, shardOptimizer: config.distributed.shardOptimizer,
            poolCacheBytes: config.compute.poolCacheBytes)
        var seconds: [Double] = [], communication: [Double] = [], cpu: [Double] = []
        for step in 0..<(warmup + steps) {
            comm.step = step + 1
            comm.phase = "bench step"
            comm.barrier()
            let start = DispatchTime.now().uptimeNanoseconds, cpuStart = processCPUSeconds()
            context.beginStep()
            _ = model.trainStep(batch, epoch: 0, context: context)
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
            if step >= warmup {
                seconds.append(elapsed)
                cpu.append(processCPUSeconds() - cpuStart)
                communication.append(context.communicationSeconds)
            }
        }
        comm.phase = "bench results"
        seconds = comm.allReduce(seconds, .max)
        cpu = comm.allReduce(cpu, .max)
        return StepTimings(
            ranks: comm.size, batchPerRank: batchPerRank, threads: Parallel.threadCount, size: size,
            seconds: seconds, communicationSeconds: communication, cpuSeconds: cpu)
    }
}
