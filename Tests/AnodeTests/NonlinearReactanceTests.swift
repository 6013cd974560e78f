import Foundation
import Numerics
import Testing
import Anode

@Suite("Nonlinear capacitors (Q=) and inductors (Flux=)")
struct NonlinearReactanceTests {
    func circuit(_ text: String) throws(NetlistError) -> Circuit { try Circuit(netlistText: "test\n" + text, file: "test.cir") }

    @Test("a current ramp into a saturating inductor and a voltage ramp across a cubic capacitor: the closed forms")
    func closedForms() throws {
        // i = 10 A/s·t through Φ = L·I·tanh(i/I) (L = 10 mH, I = 5 mA): v = dΦ/dt = L·sech²(i/I)·10 A/s.
        // v = 1 V/ms·t across Q = C0·v + C1·v³: i = (C0 + 3·C1·v²)·1000 V/s.
        let c = try circuit("""
            I1 0 a PWL(0 0 2m 20m)
            L1 a 0 Flux={10m*5m*tanh(x/5m)}
            V2 c 0 PWL(0 0 2m 2)
            C1 c 0 Q={1u*x + 0.5u*x**3}
            .tran 10u 2m
            .print tran v(a) i(V2) i(L1) i(C1)
            """)
        guard case .transient(let spec) = c.analyses[0] else { Issue.record("no .tran"); return }
        let r = try Simulator(c).transient(spec)
        let va = try #require(r.values(.voltage("a"))), iv2 = try #require(r.values(.current("V2")))
        let il = try #require(r.values(.current("L1"))), ic = try #require(r.values(.current("C1")))
        var worst = (v: 0.0, i: 0.0, c: 0.0)
        for (k, t) in r.time.enumerated() where t > 15e-6 {
            let current = 10 * t, sech = 1 / cosh(current / 5e-3)
            worst.v = max(worst.v, abs(va[k] / (10e-3 * sech * sech * 10) - 1))
            let v = 1000 * t, expected = (1e-6 + 1.5e-6 * v * v) * 1000
            worst.i = max(worst.i, abs(-iv2[k] / expected - 1))
            worst.c = max(worst.c, abs(ic[k] + iv2[k]))
            #expect(abs(il[k] - current) < 1e-9)
        }
        #expect(worst.v < 1e-3, "v(a) off by \(worst.v) relative")
        #expect(worst.i < 1e-4, "i(V2) off by \(worst.i) relative")
        #expect(worst.c < 1e-12, "i(C1) is not the current V2 drives: \(worst.c)")
    }

    @Test("linear laws are the linear elements: Q={1u*x} a 1 µF capacitor and Flux={10m*x} a 10 mH inductor, in .ac and .tran")
    func linearLaws() throws {
        func pair(_ c: String, _ l: String) throws -> Circuit {
            try circuit("V1 in 0 DC 0 AC 1 SIN(0 1 2k)\nR1 in a 100\n\(c)\n\(l)\nR2 b 0 50\n.tran 5u 2m\n.print tran v(a) v(b) i(L1)\n")
        }
        let laws = try pair("C1 a 0 Q={1u*x}", "L1 a b Flux={10m*x}"), plain = try pair("C1 a 0 1u", "L1 a b 10m")
        let sweep = ACSweep(.decade, points: 5, start: 10, stop: 100e3)
        let probes: [Probe] = [.voltage("b"), .current("C1"), .current("L1")]
        let acLaws = try Simulator(laws).ac(sweep, probes: probes), acPlain = try Simulator(plain).ac(sweep, probes: probes)
        for p in probes {
            // The inductor's 10¹² Ω paths leave 10⁻¹² of the 1 V drive.
            for (x, y) in zip(acLaws.phasors(p)!, acPlain.phasors(p)!) {
                #expect((x - y).length <= 1e-9 * y.length + 1e-11, "\(p): \(x) against \(y)")
            }
        }
        guard case .transient(let spec) = laws.analyses[0] else { Issue.record("no .tran"); return }
        let a = try Simulator(laws).transient(spec), b = try Simulator(plain).transient(spec)
        for p in [Probe.voltage("a"), .voltage("b"), .current("L1")] {
            let x = try #require(a.values(p)), y = try #require(b.values(p))
            let peak = y.map(abs).max()!
            // Both adaptive, with their own steps: within the truncation error's control.
            #expect(zip(x, y).allSatisfy { abs($0 - $1) <= 2e-3 * peak }, "\(p)")
        }
    }

