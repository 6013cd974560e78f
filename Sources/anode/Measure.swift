import Anode
import ArgumentParser
import Foundation

/// Options shared by the measurements: the circuit, where to drive and probe it, and the engine.
struct MeasurementOptions: ParsableArguments {
    @Argument(help: "The netlist file.")
    var file: String

    @Option(name: .customLong("temp"), parsing: .unconditional, help: "Simulate at this temperature, °C, instead of the netlist's (.temp, .options temp=).")
    var temperature: Double?

    @Option(help: "The independent source to drive (default: the first with a transient waveform).")
    var source: String?

    @Option(help: "The output to analyse, such as v(out) (default: the netlist's first .print tran output, or v(out)).")
    var probe: String?

    @Option(name: .customLong("set"), help: "Set a control first, NAME=POSITION (0 to 1); repeatable.")
    var settings: [String] = []

    @Option(help: "realtime (the real-time processor) or reference (the MNA simulator's fixed-step transient).")
    var engine: EngineChoice = .realtime

    @Option(help: "Sample rate of the real-time engine, Hz.")
    var rate: Double = 48_000

    @Option(help: "Oversampling of the real-time engine: 1, 2, 4 or 8.")
    var oversample: Int = 2

    @Option(help: "Seconds of drive before the analysed periods.")
    var settle: Double = 0.2

    @Option(help: "Whole periods analysed.")
    var periods: Int = 4

    @Flag(help: "Write CSV instead of a table.")
    var csv = false

    enum EngineChoice: String, ExpressibleByArgument, CaseIterable { case realtime, reference }

    /// The measurement these options describe; prints the error and exits with status 2 when they do not make one.
    func measurement() throws -> (AmplifierMeasurement, Circuit) {
        try measurement(of: try loadCircuit(file, temperature: temperature))
    }

    /// One measurement per point of the netlist's `.step` sweeps (one, with no point, without `.step`).
    func steppedMeasurements() throws -> [(point: StepPoint?, measurement: AmplifierMeasurement, circuit: Circuit)] {
        try loadSteppedCircuits(file, temperature: temperature).map { point, circuit in
            let (m, c) = try measurement(of: circuit)
            return (point, m, c)
        }
    }

    /// The measurement these options describe on `circuit`.
    func measurement(of circuit: Circuit) throws -> (AmplifierMeasurement, Circuit) {
        var circuit = circuit
        try applySettings(settings, to: &circuit, file: file)
        let (input, _) = try inputSource(of: circuit, named: source, file: file)
        let output = try outputProbes(probe.map { [$0] } ?? [], of: circuit)[0]
        guard [1, 2, 4, 8].contains(oversample) else {
            printError("error: --oversample must be 1, 2, 4 or 8, not \(oversample)")
            throw ExitCode(2)
        }
        guard settle >= 0, settle.isFinite, periods >= 1, rate > 0 else {
            printError("error: --settle must be at least 0, --periods at least 1 and --rate positive")
            throw ExitCode(2)
        }
        do {
            var m = try AmplifierMeasurement(circuit, input: input, output: output,
                                             engine: engine == .realtime ? .realtime(sampleRate: rate, oversampling: oversample) : .reference(pointsPerPeriod: 200))
            m.settle = settle
            m.periods = periods
            return (m, circuit)
        } catch {
            printError("\(file): \(error.description)")
            throw ExitCode(2)
        }
    }

    /// One table for every point of a stepped netlist: `rows(measurement, circuit, label)` gives a
    /// point's rows (and prints its own lines, starting with `label`); with `.step` the swept values
    /// lead each row.
    func emitStepped(_ header: [String], _ rows: (AmplifierMeasurement, Circuit, String) throws -> [[String]]) throws {
        let stepped = try steppedMeasurements()
        let names = stepped[0].point?.values.map(\.target.name) ?? []
        var all: [[String]] = []
        for (point, m, circuit) in stepped {
            let values = point?.values.map { format($0.value, 6) } ?? []
            all += try rows(m, circuit, point.map { "\($0.description): " } ?? "").map { values + $0 }
        }
        emit(names + header, all)
    }

