// swift-tools-version: 6.1
// Benchmarks of Anode's real-time processor, in a package of their own so that the root build and
// `swift test` stay fast. Run from this folder: `swift package benchmark` (release build).
import PackageDescription

let package = Package(
    name: "AnodeBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Anode", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "ProcessorBenchmarks",
            dependencies: [
                .product(name: "Anode", package: "Anode"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/ProcessorBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Ten minutes of audio through the tube amplifier with random knob automation:
        // `swift run -c release Soak` (not part of any test run). Not in a folder whose parent is
        // named Benchmarks: the benchmark plugin runs every executable there as a benchmark.
        .executableTarget(
            name: "Soak",
            dependencies: [.product(name: "Anode", package: "Anode")],
            path: "Tools/Soak"
        ),
    ]
)
