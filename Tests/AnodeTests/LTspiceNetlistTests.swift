import Foundation
import Testing
import Anode

/// Netlists as LTspice writes them: its parasitics (Rser, Lser, Rpar, Cpar, RLshunt), `SINE`, the
/// micro sign, UTF-16 files, `.lib FILE` with its install paths, part data in model cards,
/// `.backanno`, `.tran` without TSTEP, WAV sources and `.wave`. The reference is ngspice on the same circuit written in
/// its own syntax (`LTspice/*.cir`, fixtures from scripts/make-fixtures.py).
@Suite("LTspice netlists")
struct LTspiceNetlistTests {
    static let folder = Paths.tests.appendingPathComponent("LTspice")
    /// The netlists as LTspice writes them (`.net`); their fixtures are named after them.
    static let netlists: [URL] = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
        .filter { $0.hasSuffix(".net") }.sorted().map { folder.appendingPathComponent($0) }

    func circuit(_ text: String, file: String = "test.net", directory: String? = nil) throws(NetlistError) -> Circuit {
        try Circuit(netlistText: "test\n" + text, file: file, directory: directory)
    }

    func error(_ text: String, directory: String? = nil) -> NetlistError? {
        do { _ = try circuit(text, directory: directory); return nil } catch { return error }
    }

    @Test("an LTspice fuzz into a wah inductor agrees with ngspice on the same circuit")
    func fuzzIntoWah() throws {
        #expect(Self.netlists.map(\.lastPathComponent) == ["fuzz-into-wah.net", "ideal-diodes.net", "laplace-filters.net", "wav-clipper.net"])
        let netlist = Self.folder.appendingPathComponent("fuzz-into-wah.net")
        let circuit = try loadCircuit(netlist)
        let messages = circuit.warnings.map(\.message)
        #expect(messages.contains { $0.contains("standard.dio") && $0.contains("skipped") })
        #expect(messages.contains { $0.contains("standard.bjt") && $0.contains("skipped") })
        #expect(messages.contains { $0.contains(".backanno") })
        #expect(messages.contains { $0.contains("2n3904") && $0.contains("VCEO, ICRATING, MFG") })
        #expect(messages.contains { $0.contains("TSTEP") && $0.contains("2e-06") })
        guard case .transient(let spec)? = circuit.analyses.first else { Issue.record("no .tran"); return }
        #expect(spec.step == 2e-6 && spec.stop == 5e-3 && spec.maxStep == 2e-6)

        let reference = try Table(Paths.fixtures.appendingPathComponent("fuzz-into-wah.tran.csv"))
        let probes = reference.header.dropFirst().compactMap { Probe($0) }
        #expect(probes.count == 5)
        let result = try Simulator(circuit).transient(spec, probes: probes)
        let times = try #require(reference.column("time"))
        try #require(result.time.count == times.count)
        for probe in probes {
            let expected = try #require(reference.column(probe.description))
            let actual = try #require(result.values(probe))
            let relative = relativeRMS(error: zip(actual, expected).map { $0 - $1 }, signal: expected)
            // Measured: 0.02–0.04 %; the promise for any netlist is 0.5 %.
            #expect(relative <= 0.002, "\(probe) RMS error is \(relative * 100) % of the signal")
        }
    }

    @Test("parasitics become the elements LTspice's manual says they stand for")
    func parasitics() throws {
        let c = try circuit("""
            V1 a 0 9 Rser=2 Cpar=1n
            C1 a b 2µ Rser=0.5 Lser=5n Rpar=1Meg Cpar=10p RLshunt=100
            C2 b 0 1u m=2 Rser=1
            L1 b c 500m Rser=350 Rpar=100k Cpar=100p
            R1 c 0 1k
            """)
        func kind(_ name: String) -> ElementKind? { c.element(named: name)?.kind }
        #expect(kind("V1#rser") == .resistor("a", "v1#rser", resistance: 2))
        if case let .voltageSource(p, n, source)? = kind("V1") {
            #expect(p == "v1#rser" && n == "0" && source.dc == 9)
        } else { Issue.record("V1 is not a voltage source") }
        #expect(kind("V1#cpar") == .capacitor("a", "0", capacitance: 1e-9, initialVoltage: nil))
        #expect(kind("C1") == .capacitor("a", "c1#lser", capacitance: 2e-6, initialVoltage: nil))
        #expect(kind("C1#lser") == .inductor("c1#lser", "c1#rser", inductance: 5e-9, initialCurrent: nil))
        #expect(kind("C1#rlshunt") == .resistor("c1#lser", "c1#rser", resistance: 100))
        #expect(kind("C1#rser") == .resistor("c1#rser", "b", resistance: 0.5))
        #expect(kind("C1#rpar") == .resistor("a", "b", resistance: 1e6))
        #expect(kind("C1#cpar") == .capacitor("a", "b", capacitance: 10e-12, initialVoltage: nil))
        // m units in parallel: the capacitance doubles, the series resistance halves.
        #expect(kind("C2") == .capacitor("b", "c2#rser", capacitance: 2e-6, initialVoltage: nil))
        #expect(kind("C2#rser") == .resistor("c2#rser", "0", resistance: 0.5))
        #expect(kind("L1") == .inductor("b", "l1#rser", inductance: 0.5, initialCurrent: nil))
        #expect(kind("L1#rser") == .resistor("l1#rser", "c", resistance: 350))
        #expect(kind("L1#rpar") == .resistor("b", "c", resistance: 1e5))
        #expect(kind("L1#cpar") == .capacitor("b", "c", capacitance: 100e-12, initialVoltage: nil))
        #expect(c.elements.count == 16)
        // Zero parasitics add nothing.
        let plain = try circuit("V1 a 0 1 Rser=0\nC1 a 0 1u Rser=0 Cpar=0\n")
        #expect(plain.elements.map(\.name) == ["V1", "C1"])
    }

