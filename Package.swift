// swift-tools-version:6.0
import PackageDescription

/// The numeric kernels (TailGridNumerics, TailGridMarket, TailGridEngine) are built for a
/// chosen CPU: on x86-64 `haswell` (AVX2, 2013 and later) unless TAILGRID_TARGET_CPU names
/// another (`generic` for any x86-64). Their loops vectorise four doubles wide on AVX2 and
/// two on the baseline; the results have the same bits either way (Swift never fuses
/// a * b + c), so workers built differently agree. `-fno-math-errno` lets sqrt vectorise
/// (errno is never read). The command-line front stays generic and refuses to run the
/// kernels on a CPU that lacks what they were built for (`CPUSupport`).
#if arch(x86_64)
let kernelCPU = Context.environment["TAILGRID_TARGET_CPU"] ?? "haswell"
#else
let kernelCPU = Context.environment["TAILGRID_TARGET_CPU"] ?? "generic"
#endif
let kernelSettings: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-fno-math-errno"] + (kernelCPU == "generic" ? [] : ["-target-cpu", kernelCPU]))]
/// Tells the command-line front which CPU features to check for before it runs them.
let frontSettings: [SwiftSetting] = kernelCPU == "haswell" ? [.define("TAILGRID_KERNELS_HASWELL")] : []

let package = Package(
    name: "TailGrid",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tailgrid", targets: ["tailgrid"]),
        .library(name: "TailGridNumerics", targets: ["TailGridNumerics"]),
        .library(name: "TailGridMarket", targets: ["TailGridMarket"]),
        .library(name: "TailGridCalibration", targets: ["TailGridCalibration"]),
        .library(name: "TailGridEngine", targets: ["TailGridEngine"]),
        .library(name: "TailGridJob", targets: ["TailGridJob"]),
        .library(name: "TailGridReport", targets: ["TailGridReport"]),
        .library(name: "TailGridSynth", targets: ["TailGridSynth"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.0.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.28.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.0.0"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.0.0"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.0.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.4.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.29.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.10.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.0.0"),
    ],
    targets: [
        // OpenBLAS (cblas.h) and LAPACKE (lapacke.h). Only TailGridNumerics imports it.
        .systemLibrary(
            name: "CLapack",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev", "pkg-config"])]
        ),
        // glibc's malloc.h: the engine hands freed memory back before a run's tails fill.
        .systemLibrary(name: "CMalloc"),
        // A cache prefetch hint (`__builtin_prefetch`): a loss row's state before it is read.
        .systemLibrary(name: "CPrefetch"),
        // Pure numerics: random numbers, linear algebra, tail statistics. No I/O.
        .target(name: "TailGridNumerics", dependencies: ["CLapack"], swiftSettings: kernelSettings),
        // Instruments, market data, pricing, accounts.
        .target(name: "TailGridMarket", dependencies: ["TailGridNumerics"], swiftSettings: kernelSettings),
        // Price histories: return windows, EWMA / sample calibration, filtered historical blocks.
        .target(name: "TailGridCalibration"),
        // report.html: a self-contained page of SVG charts from the result documents.
        .target(name: "TailGridReport", dependencies: ["TailGridJob", "TailGridEngine", "TailGridBacktest", .product(name: "Mustache", package: "swift-mustache")]),
        // Backtests: the job re-dated to each day of history, its margin against the
        // realised loss, and the statistics (coverage tests, the Basel traffic light, ES).
        .target(name: "TailGridBacktest", dependencies: ["TailGridJob", "TailGridEngine", "TailGridCalibration"]),
        // Synthetic Deribit-like books of any size (tailgrid synth), deterministic by seed.
        .target(name: "TailGridSynth", dependencies: ["TailGridNumerics"]),
        // Scenarios, revaluation, chunk summaries, merge, margin.
        .target(name: "TailGridEngine", dependencies: ["TailGridNumerics", "TailGridMarket", "TailGridCalibration", "CMalloc", "CPrefetch"],
                swiftSettings: kernelSettings),
        // YAML job files and result files.
        .target(
            name: "TailGridJob",
            dependencies: [
                "TailGridEngine", "TailGridMarket", "TailGridNumerics", "TailGridCalibration",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The generated protobuf and gRPC code of Protos/ (scripts/generate-protos.sh).
        .target(
            name: "TailGridProtocol",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // The coordinator's durable journal: jobs, chunk summaries and results in SQLite.
        .target(
            name: "TailGridJournal",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Coordinator, workers and clients over gRPC.
        .target(
            name: "TailGridCluster",
            dependencies: [
                "TailGridProtocol", "TailGridJob", "TailGridEngine", "TailGridNumerics", "TailGridJournal",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The command-line front.
        .executableTarget(
            name: "tailgrid",
            dependencies: [
                "TailGridJob", "TailGridEngine", "TailGridCluster", "TailGridJournal", "TailGridReport", "TailGridSynth", "TailGridBacktest",
                "TailGridCalibration",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: frontSettings
        ),
        .testTarget(name: "TailGridNumericsTests", dependencies: ["TailGridNumerics"]),
        .testTarget(name: "TailGridMarketTests", dependencies: ["TailGridMarket", "TailGridNumerics"]),
        .testTarget(name: "TailGridCalibrationTests", dependencies: ["TailGridCalibration", "TailGridTestSupport"]),
        .testTarget(name: "TailGridBacktestTests", dependencies: ["TailGridBacktest", "TailGridJob", "TailGridCalibration", "TailGridTestSupport"]),
        .testTarget(name: "TailGridSynthTests", dependencies: ["TailGridSynth", "TailGridJob", "TailGridTestSupport"]),
        .testTarget(name: "TailGridEngineTests", dependencies: ["TailGridEngine", "TailGridMarket", "TailGridNumerics", "TailGridCalibration", "TailGridTestSupport"]),
        .testTarget(name: "TailGridJournalTests", dependencies: ["TailGridJournal", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "TailGridJobTests", dependencies: ["TailGridJob", "TailGridEngine", "TailGridMarket", "TailGridCalibration", "TailGridNumerics", "TailGridTestSupport"]),
        // Helpers shared by the tests that run the built executable.
        .target(name: "TailGridTestSupport", path: "Tests/TailGridTestSupport"),
        .testTarget(name: "TailGridCLITests", dependencies: ["tailgrid", "TailGridJob", "TailGridReport", "TailGridBacktest", "TailGridTestSupport"]),
        .testTarget(
            name: "TailGridClusterTests",
            dependencies: [
                "TailGridCluster", "TailGridProtocol", "TailGridJob", "TailGridEngine", "TailGridNumerics", "TailGridJournal", "tailgrid", "TailGridTestSupport",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
