import Anode
import ArgumentParser
import Foundation

struct Bench: ParsableCommand {
    /// The most frames one run processes (its input and output are held in memory whole).
    static let maximumFrames = 5e7

    static let configuration = CommandConfiguration(
        abstract: "Time the real-time processor on a netlist (build with -c release to measure).",
        discussion: """
            Drives the input with the source's own waveform from the netlist, with a sine when \
            --amplitude is given, or with a WAV file (--wav), at the netlist's sample rate (1/TSTEP of \
            its .tran, or --rate; a WAV file's own rate). \
            Prints one line: ns per sample, Newton iterations per sample, the real-time factor, and the \
            slowest block of --block frames (its iterations and time against its real time); with \
            --histogram, then a line for each number of device evaluations a frame took. A netlist \
            with .step prints a line per point, led by its values (rload=8: …).
            """
    )

    @Argument(help: "The netlist file.")
    var file: String

    @Option(name: .customLong("temp"), parsing: .unconditional, help: "Simulate at this temperature, °C, instead of the netlist's (.temp, .options temp=).")
    var temperature: Double?

    @Option(help: "The input source (default: the first source with a transient waveform).")
    var input: String?

    @Option(help: "The output (default: the first output of .print tran, or v(out)).")
    var output: String?

    @Option(help: "Oversampling factor: 1, 2, 4 or 8.")
    var oversample: Int = 1

    @Option(help: "Sample rate in Hz (default: 1/TSTEP of the netlist's .tran, or 48000).")
    var rate: Double?

    @Option(help: "Drive with a sine of this peak amplitude instead of the netlist's waveform (with --wav: the file's peak, in volts).")
    var amplitude: Double?

    @Option(help: "Drive with this WAV file (its channels mixed; full scale is 1 V unless --amplitude is given) at its own sample rate.")
    var wav: String?

    @Option(help: "Frequency of the sine drive, Hz.")
    var frequency: Double = 1000

    @Option(help: "Seconds of audio to process (default: 2, or the whole WAV file).")
    var seconds: Double?

    @Option(help: "Newton's absolute tolerance on the device port voltages, V (default: the processor's, 1e-6).")
    var vntol: Double?

    @Option(help: "How deep steps Newton cannot solve are taken in shorter steps: 0 (never) to 6 (default: the processor's, 4).")
    var substepLevels: Int?

    @Option(help: "Device evaluations per frame the steps Newton cannot solve may spend on their fallbacks, pooled over each block of --block frames (default: no limit).")
    var fallbackBudget: Int?

    @Option(name: .customLong("set"), help: "Set a control before timing, NAME=POSITION (0 to 1); repeatable.")
    var settings: [String] = []

    @Option(help: "Frames per process call, as an audio host's block.")
    var block: Int = 256

    @Option(name: .customLong("repeat"), help: "Time the run this many times and report the fastest, with the median of all (a shared machine's other load only ever slows a run down).")
    var repeats: Int = 1

    @Flag(help: "Then run the signal once more, untimed, a frame per call, and print how many frames took each number of device evaluations, a line each after the summary.")
    var histogram = false

    func validate() throws {
        if let seconds, !(seconds > 0 && seconds <= 86_400) { throw ValidationError("--seconds must be above 0 and at most a day") }
        if !(1...1 << 20).contains(block) { throw ValidationError("--block must be 1 to 1048576 frames") }
        if !(1...1000).contains(repeats) { throw ValidationError("--repeat must be 1 to 1000 runs") }
        if let vntol, !(vntol > 0 && vntol.isFinite) { throw ValidationError("--vntol must be a positive number of volts") }
        let deepest = ProcessorConfiguration.maximumSubstepLevels
        if let substepLevels, !(0...deepest).contains(substepLevels) { throw ValidationError("--substep-levels must be 0 to \(deepest)") }
        if let fallbackBudget, fallbackBudget < 0 { throw ValidationError("--fallback-budget must not be negative") }
        if let amplitude, !amplitude.isFinite { throw ValidationError("--amplitude must be a number of volts") }
        if !(frequency > 0 && frequency.isFinite) { throw ValidationError("--frequency must be a positive number of hertz") }
    }

