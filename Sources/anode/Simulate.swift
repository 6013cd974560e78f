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

    @Option(name: .customLong("temp"), help: "Simulate at this temperature, °C, instead of the netlist's (.temp, .options temp=).")
    var temperature: Double?

    @Option(name: .shortAndLong, help: "Where to write the CSV.")
    var output: String?

    @Option(help: "Engine for .tran: mna (the reference simulator) or realtime (the real-time processor, sample period TSTEP, the netlist's sources as input).")
    var engine: Engine = .mna

    enum Engine: String, ExpressibleByArgument, CaseIterable {
        case mna, realtime
    }

    func run() throws {
        let circuit = try loadCircuit(file, temperature: temperature)
        let simulator = try makeSimulator(circuit)
        guard !circuit.analyses.isEmpty || !circuit.transferFunctions.isEmpty || !circuit.noiseAnalyses.isEmpty else {
            printError("\(file): error: the netlist has no analysis (.op, .dc, .ac, .tran, .tf or .noise)")
            throw ExitCode(2)
        }
        var results: [AnalysisResult] = []
        for analysis in circuit.analyses {
            do {
                if engine == .realtime, case .transient(let spec) = analysis {
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
            let text = result.csv(only: result.kind == .op ? nil : simulator.printedProbes(for: result.kind))
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
        do {
            let tf = try simulator.transferFunctions().flatMap { $0.values }
            try emit("tf", ["name,value"] + tf.map { "\($0.name),\(number($0.value))" })
            // .noise: the spectra (ngspice's onoise_spectrum, inoise_spectrum), then the totals and
            // each element's share of the output total.
            for (k, noise) in try simulator.noise().enumerated() {
                let suffix = k > 0 ? "\(k + 1)" : ""
                try emit("noise" + suffix, ["frequency,onoise_spectrum,inoise_spectrum"] + noise.frequencies.indices.map {
                    "\(number(noise.frequencies[$0])),\(number(noise.outputSpectrum[$0])),\(number(noise.inputSpectrum[$0]))"
                })
                try emit("noise-total" + suffix, ["name,value", "onoise_total,\(number(noise.outputTotal))", "inoise_total,\(number(noise.inputTotal))"]
                         + noise.contributions.map { "onoise_total(\($0.element)),\(number($0.outputTotal))" })
                let top = noise.contributions.prefix(3).map { String(format: "%@ %.3g V", $0.element, $0.outputTotal) }.joined(separator: ", ")
                printError(String(format: "noise: %.4g V rms at %@, %.4g referred to %@ (largest: %@)", noise.outputTotal, "\(noise.request.output)",
                                  noise.inputTotal, noise.request.source, top))
            }
        } catch let error as SimulationError {
            printError("\(file): \(error.description)")
            throw ExitCode(2)
        }
        try writeMeasurements(simulator.measure(results))
        try writeFourier(simulator.fourier(results))
    }

    /// CSV `lines` (a header and rows) of a result beside the analyses': on standard output under
    /// `# KIND`, or to OUT.KIND.csv with -o. Nothing when there are no rows.
    func emit(_ kind: String, _ lines: [String]) throws {
        guard lines.count > 1 else { return }
        let text = lines.joined(separator: "\n") + "\n"
        guard let output else {
            print("# \(kind)")
            print(text, terminator: "")
            return
        }
        let path = (output as NSString).deletingPathExtension + ".\(kind).csv"
        do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
            printError("error: cannot write '\(path)': \(error.localizedDescription)")
            throw ExitCode(2)
        }
        printError("wrote \(path)")
    }

    /// The `.four` tables, one row per output and harmonic, with ngspice's columns and the output's
    /// THD on each of its rows (`four`). An output that cannot be analysed is a warning and has no rows.
    func writeFourier(_ tables: [(request: FourierRequest, probe: Probe, table: Result<FourierTable, SimulationError>)]) throws {
        var lines = ["output,harmonic,frequency,magnitude,phase,norm. magnitude,norm. phase,thd (%)"]
        for (request, probe, result) in tables {
            switch result {
            case .success(let t):
                for (k, h) in t.harmonics.enumerated() {
                    lines.append([probe.description, "\(k)", number(h.frequency), number(h.magnitude), number(h.phase),
                                  number(t.normalizedMagnitude(k)), number(t.normalizedPhase(k)), number(t.thd)].joined(separator: ","))
                }
                printError(String(format: "%@: THD %.6g %% at %g Hz", probe.description, t.thd, t.fundamental))
            case .failure(let error):
                printError("\(request.location.map { "\($0)" } ?? file): warning: \(error.message)")
            }
        }
        try emit("four", lines)
    }

    /// The `.meas` results as `name,value` (`meas`; `failed` where there is no value, with a
    /// warning saying why).
    func writeMeasurements(_ measured: [(measurement: SpiceMeasurement, value: Result<Double, SimulationError>)]) throws {
        var lines = ["name,value"]
        for (m, value) in measured {
            switch value {
            case .success(let x):
                lines.append("\(m.name),\(number(x))")
            case .failure(let error):
                lines.append("\(m.name),failed")
                printError("\(m.location.map { "\($0)" } ?? file): warning: \(error.message)")
            }
        }
        try emit("meas", lines)
    }
}

/// `x` as the analyses' CSV writes numbers: whole numbers without a fraction, others in full.
func number(_ x: Double) -> String {
    x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : "\(x)"
}