    /// Prints rows as an aligned table or as CSV.
    func emit(_ header: [String], _ rows: [[String]]) {
        if csv {
            print(header.joined(separator: ","))
            for row in rows { print(row.joined(separator: ",")) }
            return
        }
        let widths = header.indices.map { c in ([header[c]] + rows.map { $0[c] }).map(\.count).max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, cell in String(repeating: " ", count: widths[c] - cell.count) + cell }.joined(separator: "  ")
        }
        print(line(header))
        for row in rows { print(line(row)) }
    }
}

/// Runs `body`, turning a simulation error into a message and exit status 2.
func measuring<T>(_ file: String, _ body: () throws(SimulationError) -> T) throws -> T {
    do { return try body() } catch {
        printError("\(file): \(error.description)")
        throw ExitCode(2)
    }
}

/// Gain (dB) and phase (degrees) against frequency from `--from` to `--to` (`perDecade` points per
/// decade): from the netlist's .ac analysis driven at the input, or with `swept` a sine of `level`
/// swept through the engine. Shared by `anode measure response` and `anode plot response`.
func frequencyResponse(_ m: AmplifierMeasurement, _ circuit: Circuit, _ options: MeasurementOptions, from: String, to: String,
                       perDecade: Int, swept: Bool, level: String) throws -> (frequency: [Double], gain: [Double], phase: [Double]) {
    let low = try parseQuantity(from, option: "--from"), high = try parseQuantity(to, option: "--to")
    guard low > 0, high > low, perDecade >= 1 else {
        printError("error: the sweep needs 0 < --from < --to and at least one point per decade")
        throw ExitCode(2)
    }
    let sweep = ACSweep(.decade, points: perDecade, start: low, stop: high)
    if swept {
        let amplitude = try parseQuantity(level, option: "--level")
        let frequencies = sweptFrequencies(sweep.frequencies, options)
        let points = try measuring(options.file) { () throws(SimulationError) in
            try m.frequencyResponse(frequencies: frequencies, amplitude: amplitude)
        }
        return (points.map(\.frequency), points.map(\.decibels), points.map { $0.phase * 180 / .pi })
    }
    let db = Probe(m.output.quantity, view: .decibel), phase = Probe(m.output.quantity, view: .phase)
    // The .ac drive: 1 at the measured source, none elsewhere.
    let c = acDriven(circuit, at: m.input)
    let result = try measuring(options.file) { () throws(SimulationError) in
        let simulator: Simulator
        do { simulator = try Simulator(c) } catch { throw SimulationError("\(error)") }
        return try simulator.ac(sweep, probes: [db, phase])
    }
    return (result.frequencies, result.values(db)!, result.values(phase)!.map { $0 * 180 / .pi })
}

/// The frequencies a swept sine can measure with the real-time engine (periods of at least three
/// samples); says on standard error which it leaves out.
func sweptFrequencies(_ frequencies: [Double], _ options: MeasurementOptions) -> [Double] {
    guard options.engine == .realtime else { return frequencies }
    let kept = frequencies.filter { $0 <= options.rate / 3 }
    if kept.count < frequencies.count {
        printError("note: a swept sine at \(format(options.rate)) Hz reaches \(format(options.rate / 3)) Hz; \(frequencies.count - kept.count) higher frequencies left out (the .ac response has them)")
    }
    return kept
}

/// Formats a number with `digits` significant digits.
func format(_ x: Double, _ digits: Int = 4) -> String { String(format: "%.\(digits)g", x) }

