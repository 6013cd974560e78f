import Anode
import ArgumentParser
import Foundation

struct OperatingPointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "op",
        abstract: "Print the DC operating point: one `v(node) value`, `i(element) value` or `p(element) value` per line.",
        discussion: "i() lines give the currents of voltage sources, inductors and controlled voltage sources; p() lines the power each element absorbs (negative for a source that delivers power)."
    )

    @Argument(help: "The netlist file.")
    var file: String

    @Option(name: .customLong("temp"), help: "Simulate at this temperature, °C, instead of the netlist's (.temp, .options temp=).")
    var temperature: Double?

    func run() throws {
        let circuit = try loadCircuit(file, temperature: temperature)
        let simulator = try makeSimulator(circuit)
        do {
            print(try simulator.operatingPoint().report)
        } catch {
            printError("\(file): \(error.description)")
            throw ExitCode(2)
        }
    }
}