    @Test("the real-time engine runs both as the reference simulator does at the same step")
    func realtime() throws {
        // A driven LC with a saturating core and a varactor-like capacitor, clipped by a diode.
        let c = try circuit("""
            V1 in 0 SIN(0 3 1k)
            R1 in a 100
            L1 a b Flux={20m*10m*tanh(x/10m)}
            C1 b 0 Q={100n*x + 20n*x*x*x/3}
            D1 b 0 dd
            R2 b 0 1k
            .model dd D(IS=1e-14 N=1.5 CJO=2p)
            .tran 10u 3m
            .print tran v(a) v(b) i(L1) i(C1)
            """)
        let errors = try ProcessorTests.compare(c)
        #expect(errors.count == 4)
        for (probe, error) in errors { #expect(error <= 1e-6, "\(probe) differs by \(error) of its peak") }
    }

    @Test("ngspice's forms: Q='…' over node voltages, C='…' (i = C·dV/dt) and L='…' (V = L·di/dt) reading the circuit: the closed forms")
    func ngspiceForms() throws {
        // A 2 V/ms ramp across Q = 1u·(8·atan(v/4) + v)/3 (the manual's) and across C = 5n below
        // 1 V, 1n above; a 10 A/s ramp through L = 1m·(1 + 100·i).
        let c = try circuit("""
            V1 a 0 PWL(0 0 1m 2)
            C1 a 0 q = '1u*(4*atan(V(a)/4)*2+V(a))/3'
            V2 c 0 PWL(0 0 1m 2)
            C2 c 0 c = 'V(c) < 1 ? 5n : 1n'
            I1 0 l PWL(0 0 1m 10m)
            Vm l m 0
            L1 m 0 L = '1m*(1 + 100*i(Vm))'
            .tran 10u 1m
            .print tran i(V1) i(V2) v(m) i(L1) i(C2)
            """)
        guard case .transient(let spec) = c.analyses[0] else { Issue.record("no .tran"); return }
        let r = try Simulator(c).transient(spec)
        let i1 = try #require(r.values(.current("V1"))), i2 = try #require(r.values(.current("V2")))
        let vm = try #require(r.values(.voltage("m"))), il = try #require(r.values(.current("L1"))), ic = try #require(r.values(.current("C2")))
        for (k, t) in r.time.enumerated() where t > 15e-6 {
            let v = 2000 * t
            // ngspice 39 at 0.5 ms: −1.91883e-03 A (its own integration error: 0.14 %).
            #expect(abs(-i1[k] / (1e-6 / 3 * (2 / (1 + v * v / 16) + 1) * 2000) - 1) < 1e-4, "i(V1) at \(t)")
            if abs(v - 1) > 0.03 { #expect(abs(-i2[k] / ((v < 1 ? 5e-9 : 1e-9) * 2000) - 1) < 1e-6, "i(V2) at \(t)") }
            #expect(abs(ic[k] + i2[k]) < 1e-15)
            #expect(abs(vm[k] / (1e-3 * (1 + 100 * 10 * t) * 10) - 1) < 1e-4, "v(m) at \(t)")
            #expect(abs(il[k] - 10 * t) < 1e-9)
        }
        // The same elements in the real-time engine, driven by sines.
        let driven = try circuit("""
            V1 a 0 SIN(0 2 1k)
            R1 a c 100
            C2 c 0 c = '5n/(1 + V(c)*V(c))'
            R2 c l 100
            L1 l m L = '1m*(1 + 100*abs(i(Vm)))'
            Vm m 0 0
            .tran 10u 3m
            .print tran v(c) i(Vm)
            """)
        for (probe, error) in try ProcessorTests.compare(driven) { #expect(error <= 1e-6, "\(probe) differs by \(error) of its peak") }
    }

    @Test("the ngspice manual's variable inductor built by hand (a B source in a loop of sources, its current fed back through F) equals the L='…' form")
    func handBuiltInductor() throws {
        // 2 mV across 0.5 mH (5 mH once the current passes 50 µA) from 0 under UIC: 4 A/s, then 0.4 A/s.
        let c = try circuit("""
            .param Ll=0.5m Lh=5m It=50u Vi=2m
            .ic v(int21) = 0
            L1 l2 lll L = 'i(Vm) < {It} ? {Ll} : {Lh}'
            vm lll 0 dc 0
            V1 l2 0 {Vi}
            F21 int21 0 B21 -1
            L21 int21 0 1
            B21 n1 n2 V = '(i(Vm21) < {It} ? {Ll} : {Lh})' * v(int21)
            vm21 n2 0 dc 0
            V21 n1 0 {Vi}
            """)
        let probes: [Probe] = [.current("vm"), .current("vm21")]
        let r = try Simulator(c).transient(TransientSpec(step: 1e-6, stop: 1e-4, useInitialConditions: true), probes: probes)
        let (a, b) = (try #require(r.values(probes[0])), try #require(r.values(probes[1])))
        #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-9 })
        // Before the switch (12.5 µs) 4 A/s; at the end 50 µA + 0.4 A/s·87.5 µs = 85 µA, plus what the
        // step in which the current passes 50 µA adds (85.25 µA; ngspice 39: 84.86 µA).
        for (t, i) in zip(r.time, a) where t <= 1.2e-5 { #expect(abs(i - 4 * t) < 1e-9, "t = \(t): \(i)") }
        #expect(abs((a.last ?? 0) - 85e-6) < 0.5e-6, "\(a.last ?? 0)")
        // A behavioral source in a loop that nothing reads the current of is still an error, from the solver.
        let loop = try circuit("V1 a 0 1\nB1 a 0 V=1\nR1 a 0 1k\n")
        #expect(throws: SimulationError.self) { try Simulator(loop).operatingPoint() }
    }

    @Test("what a law cannot be combined with is an error at its line")
    func errors() {
        for (text, message) in [("C1 a 0 1u Q={x}\n", "C1 has two values"),
                                ("C1 a 0 Q={x*1u} m=2\n", "C1: m with Q= is not supported"),
                                ("L1 a 0 Flux={x*1m} Rser=1\n", "L1: rser with Flux= is not supported"),
                                ("L1 a 0 Flux={x*1m} ic=1m\n", "L1: ic with Flux= is not supported"),
                                ("C1 a 0 Flux={x}\n", "unknown parameter 'Flux'"),
                                ("C1 a 0 C='1n*V(a)' m=2\n", "C1: m with a capacitance that reads the circuit is not supported")] {
            do {
                _ = try circuit("V1 a 0 1\nR1 a 0 1k\n" + text)
                Issue.record("no error for \(text)")
            } catch {
                #expect(error.message.contains(message), "\(error)")
                #expect(error.location?.line == 4, "\(error)")
            }
        }
    }
}

@Suite("Time derivatives in behavioral sources (ddt)")
struct BehavioralDerivativeTests {
    func circuit(_ text: String) throws(NetlistError) -> Circuit { try Circuit(netlistText: "test\n" + text, file: "test.cir") }

    @Test("I = C*ddt(v) + v/R is the capacitor and the resistor, in .tran and .ac")
    func linear() throws {
        let tail = "\n.tran 5u 3m 0 1u\n.print tran v(b)\n"
        let law = try circuit("V1 a 0 DC 0 AC 1 SIN(0 2 1k)\nR1 a b 1k\nB1 b 0 I=1u*ddt(v(b)) + v(b)/10k" + tail)
        let plain = try circuit("V1 a 0 DC 0 AC 1 SIN(0 2 1k)\nR1 a b 1k\nC1 b 0 1u\nR2 b 0 10k" + tail)
        guard case .transient(let spec) = law.analyses[0] else { Issue.record("no .tran"); return }
        let x = try #require(try Simulator(law).transient(spec).values(.voltage("b")))
        let y = try #require(try Simulator(plain).transient(spec).values(.voltage("b")))
        #expect(x.count == y.count && zip(x, y).allSatisfy { abs($0 - $1) < 1e-12 })
        let sweep = ACSweep(.decade, points: 3, start: 10, stop: 100e3)
        let ax = try Simulator(law).ac(sweep, probes: [.voltage("b")]).phasors(.voltage("b"))!
        let ay = try Simulator(plain).ac(sweep, probes: [.voltage("b")]).phasors(.voltage("b"))!
        for (p, q) in zip(ax, ay) { #expect((p - q).length < 1e-12 * q.length) }
    }

    @Test("a nonlinear charge under a voltage ramp, and V=k*ddt(v): the closed forms; the real-time engine agrees")
    func nonlinear() throws {
        // i = d(C0·v + C1·v³)/dt = (C0 + 3·C1·v²)·1000 V/s; V(d) = 1m·dv/dt = 1 V.
        let c = try circuit("""
            V2 c 0 PWL(0 0 2m 2)
            B1 c 0 I=ddt(1u*v(c) + 0.5u*v(c)**3)
            B2 d 0 V=1m*ddt(v(c))
            R3 d 0 1k
            .tran 10u 2m
            .print tran i(V2) v(d) i(B1)
            """)
        guard case .transient(let spec) = c.analyses[0] else { Issue.record("no .tran"); return }
        let r = try Simulator(c).transient(spec)
        let i = try #require(r.values(.current("V2"))), vd = try #require(r.values(.voltage("d"))), ib = try #require(r.values(.current("B1")))
        for (k, t) in r.time.enumerated() where t > 15e-6 {
            let v = 1000 * t, expected = (1e-6 + 1.5e-6 * v * v) * 1000
            #expect(abs(-i[k] / expected - 1) < 1e-4, "i(V2) at \(t)")
            #expect(abs(ib[k] + i[k]) < 1e-12)
            #expect(abs(vd[k] - 1) < 1e-6, "v(d) at \(t)")
        }
        let driven = try circuit("""
            V1 a 0 SIN(0 2 1k)
            R1 a b 1k
            B1 b 0 I=ddt(1u*v(b) + 0.2u*v(b)**3) + v(b)/10k
            D1 b 0 dd
            .model dd D(IS=1e-14 N=1.5)
            .tran 10u 3m
            .print tran v(b) i(B1)
            """)
        for (probe, error) in try ProcessorTests.compare(driven) { #expect(error <= 1e-6, "\(probe) differs by \(error) of its peak") }
    }

    @Test("ddt where its charge would not be a sum's term is an error, and so is ddt outside a behavioral source")
    func errors() {
        for (text, message) in [("B1 b 0 I=v(b)*ddt(v(b))", "ddt() is taken as a term of the expression's sum"),
                                ("B1 b 0 I=ddt(ddt(v(b)))", "ddt() is taken as a term"),
                                ("B1 b 0 I=exp(ddt(v(b)))", "ddt() is taken as a term"),
                                ("R2 b 0 r='1k + ddt(v(b))'", "ddt() in a TABLE or a behavioral resistor"),
                                ("R2 b 0 {ddt(1)}", "ddt() is a time derivative")] {
            do {
                _ = try circuit("V1 a 0 1\nR1 a b 1k\n" + text + "\n")
                Issue.record("no error for \(text)")
            } catch {
                #expect(error.message.contains(message), "\(error)")
                #expect(error.location?.line == 4, "\(error)")
            }
        }
    }
}
