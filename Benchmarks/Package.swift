// swift-tools-version:6.1
import Foundation
import PackageDescription

/// A path dependency's identity is its folder's name, which depends on the clone.
let engine = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

// Performance of TailGrid's kernels, measured with ordo-one/benchmark:
//   cd Benchmarks && swift package benchmark
let package = Package(
    name: "TailGridBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "EngineBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "TailGridEngine", package: engine),
                .product(name: "TailGridMarket", package: engine),
                .product(name: "TailGridNumerics", package: engine),
                .product(name: "TailGridJob", package: engine),
                .product(name: "TailGridReport", package: engine),
                .product(name: "TailGridSynth", package: engine),
            ],
            path: "Benchmarks/EngineBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
