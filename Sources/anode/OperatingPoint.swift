import Anode
import ArgumentParser
import Foundation

struct OperatingPointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "op",
        abstract: "Print the DC operating point: one `v(node) value`, `i(element) value` or `p(element) value` per line.",
        discussion: "i() lines give the currents of voltage sources, inductors and controlled voltage sources; p() lines the power each element absorbs (negative for a source that delivers power). A netlist with .step prints each point's operating point after a `# step NAME=VALUE` line."
    )

    @Argument(help: "The netlist file.")
    var file: String

    @Option(name: .customLong("temp"), parsing: .unconditional, help: "Simulate at this temperature, °C, instead of the netlist's (.temp, .options temp=).")
    var temperature: Double?

    func run() throws {
        // A netlist with .step: each point's operating point under a `# step NAME=VALUE …` line.
        let circuits = try loadSteppedCircuits(file, temperature: temperature)
        for (point, circuit) in circuits {
            let simulator = try makeSimulator(circuit)
            do {
                if let point { print("# step \(point.description)") }
                print(try simulator.operatingPoint().report)
            } catch {
                printError("\(file): \(point.map { "step \($0.description): " } ?? "")\(error.description)")
                throw ExitCode(2)
            }
        }
    }
}
