import Foundation
import Testing
@testable import Anode

@Suite("Switches (S, W)")
struct SwitchTests {
    func circuit(_ text: String) throws -> Circuit { try Circuit(netlistText: "test\n" + text, file: "test.cir") }

    /// A 1 µF capacitor at `out`, fed from 5 V through 1 kΩ and shunted by the switch (10 Ω on,
    /// 1 MΩ off): v(out) settles to 5·1M/(1k + 1M) off and 5·10/(1k + 10) on, with the time
    /// constants of the capacitor and 1k ∥ 1M (off) or 1k ∥ 10 (on).
    static let off = 5 * 1e6 / (1e6 + 1e3), on = 5 * 10 / 1010.0
    static let tauOn = 1e-6 / (1e-3 + 0.1), tauOff = 1e-6 / (1e-3 + 1e-6)

    /// The switch with hysteresis on the RC: v(in) rises 0 → 5 V over 1 ms, falls back over the
    /// next and rises again; the switch (10 Ω on, 1 MΩ off) shunts `out`.
    static let hysteresisRC = """
        V1 in 0 PWL(0 0 1m 5 2m 0 3m 5)
        R1 in 0 1k
        V2 sup 0 5
        R2 sup out 1k
        C1 out 0 1u
        S1 out 0 in 0 sm
        .model sm SW(VT=2.5 VH=1 RON=10 ROFF=1meg)

        """

    /// The closed form after a turn at `turn` from `from` towards `to`, time constant `tau`.
    static func settle(_ t: Double, turn: Double, from: Double, to: Double, tau: Double) -> Double {
        to + (from - to) * exp(-(t - turn) / tau)
    }

