// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Anode",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Anode", targets: ["Anode"]),
        .executable(name: "anode", targets: ["AnodeCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/ordo-one/malloc-interposer", from: "1.6.1"),
    ],
    targets: [
        // LAPACK and BLAS from Debian's liblapack-dev and libblas-dev (reference implementations).
        .systemLibrary(name: "CLAPACK", path: "Sources/CLAPACK"),
        .target(
            name: "Anode",
            dependencies: [
                "CLAPACK",
                .product(name: "Numerics", package: "swift-numerics"),
            ]
        ),
        .executableTarget(
            name: "AnodeCLI",
            dependencies: [
                "Anode",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/anode"
        ),
        // Counts heap allocations inside Processor.process in a process of its own (the interposer
        // sees every thread, so it cannot share a process with tests running in parallel).
        .executableTarget(
            name: "AnodeAllocationCheck",
            dependencies: [
                "Anode",
                .product(name: "MallocInterposerSwift", package: "malloc-interposer"),
            ],
            path: "Tests/AnodeAllocationCheck"
        ),
        .testTarget(
            name: "AnodeTests",
            dependencies: ["Anode"],
            exclude: ["Fixtures", "Netlists", "Malformed", "LTspice", "PSpice", "Clipping", "Rest", "CodeModels"]
        ),
    ]
)
