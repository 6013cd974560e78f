import Foundation
import Synchronization
import Testing
@testable import Anode

/// The real-time processor against the reference simulator at the same step: the nodal DK model and
/// the MNA engine solve the same trapezoidal equations, so they must agree to rounding.
@Suite("Real-time processor")
struct ProcessorTests {
    /// Runs `netlist`'s transient both ways (fixed step TSTEP, tight tolerances) and returns the
    /// worst difference of each probe relative to that probe's peak.
    static func compare(_ netlist: URL, iterationLimit: Int = 100) throws -> [(Probe, Double)] {
        try compare(loadCircuit(netlist), iterationLimit: iterationLimit)
    }

    /// `compare` for a circuit with a `.tran` analysis.
    static func compare(_ circuit: Circuit, iterationLimit: Int = 100) throws -> [(Probe, Double)] {
        try comparison(circuit, iterationLimit: iterationLimit).errors
    }

    /// What `comparison` finds: each probe's worst difference relative to its peak, whether the
    /// reference simulator had to cut a step (then the two engines took different shorter steps
    /// there, and agree only as closely as both resolve what happened within it), and the
    /// processor's statistics.
    struct Comparison {
        var errors: [(Probe, Double)] = []
        var referenceCutSteps = false
        var statistics = ProcessorStatistics()
        /// Whether every output sample of the processor was finite.
        var finite = true
    }

    /// Both engines on a circuit with a `.tran` analysis (see `compare`); a probe whose peak is
    /// below `floor` is measured against `floor` instead.
    static func comparison(_ circuit: Circuit, iterationLimit: Int = 100, floor: Double = 1e-12, tighter: Double = 1) throws -> Comparison {
        var circuit = circuit
        guard case .transient(var spec)? = circuit.analyses.first(where: { $0.kind == .tran }) else { return Comparison() }
        spec.maxStep = nil
        spec.start = 0
        circuit.options.fixedStep = true
        circuit.options.relativeTolerance = 1e-8 / tighter
        circuit.options.voltageTolerance = 1e-10 / tighter
        circuit.options.currentTolerance = 1e-13 / tighter
        circuit.options.transientIterationLimit = iterationLimit
        let simulator = try Simulator(circuit)
        // Powers are the reference simulator's alone (not linear in the processor's state).
        let probes = simulator.defaultProbes(for: .tran).filter { !$0.quantity.isPower }
        let reference = try simulator.transient(spec, probes: probes)
        // Inputs: every source with a waveform.
        var inputs: [(String, Waveform)] = []
        for e in circuit.elements {
            switch e.kind {
            case let .voltageSource(_, _, s), let .currentSource(_, _, s):
                if let w = s.waveform { inputs.append((e.name, w.resolved(step: spec.step, stop: spec.stop))) }
            default: break
            }
        }
        let processor = try Processor(circuit, configuration: ProcessorConfiguration(
            inputs: inputs.map(\.0), outputs: probes, sampleRate: 1 / spec.step, restInputs: inputs.map { $0.1.value(at: 0) },
            absoluteTolerance: 1e-9 / tighter, relativeTolerance: 1e-10 / tighter, maxIterations: 100,
            usesInitialConditions: spec.useInitialConditions))
        let frames = reference.time.count - 1
        var input = [Double](repeating: 0, count: frames * inputs.count)
        for k in 0..<frames { for (c, w) in inputs.enumerated() { input[k * inputs.count + c] = w.1.value(at: Double(k + 1) * spec.step) } }
        var output = [Double](repeating: 0, count: frames * probes.count)
        input.withUnsafeBufferPointer { i in output.withUnsafeMutableBufferPointer { o in processor.process(input: i, output: o) } }
        #expect(processor.statistics.failures == 0)
        var result = Comparison(referenceCutSteps: reference.rejectedSteps > 0, statistics: processor.statistics,
                                finite: output.allSatisfy(\.isFinite))
        for (c, probe) in probes.enumerated() {
            let expected = reference.values(probe)!
            let peak = expected.map(abs).max() ?? 0
            var worst = 0.0
            for k in 0..<frames { worst = max(worst, abs(output[k * probes.count + c] - expected[k + 1])) }
            result.errors.append((probe, worst / max(peak, floor)))
        }
        return result
    }

    @Test("agrees with the reference simulator at the same step", arguments: (NgspiceAgreementTests.netlists + LTspiceNetlistTests.netlists).filter {
        (try? loadCircuit($0).analyses.contains { $0.kind == .tran }) ?? false
    })
    func agreement(_ netlist: URL) throws {
        for (probe, error) in try Self.compare(netlist) {
            #expect(error <= 1e-6, "\(netlist.lastPathComponent): \(probe) differs by \(error) of its peak")
        }
    }

    @Test("agrees with the reference simulator under ngspice's damped trapezoidal rule and backward Euler",
          arguments: ["diode-clipper", "12ax7-common-cathode", "2n3904-common-emitter", "class-ab-output", "tube-screamer"],
          ["xmu=0.3", "method=euler"])
    func agreementUnderDamping(_ name: String, _ option: String) throws {
        var circuit = try loadCircuit(Paths.circuits.appendingPathComponent(name + ".cir"))
        if option == "method=euler" { circuit.options.method = .backwardEuler } else { circuit.options.xmu = 0.3 }
        let errors = try Self.compare(circuit)
        #expect(!errors.isEmpty)
        for (probe, error) in errors {
            #expect(error <= 1e-6, "\(name) with \(option): \(probe) differs by \(error) of its peak")
        }
        // And the option is not lost on the way: the processor's output moves with it.
        let plain = try loadCircuit(Paths.circuits.appendingPathComponent(name + ".cir"))
        guard case .transient(var spec)? = plain.analyses.first(where: { $0.kind == .tran }) else { Issue.record("no .tran"); return }
        spec.maxStep = nil
        let probe = Probe.voltage("out")
        let damped = try #require(Simulator(circuit).realtimeTransient(spec, probes: [probe]).0.values(probe))
        let trapezoidal = try #require(Simulator(plain).realtimeTransient(spec, probes: [probe]).0.values(probe))
        let peak = trapezoidal.map(abs).max() ?? 0
        let moved = zip(damped, trapezoidal).map { abs($0 - $1) }.max() ?? 0
        #expect(moved > 1e-4 * peak, "\(name) with \(option): output moved by \(moved) of \(peak)")
    }

    @Test("--engine realtime matches ngspice as closely as the reference simulator does at the same step",
          arguments: (NgspiceAgreementTests.netlists + LTspiceNetlistTests.netlists).filter {
              FileManager.default.fileExists(atPath: NgspiceAgreementTests.fixture($0, "tran").path)
          })
    func realtimeAgainstNgspice(_ netlist: URL) throws {
        var circuit = try loadCircuit(netlist)
        guard case .transient(var spec)? = circuit.analyses.first(where: { $0.kind == .tran }) else { return }
        spec.maxStep = nil
        let reference = try Table(NgspiceAgreementTests.fixture(netlist, "tran"))
        let probes = reference.header.dropFirst().compactMap { Probe($0) }.filter { !$0.quantity.isPower }
        let (realtime, _) = try Simulator(circuit).realtimeTransient(spec, probes: probes)
        // The reference simulator at the same step and converged as tightly as the processor (its
        // Newton stops within 1e-6 V + 1e-9 relative; SPICE's default RELTOL 1e-3 leaves the
        // reference simulator's solution of a stiff feedback loop up to 10 mV away — the Lin
        // amplifier's, which then happened to fall closer to ngspice's at its far finer step).
        circuit.options.fixedStep = true
        let processor = ProcessorConfiguration(inputs: [], outputs: [])
        circuit.options.relativeTolerance = min(circuit.options.relativeTolerance, processor.relativeTolerance)
        circuit.options.voltageTolerance = min(circuit.options.voltageTolerance, processor.absoluteTolerance)
        let mna = try Simulator(circuit).transient(spec, probes: probes)
        for probe in probes {
            let expected = try #require(reference.column(probe.description))
            let a = relativeRMS(error: zip(realtime.values(probe)!, expected).map { $0 - $1 }, signal: expected)
            let b = relativeRMS(error: zip(mna.values(probe)!, expected).map { $0 - $1 }, signal: expected)
            #expect(a <= b + 1e-5, "\(netlist.lastPathComponent) \(probe): realtime \(a), MNA at the same step \(b)")
        }
    }

    @Test("at rest the processor holds its operating point from the first sample: nothing settles",
          arguments: NgspiceAgreementTests.netlists + LTspiceNetlistTests.netlists + [Paths.tests.appendingPathComponent("Rest/germanium-booster.cir")])
    func holdsOperatingPoint(_ netlist: URL) throws {
        let circuit = try loadCircuit(netlist)
        let simulator = try Simulator(circuit)
        let outputs = simulator.defaultProbes(for: .tran).filter { ($0.view == .value || $0.view == .real) && !$0.quantity.isPower }
        // A circuit that reads `time` is at rest only with its clock held at 0, as an input.
        let clock = circuit.element(named: "#time") != nil ? ["#time"] : []
        let p = try Processor(circuit, configuration: ProcessorConfiguration(inputs: clock, outputs: outputs, sampleRate: 48_000))
        let frames = 4800
        let y = p.process([Double](repeating: 0, count: frames))
        // Rounding, on the scale of the circuit's largest output (its supply, often): the model's
        // matrices hold the rest state to about 10⁻¹⁵ of it, which a slow coupling capacitor
        // integrates into up to 3·10⁻⁸ over these 0.1 s (the MOSFET fuzz). A rest state off the equations by SPICE's
        // tolerances moved 10⁻⁷ to 10⁻⁴ V here, settling for seconds.
        let scale = p.restOutput.reduce(1) { max($0, abs($1)) }
        for (c, probe) in outputs.enumerated() {
            let rest = p.restOutput[c]
            var worst = 0.0
            for k in 0..<frames { worst = max(worst, abs(y[k * outputs.count + c] - rest)) }
            #expect(worst <= 5e-8 * scale, "\(netlist.lastPathComponent): \(probe) moves \(worst) from \(rest) at rest")
        }
    }

