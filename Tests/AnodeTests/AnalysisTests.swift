import Foundation
import Numerics
import Testing
import Anode

/// Analyses checked against closed-form solutions.
@Suite("Analyses against closed-form results")
struct AnalysisTests {
    func circuit(_ text: String) throws(NetlistError) -> Circuit { try Circuit(netlistText: "test\n" + text, file: "test.cir") }
    /// The error reading `text` gives, or nil.
    func netlistError(_ text: String) -> NetlistError? {
        do { _ = try circuit(text); return nil } catch { return error }
    }

    @Test(".ic gives a node that only capacitors reach its DC value for the transient; a DC analysis of it stays singular")
    func icOnCapacitorNode() throws {
        // 1 µA into 1 µF from 0.5 V: 0.5 + t V/s.
        let c = try circuit("I1 0 a 1u\nC1 a 0 1u\n.ic v(a)=0.5\n")
        let r = try Simulator(c).transient(TransientSpec(step: 1e-3, stop: 1e-2), probes: [.voltage("a")])
        let v = try #require(r.values(.voltage("a")))
        for (t, x) in zip(r.time, v) { #expect(abs(x - (0.5 + t)) < 1e-12, "t = \(t): \(x)") }
        #expect(throws: SimulationError.self) { try Simulator(c).operatingPoint() }
        // Without the .ic it is the floating node it was.
        let floating = try circuit("I1 0 a 1u\nC1 a 0 1u\n")
        do {
            _ = try Simulator(floating).transient(TransientSpec(step: 1e-3, stop: 1e-2))
            Issue.record("a floating node simulated")
        } catch {
            #expect("\(error)".contains("no DC path to ground"), "\(error)")
        }
    }

    @Test("divider: node voltages, currents and a power balance")
    func divider() throws {
        let op = try Simulator(circuit("""
            V1 a 0 DC 10
            R1 a b 1k
            R2 b 0 4k
            I1 0 b 1m
            """)).operatingPoint()
        // Superposition: 10·4/5 + 1m·(1k∥4k) = 8 + 0.8
        #expect(abs(op.voltage("b")! - 8.8) < 1e-12)
        #expect(abs(op.current("v1")! - (-(10 - 8.8) / 1000)) < 1e-15)
        #expect(abs(op.power("r2")! - 8.8 * 8.8 / 4000) < 1e-12)
        #expect(abs(op.power("i1")! - (-8.8 * 1e-3)) < 1e-12)
        #expect(abs(op.powers.reduce(0, +)) < 1e-12)
        #expect(op.method == .newton)
    }

    @Test("linear controlled sources E, F, G, H")
    func controlledSources() throws {
        let op = try Simulator(circuit("""
            V1 in 0 2
            R0 in 0 1k
            E1 e 0 in 0 3
            Re e 0 1k
            G1 0 g in 0 2m
            Rg g 0 1k
            Vsense in s 0
            Rs s 0 500
            F1 0 f Vsense 2
            Rf f 0 1k
            H1 h 0 Vsense 1k
            Rh h 0 1k
            """)).operatingPoint()
        #expect(abs(op.voltage("e")! - 6) < 1e-12)
        #expect(abs(op.voltage("g")! - 4) < 1e-12)    // 2 mS · 2 V into 1 k
        #expect(abs(op.voltage("f")! - 8) < 1e-12)    // 2 · 4 mA into 1 k
        #expect(abs(op.voltage("h")! - 4) < 1e-12)    // 1 k · 4 mA
    }

    @Test("p(element) in a transient: V·I of each element, and the power balance holds at every instant")
    func transientPower() throws {
        let circuit = try Circuit(netlistText: """
            power
            V1 in 0 DC 1 SIN(1 2 1k)
            R1 in a 1k
            C1 a 0 100n
            D1 a b dmod
            R2 b 0 500
            L1 b 0 10m
            .model dmod D(IS=1e-14 CJO=2p TT=1n)
            .tran 10u 2m
            .print tran v(in) v(a) v(b) i(r1) p(v1) p(r1) p(c1) p(d1) p(r2) p(l1)
            """)
        let result = try Simulator(circuit).transient(TransientSpec(step: 10e-6, stop: 2e-3))
        let va = result.values(.voltage("a"))!, vin = result.values(.voltage("in"))!, ir1 = result.values(.current("r1"))!
        let p = ["v1", "r1", "c1", "d1", "r2", "l1"].map { result.values(.power($0))! }
        let peak = p[1].map(abs).max()!
        for k in stride(from: 1, to: result.time.count, by: 7) {
            // (Outputs between internal steps are interpolated one by one, so V·I of the
            // interpolated values is within interpolation error of the interpolated power.)
            #expect(abs(p[1][k] - (vin[k] - va[k]) * ir1[k]) <= 1e-3 * peak)
            // Whatever the source delivers, the others absorb (or store).
            let balance = p.reduce(0) { $0 + $1[k] }
            #expect(abs(balance) <= 1e-6 * abs(p[0][k]) + 1e-12, "t = \(result.time[k]): \(balance)")
        }
        #expect(p[0].reduce(0, +) < 0)  // on average the source delivers
        let capacitorAverage: Double = p[2].reduce(0, +), resistorAverage: Double = p[1].reduce(0, +)
        #expect(abs(capacitorAverage) < 0.01 * resistorAverage)  // C stores, hardly dissipates
        #expect(throws: SimulationError.self) { try Simulator(circuit).ac(ACSweep(.decade, points: 1, start: 1, stop: 10), probes: [.power("r1")]) }
    }

    @Test("AC sweeps visit the frequencies ngspice visits")
    func acGrid() {
        // Printed by ngspice 39 (`ac dec 10 10 20k`, `ac dec 10 10 25k`, `ac oct 3 100 1000`): a decade
        // sweep spreads ⌊decades·points⌋ equal ratios from start to exactly stop; an octave sweep
        // steps by 2^(1/points) and stops on the grid.
        let dec = ACSweep(.decade, points: 10, start: 10, stop: 20e3).frequencies
        #expect(dec.count == 34 && dec.last == 20e3)
        #expect(abs(dec[1] - 12.5901589) < 1e-6 && abs(dec[12] - 158.626062) < 1e-5)
        let dec25 = ACSweep(.decade, points: 10, start: 10, stop: 25e3).frequencies
        #expect(dec25.count == 34 && abs(dec25[1] - 12.6755811) < 1e-6)
        let oct = ACSweep(.octave, points: 3, start: 100, stop: 1000).frequencies
        #expect(oct.count == 10 && abs(oct[9] - 800) < 1e-9 && abs(oct[1] - 125.992105) < 1e-6)
        let whole = ACSweep(.decade, points: 5, start: 1, stop: 10).frequencies
        #expect(whole.count == 6 && abs(whole[1] - 1.58489319) < 1e-8)
    }

    @Test("RC low-pass AC response: magnitude and phase")
    func rcAC() throws {
        let sim = try Simulator(circuit("""
            V1 in 0 AC 1
            R1 in out 1k
            C1 out 0 159.15494309189535n
            .ac dec 10 10 100k
            """))
        let result = try sim.ac(ACSweep(.decade, points: 10, start: 10, stop: 100e3), probes: [Probe("vdb(out)")!, Probe("vp(out)")!])
        #expect(result.frequencies.count == 41)
        let db = result["vdb(out)"]!, phase = result["vp(out)"]!
        for (k, f) in result.frequencies.enumerated() {
            let x = f / 1000  // ω·RC
            #expect(abs(db[k] - (-10 * log10(1 + x * x))) < 1e-9)
            #expect(abs(phase[k] + atan(x)) < 1e-9)
        }
    }

    @Test("coupled inductors: open-circuit voltage ratio k·√(L2/L1)")
    func transformer() throws {
        let sim = try Simulator(circuit("""
            V1 p 0 AC 1
            Rs p a 1m
            L1 a 0 10
            L2 s 0 0.1
            Rl s 0 1Meg
            K1 L1 L2 0.99
            """))
        let r = try sim.ac(ACSweep(.linear, points: 1, start: 1000, stop: 1000), probes: [Probe.voltage("s")])
        let ratio = r.phasors(Probe.voltage("s"))![0].length
        #expect(abs(ratio - 0.99 * (0.1 / 10).squareRoot()) < 1e-4)
    }

    @Test("RC charging from initial conditions (UIC) follows V·(1 − e^(−t/RC))")
    func rcStep() throws {
        let c = try circuit("""
            V1 in 0 5
            R1 in out 1k
            C1 out 0 1u IC=0
            .tran 10u 5m 0 1u UIC
            """)
        guard case .transient(let spec) = c.analyses[0] else { Issue.record("no .tran"); return }
        let r = try Simulator(c).transient(spec)
        let v = r["v(out)"]!
        #expect(r.time.count == 501)
        for (k, t) in r.time.enumerated() where k > 0 {
            #expect(abs(v[k] - 5 * (1 - exp(-t / 1e-3))) < 2e-3, "t = \(t)")
        }
        // The capacitor current is C·dv/dt = (5 − v)/R.
        let i = try Simulator(c).transient(spec, probes: [Probe.current("c1")]).values(Probe.current("c1"))!
        #expect(abs(i[250] - (5 - v[250]) / 1000) < 2e-6)
    }

    @Test("fixed-step trapezoidal and backward Euler on an RC: exact recurrences")
    func fixedStep() throws {
        for (method, name) in [(SimulationOptions.IntegrationMethod.trapezoidal, "trap"), (.backwardEuler, "euler")] {
            var c = try circuit("""
                V1 in 0 PWL(0 0 1n 1 1 1)
                R1 in out 1k
                C1 out 0 1u
                .options method=\(name) fixedstep
                """)
            c.options.method = method
            let h = 1e-4
            let r = try Simulator(c).transient(TransientSpec(step: h, stop: 2e-3))
            let v = r["v(out)"]!
            // With input 1 from t = 1 ns (inside the first step): trapezoidal y[n] = a·y[n−1] + b(u[n] + u[n−1]),
            // a = (1 − h/2τ)/(1 + h/2τ), b = (h/2τ)/(1 + h/2τ); Euler y[n] = (y[n−1] + (h/τ)·u[n])/(1 + h/τ).
            let k = h / 1e-3
            var y = 0.0
            for n in 1..<r.time.count {
                let u = 1.0, previousInput = n == 1 ? 0.0 : 1.0
                if method == .trapezoidal {
                    y = ((1 - k / 2) * y + k / 2 * (u + previousInput)) / (1 + k / 2)
                } else {
                    y = (y + k * u) / (1 + k)
                }
                #expect(abs(v[n] - y) < 1e-9, "\(name) step \(n): \(v[n]) vs \(y)")
            }
        }
    }

    @Test("DC sweep of a diode follows the Shockley law through RS")
    func diodeSweep() throws {
        let c = try circuit("""
            I1 0 a 1m
            D1 a 0 dm
            .model dm D(IS=1e-14 N=1.5 RS=10)
            .dc I1 1u 10m 1u
            """)
        let sweep = DCSweep(source: "I1", start: 1e-6, stop: 1e-2, step: 1e-4)
        let r = try Simulator(c).dcSweep([sweep], probes: [Probe.voltage("a")])
        let vt = Junction.thermalVoltage()
        for (k, i) in r.sweepValues.enumerated() {
            let expected = 1.5 * vt * log(i / 1e-14 + 1) + 10 * i
            // Newton stops within SPICE's tolerance (RELTOL·|ΔV| + VNTOL), a few µV here.
            #expect(abs(r["v(a)"]![k] - expected) < 1e-5, "at \(i) A")
        }
        #expect(r.sweepValues.count == 100)
    }

    @Test("two-source DC sweep: inner source first")
    func nestedSweep() throws {
        let c = try circuit("""
            V1 a 0 0
            V2 b 0 0
            R1 a m 1k
            R2 b m 1k
            R3 m 0 1Meg
            .dc V1 0 2 1 V2 0 10 5
            """)
        guard case .dcSweep(let sweeps) = c.analyses[0] else { Issue.record("no .dc"); return }
        let r = try Simulator(c).dcSweep(sweeps, probes: [Probe.voltage("m")])
        #expect(r.sweepValues == [0, 1, 2, 0, 1, 2, 0, 1, 2])
        #expect(r.outerSweepValues == [0, 0, 0, 5, 5, 5, 10, 10, 10])
        for k in 0..<9 {
            let expected = (r.sweepValues[k] + r.outerSweepValues![k]) / 2 * (1 / (1 + 1e3 / 2 / 1e6))
            #expect(abs(r["v(m)"]![k] - expected) < 1e-9)
        }
    }

    @Test(".dc sweeps a resistor as ngspice does: the written value, times its m and temperature coefficients")
    func resistorSweep() throws {
        // ngspice 39 on these netlists: v(b) = 0.5, 0.666667, 0.75; with m=2 0.333333, 0.5, 0.6;
        // with tc1=0.01 at 127 °C 0.666667, 0.8, 0.857143.
        for (element, factor) in [("R2 b 0 1k", 1.0), ("R2 b 0 1k m=2", 0.5), ("R2 b 0 1k tc1=0.01\n.temp 127", 2.0)] {
            let c = try circuit("V1 a 0 1\nR1 a b 1k\n\(element)\n.dc R2 1k 3k 1k V1 1 2 1\n")
            guard case .dcSweep(let sweeps) = c.analyses[0] else { Issue.record("no .dc"); return }
            #expect(abs(sweeps[0].scale - factor) < 1e-15)
            let r = try Simulator(c).dcSweep(sweeps, probes: [.voltage("b"), .current("r2"), .power("r2")])
            #expect(r.sweepValues == [1000, 2000, 3000, 1000, 2000, 3000])
            #expect(r.csv().hasPrefix("res-sweep,v1,v(b),i(r2),p(r2)\n"), "\(r.csv().prefix(40))")
            for k in 0..<6 {
                let resistance = r.sweepValues[k] * factor, volts = r.outerSweepValues![k]
                let vb = volts * resistance / (1000 + resistance)
                #expect(abs(r["v(b)"]![k] - vb) < 1e-12, "\(element) at \(r.sweepValues[k]) Ω")
                #expect(abs(r["i(r2)"]![k] - vb / resistance) < 1e-15 && abs(r["p(r2)"]![k] - vb * vb / resistance) < 1e-15)
            }
        }
        for (text, message) in [("V1 a 0 1\nR1 a b 1k\nR2 b 0 1k\n.dc R2 0 2k 1k\n", "must stay positive"),
                                ("V1 a 0 1\nR1 a b 1k\nC2 b 0 1u\n.dc C2 1u 2u 1u\n", "neither")] {
            #expect(netlistError(text)?.message.contains(message) == true, "\(String(describing: netlistError(text)))")
        }
    }

    @Test(".dc TEMP: the circuit built again at each temperature, alone or with a source, as ngspice 39 sweeps it")
    func temperatureSweep() throws {
        let text = """
            I1 0 a 1m
            D1 a 0 DX
            .model DX D(IS=1e-14 N=1.5 EG=1.11 XTI=3 RS=1)
            Q1 c b 0 QX
            Vb b 0 0.65
            Rc vcc c 1k
            Vcc vcc 0 5
            .model QX NPN(IS=1e-15 BF=200 XTB=1.5)
            .options reltol=1e-9 vntol=1e-12 abstol=1e-15
            """
        // ngspice 39 on this netlist with .dc TEMP -25 75 25 (print v(a) v(c)).
        let reference: [(Double, Double)] = [(1.01794, 4.998884), (1.001786, 4.989339), (0.9850406, 4.928625), (0.9677521, 4.636922), (0.9499632, 3.513233)]
        let c = try circuit(text + "\n.dc TEMP -25 75 25\n")
        guard case .dcSweep(let sweeps) = c.analyses[0] else { Issue.record("no .dc"); return }
        #expect(sweeps[0].isTemperature)
        let r = try Simulator(c).dcSweep(sweeps, probes: [.voltage("a"), .voltage("c")])
        #expect(r.sweepValues == [-25, 0, 25, 50, 75])
        #expect(r.csv().hasPrefix("temp-sweep,v(a),v(c)\n"))
        for (k, (a, cv)) in reference.enumerated() {
            #expect(abs(r["v(a)"]![k] - a) < 1e-6 && abs(r["v(c)"]![k] - cv) < 1e-6, "\(r.sweepValues[k]) °C")
            // The same as an operating point of the circuit built at that temperature.
            let op = try Simulator(try Circuit(netlist: Netlist(text: "test\n" + text, file: "test.cir"), temperature: r.sweepValues[k])).operatingPoint()
            #expect(abs(op.voltage("a")! - r["v(a)"]![k]) < 1e-9)
        }
        // With a source, in either order: ngspice 39 gives v(a) = 1.027260 at 2 mA and 0 °C.
        let nested = try circuit(text + "\n.dc I1 1m 2m 1m TEMP 0 50 50\n")
        guard case .dcSweep(let both) = nested.analyses[0] else { Issue.record("no .dc"); return }
        let n = try Simulator(nested).dcSweep(both, probes: [.voltage("a")])
        #expect(n.sweepValues == [1e-3, 2e-3, 1e-3, 2e-3] && n.outerSweepValues == [0, 0, 50, 50])
        #expect(abs(n["v(a)"]![1] - 1.02726) < 2e-6)
        // Below absolute zero, and a circuit built in code (nothing to build again), are errors.
        #expect(netlistError(text + "\n.dc TEMP -300 0 100\n")?.message.contains("below absolute zero") == true)
        var coded = Circuit()
        try coded.add("V1", .voltageSource(Node("a"), .ground, IndependentSource(dc: 1)))
        try coded.add("R1", .resistor(Node("a"), .ground, resistance: 1000))
        #expect(throws: SimulationError.self) { try Simulator(coded).dcSweep([DCSweep(source: "temp", start: 0, stop: 10, step: 10)]) }
    }

    @Test("subcircuits with PARAMS:, defaults, nesting and expressions")
    func subcircuits() throws {
        let c = try circuit("""
            .param rtop=3k scale={2}
            .subckt divider in out params: rlow=1k
            R1 in mid {rtop}
            X2 mid out half params: r={rlow*scale}
            .ends
            .subckt half a b params: r=1
            R1 a b {r}
            R2 b 0 {r}
            .ends
            V1 in 0 10
            X1 in out divider rlow=500
            """)
        #expect(c.element(named: "x1.x2.r2") != nil)
        let op = try Simulator(c).operatingPoint()
        // 3k, then 1k + 1k to ground: out = 10 · 1k / 5k
        #expect(abs(op.voltage("out")! - 2) < 1e-12)
        #expect(abs(op.voltage("x1.mid")! - 4) < 1e-12)
    }

    @Test("sources: SIN default frequency, PULSE edges and pulse count, PWL points, EXP")
    func waveforms() throws {
        let sine = Waveform.sine(offset: 1, amplitude: 2, frequency: nil, delay: 0, damping: 0, phase: 0).resolved(step: 1e-3, stop: 1)
        #expect(abs(sine.value(at: 0.25) - 3) < 1e-12)
        let pulse = Waveform.pulse(initial: 0, pulsed: 5, delay: 1, rise: 1, fall: 2, width: 3, period: 10)
        #expect(pulse.value(at: 0.5) == 0)
        #expect(pulse.value(at: 1.5) == 2.5)
        #expect(pulse.value(at: 4) == 5)
        #expect(pulse.value(at: 6) == 2.5)
        #expect(pulse.value(at: 11.5) == 2.5)
        #expect(pulse.breakpoints(until: 10) == [1, 2, 5, 7])
        // NP pulses, then V1 for good (the second pulse's middle at 11.5; nothing at 21.5).
        let twice = Waveform.pulse(initial: 0, pulsed: 5, delay: 1, rise: 1, fall: 2, width: 3, period: 10, count: 2)
        #expect(twice.value(at: 11.5) == 2.5 && twice.value(at: 14) == 5)
        #expect(twice.value(at: 21.5) == 0 && twice.value(at: 24) == 0)
        #expect(twice.breakpoints(until: 40) == [1, 2, 5, 7, 11, 12, 15, 17])
        let pwl = Waveform.piecewiseLinear([.init(time: 0, value: 0), .init(time: 1, value: 2), .init(time: 3, value: -2)])
        #expect(pwl.value(at: 0.5) == 1)
        #expect(pwl.value(at: 2) == 0)
        #expect(pwl.value(at: 5) == -2)
        // ngspice's r= and td=, as ngspice 39 plays them (checked on these waveforms): the part from
        // R to the last point repeats from the last point on, with the value at R there.
        let triangle = Waveform.piecewiseLinear([.init(time: 0, value: 0), .init(time: 1, value: 1), .init(time: 2, value: 0)], repeatFrom: 0)
        #expect(triangle.value(at: 2.5) == 0.5 && triangle.value(at: 3) == 1 && triangle.value(at: 4.25) == 0.25)
        #expect(triangle.breakpoints(until: 5) == [1, 2, 3, 4, 5])
        let tail = Waveform.piecewiseLinear([.init(time: 0, value: 0), .init(time: 1, value: 1), .init(time: 2, value: 0.5)], repeatFrom: 1)
        #expect(tail.value(at: 1.999) < 0.51 && tail.value(at: 2) == 1 && tail.value(at: 2.25) == 0.875 && tail.value(at: 3.5) == 0.75)
        let c = try circuit("V1 a 0 PWL(0 0 1m 1 2m 0 r=0 td=0.5m)\nV2 b 0 PWL(0 0 1 1 td=2)\nR1 a 0 1k\nR2 b 0 1k\n")
        guard case .voltageSource(_, _, let s1)? = c.element(named: "V1")?.kind, let w1 = s1.waveform,
              case .voltageSource(_, _, let s2)? = c.element(named: "V2")?.kind, let w2 = s2.waveform else { Issue.record("no sources"); return }
        #expect(w1 == .piecewiseLinear([.init(time: 0.5e-3, value: 0), .init(time: 1.5e-3, value: 1), .init(time: 2.5e-3, value: 0)], repeatFrom: 0.5e-3))
        #expect(w1.value(at: 0.25e-3) == 0 && abs(w1.value(at: 4e-3) - 0.5) < 1e-12)
        #expect(w2.value(at: 2.5) == 0.5 && w2.value(at: 9) == 1)
        for (text, message) in [("V1 a 0 PWL(0 0 1m 1 r=1m)\nR1 a 0 1\n", "r= must be from its first time to before its last"),
                                ("V1 a 0 PWL(0 0 1m 1 td=-1m)\nR1 a 0 1\n", "td= must not be negative"),
                                ("V1 a 0 SIN(0 1 1k r=0)\nR1 a 0 1\n", "r")] {
            #expect(netlistError(text)?.message.contains(message) == true, "\(String(describing: netlistError(text)))")
        }
        let e = Waveform.exponential(initial: 0, pulsed: 1, riseDelay: 1, riseTime: 1, fallDelay: 3, fallTime: 1)
        #expect(abs(e.value(at: 2) - (1 - exp(-1))) < 1e-12)
    }

    @Test("SFFM and AM as ngspice 39 plays them: the closed forms, its defaults, and AM's phase")
    func modulatedSources() throws {
        let c = try circuit("""
            V1 a 0 SFFM(0.1 1 10k 3 1k 30 60)
            V2 b 0 AM(0.5 1 1k 10k 0.2m 45)
            V3 c 0 SFFM(0 2 5k 2)
            V4 d 0 AM(2 0.5 500)
            V5 e 0 AM(1 0 1k 10k 0 30 70)
            R1 a 0 1k
            R2 b 0 1k
            R3 c 0 1k
            R4 d 0 1k
            R5 e 0 1k
            .tran 10u 1m
            """)
        func waveform(_ name: String) -> Waveform? {
            guard case .voltageSource(_, _, let s)? = c.element(named: name)?.kind else { return nil }
            return s.waveform?.resolved(step: 10e-6, stop: 1e-3)
        }
        let (v1, v2, v3, v4, v5) = (try #require(waveform("V1")), try #require(waveform("V2")), try #require(waveform("V3")),
                                    try #require(waveform("V4")), try #require(waveform("V5")))
        let degree = Double.pi / 180
        for t in stride(from: 0.0, through: 1e-3, by: 37e-6) {
            // VO + VA·sin(2π·FC·t + PHASEC + MDI·sin(2π·FS·t + PHASES)).
            #expect(abs(v1.value(at: t) - (0.1 + sin(2 * .pi * 10e3 * t + 30 * degree + 3 * sin(2 * .pi * 1e3 * t + 60 * degree)))) < 1e-12)
            // FS defaults to 1/TSTOP.
            #expect(abs(v3.value(at: t) - 2 * sin(2 * .pi * 5e3 * t + 2 * sin(2 * .pi * 1e3 * t))) < 1e-12)
            // AM: 0 until TD, then VA·(VO + sin(2π·MF·τ + PHASES))·sin(2π·FC·τ + PHASES).
            let tau = t - 0.2e-3
            #expect(abs(v2.value(at: t) - (tau <= 0 ? 0 : 0.5 * (1 + sin(2 * .pi * 1e3 * tau)) * sin(2 * .pi * 10e3 * tau))) < 1e-12)
            #expect(abs(v5.value(at: t) - (t <= 0 ? 0 : sin(2 * .pi * 1e3 * t + 70 * degree) * sin(2 * .pi * 10e3 * t + 70 * degree))) < 1e-12)
            // Without FC, ngspice's AM carrier is at 0 Hz: the source stays at 0.
            #expect(v4.value(at: t) == 0)
        }
        // ngspice 39 on the same sources (`.options interp`, steps of at most 0.2 µs, so its values are
        // interpolated linearly between its own points, within 3·10⁻⁵ of the source's).
        for (w, t, value) in [(v1, 10e-6, -0.54225682), (v1, 20e-6, -0.886136936), (v3, 10e-6, 0.851401032),
                              (v5, 10e-6, 0.922133837), (v2, 0.21e-3, 0.312341896), (v2, 0.22e-3, 0.535118177)] {
            #expect(abs(w.value(at: t) - value) < 5e-5, "\(w) at \(t): \(w.value(at: t)) against ngspice's \(value)")
        }
        #expect(v2.breakpoints(until: 1e-3) == [0.2e-3])
        // AM's sixth argument, which ngspice reads and leaves unused, is a warning when not 0.
        #expect(c.warnings.filter { $0.message.contains("AM's sixth argument (PHASEC) has no effect") }.count == 2, "\(c.warnings)")
        #expect(netlistError("V1 a 0 SFFM(0)\nR1 a 0 1\n")?.message.contains("SFFM takes VO VA") == true)
        #expect(netlistError("V1 a 0 AM(1 2 3 4 5 6 7 8)\nR1 a 0 1\n")?.message.contains("AM takes VA VO") == true)
    }

    @Test(".ic holds a node during the initial operating point")
    func initialCondition() throws {
        let c = try circuit("""
            R1 a 0 1k
            C1 a 0 1u
            .ic v(a)=2
            .tran 10u 1m
            """)
        guard case .transient(let spec) = c.analyses[0] else { Issue.record("no .tran"); return }
        let v = try Simulator(c).transient(spec)["v(a)"]!
        #expect(abs(v[0] - 2) < 1e-12)
        #expect(abs(v[100] - 2 * exp(-1)) < 1e-3)
    }

    @Test("gmin or source stepping finds the operating point when plain Newton runs out of iterations")
    func stepping() throws {
        var circuit = try Circuit(contentsOfFile: Paths.circuits.appendingPathComponent("class-ab-output.cir").path)
        let reference = try Simulator(circuit).operatingPoint()
        #expect(reference.method == .newton)
        // Plain Newton needs 6 iterations here; with 4 it gives up and stepping (ITL2 per step) takes over.
        circuit.options.dcIterationLimit = 4
        let stepped = try Simulator(circuit).operatingPoint()
        #expect(stepped.method != .newton)
        for node in ["out", "c", "top", "n1", "n2"] {
            #expect(abs(stepped.voltage(node)! - reference.voltage(node)!) < 1e-4, "v(\(node))")
        }
        circuit.options.dcIterationLimit = 2
        circuit.options.sweepIterationLimit = 2
        let starved = try Simulator(circuit)
        do {
            _ = try starved.operatingPoint()
            Issue.record("converged with two iterations per step")
        } catch {
            #expect(error.message.contains("gmin stepping and source stepping all failed"))
            #expect(error.message.contains("largest current imbalance is at node"))
        }
    }

    @Test("a transient that cannot converge at a time point cuts its step, then names the time and the node")
    func transientNonConvergence() throws {
        // A 5 V edge in 1 ns into a diode clipper: with the default ITL4 the edge is crossed by
        // cutting the step; with one iteration per point nothing converges and the error says where.
        let text = """
            .model DX D(IS=2.52n RS=0.568 N=1.752 CJO=4p TT=20n)
            V1 in 0 PULSE(0 5 1u 1n 1n 1u 2u)
            R1 in out 1k
            C1 out 0 10n
            D1 out 0 DX
            D2 0 out DX
            .tran 10n 3u
            """
        var c = try circuit(text)
        guard case .transient(let spec) = c.analyses[0] else { Issue.record("no .tran"); return }
        let reference = try Simulator(c).transient(spec)["v(out)"]!
        c.options.transientIterationLimit = 3
        let cut = try Simulator(c).transient(spec)
        #expect(cut.rejectedSteps > 0)
        let out = cut["v(out)"]!
        #expect(out.allSatisfy { $0.isFinite })
        #expect(out.max()! > 0.4 && out.max()! < 1.0, "clipped near a diode drop")
        #expect(abs(out.max()! - reference.max()!) < 1e-3 * reference.max()!)
        c.options.transientIterationLimit = 1
        let starved = try Simulator(c)
        do {
            _ = try starved.transient(spec)
            Issue.record("converged with one iteration per time point")
        } catch {
            #expect(error.message.contains("does not converge at t = "))
            #expect(error.message.contains("largest current imbalance is at"))
        }
    }

    @Test("at a fixed step a hard step gets the real-time processor's iteration budget instead of being cut")
    func fixedStepIterationBudget() throws {
        // The Rat's op-amp slews from rail to rail within one 10 µs step: Newton needs more than
        // ITL4's ten iterations there. The adaptive run cuts such steps; a fixed-step run — the
        // processor's discretization — solves them whole, as the processor does.
        var c = try loadCircuit(Paths.netlists.appendingPathComponent("rat-distortion.cir"))
        guard case .transient(let spec)? = c.analyses.first(where: { $0.kind == .tran }) else { Issue.record("no .tran"); return }
        #expect(c.options.transientIterationLimit == 10)
        c.options.fixedStep = true
        let fixed = try Simulator(c).transient(spec, probes: [.voltage("out")])
        #expect(fixed.rejectedSteps == 0)
        #expect(fixed.acceptedSteps == 600)
    }

    @Test("a picosecond transient (TSTOP far below 1 s) takes tens of steps, not millions")
    func picosecondTransient() throws {
        // Found by the fuzzer: every point was taken for a breakpoint within 1e-12 s, and the step
        // was cut after each.
        let c = try circuit("""
            V1 in 0 SIN(0 1 200)
            R1 in out 1k
            C1 out 0 470p
            .tran 0.1p 2p
            """)
        guard case .transient(let spec) = c.analyses[0] else { Issue.record("no .tran"); return }
        let r = try Simulator(c).transient(spec)
        #expect(r.acceptedSteps < 1000)
        #expect(r.time.count == 21)
    }

    @Test("a transient whose steps collapse stops with an error instead of running for hours")
    func collapsingSteps() throws {
        // Found by fuzzing the real-time engine's corpus: "10fk" is 10 femtohms beside 1 pF, and the
        // truncation error asked for steps of picoseconds and less — an hour and more for 3 ms
        // (ngspice stops with "timestep too small"). The limit is lowered here to keep the test short;
        // by default it is max(10⁶, 1000 per output point).
        var c = try circuit("""
            .model nch NMOS(LEVEL=1 VTO=0.0 KP=120u GAMMA=0.5 PHI=0.65 LAMBDA=0.03 CGSO=1n CGDO=0n CBD=2p CBS=2p)
            .model pch PMOS(LEVEL=1 VTO=41.0 KP=45u GAMMA=0.5 PHI=0.64 LAMBDA=0.04 CGSO=1n CGDO=1n CBD=2p CBS=2p)
            Vdd vdd 09 100n
            Rin g x 10fk
            R out x 10Meg
            Cx x 0 1p
            Mn out x 0 0 nch L=10u W=40u
            Mp out x vdd vdd pch L=10u W=100u
            Cout out o 1u
            Rl o 0 100k
            .tran 11u 3m
            """)
        c.options.transientStepLimit = 5_000
        guard case .transient(let spec) = c.analyses[0] else { Issue.record("no .tran"); return }
        let error = try #require(throws: SimulationError.self) { try Simulator(c).transient(spec) }
        #expect(error.message.contains("5000 time steps") && error.message.contains("time constant far below TSTEP"), "\(error.message)")
        // The same limit leaves an ordinary transient alone.
        var rc = try circuit("V1 in 0 SIN(0 1 1k)\nR1 in out 1k\nC1 out 0 100n\n.tran 10u 5m\n")
        rc.options.transientStepLimit = 5_000
        guard case .transient(let rcSpec) = rc.analyses[0] else { Issue.record("no .tran"); return }
        #expect(try Simulator(rc).transient(rcSpec).time.count == 501)
    }

    @Test("floating nodes, voltage-source loops and missing controllers are located errors")
    func topologyErrors() throws {
        func error(_ text: String) -> NetlistError? {
            do { _ = try Simulator(circuit(text)); return nil } catch { return error }
        }
        let floating = error("V1 a 0 1\nR1 a b 1k\nC1 b c 1u\nR2 c d 1k\n")
        #expect(floating?.message.contains("node 'c'") == true || floating?.message.contains("node 'd'") == true)
        #expect(floating?.location?.line != nil)
        let loop = error("V1 a 0 1\nV2 a 0 2\nR1 a 0 1\n")
        #expect(loop?.message.contains("loop of voltage sources") == true)
        #expect(loop?.location?.line == 3)
        // A loop an inductor closes is singular at DC only: the operating point refuses it, naming
        // the inductor; a transient with UIC runs it (the current ramps at V/L, as in ngspice).
        let inductorLoop = try circuit("V1 a 0 1\nL1 a 0 1m\n.tran 1u 10u uic\n")
        let dcError = #expect(throws: SimulationError.self) { try Simulator(inductorLoop).operatingPoint() }
        #expect(dcError?.message.contains("L1 (line 3) closes a loop of voltage sources and inductors") == true, "\(String(describing: dcError))")
        guard case .transient(let spec) = inductorLoop.analyses[0] else { Issue.record("no .tran"); return }
        let ramp = try #require(try Simulator(inductorLoop).transient(spec, probes: [.current("L1")]).values(.current("L1")))
        #expect(abs(ramp.last! - 1 / 1e-3 * 10e-6) < 1e-9, "\(ramp)")
        let missing = error("V1 a 0 1\nR1 a 0 1\nF1 a 0 Vnone 2\n")
        #expect(missing?.message.contains("Vnone") == true)
        let coupling = error("V1 a 0 1\nR1 a b 1\nL1 b 0 1m\nK1 L1 L9 0.5\n")
        #expect(coupling?.message.contains("L9") == true)
        let gate = error("V1 a 0 5\nC1 a g 1u\nM1 a g 0 0 nm\n.model nm NMOS(VTO=1 KP=1m)\n")
        #expect(gate?.message.contains("node 'g'") == true)
    }

    @Test("ngspice's .options rshunt: a resistance from every node to ground, which gives a node behind a capacitor its DC path")
    func shuntResistance() throws {
        // ngspice 39 on these lines: v(b) = 5.000000e-01, v(c) = 0.
        let text = "V1 a 0 1\nR1 a b 1e12\nC1 b c 1u\n"
        let floating = #expect(throws: NetlistError.self) { try Simulator(try circuit(text)) }
        #expect(floating?.message.contains("node 'c' has no DC path") == true)
        let op = try Simulator(try circuit(text + ".options rshunt=1e12\n")).operatingPoint()
        #expect(abs(op.voltage("b")! - 0.5) < 1e-12 && op.voltage("c")! == 0)
        // Both engines at the same step, with a shunt that matters (10 kΩ on every node).
        let clipper = try circuit("V1 in 0 SIN(0 1 1k)\nR1 in out 2.2k\nC1 out 0 10n\nD1 out 0 dd\nD2 0 out dd\n"
                                  + ".model dd D(IS=2.52n N=1.752 RS=0.568)\n.options rshunt=10k\n.tran 10u 2m\n.print tran v(out)\n")
        let errors = try ProcessorTests.compare(clipper)
        #expect(errors.count == 1)
        for (probe, error) in errors { #expect(error <= 1e-6, "\(probe) differs by \(error) of its peak") }
        // The shunt is in the result: 1 V through 10k into the 10k shunt.
        let divider = try Simulator(try circuit("V1 a 0 1\nR1 a b 10k\n.options rshunt=10k\n")).operatingPoint()
        #expect(abs(divider.voltage("b")! - 0.5) < 1e-12)
        // Not a noise source, as in ngspice 39 (6.437372e-09 V/√Hz on these lines: R1's noise alone).
        let noisy = try circuit("V1 a 0 DC 0 AC 1\nR1 a b 10k\nC1 b 0 1n\n.options rshunt=10k\n.noise v(b) V1 dec 1 100 100\n")
        let density = try Simulator(noisy).noise(try #require(noisy.noiseAnalyses.first)).outputSpectrum[0]
        #expect(abs(density / 6.437372e-9 - 1) < 1e-6, "\(density)")
    }

    @Test("ngspice's .options defl, defw, defad, defas: the geometry of a MOSFET that gives none")
    func mosfetDefaultGeometry() throws {
        // Saturation, closed form: Id = KP/2·(W/L)·(Vgs − VTO)²·(1 + λ·Vds), plus GMIN across the
        // drain and source junctions; ngspice 39 gives −2.62500e-04 A and −2.62500e-05 A for i(VDD).
        let body = "VDD d 0 5\nVG g 0 2\nM1 d g 0 0 nm\nM2 d g 0 0 nm L=100u W=100u\n.model nm NMOS(LEVEL=1 VTO=1 KP=50u LAMBDA=0.01)\n"
        let id = 25e-6 * 1.05
        let circuit = try circuit(".options defl=2u defw=20u defad=1p defas=2p\n" + body)
        #expect(circuit.options.defaultMOSFETGeometry.drainArea == 1e-12 && circuit.options.defaultMOSFETGeometry.sourceArea == 2e-12)
        // M1 takes the defaults (W/L = 10), M2 its own (W/L = 1).
        let op = try Simulator(circuit).operatingPoint()
        #expect(abs(-op.current("vdd")! - 11 * id) < 1e-9, "\(op.current("vdd")!)")
        let plain = try Simulator(try self.circuit(body)).operatingPoint()
        #expect(abs(-plain.current("vdd")! - 2 * id) < 1e-9, "\(plain.current("vdd")!)")
        // .options scale: M2's written geometry in µm (L=100 W=1000: W/L = 10, with AD = 2 → 2 pm²);
        // M1's defaults stay in metres. ngspice 39 scales the same way (checked on this netlist).
        let scaled = try self.circuit(".options scale=1u\nVDD d 0 5\nVG g 0 2\nM1 d g 0 0 nm\nM2 d g 0 0 nm L=100 W=1000 AD=2 PD=3\n"
                                      + ".model nm NMOS(LEVEL=1 VTO=1 KP=50u LAMBDA=0.01)\n")
        guard case .mosfet(_, _, _, _, let m2)? = scaled.element(named: "M2")?.kind else { Issue.record("no M2"); return }
        #expect(abs(m2.geometry.length - 100e-6) < 1e-18 && abs(m2.geometry.width - 1000e-6) < 1e-18)
        #expect(abs(m2.geometry.drainArea - 2e-12) < 1e-24 && abs(m2.geometry.drainPerimeter - 3e-6) < 1e-18)
        #expect(abs(-(try Simulator(scaled).operatingPoint().current("vdd")!) - 11 * id) < 1e-9)
        // ngspice's solver choices are reported as not used (its seed is the random functions').
        let solver = try self.circuit(".options klu seed=5 ramptime=1u\n" + body)
        #expect(solver.warnings.map(\.message) == ["klu", "ramptime"].map { "option \($0) is not used by Anode and was ignored" })
        #expect(netlistError(".options defad=-1p\n" + body)?.message.contains("defad must be an area") == true)
    }
}
