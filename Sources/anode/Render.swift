import Anode
import ArgumentParser
import Foundation

extension WAVSampleFormat: ExpressibleByArgument {}

struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Play a WAV file through a circuit with the real-time engine and write the result as WAV.",
        discussion: """
            The input drives an independent source (--source; by default the first with a transient \
            waveform), riding on its DC value, at the file's sample rate (times --oversample). Levels: \
            digital full scale is --input-level volts at the input (1 V unless told), or the file is \
            scaled so that its peak is --input-peak; at the output, --output-level volts is full scale \
            (1 V), or --normalize puts the peak at −1 dBFS. The output is the probe's change from its \
            operating point (--keep-dc to keep the DC). Oversampling latency is compensated. \
            The output is written to a temporary file and renamed when complete; the input is never \
            overwritten. A netlist with .step renders a file per point, its values in the name \
            (out.wav → out_rload=8.wav).
            """
    )

    @Argument(help: "The netlist file.")
    var file: String

    @Option(name: .customLong("temp"), parsing: .unconditional, help: "Simulate at this temperature, °C, instead of the netlist's (.temp, .options temp=).")
    var temperature: Double?

    @Option(name: .shortAndLong, help: "The WAV file to play through the circuit.")
    var input: String

    @Option(name: .shortAndLong, help: "The WAV file to write.")
    var output: String

    @Option(name: .customLong("set"), help: "Set a control before rendering, NAME=POSITION (0 to 1); repeatable.")
    var settings: [String] = []

    @Option(help: "Oversampling factor: 1, 2, 4 or 8.")
    var oversample: Int = 1

    @Option(help: "The independent source the audio drives (default: the first with a transient waveform).")
    var source: String?

    @Option(name: .customLong("probe"), help: "An output such as v(out) or i(rload); repeat for more channels (default: the netlist's first .print tran output, or v(out)).")
    var probes: [String] = []

    @Option(help: "Which input channel to use: mix, left, right, or a channel number from 1.")
    var channel: String = "mix"

    @Option(name: .customLong("input-level"), help: "Volts at digital full scale of the input.")
    var inputLevel: String = "1V"

    @Option(name: .customLong("input-peak"), help: "Scale the input so that its peak is this many volts (overrides --input-level).")
    var inputPeak: String?

    @Option(name: .customLong("output-level"), help: "Volts at digital full scale of the output.")
    var outputLevel: String = "1V"

    @Flag(help: "Scale the output so that its peak is at −1 dBFS.")
    var normalize = false

    @Flag(name: .customLong("keep-dc"), help: "Keep the probe's operating-point value in the output.")
    var keepDC = false

    @Option(help: "Output sample format: \(WAVSampleFormat.allCases.map(\.rawValue).joined(separator: ", ")) (default: the input's, at least int16).")
    var format: WAVSampleFormat?

    @Option(help: "Seconds of silence to append so that the circuit can ring out.")
    var tail: Double = 0

    func run() throws {
        // With .step, a file per point, its values in the name (out.wav → out_rload=8.wav).
        for (point, circuit) in try loadSteppedCircuits(file, temperature: temperature) {
            try render(circuit, to: point.map { Self.path(output, for: $0) } ?? output)
        }
    }

    /// `output` with a `.step` point's values before its extension: `out.wav` → `out_rload=8_temp=27.wav`
    /// (characters other than letters, digits and `=.+-` become `_`).
    static func path(_ output: String, for point: StepPoint) -> String {
        let label = String(point.description.map { c in
            c.isASCII && (c.isLetter || c.isNumber || "=.+-".contains(c)) ? c : "_"
        })
        let name = output.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? output
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return output + "_" + label }
        let stem = output.dropLast(name.distance(from: dot, to: name.endIndex))
        return stem + "_" + label + String(name[dot...])
    }

    /// Plays the input file through `circuit` into the WAV file `output`, and prints what it did.
    func render(_ circuit: Circuit, to output: String) throws {
        var circuit = circuit
        try applySettings(settings, to: &circuit, file: file)
        let (inputName, inputSource) = try inputSource(of: circuit, named: source, file: file)
        let probes = try outputProbes(self.probes, of: circuit)
        guard [1, 2, 4, 8].contains(oversample) else {
            printError("error: --oversample must be 1, 2, 4 or 8, not \(oversample)")
            throw ExitCode(2)
        }
        guard tail >= 0, tail.isFinite else {
            printError("error: --tail must be a number of seconds, not \(tail)")
            throw ExitCode(2)
        }
        let inputPath = URL(fileURLWithPath: input).standardizedFileURL.resolvingSymlinksInPath().path
        let outputPath = URL(fileURLWithPath: output).standardizedFileURL.resolvingSymlinksInPath().path
        guard inputPath != outputPath else {
            printError("error: the output '\(output)' is the input file; choose another name")
            throw ExitCode(2)
        }

        // The input, one channel, in volts.
        let wav: WAVFile
        do { wav = try WAVFile(contentsOfFile: input) } catch {
            printError(error.description)
            throw ExitCode(2)
        }
        let samples: [Double]
        switch channel.lowercased() {
        case "mix": samples = wav.mono
        case "left": samples = wav.channels[0]
        case "right":
            guard wav.channels.count > 1 else {
                printError("\(input): error: the file has one channel, so there is no right channel")
                throw ExitCode(2)
            }
            samples = wav.channels[1]
        default:
            guard let k = Int(channel), k >= 1, k <= wav.channels.count else {
                printError("\(input): error: --channel must be mix, left, right or 1…\(wav.channels.count), not '\(channel)'")
                throw ExitCode(2)
            }
            samples = wav.channels[k - 1]
        }
        let source = wav.channels.count == 1 ? "mono" : channel.lowercased() == "mix" ? "mix of \(wav.channels.count) channels" : "channel \(channel)"
        try checkDrive(samples, wav.channels.count == 1 ? "input" : source, of: wav, at: input)
        let inputPeakValue = samples.reduce(0) { max($0, abs($1)) }
        var volts = try parseQuantity(inputLevel, option: "--input-level")
        if let inputPeak {
            let target = try parseQuantity(inputPeak, option: "--input-peak")
            volts = inputPeakValue > 0 ? target / inputPeakValue : 0
        }
        let dc = inputSource.dcValue
        let rate = wav.sampleRate

        let processor: Processor
        do {
            processor = try Processor(circuit, configuration: ProcessorConfiguration(
                inputs: [inputName], outputs: probes, sampleRate: rate, oversampling: oversample, restInputs: [dc]))
        } catch {
            printError("\(file): \(error.description)")
            throw ExitCode(2)
        }

        // Render: the file, the tail, and enough extra to compensate the oversampling latency.
        let delay = Int(processor.latency.rounded())
        let channels = probes.count
        // The output must fit a WAV file (4 GB); a tail of hours would not, and would fill the memory first.
        let outFormat = format ?? (wav.format == .int8 ? .int16 : wav.format)
        guard WAVFile.canHold(frames: Double(samples.count) + tail * rate, channels: channels, format: outFormat) else {
            printError(String(format: "error: --tail %g s makes the output longer than a WAV file can hold (4 GB)", tail))
            throw ExitCode(2)
        }
        let frames = samples.count + Int((tail * rate).rounded())
        let total = frames + delay
        var rendered = [Double](repeating: 0, count: total * channels)
        let block = 4096
        var x = [Double](repeating: dc, count: block)
        let clock = ContinuousClock()
        let start = clock.now
        let progress = ProgressBar(enabled: standardErrorIsTerminal, label: "rendering")
        var done = 0
        while done < total {
            let n = min(block, total - done)
            for k in 0..<n { x[k] = done + k < samples.count ? dc + volts * samples[done + k] : dc }
            x.withUnsafeBufferPointer { i in
                rendered.withUnsafeMutableBufferPointer { o in
                    processor.process(input: i.baseAddress!, output: o.baseAddress! + done * channels, frames: n)
                }
            }
            done += n
            progress.update(Double(done) / Double(total))
        }
        let elapsed = clock.now - start
        progress.finish()
        let seconds = elapsed / .seconds(1)

        // Levels: the change from the operating point (unless --keep-dc), in volts, then full scale.
        var outputs = [[Double]](repeating: [Double](repeating: 0, count: frames), count: channels)
        for c in 0..<channels {
            let rest = keepDC ? 0 : processor.restOutput[c]
            for f in 0..<frames { outputs[c][f] = rendered[(f + delay) * channels + c] - rest }
        }
        let peaks = outputs.map { $0.reduce(0) { max($0, abs($1)) } }
        var fullScale = try parseQuantity(outputLevel, option: "--output-level")
        if normalize {
            let peak = peaks.max() ?? 0
            fullScale = peak > 0 ? peak / pow(10, -1.0 / 20) : 1
        }
        guard fullScale > 0 else {
            printError("error: --output-level must be positive")
            throw ExitCode(2)
        }
        var result = WAVFile(sampleRate: rate, channels: outputs.map { $0.map { $0 / fullScale } }, format: outFormat)
        let beyond = result.samplesBeyondFullScale
        if !outFormat.isFloat {
            for c in result.channels.indices { result.channels[c] = result.channels[c].map { min(max($0, -1), 1) } }
        }
        do { try result.write(toFile: output) } catch {
            printError(error.description)
            throw ExitCode(2)
        }

        let stats = processor.statistics
        let duration = Double(frames) / rate
        print("wrote \(output): \(String(format: "%.2f", duration)) s, \(Int(rate)) Hz, \(channels) channel\(channels == 1 ? "" : "s"), \(outFormat.rawValue)")
        print(String(format: "real-time factor: %.1fx (%.2f s to render %.2f s at %dx oversampling)",
                     duration / max(seconds, 1e-9), seconds, duration, oversample))
        print(String(format: "input %@ (%@): peak %.4g V on a DC of %.4g V (%.4g V at full scale)",
                     inputName, source, volts * inputPeakValue, dc, volts))
        for (c, probe) in probes.enumerated() {
            let dbfs = peaks[c] > 0 ? 20 * log10(peaks[c] / fullScale) : -Double.infinity
            print(String(format: "output %@: peak %.4g V (%.1f dBFS at %.4g V full scale)", probe.description, peaks[c], dbfs, fullScale))
        }
        print("\(beyond) sample\(beyond == 1 ? "" : "s") beyond full scale\(outFormat.isFloat ? " (kept: float output)" : beyond > 0 ? " (clipped)" : "")")
        if beyond > 0 && !outFormat.isFloat {
            printError(String(format: "warning: the output clipped at full scale; use --output-level %.3gV or --normalize", (peaks.max() ?? 1) * 1.12))
        }
        print(String(format: "Newton: %.2f iterations per step (worst %d), %d in sub-steps, %d failure%@",
                     stats.iterationsPerStep, stats.maxIterations, stats.substeps, stats.failures, stats.failures == 1 ? "" : "s"))
        reportInputs(stats, limit: processor.configuration.inputLimit)
    }
}

/// A one-line progress bar on standard error, redrawn at most a hundred times.
final class ProgressBar {
    let enabled: Bool
    let label: String
    var shown = -1

    init(enabled: Bool, label: String) {
        self.enabled = enabled
        self.label = label
    }

    func update(_ fraction: Double) {
        guard enabled else { return }
        let percent = Int(min(max(fraction, 0), 1) * 100)
        guard percent != shown else { return }
        shown = percent
        let width = 30, filled = percent * width / 100
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(percent)%".utf8))
    }

    func finish() {
        guard enabled, shown >= 0 else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
