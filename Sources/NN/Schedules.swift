// Learning-rate schedules of the reference implementations, each as a pure function of the
// position in training, so a resumed run recomputes the same rate:
// - CycleGAN: constant, then linear decay to 0 by epoch (`LambdaLR` with the 2020 formula,
//   stepped at the start of each epoch);
// - MUNIT/UNIT: ×γ every `stepSize` iterations (`StepLR`, stepped every iteration);
// - U-GAT-IT: constant, then minus lr₀/(total/2) per iteration after the half-way point;
// - AGGAN: constant for the first half of the epochs, then linear to 0;
// - CoCosNet (TTUR): constant for `niter` epochs, then minus lr₀/niter_decay per epoch, with
//   the generator at half and the discriminator at twice the base rate (pass those as `base`).

/// A learning rate as a function of the training position.
public enum LearningRateSchedule: Equatable, Sendable {
    /// The official code steps `LambdaLR` at the *start* of every epoch, so the epoch counted
    /// from 0 as `E` trains at lr₀ · (1 − max(0, E + 1 + epochCount − nEpochs) / (nEpochsDecay + 1)):
    /// with 100 + 100 epochs, epochs 1–99 at lr₀, epoch 100 at lr₀·100/101, epoch 200 at 0.
    case cycleGANLinear(nEpochs: Int, nEpochsDecay: Int, epochCount: Int = 1)
    /// lr₀ · γ^⌊iteration / stepSize⌋.
    case step(stepSize: Int, gamma: Double)
    /// `StepLR` stepped at the start of every iteration, before its update (MUNIT's and UNIT's
    /// `train.py` call `update_learning_rate()` first): iteration i (from 0) trains at
    /// lr₀ · γ^⌊(i + 1) / stepSize⌋.
    case stepBeforeEachUpdate(stepSize: Int, gamma: Double)
    /// lr₀ for iteration ≤ total/2, then lr₀ − (iteration − total/2) · lr₀/(total/2), where
    /// `iteration` counts from 1 as in U-GAT-IT's loop.
    case ugatitLinear(totalIterations: Int)
    /// lr₀ for epoch < half, then lr₀ − lr₀ · (epoch − half)/half (AGGAN, epochs from 0).
    case aggan(maxEpochs: Int)
    /// lr₀ − max(0, epoch − niter) · lr₀/niterDecay (CoCosNet, which subtracts once at the end
    /// of every epoch past `niter`; epochs from 0).
    case cocosnet(niter: Int, niterDecay: Int)
    /// lr₀ always.
    case constant

    /// The rate at a position: `epoch` from 0, `iteration` as the schedule defines it.
    public func learningRate(base: Double, epoch: Int, iteration: Int) -> Double {
        switch self {
        case let .cycleGANLinear(nEpochs, nEpochsDecay, epochCount):
            let factor = 1 - Double(Swift.max(0, epoch + 1 + epochCount - nEpochs)) / Double(nEpochsDecay + 1)
            return base * Swift.max(factor, 0)  // 0 past the end of the schedule, never negative
        case let .step(stepSize, gamma):
            var lr = base
            for _ in 0..<(iteration / stepSize) { lr *= gamma }
            return lr
        case let .stepBeforeEachUpdate(stepSize, gamma):
            return LearningRateSchedule.step(stepSize: stepSize, gamma: gamma).learningRate(
                base: base, epoch: epoch, iteration: iteration + 1)
        case let .ugatitLinear(total):
            let half = total / 2
            guard iteration > half else { return base }
            // The reference subtracts lr₀/half once per iteration past the half-way point.
            var lr = base
            let decrement = base / Double(half)
            for _ in half..<iteration { lr -= decrement }
            return lr
        case let .aggan(maxEpochs):
            let half = maxEpochs / 2
            if epoch < half { return base }
            return base - base * Double(epoch - half) / Double(half)
        case let .cocosnet(niter, niterDecay):
            if epoch <= niter { return base }
            var lr = base
            let decrement = base / Double(niterDecay)
            for _ in niter..<epoch { lr -= decrement }
            return Swift.max(lr, 0)
        case .constant:
            return base
        }
    }
}
