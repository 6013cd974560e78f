import Foundation
import Testing
import Anode

/// Behavioral sources (B, E/G with VALUE). Their agreement with ngspice, in both engines, is
/// checked by `Netlists/behavioral-sources.cir` and `Netlists/behavioral-triode.cir`; here the
/// derivatives against finite differences, ngspice's function semantics, the forms of the line,
/// and the errors.
@Suite("Behavioral sources")
struct BehavioralSourceTests {
    typealias Operation = BehavioralSource.Operation

    func circuit(_ text: String) throws(NetlistError) -> Circuit { try Circuit(netlistText: "test\n" + text, file: "test.cir") }

    func error(_ text: String) -> NetlistError? {
        do { _ = try circuit(text); return nil } catch { return error }
    }

    /// The value of `expression` of the voltages of nodes a (1.3 V) and b (−0.7 V), read at node e.
    func value(_ expression: String) throws -> Double {
        let c = try circuit("Va a 0 DC 1.3\nVb b 0 DC -0.7\nB1 e 0 V={\(expression)}\nRe e 0 1k\n")
        return try #require(try Simulator(c).operatingPoint().voltage("e"))
    }

    /// Central differences of `f` in each of the first `n` lanes at `v`.
    func numericGradient(_ f: (PortVector) -> Double, at v: PortVector, lanes n: Int) -> PortVector {
        var g = PortVector()
        for k in 0..<n {
            let h = 1e-6 * max(1, abs(v[k]))
            var up = v, down = v
            up[k] += h
            down[k] -= h
            g[k] = (f(up) - f(down)) / (2 * h)
        }
        return g
    }

