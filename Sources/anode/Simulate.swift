import Anode
import ArgumentParser
import Foundation

struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run every analysis in a netlist and write the results as CSV, as `ngspice -b` does.",
        discussion: """
            The CSV header holds SPICE vector names (time,v(out),i(vcc)). Without -o the CSV goes to standard \
            output. With several analyses and -o OUT.csv, each analysis goes to OUT.<analysis>.csv. A netlist \
            with .step runs once per point; each table then starts with the swept quantities' columns \
            (rload,time,v(out)) and holds every point's rows, one point after another.
            """
    )

    @Argument(help: "The netlist file.")
    var file: String

    @Option(name: .customLong("temp"), parsing: .unconditional, help: "Simulate at this temperature, °C, instead of the netlist's (.temp, .options temp=).")
    var temperature: Double?

    @Option(name: .shortAndLong, help: "Where to write the CSV.")
    var output: String?

    @Option(help: "Engine for .tran: mna (the reference simulator) or realtime (the real-time processor, sample period TSTEP, the netlist's sources as input).")
    var engine: Engine = .mna

    @Option(help: "With --engine realtime: the processor's oversampling factor, 1, 2, 4 or 8 (its anti-alias filters and their latency, compensated, included).")
    var oversample: Int = 1

    enum Engine: String, ExpressibleByArgument, CaseIterable {
        case mna, realtime
    }

    /// One CSV the run writes: its kind (`tran`, `meas`, …), its header and rows, and whether it
    /// is an analysis's (named by `-o` alone when it is the only analysis).
    struct Table {
        var kind: String
        var lines: [String]
        var isAnalysis: Bool
    }

    func validate() throws {
        guard [1, 2, 4, 8].contains(oversample) else { throw ValidationError("--oversample must be 1, 2, 4 or 8, not \(oversample)") }
        guard oversample == 1 || engine == .realtime else { throw ValidationError("--oversample is the real-time engine's: give --engine realtime with it") }
    }

    func run() throws {
        let circuits = try loadSteppedCircuits(file, temperature: temperature)
        guard let first = circuits.first?.circuit,
              !first.analyses.isEmpty || !first.transferFunctions.isEmpty || !first.noiseAnalyses.isEmpty || !first.poleZeroAnalyses.isEmpty else {
            printError("\(file): error: the netlist has no analysis (.op, .dc, .ac, .tran, .tf, .noise or .pz)")
            throw ExitCode(2)
        }
        // With .step, each point's tables, the swept values as their first columns, one after another.
        var tables: [Table] = []
        for (k, (point, circuit)) in circuits.enumerated() {
            let label = point.map { "step \(k + 1)/\(circuits.count) (\($0.description)): " } ?? ""
            let own = try self.tables(circuit, label: label, step: point == nil ? nil : k + 1)
            guard let point else { tables = own; break }
            let names = point.values.map(\.target.name).joined(separator: ",")
            let values = point.values.map { number($0.value) }.joined(separator: ",")
            // Every point has the same tables in the same order (one netlist).
            for (t, table) in own.enumerated() {
                let rows = table.lines.dropFirst().map { values + "," + $0 }
                if k == 0 {
                    tables.append(Table(kind: table.kind, lines: table.lines.first.map { [names + "," + $0] + rows } ?? [], isAnalysis: table.isAnalysis))
                } else if t < tables.count {
                    tables[t].lines += rows
                }
            }
        }
        try write(tables)
    }

    /// The CSV tables of `circuit`'s analyses, `.tf`, `.noise`, `.meas` and `.four`, in that order;
    /// messages on standard error start with `label`. Writes the `.wave` files (of `.step` point
    /// `step`, when there are points).
    func tables(_ circuit: Circuit, label: String, step: Int? = nil) throws -> [Table] {
        let simulator = try makeSimulator(circuit)
        var results: [AnalysisResult] = []
        for analysis in circuit.analyses {
            do {
                if engine == .realtime, case .transient(let spec) = analysis {
                    let (result, statistics) = try simulator.realtimeTransient(spec, oversampling: oversample)
                    printError(label + String(format: "realtime: %d steps, %.2f Newton iterations per step (worst %d), %d in sub-steps, %d failures",
                                              statistics.steps, statistics.iterationsPerStep, statistics.maxIterations, statistics.substeps, statistics.failures))
                    results.append(.transient(result))
                } else {
                    results.append(try simulator.run(analysis))
                }
            } catch {
                printError("\(file): \(label)\(error.description)")
                throw ExitCode(2)
            }
        }
        var tables: [Table] = []
        var counts: [AnalysisKind: Int] = [:]
        for result in results {
            counts[result.kind, default: 0] += 1
            let n = counts[result.kind]!
            let text = result.csv(only: result.kind == .op ? nil : simulator.printedProbes(for: result.kind))
            tables.append(Table(kind: result.kind.rawValue + (n > 1 ? "\(n)" : ""), lines: text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init), isAnalysis: true))
        }
        do {
            let tf = try simulator.transferFunctions().flatMap { $0.values }
            tables.append(Table(kind: "tf", lines: ["name,value"] + tf.map { "\($0.name),\(number($0.value))" }, isAnalysis: false))
            // .noise: the spectra (ngspice's onoise_spectrum, inoise_spectrum), then the totals and
            // each element's share of the output total.
            for (k, noise) in try simulator.noise().enumerated() {
                let suffix = k > 0 ? "\(k + 1)" : ""
                tables.append(Table(kind: "noise" + suffix, lines: ["frequency,onoise_spectrum,inoise_spectrum"] + noise.frequencies.indices.map {
                    "\(number(noise.frequencies[$0])),\(number(noise.outputSpectrum[$0])),\(number(noise.inputSpectrum[$0]))"
                }, isAnalysis: false))
                tables.append(Table(kind: "noise-total" + suffix, lines: ["name,value", "onoise_total,\(number(noise.outputTotal))", "inoise_total,\(number(noise.inputTotal))"]
                         + noise.contributions.map { "onoise_total(\($0.element)),\(number($0.outputTotal))" }, isAnalysis: false))
                let top = noise.contributions.prefix(3).map { String(format: "%@ %.3g V", $0.element, $0.outputTotal) }.joined(separator: ", ")
                printError(label + String(format: "noise: %.4g V rms at %@, %.4g referred to %@ (largest: %@)", noise.outputTotal, "\(noise.request.output)",
                                          noise.inputTotal, noise.request.source, top))
            }
            // .pz: ngspice's pole(k) and zero(k), rad/s, as real and imaginary parts.
            for (k, pz) in try simulator.poleZeroAnalyses().enumerated() {
                tables.append(Table(kind: "pz" + (k > 0 ? "\(k + 1)" : ""), lines: ["name,real,imaginary"] + pz.values.map {
                    "\($0.name),\(number($0.value.real)),\(number($0.value.imaginary))"
                }, isAnalysis: false))
                printError(label + "pz: \(pz.poles.count) poles, \(pz.zeros.count) zeros (rad/s)")
            }
        } catch {
            printError("\(file): \(label)\(error)")
            throw ExitCode(2)
        }
        tables.append(measurements(simulator.measure(results), label: label))
        tables.append(fourier(simulator.fourier(results), label: label))
        try writeWaveFiles(simulator.waveFiles(results), results: results, label: label, step: step)
        return tables
    }

    /// Writes the `.wave` files, each to its path (`NAME.K.wav` for `.step` point K); warns of
    /// outputs beyond full scale, which the file clips.
    func writeWaveFiles(_ files: [(request: WaveRequest, file: Result<WAVFile, SimulationError>)], results: [AnalysisResult], label: String, step: Int?) throws {
        let transient: TransientResult? = results.lazy.compactMap(\.transient).first
        for (request, file) in files {
            let place = request.location.map { "\($0)" } ?? self.file
            let wav: WAVFile
            switch file {
            case .success(let w): wav = w
            case .failure(let error):
                printError("\(place): error: \(label)\(error.message)")
                throw ExitCode(2)
            }
            var path = request.path
            if let step {
                let ext = (path as NSString).pathExtension
                path = (path as NSString).deletingPathExtension + ".\(step)" + (ext.isEmpty ? "" : "." + ext)
            }
            for probe in request.probes {
                let beyond = transient?.values(probe)?.count { !($0.magnitude <= 1) } ?? 0
                if beyond > 0 {
                    printError("\(place): warning: \(label)\(probe) is beyond full scale (±1) at \(beyond) recorded points; \((path as NSString).lastPathComponent) clips it there")
                }
            }
            do { try wav.write(toFile: path) } catch {
                printError("\(place): error: \(label)\(error.description)")
                throw ExitCode(2)
            }
            printError(label + String(format: "wrote %@ (%d channel%@, %d bits, %.0f Hz, %.6g s)", path, wav.channels.count,
                                      wav.channels.count == 1 ? "" : "s", request.bits, wav.sampleRate, wav.duration))
        }
    }

    /// Writes `tables`: an analysis's to -o itself when it is the only analysis, else each to
    /// OUT.KIND.csv; without -o to standard output, under `# KIND` when there are several. A table
    /// without rows is not written.
    func write(_ tables: [Table]) throws {
        let analyses = tables.filter(\.isAnalysis).count
        for table in tables where table.lines.count > 1 || (table.isAnalysis && !table.lines.isEmpty) {
            let text = table.lines.joined(separator: "\n") + "\n"
            guard let output else {
                if !table.isAnalysis || analyses > 1 { print("# \(table.kind)") }
                print(text, terminator: "")
                continue
            }
            var path = output
            if table.isAnalysis {
                if analyses > 1 {
                    let base = (output as NSString).deletingPathExtension
                    let ext = (output as NSString).pathExtension.isEmpty ? "csv" : (output as NSString).pathExtension
                    path = "\(base).\(table.kind).\(ext)"
                }
            } else {
                path = (output as NSString).deletingPathExtension + ".\(table.kind).csv"
            }
            do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
                printError("error: cannot write '\(path)': \(error.localizedDescription)")
                throw ExitCode(2)
            }
            printError("wrote \(path)")
        }
    }

    /// The `.four` tables, one row per output and harmonic, with ngspice's columns and the output's
    /// THD on each of its rows (`four`). An output that cannot be analysed is a warning and has no rows.
    func fourier(_ tables: [(request: FourierRequest, probe: Probe, table: Result<FourierTable, SimulationError>)], label: String) -> Table {
        var lines = ["output,harmonic,frequency,magnitude,phase,norm. magnitude,norm. phase,thd (%)"]
        for (request, probe, result) in tables {
            switch result {
            case .success(let t):
                for (k, h) in t.harmonics.enumerated() {
                    lines.append([probe.description, "\(k)", number(h.frequency), number(h.magnitude), number(h.phase),
                                  number(t.normalizedMagnitude(k)), number(t.normalizedPhase(k)), number(t.thd)].joined(separator: ","))
                }
                printError(label + String(format: "%@: THD %.6g %% at %g Hz", probe.description, t.thd, t.fundamental))
            case .failure(let error):
                printError("\(request.location.map { "\($0)" } ?? file): warning: \(label)\(error.message)")
            }
        }
        return Table(kind: "four", lines: lines, isAnalysis: false)
    }

    /// The `.meas` results as `name,value` (`meas`; `failed` where there is no value, with a
    /// warning saying why).
    func measurements(_ measured: [(measurement: SpiceMeasurement, value: Result<Double, SimulationError>)], label: String) -> Table {
        var lines = ["name,value"]
        for (m, value) in measured {
            switch value {
            case .success(let x):
                lines.append("\(m.name),\(number(x))")
            case .failure(let error):
                lines.append("\(m.name),failed")
                printError("\(m.location.map { "\($0)" } ?? file): warning: \(label)\(error.message)")
            }
        }
        return Table(kind: "meas", lines: lines, isAnalysis: false)
    }
}

/// `x` as the analyses' CSV writes numbers: whole numbers without a fraction, others in full.
func number(_ x: Double) -> String {
    x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : "\(x)"
}
