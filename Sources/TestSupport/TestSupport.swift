// TestSupport: helpers shared by the test targets (not API). Tensor comparison with a
// documented tolerance (TensorComparison.swift), finite-difference gradient checks
// (FiniteDifferences.swift), and the reader of the PyTorch reference fixtures (Fixtures.swift).