    /// LTspice's time integrals (ngspice has none: checked against the closed form).
    @Test("idt() and sdt(): the time integral from its start, held there at DC; AC 1/(jω); both engines; one state per subcircuit instance")
    func timeIntegrals() throws {
        let text = "Vin a 0 DC 0 AC 1 SIN(0 1 1k)\nB1 o 0 V={idt(v(a), 0.5) + 2*sdt(v(a))}\nR1 o 0 1k\n"
            + ".subckt integ in out\nB1 out 0 V={idt(v(in))}\nR1 out 0 1k\n.ends\nEb b 0 a 0 3\nX1 a o1 integ\nX2 b o2 integ\n.tran 10u 2m\n"
        let c = try circuit(text)
        #expect(abs(try #require(try Simulator(c).operatingPoint().voltage("o")) - 0.5) < 1e-12)
        guard case .transient(let spec)? = c.analyses.first(where: { $0.kind == .tran }) else { Issue.record("no .tran"); return }
        let r = try Simulator(c).transient(spec)
        let (o, o1, o2) = (try #require(r["v(o)"]), try #require(r["v(o1)"]), try #require(r["v(o2)"]))
        let w = 2 * Double.pi * 1000
        var worst = 0.0, instances = 0.0
        for (k, t) in r.time.enumerated() {
            // 0.5 + 3·(1 − cos ωt)/ω; X2 integrates three times X1's input.
            worst = max(worst, abs(o[k] - (0.5 + 3 * (1 - cos(w * t)) / w)))
            instances = max(instances, abs(o2[k] - 3 * o1[k]))
        }
        #expect(worst < 1e-6 && (o.max() ?? 0) > 0.5 + 5 / w, "worst \(worst)")
        #expect(instances < 1e-9 && (o1.max() ?? 0) > 1.5 / w, "\(instances)")
        let ac = try #require(try Simulator(c).ac(ACSweep(.linear, points: 1, start: 1000, stop: 1000), probes: [Probe("vm(o)")!]).values(Probe("vm(o)")!))
        #expect(abs(ac[0] - 3 / w) < 1e-12, "\(ac[0]) against \(3 / w)")
        let realtime = try ProcessorTests.comparison(c)
        #expect(!realtime.errors.isEmpty)
        for (probe, error) in realtime.errors { #expect(error <= 1e-6, "\(probe): \(error) of its peak") }
        // What is not supported says so.
        for (line, message) in [("B1 o 0 V={idt(v(a), 0, v(r))}", "third argument"), ("B1 o 0 V={idt(idt(v(a)))}", "of an integral"),
                                ("B1 o 0 V={idt(v(a), v(a))}", "must be a constant"), ("R1 o 0 {idt(1)}", "is a time integral")] {
            let e = error("Va a 0 1\n\(line)\nR2 o 0 1k\n.op\n")
            #expect(e?.message.contains(message) == true, "\(line): \(e?.message ?? "no error")")
        }
    }

    @Test("every function's gradient matches finite differences", arguments: BehavioralSource.UnaryFunction.allCases)
    func unaryGradients(_ f: BehavioralSource.UnaryFunction) throws {
        // x = 0.37·v0 − 0.2·v1 + shift, inside the function's domain at v = (0.6, 0.4): 0.142, or
        // 1.642 for acosh and 0.542 for u2's slope.
        let shift = f == .acosh ? 1.5 : (f == .clampedRamp ? 0.4 : 0)
        let program: [Operation] = [.constant(0.37), .voltage(plus: 0, minus: -1), .binary(.multiply),
                                    .constant(0.2), .voltage(plus: 1, minus: -1), .binary(.multiply), .binary(.subtract),
                                    .constant(shift), .binary(.add), .unary(f)]
        let source = try #require(BehavioralSource(program: program, ports: 2, outputPlus: 0, outputMinus: -1))
        let v = PortVector(0.6, 0.4, 0, 0)
        let d = source.value(at: v)
        let numeric = numericGradient({ source.value(at: $0).value }, at: v, lanes: 2)
        for k in 0..<2 {
            #expect(abs(d.gradient[k] - numeric[k]) <= 1e-6 * max(1, abs(numeric[k])), "\(f): lane \(k) \(d.gradient[k]) against \(numeric[k])")
        }
    }

    @Test("every two-argument function's gradient matches finite differences, on both sides of zero",
          arguments: BehavioralSource.BinaryFunction.allCases, [PortVector(0.8, 1.7, 0, 0), PortVector(-0.8, 2.3, 0, 0), PortVector(1.1, -0.6, 0, 0)])
    func binaryGradients(_ f: BehavioralSource.BinaryFunction, _ v: PortVector) throws {
        let program: [Operation] = [.voltage(plus: 0, minus: -1), .voltage(plus: 1, minus: -1), .binary(f)]
        let source = try #require(BehavioralSource(program: program, ports: 2, outputPlus: 0, outputMinus: 1))
        let d = source.value(at: v)
        let numeric = numericGradient({ source.value(at: $0).value }, at: v, lanes: 2)
        for k in 0..<2 {
            #expect(abs(d.gradient[k] - numeric[k]) <= 1e-6 * max(1, abs(numeric[k])), "\(f) at \(v): lane \(k) \(d.gradient[k]) against \(numeric[k])")
        }
        // The port currents: +I into the output's + terminal, −I into its − terminal, with the gradient.
        let i = source.portCurrents(v)
        #expect(i.current[0] == d.value && i.current[1] == -d.value)
        #expect(i.conductance[0, 1] == d.gradient[1] && i.conductance[1, 0] == -d.gradient[0])
    }

    @Test("functions and operators mean what they mean in ngspice's B source")
    func semantics() throws {
        // Checked in ngspice-39: pwr is signed, ^ ** and pow take |x|, log is natural.
        #expect(abs(try value("pwr(v(b),2)") + 0.49) < 1e-12)
        #expect(abs(try value("pwrs(v(b),2)") + 0.49) < 1e-12)
        #expect(abs(try value("v(b)^3") - pow(0.7, 3)) < 1e-12)
        #expect(abs(try value("v(b)**3") - pow(0.7, 3)) < 1e-12)
        #expect(abs(try value("pow(v(b),3)") - pow(0.7, 3)) < 1e-12)
        #expect(abs(try value("log(v(a))") - log(1.3)) < 1e-12)
        #expect(abs(try value("log10(v(a))") - log10(1.3)) < 1e-12)
        #expect(try value("u(v(b)) + 10*u(v(a)) + 100*uramp(v(b)) + 1000*sgn(v(b))") == -990)
        // PSpice's and LTspice's limit(x, a, b), bounds in either order (ngspice has none).
        #expect(abs(try value("limit(v(a),-1,1) + 10*limit(v(b),1,-0.5) + 100*limit(v(b),-1,1)") - (1 - 5 - 70)) < 1e-12)
        // ngspice's u(0) is ½, and u2 clamps to [0, 1].
        #expect(abs(try value("u(0*v(a)) + 10*u2(v(a)-1) + 100*u2(v(a))") - 103.5) < 1e-12)
        #expect(abs(try value("v(a,b)") - 2.0) < 1e-12)
        #expect(try value("v(a) > 1 ? 5 : 7") == 5)
        #expect(try value("if(v(b) >= 0, 5, 7)") == 7)
        #expect(try value("ternary_fcn(v(b) >= 0, 5, 7) + 10*ternary_fcn(v(a), 1, 2)") == 17)
        // x⁰ = 1 at x = 0 too, with a finite slope (ngspice-39: 1).
        #expect(try value("pwr(v(a)-1.3, 0) + 10*pow(v(a)-1.3, 0) + 100*(v(a)-1.3)^0") == 111)
        #expect(try value("v(a) > 1 && v(b) > 0 || !(v(b) == -0.7)") == 0)
        #expect(abs(try value("min(v(a), v(b), 0.1) + 10*max(v(a), v(b), 0.1)") - (-0.7 + 13)) < 1e-12)
        #expect(abs(try value("atan2(v(b), v(a)) + floor(v(b)) + ceil(v(a))") - (atan2(-0.7, 1.3) - 1 + 2)) < 1e-12)
        // ngspice-39's nint takes halves to the even integer, in a B source and in .param alike:
        // nint(2.5) = 2, nint(-2.5) = -2, nint(3.5) = 4, nint(2.6) = 3.
        #expect(try value("nint(2.5+0*v(a)) + 10*nint(-2.5+0*v(a)) + 100*nint(3.5+0*v(a)) + 1000*nint(2.6)") == 2 - 20 + 400 + 3000)
        let c = try circuit(".param x={nint(2.5) + 10*nint(-2.5) + 100*nint(3.5) + 1000*round(2.5)}\nV1 a 0 {x}\nR1 a 0 1k\n")
        guard case .voltageSource(_, _, let source)? = c.element(named: "V1")?.kind else { Issue.record("no V1"); return }
        #expect(source.dcValue == 2 - 20 + 400 + 3000)
    }

    @Test("B, E and G forms: braces or none, VALUE with or without '=', parameters, .func and subcircuits")
    func forms() throws {
        let c = try circuit("""
            .param k=2
            .func sq(x) {x*x}
            .subckt amp in out params: g=3
            E1 out 0 VALUE = {g*sq(V(in))}
            .ends
            Va a 0 DC 0.5
            B1 b1 0 V=k * v(a) + 1
            E2 e2 0 VALUE {k*v(a)}
            G1 0 g1 VALUE={1m*v(a)}
            Rg g1 0 1k
            B2 0 b2 I = 1m * sq(v( a ))
            Rb b2 0 1k
            X1 a x amp g=4
            """)
        let op = try Simulator(c).operatingPoint()
        #expect(abs(op.voltage("b1")! - 2) < 1e-12)
        #expect(abs(op.voltage("e2")! - 1) < 1e-12)
        #expect(abs(op.voltage("g1")! - 0.5) < 1e-12)
        #expect(abs(op.voltage("b2")! - 0.25) < 1e-12)
        #expect(abs(op.voltage("x")! - 1) < 1e-12)
        // A voltage source is a VCVS under its own name (its branch current is i(B1)), a 1 Ω node
        // and the expression's current; a current source is the device alone.
        guard case .voltageControlledVoltageSource(_, _, let control, _, gain: 1)? = c.element(named: "B1")?.kind else {
            Issue.record("B1 is \(String(describing: c.element(named: "B1")?.kind))")
            return
        }
        #expect(control.name == "b1#value")
        #expect(c.element(named: "B1#r") != nil && c.element(named: "B1#value") != nil)
        guard case .behavioralSource(let terminals, let source)? = c.element(named: "G1")?.kind else {
            Issue.record("G1 is \(String(describing: c.element(named: "G1")?.kind))")
            return
        }
        // Ports as node pairs: the output (0, g1), then v(a) = (a, 0); 1m·v(a) folded to one multiply.
        #expect(terminals.map(\.name) == ["0", "g1", "a", "0"])
        #expect(source.program == [.constant(1e-3), .voltage(plus: 1, minus: -1), .binary(.multiply)])
        #expect(source.outputPlus == 0 && source.outputMinus == -1)
    }

    @Test("tables: TABLE holds its end values, pwl() extends its end segments, as in ngspice; slopes are the segments'")
    func tables() throws {
        // Values checked in ngspice-39 at V(a) = 3: TABLE gives 2, pwl() 6.
        let c = try circuit("""
            V1 a 0 DC 3
            E1 e1 0 TABLE {V(a)} = (-1,-2) (0,0) (1,2)
            E2 e2 0 TABLE {V(a)*0.25} (-1,-2) (0,0) (1,2)
            B3 e3 0 V=pwl(V(a), -1,-2, 0,0, 1,2)
            G4 0 e4 TABLE {V(a)-2.5} = (-1,-2m) (0,0) (1,2m)
            B5 e5 0 V={table(v(a), 0,1, 1,3) + 10*pwl(v(a)-0.7, 0,0, 1,1)}
            R1 e1 0 1k
            R2 e2 0 1k
            R3 e3 0 1k
            R4 e4 0 1k
            R5 e5 0 1k
            """)
        let op = try Simulator(c).operatingPoint()
        for (node, expected) in [("e1", 2.0), ("e2", 1.5), ("e3", 6.0), ("e4", 1.0), ("e5", 3 + 23.0)] {
            #expect(abs(op.voltage(node)! - expected) < 1e-12, "\(node): \(op.voltage(node)!)")
        }
        // The slope inside, beyond the ends (held or extended), and at a breakpoint (the right segment's).
        let points: [Double] = [-1, -2, 0, 0, 1, 0.5]
        for (x, clamped, value, slope) in [(0.5, true, 0.25, 0.5), (-0.5, false, -1, 2), (3.0, true, 0.5, 0), (3.0, false, 1.5, 0.5),
                                           (-3.0, true, -2, 0), (-3.0, false, -6, 2), (0.0, true, 0, 0.5)] {
            let source = try #require(BehavioralSource(program: [.voltage(plus: 0, minus: -1), .table(start: 0, count: 3, clamped: clamped)],
                                                       tables: points, ports: 1, outputPlus: 0, outputMinus: -1))
            let d = source.value(at: PortVector(x, 0, 0, 0))
            #expect(abs(d.value - value) < 1e-15 && abs(d.gradient[0] - slope) < 1e-15, "x \(x) clamped \(clamped): \(d)")
        }
        // A table outside its points, or with x decreasing, is refused.
        #expect(BehavioralSource(program: [.voltage(plus: 0, minus: -1), .table(start: 2, count: 3, clamped: true)], tables: points,
                                 ports: 1, outputPlus: 0, outputMinus: -1) == nil)
        #expect(BehavioralSource(program: [.voltage(plus: 0, minus: -1), .table(start: 0, count: 3, clamped: true)], tables: [0, 0, 1, 1, 0.5, 2],
                                 ports: 1, outputPlus: 0, outputMinus: -1) == nil)
        #expect(error("V1 a 0 1\nE1 e 0 TABLE {v(a)} = (0,0) (1,1) (0.5,2)\nR1 e 0 1k\n")?.message.contains("must not decrease") == true)
        #expect(error("V1 a 0 1\nE1 e 0 TABLE {v(a)} = (0,0) (1)\nR1 e 0 1k\n")?.message.contains("needs pairs") == true)
        #expect(error("V1 a 0 1\nE1 e 0 TABLE v(a) = (0,0) (1,1)\nR1 e 0 1k\n")?.message.contains("in braces") == true)
        #expect(error("V1 a 0 1\nB1 e 0 V={pwl(v(a), 0,0, v(a),1)}\nR1 e 0 1k\n")?.message.contains("must be constants") == true)
        #expect(error("V1 a 0 1\nB1 e 0 V={pwl(v(a), 1,0, 0,1)}\nR1 e 0 1k\n")?.message.contains("must not decrease") == true)
        // In parameters too.
        #expect(abs(try value("pwl(2, 0,0, 1,1) + table(2, 0,0, 1,1)*10") - 12) < 1e-12)
    }

    @Test("branch currents: of a voltage source, inside a subcircuit, of an inductor and of a CCVS")
    func branchCurrents() throws {
        let c = try circuit("""
            V1 a 0 DC 2
            Vsense a b 0
            Rl b 0 1k
            B1 c 0 V={1k*i(Vsense)}
            Rc c 0 1k
            .subckt mirror x y
            Vs x 0 0
            G1 0 y VALUE={0.5*i(Vs)}
            .ends
            Rx c xin 500
            X1 xin o mirror
            Ro o 0 1k
            L1 c d 1m
            Rd d 0 10
            H1 e 0 Vsense 100
            Re e 0 1k
            Bf f 0 V={i(L1) + i(H1)}
            Rf f 0 1k
            """)
        let op = try Simulator(c).operatingPoint()
        // i(Vsense) = 2 mA: V(c) = 2 V; the mirror's Vs carries 2 V/500 Ω = 4 mA, half of it into o.
        #expect(abs(op.voltage("c")! - 2) < 1e-12)
        #expect(abs(op.voltage("o")! - 2) < 1e-9)
        // i(L1) = 2 V/10 Ω = 0.2 A; i(H1) = −V(e)/1 kΩ = −0.2 mA (its branch current flows from e through H1).
        #expect(abs(op.voltage("f")! - (0.2 + op.current("H1")!)) < 1e-12)
        #expect(abs(op.current("H1")! - -0.2e-3) < 1e-12)
        // The terminal that reads a current is no node of the circuit.
        #expect(!c.nodes.contains { $0.isBranchCurrent })
    }

    @Test("i() of behavioral and controlled sources: the current from the output's + node through the source")
    func outputCurrents() throws {
        let c = try circuit("""
            V1 a 0 DC 0.5
            R1 a b 1k
            B1 0 b I={-1m*v(b)}
            B2 c 0 V={2*v(b)}
            R2 c 0 1k
            E3 e 0 b 0 2
            R3 e 0 1k
            G4 g 0 VALUE={1m*v(b)}
            R4 g 0 1k
            """)
        let probes = ["i(B1)", "i(B2)", "i(E3)", "i(G4)", "v(b)"].compactMap(Probe.init)
        let r = try Simulator(c).transient(TransientSpec(step: 1e-5, stop: 1e-4), probes: probes)
        let vb = try #require(r.values(probes[4])?.last)
        // B1: −1 mA/V·V(b) from ground through B1 into b; B2 and E3 drive 1 k with 2·V(b) (their
        // branch current flows from + through the source: negative); G4: 1 mA/V·V(b) from g to ground.
        for (k, expected) in [-1e-3 * vb, -2 * vb / 1e3, -2 * vb / 1e3, 1e-3 * vb].enumerated() {
            let value = try #require(r.values(probes[k])?.last)
            #expect(abs(value - expected) < 1e-12, "\(probes[k]): \(value), expected \(expected)")
        }
        // The small-signal current too (AC): G4's is 1 mA/V times v(b)'s.
        let sweep = ACSweep(.linear, points: 1, start: 1000, stop: 1000)
        let ac = try Simulator(try circuit("V1 a 0 DC 0.5 AC 1\nR1 a b 1k\nR2 b 0 1k\nG4 g 0 VALUE={1m*v(b)*v(b)}\nR4 g 0 1k\n.ac lin 1 1k 1k"))
            .ac(sweep, probes: [Probe("ir(G4)")!, Probe("vr(b)")!])
        let ig = try #require(ac.values(Probe("ir(G4)")!)?.first), vbac = try #require(ac.values(Probe("vr(b)")!)?.first)
        #expect(abs(ig - 2e-3 * 0.25 * vbac) < 1e-12, "\(ig) against \(2e-3 * 0.25 * vbac)")
    }

    @Test("time: the voltage of a node a ramp source holds at the time, added once; 0 at the operating point")
    func time() throws {
        let c = try circuit("""
            .param time0=1m
            B1 a 0 V={2*time + time0}
            Ra a 0 1k
            G1 0 b VALUE={1m*time}
            Rb b 0 1k
            """)
        #expect(c.elements.filter { $0.name == "#time" }.count == 1)
        #expect(abs(try Simulator(c).operatingPoint().voltage("a")! - 1e-3) < 1e-15)
        let probes = [Probe("v(a)")!, Probe("v(b)")!]
        let r = try Simulator(c).transient(TransientSpec(step: 1e-4, stop: 1e-3), probes: probes)
        for (k, t) in r.time.enumerated() {
            #expect(abs(r.values(probes[0])![k] - (2 * t + 1e-3)) < 1e-12, "at \(t)")
            #expect(abs(r.values(probes[1])![k] - t) < 1e-12, "at \(t)")
        }
    }

    @Test("Koren's triode as behavioral sources has the built-in model's operating point and gain")
    func koren() throws {
        let behavioral = try loadCircuit(Paths.netlists.appendingPathComponent("behavioral-triode.cir"))
        let builtIn = try loadCircuit(Paths.circuits.appendingPathComponent("12ax7-common-cathode.cir"))
        let a = try Simulator(behavioral).operatingPoint(), b = try Simulator(builtIn).operatingPoint()
        for node in ["plate", "cathode", "grid"] {
            #expect(abs(a.voltage(node)! - b.voltage(node)!) <= 1e-6 * max(1, abs(b.voltage(node)!)), "\(node): \(a.voltage(node)!) against \(b.voltage(node)!)")
        }
        let sweep = ACSweep(.linear, points: 1, start: 1000, stop: 1000)
        let gain = try #require(Probe("vdb(out)"))
        let ga = try #require(try Simulator(behavioral).ac(sweep, probes: [gain]).values(gain))
        let gb = try #require(try Simulator(builtIn).ac(sweep, probes: [gain]).values(gain))
        #expect(abs(ga[0] - gb[0]) < 1e-4, "\(ga[0]) dB against \(gb[0]) dB")
    }

    @Test("a resistor whose value reads the circuit is a behavioral resistor: i = m·V/R; one of parameters stays a resistor")
    func behavioralResistor() throws {
        let c = try circuit("""
            .param r0=1k
            V1 a 0 3
            R1 a b 1k
            Rx b 0 r='{r0} * (1 + V(b))' m=2
            Rp a 0 r='{r0}*2'
            .tran 1u 2u
            """)
        if case .resistor(_, _, let r)? = c.element(named: "Rp")?.kind { #expect(r == 2000) } else { Issue.record("Rp is not a resistor") }
        if case .behavioralSource? = c.element(named: "Rx")?.kind {} else { Issue.record("Rx is not behavioral") }
        // V(b) = 3·R/(1k + R) with R = 1k·(1 + V(b))/2 (two in parallel): V(b) = √3.
        guard case .transient(let spec)? = c.analyses.first else { Issue.record("no .tran"); return }
        let tran = try Simulator(c).transient(spec, probes: [.voltage("b"), .current("Rx"), .current("R1")])
        let vb = try #require(tran["v(b)"]?.last), ix = try #require(tran["i(rx)"]?.last), i1 = try #require(tran["i(r1)"]?.last)
        #expect(abs(vb - 3.0.squareRoot()) < 1e-9)
        #expect(abs(ix - vb / (1000 * (1 + vb) / 2)) < 1e-12)
        #expect(abs(ix - i1) < 1e-12)
        // Temperature coefficients on such a value are reported, not dropped.
        #expect(error("V1 a 0 1\nR1 a 0 r='1k*(1+V(a))' tc1=0.01\n")?.message.contains("temperature coefficients of a value that reads the circuit") == true)
    }

    @Test("malformed behavioral sources are errors at their place")
    func errors() {
        let malformed = error("V1 a 0 1\nB1 e 0 V={2*i(V1,V2)}\nR1 e 0 1k\n")
        #expect(malformed?.message.contains("i(V1,V2): expected the name of one element") == true, "\(String(describing: malformed))")
        #expect(malformed?.location?.line == 3 && malformed?.location?.column == 13, "\(String(describing: malformed?.location))")
        // A current of an element that has no branch is an error of the network, naming both.
        do {
            _ = try Simulator(circuit("V1 a 0 1\nR2 a 0 1k\nB1 e 0 V={2*i(R2)}\nR1 e 0 1k\n"))
            Issue.record("no error for i(R2)")
        } catch {
            #expect("\(error)".contains("B1: no element named 'r2' with a branch current to read"), "\(error)")
        }
        #expect(error("V1 a 0 1\nB1 e 0 V={v(a)*timer}\nR1 e 0 1k\n")?.message.contains("unknown parameter 'timer'") == true)
        #expect(error("V1 a 0 1\nB1 e 0 V={db(v(a))}\nR1 e 0 1k\n")?.message.contains("'db' is not available") == true)
        #expect(error("V1 a 0 1\nB1 e 0 V={v(a)*gain}\nR1 e 0 1k\n")?.message.contains("unknown parameter 'gain'") == true)
        #expect(error("V1 a 0 1\nB1 e 0 V={v(a)+sqrt(-1)}\nR1 e 0 1k\n")?.message.contains("no finite value") == true)
        #expect(error("V1 a 0 1\nB1 e 0 V={v(a)%2}\nR1 e 0 1k\n")?.message.contains("'%' is not available") == true)
        // A value with none at the operating point (the ngspice manual's log of −2) names its source.
        do {
            _ = try Simulator(circuit("V1 a 0 1\nV2 b 0 -2\nE41 e 0 vol='V(a)*log(V(b))'\nR1 e 0 1k\n")).operatingPoint()
            Issue.record("no error for log(-2)")
        } catch {
            #expect("\(error)".contains("E41 has no finite value at its port voltages"), "\(error)")
        }
        #expect(error("V1 a 0 1\nB1 e 0 V={v(a,b,c)}\nR1 e 0 1k\n")?.message.contains("expected one node or two") == true)
        #expect(error("V1 a 0 1\nB1 e 0 X={v(a)}\nR1 e 0 1k\n")?.message.contains("expected V= or I=") == true)
        #expect(error("V1 a 0 1\nB1 e 0 V=\nR1 e 0 1k\n")?.message.contains("the expression is missing") == true)
        let rpar = error("V1 a 0 1\nB1 e 0 V={v(a)} Rpar=1Meg\nR1 e 0 1k\n")
        #expect(rpar?.message.contains("'Rpar' after the expression") == true && rpar?.location?.column == 17, "\(String(describing: rpar))")
        #expect(error("V1 a 0 1\nG1 e e VALUE={v(a)}\nR1 e 0 1k\n")?.message.contains("both output nodes") == true)
        // Five node pairs (the output's and four read), ten nodes: neither way fits four ports.
        let wide = error("V1 a 0 1\nG1 p n VALUE={v(a,b)*v(c,d)*v(e,f)*v(g,h)}\nR1 p n 1k\n")
        #expect(wide?.message.contains("reads at most four voltages") == true, "\(String(describing: wide))")
        // Three pairs over six nodes fit as pairs.
        #expect(error("V1 a 0 1\nG1 p n VALUE={v(a,b)*v(c,d)}\nR1 p n 1k\nR2 a b 1k\nR3 c d 1k\nR4 b 0 1\nR5 d 0 1\nR6 n 0 1\n") == nil)
        // A chain of 17 nested sums needs more than 16 stack entries.
        let deep = (0..<17).map { _ in "(v(a)+" }.joined() + "1" + String(repeating: ")", count: 17)
        #expect(error("V1 a 0 1\nB1 e 0 V={\(deep.replacingOccurrences(of: "+1)", with: "+v(a))"))}\nR1 e 0 1k\n")?.message.contains("nests too deeply") == true)
        #expect(error("V1 a 0 1\nB1 e 0 V={v(a)}\nR1 e 0 1k\nR2 b1#value 0 1k\n")?.message.contains("inner node of B1") == true)
        // Functions that double the expression at every level stop at a size, not in memory.
        let doubling = (1...30).map { ".func f\($0)(x) {f\($0 - 1)(x) + f\($0 - 1)(x)}" }.joined(separator: "\n")
        let huge = error(".func f0(x) {x}\n" + doubling + "\nV1 a 0 1\nB1 e 0 V={f30(v(a))}\nR1 e 0 1k\n")
        #expect(huge?.message.contains("expands to more than 4096 operations") == true, "\(String(describing: huge))")
    }

    @Test("a rounded table (XSPICE's pwl and core) is the line plus each corner's parabola, written out; its corners' ranges may not cross")
    func roundedTable() throws {
        // Points (−2, −1), (0, 0), (1, 2), (4, 2.5): corners at 0 (slopes ½, 2) and at 1 (slopes 2, ⅙), widths 0.4 and 0.5.
        let points: [Double] = [-2, -1, 0, 0, 1, 2, 4, 2.5, 0.4, 0.5]
        let source = try #require(BehavioralSource(program: [.voltage(plus: 0, minus: -1), .roundedTable(start: 0, count: 4)],
                                                   tables: points, ports: 1, outputPlus: 0, outputMinus: -1))
        // The sum as ngspice's cm_smooth_corner defines it, every corner evaluated.
        func written(_ x: Double) -> (Double, Double) {
            var (y, dy) = x < 0 ? (x / 2, 0.5) : x < 1 ? (2 * x, 2.0) : (2 + (x - 1) / 6, 1.0 / 6)
            for (corner, d, bend) in [(0.0, 0.4, 1.5), (1.0, 0.5, 1.0 / 6 - 2)] {
                let s = min(max(x - corner, -d), d)
                y += bend * ((s + d) * (s + d) / (4 * d) - max(s, 0))
                if abs(x - corner) < d { dy += bend * ((s + d) / (2 * d) - (s > 0 ? 1 : 0)) }
            }
            return (y, dy)
        }
        for x in stride(from: -3.0, through: 6.0, by: 0.0625) {
            let d = source.value(at: PortVector(x, 0, 0, 0)), (y, dy) = written(x)
            #expect(abs(d.value - y) < 1e-14 && abs(d.gradient[0] - dy) < 1e-14, "x \(x): \(d) against \(y), \(dy)")
        }
        // At a corner the parabola meets both lines with their slopes: ½ at −0.4, 2 at 0.4.
        #expect(abs(source.value(at: PortVector(-0.4, 0, 0, 0)).gradient[0] - 0.5) < 1e-12)
        #expect(abs(source.value(at: PortVector(0.4, 0, 0, 0)).gradient[0] - 2) < 1e-12)
        // Widths 0.6 and 0.5 cross within the segment of length 1 between the corners; 0.5 and 0.5
        // meet, which is allowed; a table without its widths is refused.
        var crossing = points
        crossing[8] = 0.6
        #expect(BehavioralSource(program: [.voltage(plus: 0, minus: -1), .roundedTable(start: 0, count: 4)], tables: crossing,
                                 ports: 1, outputPlus: 0, outputMinus: -1) == nil)
        var wide = points
        wide[8] = 0.5
        wide[9] = 0.5
        #expect(BehavioralSource(program: [.voltage(plus: 0, minus: -1), .roundedTable(start: 0, count: 4)], tables: wide,
                                 ports: 1, outputPlus: 0, outputMinus: -1) != nil)
        #expect(BehavioralSource(program: [.voltage(plus: 0, minus: -1), .roundedTable(start: 0, count: 4)], tables: Array(points.prefix(9)),
                                 ports: 1, outputPlus: 0, outputMinus: -1) == nil)
    }
}

