import Anode
import ArgumentParser
import Foundation

struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Draw a circuit's behaviour as SVG: waveforms, transfer curve, frequency response, harmonic spectrum, THD against level, poles and zeros.",
        subcommands: [Waveform.self, Transfer.self, Response.self, Spectrum.self, THD.self, PoleZero.self]
    )

    /// Writes `figure` to `path`, or exits with status 2.
    static func write(_ figure: Figure, to path: String) throws {
        do { try figure.svg().write(toFile: path, atomically: true, encoding: .utf8) } catch {
            printError("error: cannot write '\(path)': \(error.localizedDescription)")
            throw ExitCode(2)
        }
        print("wrote \(path)")
    }

    /// The circuit's name for titles: its file name without the extension.
    static func name(_ file: String) -> String { ((file as NSString).lastPathComponent as NSString).deletingPathExtension }

    /// The probe of the voltage across the driven source (nil for a current source).
    static func inputProbe(_ circuit: Circuit, _ source: String) -> Probe? {
        guard case let .voltageSource(a, b, _)? = circuit.element(named: source)?.kind else { return nil }
        return b == .ground ? .voltage(a.name) : .voltage(a.name, b.name)
    }

    struct Waveform: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Input and output against time for a sine at the input (steady state); with .step, an output curve per point.")
        @OptionGroup var options: MeasurementOptions
        @Option(name: .shortAndLong, help: "The SVG file to write.") var output: String
        @Option(help: "Frequency of the sine, Hz.") var frequency: String = "1k"
        @Option(help: "Peak level of the sine.") var level: String = "100mV"

        func run() throws {
            let stepped = try options.steppedMeasurements()
            let (m, circuit) = (stepped[0].measurement, stepped[0].circuit)
            let f = try parseQuantity(frequency, option: "--frequency"), a = try parseQuantity(level, option: "--level")
            let inputProbe = PlotCommand.inputProbe(circuit, m.input)
            let probes = [m.output] + (inputProbe.map { [$0] } ?? [])
            var input = Plot(title: "\(PlotCommand.name(options.file)): input \(m.input), \(format(a)) V peak at \(format(m.exactFrequency(f))) Hz",
                             x: Axis("Time", unit: "ms"), y: Axis("Input", unit: "V"))
            var out = Plot(title: "output \(m.output)", x: Axis("Time", unit: "ms"), y: Axis("Output", unit: m.output.unit))
            // With .step, a curve per point, named by its values.
            for (k, (point, m, _)) in stepped.enumerated() {
                let (samples, rate, _) = try measuring(options.file) { () throws(SimulationError) in try m.sineResponse(frequency: f, amplitude: a, probes: probes) }
                let t = samples[0].indices.map { Double($0) / rate * 1000 }
                if k == 0 { input.series = [Series(inputProbe?.description ?? m.input, x: t, y: samples.count > 1 ? samples[1] : [])] }
                out.series.append(Series(point?.description ?? m.output.description, x: t, y: samples[0]))
            }
            try PlotCommand.write(Figure(inputProbe == nil ? [out] : [input, out]), to: output)
        }
    }

    struct Transfer: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Output against input over whole periods of a large sine: the transfer curve.")
        @OptionGroup var options: MeasurementOptions
        @Option(name: .shortAndLong, help: "The SVG file to write.") var output: String
        @Option(help: "Frequency of the sine, Hz (low, so that the curve shows the DC behaviour).") var frequency: String = "100"
        @Option(help: "Peak level of the sine.") var level: String = "1V"

        func run() throws {
            let (m, circuit) = try options.measurement()
            let f = try parseQuantity(frequency, option: "--frequency"), a = try parseQuantity(level, option: "--level")
            guard let inputProbe = PlotCommand.inputProbe(circuit, m.input) else {
                printError("error: a transfer curve needs a voltage source as the input")
                throw ExitCode(2)
            }
            let (samples, _, _) = try measuring(options.file) { () throws(SimulationError) in
                try m.sineResponse(frequency: f, amplitude: a, probes: [m.output, inputProbe])
            }
            var plot = Plot(title: "\(PlotCommand.name(options.file)): transfer curve at \(format(m.exactFrequency(f))) Hz, \(format(a)) V peak",
                            x: Axis("Input \(inputProbe)", unit: "V"), y: Axis("Output \(m.output)", unit: m.output.unit))
            plot.series = [Series("", x: samples[1] + [samples[1][0]], y: samples[0] + [samples[0][0]])]
            try PlotCommand.write(Figure([plot]), to: output)
        }
    }

    struct Response: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Gain and phase against frequency, from .ac or a swept sine; with .step, a curve per point.")
        @OptionGroup var options: MeasurementOptions
        @Option(name: .shortAndLong, help: "The SVG file to write.") var output: String
        @Option(help: "Lowest frequency, Hz.") var from: String = "20"
        @Option(help: "Highest frequency, Hz.") var to: String = "20k"
        @Option(name: .customLong("per-decade"), help: "Points per decade.") var perDecade: Int = 20
        @Flag(help: "Sweep a sine through the engine instead of the .ac analysis.") var swept = false
        @Option(help: "Peak level of the swept sine.") var level: String = "10mV"

        func run() throws {
            let stepped = try options.steppedMeasurements()
            let m = stepped[0].measurement
            let name = PlotCommand.name(options.file)
            var magnitude = Plot(title: "\(name): \(m.output) / \(m.input)\(swept ? " (swept sine)" : " (.ac)")",
                                 x: Axis("Frequency", unit: "Hz", scale: .logarithmic), y: Axis("Gain", unit: "dB"))
            var angle = Plot(title: "phase", x: Axis("Frequency", unit: "Hz", scale: .logarithmic), y: Axis("Phase", unit: "°"))
            // With .step, a curve per point, named by its values.
            for (point, m, circuit) in stepped {
                let (f, gain, phase) = try frequencyResponse(m, circuit, options, from: from, to: to, perDecade: perDecade, swept: swept, level: level)
                // Unwrapped, so that a phase passing ±180° does not jump.
                var unwrapped = phase
                for k in unwrapped.indices.dropFirst() {
                    while unwrapped[k] - unwrapped[k - 1] > 180 { unwrapped[k] -= 360 }
                    while unwrapped[k] - unwrapped[k - 1] < -180 { unwrapped[k] += 360 }
                }
                magnitude.series.append(Series(point?.description ?? "", x: f, y: gain))
                angle.series.append(Series(point?.description ?? "", x: f, y: unwrapped))
            }
            try PlotCommand.write(Figure([magnitude, angle]), to: output)
        }
    }

    struct Spectrum: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The output's harmonics for a sine at the input, relative to the fundamental.")
        @OptionGroup var options: MeasurementOptions
        @Option(name: .shortAndLong, help: "The SVG file to write.") var output: String
        @Option(help: "Frequency of the sine, Hz.") var frequency: String = "1k"
        @Option(help: "Peak level of the sine.") var level: String = "100mV"
        @Option(help: "Highest harmonic.") var harmonics: Int = 9

        func run() throws {
            let (m, _) = try options.measurement()
            let f = try parseQuantity(frequency, option: "--frequency"), a = try parseQuantity(level, option: "--level")
            let h = try measuring(options.file) { () throws(SimulationError) in try m.harmonics(frequency: f, amplitude: a, harmonics: harmonics) }
            let levels = h.amplitudes.indices.map { h.relativeLevel(of: $0 + 1) }
            let floor = max(((levels.filter(\.isFinite).min() ?? -100) / 20).rounded(.down) * 20 - 20, -200)
            var plot = Plot(title: "\(PlotCommand.name(options.file)): harmonics of \(m.output), \(format(a)) peak in at \(format(h.fundamental)) Hz — THD \(format(h.thd * 100, 3)) %",
                            x: Axis("Harmonic", range: 0.3...(Double(h.amplitudes.count) + 0.7), step: 1), y: Axis("Level re fundamental", unit: "dB", range: floor...10))
            plot.series = [Series("", x: h.amplitudes.indices.map { Double($0 + 1) }, y: levels.map { max($0, floor) }, style: .bars)]
            try PlotCommand.write(Figure([plot]), to: output)
        }
    }

    struct THD: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "thd", abstract: "THD against input level, with the output level.")
        @OptionGroup var options: MeasurementOptions
        @Option(name: .shortAndLong, help: "The SVG file to write.") var output: String
        @Option(help: "Frequency of the sine, Hz.") var frequency: String = "1k"
        @Option(help: "Lowest peak level.") var from: String = "10mV"
        @Option(help: "Highest peak level.") var to: String = "2V"
        @Option(help: "Levels, spaced logarithmically.") var points: Int = 16

        func run() throws {
            let (m, _) = try options.measurement()
            let f = try parseQuantity(frequency, option: "--frequency")
            let low = try parseQuantity(from, option: "--from"), high = try parseQuantity(to, option: "--to")
            guard low > 0, high > low, points >= 2 else {
                printError("error: the sweep needs 0 < --from < --to and at least two points")
                throw ExitCode(2)
            }
            let levels = (0..<points).map { low * pow(high / low, Double($0) / Double(points - 1)) }
            let sweep = try measuring(options.file) { () throws(SimulationError) in try m.distortion(frequency: f, levels: levels) }
            let name = PlotCommand.name(options.file)
            var thd = Plot(title: "\(name): THD of \(m.output) at \(format(m.exactFrequency(f))) Hz",
                           x: Axis("Input level (peak)", unit: "V", scale: .logarithmic), y: Axis("THD", unit: "%", scale: .logarithmic))
            thd.series = [Series("THD", x: levels, y: sweep.map { max($0.thd * 100, 1e-6) }, style: .markers)]
            var out = Plot(title: "output level", x: Axis("Input level (peak)", unit: "V", scale: .logarithmic),
                           y: Axis("Output fundamental (peak)", unit: m.output.unit, scale: .logarithmic))
            out.series = [Series("output", x: levels, y: sweep.map(\.output), style: .markers)]
            try PlotCommand.write(Figure([thd, out]), to: output)
        }
    }
}

