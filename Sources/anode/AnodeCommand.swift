import Anode
import ArgumentParser
import Foundation

@main
struct AnodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "anode",
        abstract: "Circuit-level simulation of analog audio circuits from SPICE netlists.",
        subcommands: [Simulate.self, OperatingPointCommand.self, Render.self, SignalCommand.self, Measure.self, PlotCommand.self, Bench.self]
    )
}

/// Prints `message` to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Checks the samples `samples` (`what`, such as "channel left") that a command drives a circuit
/// with, read from the WAV file `wav` at `path`: a float file can hold NaN and infinities, which
/// no circuit can be driven with, so the first of them is an error (status 2); a file that ends
/// inside its 'data' chunk is read as far as it goes, with a warning.
func checkDrive(_ samples: [Double], _ what: String, of wav: WAVFile, at path: String) throws {
    if wav.missingFrames > 0 {
        printError("\(path): warning: the file ends \(wav.missingFrames) frames short of what its 'data' chunk declares "
                   + "(cut short?); the \(wav.frameCount) frames present are used")
    }
    if let k = samples.firstIndex(where: { !$0.isFinite }) {
        printError(String(format: "%@: error: frame %d (%.6g s) of the %@ is %@; a circuit can only be driven with finite samples",
                          path, k, Double(k) / wav.sampleRate, what, samples[k].isNaN ? "NaN" : "infinite"))
        throw ExitCode(2)
    }
}

/// Warns of input samples the processor had to replace or limit (`ProcessorStatistics`).
func reportInputs(_ stats: ProcessorStatistics, limit: Double) {
    if stats.limitedInputs > 0 {
        printError(String(format: "warning: %d input sample%@ beyond ±%g V %@ limited to it", stats.limitedInputs,
                          stats.limitedInputs == 1 ? "" : "s", limit, stats.limitedInputs == 1 ? "was" : "were"))
    }
    if stats.nonFiniteInputs > 0 {
        printError("warning: \(stats.nonFiniteInputs) input sample\(stats.nonFiniteInputs == 1 ? " was" : "s were") not finite and taken as the input at rest")
    }
}

/// Reads and elaborates a netlist, printing its warnings; on error prints it and exits with status 2.
func loadCircuit(_ path: String, temperature: Double? = nil) throws -> Circuit {
    do {
        let circuit = try Circuit(contentsOfFile: path, temperature: temperature)
        for w in circuit.warnings { printError(w.description) }
        return circuit
    } catch {
        printError(error.description)
        throw ExitCode(2)
    }
}

/// A netlist's circuits, one per point of its `.step` sweeps (one circuit, with no point, when it
/// has none): the netlist is read once and each point built from it; warnings are printed once.
func loadSteppedCircuits(_ path: String, temperature: Double? = nil) throws -> [(point: StepPoint?, circuit: Circuit)] {
    do {
        let netlist = try Netlist(contentsOfFile: path)
        let points = try netlist.stepPoints()
        var result: [(point: StepPoint?, circuit: Circuit)] = []
        for (k, point) in (points.isEmpty ? [nil] : points.map { Optional($0) }).enumerated() {
            let circuit = try Circuit(netlist: netlist, temperature: temperature, step: point)
            if k == 0 { for w in circuit.warnings { printError(w.description) } }
            result.append((point, circuit))
        }
        return result
    } catch {
        printError(error.description)
        throw ExitCode(2)
    }
}

/// Builds the simulator, or prints the error and exits with status 2.
func makeSimulator(_ circuit: Circuit) throws -> Simulator {
    do { return try Simulator(circuit) } catch {
        printError(error.description)
        throw ExitCode(2)
    }
}

/// The independent sources of `circuit`, in netlist order.
func independentSources(_ circuit: Circuit) -> [(name: String, source: IndependentSource)] {
    circuit.elements.compactMap { e in
        switch e.kind {
        case let .voltageSource(_, _, s), let .currentSource(_, _, s): return (e.name, s)
        default: return nil
        }
    }
}

/// The source to drive: `name` when given (it must exist), else the first with a transient
/// waveform, else the first. Prints the error and exits with status 2 when there is none.
func inputSource(of circuit: Circuit, named name: String?, file: String) throws -> (name: String, source: IndependentSource) {
    let sources = independentSources(circuit)
    if let name {
        guard let found = sources.first(where: { $0.name.lowercased() == name.lowercased() }) else {
            printError("\(file): error: no independent source named '\(name)'"
                       + (sources.isEmpty ? "" : " (the sources are \(sources.map(\.name).joined(separator: ", ")))"))
            throw ExitCode(2)
        }
        return found
    }
    guard let found = sources.first(where: { $0.source.waveform != nil }) ?? sources.first else {
        printError("\(file): error: the netlist has no independent source to use as input")
        throw ExitCode(2)
    }
    return found
}

/// The outputs: the probes given (such as v(out) or i(rload)), else the netlist's first transient
/// output, else v(out). Prints the error and exits with status 2 for a malformed probe.
func outputProbes(_ texts: [String], of circuit: Circuit) throws -> [Probe] {
    if texts.isEmpty {
        return [circuit.outputs.first(where: { $0.analysis == .tran || $0.analysis == nil })?.probe ?? .voltage("out")]
    }
    return try texts.map { text in
        guard let p = Probe(text) else {
            printError("error: '\(text)' is not an output such as v(out), v(a,b) or i(r1)")
            throw ExitCode(2)
        }
        return p
    }
}

/// A value in SPICE notation with an optional unit (`0.5V`, `500mV`, `2`); exits with status 2 otherwise.
func parseQuantity(_ text: String, option: String) throws -> Double {
    guard let value = SpiceNumber.parse(text), value.isFinite else {
        printError("error: \(option) expects a number such as 0.5V or 500mV, not '\(text)'")
        throw ExitCode(2)
    }
    return value
}

/// Applies `NAME=POSITION` settings to the circuit's controls; exits with status 2 on a bad one.
func applySettings(_ settings: [String], to circuit: inout Circuit, file: String) throws {
    for setting in settings {
        let parts = setting.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let position = Double(parts[1]) else {
            printError("error: --set expects NAME=POSITION with a position from 0 to 1, such as gain=0.8, not '\(setting)'")
            throw ExitCode(2)
        }
        do { try circuit.setControl(parts[0], to: position) } catch {
            printError(error.location != nil ? error.description : "\(file): error: \(error.message)")
            throw ExitCode(2)
        }
    }
}

/// Whether standard error is a terminal (for progress bars).
var standardErrorIsTerminal: Bool { isatty(2) != 0 }
