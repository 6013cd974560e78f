import Foundation
import Testing
import Anode

/// The `anode` command, run as a separate process as a user runs it.
@Suite("anode command")
struct CommandLineTests {
    /// The built `anode` binary: next to the test runner, or in .build/debug.
    static let binary: URL = {
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = runner.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("anode")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return Paths.root.appendingPathComponent(".build/debug/anode")
    }()

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    func run(_ arguments: [String]) throws -> Output {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        process.currentDirectoryURL = Paths.root
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// `text` written to a file `name` in a new temporary directory (the caller removes the directory).
    func temporaryFile(_ name: String, _ text: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("anode-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test("anode plot pz draws the .pz statement's poles as crosses and zeros as rings; without one it says so")
    func poleZeroPlot() throws {
        let netlist = try temporaryFile("stack.cir", "tone stack\n" + PoleZeroTests.toneStack + ".pz src 0 out 0 vol pz\n")
        defer { try? FileManager.default.removeItem(at: netlist.deletingLastPathComponent()) }
        let svg = netlist.deletingLastPathComponent().appendingPathComponent("pz.svg")
        let r = try run(["plot", "pz", netlist.path, "-o", svg.path, "--hertz"])
        #expect(r.status == 0, "\(r.stderr)")
        let drawing = try String(contentsOf: svg, encoding: .utf8)
        #expect(drawing.components(separatedBy: "class=\"cross\"").count - 1 == 3)
        #expect(drawing.components(separatedBy: "class=\"ring\"").count - 1 == 3)
        #expect(drawing.contains("3 poles, 3 zeros of V(out)/V(src)") && drawing.contains("(Hz)"))
        let plain = try temporaryFile("plain.cir", "t\nV1 a 0 1\nR1 a 0 1k\n.op\n")
        defer { try? FileManager.default.removeItem(at: plain.deletingLastPathComponent()) }
        let none = try run(["plot", "pz", plain.path, "-o", svg.path])
        #expect(none.status == 2 && none.stderr.contains("no .pz statement"))
    }

    @Test("the binary is built")
    func binaryExists() {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary.path), "no anode binary at \(Self.binary.path)")
    }

    @Test("anode op prints one v(), i(), ic(device) or p() line per quantity")
    func op() throws {
        let r = try run(["op", "circuits/2n3904-common-emitter.cir"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.allSatisfy { $0.hasPrefix("v(") || $0.hasPrefix("i") || $0.hasPrefix("p(") })
        // The transistor's collector current: what the 4.7 kΩ load carries from 9 V to 5.03 V.
        let ic = try #require(lines.first { $0.hasPrefix("ic(q1) ") }.flatMap { Double($0.split(separator: " ")[1]) })
        #expect(abs(ic - 0.844e-3) < 0.005e-3)
        let collector = lines.first { $0.hasPrefix("v(collector) ") }
        let value = try #require(collector.flatMap { Double($0.split(separator: " ")[1]) })
        #expect(abs(value - 5.03) < 0.01)
        #expect(lines.contains { $0.hasPrefix("i(vcc) ") })
        #expect(lines.contains { $0.hasPrefix("p(q1) ") })
    }

    @Test("--temp replaces the netlist's temperature: the -10 °C preamp at 27 °C is the 27 °C preamp")
    func temperatureOption() throws {
        func collector(_ arguments: [String]) throws -> Double {
            let r = try run(["op", "Tests/AnodeTests/Netlists/temperature-bjt.cir"] + arguments)
            #expect(r.status == 0, "\(r.stderr)")
            return try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("v(collector) ") }.flatMap { Double($0.split(separator: " ")[1]) })
        }
        // ngspice at the netlist's -10 °C: 5.39046 V (Fixtures/temperature-bjt.op.csv); at 27 °C the
        // same stage is circuits/2n3904-common-emitter.cir, 5.03 V.
        #expect(abs(try collector([]) - 5.39046) < 1e-4)
        #expect(abs(try collector(["--temp", "27"]) - 5.03) < 0.01)
        // A temperature below zero as its own argument (an option parser takes "-40" for an option
        // unless told otherwise) is the same as in the --temp= form, and not the netlist's -10 °C.
        let frozen = try collector(["--temp", "-40"])
        #expect(frozen == (try collector(["--temp=-40"])))
        #expect(abs(frozen - 5.39046) > 0.05, "\(frozen)")
        let cold = try run(["op", "Tests/AnodeTests/Netlists/temperature-bjt.cir", "--temp=-274"])
        #expect(cold.status == 2 && cold.stderr.contains("absolute zero"), "\(cold.stderr)")
    }