    @Test("--engine realtime honors a TMAX below TSTEP: samples of at most TMAX, a row every TSTEP")
    func maximumStep() throws {
        var circuit = try Circuit(netlistText: """
            clipper printed coarsely
            V1 in 0 SIN(0 1 1k)
            R1 in out 2.2k
            C1 out 0 10n
            D1 out 0 1N914
            D2 0 out 1N914
            .model 1N914 D(IS=2.52n RS=0.568 N=1.752 CJO=4p M=0.4 TT=20n)
            .tran 0.1m 5m 0 10u
            """)
        guard case .transient(let spec)? = circuit.analyses.first(where: { $0.kind == .tran }) else { Issue.record("no .tran"); return }
        let probe = Probe.voltage("out")
        let (realtime, statistics) = try Simulator(circuit).realtimeTransient(spec, probes: [probe])
        #expect(statistics.steps == 500)
        circuit.options.fixedStep = true
        circuit.options.relativeTolerance = 1e-8
        circuit.options.voltageTolerance = 1e-10
        circuit.options.currentTolerance = 1e-13
        let mna = try Simulator(circuit).transient(spec, probes: [probe])
        #expect(realtime.time.count == 51 && realtime.time == mna.time)
        let a = realtime.values(probe)!, b = mna.values(probe)!
        let peak = b.map(abs).max()!
        #expect(peak > 0.5)
        for k in a.indices { #expect(abs(a[k] - b[k]) <= 1e-5 * peak, "t = \(realtime.time[k]): \(a[k]) against \(b[k])") }
    }

    @Test("--engine realtime starts where the reference simulator does: with UIC at the initial conditions, with .ic at the operating point that holds them")
    func initialConditions() throws {
        // UIC: the damped LC tank from its charged capacitor (1 V; lc-uic.cir also runs in the
        // agreement suites): the first row is the initial condition, and the tank rings down.
        let uic = try loadCircuit(Paths.netlists.appendingPathComponent("lc-uic.cir"))
        guard case .transient(var spec)? = uic.analyses.first(where: { $0.kind == .tran }) else { Issue.record("no .tran"); return }
        #expect(spec.useInitialConditions)
        spec.maxStep = nil
        let (ringing, _) = try Simulator(uic).realtimeTransient(spec, probes: [.voltage("a")])
        let tank = try #require(ringing.values(.voltage("a")))
        #expect(abs(tank[0] - 1) < 1e-12 && (tank.min() ?? 0) < -0.5, "\(tank[0]), \(tank.min() ?? 0)")
        for (probe, error) in try Self.compare(uic) { #expect(error <= 1e-6, "UIC: \(probe) differs by \(error) of its peak") }
        // .ic without UIC: the operating point holds v(a) at 2 V, then the transient lets it go —
        // the RC's decay from 2 V (τ = 1 ms) under a 100 Hz sine, in closed form.
        let held = try Circuit(netlistText: """
            held node
            V1 in 0 SIN(0 0.5 100)
            R1 in a 1k
            C1 a 0 1u
            .ic v(a)=2
            .tran 10u 5m
            """)
        let (tau, w) = (1e-3, 2 * Double.pi * 100)
        let (a, b) = (0.5 / (1 + w * tau * w * tau), -0.5 * w * tau / (1 + w * tau * w * tau))
        func exact(_ t: Double) -> Double { a * sin(w * t) + b * cos(w * t) + (2 - b) * exp(-t / tau) }
        let (result, _) = try Simulator(held).realtimeTransient(TransientSpec(step: 10e-6, stop: 5e-3), probes: [.voltage("a")])
        let v = try #require(result.values(.voltage("a")))
        #expect(v.first == 2)
        for (k, t) in result.time.enumerated() { #expect(abs(v[k] - exact(t)) < 2e-5, "t = \(t): \(v[k]) against \(exact(t))") }
        for (probe, error) in try Self.compare(held) { #expect(error <= 1e-6, "\(probe) differs by \(error) of its peak") }
    }

    @Test("--engine realtime runs LTspice's startup: every source off at the operating point, on over 20 µs, as the reference simulator at the same step")
    func startup() throws {
        var circuit = try Circuit(netlistText: """
            startup
            V1 vcc 0 9
            R1 vcc b 100k
            R2 b 0 22k
            Q1 c b e 2N3904
            RC vcc c 4.7k
            RE e 0 1k
            Vin in 0 SIN(0 0.01 1k)
            C1 in b 1u
            .model 2N3904 NPN(IS=6.734f BF=416.4 CJE=4.493p CJC=3.638p TF=301.2p)
            .tran 5u 2m startup
            """)
        guard case .transient(var spec)? = circuit.analyses.first else { Issue.record("no .tran"); return }
        #expect(spec.startup)
        spec.maxStep = nil
        let probes: [Probe] = [.voltage("c"), .voltage("b")]
        let (realtime, _) = try Simulator(circuit).realtimeTransient(spec, probes: probes)
        circuit.options.fixedStep = true
        circuit.options.relativeTolerance = 1e-8
        circuit.options.voltageTolerance = 1e-10
        let reference = try Simulator(circuit).transient(spec, probes: probes)
        for probe in probes {
            let (a, b) = (try #require(realtime.values(probe)), try #require(reference.values(probe)))
            #expect(a.count == b.count && abs(a[0]) < 1e-12, "\(probe) at t = 0: \(a[0]) (every source off)")
            let peak = b.map(abs).max() ?? 0
            let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 1
            #expect(peak > 0.1 && worst <= 1e-6 * peak, "\(probe): \(worst) of \(peak)")
        }
    }

    @Test("non-finite input counts as rest; a violent click leaves the output finite, and the amplifier settles again")
    func hostileInput() throws {
        let circuit = try Circuit(contentsOfFile: Paths.circuits.appendingPathComponent("tube-amp.cir").path)
        let p = try Processor(circuit, configuration: ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out"), .voltage("bp1")], sampleRate: 48_000))
        // Silence with NaN and infinity in it is silence, and the three are counted.
        let quiet = p.process([0, .nan, .infinity, -.infinity, 0, 0])
        for (k, y) in quiet.enumerated() where k % 2 == 0 { #expect(abs(y) < 1e-6) }
        #expect(p.statistics.nonFiniteInputs == 3 && p.statistics.limitedInputs == 0)
        // A 50 V spike on the input (the preamp then drives everything into its rails and the
        // transformer kicks), then a second of silence.
        var input = [Double](repeating: 0, count: 48_000)
        input[10] = 50
        input[11] = -50
        let y = p.process(input)
        #expect(y.allSatisfy { $0.isFinite })
        // After a second the speaker is quiet again and B+ back at its rest value.
        #expect(abs(y[2 * 47_999]) < 0.05, "v(out) \(y[2 * 47_999])")
        #expect(abs(y[2 * 47_999 + 1] - p.restOutput[1]) < 0.5, "B+ \(y[2 * 47_999 + 1]) against \(p.restOutput[1])")
    }

    @Test("NaN, infinities and huge samples at 8 to 384 kHz: the output stays finite and returns to rest within a second",
          arguments: [("diode-clipper", 8_000.0), ("diode-clipper", 384_000), ("12ax7-common-cathode", 8_000), ("12ax7-common-cathode", 96_000),
                      ("class-ab-output", 48_000), ("tube-amp", 48_000)])
    func hostileSamples(_ name: String, _ rate: Double) throws {
        let circuit = try Circuit(contentsOfFile: Paths.circuits.appendingPathComponent(name + ".cir").path)
        let p = try Processor(circuit, configuration: ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: rate))
        let n = Int(0.05 * rate)
        var x = (0..<n).map { 0.5 * sin(2 * Double.pi * 1000 * Double($0) / rate) }
        for (k, v) in [(n / 5, Double.nan), (n / 4, .infinity), (n / 3, -.infinity), (n / 2, 1e300), (2 * n / 3, -1e12), (3 * n / 4, 1e6)] { x[k] = v }
        x += [Double](repeating: 0, count: Int(1.0 * rate))
        let y = p.process(x)
        #expect(y.allSatisfy { $0.isFinite })
        // NaN and the infinities taken as rest, 1e300, −1e12 and 1e6 at ±1 kV: each counted.
        #expect(p.statistics.nonFiniteInputs == 3 && p.statistics.limitedInputs == 3)
        let settled = y.suffix(Int(0.01 * rate)).map { abs($0 - p.restOutput[0]) }.max()!
        #expect(settled < 0.01, "\(name) at \(rate) Hz: \(settled) V from rest a second later")
    }

    @Test("input samples not finite or beyond the limit are counted, at 1x and 4x and through the Float API")
    func unusualInputsCounted() throws {
        let circuit = try Circuit(contentsOfFile: Paths.circuits.appendingPathComponent("diode-clipper.cir").path)
        for factor in [1, 4] {
            let p = try Processor(circuit, configuration: ProcessorConfiguration(
                inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000, oversampling: factor, inputLimit: 10))
            // ±10 V is within the limit; 20 and −11 V are beyond it.
            let y = p.process([0.5, .nan, 20, -11, 10, -10, 0])
            #expect(y.allSatisfy { $0.isFinite })
            #expect(p.statistics.nonFiniteInputs == 1 && p.statistics.limitedInputs == 2, "\(factor)x")
            let x: [Float] = [.infinity, 1e6, 0]
            var out = [Float](repeating: 0, count: 3)
            x.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { o in
                p.process(input: i.baseAddress!, output: o.baseAddress!, frames: 3)
            } }
            #expect(p.statistics.nonFiniteInputs == 2 && p.statistics.limitedInputs == 3, "\(factor)x")
            p.resetStatistics()
            #expect(p.statistics.nonFiniteInputs == 0 && p.statistics.limitedInputs == 0)
        }
    }

    @Test("the class-AB stage driven 12 dB into clipping: every sample solved, the output as the reference simulator's")
    func classABClipping() throws {
        // 2 V at 1 kHz asks ±19 V of a stage that clips at ±12 V: each half cycle an output
        // transistor saturates and its driver cuts off, and coming back the power transistor's base
        // resistance (IRB) collapses from 165 Ω to 0.1 Ω as it turns on. Before its junctions jumped
        // to their critical voltage and Newton stopped halving limited steps, a third of these
        // samples failed and the output was volts off.
        let original = try String(contentsOf: Paths.circuits.appendingPathComponent("class-ab-output.cir"), encoding: .utf8)
        let text = original
            .replacingOccurrences(of: "SIN(0 0.5 1k)", with: "SIN(0 2 1k)")
            .replacingOccurrences(of: ".tran 10u 5m", with: ".tran 20.8333u 10m")
            .replacingOccurrences(of: ".include models/", with: ".include \(Paths.circuits.path)/models/")
        #expect(text.contains("SIN(0 2 1k)") && text.contains(".tran 20.8333u 10m"))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("anode-clip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let netlist = directory.appendingPathComponent("class-ab-clipping.cir")
        try text.write(to: netlist, atomically: true, encoding: .utf8)
        // `compare` requires that no sample failed. The reference simulator cannot solve two of
        // the 480 steps at this step size either (its Newton cycles there even with 2000
        // iterations) and takes them in eighths, so the two differ near those steps by more than
        // rounding: 1.8 % of the output's peak (the supply currents' spikes, 9 %, are not compared).
        let results = try Self.compare(netlist, iterationLimit: 2000)
        let output = try #require(results.first { $0.0 == .voltage("out") })
        #expect(output.1 <= 0.03, "v(out) differs by \(output.1) of its peak")
    }

    @Test("the class-AB stage driven 20–26 dB into clipping: the output as the reference simulator's", arguments: [3.0, 5.0, 8.0])
    func classABHardClipping(_ amplitude: Double) throws {
        // Some steps here cannot be solved at the sample period (the reference simulator cuts its
        // step there too): they are taken in sub-steps. Before sub-steps, a failed step took its
        // nearest iterate within 0.1 V, and the output was 2 % (5 V) to 155 % (8 V, in the runs
        // whose failures cascaded) RMS off the reference.
        var circuit = try loadCircuit(Paths.circuits.appendingPathComponent("class-ab-output.cir"))
        let step = 1 / 48_000.0, frames = 960
        let sine = Waveform.sine(offset: 0, amplitude: amplitude, frequency: 1000, delay: 0, damping: 0, phase: 0)
        let x = (1...frames).map { sine.value(at: Double($0) * step) }
        let p = try Processor(circuit, configuration: ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000))
        let y = p.process(x)
        #expect(y.allSatisfy { $0.isFinite })
        circuit.options.fixedStep = true
        circuit.options.relativeTolerance = 1e-8
        circuit.options.voltageTolerance = 1e-10
        circuit.options.currentTolerance = 1e-13
        circuit.options.transientIterationLimit = 100
        try circuit.setWaveform(of: "Vin", to: sine)
        let reference = try Simulator(circuit).transient(TransientSpec(step: step, stop: Double(frames) * step), probes: [.voltage("out")])
        let expected = Array(reference.values(.voltage("out"))!.dropFirst())
        #expect(expected.count == frames)
        let error = zip(y, expected).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
        let signal = expected.map { $0 * $0 }.reduce(0, +)
        let rms = (error / signal).squareRoot()
        #expect(rms < 0.05, "\(amplitude) V: \(rms) RMS of the reference, \(p.statistics)")
        #expect(p.statistics.failures <= 2, "\(p.statistics)")
    }

    @Test("the class-AB stage driven 26 dB into clipping: the steps Newton cannot solve are solved in shorter steps")
    func classABDrivenFarIntoClipping() throws {
        // Without sub-steps, a third of the steps failed at 6–8 V in some runs (depending on
        // rounding), cascading into restarts, and a rejected step that moved the state on with the
        // old device currents put out up to 68 V from the ±15 V rails.
        let circuit = try loadCircuit(Paths.circuits.appendingPathComponent("class-ab-output.cir"))
        let p = try Processor(circuit, configuration: ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000))
        let y = p.process((1...4_800).map { 8 * sin(2 * Double.pi * 1000 * Double($0) / 48_000) })
        #expect(y.allSatisfy { $0.isFinite && abs($0) <= 15 }, "\(y.map(abs).max()!) V, \(y.filter { abs($0) > 15 }.count) samples beyond the rails")
        #expect(p.statistics.substeps > 0)
        #expect(p.statistics.failures <= 5 && p.statistics.recoveries == 0, "\(p.statistics)")
        // Sub-steps can be switched off (a host that wants the tightest bound on a step's work).
        let plain = try Processor(circuit, configuration: ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000, substepLevels: 0))
        let z = plain.process((1...960).map { 8 * sin(2 * Double.pi * 1000 * Double($0) / 48_000) })
        #expect(z.allSatisfy { $0.isFinite && abs($0) <= 15 })
        #expect(plain.statistics.substeps == 0, "\(plain.statistics)")
        #expect(throws: SimulationError.self) {
            try Processor(circuit, configuration: ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000, substepLevels: 7))
        }
    }