    func transient(_ text: String, probe: Probe) throws -> (TransientResult, [Double]) {
        let c = try circuit(text)
        guard case .transient(let spec) = c.analyses[0] else { throw SimulationError("no .tran") }
        let result = try Simulator(c).transient(spec)
        return (result, try #require(result.values(probe)))
    }

    /// The value at output time `t` (NaN, failing every comparison, if there is none).
    func value(_ result: TransientResult, _ values: [Double], at t: Double) -> Double {
        guard let k = result.time.firstIndex(where: { abs($0 - t) < 1e-9 }) else { return .nan }
        return values[k]
    }

    @Test("a voltage switch turns on above VT + VH and off below VT − VH, its turns located in time; the RC between is the closed form's")
    func voltageSwitch() throws {
        // v(in) rises 0 → 5 V over 1 ms and falls back over the next: on at 3.5 V (0.7 ms), off at
        // 1.5 V (1.7 ms), on again at 2.7 ms. Without the hysteresis it would turn at 0.5 ms.
        let (result, out) = try transient(Self.hysteresisRC + """
            .options reltol=1e-6
            .tran 10u 3m
            .print tran v(out) i(S1)
            """, probe: .voltage("out"))
        for t in [0.1e-3, 0.6e-3, 0.69e-3] { #expect(abs(value(result, out, at: t) - Self.off) < 1e-6, "off at \(t)") }
        for t in [0.71e-3, 0.72e-3, 0.75e-3, 1.0e-3, 1.69e-3] {
            let expected = Self.settle(t, turn: 0.7e-3, from: Self.off, to: Self.on, tau: Self.tauOn)
            #expect(abs(value(result, out, at: t) - expected) < 2e-4, "on, t = \(t): \(value(result, out, at: t)) against \(expected)")
        }
        for t in [1.71e-3, 1.8e-3, 2.2e-3, 2.69e-3] {
            let expected = Self.settle(t, turn: 1.7e-3, from: Self.on, to: Self.off, tau: Self.tauOff)
            #expect(abs(value(result, out, at: t) - expected) < 2e-4, "off, t = \(t): \(value(result, out, at: t)) against \(expected)")
        }
        let second = Self.settle(2.7e-3, turn: 1.7e-3, from: Self.on, to: Self.off, tau: Self.tauOff)
        let expected = Self.settle(2.75e-3, turn: 2.7e-3, from: second, to: Self.on, tau: Self.tauOn)
        #expect(abs(value(result, out, at: 2.75e-3) - expected) < 2e-4)
        // i(S1): the switch's conductance times its voltage.
        let i = try #require(result.values(.current("S1")))
        #expect(abs(value(result, i, at: 1.0e-3) - (value(result, out, at: 1.0e-3)) / 10) < 1e-9)
        #expect(abs(value(result, i, at: 0.5e-3) - Self.off / 1e6) < 1e-12)
    }

    @Test("a current switch (W) senses a voltage source's current: on above IT + IH, off below IT − IH")
    func currentSwitch() throws {
        // The current through Vs rises 0 → 2 mA over 2 ms and falls back: on at 1.2 mA (1.2 ms),
        // off at 0.8 mA (3.2 ms).
        let (result, out) = try transient("""
            I1 0 a PWL(0 0 2m 2m 4m 0)
            Vs a b 0
            R1 b 0 1k
            V2 sup 0 5
            R2 sup out 1k
            W1 out 0 Vs cm
            .model cm CSW(IT=1m IH=0.2m RON=10 ROFF=1meg)
            .tran 10u 4m
            """, probe: .voltage("out"))
        for t in [1.0e-3, 1.19e-3, 3.21e-3, 3.9e-3] { #expect(abs(value(result, out, at: t) - Self.off) < 1e-9, "off at \(t)") }
        for t in [1.21e-3, 2e-3, 3.19e-3] { #expect(abs(value(result, out, at: t) - Self.on) < 1e-9, "on at \(t)") }
    }

    @Test("inside the window the operating point takes ON or OFF from the element line; .dc traces the loop; .ac sees the state")
    func operatingPointSweepAndAC() throws {
        let c = try circuit("""
            V1 in 0 2.5
            V2 sup 0 DC 5 AC 1
            R2 sup out 1k
            S1 out 0 in 0 sm ON
            S2 sup out2 in 0 sm OFF
            R3 out2 0 1k
            .model sm SW(VT=2.5 VH=1 RON=10 ROFF=1meg)
            """)
        let op = try Simulator(c).operatingPoint()
        // ngspice 39: v(out) = 4.950495e-02, v(out2) = 4.995005e-03.
        #expect(abs(op.voltage("out")! - 5 * 10 / 1010.0) < 1e-12)
        #expect(abs(op.voltage("out2")! - 5 * 1e3 / (1e6 + 1e3)) < 1e-12)
        let ac = try Simulator(c).ac(ACSweep(.decade, points: 1, start: 1e3, stop: 1e3), probes: [.voltage("out"), .current("S1")])
        #expect(abs(ac.phasors(.voltage("out"))![0].real - 10 / 1010.0) < 1e-12)
        #expect(abs(ac.phasors(.current("S1"))![0].real - 1 / 1010.0) < 1e-12)
        // A sweep up and back down (ngspice 39: on from 4 V going up, off from 1 V going down).
        let up = try Simulator(c).dcSweep([DCSweep(source: "V1", start: 0, stop: 5, step: 0.5)], probes: [.voltage("out")])
        let down = try Simulator(c).dcSweep([DCSweep(source: "V1", start: 5, stop: 0, step: -0.5)], probes: [.voltage("out")])
        let onValue = Self.on, offValue = Self.off
        let upValues = try #require(up.values(.voltage("out"))), downValues = try #require(down.values(.voltage("out")))
        // Going up from 0 V the ON switch turns off at once (below 1.5 V), and on again past 3.5 V.
        for (k, v) in upValues.enumerated() { #expect(abs(v - (Double(k) * 0.5 > 3.5 ? onValue : offValue)) < 1e-9, "up at \(Double(k) * 0.5) V") }
        for (k, v) in downValues.enumerated() { #expect(abs(v - (5 - Double(k) * 0.5 < 1.5 ? offValue : onValue)) < 1e-9, "down at \(5 - Double(k) * 0.5) V") }
    }

    @Test(".step sweeps a switch model's parameter: VT above and below the control")
    func steppedThreshold() throws {
        let netlist = try Netlist(text: "t\nV1 in 0 3\nV2 sup 0 5\nR2 sup out 1k\nS1 out 0 in 0 sm\n.model sm SW(VT=2.5 RON=10)\n.step sw sm(vt) list 2 4\n.op\n", file: "t.cir")
        let outs = try netlist.stepPoints().map { point in try Simulator(Circuit(netlist: netlist, step: point)).operatingPoint().voltage("out")! }
        #expect(outs.count == 2)
        #expect(abs(outs[0] - 5 * 10 / 1010.0) < 1e-12, "VT = 2 V: on")
        #expect(abs(outs[1] - 5 * 1e12 / (1e12 + 1e3)) < 1e-9, "VT = 4 V: off")
    }

    @Test(".noise: a switch is a resistor at RON or ROFF, as its control sets it at the operating point")
    func noise() throws {
        for (control, r) in [(5.0, 100.0), (0.0, 1e6)] {
            let c = try circuit("V1 in 0 DC 0 AC 1\nR1 in out 1k\nV2 c 0 \(control)\nS1 out 0 c 0 sm\n"
                                + ".model sm SW(VT=2.5 RON=100 ROFF=1meg)\n.noise v(out) V1 dec 1 1k 10k\n")
            let result = try Simulator(c).noise(try #require(c.noiseAnalyses.first))
            // 4kT·(1/1k + 1/R) of current noise into 1k ∥ R.
            let fourKT = 4 * 1.380649e-23 * 300.15, parallel = 1 / (1e-3 + 1 / r)
            let density = (fourKT * (1e-3 + 1 / r)).squareRoot() * parallel
            for o in result.outputSpectrum { #expect(abs(o / density - 1) < 1e-9, "V(c) = \(control): \(o) against \(density)") }
        }
    }

    @Test("bad switches are errors naming the element or the card")
    func errors() throws {
        func message(_ text: String) -> String? {
            do { _ = try Simulator(try circuit(text)).operatingPoint(); return nil } catch { return "\(error)" }
        }
        let base = "V1 in 0 1\nR1 out 0 1k\nV2 out2 0 1\n"
        #expect(message(base + "S1 out 0 in 0 sm\n.model sm SW(VT=1 VH=-0.5)\n")?.contains("VH must not be negative") == true)
        #expect(message(base + "S1 out 0 in 0 sm\n.model sm SW(RON=0)\n")?.contains("RON must be positive") == true)
        #expect(message(base + "S1 out 0 in 0 sm\n.model sm SW(IT=1)\n")?.contains("unknown parameter 'it'") == true)
        #expect(message(base + "S1 out 0 in 0 cm\n.model cm CSW(IT=1)\n")?.contains("needs a model of type SW") == true)
        #expect(message(base + "S1 out 0 in sm\n.model sm SW()\n")?.contains("S1 needs two nodes, two control nodes and a model") == true)
        #expect(message(base + "W1 out 0 V9 cm\n.model cm CSW()\n")?.contains("no voltage source named 'V9'") == true)
        #expect(message(base + "W1 out 0 R1 cm\n.model cm CSW()\n")?.contains("must be a voltage source") == true)
        #expect(message(base + "S1 out 0 in 0 ps\n.model ps VSWITCH(RON=1 ROFF=1meg VON=1 VOFF=1)\n")?.contains("VON must differ from VOFF") == true)
        #expect(message(base + "S1 out 0 in 0 ps\n.model ps VSWITCH(RON=-1)\n")?.contains("RON must be positive") == true)
        #expect(message(base + "S1 out 0 in 0 ps\n.model ps VSWITCH(ION=1)\n")?.contains("unknown parameter 'ion' for a VSWITCH") == true)
        #expect(message(base + "W1 out 0 V2 ps\n.model ps VSWITCH()\n")?.contains("W1 needs a model of type CSW or ISWITCH") == true)
        #expect(message(base + "S1 out 0 in 0 ps\n.model ps ISWITCH()\n")?.contains("S1 needs a model of type SW or VSWITCH") == true)
        #expect(message(base + "S1 out out in 0 ps\n.model ps VSWITCH()\n")?.contains("both of the switch's nodes are 'out'") == true)
    }

    @Test("PSpice's smooth switches: log R a cubic between RON at VON (ION) and ROFF at VOFF (IOFF), held beyond; ON/OFF warned")
    func smoothSwitchLaw() throws {
        // PSpice's law by hand: R = exp(Lm + Lr·(3u/2 − 2u³)), u = (c − (ON + OFF)/2)/(ON − OFF).
        func resistance(_ c: Double, on: Double, off: Double, ron: Double, roff: Double) -> Double {
            let u = (min(max(c, min(on, off)), max(on, off)) - (on + off) / 2) / (on - off)
            return exp(0.5 * log(ron * roff) + log(ron / roff) * (1.5 * u - 2 * u * u * u))
        }
        // 1 V across each switch, the control a DC source; S3's ON below its OFF: it opens as c
        // rises. W1 senses 1 mA through Vs, its ION and IOFF moved past it with c.
        for c in [-1.0, 0.5, 0.9, 1.25, 1.7, 2.0, 3.0] {
            let circuit = try self.circuit("""
                V1 a 0 1
                Vc ctl 0 \(c)
                S1 a 0 ctl 0 sm
                .model sm VSWITCH(RON=100 ROFF=1meg VON=2 VOFF=0.5)
                S3 a 0 ctl 0 inv OFF
                .model inv VSWITCH(RON=10 ROFF=10k VON=0.5 VOFF=2)
                Vs a s 0
                Rs s 0 1k
                W1 a 0 Vs wm
                .model wm ISWITCH(RON=1 ROFF=1meg ION=\(c * 1e-3) IOFF=\(c * 1e-3 + 2e-3))
                """)
            #expect(circuit.warnings.contains { $0.message.contains("S3: OFF ignored: a VSWITCH switch has no state") })
            let op = try Simulator(circuit).operatingPoint()
            let expected = 1 / resistance(c, on: 2, off: 0.5, ron: 100, roff: 1e6) + 1 / resistance(c, on: 0.5, off: 2, ron: 10, roff: 1e4)
                + 1e-3 + 1 / resistance(1e-3, on: c * 1e-3, off: c * 1e-3 + 2e-3, ron: 1, roff: 1e6)
            let drawn = -(op.current("v1") ?? 0)
            #expect(abs(drawn - expected) <= 1e-9 * expected, "c = \(c): \(drawn) A, expected \(expected)")
        }
        // The law's ends: RON at ON, ROFF at OFF, √(RON·ROFF) halfway.
        #expect(abs(resistance(2, on: 2, off: 0.5, ron: 100, roff: 1e6) - 100) < 1e-9)
        #expect(abs(resistance(0.5, on: 2, off: 0.5, ron: 100, roff: 1e6) - 1e6) < 1e-6)
        #expect(abs(resistance(1.25, on: 2, off: 0.5, ron: 100, roff: 1e6) - 1e4) < 1e-8)
    }

    @Test("PSpice's VSWITCH and ISWITCH agree with ngspice on the same law written as B sources (op, .ac, .tran); the real-time engine with the reference simulator")
    func smoothSwitchesAgainstNgspice() throws {
        let circuit = try loadCircuit(Paths.tests.appendingPathComponent("PSpice/smooth-switches.net"))
        let simulator = try Simulator(circuit)
        let op = try simulator.operatingPoint()
        var compared = 0
        for (name, expected) in try Table(Paths.fixtures.appendingPathComponent("smooth-switches.op.csv")).values where name.hasPrefix("v(") {
            let actual = try #require(op.voltage(String(name.dropFirst(2).dropLast())))
            #expect(abs(actual - expected) <= 1e-9, "\(name) = \(actual), ngspice \(expected)")
            compared += 1
        }
        #expect(compared == 6)
        guard case .ac(let sweep)? = circuit.analyses.first(where: { $0.kind == .ac }),
              case .transient(let spec)? = circuit.analyses.first(where: { $0.kind == .tran }) else { Issue.record("no .ac or .tran"); return }
        for kind in ["ac", "tran"] {
            let reference = try Table(Paths.fixtures.appendingPathComponent("smooth-switches.\(kind).csv"))
            let probes = reference.header.dropFirst().compactMap { Probe($0) }
            #expect(probes.count == (kind == "ac" ? 4 : 3))
            let ac = kind == "ac" ? try simulator.ac(sweep, probes: probes) : nil
            let tran = kind == "tran" ? try simulator.transient(spec, probes: probes) : nil
            for probe in probes {
                let expected = try #require(reference.column(probe.description))
                let actual = try #require(ac?.values(probe) ?? tran?.values(probe))
                try #require(actual.count == expected.count)
                let relative = relativeRMS(error: zip(actual, expected).map { $0 - $1 }, signal: expected)
                // Measured: 3·10⁻¹² (AC), 1.3·10⁻⁴ (tran).
                #expect(relative <= (kind == "ac" ? 1e-9 : 1e-3), "\(kind) \(probe): RMS error \(relative) of the signal")
            }
        }
        // The switches do move: the LFO takes S1 from ROFF to RON and back, so v(a)'s peaks per
        // millisecond change far more than the RC alone would make them.
        let a = try #require(try Table(Paths.fixtures.appendingPathComponent("smooth-switches.tran.csv")).column("v(a)"))
        let peaks = stride(from: 0, to: a.count - 100, by: 100).map { k in a[k..<(k + 100)].map(abs).max() ?? 0 }
        #expect((peaks.max() ?? 0) > 10 * (peaks.min() ?? 1), "\(peaks)")
        // The real-time engine, as the reference simulator at the same fixed step.
        let comparison = try ProcessorTests.comparison(circuit)
        #expect(!comparison.errors.isEmpty && comparison.finite)
        for (probe, error) in comparison.errors { #expect(error <= 1e-6, "\(probe) differs by \(error) of its peak") }
    }

    @Test("a footswitch (a switch DC sources set) is a fixed resistance in the real-time engine, in its operating point's state; one the signal could turn is a device")
    func footswitch() throws {
        // S1 (on) bypasses the clipping diodes; S2 (off) would join them to the output.
        let c = try Circuit(netlistText: """
            t
            V1 in 0 SIN(0 1 1k)
            Vfs ctl 0 5
            R1 in a 1k
            D1 a 0 dd
            D2 0 a dd
            S1 in out ctl 0 sw
            S2 a out ctl2 0 sw
            Vfs2 ctl2 ctl -5
            R3 out 0 10k
            .model dd D(IS=1e-14 N=1.5)
            .model sw SW(VT=2.5 RON=1m ROFF=100meg)
            .tran 10u 3m
            .print tran v(out) v(a) i(S1)
            """, file: "t.cir")
        let errors = try ProcessorTests.compare(c)
        #expect(errors.count == 3)
        for (probe, error) in errors { #expect(error <= 1e-6, "\(probe) differs by \(error) of its peak") }
        // Neither is a port: the two diodes' are the only ones.
        let config = ProcessorConfiguration(inputs: ["V1"], outputs: [.voltage("out")], sampleRate: 48_000)
        #expect(try Processor(c, configuration: config).np == 2)
        // A control from a divider off a supply, and a current switch sensing a DC source's current,
        // are held too; a control behind a capacitor from the signal makes the switch a device.
        let divided = try Circuit(netlistText: """
            t
            V1 in 0 SIN(0 1 1k)
            Vcc vcc 0 9
            Ra vcc ctl 10k
            Rb ctl 0 10k
            S1 in out ctl 0 sw
            Vs vcc s 0
            Rs s 0 1k
            W1 out 0 Vs cm
            R3 out 0 10k
            .model sw SW(VT=2.5 RON=1m ROFF=100meg)
            .model cm CSW(IT=20m RON=1 ROFF=100meg)
            .tran 10u 2m
            .print tran v(out)
            """, file: "t.cir")
        for (probe, error) in try ProcessorTests.compare(divided) { #expect(error <= 1e-6, "\(probe) differs by \(error) of its peak") }
        #expect(try Processor(divided, configuration: config).np == 0)
        // A control behind a capacitor from the signal makes the switch a device of two ports.
        let coupled = try Circuit(netlistText: "t\nV1 in 0 SIN(0 1 1k)\nC1 in ctl 1u\nRb ctl 0 10k\nS1 in out ctl 0 sw\nR3 out 0 10k\n"
                                  + ".model sw SW(VT=0.5)\n.tran 10u 1m\n", file: "t.cir")
        #expect(try Processor(coupled, configuration: config).np == 2)
        // So does the footswitch made an input (the library's choice): the signal could move it.
        #expect(try Processor(c, configuration: ProcessorConfiguration(inputs: ["V1", "Vfs"], outputs: [.voltage("out")], sampleRate: 48_000)).np == 6)
    }

    @Test("a relaxation oscillator: the switch discharges its own control, and the period is the closed form's")
    func relaxationOscillator() throws {
        // C1 charges through R1 towards 5 V; at 3 V the switch (RON + R2 to ground) turns on and
        // discharges it towards the divider's 0.4546 V until 1 V turns it off. Once the switch turns,
        // its control falls back inside the window at once: the state an iterate turned must hold
        // (ngspice keeps the last iterate's state inside the window; deciding every iterate from
        // the last accepted point's state, as Anode did until 2026-12-01, has no solution there).
        let (result, c) = try transient("""
            V1 vcc 0 5
            R1 vcc c 100k
            C1 c 0 10n IC=0
            S1 c d c 0 sm
            R2 d 0 10k
            .model sm SW(VT=2 VH=1 RON=1 ROFF=1g)
            .tran 1u 10m UIC
            """, probe: .voltage("c"))
        let roff = 1e9, r1 = 1e5, cap = 1e-8, rd = 1e4 + 1
        let high = 5 * roff / (roff + r1), divider = 5 * rd / (rd + r1)
        let charging = r1 * roff / (r1 + roff) * cap * log((high - 1) / (high - 3))
        let discharging = r1 * rd / (r1 + rd) * cap * log((3 - divider) / (1 - divider))
        var crossings: [Double] = []
        for k in 1..<c.count where c[k - 1] < 2.5 && c[k] >= 2.5 {
            crossings.append(result.time[k - 1] + (2.5 - c[k - 1]) / (c[k] - c[k - 1]) * (result.time[k] - result.time[k - 1]))
        }
        #expect(crossings.count >= 10, "\(crossings.count) periods")
        for (a, b) in zip(crossings.dropFirst(), crossings.dropFirst(2)) {
            #expect(abs((b - a) / (charging + discharging) - 1) < 1e-4, "period \(b - a) against \(charging + discharging)")
        }
        // It turns at its edges: v(c) peaks at 3 V and dips to 1 V.
        let late = zip(result.time, c).filter { $0.0 > 2e-3 }.map(\.1)
        #expect(abs((late.max() ?? 0) - 3) < 0.01 && abs((late.min() ?? 0) - 1) < 0.01, "\(late.min() ?? 0) to \(late.max() ?? 0)")
    }

    @Test("a switch that shunts the divider sensing it stays turned inside the window", arguments: ["S", "W"])
    func selfReversing(_ kind: String) throws {
        // A ramp to 10 V over 10 ms into 1k and 1k; the switch (1k on) across the lower one turns on
        // when the divider passes 2.5 V (or 2.5 mA) at 5 ms, which takes it to V/3 (1.67 V, inside
        // the window down to 1.5): it must stay on. (ngspice 39 stops there: "timestep too small".)
        let element = kind == "S" ? "S1 a 0 a 0 sm\n.model sm SW(VT=2 VH=0.5 RON=1k ROFF=1g)\nR2 a 0 1k"
            : "W1 a 0 Vs cm\n.model cm CSW(IT=2m IH=0.5m RON=1k ROFF=1g)\nR2 a s 1k\nVs s 0 0"
        let (result, a) = try transient("V1 in 0 PWL(0 0 10m 10)\nR1 in a 1k\n\(element)\n.tran 10u 10m\n", probe: .voltage("a"))
        let off = 1 / (1e-3 + 1e-9)  // R2 ∥ ROFF
        for t in [1e-3, 4.9e-3] { #expect(abs(value(result, a, at: t) - 1000 * t * off / (1e3 + off)) < 1e-9, "\(kind) off at \(t)") }
        for t in [5.1e-3, 8e-3, 1e-2] { #expect(abs(value(result, a, at: t) - 1000 * t / 3) < 1e-9, "\(kind) on at \(t)") }
    }

    @Test("switches the signal turns run in the real-time engine as in the reference simulator at the same step",
          arguments: ["hysteresis", "current", "coupled", "chained", "relaxation"])
    func realtime(_ name: String) throws {
        let netlists = [
            // Hysteresis (the turns of `voltageSwitch`), its current an output.
            "hysteresis": Self.hysteresisRC + """
                .tran 10u 3m
                .print tran v(out) i(S1)
                """,
            // A W switch sensing the current of a source in the signal's path.
            "current": """
                V1 in 0 SIN(0 2 1k)
                Vs in a 0
                R1 a 0 1k
                V2 sup 0 5
                R2 sup out 1k
                C1 out 0 100n
                W1 out 0 Vs cm
                .model cm CSW(IT=1m IH=0.2m RON=10 ROFF=1meg)
                .tran 10u 3m
                .print tran v(out) i(W1)
                """,
            // A control behind a capacitor, the switch in the signal's path.
            "coupled": """
                V1 in 0 SIN(0 1 1k)
                C1 in ctl 1u
                Rb ctl 0 10k
                S1 in out ctl 0 sw
                R3 out 0 10k
                C3 out 0 10n
                .model sw SW(VT=0.5 VH=0.2 RON=100 ROFF=1meg)
                .tran 10u 3m
                .print tran v(out)
                """,
            // S2's control moves only when S1 turns: found through S1's current.
            "chained": """
                Vin in 0 SIN(0 1 1k)
                R0 in 0 1k
                V2 sup 0 5
                R1 sup x 1k
                S1 x 0 in 0 sa
                R2 sup y 1k
                S2 y 0 x 0 sb
                C1 y 0 100n
                .model sa SW(VT=0.5 RON=10 ROFF=1meg)
                .model sb SW(VT=2.5 VH=0.5 RON=10 ROFF=1meg)
                .tran 10u 3m
                .print tran v(x) v(y) i(S2)
                """,
            // A relaxation oscillator once its supply comes on: the switch discharges the
            // capacitor that controls it, between 3 V and 1 V (over about nine steps: a switch
            // that emptied it within one would have no consistent state at a fixed step).
            "relaxation": """
                V1 vcc 0 PULSE(0 5 0.1m 1u 1u 1 2)
                R1 vcc c 100k
                C1 c 0 10n
                S1 c d c 0 sm
                R2 d 0 10k
                .model sm SW(VT=2 VH=1 RON=1 ROFF=1g)
                .tran 10u 10m
                .print tran v(c) v(d)
                """,
        ]
        let c = try circuit(try #require(netlists[name]))
        let comparison = try ProcessorTests.comparison(c)
        #expect(!comparison.errors.isEmpty && comparison.finite)
        for (probe, error) in comparison.errors { #expect(error <= 1e-6, "\(name): \(probe) differs by \(error) of its peak") }
        // The switches did turn: the output swings between the states' levels.
        let probe = comparison.errors[0].0
        guard case .transient(var spec)? = c.analyses.first else { Issue.record("no .tran"); return }
        spec.maxStep = nil
        let values = try #require(Simulator(c).realtimeTransient(spec, probes: [probe]).0.values(probe))
        let swing = (values.max() ?? 0) - (values.min() ?? 0)
        #expect(swing > 0.5, "\(name): \(probe) swings \(swing)")
        if name == "relaxation" {
            // Several periods: v(c) rises through 2.5 V more than twice.
            let crossings = zip(values, values.dropFirst()).filter { $0 < 2.5 && $1 >= 2.5 }.count
            #expect(crossings >= 3, "relaxation: \(crossings) rising crossings")
        }
    }
}