    func run() throws {
        // With .step, a line per point, led by its values.
        for (point, circuit) in try loadSteppedCircuits(file, temperature: temperature) {
            try bench(circuit, label: point.map { "\($0.description): " } ?? "")
        }
    }

    /// Times the processor of `circuit` and prints its line, led by `label`.
    func bench(_ circuit: Circuit, label: String) throws {
        var circuit = circuit
        try applySettings(settings, to: &circuit, file: file)
        var sources: [(String, Waveform?)] = []
        for e in circuit.elements {
            switch e.kind {
            case let .voltageSource(_, _, s), let .currentSource(_, _, s): sources.append((e.name, s.waveform))
            default: break
            }
        }
        guard let inputName = input ?? sources.first(where: { $0.1 != nil })?.0 ?? sources.first?.0 else {
            printError("\(file): error: the netlist has no independent source to use as input")
            throw ExitCode(2)
        }
        let spec: TransientSpec? = circuit.analyses.compactMap { if case .transient(let t) = $0 { return t } else { return nil } }.first
        var recording: [Double]? = nil
        var sampleRate = rate ?? spec.map { 1 / $0.step } ?? 48_000
        if let wav {
            let file: WAVFile
            do { file = try WAVFile(contentsOfFile: wav) } catch {
                printError(error.description)
                throw ExitCode(2)
            }
            if let rate, rate != file.sampleRate {
                printError("\(wav): error: the file is sampled at \(Int(file.sampleRate)) Hz, not the --rate of \(Int(rate)) Hz (bench does not resample)")
                throw ExitCode(2)
            }
            sampleRate = file.sampleRate
            var samples = file.mono
            try checkDrive(samples, file.channels.count == 1 ? "input" : "mix of \(file.channels.count) channels", of: file, at: wav)
            let peak = samples.reduce(0) { max($0, abs($1)) }
            if let amplitude { samples = samples.map { peak > 0 ? $0 * amplitude / peak : 0 } }
            guard !samples.isEmpty else {
                printError("\(wav): error: the file holds no samples")
                throw ExitCode(2)
            }
            recording = samples
        }
        let probe: Probe
        if let output {
            guard let p = Probe(output) else {
                printError("error: '\(output)' is not an output such as v(out) or i(r1)")
                throw ExitCode(2)
            }
            probe = p
        } else if let p = circuit.outputs.first(where: { $0.analysis == .tran || $0.analysis == nil })?.probe {
            probe = p
        } else {
            probe = .voltage("out")
        }
        let waveform = sources.first { $0.0.lowercased() == inputName.lowercased() }?.1?
            .resolved(step: 1 / sampleRate, stop: spec?.stop ?? 1)
        let processor: Processor
        do {
            var configuration = ProcessorConfiguration(
                inputs: [inputName], outputs: [probe], sampleRate: sampleRate, oversampling: oversample,
                restInputs: amplitude == nil && recording == nil ? waveform.map { [$0.value(at: 0)] } : nil)
            if let vntol { configuration.absoluteTolerance = vntol }
            if let substepLevels { configuration.substepLevels = substepLevels }
            configuration.fallbackBudget = fallbackBudget
            processor = try Processor(circuit, configuration: configuration)
        } catch {
            printError("\(file): \(error.description)")
            throw ExitCode(2)
        }
        // The options read once: each read of an option goes through the argument parser's storage.
        if amplitude != nil && wav == nil && !(frequency < sampleRate / 2) {
            printError(String(format: "%@: error: a %g Hz sine is not below half the sample rate (%g Hz)", file, frequency, sampleRate))
            throw ExitCode(2)
        }
        let drive = amplitude, omega = 2 * Double.pi * frequency
        let signal: [Double]
        if let recording {
            signal = Array(recording.prefix(seconds.map { max(Int($0 * sampleRate), 1) } ?? recording.count))
        } else {
            // The input and output are held whole (so that making them is not timed): at most
            // 5·10⁷ frames, 0.8 GB — a netlist's nanosecond TSTEP is a rate of a gigahertz.
            let span = (seconds ?? 2) * sampleRate
            guard span <= Self.maximumFrames else {
                printError(String(format: "%@: error: %g s at %g Hz is %.3g frames; bench runs at most %.0e (give a shorter --seconds or a lower --rate)",
                                  file, seconds ?? 2, sampleRate, span, Self.maximumFrames))
                throw ExitCode(2)
            }
            let frames = max(Int(span), 1)
            signal = (0..<frames).map { k in
                let t = Double(k + 1) / sampleRate
                // SIN and periodic PULSE run on; PWL holds its last value.
                return drive.map { $0 * sin(omega * t) } ?? waveform?.value(at: t) ?? 0
            }
        }
        let frames = signal.count
        var out = [Double](repeating: 0, count: frames * processor.outputChannels)
        let block = self.block
        // Warm up (caches, branch predictors), then time.
        let warm = min(frames, Int(sampleRate / 10))
        signal.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { o in
            processor.process(input: i.baseAddress!, output: o.baseAddress!, frames: warm)
        } }
        let clock = ContinuousClock()
        // Each run from the operating point with fresh statistics; the fastest is reported (the
        // processor's work is the same in every run, so only the machine's other load differs).
        var runs: [(elapsed: Duration, worstBlock: Duration)] = []
        for _ in 0..<repeats {
            processor.reset()
            processor.resetStatistics()
            let start = clock.now
            // The slowest block too: what an audio callback's deadline must cover.
            var worstBlock = Duration.zero
            signal.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { o in
                var k = 0
                while k < frames {
                    let n = min(block, frames - k)
                    let blockStart = clock.now
                    processor.process(input: i.baseAddress! + k, output: o.baseAddress! + k * processor.outputChannels, frames: n)
                    worstBlock = max(worstBlock, clock.now - blockStart)
                    k += n
                }
            } }
            runs.append((clock.now - start, worstBlock))
        }
        let (elapsed, worstBlock) = runs.min { $0.elapsed < $1.elapsed }!
        let nsPerSample = (elapsed / .seconds(1)) / Double(frames) * 1e9
        let sorted = runs.map(\.elapsed).sorted()
        let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        let spread = runs.count > 1 ? String(format: " (fastest of %d runs, median %.1f ns)", runs.count, (median / .seconds(1)) / Double(frames) * 1e9) : ""
        let stats = processor.statistics
        let perSample = Double(stats.iterations) / Double(frames)
        let factorizations = Double(stats.factorizations) / Double(frames)
        let budget = fallbackBudget == nil ? "" : ", \(stats.overBudget) over budget"
        print(label + String(format: "%.1f ns/sample%@, %.2f Newton iterations/sample (worst %d, %d in sub-steps, %d failures%@), %.2f factorizations/sample, %.1fx real time at %.0f Hz x%d; worst block of %d frames: %d iterations, %.0f of its %.0f us",
                     nsPerSample, spread, perSample, stats.maxIterations, stats.substeps, stats.failures, budget,
                     factorizations, 1e9 / sampleRate / nsPerSample, sampleRate, oversample,
                     block, stats.maxIterationsPerCall, worstBlock / .microseconds(1), Double(block) / sampleRate * 1e6))
        reportInputs(stats, limit: processor.configuration.inputLimit)
        if histogram {
            // The same run again (a run's work does not depend on how it is split into calls),
            // one frame per call, each frame's evaluations read off the statistics.
            processor.reset()
            processor.resetStatistics()
            let more = 17
            var counts = [Int](repeating: 0, count: more + 1)
            signal.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { o in
                for k in 0..<frames {
                    let before = processor.statistics.iterations
                    processor.process(input: i.baseAddress! + k, output: o.baseAddress! + k * processor.outputChannels, frames: 1)
                    counts[min(processor.statistics.iterations - before, more)] += 1
                }
            } }
            for (n, count) in counts.enumerated() where count > 0 {
                print(label + String(format: "  %@ evaluations: %d frames (%.2f %%)", n == more ? "\(more) or more" : "\(n)", count,
                                     100 * Double(count) / Double(frames)))
            }
        }
    }
}