    @Test("a fallback budget bounds each call's work; one that is never reached changes nothing", arguments: [1, 2])
    func fallbackBudget(_ factor: Int) throws {
        // The class-AB stage hit by a ±8 V square wave needs continuation and sub-steps at every
        // edge (hundreds of evaluations each); with 2 evaluations per frame for them, pooled over
        // calls of 8 frames, a call may spend at most 8·(17·factor + 2). (A sine of 8 V no longer
        // needs them reliably at 2x: which of its steps do is chaotic.)
        let circuit = try loadCircuit(Paths.circuits.appendingPathComponent("class-ab-output.cir"))
        let x = (1...960).map { $0 / 24 % 2 == 0 ? 8.0 : -8.0 }
        func run(_ budget: Int?, float: Bool = false) throws -> (Processor, [Double], worstCall: Int) {
            let p = try Processor(circuit, configuration: ProcessorConfiguration(
                inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000, oversampling: factor, fallbackBudget: budget))
            var y = [Double](repeating: 0, count: x.count)
            var worst = 0
            for start in stride(from: 0, to: x.count, by: 8) {
                let before = p.statistics.iterations
                if float {
                    let input = x[start..<(start + 8)].map(Float.init)
                    var output = [Float](repeating: 0, count: 8)
                    input.withUnsafeBufferPointer { i in output.withUnsafeMutableBufferPointer { o in
                        p.process(input: i.baseAddress!, output: o.baseAddress!, frames: 8)
                    } }
                    for k in 0..<8 { y[start + k] = Double(output[k]) }
                } else {
                    x.withUnsafeBufferPointer { i in y.withUnsafeMutableBufferPointer { o in
                        p.process(input: i.baseAddress! + start, output: o.baseAddress! + start, frames: 8)
                    } }
                }
                worst = max(worst, p.statistics.iterations - before)
            }
            return (p, y, worst)
        }
        let (free, reference, freeWorst) = try run(nil)
        #expect(free.statistics.maxIterationsPerCall == freeWorst)
        // Without a budget some call spends far more (else this test shows nothing).
        #expect(freeWorst > 8 * (17 * factor + 2), "worst call \(freeWorst) evaluations")
        for float in [false, true] {
            let (tight, y, worst) = try run(2, float: float)
            #expect(worst <= 8 * (17 * factor + 2), "worst call \(worst) evaluations")
            #expect(tight.statistics.maxIterationsPerCall == worst)
            #expect(tight.statistics.overBudget > 0 && tight.statistics.overBudget <= tight.statistics.failures, "\(tight.statistics)")
            #expect(y.allSatisfy { $0.isFinite && abs($0) <= 15 }, "\(y.map(abs).max()!) V")
        }
        // A budget above what the steps spend: the same computation as without one.
        let (generous, y, _) = try run(100_000)
        #expect(y == reference)
        #expect(generous.statistics.overBudget == 0 && generous.statistics == free.statistics, "\(generous.statistics)")
        #expect(throws: SimulationError.self) {
            try Processor(circuit, configuration: ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000, fallbackBudget: -1))
        }
    }

    @Test("a step the register kernel hands over spends the budget from its first evaluation")
    func fallbackBudgetOfTheRegisterKernel() throws {
        // The 12AX7 stage (the register kernel's) hit by samples of ±1 kV, one frame per call: with
        // no budget for fallbacks a frame may spend 17 evaluations; the kernel's own attempt (16)
        // and the general step's after it would otherwise spend 32 and more.
        let circuit = try Circuit(contentsOfFile: Paths.circuits.appendingPathComponent("12ax7-common-cathode.cir").path)
        var x = (0..<2_400).map { 0.5 * sin(2 * Double.pi * 1000 * Double($0) / 48_000) }
        for k in stride(from: 100, to: x.count, by: 400) { x[k] = k % 800 == 100 ? 1e3 : -1e3 }
        func run(_ budget: Int?) throws -> (Processor, [Double], worstFrame: Int) {
            let p = try Processor(circuit, configuration: ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000, fallbackBudget: budget))
            #expect(p.registerDevices != .none)
            var y = [Double](repeating: 0, count: x.count)
            var worst = 0
            for k in x.indices {
                let before = p.statistics.iterations
                x.withUnsafeBufferPointer { i in y.withUnsafeMutableBufferPointer { o in
                    p.process(input: i.baseAddress! + k, output: o.baseAddress! + k, frames: 1)
                } }
                worst = max(worst, p.statistics.iterations - before)
            }
            return (p, y, worst)
        }
        let (_, _, freeWorst) = try run(nil)
        #expect(freeWorst > 17, "worst frame \(freeWorst) evaluations")
        let (p, y, worst) = try run(0)
        #expect(worst <= 17, "worst frame \(worst) evaluations")
        #expect(p.statistics.maxIterationsPerCall == worst)
        #expect(p.statistics.overBudget > 0, "\(p.statistics)")
        #expect(y.allSatisfy { $0.isFinite })
    }

    /// A diode in an RLC network with a loop of three capacitors (whose states the model reduces).
    static let substepCircuit = """
    Sub-step check
    .model D1 D(IS=1n N=1.8 RS=2 CJO=20p TT=50n)
    Vin in 0 DC 0 SIN(0 2 3k)
    R1 in a 1k
    L1 a b 10m
    C1 b 0 47n
    C2 b c 22n
    C3 c 0 33n
    D1 b c D1
    R2 c 0 4.7k
    .tran 20u 2m
    .end
    """

    @Test("a step solved in four sub-steps is the fine model's four steps: the states carry over exactly", arguments: [0.5, 0.35, 0])
    func substepsCarryTheState(xmu: Double) throws {
        // Every step of one processor in sub-steps, against a processor at four times the rate fed
        // the same linearly interpolated input: the same computation, if the capacitors' and the
        // inductor's companion states and the diode's charge go back and forth exactly — under the
        // trapezoidal rule (xmu 0.5), damped (0.35) and backward Euler (0).
        var circuit = try Circuit(netlistText: Self.substepCircuit)
        circuit.options.xmu = xmu
        let coarse = try Processor(circuit, configuration: ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("c"), .current("l1")], sampleRate: 48_000))
        coarse.registerDevices = .none
        coarse.alwaysSubstep = true
        coarse.smoothsHandBack = false
        let fine = try Processor(circuit, configuration: ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("c"), .current("l1")], sampleRate: 192_000))
        #expect(coarse.ns < coarse.fullStates)  // the capacitor loop's state is dropped
        let x = (0..<480).map { 2 * sin(2 * Double.pi * 3000 * Double($0) / 48_000) }
        var xFine: [Double] = []
        for k in 0..<x.count {
            let previous = k == 0 ? 0 : x[k - 1]
            for j in 1...4 { xFine.append(previous + Double(j) / 4 * (x[k] - previous)) }
        }
        let y = coarse.process(x), yFine = fine.process(xFine)
        #expect(coarse.statistics.substeps == 480 && coarse.statistics.failures == 0)
        for c in 0..<2 {
            let peak = (0..<480).map { abs(yFine[(4 * $0 + 3) * 2 + c]) }.max()!
            #expect(peak > 0)
            let worst = (0..<480).map { abs(y[$0 * 2 + c] - yFine[(4 * $0 + 3) * 2 + c]) }.max()!
            #expect(worst <= 1e-6 * peak, "output \(c): \(worst) of \(peak)")
        }
    }

    /// Tests/AnodeTests/Clipping: circuits driven so hard that some steps are taken in sub-steps —
    /// the class-AB stage with a 5 V sine. Kept out of Netlists/, whose circuits must agree with the reference simulator
    /// to 10⁻⁶: here the two cut their steps each in their own way (and the trapezoidal rule rings
    /// after such a step in both, by amounts that depend on how it was cut).
    static let clippingNetlists: [URL] = {
        let directory = Paths.tests.appendingPathComponent("Clipping")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".cir") }.sorted().map { directory.appendingPathComponent($0) }
    }()

    @Test("driven far into clipping, the real-time engine matches ngspice as closely as the reference simulator at the same step",
          arguments: clippingNetlists)
    func clippingAgainstNgspice(_ netlist: URL) throws {
        var circuit = try loadCircuit(netlist)
        guard case .transient(var spec)? = circuit.analyses.first(where: { $0.kind == .tran }) else { Issue.record("no .tran"); return }
        spec.maxStep = nil
        let reference = try Table(NgspiceAgreementTests.fixture(netlist, "tran"))
        let probes = reference.header.dropFirst().compactMap { Probe($0) }
        let (realtime, statistics) = try Simulator(circuit).realtimeTransient(spec, probes: probes)
        #expect(statistics.substeps > 0 && statistics.failures == 0, "\(statistics)")
        circuit.options.fixedStep = true
        let mna = try Simulator(circuit).transient(spec, probes: probes)
        for probe in probes {
            let expected = try #require(reference.column(probe.description))
            let a = relativeRMS(error: zip(realtime.values(probe)!, expected).map { $0 - $1 }, signal: expected)
            let b = relativeRMS(error: zip(mna.values(probe)!, expected).map { $0 - $1 }, signal: expected)
            #expect(a <= 1.5 * b + 1e-3, "\(netlist.lastPathComponent) \(probe): realtime \(a), MNA at the same step \(b), \(statistics)")
        }
    }

    @Test("the 2N3904 stage saturating: its collector junction turns on in a few evaluations")
    func transistorSaturates() throws {
        // 200 mV into the stage swings its collector into saturation every cycle. Newton stepped
        // the collector junction's voltage up past the solution by tens of millivolts as it turned
        // on (below the critical voltage, where pnjlim leaves a step alone) and came back over
        // several iterations: 34 evaluations on the fifth sample, 1.375 per sample in steady state.
        // Rising in its current from where it conducts 10 µS (`Junction.limit`'s riseOnset): 9 and 1.29.
        let circuit = try loadCircuit(Paths.circuits.appendingPathComponent("2n3904-common-emitter.cir"))
        let p = try Processor(circuit, configuration: ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000))
        let x = (1...4800).map { 0.2 * sin(2 * Double.pi * 1000 * Double($0) / 48_000) }
        let y = p.process(x)
        let stats = p.statistics
        #expect(stats.failures == 0 && stats.substeps == 0)
        #expect(stats.maxIterations <= 12, "\(stats)")
        #expect(stats.iterationsPerStep < 1.36, "\(stats.iterationsPerStep) evaluations per step")
        // Clipped: the output's negative swing (collector saturated) stops near −4 V.
        #expect(y.min()! > -4.5 && y.min()! < -3.5)
    }

    @Test("the tube amplifier driven hard: no step needs more than 20 evaluations")
    func tubeAmpDrivenHard() throws {
        // 0.5 V into the Marshall-style amplifier at 2x: the EL34s cut off and saturate every half
        // cycle, their plates swinging through the knee. Unlimited, a Newton step on a plate above
        // the knee (where it draws nearly the same current at any voltage) overshot below zero
        // and cycled; halving the steps that raised the residual cost more: the worst step took 83
        // evaluations, 8.3 per output sample on average.
        let circuit = try loadCircuit(Paths.circuits.appendingPathComponent("tube-amp.cir"))
        let p = try Processor(circuit, configuration: ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000, oversampling: 2))
        let x = (1...1920).map { 0.5 * sin(2 * Double.pi * 1000 * Double($0) / 48_000) }
        let y = p.process(x)
        let stats = p.statistics
        #expect(stats.failures == 0)
        #expect(stats.maxIterations <= 20, "\(stats)")
        // 3.23 per step until the predictor stopped carrying a hard step's error into the next
        // step and the pentode plates took their own first-order bound; 2.78 since.
        #expect(stats.iterationsPerStep < 3.0, "\(stats.iterationsPerStep) evaluations per step")
        // Driven into clipping: the speaker sees tens of volts.
        #expect(y.map(abs).max()! > 20)
    }

    @Test("a step across a change of regime passes no prediction error on, and a pentode's plate takes its own first-order bound")
    func predictionAcrossRegimes() throws {
        // The clipper at 3 V: each half cycle one diode takes over from the other. The steps that
        // cross over need three or more evaluations, and their prediction error, carried into the
        // next step, sent that one off too: 1.83 evaluations per sample then, 1.75 now.
        let clipper = try loadCircuit(Paths.circuits.appendingPathComponent("diode-clipper.cir"))
        let c = try Processor(clipper, configuration: ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000))
        let y = c.process((1...2_400).map { 3 * sin(2 * Double.pi * 1000 * Double($0) / 48_000) })
        #expect(c.statistics.failures == 0 && c.statistics.iterationsPerStep < 1.79, "\(c.statistics)")
        #expect(y.map(abs).max()! > 0.5 && y.map(abs).max()! < 1)
        // The EL84 single-ended stage at 3 V: its plate swings volts per sample and never met a
        // junction's bound (2.00 evaluations per sample); by the plate law's own curvature 1.59.
        let el84 = try loadCircuit(Paths.netlists.appendingPathComponent("el84-single-ended.cir"))
        let p = try Processor(el84, configuration: ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("sec")], sampleRate: 48_000))
        _ = p.process((1...2_400).map { 3 * sin(2 * Double.pi * 1000 * Double($0) / 48_000) })
        #expect(p.statistics.failures == 0 && p.statistics.iterationsPerStep < 1.8, "\(p.statistics)")
        // And the result is the reference simulator's (ProcessorTests.agreement covers the netlists
        // at their own drive); here the speaker at 3 V against a fine-tolerance run of the same model.
        let tight = try Processor(el84, configuration: ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("sec")], sampleRate: 48_000,
                                                                              absoluteTolerance: 1e-10, relativeTolerance: 1e-12))
        let x = (1...2_400).map { 3 * sin(2 * Double.pi * 1000 * Double($0) / 48_000) }
        let loose = try Processor(el84, configuration: ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("sec")], sampleRate: 48_000))
        let a = loose.process(x), b = tight.process(x)
        let peak = b.map(abs).max()!
        let worst = zip(a, b).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-5 * peak, "\(worst) V off a run at 0.1 nV tolerance (peak \(peak) V)")
        // The 2N3904 stage at 200 mV: its collector port swings volts per sample, where the collector
        // current is nearly linear in Vce while the base–collector junction blocks; taken by the
        // laws' own curvature (the transit time's, the depletion charge's), 1.84 evaluations per
        // sample instead of 2.05 by the junction bound — and as accurate.
        let stage = try loadCircuit(Paths.circuits.appendingPathComponent("2n3904-common-emitter.cir"))
        let drive = (1...4_800).map { 0.2 * sin(2 * Double.pi * 1000 * Double($0) / 48_000) }
        let fast = try Processor(stage, configuration: ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000))
        let fine = try Processor(stage, configuration: ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000,
                                                                              absoluteTolerance: 1e-10, relativeTolerance: 1e-12))
        let u = fast.process(drive), w = fine.process(drive)
        #expect(fast.statistics.failures == 0 && fast.statistics.iterationsPerStep < 1.95, "\(fast.statistics)")
        let stagePeak = w.map(abs).max()!
        let stageWorst = zip(u, w).map { abs($0 - $1) }.max()!
        #expect(stageWorst <= 1e-5 * stagePeak, "\(stageWorst) V off a run at 0.1 nV tolerance (peak \(stagePeak) V)")
    }

    @Test("knobs slammed to their ends every block, and impossible positions, keep the output finite")
    func extremeControls() throws {
        let circuit = try Circuit(contentsOfFile: Paths.circuits.appendingPathComponent("tube-amp.cir").path)
        let p = try Processor(circuit, configuration: ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000))
        #expect(p.controlNames.count >= 4)
        // Impossible positions: out of range is clamped, NaN and infinities are ignored.
        p.setControl(index: 0, to: -5)
        #expect(p.controlTarget(index: 0) == 0)
        p.setControl(index: 0, to: 7)
        #expect(p.controlTarget(index: 0) == 1)
        p.setControl(index: 0, to: .nan)
        p.setControl(index: 0, to: -.infinity)
        #expect(p.controlTarget(index: 0) == 1)
        p.setControl(index: p.controlNames.count, to: 0.5)  // no such control: ignored
        var all: [Double] = []
        for block in 0..<60 {
            for k in 0..<p.controlNames.count { p.setControl(index: k, to: (block + k) % 2 == 0 ? 0 : 1) }
            let x = (0..<64).map { 0.5 * sin(2 * Double.pi * 1000 * Double(block * 64 + $0) / 48_000) }
            all += p.process(x)
        }
        #expect(all.allSatisfy { $0.isFinite })
        #expect(all.map(abs).max()! < 100, "bounded by what the power stage can swing")
    }

    @Test("identical diodes in series fold into one port, with the same result as the reference simulator")
    func diodeStrings() throws {
        // The class-AB stage's three bias diodes (with RS between them): 17 ports become 15.
        let circuit = try Circuit(contentsOfFile: Paths.circuits.appendingPathComponent("class-ab-output.cir").path)
        let config = ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out"), .voltage("d12")], sampleRate: 48_000)
        let folded = try Processor(circuit, configuration: config)
        #expect(folded.np == 15)
        // A string is not folded where a joint carries another current, nor across different parts.
        let text = """
            .model d1 D(IS=2.52n RS=0.568 N=1.752 CJO=4p M=0.4 TT=20n)
            .model d2 D(IS=1n N=1.8)
            Va a 0 0
            R1 a x 1k
            D1 x m d1
            D2 m n d1
            D3 n y d1
            D4 y z d2
            Rz z 0 1k
            Rtap m 0 100k
            """
        let p = try Processor(Circuit(netlistText: "t\n" + text), configuration: ProcessorConfiguration(inputs: ["Va"], outputs: [.voltage("x")], sampleRate: 48_000))
        #expect(p.np == 3, "D2 and D3 fold; D1 (m carries Rtap) and D4 (another model) stay")
        // The folded model agrees with the reference simulator at the same step (compare()), the
        // joints inside the string included.
        let netlist = try String(contentsOf: Paths.circuits.appendingPathComponent("class-ab-output.cir"), encoding: .utf8)
            .replacingOccurrences(of: ".print tran v(out) i(vcc) i(vee)", with: ".print tran v(out) v(d12) v(d23) v(c) i(vcc)")
        let errors = try Self.compare(Circuit(netlistText: netlist, directory: Paths.circuits.path))
        #expect(errors.count == 5)
        for (probe, error) in errors {
            #expect(error <= 1e-6, "\(probe) differs by \(error) of its peak")
        }
        let y = folded.process((0..<480).map { 0.5 * sin(2 * Double.pi * Double($0) / 48) })
        #expect(y.allSatisfy { $0.isFinite })
    }

    @Test("0 Ω, 0 F, 0 H and a negative resistance run through the processor as through the reference simulator")
    func zeroAndNegativeValues() throws {
        // A negative resistance in parallel with a larger positive one (an active element's model),
        // a 0 Ω jumper (1 mΩ), a 0 F capacitor (open) and a 0 H inductor (a short, carrying i(L2)),
        // around a diode so that the processor has a port to solve.
        let circuit = try Circuit(netlistText: """
            t
            V1 a 0 SIN(0 2 1k)
            R1 a b 1k
            R3 b 0 -4k
            C1 b 0 100n
            R5 b d 0
            C2 d 0 0
            L2 d e 0
            D1 e 0 dd
            R6 e 0 10k
            .model dd D(IS=1e-14 N=1.5 CJO=2p)
            .tran 10u 2m
            .print tran v(b) v(e) i(L2)
            """)
        let errors = try Self.compare(circuit)
        #expect(errors.count == 3)
        for (probe, error) in errors {
            #expect(error <= 1e-6, "\(probe) differs by \(error) of its peak")
        }
    }

    @Test("a device whose port voltages nothing can move becomes a constant current, with the same result")
    func constantPorts() throws {
        // The Tube Screamer's TL072 has a diode across its supply pins (DP): 11 ports become 10.
        let screamer = try Circuit(contentsOfFile: Paths.circuits.appendingPathComponent("tube-screamer.cir").path)
        let p = try Processor(screamer, configuration: ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000))
        #expect(p.np == 10)
        // A diode across a DC source (with a junction capacitance) folds; one behind a resistor, or
        // across a control's resistor, does not. The folded model agrees with the reference.
        let text = """
            Constant ports
            .model dc D(IS=1n CJO=10p)
            Vin in 0 DC 0 SIN(0 1 1k)
            Vs s 0 DC 0.6
            D1 s 0 dc
            Rs s x 1k
            D2 x 0 dc
            Ra in a 1k
            D3 a 0 dc
            .varres pot s y R=10k position=0.5
            Ry y 0 1k
            D4 y 0 dc
            .tran 10u 2m
            .print tran v(a) v(x) v(y) i(Vs)
            .end
            """
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("anode-constant-\(UUID().uuidString).cir")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let q = try Processor(try loadCircuit(file), configuration: ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("a")], sampleRate: 48_000))
        #expect(q.np == 3, "D1 folds; D2, D3 and D4 stay")
        for (probe, error) in try Self.compare(file) {
            #expect(error <= 1e-6, "\(probe) differs by \(error) of its peak")
        }
    }

    @Test("a circuit that reads time: a processor built in code runs its clock, also oversampled and after reset()")
    func clock() throws {
        // behavioral-time.cir: a tone generated from `time`, a gain that grows with it. The
        // processor is given only Vin; the real-time transient feeds `#time` itself, as an input.
        let circuit = try loadCircuit(Paths.netlists.appendingPathComponent("behavioral-time.cir"))
        guard case .transient(var spec)? = circuit.analyses.first(where: { $0.kind == .tran }) else { Issue.record("no .tran"); return }
        spec.maxStep = nil
        let outputs: [Probe] = [.voltage("out"), .voltage("g")]
        let (reference, _) = try Simulator(circuit).realtimeTransient(spec, probes: outputs)
        let frames = reference.time.count - 1
        let w = 2 * Double.pi * 300 * spec.step
        let input: [Double] = (1...frames).map { (k: Int) -> Double in sin(w * Double(k)) }
        func run(_ oversampling: Int) throws -> (first: [Double], again: [Double], latency: Double) {
            let processor = try Processor(circuit, configuration: ProcessorConfiguration(
                inputs: ["Vin"], outputs: outputs, sampleRate: 1 / spec.step, oversampling: oversampling))
            let first = processor.process(input)
            processor.reset()  // time starts again at 0
            return (first, processor.process(input), processor.latency)
        }
        // At the sample rate: the reference's outputs, twice.
        let plain = try run(1)
        #expect(plain.again == plain.first)
        for (c, probe) in outputs.enumerated() {
            let expected = try #require(reference.values(probe))
            let peak = expected.map(abs).max() ?? 0
            var worst = 0.0
            for k in 0..<frames { worst = max(worst, abs(plain.first[k * outputs.count + c] - expected[k + 1])) }
            #expect(peak > 0.1 && worst <= 1e-9 * peak, "\(probe) differs by \(worst) of \(peak)")
        }
        // Oversampled: the clock runs at the inner rate, starting after the input filter's delay,
        // so the generated tone comes out as at the sample rate, delayed by the reported latency.
        let twice = try run(2)
        #expect(twice.again == twice.first)
        let delay = Int(twice.latency)
        #expect(Double(delay) == twice.latency && delay > 0)
        var worst = 0.0, peak = 0.0
        for k in (delay + 100)..<frames {  // past the filter's response to the start
            peak = max(peak, abs(plain.first[(k - delay) * outputs.count]))
            worst = max(worst, abs(twice.first[k * outputs.count] - plain.first[(k - delay) * outputs.count]))
        }
        #expect(peak > 0.1 && worst <= 2e-3 * peak, "v(out) oversampled differs by \(worst) of \(peak)")
        // And as the oversampled real-time transient, which feeds `#time` through the input filter
        // (a ramp comes out of it delayed, and otherwise unchanged but for the filter's ripple) and
        // reads its rows the latency later, so that they line up with the reference's.
        let (filtered, _) = try Simulator(circuit).realtimeTransient(spec, probes: outputs, oversampling: 2)
        for (c, probe) in outputs.enumerated() {
            let expected = try #require(filtered.values(probe))
            #expect(expected.count == frames + 1)
            var worst = 0.0
            for k in (delay + 100)..<frames { worst = max(worst, abs(twice.first[k * outputs.count + c] - expected[k + 1 - delay])) }
            #expect(worst <= 1e-4 * (expected.map(abs).max() ?? 0), "\(probe): \(worst) off the filtered time's")
            let reference = try #require(reference.values(probe))
            var aligned = 0.0
            for k in 100...frames { aligned = max(aligned, abs(expected[k] - reference[k])) }
            #expect(aligned <= 2e-3 * (reference.map(abs).max() ?? 0), "\(probe): the oversampled rows are \(aligned) off the reference's")
        }
    }

    @Test("powers through the real-time transient, as products of its voltages and currents, and current sources' currents")
    func powerOutputs() throws {
        // Every kind of element whose power the real-time transient records: R, C, L, V, I (an
        // input and a constant), a diode, a BJT, E, G, F, H and a variable resistor.
        let circuit = try Circuit(netlistText: """
            Powers
            .model dx D(IS=2.52n RS=0.568 N=1.752 CJO=4p TT=20n)
            .model qx NPN(IS=1e-14 BF=100 RB=10 CJC=2p CJE=3p TF=1n)
            Vcc vcc 0 DC 9
            Vin in 0 DC 0 SIN(0 1 1k)
            Iin 0 x SIN(0 1m 2k)
            Ibias 0 x DC 0.2m
            Rx x 0 2.2k
            R1 in b 4.7k
            C1 b 0 10n
            Q1 c b e qx
            Rc vcc c 2.2k
            Re e 0 470
            D1 c d dx
            L1 d 0 10m
            E1 ea 0 x 0 2
            Rea ea 0 1k
            G1 0 ga c 0 1m
            Rga ga 0 1k
            Vs ga gs 0
            Rgs gs 0 1k
            F1 0 fa Vs 2
            Rfa fa 0 1k
            H1 ha 0 Vs 100
            Rha ha 0 1k
            .varres vr c 0 R=100k min=10k position=0.5
            .tran 10u 2m
            .end
            """)
        guard case .transient(var spec)? = circuit.analyses.first else { Issue.record("no .tran"); return }
        spec.maxStep = nil
        let probes = ["Rx", "R1", "C1", "Q1", "Rc", "D1", "L1", "Vcc", "Vin", "Iin", "Ibias", "E1", "G1", "F1", "H1", "vr"].map { Probe.power($0) }
            + [.current("Iin"), .current("Ibias")]
        let (realtime, _) = try Simulator(circuit).realtimeTransient(spec, probes: probes)
        var fixed = circuit
        fixed.options.fixedStep = true
        let reference = try Simulator(fixed).transient(spec, probes: probes)
        for probe in probes {
            let a = try #require(realtime.values(probe)), b = try #require(reference.values(probe))
            let peak = b.map(abs).max() ?? 0
            let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
            #expect(peak > 0 && worst <= 1e-5 * peak, "\(probe): \(worst) of \(peak)")
        }
        // A potentiometer's power stays the reference simulator's.
        #expect(throws: SimulationError.self) {
            _ = try Simulator(Circuit(netlistText: "pot\nV1 a 0 1\n.pot p1 a w 0 R=10k\nR1 w 0 1k\n.tran 1m 2m\n")).realtimeTransient(spec, probes: [.power("p1")])
        }
    }

    @Test("device and controlled-source currents as outputs: i(D), i(G), i(F), i(B), as the reference simulator's")
    func deviceCurrentOutputs() throws {
        // A clipper with charged diodes (one in a string of two), a tanh G source, a linear G and
        // an F source: each current is ĩ + G₀·v of its port (or a linear row), recorded per sample.
        let text = """
            Device currents
            .model dc D(IS=2.52n RS=0.568 N=1.752 CJO=4p M=0.4 TT=20n)
            Vin in 0 DC 0 SIN(0 2 1k)
            R1 in a 2.2k
            C1 a 0 10n
            D1 a 0 dc
            D2 0 m dc
            D3 m a dc
            Gclip a 0 VALUE={1m*tanh(V(a)/0.2)}
            Glin 0 g a 0 1m
            Rg g 0 1k
            Vs a s 0
            Rs s 0 10k
            F1 0 f Vs 3
            Rf f 0 1k
            .tran 10u 2m
            .print tran i(D1) i(D2) i(Gclip) i(Glin) i(F1) v(a)
            .end
            """
        let errors = try Self.compare(Circuit(netlistText: text))
        #expect(errors.count == 6)
        for (probe, error) in errors {
            #expect(error <= 1e-6, "\(probe) differs by \(error) of its peak")
        }
    }

    @Test("states no input can move are dropped: capacitors in parallel or in a loop, with the same result")
    func stateReduction() throws {
        // A triode's three inter-electrode capacitances form a loop and CGP is parallel to Cf:
        // seven capacitors, five independent voltages.
        let triode = try Circuit(contentsOfFile: Paths.circuits.appendingPathComponent("12ax7-common-cathode.cir").path)
        let config = ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000)
        #expect(try Processor(triode, configuration: config).ns == 5)
        // Two capacitors in parallel are one of their sum; each carries its share of the current.
        let parallel = try Circuit(netlistText: "p\nVin in 0 0\nR1 in x 1k\nC1 x 0 10n\nC2 x 0 22n\n")
        let single = try Circuit(netlistText: "s\nVin in 0 0\nR1 in x 1k\nC1 x 0 32n\n")
        let both = try Processor(parallel, configuration: ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("x"), .current("C1")], sampleRate: 48_000))
        let one = try Processor(single, configuration: ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("x"), .current("C1")], sampleRate: 48_000))
        #expect(both.ns == 1)
        let input = (0..<1000).map { sin(Double($0) * 0.07) + ($0 % 100 < 50 ? 0.5 : -0.5) }
        let y = both.process(input), x = one.process(input)
        for k in 0..<1000 {
            #expect(abs(y[2 * k] - x[2 * k]) <= 1e-12)
            #expect(abs(y[2 * k + 1] - x[2 * k + 1] * 10 / 32) <= 1e-15)
        }
        // A loop of capacitors around a clipping diode pair: three capacitors, two states, and the
        // reference simulator's result at the same step, capacitor currents included.
        let loop = """
            loop
            .model d1 D(IS=2.52n RS=0.568 N=1.752 CJO=4p M=0.4 TT=20n)
            Vin in 0 DC 0 SIN(0 2 1k)
            R1 in x 2.2k
            C1 x y 10n
            C2 y 0 4.7n
            C3 x 0 1n
            R2 y 0 10k
            D1 x 0 d1
            D2 0 x d1
            .tran 10u 3m
            .print tran v(x) v(y) i(C1) i(C3)
            .end
            """
        let looped = try Processor(Circuit(netlistText: loop), configuration: ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("x")], sampleRate: 48_000))
        #expect(looped.ns == 2)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("anode-loop-\(UUID().uuidString).cir")
        try loop.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let errors = try Self.compare(file)
        #expect(errors.count == 4)
        for (probe, error) in errors { #expect(error <= 1e-6, "\(probe) differs by \(error) of its peak") }
    }

    @Test("independent parts of a circuit are solved as separate subsystems, with the same result")
    func subsystems() throws {
        let one = """
            .model d1 D(IS=2.52n RS=0.568 N=1.752 CJO=4p M=0.4 TT=20n)
            Va a 0 0
            R1 a x 2.2k
            C1 x 0 10n
            D1 x 0 d1
            D2 0 x d1
            """
        let two = one + "\nVb b 0 0\nR2 b y 1k\nC2 y 0 22n\nD3 y 0 d1\nD4 0 y d1\nD5 y 0 d1\n"
        let config = ProcessorConfiguration(inputs: ["Va", "Vb"], outputs: [.voltage("x"), .voltage("y")], sampleRate: 48_000)
        let both = try Processor(Circuit(netlistText: "two\n" + two), configuration: config)
        #expect(both.subsystemCount == 2)
        let alone = try Processor(Circuit(netlistText: "one\n" + one), configuration: ProcessorConfiguration(inputs: ["Va"], outputs: [.voltage("x")], sampleRate: 48_000))
        #expect(alone.subsystemCount == 1)
        // The clipper alone predicts its conducting junction in closed form, the two-part circuit
        // by the tangent; both converge within Newton's tolerance, but to compare the subsystems
        // to rounding the two must start Newton from the same prediction.
        #expect(alone.runtime.pointee.solvesJunctions)
        alone.runtime.pointee.solvesJunctions = false
        var input: [Double] = []
        for k in 0..<2000 { input += [sin(Double(k) * 0.13), 3 * sin(Double(k) * 0.05)] }
        let y = both.process(input)
        let x = alone.process(stride(from: 0, to: input.count, by: 2).map { input[$0] })
        for k in 0..<2000 { #expect(abs(y[2 * k] - x[k]) < 1e-6) }
    }

    static func toneStack(treble: Double = 0.5, bass: Double = 0.5) throws -> Circuit {
        var text = try String(contentsOf: Paths.circuits.appendingPathComponent("tone-stack-jcm800.cir"), encoding: .utf8)
        text = text.replacingOccurrences(of: "taper=lin position=0.5\nR4", with: "taper=lin position=\(treble)\nR4")
        text = text.replacingOccurrences(of: "taper=log position=0.5", with: "taper=log position=\(bass)")
        return try Circuit(netlistText: text)
    }

    @Test("moving a control updates the model to what a fresh derivation gives")
    func controlUpdate() throws {
        let config = ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000)
        let moved = try Processor(Self.toneStack(), configuration: config)
        #expect(moved.controlNames == ["treble", "bass", "middle"])
        moved.setControl("treble", to: 0.9)
        moved.setControl("bass", to: 0.1)
        // Let the knobs glide to their targets.
        _ = moved.process([Double](repeating: 0, count: 48_000))
        #expect(moved.controlPosition("treble") == 0.9)
        // The state update reads a column-major copy of [A B C; D E F]: moved with the rows.
        #expect(moved.updateColumnsMatchRows())
        let fresh = try Processor(Self.toneStack(treble: 0.9, bass: 0.1), configuration: config)
        for name in ["A", "B", "C", "D", "E", "F", "G", "H", "K"] {
            let a = moved.liveMatrix(name), b = fresh.liveMatrix(name), count = a.count
            var scale = 0.0, worst = 0.0
            for k in 0..<count { scale = max(scale, abs(b[k])); worst = max(worst, abs(a[k] - b[k])) }
            #expect(worst <= 1e-9 * max(scale, 1e-12), "matrix differs by \(worst) (scale \(scale))")
        }
    }

    /// A complementary follower of power transistors, whose crowding base resistance gives each an
    /// internal base node, behind a volume pot, biased by two diodes: eight ports, two internal.
    static func powerFollower(volume: Double = 0.5) throws -> Circuit {
        try Circuit(netlistText: """
        Power follower
        .model TIP31C NPN(IS=1.62181E-13 ISE=1.75416E-11 ISC=4.36516E-14 BF=83.6 BR=20.607 IKF=6.98433
        + IKR=0.997156 VAF=110.5 VAR=159.374 VJE=0.636 VJC=0.408 RE=0.56 RC=0.96 RB=164.793
        + RBM=0.100291 IRB=1.24287E-7 CJE=4.77E-10 CJC=7.29E-11 XCJC=0.589205 FC=0.5 NF=0.9899 NR=0.989511
        + NE=1.95 NC=1.014 MJE=0.327 MJC=0.339 TF=2.3733E-8 TR=1.0000E-8 ITF=1 VTF=10 XTF=10)
        .model TIP32C PNP(IS=6.77594E-13 ISE=1.31133E-11 ISC=1.31133E-11 BF=198.8 BR=25.4966 IKF=0.891251
        + IKR=0.410482 VAF=77.429 VAR=70.9603 VJE=0.59 VJC=0.5 RE=0.06 RC=0.16 RB=161.0 RBM=3.097
        + IRB=3.548134E-5 CJE=2.7E-10 CJC=1.07E-10 XCJC=0.589205 FC=0.5 NF=1.001 NR=1.004 NE=1.98 NC=1.12
        + MJE=0.319 MJC=0.352 TF=2.3733E-8 TR=1.0000E-8 ITF=1 VTF=10 XTF=10)
        .model 1N4148 D(IS=2.52n RS=0.568 N=1.752 CJO=4p M=0.4 TT=20n)
        Vcc vcc 0 DC 15
        Vee vee 0 DC -15
        Vin in 0 DC 0 SIN(0 4 1k)
        .pot vol 0 w in R=1k taper=lin position=\(volume)
        C1 w b 10u
        R1 vcc bp 2.2k
        D1 bp b 1N4148
        D2 b bn 1N4148
        R2 bn vee 2.2k
        Q1 vcc bp e1 TIP31C
        Q2 vee bn e2 TIP32C
        Re1 e1 out 0.47
        Re2 e2 out 0.47
        Rl out 0 8
        .tran 20u 3m
        .end
        """)
    }

    @Test("internal base nodes are condensed out of the Jacobian, and the result still agrees with the reference")
    func internalPorts() throws {
        let config = ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000)
        let classAB = try Processor(loadCircuit(Paths.circuits.appendingPathComponent("class-ab-output.cir")), configuration: config)
        #expect(classAB.np == 15 && classAB.subsystemCount == 1 && classAB.condensation[0].internalCount == 4)
        let follower = try Processor(Self.powerFollower(), configuration: config)
        #expect(follower.np == 8 && follower.condensation[0].internalCount == 2)
        // An internal port: K couples it to no other port, and the state and inputs do not reach it.
        let k = follower.liveMatrix("K"), g = follower.liveMatrix("G"), h = follower.liveMatrix("H")
        let np = follower.np, inner = (0..<np).filter { follower.jacobianRow[$0] < 2 }
        #expect(inner.count == 2)
        for l in inner {
            #expect(k[l * np + l] != 0)
            for j in 0..<np where j != l { #expect(k[l * np + j] == 0 && k[j * np + l] == 0) }
            #expect(g[(l * follower.ns)..<((l + 1) * follower.ns)].allSatisfy { $0 == 0 })
            #expect(h[(l * follower.nu)..<((l + 1) * follower.nu)].allSatisfy { $0 == 0 })
        }
        for (probe, error) in try Self.compare(Self.powerFollower()) {
            #expect(error <= 1e-6, "power follower: \(probe) differs by \(error) of its peak")
        }
    }

    @Test("moving a control keeps the condensed Jacobian's copy of K up to date")
    func controlUpdateWithInternalPorts() throws {
        let config = ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000)
        let moved = try Processor(Self.powerFollower(volume: 0.5), configuration: config)
        moved.setControl("vol", to: 0.8)
        _ = moved.process([Double](repeating: 0, count: 48_000))
        #expect(moved.controlPosition("vol") == 0.8)
        let fresh = try Processor(Self.powerFollower(volume: 0.8), configuration: config)
        for name in ["K", "KJ"] {
            let a = moved.liveMatrix(name), b = fresh.liveMatrix(name)
            var scale = 0.0, worst = 0.0
            for k in 0..<a.count { scale = max(scale, abs(b[k])); worst = max(worst, abs(a[k] - b[k])) }
            #expect(worst <= 5e-8 * scale, "\(name) differs by \(worst) (scale \(scale))")
        }
        // And it sounds like the fresh one: the same output once both have settled on a tone.
        let tone = (0..<9_600).map { 2 * sin(2 * Double.pi * 1000 * Double($0) / 48_000) }
        let a = moved.process(tone), b = fresh.process(tone)
        let peak = b.map(abs).max() ?? 0
        #expect(peak > 1)
        #expect(zip(a, b).suffix(4_800).map { abs($0 - $1) }.max()! <= 1e-5 * peak)
    }

    @Test("controls set from other threads while the audio thread processes: no race, the last setting wins")
    func concurrentControls() throws {
        let processor = try Processor(Self.toneStack(), configuration: ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000))
        let treble = try #require(processor.controlIndex(named: "treble"))
        let bass = try #require(processor.controlIndex(named: "bass"))
        let box = UncheckedBox(processor)
        let done = DispatchGroup()
        // Two threads turn knobs for as long as this one processes blocks, then leave them set.
        let stop = StopFlag()
        for (index, final, period) in [(treble, 0.25, 100), (bass, 0.75, 37)] {
            done.enter()
            Thread.detachNewThread {
                var k = 0
                while !stop.flag.load(ordering: .relaxed) {
                    box.value.setControl(index: index, to: Double(k % period) / Double(period))
                    k += 1
                }
                box.value.setControl(index: index, to: final)
                done.leave()
            }
        }
        var input = [Double](repeating: 0, count: 256)
        for k in input.indices { input[k] = sin(Double(k) * 0.05) }
        var finite = true
        for _ in 0..<300 { finite = finite && processor.process(input).allSatisfy(\.isFinite) }
        stop.flag.store(true, ordering: .relaxed)
        done.wait()
        for _ in 0..<400 { finite = finite && processor.process(input).allSatisfy(\.isFinite) }
        #expect(finite)
        #expect(processor.controlTarget(index: treble) == 0.25 && processor.controlTarget(index: bass) == 0.75)
        #expect(abs(processor.controlPosition("treble")! - 0.25) < 1e-4 && abs(processor.controlPosition("bass")! - 0.75) < 1e-4)
    }

    @Test("a knob turned at once glides: no step in the output")
    func smoothing() throws {
        // Position 1 puts the wiper at the second end: full volume with ground at the first.
        let circuit = try Circuit(netlistText: "vol\nVin in 0 1\n.pot vol 0 out in R=10k position=1\nRl out 0 1Meg\n")
        let p = try Processor(circuit, configuration: ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000))
        let before = p.process([Double](repeating: 1, count: 64))
        p.setControl("vol", to: 0)
        let after = p.process([Double](repeating: 1, count: 4800))
        #expect(abs(before.last! - 1) < 1e-3)
        #expect(abs(after.last!) < 1e-3)  // the wiper at the grounded end: a zero-ohm segment
        let jumps = zip(after.dropFirst(), after).map { abs($0 - $1) }.max()!
        #expect(jumps < 0.1, "largest step \(jumps)")
        #expect(after.allSatisfy { $0.isFinite })
    }

    @Test("a conducting junction's prediction solves its port equation: the exact solution where the rest is linear")
    func junctionPredictionSolves() {
        // One port: F(v) = p − R·ĩ(v) − v with ĩ(v) = S·(e^{κv} − 1) + ℓ·v, from the solution at
        // p₀ to a new p. The tangent misses by millivolts; the prediction lands on the solution,
        // found here by bisection, to within what the omega estimate allows (7.5e-6/κ).
        let r = 2200.0, s = 2.52e-9, kappa = 1 / (1.752 * 0.025_85), ell = 3e-7
        func current(_ v: Double) -> Double { s * (exp(kappa * v) - 1) + ell * v }
        let v0 = 0.52, p0 = v0 + r * current(v0)
        var prediction = JunctionPrediction()
        prediction.kappa = SIMD2(kappa, 0)
        prediction.inverseKappa = SIMD2(1 / kappa, 0)
        prediction.logKappaSaturation = SIMD2(log(kappa * s), 0)
        prediction.factor = SIMD2(1, 1)
        let exponential = kappa * s * exp(kappa * v0)
        prediction.conductance = SIMD2(exponential, 0)
        prediction.jacobianConductance = SIMD2(exponential, 0)
        prediction.jacobianLinear = SIMD2(ell, 0)
        let k = -r, jacobian = k * (exponential + ell) - 1, m = k / jacobian
        for p in [p0 + 0.2, p0 + 1, p0 + 3, p0 - 0.5] {
            var low = -1.0, high = 1.0
            for _ in 0..<200 {
                let mid = 0.5 * (low + high)
                if p - r * current(mid) - mid > 0 { low = mid } else { high = mid }
            }
            let exact = 0.5 * (low + high)
            let tangent = v0 - (p - p0) / jacobian
            guard let predicted = prediction.predict(SIMD2(tangent, 0), from: SIMD2(v0, 0), k0: SIMD2(k, 0), k1: .zero,
                                                     m: { (SIMD2(m, 0), .zero) }) else {
                Issue.record("no prediction for p = \(p)")
                continue
            }
            #expect(abs(tangent - exact) > 1e-3, "the tangent is already close at p = \(p)")
            #expect(abs(predicted[0] - exact) <= 5e-7, "p = \(p): predicted \(predicted[0]), solution \(exact)")
        }
        // A step the tangent takes well enough is left to it.
        let small = v0 - 1e-6 / jacobian
        #expect(prediction.predict(SIMD2(small, 0), from: SIMD2(v0, 0), k0: SIMD2(k, 0), k1: .zero, m: { (SIMD2(m, 0), .zero) }) == nil)
    }

    @Test("the diode clipper driven hard takes one evaluation per sample with its junctions solved, 1.5–1.8 without")
    func junctionPredictionEvaluations() throws {
        let circuit = try loadCircuit(Paths.circuits.appendingPathComponent("diode-clipper.cir"))
        let configuration = ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000)
        for amplitude in [1.0, 3.0] {
            let sine = (0..<4800).map { amplitude * sin(2 * Double.pi * 1000 * Double($0) / 48_000) }
            let solved = try Processor(circuit, configuration: configuration)
            let tangent = try Processor(circuit, configuration: configuration)
            #expect(solved.runtime.pointee.solvesJunctions)
            tangent.runtime.pointee.solvesJunctions = false
            let a = solved.process(sine), b = tangent.process(sine)
            let perSample = Double(solved.statistics.iterations) / Double(solved.statistics.steps)
            let without = Double(tangent.statistics.iterations) / Double(tangent.statistics.steps)
            #expect(perSample <= 1.06, "\(amplitude) V: \(perSample) evaluations per sample")
            #expect(without >= 1.4, "\(amplitude) V without: \(without)")
            // Both within Newton's tolerance of the same solutions.
            #expect(zip(a, b).map { abs($0 - $1) }.max()! <= 5e-6)
        }
        // Oversampled, the tangent alone predicts (the solve cost more time than it saved there).
        var oversampled = configuration
        oversampled.oversampling = 4
        #expect(try !Processor(circuit, configuration: oversampled).runtime.pointee.solvesJunctions)
    }

    @Test("the register kernel of one- and two-port circuits takes the same steps as the general kernel, fallbacks included")
    func registerKernel() throws {
        var eligible: [String] = []
        var fellBack = false, rejected = false, handedOver = false
        for netlist in NgspiceAgreementTests.netlists {
            let circuit = try loadCircuit(netlist)
            guard case .transient(let spec)? = circuit.analyses.first(where: { $0.kind == .tran }) else { continue }
            var inputs: [(String, Waveform)] = []
            for e in circuit.elements {
                if case let .voltageSource(_, _, source) = e.kind, let w = source.waveform { inputs.append((e.name, w.resolved(step: spec.step, stop: spec.stop))) }
            }
            guard inputs.count == 1 else { continue }
            let configuration = ProcessorConfiguration(inputs: [inputs[0].0], outputs: [.voltage("out")], sampleRate: 48_000)
            guard let fast = try? Processor(circuit, configuration: configuration), fast.registerDevices != .none else { continue }
            eligible.append(netlist.lastPathComponent)
            let general = try Processor(circuit, configuration: configuration)
            general.registerDevices = .none
            // The netlist's own drive for 20 ms, then a square wave of 20 times its peak, which
            // drives Newton into its fallbacks, then hostile samples (±1 kV after clamping, NaN,
            // infinities) that end in rejected steps and the watchdog, then the drive again.
            let drive = (1...960).map { inputs[0].1.value(at: Double($0) / 48_000) }
            let peak = max(drive.map(abs).max() ?? 0, 0.1)
            let hostile: [Double] = (0..<480).map { [1e300, -1e300, .nan, .infinity, -.infinity, 0][$0 / 5 % 6] }
            let input = drive + (0..<960).map { 20 * peak * ((($0 / 24) % 2 == 0) ? 1 : -1) } + hostile + drive
            let a = fast.process(input), b = general.process(input)
            let scale = max(b.map(abs).max() ?? 0, 1e-9)
            let difference = zip(a, b).map { abs($0 - $1) }.max() ?? 0
            #expect(difference <= 1e-9 * scale, "\(netlist.lastPathComponent): outputs differ by \(difference / scale) of their peak")
            #expect(fast.statistics.steps == general.statistics.steps)
            // The same evaluations: a step the register kernel hands over is one whose attempt
            // the general kernel makes and fails alike, and the fallbacks go on from there.
            #expect(fast.statistics.iterations == general.statistics.iterations,
                    "\(netlist.lastPathComponent): \(fast.statistics) vs \(general.statistics)")
            #expect(fast.statistics.maxIterations == general.statistics.maxIterations)
            if fast.statistics.continuations > 0 { handedOver = true }
            #expect(fast.statistics.failures == general.statistics.failures)
            #expect(fast.statistics.recoveries == general.statistics.recoveries)
            #expect(a.allSatisfy { $0.isFinite }, "\(netlist.lastPathComponent): non-finite output")
            if general.statistics.maxIterations > 4 { fellBack = true }
            if general.statistics.failures > 0 { rejected = true }
            // With no allowance for fallbacks, the overdriven steps Newton cannot solve from the
            // prediction are rejected (the last output held): alike in both kernels.
            var strict = configuration
            strict.fallbackBudget = 0
            let fastStrict = try Processor(circuit, configuration: strict), generalStrict = try Processor(circuit, configuration: strict)
            generalStrict.registerDevices = .none
            let c = fastStrict.process(input), d = generalStrict.process(input)
            let strictDifference = zip(c, d).map { abs($0 - $1) }.max() ?? 0
            #expect(strictDifference <= 1e-9 * max(d.map(abs).max() ?? 0, 1e-9), "\(netlist.lastPathComponent), no fallbacks")
            #expect(fastStrict.statistics.failures == generalStrict.statistics.failures)
            #expect(fastStrict.statistics.steps == generalStrict.statistics.steps)
            if generalStrict.statistics.failures > 0 { rejected = true }
        }
        #expect(Set(["diode-clipper.cir", "12ax7-common-cathode.cir", "2n3904-common-emitter.cir"]).isSubset(of: eligible), "\(eligible)")
        #expect(fellBack, "no circuit needed the fallback")
        #expect(rejected, "no circuit had a step rejected")
        #expect(handedOver, "no circuit's register kernel handed a step over")

        // A knob turned while it runs: the register kernel takes the matrices as the glide moves them.
        let knob = try Circuit(netlistText: """
            clipper with a drive knob
            Vin in 0 0
            .pot drive 0 x in R=10k position=0.2
            R1 x out 2.2k
            C1 out 0 10n
            D1 out 0 DX
            D2 0 out DX
            .model DX D(IS=2.52n RS=0.568 N=1.752 CJO=4p M=0.4 TT=20n)
            """)
        let configuration = ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000)
        let fast = try Processor(knob, configuration: configuration), general = try Processor(knob, configuration: configuration)
        general.registerDevices = .none
        #expect(fast.registerDevices == .diodes)
        let sine = (1...2400).map { 2 * sin(2 * Double.pi * 1000 * Double($0) / 48_000) }
        var a = fast.process(sine), b = general.process(sine)
        #expect(fast.setControl("drive", to: 1))
        #expect(general.setControl("drive", to: 1))
        a += fast.process(sine)
        b += general.process(sine)
        #expect(zip(a, b).map { abs($0 - $1) }.max()! <= 1e-12)
        #expect(fast.statistics.iterations == general.statistics.iterations)
        // The knob did something: the second half clips harder.
        #expect(a[2400...].max()! > a[..<2400].max()! + 0.05)
    }

    @Test("the predictor follows the devices' charge history: a small sine needs one evaluation and rarely a factorization")
    func chargeAwarePrediction() throws {
        // The 2N3904 stage (Gummel-Poon with TF, CJE, CJC) at 10 mV, 1 kHz, 48 kHz. Predicting from the
        // change of p alone leaves the charges' change out and needs a Newton step nearly every sample
        // (0.98 factorizations per sample); with it, the predicted point is within tolerance on most.
        let circuit = try loadCircuit(Paths.circuits.appendingPathComponent("2n3904-common-emitter.cir"))
        let p = try Processor(circuit, configuration: ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000))
        let x = (1...9600).map { 0.01 * sin(2 * Double.pi * 1000 * Double($0) / 48_000) }
        _ = p.process(x)
        let stats = p.statistics
        #expect(stats.failures == 0)
        #expect(stats.iterationsPerStep < 1.01, "\(stats.iterationsPerStep) evaluations per sample")
        #expect(Double(stats.factorizations) < 0.8 * Double(stats.steps), "\(stats.factorizations) factorizations in \(stats.steps) samples")
    }

    @Test("a configuration the processor cannot honour is an error that says what is wrong")
    func configurationErrors() throws {
        let circuit = try loadCircuit(Paths.circuits.appendingPathComponent("diode-clipper.cir"))
        func message(_ change: (inout ProcessorConfiguration) -> Void) -> String {
            var configuration = ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000)
            change(&configuration)
            do {
                _ = try Processor(circuit, configuration: configuration)
                return "built"
            } catch {
                return error.description
            }
        }
        #expect(message { _ in } == "built")
        #expect(message { $0.sampleRate = 0 }.contains("sample rate must be positive"))
        #expect(message { $0.sampleRate = .nan }.contains("sample rate must be positive"))
        #expect(message { $0.oversampling = 3 }.contains("oversampling must be 1, 2, 4 or 8"))
        #expect(message { $0.outputs = [] }.contains("at least one output"))
        #expect(message { $0.outputs = [.voltage("nowhere")] }.contains("no node named 'nowhere'"))
        #expect(message { $0.outputs = [.current("R9")] }.contains("no element named"))
        #expect(message { $0.inputs = ["Vx"] }.contains("input 'Vx': no source of that name"))
        #expect(message { $0.inputs = ["R1"] }.contains("not an independent voltage or current source"))
        #expect(message { $0.inputs = ["Vin", "vin"] }.contains("input 'vin' is given twice"))
        #expect(message { $0.absoluteTolerance = 0 }.contains("absolute tolerance must be positive"))
        #expect(message { $0.absoluteTolerance = -1e-6 }.contains("absolute tolerance must be positive"))
        #expect(message { $0.absoluteTolerance = .nan }.contains("absolute tolerance must be positive"))
        #expect(message { $0.relativeTolerance = -1 }.contains("relative tolerance must not be negative"))
        #expect(message { $0.relativeTolerance = .infinity }.contains("relative tolerance must not be negative"))
        #expect(message { $0.relativeTolerance = 0 } == "built")
        #expect(message { $0.inputLimit = .nan }.contains("input limit must be positive"))
        #expect(message { $0.restInputs = [0, 0] }.contains("2 rest values for 1 inputs"))
        #expect(message { $0.restInputs = [.nan] }.contains("input 'Vin': its value at rest must be finite, not nan"))
    }

    @Test("calls of random sizes, knob moves, resets and buffer kinds: the register kernel's held state takes the general kernel's steps")
    func heldStateUnderRandomCalls() throws {
        // The register kernel keeps its state between calls and stores it into the processor's
        // arrays only when something else needs them (a control's glide, a switch of kernel); a
        // reset drops it. Driven through the same random sequence of calls — sizes from 0 to 300
        // frames, Double, Float and per-channel buffers, knob moves that glide across calls, resets —
        // it must take the general kernel's steps: the same evaluations, the same outputs to rounding.
        let circuit = try Circuit(netlistText: """
            clipper with a drive knob
            Vin in 0 0
            .pot drive 0 x in R=10k position=0.2
            R1 x out 2.2k
            C1 out 0 10n
            D1 out 0 DX
            D2 0 out DX
            .model DX D(IS=2.52n RS=0.568 N=1.752 CJO=4p M=0.4 TT=20n)
            """)
        for (seed, oversampling): (UInt64, Int) in [(1, 1), (2, 1), (3, 2)] {
            let configuration = ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000, oversampling: oversampling)
            let fast = try Processor(circuit, configuration: configuration), general = try Processor(circuit, configuration: configuration)
            general.registerDevices = .none
            #expect(fast.registerDevices == .diodes)
            var g = SplitMix64(seed: seed)
            var t = 0, worst = 0.0, peak = 0.0, resets = 0, moves = 0
            for _ in 0..<60 {
                switch Int.random(in: 0..<10, using: &g) {
                case 0:
                    fast.reset(); general.reset(); resets += 1
                case 1, 2:
                    let position = Double.random(in: 0...1, using: &g)
                    fast.setControl(index: 0, to: position); general.setControl(index: 0, to: position); moves += 1
                default:
                    let frames = Int.random(in: 0...300, using: &g)
                    let x = (0..<frames).map { 2 * sin(2 * Double.pi * 1000 * Double(t + $0) / 48_000) }
                    t += frames
                    var a = [Double](repeating: .nan, count: frames), b = a
                    switch Int.random(in: 0..<3, using: &g) {
                    case 0:
                        a = fast.process(x); b = general.process(x)
                    case 1:
                        let f = x.map(Float.init)
                        var fa = [Float](repeating: .nan, count: frames), fb = fa
                        fast.process(input: f, output: &fa, frames: frames); general.process(input: f, output: &fb, frames: frames)
                        a = fa.map(Double.init); b = fb.map(Double.init)
                    default:
                        x.withUnsafeBufferPointer { i in
                            a.withUnsafeMutableBufferPointer { o in
                                if let xi = i.baseAddress, let yo = o.baseAddress { fast.process(inputs: [xi], outputs: [yo], frames: frames) }
                            }
                            b.withUnsafeMutableBufferPointer { o in
                                if let xi = i.baseAddress, let yo = o.baseAddress { general.process(inputs: [xi], outputs: [yo], frames: frames) }
                            }
                        }
                    }
                    worst = max(worst, zip(a, b).map { abs($0 - $1) }.max() ?? 0)
                    peak = max(peak, b.map(abs).max() ?? 0)
                }
            }
            #expect(resets > 0 && moves > 0 && peak > 0.3, "seed \(seed): \(resets) resets, \(moves) knob moves, peak \(peak)")
            #expect(worst <= 1e-12, "seed \(seed): the kernels differ by \(worst)")
            #expect(fast.statistics.steps == general.statistics.steps && fast.statistics.iterations == general.statistics.iterations,
                    "seed \(seed): \(fast.statistics) against \(general.statistics)")
        }
    }

    @Test("channels in separate buffers, as audio hosts hand them over, give what interleaved buffers give, to the bit")
    func separateChannelBuffers() throws {
        // Two inputs and three outputs, so that a mix-up of channels or of the frame stride shows;
        // 1000 frames, not a multiple of the 32-frame chunks the conversions go by.
        let circuit = try Circuit(netlistText: """
            two clippers
            Vl inl 0 0
            Vr inr 0 0
            R1 inl outl 2.2k
            C1 outl 0 10n
            D1 outl 0 DX
            D2 0 outl DX
            R2 inr outr 4.7k
            C2 outr 0 22n
            D3 outr 0 DX
            .model DX D(IS=2.52n RS=0.568 N=1.752 CJO=4p M=0.4 TT=20n)
            """)
        let configuration = ProcessorConfiguration(inputs: ["Vl", "Vr"], outputs: [.voltage("outl"), .voltage("outr"), .voltage("inl")],
                                                   sampleRate: 48_000)
        func processor() throws -> Processor { try Processor(circuit, configuration: configuration) }
        let frames = 1000
        let left = (0..<frames).map { 2 * sin(2 * Double.pi * 1000 * Double($0) / 48_000) }
        let right = (0..<frames).map { 0.5 * sin(2 * Double.pi * 1700 * Double($0) / 48_000) }
        let interleaved = (0..<frames).flatMap { [left[$0], right[$0]] }
        var expected = [Double](repeating: .nan, count: 3 * frames)
        try processor().process(input: interleaved, output: &expected, frames: frames)
        #expect(expected.allSatisfy { $0.isFinite })
        #expect((0..<frames).allSatisfy { expected[3 * $0 + 2] == left[$0] }, "the third output is the left input")

        // Channel buffers of one sample type through a new processor by `call` (the overload of
        // that type): output channel c at c·frames of one array.
        func planar<Sample: BinaryFloatingPoint>(_ l: [Sample], _ r: [Sample],
                                                 _ call: (Processor, [UnsafePointer<Sample>], [UnsafeMutablePointer<Sample>]) -> Void) throws -> [Sample] {
            var outputs = [Sample](repeating: .nan, count: 3 * frames)
            let p = try processor()
            l.withUnsafeBufferPointer { l in r.withUnsafeBufferPointer { r in
                outputs.withUnsafeMutableBufferPointer { o in
                    let base = o.baseAddress!
                    call(p, [l.baseAddress!, r.baseAddress!], [base, base + frames, base + 2 * frames])
                }
            } }
            return outputs
        }

        let outputs = try planar(left, right) { $0.process(inputs: $1, outputs: $2, frames: frames) }
        for c in 0..<3 {
            #expect((0..<frames).allSatisfy { outputs[c * frames + $0] == expected[3 * $0 + c] }, "channel \(c)")
        }

        // Float channel buffers against interleaved Float.
        let leftFloat = left.map(Float.init), rightFloat = right.map(Float.init)
        var expectedFloat = [Float](repeating: .nan, count: 3 * frames)
        try processor().process(input: (0..<frames).flatMap { [leftFloat[$0], rightFloat[$0]] }, output: &expectedFloat, frames: frames)
        let floats = try planar(leftFloat, rightFloat) { $0.process(inputs: $1, outputs: $2, frames: frames) }
        for c in 0..<3 {
            #expect((0..<frames).allSatisfy { floats[c * frames + $0] == expectedFloat[3 * $0 + c] }, "Float channel \(c)")
            // And Float is the Double run rounded, within what the rounded input moves it.
            #expect((0..<frames).allSatisfy { abs(Double(floats[c * frames + $0]) - expected[3 * $0 + c]) < 1e-6 }, "Float channel \(c) against Double")
        }
    }

    @Test("empty blocks are processed as nothing: no trap, no step, the state as it was")
    func emptyBlocks() throws {
        let circuit = try loadCircuit(Paths.circuits.appendingPathComponent("diode-clipper.cir"))
        let p = try Processor(circuit, configuration: ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000))
        #expect(p.process([]).isEmpty)
        p.process(input: UnsafeBufferPointer<Double>(start: nil, count: 0), output: UnsafeMutableBufferPointer<Double>(start: nil, count: 0))
        let floats = [Float](repeating: 0, count: 1)
        var out = [Float](repeating: 0, count: 1)
        p.process(input: floats, output: &out, frames: 0)
        #expect(p.statistics.steps == 0)
        // And the next block runs as the first would have.
        let fresh = try Processor(circuit, configuration: ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000))
        let x = (1...96).map { sin(2 * Double.pi * 1000 * Double($0) / 48_000) }
        #expect(p.process(x) == fresh.process(x))
        // A processor with no input channels takes its frame count from the output buffer, and
        // an empty input buffer then reads nothing.
        let free = try Processor(circuit, configuration: ProcessorConfiguration(inputs: [], outputs: [.voltage("out")], sampleRate: 48_000))
        var y = [Double](repeating: .nan, count: 8)
        y.withUnsafeMutableBufferPointer { free.process(input: UnsafeBufferPointer<Double>(start: nil, count: 0), output: $0) }
        #expect(free.statistics.steps == 8 && y.allSatisfy { $0.isFinite })
    }

    @Test("the output does not depend on how the samples are split into blocks",
          arguments: [("diode-clipper", 2.0, 1), ("2n3904-common-emitter", 0.3, 1), ("12ax7-common-cathode", 2.0, 1),
                      ("fuzz-face", 0.2, 1), ("diode-clipper", 2.0, 2), ("2n3904-common-emitter", 0.3, 4)])
    func blockSizes(_ name: String, _ amplitude: Double, _ oversampling: Int) throws {
        // An audio host hands over blocks of any size, one frame among them, and an offline render
        // must null against a live one; the register kernels hold their state between calls (and
        // store it into the processor's arrays when something else needs them), and the
        // oversampler's filters carry theirs across calls. A clipping drive, so that the
        // first-order steps and the closed-form junction prediction are taken too.
        let circuit = try loadCircuit(Paths.circuits.appendingPathComponent(name + ".cir"))
        func processor() throws -> Processor {
            try Processor(circuit, configuration: ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000, oversampling: oversampling))
        }
        let x = (0..<1_200).map { amplitude * sin(2 * Double.pi * 1000 * Double($0) / 48_000) }
        let whole = try processor()
        let y = whole.process(x)
        let split = try processor()
        var z: [Double] = []
        var k = 0, sizes = [1, 7, 64, 1, 1, 3, 250, 2, 33]
        while k < x.count {
            let n = min(sizes[0], x.count - k)
            sizes = Array(sizes.dropFirst()) + [sizes[0]]
            z += split.process(Array(x[k..<k + n]))
            k += n
        }
        let peak = y.map(abs).max() ?? 0
        #expect(peak > 0.01, "\(name): peak \(peak)")
        let worst = zip(y, z).map { abs($0 - $1) }.max() ?? .infinity
        // To the bit: the same operations on the same values, however the run is split (the
        // register kernels' round trips through the processor's arrays at each call moved the last
        // bit, 10⁻¹⁴ of the output; they now hold their state between calls, see `RegisterState`).
        #expect(z.count == y.count && worst == 0, "\(name) at \(oversampling)x: blocks differ by \(worst) of \(peak)")
        #expect(split.statistics.steps == whole.statistics.steps && split.statistics.iterations == whole.statistics.iterations,
                "\(name): \(split.statistics) against \(whole.statistics)")
        // And reset, it runs as a new processor does.
        split.reset()
        #expect(split.process(x) == y, "\(name) at \(oversampling)x: after reset()")
        // Handed to the general kernel halfway, the run goes on from the state the register
        // kernel held: the general kernel computes the same steps, to rounding.
        let switched = try processor()
        #expect((switched.registerDevices != .none) == (name != "fuzz-face"), "\(name): \(switched.registerDevices)")
        var w = switched.process(Array(x[..<600]))
        switched.registerDevices = .none
        w += switched.process(Array(x[600...]))
        let apart = zip(y, w).map { abs($0 - $1) }.max() ?? .infinity
        #expect(w.count == y.count && apart <= 1e-12 * max(peak, 1), "\(name) at \(oversampling)x: switched kernels differ by \(apart)")
        #expect(switched.statistics.iterations == whole.statistics.iterations, "\(name): \(switched.statistics) against \(whole.statistics)")
    }

    /// The largest difference between outputs `y` of the circuit's processor (input `Vin`, output
    /// v(out), 48 kHz) driven by `x` and the same samples solved to a thousandth of the default
    /// tolerance, where no step is taken to first order; and that run's peak.
    static func differenceFromTightRun(_ circuit: Circuit, _ x: [Double], _ y: [Double]) throws -> (worst: Double, peak: Double) {
        let tight = try Processor(circuit, configuration: ProcessorConfiguration(
            inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000, absoluteTolerance: 1e-9, relativeTolerance: 1e-12))
        let z = tight.process(x)
        return (zip(y, z).map { abs($0 - $1) }.max() ?? .infinity, z.map(abs).max() ?? 0)
    }

    @Test("a transistor's blocking collector takes its own first-order bound in a large system, as accurately")
    func collectorScaleInLargeSystems() throws {
        // The transistor amplifier (23 coupled ports, nine transistors) at 20 mV: with the junction
        // bound on every port, 1.58 evaluations per sample, most second ones only confirming a step
        // that moved the collectors by more than that bound allows; with the collectors' own curvature
        // scale (the base-collector junction blocking), 1.33.
        let circuit = try loadCircuit(Paths.circuits.appendingPathComponent("solid-state-amp.cir"))
        let configuration = ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000)
        let p = try Processor(circuit, configuration: configuration)
        #expect(p.np > 2)
        #expect((0..<p.np).contains { p.curvatureScaled[$0] } && !(0..<p.np).allSatisfy { p.curvatureScaled[$0] })
        let x = (1...4800).map { 0.02 * sin(2 * Double.pi * 1000 * Double($0) / 48_000) }
        let y = p.process(x)
        #expect(p.statistics.failures == 0)
        #expect(p.statistics.iterationsPerStep < 1.45, "\(p.statistics.iterationsPerStep) evaluations per sample")
        // The same samples solved to a thousandth of the tolerance (no step taken to first order by
        // either bound) agree within a few times the tolerance.
        let (worst, peak) = try Self.differenceFromTightRun(circuit, x, y)
        #expect(worst <= 5e-6, "differs by \(worst) V of a \(peak) V peak")
    }

    @Test("the junctions' second-order prediction: a driven transistor stage needs fewer evaluations, as accurately")
    func junctionPrediction() throws {
        // Predicted to first order (with the last error extrapolated), the 2N3904 stage at 200 mV
        // takes 1.84 evaluations per sample: a current-driven junction's voltage bends as a
        // logarithm. With its second-order term, 1.38.
        let amplitude = 0.2, bound = 1.5
        let circuit = try loadCircuit(Paths.circuits.appendingPathComponent("2n3904-common-emitter.cir"))
        let p = try Processor(circuit, configuration: ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000))
        #expect(p.predictsSecondOrder)
        let x = (1...9600).map { amplitude * sin(2 * Double.pi * 1000 * Double($0) / 48_000) }
        let y = p.process(x)
        #expect(p.statistics.failures == 0)
        #expect(p.statistics.iterationsPerStep < bound, "\(p.statistics.iterationsPerStep) evaluations per sample")
        // The same samples solved to a thousandth of the tolerance agree within a few times the
        // tolerance (1 µV at the ports): the 2N3904 stage's output within 2.4 µV (11 µV predicted to
        // first order, where more samples end on a step taken to first order).
        let (worst, _) = try Self.differenceFromTightRun(circuit, x, y)
        #expect(worst <= 5e-6, "differs by \(worst) V")
    }

    @Test("a triode's second derivatives in the prediction: the driven 12AX7 stage needs one evaluation per sample")
    func hessianPrediction() throws {
        // Predicted to first order (with the last error extrapolated) the stage at 1 V takes 1.35
        // evaluations per sample; with the second-order term from the plate law's Hessian, 1.00.
        let circuit = try loadCircuit(Paths.circuits.appendingPathComponent("12ax7-common-cathode.cir"))
        let p = try Processor(circuit, configuration: ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000))
        #expect(p.predictsSecondOrder)
        let x = (1...9600).map { sin(2 * Double.pi * 1000 * Double($0) / 48_000) }
        _ = p.process(x)
        #expect(p.statistics.failures == 0)
        #expect(p.statistics.iterationsPerStep < 1.1, "\(p.statistics.iterationsPerStep) evaluations per sample")
    }

    @Test("a triode's second derivatives let most driven samples finish after one evaluation, as accurately")
    func curvatureAcceptance() throws {
        // The 12AX7 stage at 1 V: with only the junction bound for taking a Newton step to first
        // order, 1.81 evaluations per sample (0.6 of them only confirming a converged step); with the
        // plate law's own second derivatives, about 1.35.
        let circuit = try loadCircuit(Paths.circuits.appendingPathComponent("12ax7-common-cathode.cir"))
        let config = ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000)
        let p = try Processor(circuit, configuration: config)
        let x = (1...9600).map { sin(2 * Double.pi * 1000 * Double($0) / 48_000) }
        let y = p.process(x)
        #expect(p.statistics.failures == 0)
        #expect(p.statistics.iterationsPerStep < 1.5, "\(p.statistics.iterationsPerStep) evaluations per sample")
        // The same samples solved to a thousandth of the tolerance (where no step is taken to first
        // order by either bound) agree within a few times the tolerance (1e-6 V): 1.0e-6 V of a 50 V peak.
        let (worst, peak) = try Self.differenceFromTightRun(circuit, x, y)
        #expect(peak > 10)
        #expect(worst <= 1e-7 * peak, "differs by \(worst) of a \(peak) V peak")
    }

    @Test("oversampling: a sine through a linear circuit comes out with its gain, delayed by the reported latency", arguments: [2, 4, 8])
    func oversampling(_ factor: Int) throws {
        let circuit = try Circuit(netlistText: "rc\nVin in 0 0\nR1 in out 1k\nC1 out 0 15.915494309189533n\n")
        let p = try Processor(circuit, configuration: ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000, oversampling: factor))
        let f = 1000.0, fs = 48_000.0
        let n = 9600
        let x = (0..<n).map { sin(2 * Double.pi * f * Double($0) / fs) }
        let y = p.process(x)
        // RC corner 10 kHz: |H(1 kHz)| = 1/√(1 + 0.01), phase −atan(0.1); plus the filters' pure delay.
        let gain = 1 / (1 + 0.01).squareRoot(), phase = -atan(0.1)
        var worst = 0.0
        for k in (n / 2)..<n {
            let t = (Double(k) - p.latency) / fs
            worst = max(worst, abs(y[k] - gain * sin(2 * Double.pi * f * t + phase)))
        }
        #expect(worst < 2e-3, "\(factor)x: error \(worst), latency \(p.latency)")
        #expect(p.latency > 0)
    }

    @Test("the oversampling filter: flat pass band, 85 dB stop band", arguments: [2, 4, 8])
    func filterResponse(_ factor: Int) {
        let filter = OversamplingFilter(factor: factor)
        // The cascade's response from its taps, stage by stage (f in units of the audio rate).
        func response(_ f: Double) -> Double {
            var product = 1.0, rate = 1.0
            for stage in filter.stages {
                rate *= 2
                var re = 0.0, im = 0.0
                for k in 0..<stage.length {
                    let distance = k - stage.delay
                    let h = distance == 0 ? 0.5 : distance % 2 == 0 ? 0 : stage.taps[k / 2]
                    let w = 2 * Double.pi * f / rate * Double(k)
                    re += h * cos(w)
                    im -= h * sin(w)
                }
                product *= (re * re + im * im).squareRoot()
            }
            return product
        }
        for f in stride(from: 0.0, through: 0.45, by: 0.01) { #expect(abs(20 * log10(response(f))) < 0.01, "pass band at \(f)·fs") }
        for f in stride(from: 0.55, through: Double(factor) / 2, by: 0.01) { #expect(20 * log10(response(f)) < -85, "stop band at \(f)·fs") }
    }

    @Test("the oversampling rings compute the half-band cascade's convolutions, in both directions, per channel", arguments: [2, 4, 8])
    func oversamplingRings(_ factor: Int) {
        let filter = OversamplingFilter(factor: factor)
        let channels = 2
        let state = OversamplingState(filter, inputs: channels, outputs: channels)
        defer { state.deallocate() }
        state.reset(inputs: [0, 0.5], outputs: [0, -0.25])
        // A stage's full impulse response: ½ at the centre, zero at the other even distances.
        func impulse(_ stage: HalfbandFilter) -> [Double] {
            (0..<stage.length).map { k in
                let distance = k - stage.delay
                return distance == 0 ? 0.5 : distance % 2 == 0 ? 0 : stage.taps[k / 2]
            }
        }
        // Convolution of x with h, x before its start held at `rest`.
        func convolve(_ x: [Double], _ h: [Double], rest: Double) -> [Double] {
            var y = [Double](repeating: 0, count: x.count)
            for j in 0..<x.count {
                for k in 0..<h.count {
                    let value: Double = j - k >= 0 ? x[j - k] : rest
                    y[j] += h[k] * value
                }
            }
            return y
        }
        var generator = SystemRandomNumberGenerator()
        let frames = 200
        let inputs = (0..<channels).map { _ in (0..<frames).map { _ in Double.random(in: -1...1, using: &generator) } }
        // Interpolation: zero stuffing and the low-pass with gain 2, stage by stage (a constant
        // rest value stuffed and filtered is the same constant).
        var rings = [[Double]](repeating: [], count: channels)
        for f in 0..<frames {
            for c in 0..<channels { state.push(inputs[c][f], channel: c) }
            for c in 0..<channels { for p in 0..<factor { rings[c].append(state.interpolate(channel: c, phase: p)) } }
        }
        for c in 0..<channels {
            let rest = [0, 0.5][c]
            var direct = inputs[c]
            for stage in filter.stages {
                var stuffed = [Double](repeating: 0, count: 2 * direct.count)
                for (n, x) in direct.enumerated() { stuffed[2 * n] = 2 * x }
                // Before the start the stuffed signal alternates 2·rest, 0: its filtered value is rest.
                let h = impulse(stage)
                var filtered = [Double](repeating: 0, count: stuffed.count)
                for j in 0..<stuffed.count {
                    for k in 0..<h.count {
                        let before: Double = (j - k) % 2 == 0 ? 2 * rest : 0
                        filtered[j] += h[k] * (j - k >= 0 ? stuffed[j - k] : before)
                    }
                }
                direct = filtered
            }
            let error = zip(rings[c], direct).map { abs($0 - $1) }.max() ?? .infinity
            #expect(rings[c].count == direct.count && error < 1e-14, "channel \(c): interpolation off by \(error)")
        }
        // Decimation: the low-pass, then every other sample (the later or the earlier of each
        // pair, as `laterSamples` chooses per stage), from the high rate down.
        let highs = (0..<channels).map { _ in (0..<(frames * factor)).map { _ in Double.random(in: -1...1, using: &generator) } }
        var decimated = [[Double]](repeating: [], count: channels)
        for f in 0..<frames {
            for p in 0..<factor { state.record((0..<channels).map { highs[$0][f * factor + p] }, phase: p) }
            for c in 0..<channels { decimated[c].append(state.decimate(channel: c)) }
        }
        for c in 0..<channels {
            var reference = highs[c]
            for (q, stage) in filter.stages.reversed().enumerated() {
                let later = filter.laterSamples >> q & 1
                let filtered = convolve(reference, impulse(stage), rest: [0, -0.25][c])
                reference = (0..<(filtered.count / 2)).map { filtered[2 * $0 + later] }
            }
            let error = zip(decimated[c], reference).map { abs($0 - $1) }.max() ?? .infinity
            #expect(decimated[c].count == reference.count && error < 1e-14, "channel \(c): decimation off by \(error)")
        }
        #expect(filter.latency == filter.latency.rounded() && filter.latency > 0)
    }
}

/// Hands a class across threads in a test that is itself about thread safety.
final class UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// A flag that tells test threads to stop.
final class StopFlag: Sendable {
    let flag = Atomic<Bool>(false)
}
