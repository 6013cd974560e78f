// swift-tools-version: 6.1
// A libFuzzer target for Anode's netlist reader, in a package of its own so that the main build
// and `swift test` never need the fuzzer runtime. See Docs/Robustness.md for how to run it.
import PackageDescription

let package = Package(
    name: "AnodeFuzz",
    dependencies: [.package(path: "..")],
    targets: [
        .executableTarget(
            name: "NetlistFuzzer",
            dependencies: [.product(name: "Anode", package: "main")]
        )
    ]
)