    @Test("parasitics that cannot be: negative, RLshunt without Lser, on the wrong element, a node taking an inner node's name")
    func badParasitics() {
        #expect(error("V1 a 0 1\nC1 a 0 1u Rser=-1\n")?.message.contains("must not be negative") == true)
        #expect(error("V1 a 0 1\nC1 a 0 1u RLshunt=10\n")?.message.contains("Lser") == true)
        #expect(error("V1 a 0 1\nR1 a 0 1k Rser=1\n")?.message.contains("unknown parameter 'Rser'") == true)
        #expect(error("I1 a 0 1m Rser=1\nR1 a 0 1k\n")?.message.contains("unknown parameter 'Rser'") == true)
        let clash = error("V1 a 0 1\nC1 a 0 1u Rser=1\nR1 c1#rser 0 1k\n")
        #expect(clash?.message.contains("c1#rser") == true)
        #expect(clash?.location?.line == 4)
    }

    @Test("SINE is SIN; PULSE's count is a whole number")
    func sine() throws {
        let a = try circuit("V1 a 0 SINE(0 1 1k 0 0 90)\nR1 a 0 1k\n")
        let b = try circuit("V1 a 0 SIN(0 1 1k 0 0 90)\nR1 a 0 1k\n")
        #expect(a.element(named: "V1")?.kind == b.element(named: "V1")?.kind)
        #expect(error("V1 a 0 PULSE(0 1 0 1u 1u 1m 2m 2.5)\nR1 a 0 1k\n")?.message.contains("whole number") == true)
    }

