import Anode
import ArgumentParser
import Foundation

@main
struct AnodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "anode",
        abstract: "Circuit-level simulation of analog audio circuits from SPICE netlists.",
        subcommands: [Simulate.self, OperatingPointCommand.self]
    )
}

/// Prints `message` to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Reads and elaborates a netlist, printing its warnings; on error prints it and exits with status 2.
func loadCircuit(_ path: String) throws -> Circuit {
    do {
        let circuit = try Circuit(contentsOfFile: path)
        for w in circuit.warnings { printError(w.description) }
        return circuit
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

struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run every analysis in a netlist and write the results as CSV, as `ngspice -b` does.",
        discussion: """
            The CSV header holds SPICE vector names (time,v(out),i(vcc)). Without -o the CSV goes to standard \
            output. With several analyses and -o OUT.csv, each analysis goes to OUT.<analysis>.csv.
            """
    )

    @Argument(help: "The netlist file.")
    var file: String

    @Option(name: .shortAndLong, help: "Where to write the CSV.")
    var output: String?

    @Option(help: "Engine for .tran: mna (the reference simulator) or realtime (the real-time processor, sample period TSTEP, the netlist's sources as input).")
    var engine: Engine = .mna

    enum Engine: String, ExpressibleByArgument, CaseIterable {
        case mna, realtime
    }

    func run() throws {
        let circuit = try loadCircuit(file)
        let simulator = try makeSimulator(circuit)
        guard !circuit.analyses.isEmpty else {
            printError("\(file): error: the netlist has no analysis (.op, .dc, .ac or .tran)")
            throw ExitCode(2)
        }
        var results: [AnalysisResult] = []
        for analysis in circuit.analyses {
            do {
                if engine == .realtime, case .transient(let spec) = analysis {
                    let (result, statistics) = try simulator.realtimeTransient(spec)
                    printError(String(format: "realtime: %d steps, %.2f Newton iterations per step (worst %d), %d failures",
                                      statistics.steps, statistics.iterationsPerStep, statistics.maxIterations, statistics.failures))
                    results.append(.transient(result))
                } else {
                    results.append(try simulator.run(analysis))
                }
            } catch {
                printError("\(file): \(error.description)")
                throw ExitCode(2)
            }
        }
        var counts: [AnalysisKind: Int] = [:]
        for result in results {
            counts[result.kind, default: 0] += 1
            let text = result.csv()
            guard let output else {
                if results.count > 1 { print("# \(result.kind.rawValue)") }
                print(text, terminator: "")
                continue
            }
            var path = output
            if results.count > 1 {
                let base = (output as NSString).deletingPathExtension
                let ext = (output as NSString).pathExtension.isEmpty ? "csv" : (output as NSString).pathExtension
                let n = counts[result.kind]!
                path = "\(base).\(result.kind.rawValue)\(n > 1 ? "\(n)" : "").\(ext)"
            }
            do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
                printError("error: cannot write '\(path)': \(error.localizedDescription)")
                throw ExitCode(2)
            }
            printError("wrote \(path)")
        }
    }
}

struct OperatingPointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "op",
        abstract: "Print the DC operating point: one `v(node) value`, `i(element) value` or `p(element) value` per line.",
        discussion: "i() lines give the currents of voltage sources, inductors and controlled voltage sources; p() lines the power each element absorbs (negative for a source that delivers power)."
    )

    @Argument(help: "The netlist file.")
    var file: String

    func run() throws {
        let circuit = try loadCircuit(file)
        let simulator = try makeSimulator(circuit)
        do {
            print(try simulator.operatingPoint().report)
        } catch {
            printError("\(file): \(error.description)")
            throw ExitCode(2)
        }
    }
}
