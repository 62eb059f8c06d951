// TestSupport: helpers shared by the test targets (not API). Tensor comparison with a
// documented tolerance (TensorComparison.swift), finite-difference gradient checks
// (FiniteDifferences.swift), the reader of the PyTorch reference fixtures (Fixtures.swift), and
// the end-to-end machinery: the one process runner every test target uses to start child
// processes (ProcessRunner.swift), jobs under the real `mpirun` (MPIRun.swift), the same across
// the test hosts of launch/testnet over TCP (TestNetwork.swift), and finding the programs those
// need, where a missing one fails the test (Prerequisites.swift).