    @Test("SIN's seventh argument, Ncycles, ends the sine after that many periods and holds its last value (LTspice XVII)")
    func sineCycles() throws {
        // 1 kHz, 0.5 ms delay, damping 100/s, 2.25 periods: the sine ends at 0.5 + 2.25 ms on its
        // crest, e^(−100·2.25 ms)·sin(2π·2.25) = e^(−0.225).
        let c = try circuit("V1 a 0 SIN(0.5 1 1k 0.5m 100 0 2.25)\nR1 a 0 1k\n.tran 10u 5m\n")
        guard case .voltageSource(_, _, let source)? = c.element(named: "V1")?.kind, let w = source.waveform else {
            Issue.record("no sine"); return
        }
        let held = 0.5 + exp(-0.225)
        #expect(abs(w.value(at: 0.2e-3) - 0.5) <= 1e-15)
        #expect(abs(w.value(at: 1.75e-3) - (0.5 + exp(-100 * 1.25e-3) * sin(2 * Double.pi * 1.25))) <= 1e-12)
        for t in [2.75e-3, 3e-3, 10.0] { #expect(abs(w.value(at: t) - held) <= 1e-12, "t = \(t)") }
        #expect(w.breakpoints(until: 5e-3).contains { abs($0 - 2.75e-3) <= 1e-15 })
        // Through a transient: the node holds the last value.
        let result = try Simulator(c).transient(TransientSpec(step: 10e-6, stop: 5e-3))
        let va = result.values(.voltage("a"))!
        #expect(abs(va.last! - held) <= 1e-9)
        // A count that is not positive is an error, not an endless sine.
        for bad in ["0", "-2"] {
            #expect(error("V1 a 0 SIN(0 1 1k 0 0 0 \(bad))\nR1 a 0 1k\n")?.message.contains("NCYCLES") == true)
        }
    }

    @Test("the micro sign and the Greek mu are micro")
    func micro() {
        #expect(SpiceNumber.parse("2.2\u{00B5}") == 2.2e-6)
        #expect(SpiceNumber.parse("2.2\u{03BC}F") == 2.2e-6)
        #expect(SpiceNumber.parse("2.2u") == 2.2e-6)
    }

    @Test("the scale factor in place of the decimal point: 4k7, 2R2, 1u5")
    func letterForPoint() {
        #expect(SpiceNumber.parse("4k7") == SpiceNumber.parse("4.7k"))
        #expect(SpiceNumber.parse("4K7Ohm") == SpiceNumber.parse("4.7k"))
        #expect(SpiceNumber.parse("2R2") == 2.2)
        #expect(SpiceNumber.parse("27r56") == 27.56)
        #expect(SpiceNumber.parse("1u5") == SpiceNumber.parse("1.5u"))
        #expect(SpiceNumber.parse("2meg2") == SpiceNumber.parse("2.2meg"))
        #expect(SpiceNumber.parse("2M5") == SpiceNumber.parse("2.5m"))  // M is milli, as everywhere in SPICE
        #expect(SpiceNumber.parse("-1k5") == -1500)
        for bad in ["4.7k7", "4k7x9", "1e3k5", "k7", "4k7.5"] {
            #expect(SpiceNumber.parse(bad) == nil, "\(bad)")
        }
        #expect(SpiceNumber.parse("4k") == 4000)
    }

    @Test("UTF-16 files, with and without a byte-order mark, read like UTF-8; Latin-1's µ too")
    func encodings() throws {
        let text = try String(contentsOf: Self.folder.appendingPathComponent("fuzz-into-wah.net"), encoding: .utf8)
        let reference = try Circuit(netlistText: text, file: "fuzz-into-wah.net")
        let folder = try temporaryFolder("anode-ltspice")
        defer { try? FileManager.default.removeItem(at: folder) }
        let variants: [(String, Data)] = [
            ("le-bom", Data([0xFF, 0xFE]) + text.data(using: .utf16LittleEndian)!),
            ("le", text.data(using: .utf16LittleEndian)!),
            ("be-bom", Data([0xFE, 0xFF]) + text.data(using: .utf16BigEndian)!),
            ("latin1", text.data(using: .isoLatin1)!),
        ]
        for (name, data) in variants {
            let url = folder.appendingPathComponent("\(name).net")
            try data.write(to: url)
            let c = try Circuit(contentsOfFile: url.path)
            let same = c.elements.map(\.kind) == reference.elements.map(\.kind)
            #expect(same, "\(name): the elements differ")
        }
    }

    @Test(".lib FILE includes a whole library; the netlist's own card and subcircuit win; LTspice's missing libraries are skipped")
    func libraries() throws {
        let folder = try temporaryFolder("anode-ltspice")
        defer { try? FileManager.default.removeItem(at: folder) }
        try """
            * my parts
            .model QA NPN(BF=50)
            .model DA D(IS=1n)
            .subckt load a b
            R1 a b 1k
            .ends
            """.write(to: folder.appendingPathComponent("parts.lib"), atomically: true, encoding: .utf8)
        let c = try circuit("""
            V1 a 0 1
            Q1 a a 0 QA
            D1 a 0 DA
            .lib parts.lib
            .model QA NPN(BF=200)
            """, directory: folder.path)
        #expect(c.elements.count == 3)
        if case .bjt(_, _, _, let q)? = c.element(named: "Q1")?.kind {
            #expect(q.parameters.forwardBeta == 200)
        } else { Issue.record("Q1 is not a transistor") }
        // A subcircuit gives way the same way, before or after the .lib line; two in the netlist still clash.
        for order in [".lib parts.lib\n.subckt load a b\nR1 a b 2k\n.ends\n", ".subckt load a b\nR1 a b 2k\n.ends\n.lib parts.lib\n"] {
            let s = try circuit("V1 a 0 1\nX1 a 0 load\n" + order, directory: folder.path)
            guard case .resistor(_, _, let r)? = s.element(named: "x1.r1")?.kind else { Issue.record("no x1.r1"); continue }
            #expect(r == 2000)
        }
        #expect(error("V1 a 0 1\nX1 a 0 load\n.subckt load a b\nR1 a b 2k\n.ends\n.subckt load a b\nR1 a b 3k\n.ends\n")?.message.contains("duplicate .subckt 'load'") == true)
        // LTspice's install path: the file is looked for by its name beside the netlist.
        let windows = try circuit("V1 a 0 1\nD1 a 0 DA\n.lib C:\\Users\\me\\lib\\parts.lib\n", directory: folder.path)
        #expect(windows.elements.count == 2)
        let included = try circuit("V1 a 0 1\nD1 a 0 DA\n.include C:\\Users\\me\\lib\\parts.lib\n", directory: folder.path)
        #expect(included.elements.count == 2)
        // LTspice's own libraries that are not here: a warning, and a hint when a model is missing.
        let skipped = try circuit("V1 a 0 1\nR1 a 0 1k\n.lib C:\\LTspice\\lib\\cmp\\standard.bjt\n", directory: folder.path)
        #expect(skipped.warnings.contains { $0.message.contains("standard.bjt") && $0.location?.line == 4 })
        let missing = error("V1 a 0 1\nQ1 a a 0 2N2222\n.lib C:\\LTspice\\lib\\cmp\\standard.bjt\n", directory: folder.path)
        #expect(missing?.message.contains("unknown model '2N2222'") == true)
        #expect(missing?.message.contains("standard.bjt") == true)
        // Any other library must be there.
        #expect(error("V1 a 0 1\nR1 a 0 1k\n.lib nowhere.lib\n", directory: folder.path)?.message.contains("no such file") == true)
        // A section definition is still one.
        let sections = try circuit("V1 a 0 1\nR1 a 0 1k\n.lib fast\n.model X D\n.endl\n", directory: folder.path)
        #expect(sections.elements.count == 2)
    }

    @Test(".tran without TSTEP: TMAX's step, or a thousandth of the span; .backanno and LTspice's options")
    func transientForms() throws {
        let stopOnly = try circuit("V1 a 0 SIN(0 1 1k)\nR1 a 0 1k\n.tran 5m\n.backanno\n")
        guard case .transient(let a)? = stopOnly.analyses.first else { Issue.record("no .tran"); return }
        #expect(a.step == 5e-6 && a.stop == 5e-3 && a.maxStep == nil)
        #expect(stopOnly.warnings.contains { $0.message.contains("thousandth") })
        #expect(stopOnly.warnings.contains { $0.message.contains(".backanno") })
        let zeroStep = try circuit("V1 a 0 SIN(0 1 1k)\nR1 a 0 1k\n.tran 0 5m 1m 2u\n")
        guard case .transient(let b)? = zeroStep.analyses.first else { Issue.record("no .tran"); return }
        #expect(b.step == 2e-6 && b.start == 1e-3 && b.maxStep == 2e-6)
        #expect(error("V1 a 0 1\nR1 a 0 1k\n.tran -1u 5m\n")?.message.contains("TSTEP must be positive") == true)
        // Commands whose meaning Anode lacks are errors, not skipped.
        // .step builds at its first point unless a point is asked for (see ElaborationTests.steps).
        #expect(try circuit("V1 a 0 {r}\nR1 a 0 1k\n.param r=1\n.step param r 2 5 1\n").warnings.first?.message.contains("first point, r=2") == true)
        // .wave writes WAV files (see wavFiles), its outputs written as .print's are; without TSTEP
        // the transient records every sample of it, with a coarser TSTEP a warning says so.
        let wave = try circuit("V1 a 0 1\nR1 a 0 1k\n.tran 0 5m\n.wave out.wav 16 48k a\n")
        #expect(wave.waveOutputs.first?.probes == [.voltage("a")])
        guard case .transient(let w)? = wave.analyses.first else { Issue.record("no .tran"); return }
        #expect(w.step == 1.0 / 48_000 && wave.warnings.contains { $0.message.contains("every 2.08333e-05 s (the sample period of .wave)") })
        let coarse = try circuit("V1 a 0 1\nR1 a 0 1k\n.tran 1m 5m\n.wave out.wav 16 48k a\n")
        #expect(coarse.warnings.map(\.message).contains { $0.contains("read on straight lines between them; make TSTEP 1/48000") })
        // LTspice's waveform-file options change nothing here; its solver choice is reported.
        let options = try circuit("V1 a 0 1\nR1 a 0 1k\n.options plotwinsize=0 solver=alternate\n")
        #expect(options.warnings.map(\.message) == ["option solver is not used by Anode and was ignored"])
        // Its steady-state modifiers are for its switching-regulator macromodels: errors that say so.
        for modifier in ["steady", "nodiscard", "step"] {
            #expect(error("V1 a 0 1\nR1 a 0 1k\n.tran 1u 1m \(modifier)\n")?.message.contains(".tran \(modifier) is LTspice's") == true, "\(modifier)")
        }
        #expect(error("V1 a 0 1\nR1 a 0 1k\n.tran 1u 1m startup 2m\n")?.message.contains("after startup") == true)
    }

    @Test(".tran startup: the top level's sources off for the operating point, on over 20 µs; a subcircuit's stay on")
    func startup() throws {
        let circuit = try circuit("""
            V1 in 0 DC 1
            R1 in out 1k
            C1 out 0 1u
            .subckt ref a
            V9 a 0 2
            R9 a 0 1k
            .ends
            X1 r ref
            .tran 1u 2m startup
            """)
        guard case .transient(let spec)? = circuit.analyses.first else { Issue.record("no .tran"); return }
        #expect(spec.startup && !spec.useInitialConditions)
        #expect(circuit.subcircuitSources == ["x1.V9"])
        let result = try Simulator(circuit).transient(spec, probes: [.voltage("in"), .voltage("out"), .voltage("r")])
        let vin = try #require(result.values(.voltage("in"))), out = try #require(result.values(.voltage("out")))
        let inner = try #require(result.values(.voltage("r")))
        // The source's ramp: 0 at 0, half at 10 µs, all from 20 µs on; the subcircuit's 2 V throughout.
        #expect(vin[0] == 0 && abs(vin[10] - 0.5) < 1e-12 && abs(vin[20] - 1) < 1e-12 && abs(vin[1000] - 1) < 1e-12)
        #expect(inner.allSatisfy { abs($0 - 2) < 1e-12 })
        // The RC (τ = 1 ms) charged by that ramp, in closed form: (t − τ·(1 − e^(−t/τ)))/T on the
        // ramp, 1 − (τ/T)·(e^(T/τ) − 1)·e^(−t/τ) after it.
        let tau = 1e-3, ramp = TransientSpec.startupRamp
        for (k, t) in result.time.enumerated() {
            let expected = t <= ramp ? (t - tau * (1 - exp(-t / tau))) / ramp : 1 - tau / ramp * (exp(ramp / tau) - 1) * exp(-t / tau)
            #expect(abs(out[k] - expected) < 2e-6, "t = \(t): \(out[k]) against \(expected)")
        }
        // The real-time processor from the operating point with those sources off, fed them
        // times the ramp: the same closed form (the subcircuit's source not ramped).
        let (realtime, _) = try Simulator(circuit).realtimeTransient(spec, probes: [.voltage("out"), .voltage("r")])
        let (fast, held) = (try #require(realtime.values(.voltage("out"))), try #require(realtime.values(.voltage("r"))))
        #expect(fast.count == result.time.count && held.allSatisfy { abs($0 - 2) < 1e-12 })
        for (k, t) in realtime.time.enumerated() {
            let expected = t <= ramp ? (t - tau * (1 - exp(-t / tau))) / ramp : 1 - tau / ramp * (exp(ramp / tau) - 1) * exp(-t / tau)
            #expect(abs(fast[k] - expected) < 2e-6, "real time, t = \(t): \(fast[k]) against \(expected)")
        }
    }

    @Test("LTspice's .options maxstep caps the transient's step as TMAX does")
    func maxStepOption() throws {
        let text = "V1 in 0 SIN(0 1 1k)\nR1 in out 1k\nC1 out 0 1u\n.tran 1m 10m\n"
        let plain = try circuit(text), capped = try circuit(text + ".options maxstep=5u\n")
        #expect(plain.options.maxStep == nil && abs((capped.options.maxStep ?? 0) - 5e-6) < 1e-18)
        guard case .transient(let spec)? = plain.analyses.first else { Issue.record("no .tran"); return }
        let a = try Simulator(plain).transient(spec, probes: [.voltage("out")])
        let b = try Simulator(capped).transient(spec, probes: [.voltage("out")])
        #expect(a.acceptedSteps < 2000 && b.acceptedSteps >= 2000, "\(a.acceptedSteps) and \(b.acceptedSteps) steps")
        // LTspice's convergence aids and digital options are reported as ignored, its output options pass.
        let ltspice = try circuit("V1 a 0 1\nR1 a 0 1k\n.options fastaccess noopiter mindeltagmin=1e-4 startclocks=0\n")
        #expect(ltspice.warnings.map(\.message) == ["option noopiter is not used by Anode and was ignored",
                                                     "option mindeltagmin is not used by Anode and was ignored",
                                                     "option startclocks is not used by Anode and was ignored"])
    }

