import Foundation
import Testing
import Anode

/// XSPICE's analog code models. Their agreement with ngspice (operating point, DC sweep, AC and
/// transient, every port type, both engines) is checked by `Netlists/code-models.cir`; here the
/// values against closed forms, the port syntax, and the errors.
@Suite("XSPICE code models")
struct CodeModelTests {
    func circuit(_ text: String) throws(NetlistError) -> Circuit { try Circuit(netlistText: "test\n" + text, file: "test.cir") }

    func error(_ text: String) -> NetlistError? {
        do { _ = try circuit(text); return nil } catch { return error }
    }

    /// The output of a one-input model `card` at input voltages `xs` (a DC sweep of Vin).
    func sweep(_ card: String, _ xs: [Double], output: String = "") throws -> [Double] {
        let c = try circuit("""
            Vin in 0 0
            A1 in \(output.isEmpty ? "out" : output) m
            .model m \(card)
            R1 out 0 1k
            """)
        var values: [Double] = []
        for x in xs {
            var swept = c
            try swept.setDCValue(of: "Vin", to: x)
            values.append(try #require(Simulator(swept).operatingPoint().voltage("out")))
        }
        return values
    }

    @Test("limit: the line, the limits, and the parabolas between, in output units and as a fraction of the span")
    func limit() throws {
        // y = 2·(x + 0.1) held in [−1, 1.5], corners rounded over ±0.2: at x = 0.6 the line is at
        // 1.4, inside the upper corner: 1.4 − (1.4 − 1.3)²/0.8 = 1.3875 (ngspice 39 prints the same).
        let xs = [-1.0, -0.6, 0, 0.55, 0.6, 0.65, 0.7, 0.75, 2]
        let y = try sweep("limit(in_offset=0.1 gain=2 out_lower_limit=-1 out_upper_limit=1.5 limit_range=0.2)", xs)
        let expected = [-1, -1 + 0.2 * 0.2 / 0.8, 0.2, 1.3, 1.3875, 1.45, 1.4875, 1.5, 1.5]
        for (a, b) in zip(y, expected) { #expect(abs(a - b) < 1e-9, "\(a) against \(b)") }
        // fraction=TRUE: the range is 0.1 of the span of 2, so 0.2 again: at x = 0.45 (line 0.9) 0.8875.
        let f = try sweep("limit(gain=2 out_lower_limit=-1 out_upper_limit=1 limit_range=0.1 fraction=TRUE)", [0.45, -0.45])
        #expect(abs(f[0] - 0.8875) < 1e-9 && abs(f[1] + 0.8875) < 1e-9)
    }

    @Test("pwl: the points' line, its ends extended, its corners rounded over a fraction of the shorter segment or an absolute range")
    func piecewiseLinear() throws {
        // Corners at 1 (slopes 1 → 0): by default rounded over ±0.01 (1 % of the shorter segment, 1):
        // y = 1 + t − t′²/0.04 with t = x − 1, t′ = t + 0.01. Beyond the ends the end segments go on.
        let xs = [-3, 0.5, 0.995, 1.005, 1.02, 5]
        let y = try sweep("pwl(x_array=[-1 1 2] y_array=[-1 1 1])", xs)
        let expected = [-3, 0.5, 0.995 - 0.000025 / 0.04, 1.005 - 0.000225 / 0.04, 1, 1]
        for (a, b) in zip(y, expected) { #expect(abs(a - b) < 1e-12, "\(a) against \(b)") }
        // fraction=FALSE: ±0.3 about −1 (slopes 0 → 0.1): at −0.8, −0.2 + 0.1·(0.5)²/1.2.
        let z = try sweep("pwl(x_array=[-2 -1 2 4] y_array=[-0.2 -0.2 0.1 2] input_domain=0.3 fraction=FALSE)", [-0.8, -1.5, 0])
        #expect(abs(z[0] - (-0.2 + 0.1 * 0.25 / 1.2)) < 1e-12 && abs(z[1] + 0.2) < 1e-12 && abs(z[2] + 0.1) < 1e-12)
    }

    @Test("climit: the limits are the control inputs less the deltas; a fractional range follows their span")
    func controlledLimit() throws {
        // Limits 2 − 0.2 and −1 + 0.1, range 0.3: y = 1.5·(x + 0.1), at x = 1 (1.65) the upper parabola.
        let c = try circuit("""
            Vin in 0 1
            Vu u 0 2
            Vl l 0 -1
            A1 in u l out cl
            .model cl climit(in_offset=0.1 gain=1.5 upper_delta=0.2 lower_delta=0.1 limit_range=0.3)
            R1 out 0 1k
            A2 in u l out2 cf
            .model cf climit(limit_range=0.1 fraction=true)
            R2 out2 0 1k
            """)
        var expected: [(Double, Double, Double)] = []  // (x, y, y2)
        for x in [1.0, -0.5, 5, -0.99] {
            let line = 1.5 * (x + 0.1)
            let y = line >= 2.1 ? 1.8 : line > 1.5 ? line - (line - 1.5) * (line - 1.5) / 1.2
                : line <= -1.2 ? -0.9 : line < -0.6 ? line + (line + 0.6) * (line + 0.6) / 1.2 : line
            // fraction: r = 0.1·(2 − (−1)) = 0.3 about 2 and −1.
            let y2 = x <= -1.3 ? -1 : x < -0.7 ? x + (x + 0.7) * (x + 0.7) / 1.2 : x <= 1.7 ? x : x < 2.3 ? x - (x - 1.7) * (x - 1.7) / 1.2 : 2
            expected.append((x, y, y2))
        }
        for (x, y, y2) in expected {
            var swept = c
            try swept.setDCValue(of: "Vin", to: x)
            let op = try Simulator(swept).operatingPoint()
            #expect(abs(try #require(op.voltage("out")) - y) < 1e-9, "x = \(x)")
            #expect(abs(try #require(op.voltage("out2")) - y2) < 1e-9, "x = \(x)")
        }
    }

    @Test("aswitch: a resistance the control moves exponentially or linearly, held at its ends with limit")
    func analogSwitch() throws {
        let c = try circuit("""
            Vc c 0 0.9
            Vs s 0 1
            R1 s o 10k
            A1 c %gd(o 0) sw
            .model sw aswitch(cntl_off=0.2 cntl_on=1.6 r_off=100k r_on=1k)
            R2 s o2 10k
            A2 %vd(c 0) o2 0 lin
            .model lin aswitch(cntl_off=0 cntl_on=5 r_off=1e4 r_on=10 log=FALSE limit=TRUE)
            """)
        for control in [0.9, 0.2, 3.0, -1.0, 7.0] {
            var swept = c
            try swept.setDCValue(of: "Vc", to: control)
            let op = try Simulator(swept).operatingPoint()
            let r = 1e3 * exp(log(100.0) / 1.4 * (1.6 - control))
            let held = min(max(control, 0), 5)
            let rLinear = 1e4 + held * (10 - 1e4) / 5
            #expect(abs(try #require(op.voltage("o")) - r / (r + 1e4)) < 1e-9, "c = \(control)")
            #expect(abs(try #require(op.voltage("o2")) - rLinear / (rLinear + 1e4)) < 1e-9, "c = \(control)")
        }
        // In AC it is that resistance (ngspice 39 gives 311 dB here: its aswitch AC gain is wrong).
        let ac = try circuit("""
            Vc c 0 0.9
            Vs s 0 DC 0 AC 1
            R1 s o 10k
            A1 c %gd(o 0) sw
            .model sw aswitch(cntl_off=0.2 cntl_on=1.6 r_off=100k r_on=1k)
            """)
        let probe = try #require(Probe("vdb(o)"))
        let db = try #require(Simulator(ac).ac(ACSweep(.decade, points: 1, start: 100, stop: 1000), probes: [probe]).values(probe))
        #expect(db.allSatisfy { abs($0 - 20 * log10(0.5)) < 1e-6 }, "\(db)")
    }

    @Test("zener: ngspice's three regions (forward, a line, breakdown) and its two-region form, with the leakage conductance")
    func zener() throws {
        // The manual's 10 V reference: k = 1/(20 mA·1 Ω) = 50/V, v₁₂ = 26 mV·ln(2.6 mV), v₂₃ = −10 + ln(10/1e−12)/50.
        let c = try circuit("""
            Vz z 0 0
            A1 z 0 vref10
            .model vref10 zener(v_breakdown=10.0 i_breakdown=0.02 r_breakdown=1.0 i_rev=1e-6 i_sat=1e-12)
            """)
        let (k, nvt) = (50.0, 0.026)
        let v12 = nvt * log(nvt / 10), v23 = -10 + log(10 / 1e-12) / k
        let (i0, v0) = (1e-6, -10 + log(0.02 / 1e-6) / k)
        let (a, b) = (1e-12 / 10, 1e-12 * (exp(v12 / nvt) - 1) - 1e-12 / 10 * v12)
        let cc = a * v23 + b + i0 * exp(-k * (v23 - v0))
        func expected(_ v: Double) -> Double {
            let diode = v >= v12 ? 1e-12 * (exp(v / nvt) - 1) : v >= v23 ? a * v + b : cc - i0 * exp(-k * (v - v0))
            return diode + 1e-6 / 10 * v
        }
        for v in [0.6, 0.1, -0.5, -5, -9.5, -10.2] {
            var swept = c
            try swept.setDCValue(of: "Vz", to: v)
            // The current from z through the zener to ground is what Vz delivers: −i(Vz).
            let i = -(try #require(Simulator(swept).operatingPoint().current("Vz")))
            #expect(abs(i - expected(v)) <= 1e-9 * max(1e-6, abs(expected(v))), "v = \(v): \(i) against \(expected(v))")
        }
        // Reversed (anode at ground) at 15 V through 1 kΩ: in breakdown, where (15 − u)/1 kΩ = −i(−u);
        // the closed form's root by bisection.
        let clip = try circuit("V1 in 0 15\nR1 in z 1k\nA1 0 z vref10\n.model vref10 zener(v_breakdown=10.0 i_breakdown=0.02 r_breakdown=1.0 i_rev=1e-6 i_sat=1e-12)\n")
        let vz = try #require(Simulator(clip).operatingPoint().voltage("z"))
        var (lo, hi) = (9.0, 11.0)
        for _ in 0..<100 {
            let u = (lo + hi) / 2
            if (15 - u) / 1e3 + expected(-u) > 0 { lo = u } else { hi = u }
        }
        #expect(abs(vz - lo) < 1e-9 && vz > 9.9 && vz < 10, "\(vz) against \(lo)")
    }

    @Test("sidiode: ngspice 39's simple diode in a .dc sweep through both knees and both current limits")
    func simpleDiode() throws {
        let circuit = try loadCircuit(Paths.tests.appendingPathComponent("CodeModels/sidiode.cir"))
        guard case .dcSweep(let sweeps)? = circuit.analyses.first(where: { $0.kind == .dc }) else { Issue.record("no .dc"); return }
        let reference = try Table(Paths.fixtures.appendingPathComponent("sidiode.dc.csv"))
        let probes = reference.header.dropFirst().compactMap { Probe($0) }
        let result = try Simulator(circuit).dcSweep(sweeps, probes: probes)
        for probe in probes {
            let expected = try #require(reference.column(probe.description))
            let worst = zip(try #require(result.values(probe)), expected).map { abs($0 - $1) }.max() ?? 1
            // ngspice's sweep stops its Newton iteration a little short in the steep parts (see pwl).
            #expect(worst < 1e-5, "\(probe): \(worst) V from ngspice")
        }
        // Between the knees (−10 V … 1 V across it) it is Roff: at −5 V, −5·1 Ω/(1000 Ω + 1 Ω) across Rk.
        let v = try #require(result.values(probes[0]))
        let k = try #require(result.sweepValues.firstIndex { abs($0 + 5) < 1e-9 })
        #expect(abs(v[k] + 5 / 1001) < 1e-12, "\(v[k])")
    }

    @Test("potentiometer: two resistances from its position, linear or logarithmic, as ngspice divides them")
    func potentiometer() throws {
        let c = try circuit("""
            V1 a 0 DC 10
            A1 a w 0 p1
            .model p1 potentiometer(r=10k position=0.3)
            Rl w 0 100k
            A2 a w2 0 p2
            .model p2 potentiometer(r=50k position=0.4 log=TRUE log_multiplier=2)
            Rl2 w2 0 100k
            """)
        let op = try Simulator(c).operatingPoint()
        func divider(_ lower: Double, _ upper: Double) -> Double {
            let shunt = upper * 100e3 / (upper + 100e3)
            return 10 * shunt / (lower + shunt)
        }
        let logLower = 50e3 / pow(10, 0.8)
        // ngspice 39 prints 6.856024 and 7.889025.
        #expect(abs(try #require(op.voltage("w")) - divider(3e3, 7e3)) < 1e-9)
        #expect(abs(try #require(op.voltage("w2")) - divider(logLower, 50e3 - logLower)) < 1e-9)
        // In AC it is the same two resistances (ngspice 39 gives −2.91 dB for the first: its AC gain is wrong).
        let ac = try circuit("V1 a 0 DC 1 AC 1\nA1 a w 0 p1\n.model p1 potentiometer(r=10k position=0.3)\nRl w 0 100k\n")
        let probe = try #require(Probe("vdb(w)"))
        let db = try #require(Simulator(ac).ac(ACSweep(.decade, points: 1, start: 100, stop: 1000), probes: [probe]).values(probe))
        #expect(db.allSatisfy { abs($0 - 20 * log10(divider(3e3, 7e3) / 10)) < 1e-9 }, "\(db)")
        // At an end the part of 0 Ω is 1 mΩ, with a warning.
        let end = try circuit("V1 a 0 1\nA1 a w 0 p\n.model p potentiometer(r=1k position=1)\nRl w 0 1k\n")
        #expect(end.warnings.contains { $0.message.contains("upper part is 0 Ω") })
    }

    @Test("divide: n/d with d kept from 0 by the rounded lower limit, mirrored for a negative d")
    func divide() throws {
        let c = try circuit("""
            V1 one 0 1
            Vd den 0 0.6
            A1 one den out d1
            .model d1 divide(num_gain=3 den_lower_limit=0.5 den_domain=0.2 out_gain=2 out_offset=0.1)
            R1 out 0 1k
            """)
        // d = 0.6 lies in the corner 0.3 … 0.7: 0.6 + (0.6 − 0.7)²/0.8 = 0.6125.
        for (d, limited) in [(0.6, 0.6125), (0.2, 0.5), (1.0, 1.0), (-0.6, -0.6125), (-0.1, -0.5), (-2.0, -2.0)] {
            var swept = c
            try swept.setDCValue(of: "Vd", to: d)
            let out = try #require(Simulator(swept).operatingPoint().voltage("out"))
            #expect(abs(out - (0.1 + 2 * 3 / limited)) < 1e-9, "d = \(d): \(out)")
        }
    }

    @Test("gain, summer and mult: every input type, vectors with a modifier before the bracket, offsets and gains")
    func linearAndProducts() throws {
        let c = try circuit("""
            Va a 0 DC 0.5
            Vb b 0 DC 0.2
            * 1 mA into the current input (its 0 V source holds node s at 0 V)
            Is 0 s DC 1m
            Vsense a t DC 0
            Rt t 0 1k
            A1 a g amp
            .model amp gain(gain=-4 in_offset=0.1 out_offset=0.3)
            Rg g 0 1k
            * 2·V(a) + 3·(V(a) − V(b) + 0.1) + 100·1 mA + 1000·i(Vsense) (0.5 mA), times 0.5, plus 1
            A2 [a %vd(a b) %i s %vnam Vsense] sum s1
            .model s1 summer(in_gain=[2 3 100 1000] in_offset=[0 0.1 0 0] out_gain=0.5 out_offset=1)
            Rsum sum 0 1k
            * two differential inputs through one modifier: 1.5·(V(a) − V(b))·(V(b) − 0) + 0.25
            A3 %vd [a b b 0] prod m1
            .model m1 mult(out_gain=1.5 out_offset=0.25)
            Rprod prod 0 1k
            * a current output into 2 kΩ: 1 mA/V·V(a) out of node cur
            A4 a %i(cur) tr
            .model tr gain(gain=1m)
            Rcur cur 0 2k
            * a differential voltage output: V(p, n) = 2·V(b), n held at 1 V by a divider
            A5 b %vd(p n) two
            .model two gain(gain=2)
            Rp p 0 1k
            Vn v1 0 2
            Rn1 v1 n 1k
            Rn2 n 0 1k
            .op
            """)
        let op = try Simulator(c).operatingPoint()
        func v(_ node: String) throws -> Double { try #require(op.voltage(node)) }
        #expect(abs(try v("g") - (-4 * 0.6 + 0.3)) < 1e-12)
        let sum: Double = 2 * 0.5 + 3 * 0.4 + 100 * 1e-3 + 1000 * 0.5e-3
        #expect(abs(try v("sum") - (0.5 * sum + 1)) < 1e-9)
        #expect(abs(try v("prod") - (1.5 * 0.3 * 0.2 + 0.25)) < 1e-9)
        #expect(abs(try v("cur") - (-2.0 * 0.5)) < 1e-9)
        #expect(abs(try v("p") - (try v("n") + 0.4)) < 1e-9)
        #expect(abs(try v("s")) < 1e-12)
        // The linear models are linear elements; only the product is a behavioral source.
        let behavioral = c.elements.filter { element in
            if case .behavioralSource = element.kind { return true }
            return false
        }.map { $0.name.lowercased() }
        #expect(behavioral == ["a3#value"], "\(behavioral)")
    }

    @Test("a code model inside a subcircuit reads its own nodes and voltage sources")
    func subcircuit() throws {
        let c = try circuit("""
            Vin in 0 DC 0.25
            X1 in out buffer
            X2 in out2 buffer
            R2 out2 0 1k
            R1 out 0 1k
            .subckt buffer i o
            Vs i j DC 0
            Rj j 0 1k
            A1 [i %vnam Vs] o s
            .model s summer(in_gain=[2 1k])
            .ends
            """)
        let op = try Simulator(c).operatingPoint()
        #expect(abs(try #require(op.voltage("out")) - 0.75) < 1e-9)
        #expect(abs(try #require(op.voltage("out2")) - 0.75) < 1e-9)
    }

    @Test("s_xfer at DC: the integrators hold their initial conditions, and the output is the controller form's at them")
    func transferFunctionAtDC() throws {
        // y = bₙ·u + Σ (bₖ − bₙ·aₖ)·zₖ/ω₀ᵏ, u = gain·(x + in_offset)/dₙ, int_ic the z's from the input's end.
        let c = try circuit("""
            V1 in 0 DC 0.3
            A1 in o1 x1
            .model x1 s_xfer(gain=3 num_coeff=[1] den_coeff=[1 1] int_ic=[0.5] denormalized_freq=1000)
            R1 o1 0 1k
            A2 in o2 x2
            .model x2 s_xfer(gain=2 num_coeff=[1 0.5] den_coeff=[1 2] int_ic=[0.5])
            R2 o2 0 1k
            A3 in o3 x3
            .model x3 s_xfer(num_coeff=[2 3 1] den_coeff=[1 0.4 2] int_ic=[0.5 0.7] in_offset=0.1)
            R3 o3 0 1k
            A4 in o4 x4
            .model x4 s_xfer(num_coeff=[1 0.5] den_coeff=[2 4] int_ic=[1] denormalized_freq=10)
            R4 o4 0 1k
            A5 in o5 x5
            .model x5 s_xfer(num_coeff=[3 1] den_coeff=[1 0.4 2] int_ic=[0.5 0.7] denormalized_freq=100)
            R5 o5 0 1k
            """)
        let op = try Simulator(c).operatingPoint()
        let expected: [(String, Double)] = [
            ("o1", 0.5),                                        // strictly proper: the state alone
            ("o2", 2 * 0.3 + (0.5 - 2) * 0.5),                  // 2·u + (b₀ − b₁a₀)·z₀
            ("o3", 2 * 0.4 + (3 - 2 * 0.4) * 0.5 + (1 - 2 * 2) * 0.7),
            ("o4", 0.5 * 0.3 + (0.5 - 1 * 2) * 1),              // dₙ = 2: u = x/2, a₀ = 2 (ngspice 39: −1.35)
            ("o5", 3 * 0.5 / 100 + 1 * 0.7),                    // z₁ = ω₀·ζ₁ (ngspice 39 prints 0.715)
        ]
        for (node, value) in expected {
            #expect(abs(try #require(op.voltage(node)) - value) < 1e-12, "\(node): \(op.voltage(node) ?? .nan) against \(value)")
        }
    }

    @Test("s_xfer in a transient: a first-order lag from its initial condition, as the closed form")
    func transferFunctionTransient() throws {
        // 3/(s/ω₀ + 1) on a DC input of 0.3 V from z = 0.5: y = 0.9 + (0.5 − 0.9)·e^(−ω₀t).
        let c = try circuit("""
            V1 in 0 DC 0.3
            A1 in out x1
            .model x1 s_xfer(gain=3 num_coeff=[1] den_coeff=[1 1] int_ic=[0.5] denormalized_freq=1000)
            R1 out 0 1k
            """)
        let r = try Simulator(c).transient(TransientSpec(step: 1e-6, stop: 5e-3, maxStep: 1e-6), probes: [.voltage("out")])
        let y = try #require(r.values(.voltage("out")))
        let worst = zip(r.time, y).map { abs($1 - (0.9 - 0.4 * exp(-1000 * $0))) }.max() ?? 1
        #expect(worst < 1e-6, "worst error \(worst)")
    }

    @Test("s_xfer in AC: the Butterworth low-pass is 3.01 dB down at its corner, −40 dB a decade above")
    func transferFunctionAC() throws {
        let c = try circuit("""
            V1 in 0 DC 0 AC 1
            A1 in out lp
            .model lp s_xfer(num_coeff=[1] den_coeff=[1 1.4142135623730951 1] int_ic=[0 0] denormalized_freq=6283.185307179586)
            R1 out 0 1k
            """)
        let (dbProbe, phaseProbe) = (try #require(Probe("vdb(out)")), try #require(Probe("vp(out)")))
        let r = try Simulator(c).ac(ACSweep(.decade, points: 1, start: 1000, stop: 10000), probes: [dbProbe, phaseProbe])
        let db = try #require(r.values(dbProbe))
        let phase = try #require(r.values(phaseProbe))
        #expect(abs(db[0] + 10 * log10(2)) < 1e-9 && abs(phase[0] + Double.pi / 2) < 1e-9)
        #expect(abs(db[1] + 10 * log10(1 + 1e4)) < 1e-9)
    }

    /// The netlist `CodeModels/NAME.cir`, its transient, and that transient's worst relative RMS
    /// distance from ngspice's fixture over its probes (asserting the time grid matches).
    func againstFixture(_ name: String) throws -> (url: URL, circuit: Circuit, spec: TransientSpec, probes: [Probe], errors: [(Probe, Double)]) {
        let url = Paths.tests.appendingPathComponent("CodeModels/\(name).cir")
        let circuit = try loadCircuit(url)
        guard case .transient(let spec)? = circuit.analyses.first(where: { $0.kind == .tran }) else { throw NetlistError("\(name): no .tran", at: nil) }
        let reference = try Table(Paths.fixtures.appendingPathComponent("\(name).tran.csv"))
        let probes = reference.header.dropFirst().compactMap { Probe($0) }
        let result = try Simulator(circuit).transient(spec, probes: probes)
        try #require(result.time.count == reference.rows.count)
        var errors: [(Probe, Double)] = []
        for probe in probes {
            let expected = try #require(reference.column(probe.description))
            errors.append((probe, relativeRMS(error: zip(try #require(result.values(probe)), expected).map { $0 - $1 }, signal: expected)))
        }
        return (url, circuit, spec, probes, errors)
    }

    @Test("netlists that never rest or start away from rest: ngspice's waveforms, and both engines alike",
          arguments: ["vco", "integrator-start"])
    func awayFromRest(_ name: String) throws {
        // vco: a sine whose frequency a slow sine sweeps, a fixed triangle; integrator-start: s_xfer
        // and int from int_ic and out_ic with a DC input they then move from.
        let (url, circuit, _, _, errors) = try againstFixture(name)
        for (probe, error) in errors {
            #expect(error < 5e-3, "\(name) \(probe): \(error) RMS")  // the agreement suite's 0.5 %
        }
        for (probe, error) in try ProcessorTests.compare(url) {
            #expect(error <= 1e-6, "\(name), real-time engine: \(probe) differs by \(error) of its peak")
        }
        // At DC the states are where ngspice holds them: a sine's centre, a triangle's low value,
        // s_xfer's controller form at int_ic, int's out_ic.
        let op = try Simulator(circuit).operatingPoint()
        let atRest: [String: Double] = name == "vco" ? ["s1": 0.5, "t1": 0] : ["o1": 0.5, "o2": 0.0335285714285714, "o3": 0.25]
        for (node, value) in atRest {
            let v = try #require(op.voltage(node))
            #expect(abs(v - value) < 1e-12, "\(node): \(v)")
        }
    }

    @Test("hyst: ngspice's backlash between two legs, up and down past both; the real-time engine runs it as the reference simulator does")
    func hysteresis() throws {
        let (url, _, _, _, errors) = try againstFixture("hysteresis")
        for (probe, error) in errors {
            #expect(error < 2e-4, "\(probe): \(error) of the swing")
        }
        // The legs by hand: at 1.5 V the rising leg (from 1.2 V to 2.9 V) gives 0.5 + 0.3·(2.5/1.7),
        // the falling leg (0.2 V to 1.9 V) 0.5 + 1.3·(2.5/1.7); a .dc sweep up, then down, traces both.
        let sweep = try circuit("Vin in 0 0\na1 in out s\n.model s hyst(in_low=0.7 in_high=2.4 hyst=0.5 out_lower_limit=0.5 out_upper_limit=3)\nR1 out 0 1k\n")
        let up = try Simulator(sweep).dcSweep([DCSweep(source: "Vin", start: 0, stop: 4, step: 0.5)], probes: [.voltage("out")])
        let down = try Simulator(sweep).dcSweep([DCSweep(source: "Vin", start: 4, stop: 0, step: -0.5)], probes: [.voltage("out")])
        let (rising, falling) = (try #require(up.values(.voltage("out"))), try #require(down.values(.voltage("out"))))
        #expect(abs(rising[3] - (0.5 + 0.3 * 2.5 / 1.7)) < 1e-9, "\(rising[3])")
        #expect(abs(falling[5] - (0.5 + 1.3 * 2.5 / 1.7)) < 1e-9, "\(falling[5])")
        // Its leg is a switch the input turns: a device of the real-time engine (`SwitchPort`).
        let comparison = try ProcessorTests.comparison(loadCircuit(url))
        #expect(!comparison.errors.isEmpty)
        for (probe, error) in comparison.errors { #expect(error <= 1e-6, "real-time engine: \(probe) differs by \(error) of its peak") }
    }

    @Test("capacitoric and inductoric: held at their initial conditions at DC, then the closed forms; ngspice's within its own error")
    func reactancesWithInitialConditions() throws {
        // The manual's example (1000 µF ∥ 1k from 1 V, 1 H ∥ 1 Ω from 1 A: e^(−t) and −e^(−t)), and a
        // floating 1 µF started at −2 V between two 1k resistors from a 10 Hz sine.
        let (url, circuit, _, probes, errors) = try againstFixture("reactances-ic")
        #expect(errors.count == 4)
        // ngspice 39 integrates its code models less closely (3.6·10⁻⁵ from e^(−t), 4.7·10⁻⁴ from
        // the floating capacitor's closed form, where Anode is within 5·10⁻⁷ and 3·10⁻⁵).
        for (probe, error) in errors { #expect(error < 5e-3, "\(probe): \(error) RMS") }
        let op = try Simulator(circuit).operatingPoint()
        #expect(op.voltage("1") == 1 && op.voltage("2") == -1 && op.voltage("3") == -1 && op.voltage("4") == 1)
        guard case .transient(let spec)? = circuit.analyses.first(where: { $0.kind == .tran }) else { Issue.record("no .tran"); return }
        let result = try Simulator(circuit).transient(spec, probes: probes)
        let (tau, w) = (2e-3, 2 * Double.pi * 10)
        let (a, b) = (1 / (1 + w * tau * w * tau), -w * tau / (1 + w * tau * w * tau))
        func floating(_ t: Double) -> Double {
            let vc = a * sin(w * t) + b * cos(w * t) + (-2 - b) * exp(-t / tau)
            return sin(w * t) - (sin(w * t) - vc) / 2
        }
        let (v1, v2, v3) = (try #require(result.values(.voltage("1"))), try #require(result.values(.voltage("2"))), try #require(result.values(.voltage("3"))))
        for (k, t) in result.time.enumerated() {
            #expect(abs(v1[k] - exp(-t)) < 2e-6 && abs(v2[k] + exp(-t)) < 2e-6, "t = \(t): \(v1[k]), \(v2[k])")
            #expect(abs(v3[k] - floating(t)) < 1e-4, "t = \(t): \(v3[k]) against \(floating(t))")
        }
        // The real-time engine from the same operating point, at the same step.
        let comparison = try ProcessorTests.comparison(loadCircuit(url))
        #expect(comparison.errors.count == 4)
        for (probe, error) in comparison.errors { #expect(error <= 1e-6, "real-time engine: \(probe) differs by \(error) of its peak") }
    }

    @Test("a held state that moves from the first instant: the first fixed step integrates all of it, in both engines")
    func firstStepFromHeldState() throws {
        // An integrator of a DC input from out_ic = 0: y = 1000·t, which the trapezoidal rule
        // integrates exactly. Its state's capacitor carries current from t = 0; a first step
        // that took that current as 0 (as both engines did until 2026-12-01) integrated half of
        // it, and every later point lagged by half a step (y = 1000·(t − h/2)).
        var c = try circuit("V1 in 0 1\nA1 in out integ\n.model integ int(gain=1000 out_lower_limit=-100 out_upper_limit=100)\nR1 out 0 1k\n.tran 1m 10m\n")
        guard case .transient(var spec)? = c.analyses.first else { Issue.record("no .tran"); return }
        spec.maxStep = nil
        let (realtime, _) = try Simulator(c).realtimeTransient(spec, probes: [.voltage("out")])
        c.options.fixedStep = true
        let reference = try Simulator(c).transient(spec, probes: [.voltage("out")])
        let (y, z) = (try #require(realtime.values(.voltage("out"))), try #require(reference.values(.voltage("out"))))
        #expect(y.count == 11 && z.count == 11)
        for (k, t) in realtime.time.enumerated() {
            #expect(abs(y[k] - 1000 * t) < 1e-9, "real time, t = \(t): \(y[k])")
            #expect(abs(z[k] - 1000 * t) < 1e-9, "reference, t = \(t): \(z[k])")
        }
    }

    @Test("a sine oscillator at a fixed control is the sine of its frequency")
    func fixedSine() throws {
        let c = try circuit("""
            Vc c 0 0.25
            A1 c out osc
            .model osc sine(cntl_array=[0 1] freq_array=[1k 5k] out_low=-1 out_high=2)
            R1 out 0 1k
            """)
        // The phase ramps exactly (its first step is first-order, from the operating point's 0); the
        // output at the grid is interpolated between the solver's points, (2π·f·h)²/8 of its peak.
        let r = try Simulator(c).transient(TransientSpec(step: 1e-5, stop: 1e-3, maxStep: 1e-7), probes: [.voltage("out"), .voltage("a1#phase")])
        let y = try #require(r.values(.voltage("out")))
        let phase = try #require(r.values(.voltage("a1#phase")))
        let worstPhase = zip(r.time, phase).map { abs($1 - 2000 * $0) }.max() ?? 1
        let worst = zip(r.time, y).map { abs($1 - (0.5 + 1.5 * sin(2 * Double.pi * 2000 * $0))) }.max() ?? 1
        #expect(worstPhase < 1e-12, "phase off by \(worstPhase) cycles")
        #expect(worst < 4e-8, "worst \(worst)")
    }

    @Test("int: the integral from out_ic (held at DC), and a state that stops where the output's rounding begins")
    func integrator() throws {
        // out = 0.25 + 2000·∫(0.2 + sin(ωt) + 0.1) dt while within the limits; then the state stops
        // at 1.5 − 0.2 and turns back as soon as the input does.
        let c = try circuit("""
            V1 in 0 DC 0.2 SIN(0.2 1 1k)
            A1 in out x7
            .model x7 int(gain=2000 in_offset=0.1 out_ic=0.25 out_lower_limit=-1 out_upper_limit=1.5 limit_range=0.2)
            R1 out 0 1k
            * a current integrated: 1 µA into a 0 V input for the charge, as ngspice's manual measures a capacitor's
            I1 0 q 1u
            A2 %i(q) charge count
            .model count int(out_lower_limit=-1e12 out_upper_limit=1e12 limit_range=1e-9)
            R2 charge 0 1k
            """)
        let op = try Simulator(c).operatingPoint()
        let (out0, charge0) = (try #require(op.voltage("out")), try #require(op.voltage("charge")))
        #expect(abs(out0 - 0.25) < 1e-12 && abs(charge0) < 1e-12)
        let r = try Simulator(c).transient(TransientSpec(step: 5e-6, stop: 3e-3, maxStep: 5e-7), probes: [.voltage("out"), .voltage("charge")])
        let out = try #require(r.values(.voltage("out"))), charge = try #require(r.values(.voltage("charge")))
        let w = 2 * Double.pi * 1000
        for (k, t) in r.time.enumerated() where t <= 4e-4 {
            // Within the first step's error: it is first-order, 2000·ω·h²/2 = 1.6 µV at h = 0.5 µs.
            let exact = 0.25 + 2000 * (0.3 * t + (1 - cos(w * t)) / w)
            #expect(abs(out[k] - exact) < 2e-6, "t = \(t): \(out[k]) against \(exact)")
        }
        for (k, t) in r.time.enumerated() { #expect(abs(charge[k] - 1e-6 * t) < 1e-15, "t = \(t)") }
        // The state never passes 1.5 − 0.2, and it reaches it within the gate's 0.2.
        let peak = out.max() ?? 0
        #expect(peak <= 1.3 + 1e-6 && peak > 1.1, "peak \(peak)")
    }

    @Test("d_dt: gain·dx/dt + out_offset, rounded into its limits; at DC the rounding of 0, as in ngspice")
    func differentiator() throws {
        // 1 mA/V·d/dt of a 1 kHz, 1 V sine: 6.283·cos(ωt) + 0.1, held within −3 … 5 (rounded over 0.5).
        let c = try circuit("""
            V1 in 0 DC 0.2 SIN(0.2 1 1k)
            A1 in out d
            .model d d_dt(gain=1m out_offset=0.1 out_lower_limit=-3 out_upper_limit=5 limit_range=0.5)
            R1 out 0 1k
            """)
        let dc = try #require(Simulator(c).operatingPoint().voltage("out"))
        #expect(abs(dc) < 1e-12)
        let r = try Simulator(c).transient(TransientSpec(step: 5e-6, stop: 2e-3, maxStep: 2e-7), probes: [.voltage("out")])
        let y = try #require(r.values(.voltage("out")))
        let w = 2 * Double.pi * 1000
        var compared = 0
        for (k, t) in r.time.enumerated() where t > 2e-5 {
            let line = 1e-3 * w * cos(w * t) + 0.1
            guard line > -2.5 && line < 4.5 else { continue }  // away from the rounded limits
            #expect(abs(y[k] - line) < 2e-4, "t = \(t): \(y[k]) against \(line)")
            compared += 1
        }
        #expect(compared > 100)
        #expect(abs((y.min() ?? 0) + 3) < 1e-9 && abs((y.max() ?? 0) - 5) < 1e-9)
    }

    @Test("errors name the element, the model or the parameter at fault", arguments: [
        ("A1 a b i1\n.model i1 int(gain=1)", "int needs out_lower_limit (it has no default)"),
        ("A1 a b i1\n.model i1 int(out_lower_limit=-1 out_upper_limit=1 limit_range=0.6)", "limit_range ≤ a quarter of their difference"),
        ("A1 a b x1\n.model x1 s_xfer(num_coeff=[1 2 3] den_coeff=[1 1] int_ic=[0])", "numerator's degree (2) exceeds the denominator's (1)"),
        ("A1 a b x1\n.model x1 s_xfer(num_coeff=[1] den_coeff=[1 1 1] int_ic=[0])", "int_ic needs 2 values"),
        ("A1 a b x1\n.model x1 s_xfer(num_coeff=[1] den_coeff=[0 1])", "leading coefficient other than 0"),
        ("A1 a b x1\n.model x1 s_xfer(num_coeff=[1] den_coeff=[1 1] denormalized_freq=0)", "denormalized_freq must be positive"),
        ("A1 a b x1\n.model x1 s_xfer(den_coeff=[1 1])", "s_xfer needs num_coeff and den_coeff"),
        ("A1 a b x1\n.model x1 d_dt(gain=1)", "d_dt needs out_lower_limit (it has no default)"),
        ("A1 a b x1\n.model x1 slew(rise_slope=1)", "'slew' is not supported"),
        ("A1 a b z\n.model z zener(v_breakdown=5)", "zener needs i_breakdown (it has no default)"),
        ("A1 a b d\n.model d sidiode(ron=0)", "sidiode needs positive ron"),
        ("A1 a b d\n.model d sidiode(roff=-5)", "sidiode needs positive ron, roff"),
        ("A1 a b x1\n.model x1 hyst(in_low=2 in_high=1)", "hyst needs in_low < in_high"),
        ("A1 a c o\n.model o sine(cntl_array=[0 1] freq_array=[1k])", "the same length"),
        ("A1 a c o\n.model o triangle(cntl_array=[0 1] freq_array=[1k 2k] duty_cycle=1)", "duty_cycle must lie between 0 and 1"),
        ("A1 a c o\n.model o sine(cntl_array=[1 0] freq_array=[1k 2k])", "cntl_array must increase"),
        ("A1 a c o\n.model o sine(cntl_array=[0] freq_array=[-5])", "one frequency must be positive"),
        ("A1 a b c p\n.model p potentiometer(position=1.5)", "position from 0 to 1"),
        ("A1 a %v(b) c p\n.model p potentiometer()", "port cannot be %v; it takes %g"),
        ("A1 a %v(c) s1\n.model s1 aswitch()", "port cannot be %v; it takes %gd"),
        ("A1 a %gd(c 0) s1\n.model s1 aswitch(cntl_on=0)", "cntl_on and cntl_off must differ"),
        ("A1 a %gd(c 0) s1\n.model s1 aswitch(log=yes)", "log is TRUE or FALSE"),
        ("A1 a b b2 c l1\n.model l1 climit(limit_range=0)", "limit_range must be positive"),
        ("A1 a c p1\n.model p1 pwl(x_array=[0 1 1] y_array=[0 1 2])", "x_array must increase (1.0, then 1.0)"),
        ("A1 a c p1\n.model p1 pwl(x_array=[0 1] y_array=[0 1 2])", "the same length"),
        ("A1 a c p1\n.model p1 pwl(x_array=[0 1 2] y_array=[0 1 0] input_domain=0.6)", "within 1e-12 … 0.5"),
        ("A1 a c p1\n.model p1 pwl(x_array=[0 1 1.5] y_array=[0 1 0] input_domain=0.3 fraction=false)", "the corner at 1.0 has less"),
        ("A1 a b g1\n.model g1 gain(gian=2)", "gain has no parameter 'gian'"),
        ("A1 [a b] c s1\n.model s1 summer(in_gain=[1 2 3])", "needs 2 values, one per input; found 3"),
        ("A1 [a] c m1\n.model m1 mult()", "a mult takes two inputs or more"),
        ("A1 a c m1\n.model m1 summer()", "is a vector of ports, written in brackets"),
        ("A1 [a b c m1\n.model m1 summer()", "'[' is never closed"),
        ("A1 a %g(c) g1\n.model g1 gain()", "port cannot be %g"),
        ("A1 %vnam Vx c l1\n.model l1 limit()", "port cannot be %vnam"),
        ("A1 a c l1\n.model l1 limit(out_lower_limit=-1 out_upper_limit=1 limit_range=1.5)", "limit_range ≤ half their difference"),
        ("A1 a b c d1\n.model d1 divide(den_lower_limit=1m den_domain=2m)", "0 < den_domain < den_lower_limit"),
        ("A1 a c l1\n.model l1 limit(fraction=maybe)", "fraction is TRUE or FALSE"),
        ("A1 a c g1\n.model g1 gain(gain=[1 2])", "one value, not a vector"),
        ("A1 a c d g1\n.model g1 gain(gain=2)", "a gain takes 2 ports (in out), found 3"),
        ("A1 a c dm\n.model dm D(IS=1n)", "not an XSPICE code model"),
        ("A1 a c ad\n.model ad adc_bridge(in_low=0.1)", "'adc_bridge' is not supported"),
        ("A1 a %v(c c2) g1\n.model g1 gain()", "')' expected after the port's nodes"),
        ("A1 null c g1\n.model g1 gain()", "'null'"),
        ("A1 (a 0) (m 0) w\n.model w lcouple(num_turns=0)\nA2 m 0 k\n.model k core(H_array=[-1 1] B_array=[-1 1] area=1 length=1)", "num_turns must be a number other than 0"),
        ("A1 %v(a) (m 0) w\n.model w lcouple()\nA2 m 0 k\n.model k core(H_array=[-1 1] B_array=[-1 1] area=1 length=1)", "port cannot be %v"),
        ("A1 (a 0) (m 0) w\n.model w lcouple()\nA2 m 0 k\n.model k core(H_array=[-1 1] B_array=[-1 1])", "core needs area and length"),
        ("A1 (a 0) (m 0) w\n.model w lcouple()\nA2 m 0 k\n.model k core(H_array=[1 -1] B_array=[-1 1] area=1 length=1)", "core's H_array must increase"),
        ("A1 (a 0) (m 0) w\n.model w lcouple()\nA2 m 0 k\n.model k core(H_array=[-1 1] B_array=[-1 1] area=1 length=1 mode=3)", "mode is 1 (pwl) or 2"),
        ("A1 (a 0) (m 0) w\n.model w lcouple()\nA2 m 0 k\n.model k core(H_array=[-1 1] B_array=[-1 1] area=-1 length=1)", "area and length must be positive"),
    ])
    func errors(_ netlist: String, _ message: String) throws {
        let e = try #require(error("Vin a 0 1\nR1 c 0 1k\n" + netlist + "\n"))
        #expect(e.description.contains(message), "\(e.description)")
        #expect(e.description.contains("test.cir:"), "\(e.description)")
    }

    @Test("lcouple and core: a transformer on a saturating core agrees with ngspice (with hysteresis too); on a straight B-H line it is two coupled inductors")
    func magneticCircuit() throws {
        // With hysteresis (mode=2), measured: 4·10⁻⁶ to 7·10⁻⁵ RMS; the real-time engine as the
        // reference simulator at the same step (its leg's switch a device). The saturating core
        // (Netlists/saturating-transformer.cir) runs with the other netlists through both engines.
        let (url, _, _, _, errors) = try againstFixture("hysteresis-core")
        #expect(errors.count == 3)
        for (probe, error) in errors { #expect(error < 1e-3, "\(probe): \(error) RMS") }
        let comparison = try ProcessorTests.comparison(loadCircuit(url))
        #expect(comparison.errors.count >= 3)
        for (probe, error) in comparison.errors { #expect(error <= 1e-6, "real-time engine: \(probe) differs by \(error) of its peak") }

        // A straight B-H line, μ = 4·10⁻⁶: L = N²·μ·A/l, 96.1 mH and 384.4 mH with k = 1, as K couples them.
        let windings = try circuit("""
            V1 in 0 AC 1
            R1 in p 10
            a1 (p 0) (m1 0) primary
            .model primary lcouple(num_turns=155)
            a2 (m1 m2) iron
            .model iron core(H_array=[-100 100] B_array=[-4e-4 4e-4] area=0.01 length=0.01)
            a3 (s 0) (m2 0) secondary
            .model secondary lcouple(num_turns=310)
            Rload s 0 1k
            """)
        let coupled = try circuit("""
            V1 in 0 AC 1
            R1 in p 10
            L1 p 0 0.0961
            L2 0 s 0.3844
            K1 L1 L2 1
            Rload s 0 1k
            """)
        let sweep = ACSweep(.decade, points: 5, start: 10, stop: 100_000)
        let a = try #require(Simulator(windings).ac(sweep, probes: [.voltage("s")]).phasors(.voltage("s")))
        let b = try #require(Simulator(coupled).ac(sweep, probes: [.voltage("s")]).phasors(.voltage("s")))
        try #require(a.count == b.count && a.count > 20)
        for k in a.indices {
            #expect((a[k] - b[k]).length <= 1e-9 * b[k].length, "\(k): \(a[k]) against \(b[k])")
        }
        // Wound as the manual's example (both mmf ports from the core's node to ground), the two
        // windings' mmfs oppose around the core: the secondary's voltage is inverted at mid-band, as
        // L2 written from 0 to s is (and as ngspice's is, Netlists/saturating-transformer.cir).
        #expect(a[10].real < 0)
    }
}

