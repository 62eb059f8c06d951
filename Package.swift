// swift-tools-version:6.0
// i2i: image-to-image translation GANs trained in Swift on CPUs, data-parallel over MPI.
//
// Modules are layered by dependency (each arrow is "is imported by"):
//   CBLAS, CKernels → TensorCore → NN → Models → Training → Benchmarks → i2i
//   Configuration (settings declared once, YAML) → Models
//   CHDF5 → HDF5Kit → (Checkpointing, Datasets);  NN → Checkpointing → Training
//   CMPI → Distributed → Training
//   CImageCodecs, Crypto (apple/swift-crypto, for SHA-256) → Datasets → Training
//   Terminal → (Datasets, Training)
//   FileSafety (the write-protection policy of every output, the run-folder lock) → (Datasets, Training, i2i)
// C-prefixed targets are implementation details, not API.
import PackageDescription

let optimized: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release)),
    .swiftLanguageMode(.v5),
]
let plain: [SwiftSetting] = [.swiftLanguageMode(.v5)]

let package = Package(
    name: "i2i",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "i2i", targets: ["i2i"]),
        .library(name: "TensorCore", targets: ["TensorCore"]),
        .library(name: "NN", targets: ["NN"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
    ],
    targets: [
        // MARK: - C libraries (implementation details)
        .target(
            name: "CBLAS",
            linkerSettings: [.linkedLibrary("dl")]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        // MPI: COpenMPI carries <mpi.h> and the link flags (pkg-config `ompi-c`); CMPI is the thin
        // C wrapper over it, the only MPI surface Swift sees.
        .systemLibrary(
            name: "COpenMPI", path: "Sources/CMPI/OpenMPI", pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev"]), .brew(["open-mpi"])]),
        .target(name: "CMPI", dependencies: ["COpenMPI"], exclude: ["OpenMPI"]),
        .target(
            name: "CKernels",
            cSettings: [.unsafeFlags(["-O3"], .when(configuration: .release))]),
        .target(
            name: "CImageCodecs",
            linkerSettings: [.linkedLibrary("jpeg"), .linkedLibrary("png16")]),

        // MARK: - Core
        // Terminal: what long jobs show on standard error (the progress bar); Foundation only.
        .target(name: "Terminal", swiftSettings: plain),
        // FileSafety: the one write-protection policy of every command that writes, atomic
        // replacement, and the run-folder lock; Foundation only.
        .target(name: "FileSafety", swiftSettings: plain),
        .target(name: "TensorCore", dependencies: ["CBLAS", "CKernels"], swiftSettings: optimized),
        .target(name: "HDF5Kit", dependencies: ["CHDF5"], swiftSettings: plain),

        // MARK: - Neural networks, data, distribution
        .target(name: "NN", dependencies: ["TensorCore"], swiftSettings: optimized),
        .target(name: "Checkpointing", dependencies: ["NN", "HDF5Kit"], swiftSettings: optimized),
        .target(name: "Configuration", dependencies: [.product(name: "Yams", package: "Yams")], swiftSettings: plain),
        .target(
            name: "Datasets",
            dependencies: [
                "TensorCore", "HDF5Kit", "CImageCodecs", "Terminal", "FileSafety", .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: optimized),
        .target(name: "Distributed", dependencies: ["TensorCore", "CMPI"], swiftSettings: optimized),

        // MARK: - Models and training
        .target(name: "Models", dependencies: ["NN", "Configuration"], swiftSettings: optimized),
        .target(
            name: "Training",
            dependencies: ["Models", "Configuration", "Checkpointing", "Datasets", "Distributed", "Terminal", "FileSafety"],
            swiftSettings: optimized),

        // MARK: - Benchmarks
        .target(
            name: "Benchmarks", dependencies: ["Training", "Models", "Configuration", "Datasets", "Distributed"], swiftSettings: optimized),

        // MARK: - Command-line tool
        .executableTarget(
            name: "i2i",
            dependencies: [
                "Training", "Checkpointing", "Configuration", "Models", "Datasets", "Benchmarks", "FileSafety", "Terminal",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: optimized),

        // MARK: - Tests
        .target(name: "TestSupport", dependencies: ["TensorCore", "HDF5Kit"], swiftSettings: plain),
        .testTarget(
            name: "TensorCoreTests", dependencies: ["TensorCore", "TestSupport"],
            resources: [.copy("Fixtures")], swiftSettings: plain),
        .testTarget(name: "ConfigurationTests", dependencies: ["Configuration"], swiftSettings: plain),
        .testTarget(name: "HDF5KitTests", dependencies: ["HDF5Kit", "TestSupport"], swiftSettings: plain),
        .testTarget(name: "TerminalTests", dependencies: ["Terminal"], swiftSettings: plain),
        .testTarget(name: "FileSafetyTests", dependencies: ["FileSafety"], swiftSettings: plain),
        .testTarget(
            name: "NNTests", dependencies: ["NN", "Checkpointing", "HDF5Kit", "TestSupport"], exclude: ["Fixtures"], swiftSettings: plain),
        .testTarget(
            name: "DatasetsTests",
            dependencies: ["Datasets", "HDF5Kit", "TestSupport", .product(name: "Crypto", package: "swift-crypto")],
            resources: [.copy("Fixtures")], swiftSettings: plain),
        .testTarget(
            name: "DistributedTests", dependencies: ["Distributed", "Benchmarks", "TensorCore", "TestSupport"], swiftSettings: plain),
        // Launched by DistributedTests under `mpirun` (one process per rank); not part of the product.
        .executableTarget(
            name: "DistributedHarness", dependencies: ["Distributed", "TensorCore"], path: "Tests/DistributedHarness",
            swiftSettings: plain),
        // The libFuzzer target of the HDF5 file readers (launch/fuzz builds it with
        // -sanitize=fuzzer); a plain build is a replayer of its inputs. Not part of the product.
        .executableTarget(
            name: "ReaderFuzzer", dependencies: ["Datasets", "Checkpointing", "HDF5Kit"], path: "Tests/ReaderFuzzer",
            exclude: ["LibHDF5"],
            swiftSettings: plain),
        .testTarget(
            name: "ModelsTests", dependencies: ["Models", "Configuration", "Checkpointing", "HDF5Kit", "TestSupport"],
            exclude: ["Fixtures"], swiftSettings: plain),
        .testTarget(name: "CLITests", dependencies: ["HDF5Kit", "TestSupport"], swiftSettings: plain),
        .testTarget(
            name: "TrainingTests",
            dependencies: [
                "Training", "Checkpointing", "Configuration", "Models", "Datasets", "Distributed", "HDF5Kit", "NN", "TestSupport",
            ], swiftSettings: plain),
        // Unit tests of what lives in the executable itself (imported like a library).
        .testTarget(name: "i2iTests", dependencies: ["i2i", "Datasets"], swiftSettings: plain),
        .testTarget(name: "TestSupportTests", dependencies: ["TestSupport"], swiftSettings: plain),
    ]
)