struct Measure: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure a circuit as on the bench: frequency response, THD, THD against level and the clipping point, power.",
        subcommands: [Response.self, Distortion.self, LevelSweep.self, Power.self]
    )

    struct Response: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Gain and phase against frequency: from .ac (small signal), or a swept sine through the engine.")

        @OptionGroup var options: MeasurementOptions
        @Option(help: "Lowest frequency, Hz.") var from: String = "20"
        @Option(help: "Highest frequency, Hz.") var to: String = "20k"
        @Option(name: .customLong("per-decade"), help: "Points per decade.") var perDecade: Int = 10
        @Flag(help: "Sweep a sine through the engine instead of the .ac analysis.") var swept = false
        @Option(help: "Peak level of the swept sine (keep it small: the response of a linearised circuit).") var level: String = "10mV"

        func run() throws {
            try options.emitStepped(["frequency_Hz", "gain_dB", "phase_deg"]) { m, circuit, _ in
                let r = try frequencyResponse(m, circuit, options, from: from, to: to, perDecade: perDecade, swept: swept, level: level)
                return r.frequency.indices.map { [format(r.frequency[$0], 6), format(r.gain[$0], 5), format(r.phase[$0], 5)] }
            }
        }
    }

    struct Distortion: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "thd", abstract: "Harmonics and THD of the output for a sine at the input.")

        @OptionGroup var options: MeasurementOptions
        @Option(help: "Frequency of the sine, Hz.") var frequency: String = "1k"
        @Option(help: "Peak level of the sine (volts or amperes).") var level: String = "100mV"
        @Option(help: "Highest harmonic.") var harmonics: Int = 9

        func run() throws {
            let amplitude = try parseQuantity(level, option: "--level")
            let frequency = try parseQuantity(self.frequency, option: "--frequency")
            var summaries: [String] = []
            try options.emitStepped(["harmonic", "frequency_Hz", "amplitude", "relative_dB"]) { m, _, label in
                let h = try measuring(options.file) { () throws(SimulationError) in try m.harmonics(frequency: frequency, amplitude: amplitude, harmonics: harmonics) }
                summaries.append(label + String(format: "THD %.4g %% (harmonics 2-%d) for %@ peak in at %.6g Hz: output fundamental %.4g peak, gain %.4g dB",
                                                h.thd * 100, h.amplitudes.count, format(amplitude), h.fundamental, h.amplitudes[0],
                                                20 * log10(h.amplitudes[0] / amplitude)))
                return h.amplitudes.indices.map { k in
                    [String(k + 1), format(h.fundamental * Double(k + 1), 6), format(h.amplitudes[k]), k == 0 ? "0" : format(h.relativeLevel(of: k + 1))]
                }
            }
            if !options.csv { for line in summaries { print(line) } }
        }
    }

    struct LevelSweep: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sweep", abstract: "Output, gain and THD against input level, and the level where THD crosses a threshold (the clipping point).")

        @OptionGroup var options: MeasurementOptions
        @Option(help: "Frequency of the sine, Hz.") var frequency: String = "1k"
        @Option(help: "Lowest peak level.") var from: String = "10mV"
        @Option(help: "Highest peak level.") var to: String = "2V"
        @Option(help: "Levels, spaced logarithmically.") var points: Int = 12
        @Option(help: "THD threshold for the clipping level, percent.") var threshold: Double = 1

        func run() throws {
            let frequency = try parseQuantity(self.frequency, option: "--frequency")
            let low = try parseQuantity(from, option: "--from"), high = try parseQuantity(to, option: "--to")
            guard low > 0, high > low, points >= 2 else {
                printError("error: the sweep needs 0 < --from < --to and at least two points")
                throw ExitCode(2)
            }
            let levels = (0..<points).map { low * pow(high / low, Double($0) / Double(points - 1)) }
            var summaries: [String] = []
            try options.emitStepped(["input_peak", "output_peak", "gain_dB", "thd_percent"]) { m, _, label in
                let sweep = try measuring(options.file) { () throws(SimulationError) in try m.distortion(frequency: frequency, levels: levels) }
                let clip = try measuring(options.file) { () throws(SimulationError) in
                    try m.clippingLevel(frequency: frequency, threshold: threshold / 100, low: low, high: high)
                }
                if let clip {
                    summaries.append(label + "THD reaches \(format(threshold)) % at \(format(clip)) peak input")
                } else if let first = sweep.first, first.thd * 100 >= threshold {
                    summaries.append(label + "THD is above \(format(threshold)) % already at \(format(low)); start lower (--from)")
                } else {
                    summaries.append(label + "THD stays below \(format(threshold)) % up to \(format(high))")
                }
                return sweep.map { [format($0.input), format($0.output), format($0.gain), format($0.thd * 100)] }
            }
            if !options.csv { for line in summaries { print(line) } }
        }
    }

    struct Power: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Output power, power drawn from each supply, dissipation in each element and efficiency, for a sine at the input.",
            discussion: "The reference engine reports every element; the real-time engine the supplies and resistive loads. --stage NAME=E1,E2 sums elements into a named stage (say preamp=X1,X2 power=X6,X7).")

        @OptionGroup var options: MeasurementOptions
        @Option(help: "Elements that make up the load, comma-separated (e.g. Rload, or Rvc,Rm for a speaker model).") var load: String
        @Option(help: "Frequency of the sine, Hz.") var frequency: String = "1k"
        @Option(help: "Peak level of the sine.") var level: String = "100mV"
        @Option(help: "A named group of elements, NAME=E1,E2,…; repeatable.") var stage: [String] = []

        func run() throws {
            let amplitude = try parseQuantity(level, option: "--level")
            let frequency = try parseQuantity(self.frequency, option: "--frequency")
            let loads = load.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            let stages = try stage.map { group in
                let parts = group.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else {
                    printError("error: --stage expects NAME=E1,E2,…, not '\(group)'")
                    throw ExitCode(2)
                }
                return (name: String(parts[0]), members: parts[1].split(separator: ",").map(String.init))
            }
            // With .step, each point's rows (its swept values first) and its efficiency.
            var summaries: [String] = []
            try options.emitStepped(["kind", "name", "power_W"]) { m, _, label in
                let report = try measuring(options.file) { () throws(SimulationError) in try m.power(frequency: frequency, amplitude: amplitude, loads: loads) }
                var rows: [[String]] = []
                rows.append(["output", loads.joined(separator: "+"), format(report.outputPower)])
                for s in report.supplies { rows.append(["supply", s.name, format(s.power)]) }
                rows.append(["supplies", "total", format(report.suppliedPower)])
                for stage in stages { rows.append(["stage", stage.name, format(report.power(of: stage.members))]) }
                for e in report.elements where !report.supplies.contains(where: { $0.name == e.name }) && abs(e.power) > 1e-12 {
                    rows.append(["element", e.name, format(e.power)])
                }
                summaries.append(label + String(format: "efficiency %.1f %% (output over supplied power)", report.efficiency * 100))
                return rows
            }
            if !options.csv { for line in summaries { print(line) } }
        }
    }
}

/// `circuit` with AC magnitude 1 at `source` and 0 at every other source (what a response is measured against).
func acDriven(_ circuit: Circuit, at source: String) -> Circuit {
    var c = Circuit(title: circuit.title)
    c.analyses = circuit.analyses
    c.outputs = circuit.outputs
    c.options = circuit.options
    c.initialConditions = circuit.initialConditions
    c.nodesets = circuit.nodesets
    for var e in circuit.elements {
        let on = e.name.lowercased() == source.lowercased()
        switch e.kind {
        case .voltageSource(let a, let b, var s):
            s.acMagnitude = on ? 1 : 0; s.acPhase = 0
            e.kind = .voltageSource(a, b, s)
        case .currentSource(let a, let b, var s):
            s.acMagnitude = on ? 1 : 0; s.acPhase = 0
            e.kind = .currentSource(a, b, s)
        default: break
        }
        try? c.add(e)
    }
    return c
}