    @Test("a WAV file drives a source (wavefile=, chan=) as a PWL through its samples; .wave writes the outputs, rounded to its bits")
    func wavFiles() throws {
        let netlist = Self.folder.appendingPathComponent("wav-clipper.net")
        let circuit = try loadCircuit(netlist)
        // Channel 1 by chan=, channel 0 by default; LTspice's Windows path found in the netlist's folder.
        for (name, origin) in [("V1", "pluck.wav (channel 1)"), ("I1", "pluck.wav (channel 0)")] {
            let element = try #require(circuit.element(named: name))
            let source: IndependentSource? = switch element.kind {
            case .voltageSource(_, _, let s), .currentSource(_, _, let s): s
            default: nil
            }
            guard case .sampled(let signal)? = source?.waveform else { Issue.record("\(name) has no WAV waveform"); continue }
            #expect(signal.origin.hasSuffix(origin) && signal.rate == 48_000 && signal.samples.count == 960, "\(signal.origin)")
        }
        guard case .transient(let spec)? = circuit.analyses.first else { Issue.record("no .tran"); return }
        let reference = try Table(Paths.fixtures.appendingPathComponent("wav-clipper.tran.csv"))
        let probes = reference.header.dropFirst().compactMap { Probe($0) }
        #expect(probes.count == 3)
        let simulator = try Simulator(circuit)
        let result = try simulator.transient(spec, probes: probes)
        try #require(result.time.count == reference.column("time")?.count)
        for probe in probes {
            let expected = try #require(reference.column(probe.description))
            let relative = relativeRMS(error: zip(try #require(result.values(probe)), expected).map { $0 - $1 }, signal: expected)
            // Measured: 3·10⁻⁶ to 4·10⁻⁶ (v(in) is the samples themselves).
            #expect(relative <= 1e-4, "\(probe) RMS error is \(relative) of the signal")
        }
        // .wave clipped.wav 16 48k V(out) V(tone): one sample every 1/48 000 s from 0 to 20 ms, in the
        // netlist's folder, each within half a step of 16 bits (and the simulation's error) of ngspice's value.
        let files = simulator.waveFiles([.transient(result)])
        try #require(files.count == 1)
        #expect(files[0].request.path == Self.folder.appendingPathComponent("clipped.wav").path)
        #expect(files[0].request.bits == 16 && files[0].request.format == .int16 && files[0].request.sampleRate == 48_000)
        let wav = try files[0].file.get()
        let decoded = try WAVFile(data: try wav.encoded())
        #expect(decoded.format == .int16 && decoded.sampleRate == 48_000 && decoded.channels.count == 2 && decoded.frameCount == 961)
        for (c, name) in ["v(out)", "v(tone)"].enumerated() {
            let expected = try #require(reference.column(name))
            let worst = zip(decoded.channels[c], expected).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst <= 0.5 / 32768 + 2e-5, "\(name): \(worst)")
            // Every sample is a whole number of 16-bit steps.
            #expect(decoded.channels[c] == wav.channels[c] && wav.channels[c].allSatisfy { ($0 * 32768).rounded() == $0 * 32768 })
        }
        #expect(!circuit.warnings.contains { $0.message.contains("holds its last sample") })
    }

    @Test("WAV sources: between, before and after the samples; a recording shorter than .tran is reported")
    func sampledSignal() throws {
        let signal = SampledSignal(samples: [0.5, -0.25, 1], rate: 1000)
        #expect(signal.value(at: -1) == 0.5 && signal.value(at: 0) == 0.5)
        #expect(signal.value(at: 0.0005) == 0.125 && signal.value(at: 0.00175) == 0.6875)
        #expect(signal.value(at: 0.002) == 1 && signal.value(at: 5) == 1)
        #expect(signal.duration == 0.002)
        #expect(signal.breakpoints(until: 0.0015) == [0.001] && signal.breakpoints(until: 1) == [0.001, 0.002])
        // The same as the PWL through the same points, at any time.
        let pwl = Waveform.piecewiseLinear([.init(time: 0, value: 0.5), .init(time: 0.001, value: -0.25), .init(time: 0.002, value: 1)])
        for t in stride(from: -0.0005, through: 0.003, by: 0.0001) {
            #expect(abs(Waveform.sampled(signal).value(at: t) - pwl.value(at: t)) <= 1e-15)
        }
        let folder = Self.folder.path
        let short = try circuit("V1 in 0 wavefile=pluck.wav\nR1 in 0 1k\n.tran 1u 30m\n", directory: folder)
        #expect(short.warnings.map(\.message).contains { $0.contains("lasts 0.02 s, less than .tran's 0.03 s") })
    }

    @Test("WAV sources and .wave that cannot be: no file, not a WAV file, no such channel, two functions, bad bits or rate")
    func badWavFiles() throws {
        let folder = Self.folder.path
        let cases: [(String, String)] = [
            ("V1 in 0 wavefile=missing.wav\nR1 in 0 1k\n", "cannot read the file"),
            ("V1 in 0 wavefile=wav-clipper.net\nR1 in 0 1k\n", "not a WAV file"),
            ("V1 in 0 wavefile=/dev/zero\nR1 in 0 1k\n", "not a regular file"),
            ("V1 in 0 wavefile=/dev/stdin\nR1 in 0 1k\n", "not a regular file"),
            ("V1 in 0 wavefile=.\nR1 in 0 1k\n", "wavefile="),
            ("V1 in 0 wavefile=pluck.wav chan=2\nR1 in 0 1k\n", "chan= must be a channel of"),
            ("V1 in 0 wavefile=pluck.wav chan=0.5\nR1 in 0 1k\n", "chan= must be a channel of"),
            ("V1 in 0 SIN(0 1 1k) chan=1\nR1 in 0 1k\n", "chan= selects a channel of wavefile="),
            ("V1 in 0 SIN(0 1 1k) wavefile=pluck.wav\nR1 in 0 1k\n", "two transient functions"),
            ("V1 in 0 1\nR1 in 0 1k\n.wave out.wav 0 48k V(in)\n", "bits per sample must be a whole number from 1 to 32"),
            ("V1 in 0 1\nR1 in 0 1k\n.wave out.wav 33 48k V(in)\n", "bits per sample must be a whole number from 1 to 32"),
            ("V1 in 0 1\nR1 in 0 1k\n.wave out.wav 16 44100.5 V(in)\n", "sample rate must be a whole number of hertz"),
            ("V1 in 0 1\nR1 in 0 1k\n.wave out.wav 16 48k\n", ".wave takes a file name"),
            ("V1 in 0 1\nR1 in 0 1k\n.wave out.wav 16 48k vdb(in)\n", ".wave writes a waveform"),
            ("V1 in 0 1\nR1 in 0 1k\n.wave out.wav 16 48k V(nowhere)\n", "nowhere"),
        ]
        for (text, message) in cases {
            let e = error(text, directory: folder)
            #expect(e?.message.contains(message) == true, "\(text): \(e?.description ?? "no error")")
            #expect(e?.location?.line ?? 0 >= 2, "\(text): \(e?.description ?? "")")
        }
        // 44.1k is 44 100 Hz; 12 bits go in a 16-bit container; no .tran is an error when the file is made.
        let c = try circuit("V1 in 0 0.3\nR1 in 0 1k\n.op\n.wave out.wav 12 44.1k V(in) I(V1)\n", directory: folder)
        #expect(c.waveOutputs.count == 1 && c.waveOutputs[0].sampleRate == 44_100 && c.waveOutputs[0].format == .int16)
        #expect(c.waveOutputs[0].path == Self.folder.appendingPathComponent("out.wav").path)
        let files = try Simulator(c).waveFiles([])
        #expect(files.count == 1)
        if case .failure(let e) = files[0].file { #expect(e.message.contains("no .tran")) } else { Issue.record("a file without .tran") }
    }

    @Test(".wave rounds to its bits and clips at full scale; a sample period other than TSTEP reads between the points")
    func waveRounding() throws {
        let result = TransientResult(time: [0, 1e-3, 2e-3], probes: [.voltage("a")], columns: [[0.3, 1.7, -0.3]])
        let request = WaveRequest(path: "x.wav", bits: 4, sampleRate: 2000, probes: [.voltage("a")])
        let wav = try WAVFile(result, request: request)
        // t = 0, 0.5, 1, 1.5, 2 ms: 0.3, 1.0, 1.7, 0.7, −0.3 → steps of 1/8, at most 7/8.
        #expect(wav.format == .int8 && wav.channels == [[0.25, 0.875, 0.875, 0.75, -0.25]])
        #expect(try WAVFile(data: wav.encoded()).channels == wav.channels)
    }

    @Test("PWL as PSpice and LTspice write it: pairs in parentheses, +t relative times, scale factors, points files; ngspice's r= and td= after the parentheses")
    func piecewiseLinearForms() throws {
        func waveform(_ text: String, directory: String? = nil) throws -> Waveform? {
            let c = try circuit("V1 a 0 " + text + "\nR1 a 0 1k\n", directory: directory)
            guard case .voltageSource(_, _, let s)? = c.element(named: "V1")?.kind else { return nil }
            return s.waveform
        }
        let plain = try waveform("PWL(0 0 1m 1 2m 0.5)")
        #expect(try waveform("PWL (0,0) (1m,1) (2m,0.5)") == plain)
        #expect(try waveform("PWL 0 0 +1m 1 +1m 0.5") == plain)
        #expect(try waveform("PWL(0 0 +1m 1 2m 0.5)") == plain)
        #expect(try waveform("PWL TIME_SCALE_FACTOR=2 VALUE_SCALE_FACTOR=0.5 (0,0) (0.5m,2) (+0.5m,1)") == plain)
        #expect(try waveform("PWL(0 0 1m 1 2m 0) r=0 td=0.5m") == waveform("PWL(0 0 1m 1 2m 0 r=0 td=0.5m)"))
        // The function ends where the source's own parameters start.
        let c = try circuit("V1 a 0 PWL(0 0 1m 1) r=0 AC 1 Rser=2\nR1 a 0 1k\n")
        guard case .voltageSource(_, _, let s)? = c.element(named: "V1")?.kind else { Issue.record("no V1"); return }
        #expect(s.acMagnitude == 1 && c.element(named: "V1#rser") != nil)
        #expect(s.waveform == .piecewiseLinear([.init(time: 0, value: 0), .init(time: 1e-3, value: 1)], repeatFrom: 0))

        // A points file: LTspice's file=, PSpice's FILE after points (its times then count from the last one).
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("anode-pwl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "* time value\n0 0\n+1m, 1\r\n\n(2m 0.5)\n".write(to: dir.appendingPathComponent("points.txt"), atomically: true, encoding: .utf8)
        #expect(try waveform("PWL file=points.txt", directory: dir.path) == plain)
        #expect(try waveform("PWL(file=\"points.txt\")", directory: dir.path) == plain)
        let appended = try waveform("PWL 0 0 1m 2 FILE points.txt", directory: dir.path)
        #expect(appended == .piecewiseLinear([.init(time: 0, value: 0), .init(time: 1e-3, value: 2), .init(time: 1e-3, value: 0),
                                              .init(time: 2e-3, value: 1), .init(time: 3e-3, value: 0.5)]))
        try "0 0\n1m one\n".write(to: dir.appendingPathComponent("bad.txt"), atomically: true, encoding: .utf8)
        let bad = error("V1 a 0 PWL file=bad.txt\nR1 a 0 1k\n", directory: dir.path)
        #expect(bad?.message.contains("'one' is not a number") == true && bad?.location?.file.hasSuffix("bad.txt") == true
                && bad?.location?.line == 2 && bad?.location?.column == 4, "\(bad?.description ?? "no error")")
        for (text, message) in [("PWL REPEAT FOREVER (0 0 1m 1) ENDREPEAT", "REPEAT … ENDREPEAT"),
                                ("PWL REPEAT FOR 3 (0 0 1m 1) ENDREPEAT", "REPEAT … ENDREPEAT"),
                                ("PWL(0 0 1m 1 foo=2)", "unknown PWL parameter 'foo'"),
                                ("PWL(0 0 1m)", "pairs of time and value"),
                                ("PWL(0 0 1m 1", "never closed"),
                                ("PWL file=missing.txt", "no such file"),
                                ("PWL file=/dev/zero", "not a regular file"),
                                ("PWL TIME_SCALE_FACTOR=0 (0 0 1m 1)", "TIME_SCALE_FACTOR must be positive"),
                                ("PWL 0 0 +1m 1 -1m 0", "times must not decrease")] {
            let e = error("V1 a 0 " + text + "\nR1 a 0 1k\n", directory: dir.path)
            #expect(e?.message.contains(message) == true, "\(text): \(e?.description ?? "no error")")
        }
    }

    @Test("LAPLACE sources, LTspice's (Laplace=) and PSpice's (LAPLACE {V(a,b)} = {…}), agree with ngspice's s_xfer: transient and AC")
    func laplaceSources() throws {
        let netlist = Self.folder.appendingPathComponent("laplace-filters.net")
        let circuit = try loadCircuit(netlist)
        let simulator = try Simulator(circuit)
        // AC: the transfer functions themselves (measured: 3·10⁻¹³, the shelf 3·10⁻⁹ through the diodes at rest).
        let ac = try Table(Paths.fixtures.appendingPathComponent("laplace-filters.ac.csv"))
        guard case .ac(let sweep)? = circuit.analyses.first(where: { $0.kind == .ac }) else { Issue.record("no .ac"); return }
        let result = try simulator.ac(sweep, probes: ["lp", "hp", "sh"].map { .voltage($0) })
        for node in ["lp", "hp", "sh"] {
            let magnitude = try #require(ac.column("vm(\(node))")), phase = try #require(ac.column("vp(\(node))"))
            let z = try #require(result.phasors(.voltage(node)))
            try #require(z.count == magnitude.count)
            for k in z.indices {
                #expect(abs(z[k].length - magnitude[k]) <= 1e-7 * magnitude[k] && abs(z[k].phase - phase[k]) <= 1e-7, "\(node) at \(result.frequencies[k]) Hz")
            }
        }
        // Transient: through the clipper (measured: 0.002–0.07 % RMS).
        let tran = try Table(Paths.fixtures.appendingPathComponent("laplace-filters.tran.csv"))
        guard case .transient(let spec)? = circuit.analyses.first(where: { $0.kind == .tran }) else { Issue.record("no .tran"); return }
        let probes = tran.header.dropFirst().compactMap { Probe($0) }
        let run = try simulator.transient(spec, probes: probes)
        for probe in probes {
            let expected = try #require(tran.column(probe.description))
            let relative = relativeRMS(error: zip(try #require(run.values(probe)), expected).map { $0 - $1 }, signal: expected)
            #expect(relative <= 2e-3, "\(probe) RMS error is \(relative) of the signal")
        }
    }

    @Test("LAPLACE: the DC gain N(0)/D(0) at the operating point, an integrator held at 0, a constant as a gain; what is not a proper rational function is an error")
    func laplaceForms() throws {
        let c = try circuit("""
            .param tau=1m
            V1 in 0 DC 2
            E1 lp 0 in 0 Laplace = 1/(1 + s*tau)
            E2 z 0 in 0 Laplace=(s + 1k)/(s + 2k)
            G1 0 hp in 0 Laplace={1m*s/(s + 100)}
            R1 hp 0 1k
            E3 k 0 LAPLACE {V(in)} = {3}
            E4 y 0 LAPLACE {V(in,0)} {1k/s}
            V2 c 0 0
            E5 w 0 LAPLACE {I(V2)} = {pow(1 + s/1k, -2)}
            E6 q 0 in 0 Laplace=1/sqr(1+s/1k) window=1 nfft=1024
            .tran 0.1m 1m
            """)
        let op = try Simulator(c).operatingPoint()
        for (node, expected) in [("lp", 2.0), ("z", 1.0), ("hp", 0.0), ("k", 6.0), ("y", 0.0), ("w", 0.0), ("q", 2.0)] {
            #expect(abs((op.voltage(node) ?? .nan) - expected) <= 1e-9, "\(node): \(op.voltage(node) ?? .nan)")
        }
        #expect(c.element(named: "E3")?.kind == .voltageControlledVoltageSource(Node("k"), .ground, Node("in"), .ground, gain: 3))
        #expect(c.warnings.filter { $0.message.contains("LTspice's FFT") }.count == 2)
        // The integrator from its held state: 1k·2 V·t.
        guard case .transient(let spec)? = c.analyses.first else { Issue.record("no .tran"); return }
        let ramp = try #require(Simulator(c).transient(spec, probes: [.voltage("y")]).values(.voltage("y")))
        #expect(abs(ramp[10] - 2) <= 1e-9 && abs(ramp[5] - 1) <= 1e-9, "\(ramp)")

        for (text, message) in [("E1 y 0 in 0 Laplace=s", "numerator is of degree 1, above its denominator's (0)"),
                                ("E1 y 0 in 0 Laplace=exp(-s*1m)", "exp(…) of s"),
                                ("E1 y 0 in 0 Laplace=1/(1+s)^1.5", "a power 1.5 of s"),
                                ("E1 y 0 in 0 Laplace=1/(1+s)^70", "powers up to 64"),
                                ("E1 y 0 in 0 Laplace=1/(s-s)", "divides by zero"),
                                ("E1 y 0 in 0 Laplace=1/(1+s) foo=2", "unknown parameter 'foo'"),
                                ("E1 y 0 LAPLACE {V(in)*2} = {1/(1+s)}", "input must be V(node), V(node,node) or I(source)"),
                                ("E1 y 0 LAPLACE V(in) = {1/(1+s)}", "input in braces"),
                                ("E1 y 0 LAPLACE {V(in)} = 1/(1+s)", "transfer function in braces"),
                                ("E1 y 0 in 0 Laplace=1/(1+s*nowhere)", "nowhere"),
                                ("E1 y 0 FREQ {V(in)} = (0,0,0) (1k,-3,-45)", "FREQ sources are not supported")] {
            let e = error("V1 in 0 1\nR1 y 0 1k\n" + text + "\n")
            #expect(e?.message.contains(message) == true && e?.location?.line == 4, "\(text): \(e?.description ?? "no error")")
        }
    }

    @Test("rational functions: products, powers, sums over a common denominator, values at jω")
    func rationalFunctions() throws {
        let s = RationalFunction.s, one = RationalFunction(1)
        #expect(((s + one) * (s + one)).numerator == [1, 2, 1])
        #expect((s + one).power(2) == (s + one) * (s + one))
        let reciprocal = one / s, quotient = one / (one + s), byZero = one / (s - s)
        #expect(reciprocal?.power(-2) == RationalFunction(numerator: [0, 0, 1], denominator: [1]))
        #expect(byZero == nil && RationalFunction(0).power(-1) == nil)
        let h = try #require(quotient)
        #expect(h + h == RationalFunction(numerator: [2], denominator: [1, 1]))
        let v = h.value(re: 0, im: 1)
        #expect(abs(v.re - 0.5) < 1e-15 && abs(v.im + 0.5) < 1e-15)
        #expect(RationalFunction.degree([1, 0, 3, 0, 0]) == 2 && RationalFunction.degree([0]) == 0)
    }

    @Test("LTspice's idealized diode (Ron, Roff, Vfwd, Vrev, Rrev) agrees with ngspice's sidiode written out; its knees and limits are refused")
    func idealizedDiodes() throws {
        let circuit = try loadCircuit(Self.folder.appendingPathComponent("ideal-diodes.net"))
        #expect(circuit.warnings.contains { $0.message.contains("model ddef") && $0.message.contains("leaves out MFG") })
        guard case .transient(let spec)? = circuit.analyses.first else { Issue.record("no .tran"); return }
        let reference = try Table(Paths.fixtures.appendingPathComponent("ideal-diodes.tran.csv"))
        let probes = reference.header.dropFirst().compactMap { Probe($0) }
        #expect(probes.count == 4)
        let result = try Simulator(circuit).transient(spec, probes: probes)
        for probe in probes {
            let expected = try #require(reference.column(probe.description))
            let relative = relativeRMS(error: zip(try #require(result.values(probe)), expected).map { $0 - $1 }, signal: expected)
            // Measured: 0.09–0.12 %, all of it where a diode turns on between two of the reference
            // simulator's steps (the circuit has no reactance, so nothing else can differ).
            #expect(relative <= 3e-3, "\(probe) RMS error is \(relative) of the signal")
        }
        // LTspice's defaults by hand: Ron 1 Ω, Roff 1/GMIN; 1 V through 1 Ω into Vfwd = 0.3 V, two in
        // parallel: v = 0.3 + (1 − v)/2 (less a picoampere), so 0.5333 V; and below Vfwd, v/Roff.
        let c = try self.circuit("V1 in 0 1\nR1 in a 1\nD1 a 0 DI m=2\nV2 b 0 -0.2\nD2 0 b DI\n.model DI D(Vfwd=0.3)\n")
        let op = try Simulator(c).operatingPoint()
        #expect(abs((op.voltage("a") ?? 0) - (0.3 + 1.0 / 2) / 1.5) < 1e-9)
        // D2 forward by 0.2 V (its anode at ground, its cathode at −0.2 V): 0.2 V/Roff into V2's + node.
        #expect(abs((op.current("v2") ?? 0) - 0.2 / 1e12) < 1e-17, "\(op.current("v2") ?? .nan)")
        for (card, message) in [("D(Ron=1 Vfwd=0.6 epsilon=0.1)", "EPSILON of its idealized diode is not supported"),
                                ("D(Ron=1 Ilimit=1)", "ILIMIT of its idealized diode is not supported"),
                                ("D(Ron=0 Vfwd=0.6)", "positive Ron, Roff and Rrev")] {
            let e = error("V1 a 0 1\nD1 a 0 DI\n.model DI \(card)\n")
            #expect(e?.message.contains(message) == true, "\(card): \(e?.description ?? "no error")")
        }
    }
}