    @Test("a netlist with .step: simulate writes every point's rows behind the swept columns, op a section per point")
    func steppedNetlist() throws {
        let netlist = try temporaryFile("rc.cir", """
            stepped RC low-pass
            .param c=1u
            V1 in 0 PULSE(0 1 0 1n 1n 1 2)
            R1 in out 1k
            C1 out 0 {c}
            .step param c list 1u 2u
            .step temp 0 27 27
            .tran 0.1m 1m
            .meas tran vend FIND v(out) AT=1m
            .print tran v(out)
            .end
            """)
        defer { try? FileManager.default.removeItem(at: netlist.deletingLastPathComponent()) }
        let output = netlist.deletingLastPathComponent().appendingPathComponent("out.csv")
        let r = try run(["simulate", netlist.path, "-o", output.path])
        #expect(r.status == 0, "\(r.stderr)")
        let tran = try String(contentsOf: output, encoding: .utf8)
            .split(separator: "\n").map(String.init)
        #expect(tran.first == "c,temp,time,v(out)")
        #expect(tran.count == 1 + 4 * 11)
        // v(out) at 1 ms: 1 − e^(−t/RC), RC = 1 ms and 2 ms (no temperature coefficients).
        let meas = try String(contentsOf: netlist.deletingLastPathComponent().appendingPathComponent("out.meas.csv"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        #expect(meas.first == "c,temp,name,value" && meas.count == 5)
        for line in meas.dropFirst() {
            let f = line.split(separator: ",")
            let c = try #require(Double(f[0])), v = try #require(Double(f[3]))
            #expect(abs(v - (1 - exp(-1e-3 / (1e3 * c)))) < 2e-3, "\(line)")
        }
        let op = try run(["op", netlist.path])
        #expect(op.status == 0)
        #expect(op.stdout.split(separator: "\n").filter { $0.hasPrefix("# step ") } == ["# step c=1e-06 temp=0", "# step c=2e-06 temp=0", "# step c=1e-06 temp=27", "# step c=2e-06 temp=27"])
        // anode plot: a curve per point, named by its values.
        let svg = netlist.deletingLastPathComponent().appendingPathComponent("response.svg")
        let plot = try run(["plot", "response", netlist.path, "-o", svg.path, "--from", "100", "--to", "10k"])
        #expect(plot.status == 0, "\(plot.stderr)")
        let drawing = try String(contentsOf: svg, encoding: .utf8)
        for name in ["c=1e-06 temp=0", "c=2e-06 temp=0", "c=1e-06 temp=27", "c=2e-06 temp=27"] {
            #expect(drawing.contains(name), "no curve named \(name)")
        }
        // anode measure: the swept values lead each row.
        let thd = try run(["measure", "thd", netlist.path, "--source", "V1", "--probe", "v(out)", "--csv", "--harmonics", "3"])
        #expect(thd.status == 0, "\(thd.stderr)")
        let rows = thd.stdout.split(separator: "\n")
        #expect(rows.first == "c,temp,harmonic,frequency_Hz,amplitude,relative_dB")
        #expect(rows.count == 1 + 4 * 3 && rows.dropFirst().allSatisfy { $0.hasPrefix("1e-06,") || $0.hasPrefix("2e-06,") })
        // bench: a line per point, led by its values.
        let bench = try run(["bench", netlist.path, "--seconds", "0.01", "--rate", "48000"])
        #expect(bench.status == 0, "\(bench.stderr)")
        let benchLines = bench.stdout.split(separator: "\n")
        #expect(benchLines.map { $0.prefix { $0 != ":" } } == ["c=1e-06 temp=0", "c=2e-06 temp=0", "c=1e-06 temp=27", "c=2e-06 temp=27"])
        #expect(benchLines.allSatisfy { $0.contains(" ns/sample, ") })
        // render: a file per point, its values in the name; the larger C passes less of 1 kHz.
        let wavIn = netlist.deletingLastPathComponent().appendingPathComponent("in.wav")
        try WAVFile(sampleRate: 48_000, channels: [TestSignal.sine(frequency: 1000, duration: 0.05, sampleRate: 48_000, peak: 0.5)]).write(toFile: wavIn.path)
        let wavOut = netlist.deletingLastPathComponent().appendingPathComponent("out.wav")
        let render = try run(["render", netlist.path, "-i", wavIn.path, "-o", wavOut.path])
        #expect(render.status == 0, "\(render.stderr)")
        var renderedPeaks: [String: Double] = [:]
        for name in ["c=1e-06_temp=0", "c=2e-06_temp=0", "c=1e-06_temp=27", "c=2e-06_temp=27"] {
            let file = netlist.deletingLastPathComponent().appendingPathComponent("out_\(name).wav")
            let wav = try WAVFile(contentsOfFile: file.path)
            renderedPeaks[name] = wav.channels[0].suffix(1000).map(abs).max() ?? 0
        }
        #expect(!FileManager.default.fileExists(atPath: wavOut.path))
        // |H(1 kHz)| = 1/√(1 + (ωRC)²): 0.157 and 0.079 of the 0.5 V peak.
        for temp in ["0", "27"] {
            let small = try #require(renderedPeaks["c=1e-06_temp=\(temp)"]), large = try #require(renderedPeaks["c=2e-06_temp=\(temp)"])
            #expect(abs(small - 0.5 / (1 + pow(2 * Double.pi * 1e3 * 1e-3, 2)).squareRoot()) <= 0.01, "\(small)")
            #expect(abs(large - 0.5 / (1 + pow(2 * Double.pi * 1e3 * 2e-3, 2)).squareRoot()) <= 0.01, "\(large)")
        }
        // measure power likewise: R1's power for 100 mV peak at 1 kHz, A²·R/(2·|R + 1/(jωC)|²).
        let power = try run(["measure", "power", netlist.path, "--source", "V1", "--probe", "v(out)", "--load", "R1", "--csv"])
        #expect(power.status == 0, "\(power.stderr)")
        let lines = power.stdout.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        #expect(lines.first == ["c", "temp", "kind", "name", "power_W"])
        let outputs = lines.filter { $0.count == 5 && $0[2] == "output" }
        #expect(outputs.count == 4)
        for row in outputs {
            let c = try #require(Double(row[0])), watts = try #require(Double(row[4]))
            let reactance = 1 / (2 * Double.pi * 1e3 * c)
            let expected = 0.1 * 0.1 * 1e3 / (2 * (1e6 + reactance * reactance))
            #expect(abs(watts - expected) <= 0.01 * expected, "\(row)")
        }
    }

    @Test("anode bench prints one line that scripts can read, and refuses an impossible tolerance")
    func bench() throws {
        let r = try run(["bench", "circuits/diode-clipper.cir", "--amplitude", "1", "--seconds", "0.05", "--vntol", "1e-5"])
        #expect(r.status == 0, "\(r.stderr)")
        let fields = r.stdout.split(separator: " ")
        let ns = try #require(fields.first.flatMap { Double($0) })
        #expect(ns > 0 && ns.isFinite)
        #expect(fields.dropFirst().first == "ns/sample,")
        #expect(r.stdout.contains("Newton iterations/sample") && r.stdout.contains("factorizations/sample"))
        #expect(r.stdout.contains("0 failures"))
        // The slowest block: its iterations (at least one per frame) and its time against real time.
        let worst = try #require(r.stdout.split(separator: ";").last)
        let numbers = worst.split(separator: " ").compactMap { Double($0) }
        #expect(worst.contains("worst block of 256 frames:") && numbers.count == 4, "\(worst)")
        if numbers.count == 4 { #expect(numbers[1] >= 256 && numbers[2] > 0 && abs(numbers[3] - 256 / 100_000 * 1e6) < 1) }
        // Repeated: the fastest run first, then the median of all, which cannot be faster.
        let repeated = try run(["bench", "circuits/diode-clipper.cir", "--amplitude", "1", "--seconds", "0.02", "--repeat", "3"])
        #expect(repeated.status == 0, "\(repeated.stderr)")
        let fastest = repeated.stdout.split(separator: " ").first.flatMap { Double($0) }
        let median = repeated.stdout.firstRange(of: "median ").flatMap { Double(repeated.stdout[$0.upperBound...].prefix { $0 != " " }) }
        #expect(repeated.stdout.contains("ns/sample (fastest of 3 runs, median "), "\(repeated.stdout)")
        if let fastest, let median { #expect(fastest > 0 && median >= fastest) } else { Issue.record("no figures in \(repeated.stdout)") }
        let once = try run(["bench", "circuits/diode-clipper.cir", "--repeat", "0"])
        #expect(once.status != 0 && once.stderr.contains("--repeat must be 1 to 1000"), "\(once.stderr)")
        let budgeted = try run(["bench", "circuits/diode-clipper.cir", "--amplitude", "1", "--seconds", "0.05", "--fallback-budget", "4"])
        #expect(budgeted.status == 0 && budgeted.stdout.contains("0 over budget"), "\(budgeted.stdout)")
        let refused = try run(["bench", "circuits/diode-clipper.cir", "--vntol", "0"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("--vntol"))
        let negative = try run(["bench", "circuits/diode-clipper.cir", "--fallback-budget", "-1"])
        #expect(negative.status != 0 && negative.stderr.contains("--fallback-budget"))
        let silent = try run(["bench", "circuits/diode-clipper.cir", "--amplitude", "nan"])
        #expect(silent.status != 0 && silent.stderr.contains("--amplitude"), "\(silent.stderr)")
        let aliased = try run(["bench", "circuits/diode-clipper.cir", "--amplitude", "1", "--rate", "48000", "--frequency", "30000"])
        #expect(aliased.status == 2 && aliased.stderr.contains("not below half the sample rate"), "\(aliased.stderr)")
        // A nanosecond TSTEP is a gigahertz rate: two seconds of it would not fit in memory.
        let huge = try run(["bench", "Tests/AnodeTests/Netlists/spice2-forms.cir"])
        #expect(huge.status == 2 && huge.stderr.contains("bench runs at most 5e+07"), "\(huge.stderr)")
        let short = try run(["bench", "Tests/AnodeTests/Netlists/spice2-forms.cir", "--seconds", "1e-6"])
        #expect(short.status == 0 && short.stdout.contains("0 failures"), "\(short.stdout) \(short.stderr)")
    }

    @Test("anode bench --histogram: how many frames took each number of evaluations, adding up to the summary's")
    func benchHistogram() throws {
        // The clipper at 3 V, 0.05 s at its netlist's 100 kHz: 5000 frames, most solved in one
        // evaluation, some in more. The histogram's run is the timed run again, one frame per call.
        let r = try run(["bench", "circuits/diode-clipper.cir", "--amplitude", "3", "--seconds", "0.05", "--histogram"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let summary = try #require(lines.first)
        let afterTime = summary.components(separatedBy: " ns/sample, ").dropFirst().first ?? ""
        let perSample = try #require(Double(afterTime.prefix { $0 != " " }), "\(r.stdout)")
        var frames = 0, evaluations = 0
        for line in lines.dropFirst() {
            // "  2 evaluations: 312 frames (6.24 %)"
            let words = line.split(separator: " ")
            let n = try #require(words.first.flatMap { Int($0) }, "\(line)")
            let count = try #require(words.firstIndex(of: "evaluations:").flatMap { Int(words[$0 + 1]) }, "\(line)")
            #expect(line.hasPrefix("  ") && n >= 1 && count > 0, "\(line)")
            frames += count
            evaluations += n * count
        }
        #expect(frames == 5000, "\(r.stdout)")
        #expect(lines.count >= 3, "one number of evaluations only: \(r.stdout)")
        #expect(abs(Double(evaluations) / Double(max(frames, 1)) - perSample) < 0.006, "\(evaluations) in \(frames) frames against \(summary)")
    }

    @Test("anode bench sets knobs and the host's block size: the tube amplifier at full gain works harder")
    func benchSettings() throws {
        func iterations(_ gain: String) throws -> (perSample: Double, line: String) {
            let r = try run(["bench", "circuits/tube-amp.cir", "--rate", "48000", "--seconds", "0.02", "--set", "gain=\(gain)",
                             "--set", "master=\(gain)", "--block", "64"])
            #expect(r.status == 0, "\(r.stderr)")
            let fields = r.stdout.split(separator: " ")
            let perSample = try #require(fields.firstIndex(of: "Newton").flatMap { Double(fields[$0 - 1]) }, "\(r.stdout)")
            return (perSample, r.stdout)
        }
        let quiet = try iterations("0"), loud = try iterations("1")
        #expect(loud.perSample > quiet.perSample + 0.5, "\(quiet.line)\(loud.line)")
        #expect(quiet.line.contains("worst block of 64 frames:"))
        let unknown = try run(["bench", "circuits/tube-amp.cir", "--set", "volume=1"])
        #expect(unknown.status != 0 && unknown.stderr.contains("no control named 'volume'") && unknown.stderr.contains("gain"))
        let noBlock = try run(["bench", "circuits/diode-clipper.cir", "--block", "0"])
        #expect(noBlock.status != 0 && noBlock.stderr.contains("--block"))
    }

    @Test("anode bench drives a circuit with a WAV file at the file's own rate, scaled to --amplitude")
    func benchRecording() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("anode-bench-\(UUID().uuidString).wav")
        defer { try? FileManager.default.removeItem(at: file) }
        // 1000 frames at 44.1 kHz: silence, then a 0.5 full-scale square that the clipper flattens.
        let samples = (0..<1000).map { k in k < 500 ? 0.0 : (k / 20 % 2 == 0 ? 0.5 : -0.5) }
        try WAVFile(sampleRate: 44_100, channels: [samples], format: .float32).write(toFile: file.path)
        func bench(_ extra: [String]) throws -> Output {
            try run(["bench", "circuits/diode-clipper.cir", "--wav", file.path, "--block", "1000"] + extra)
        }
        let soft = try bench([]), hard = try bench(["--amplitude", "5"])
        #expect(soft.status == 0 && hard.status == 0, "\(soft.stderr)\(hard.stderr)")
        #expect(soft.stdout.contains("at 44100 Hz") && soft.stdout.contains("worst block of 1000 frames"), "\(soft.stdout)")
        // The whole file is one block: its iterations are the run's. Driven at 5 V the diodes switch
        // hard at every edge and take more of them than at 0.5 V.
        func blockIterations(_ r: Output) -> Int? {
            r.stdout.split(separator: ";").last?.split(separator: " ").compactMap { Int($0) }.dropFirst().first
        }
        let softCount = try #require(blockIterations(soft)), hardCount = try #require(blockIterations(hard))
        #expect(softCount >= 1000 && hardCount > softCount, "\(soft.stdout)\(hard.stdout)")
        let mismatch = try bench(["--rate", "48000"])
        #expect(mismatch.status != 0 && mismatch.stderr.contains("44100 Hz"))
        let missing = try run(["bench", "circuits/diode-clipper.cir", "--wav", "/nonexistent.wav"])
        #expect(missing.status != 0 && missing.stderr.contains("nonexistent"))
    }

    @Test("anode simulate writes one CSV per analysis with SPICE vector names")
    func simulate() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("anode-sim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("clip.csv").path
        let r = try run(["simulate", "circuits/diode-clipper.cir", "-o", out])
        #expect(r.status == 0, "\(r.stderr)")
        let tran = try String(contentsOfFile: dir.appendingPathComponent("clip.tran.csv").path, encoding: .utf8)
        let lines = tran.split(separator: "\n")
        #expect(lines[0] == "time,v(out)")
        #expect(lines.count == 502)
        let peak = lines.dropFirst().compactMap { Double($0.split(separator: ",")[1]) }.max() ?? 0
        #expect(abs(peak - 0.516) < 0.005)
        let ac = try String(contentsOfFile: dir.appendingPathComponent("clip.ac.csv").path, encoding: .utf8)
        #expect(ac.hasPrefix("frequency,vdb(out),vp(out)\n"))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("clip.op.csv").path))
    }

    @Test("anode simulate --engine realtime --oversample 4: rows that line up with the reference simulator's; a factor it lacks exits 64")
    func simulateOversampled() throws {
        let url = try temporaryFile("rc.cir", "rc\nV1 in 0 SIN(0 1 1k)\nR1 in out 1k\nC1 out 0 100n\n.tran 10u 2m\n.print tran v(out)\n")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        func column(_ result: Output) -> [Double] {
            result.stdout.split(separator: "\n").dropFirst().compactMap { $0.split(separator: ",").last.flatMap { Double($0) } }
        }
        let oversampled = try run(["simulate", url.path, "--engine", "realtime", "--oversample", "4"])
        let reference = try run(["simulate", url.path])
        #expect(oversampled.status == 0 && reference.status == 0, "\(oversampled.stderr)")
        let (a, b) = (column(oversampled), column(reference))
        #expect(a.count == 201 && b.count == 201)
        // Past the filters' response to the start: the same low-passed sine (a row a sample late
        // would be 0.03 V off), but for the anti-alias filters' ripple.
        let worst = zip(a, b).dropFirst(50).map { abs($0 - $1) }.max() ?? 1
        #expect(worst < 1e-3, "\(worst) V from the reference simulator")
        let three = try run(["simulate", url.path, "--engine", "realtime", "--oversample", "3"])
        #expect(three.status == 64 && three.stderr.contains("1, 2, 4 or 8"), "\(three.stderr)")
        let mna = try run(["simulate", url.path, "--oversample", "2"])
        #expect(mna.status == 64 && mna.stderr.contains("--engine realtime"), "\(mna.stderr)")
    }

    @Test("anode simulate --engine realtime: UIC starts at the initial conditions; method=euler and xmu integrate as the netlist asks", arguments: ["method=euler", "xmu=0.3", "xmu=0.5"])
    func simulateRealtimeIntegration(_ option: String) throws {
        let uic = try run(["simulate", "Tests/AnodeTests/Netlists/lc-uic.cir", "--engine", "realtime"])
        let first = uic.stdout.split(separator: "\n").dropFirst().first.map { $0.split(separator: ",").compactMap { Double($0) } } ?? []
        #expect(uic.status == 0 && first.count == 3 && abs(first[1] - 1) < 1e-12, "\(uic.stderr)")
        let url = try temporaryFile("rc.cir", "rc\nV1 in 0 SIN(0 1 1k)\nR1 in out 1k\nC1 out 0 100n\n.options \(option)\n.tran 10u 1m\n")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let result = try run(["simulate", url.path, "--engine", "realtime"])
        #expect(result.status == 0 && !result.stderr.contains("warning"), "\(result.stderr)")
        let rows = result.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",").compactMap { Double($0) } }
        #expect(rows.count == 101)
        // The RC low-pass by hand, from rest: the capacitor's current after a step h is
        // i = a0·C·(v − v_prev) − w·i_prev with (a0, w) = (1/(h(1 − xmu)), xmu/(1 − xmu)), or (1/h, 0)
        // for backward Euler, and (u − v)/R = i.
        let h = 10e-6, r = 1e3, c = 100e-9
        let xmu = option == "method=euler" ? 0 : Double(option.dropFirst(4))!
        let a0 = 1 / (h * (1 - xmu)), w = xmu / (1 - xmu)
        var v = 0.0, i = 0.0, worst = 0.0
        for (k, row) in rows.enumerated() where k > 0 {
            let u = sin(2 * Double.pi * 1000 * Double(k) * h)
            let next = (u / r + a0 * c * v + w * i) / (1 / r + a0 * c)
            i = (u - next) / r
            v = next
            worst = max(worst, abs(row[2] - v))
        }
        #expect(worst < 1e-9, "\(option): \(worst) V from the recursion")
    }

    @Test("anode simulate reports .meas results as name,value (failed, with a warning, where there is none) and .four tables; the CSV keeps its columns")
    func measurements() throws {
        let url = try temporaryFile("rc.cir", """
            rc
            V1 in 0 PULSE(0 1 0 1u 1u 1 2)
            R1 in out 1k
            C1 out 0 1u
            .tran 10u 5m
            .print tran v(out)
            .meas tran tau WHEN v(out)=0.6321205588 RISE=1
            .meas tran never WHEN v(out)=2
            .four 1k v(out)
            """)
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let r = try run(["simulate", url.path])
        #expect(r.status == 0, "\(r.stderr)")
        // v(in) is read by no .meas, v(out) is printed: the transient's CSV is unchanged by the measurements.
        #expect(r.stdout.hasPrefix("time,v(out)\n"))
        let sections = r.stdout.components(separatedBy: "# four\n")
        #expect(sections.count == 2 && sections[1].hasPrefix("output,harmonic,frequency,magnitude,phase,norm. magnitude,norm. phase,thd (%)\nv(out),0,0,"), "\(r.stdout.suffix(300))")
        #expect(sections.count == 2 && sections[1].split(separator: "\n").count == 11)
        #expect(r.stderr.contains("v(out): THD"))
        let meas = try #require(sections[0].components(separatedBy: "# meas\n").last)
        let rows = meas.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        #expect(rows.first == ["name", "value"])
        // 1 − 1/e of the step is reached at t = RC = 1 ms (the 1 µs rise moves it by 0.5 µs).
        let tau = try #require(rows.first { $0.first == "tau" }.flatMap { Double($0[1]) })
        #expect(abs(tau - 1.0005e-3) < 2e-6, "\(tau)")
        #expect(rows.contains(["never", "failed"]))
        #expect(r.stderr.contains("rc.cir:8:1: warning: .meas never: v(out) never crosses 2"), "\(r.stderr)")
        // With -o: beside the analysis' CSV.
        let out = url.deletingLastPathComponent().appendingPathComponent("rc.csv").path
        #expect(try run(["simulate", url.path, "-o", out]).status == 0)
        let file = try String(contentsOfFile: url.deletingLastPathComponent().appendingPathComponent("rc.meas.csv").path, encoding: .utf8)
        #expect(file.hasPrefix("name,value\ntau,"))
        #expect(FileManager.default.fileExists(atPath: url.deletingLastPathComponent().appendingPathComponent("rc.four.csv").path))
    }

    @Test("anode simulate reports .tf as name,value under ngspice's names; a netlist with only .tf runs")
    func transferFunction() throws {
        let r = try run(["simulate", "Tests/AnodeTests/Netlists/transfer-function.cir"])
        #expect(r.status == 0, "\(r.stderr)")
        let tf = try #require(r.stdout.components(separatedBy: "# tf\n").last)
        #expect(tf.hasPrefix("name,value\ntransfer_function,-4.2318"), "\(tf)")
        #expect(tf.contains("\nvin#input_impedance,162788.9") && tf.contains("\noutput_impedance_at_v(c),4679.2"))
        let url = try temporaryFile("divider.cir", "divider\nV1 in 0 DC 1\nR1 in out 1k\nR2 out 0 1k\n.tf v(out) V1\n")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let only = try run(["simulate", url.path])
        #expect(only.status == 0 && only.stdout == "# tf\nname,value\ntransfer_function,0.5\nv1#input_impedance,2000\noutput_impedance_at_v(out),500\n", "\(only.stdout)\(only.stderr)")
    }

    @Test("anode simulate writes .noise's spectra and totals, and names the largest contributions")
    func noise() throws {
        let url = try temporaryFile("divider.cir", "divider\nV1 in 0 DC 1 AC 1\nR1 in out 1k\nR2 out 0 3k\n.noise v(out) V1 lin 2 1k 2k\n")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let r = try run(["simulate", url.path])
        #expect(r.status == 0, "\(r.stderr)")
        // 750 Ω: √(4kT·750 Ω) = 3.5259 nV/√Hz at the output, over 1 kHz 111.50 nV; the gain is 3/4.
        let spectra = try #require(r.stdout.components(separatedBy: "# noise\n").last?.components(separatedBy: "# noise-total\n"))
        #expect(spectra.first?.hasPrefix("frequency,onoise_spectrum,inoise_spectrum\n1000,3.5259") == true, "\(r.stdout)")
        #expect(spectra.last?.hasPrefix("name,value\nonoise_total,1.1149") == true, "\(r.stdout)")
        #expect(spectra.last?.contains("\ninoise_total,1.4866") == true && spectra.last?.contains("\nonoise_total(R1),") == true, "\(r.stdout)")
        #expect(r.stderr.contains("noise: 1.115e-07 V rms at v(out), 1.487e-07 referred to V1 (largest: R1 9.66e-08 V, R2 5.57e-08 V)"), "\(r.stderr)")
    }

    @Test("a netlist without outputs records every node voltage")
    func allNodes() throws {
        let url = try temporaryFile("rc.cir", "rc\nV1 in 0 PULSE(0 1 0 1u 1u 1 2)\nR1 in out 1k\nC1 out 0 1u\n.tran 100u 1m\n")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let r = try run(["simulate", url.path])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("time,v(in),v(out)\n"))
    }

    @Test("malformed netlists: a located error and exit status 2", arguments: [
        ("t\nR1 a b\n", ":2:", "has no value"),
        ("t\nQ1 c b e nosuch\nR1 c 0 1\n.op\n", ":2:", "unknown model"),
        ("t\nR1 a 0 1k\n.tran 1 2 0 1 5\n", ":3:", ".tran takes"),
        ("t\nV1 a 0 1\nR1 a b 1k\nC1 b 0 1u\nC2 b c 1u\nR2 c d 1\n.op\n", "node 'c'", "no DC path"),
        ("t\nR1 a 0 1k\n", "", "no analysis"),
    ])
    func errors(_ text: String, _ place: String, _ message: String) throws {
        let url = try temporaryFile("bad.cir", text)
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let r = try run(["simulate", url.path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("error"))
        #expect(r.stderr.contains(message), "\(r.stderr)")
        if !place.isEmpty { #expect(r.stderr.contains(place), "\(r.stderr)") }
        #expect(!r.stderr.contains("Fatal error"))
    }

    @Test("a missing file is an error, not a crash")
    func missingFile() throws {
        let r = try run(["op", "/nonexistent/file.cir"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("no such file"))
    }

    @Test("anode simulate writes .wave's files next to the netlist (one per .step point), warns of clipping, and refuses one without .tran")
    func waveFiles() throws {
        let netlist = try temporaryFile("wav-clipper.net", try String(contentsOf: LTspiceNetlistTests.folder.appendingPathComponent("wav-clipper.net"), encoding: .utf8))
        let dir = netlist.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(at: LTspiceNetlistTests.folder.appendingPathComponent("pluck.wav"), to: dir.appendingPathComponent("pluck.wav"))
        let r = try run(["simulate", netlist.path, "-o", dir.appendingPathComponent("out.csv").path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("clipped.wav (2 channels, 16 bits, 48000 Hz, 0.0200208 s)"), "\(r.stderr)")
        let wav = try WAVFile(contentsOfFile: dir.appendingPathComponent("clipped.wav").path)
        #expect(wav.channels.count == 2 && wav.frameCount == 961 && wav.format == .int16)
        // The clipper's output peaks near 0.6 V, inside full scale: no clipping, and not silence.
        let peak = wav.channels[0].map(abs).max() ?? 0
        #expect(peak > 0.4 && peak < 0.8, "\(peak)")
        #expect(!r.stderr.contains("beyond full scale"))

        let stepped = dir.appendingPathComponent("loud.cir")
        try "loud\nV1 a 0 SIN(0 {g} 1k)\nR1 a 0 1k\n.param g=0.5\n.step param g list 0.5 2\n.tran 0 2m\n.wave loud.wav 8 8k V(a)\n.end\n"
            .write(to: stepped, atomically: true, encoding: .utf8)
        let s = try run(["simulate", stepped.path, "-o", dir.appendingPathComponent("loud.csv").path])
        #expect(s.status == 0, "\(s.stderr)")
        for (k, level) in [(1, 0.5), (2, 1.0)] {
            let file = try WAVFile(contentsOfFile: dir.appendingPathComponent("loud.\(k).wav").path)
            // 8 kHz for 2 ms: 17 samples; the second point's 2 V peak clips at full scale (127/128 in 8 bits).
            #expect(file.frameCount == 17 && file.format == .int8)
            let peak = file.channels[0].max() ?? 0
            #expect(abs(peak - (level == 1 ? 127.0 / 128 : 0.5)) <= 1.0 / 128, "point \(k): \(peak)")
        }
        #expect(s.stderr.contains("step 2/2 (g=2): v(a) is beyond full scale (±1)"), "\(s.stderr)")
        #expect(!s.stderr.contains("step 1/2 (g=0.5): v(a) is beyond"), "\(s.stderr)")

        let noTran = dir.appendingPathComponent("op.cir")
        try "op only\nV1 a 0 1\nR1 a 0 1k\n.op\n.wave x.wav 16 48k V(a)\n.end\n".write(to: noTran, atomically: true, encoding: .utf8)
        let o = try run(["simulate", noTran.path])
        #expect(o.status == 2 && o.stderr.contains("op.cir:5:1: error: .wave: the netlist has no .tran to write"), "\(o.stderr)")
    }
}