extension PlotCommand {
    struct PoleZero: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "pz", abstract: "The poles (×) and zeros (○) of the netlist's .pz statement in the s-plane.")
        @Argument(help: "The netlist, with a .pz statement.") var file: String
        @Option(name: .shortAndLong, help: "The SVG file to write.") var output: String
        @Flag(help: "Frequencies in Hz (s/2π) rather than rad/s.") var hertz = false

        func run() throws {
            let circuit = try loadCircuit(file)
            guard let request = circuit.poleZeroAnalyses.first else {
                printError("\(file): error: no .pz statement to plot (as in .pz in 0 out 0 vol pz)")
                throw ExitCode(2)
            }
            let result: PoleZeroResult
            do { result = try Simulator(circuit).poleZero(request) } catch {
                printError("\(file): \(error)")
                throw ExitCode(2)
            }
            let scale = hertz ? 1 / (2 * Double.pi) : 1, unit = hertz ? "Hz" : "rad/s"
            let all = result.poles + result.zeros
            // Axes around every point and the origin, the imaginary one symmetric.
            let reach = max(all.map { abs($0.real) }.max() ?? 1, all.map { abs($0.imaginary) }.max() ?? 0, 1e-30) * scale * 1.1
            let real = (all.map(\.real).min() ?? -1) * scale, realHigh = (all.map(\.real).max() ?? 0) * scale
            let x = Axis("Real part σ", unit: unit, range: min(real * 1.1, -0.05 * reach)...max(realHigh * 1.1, 0.05 * reach))
            let y = Axis("Imaginary part ω", unit: unit, range: -reach...reach)
            func pair(_ a: Node, _ b: Node) -> String { b.isGround ? a.name : "\(a.name),\(b.name)" }
            let transfer = "V(\(pair(request.outputPlus, request.outputMinus)))/\(request.input == .voltage ? "V" : "I")(\(pair(request.inputPlus, request.inputMinus)))"
            var plot = Plot(title: "\(PlotCommand.name(file)): \(result.poles.count) poles, \(result.zeros.count) zeros of \(transfer)", x: x, y: y)
            plot.series = [Series("poles", x: result.poles.map { $0.real * scale }, y: result.poles.map { $0.imaginary * scale }, style: .crosses),
                           Series("zeros", x: result.zeros.map { $0.real * scale }, y: result.zeros.map { $0.imaginary * scale }, style: .rings)]
            try PlotCommand.write(Figure([plot]), to: output)
        }
    }
}

extension Probe {
    /// The unit of the probe's values: V, A or W.
    var unit: String {
        switch quantity {
        case .voltage: "V"
        case .current, .terminalCurrent, .deviceCurrent: "A"
        case .power: "W"
        }
    }
}
