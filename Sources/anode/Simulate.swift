import Anode
import ArgumentParser
import Foundation

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
                    if circuit.options.method == .backwardEuler {
                        printError("\(file): warning: the real-time engine integrates by the trapezoidal rule; .options method=euler applies to --engine mna only")
                    }
                    let (result, statistics) = try simulator.realtimeTransient(spec)
                    printError(String(format: "realtime: %d steps, %.2f Newton iterations per step (worst %d), %d in sub-steps, %d failures",
                                      statistics.steps, statistics.iterationsPerStep, statistics.maxIterations, statistics.substeps, statistics.failures))
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
