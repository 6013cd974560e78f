import Foundation
import Testing
import Anode

/// Currents into device terminals (`@q1[ic]`, `Ic(Q1)`): Kirchhoff's current law at every device
/// and at the nodes around it, in both engines, where ngspice has no such values to compare with
/// (tubes) or defines them otherwise (a base–collector capacitance split by XCJC, which ngspice's
/// @q[ib] and @q[ic] leave out). The ngspice comparison itself is `Netlists/terminal-currents.cir`.
@Suite("Terminal currents")
struct TerminalCurrentTests {
    /// A triode into a pentode, a BD139 (modulated base resistance, XCJC < 1) and a transistor
    /// with RB and a split base-collector capacitance (XCJC = 0.5) but no RC, each fed through a
    /// resistor, and a MOSFET whose overlap capacitances meet its terminals directly.
    static func circuit() throws -> Circuit {
        let models = Paths.circuits.appendingPathComponent("models").path
        return try Circuit(netlistText: """
            terminal currents
            .include \(models)/tubes.lib
            .include \(models)/bjt.lib
            .model QX NPN(IS=1e-14 BF=100 RB=50 CJC=20p XCJC=0.5 CJE=30p TF=1n)
            .model NOVL NMOS(LEVEL=1 VTO=1.5 KP=200u CGSO=2n CGDO=1n CGBO=0.5n CBD=3p IS=1e-14)
            Vbp bp 0 DC 250
            Vcc vcc 0 DC 12
            Vee vee 0 DC -12
            Vin in 0 DC 0 SIN(0 2 5k 0 0 90)
            Rg1 in g1 10k
            X1 p1 g1 k1 12AX7
            Rp1 bp p1 100k
            Rk1 k1 0 1.5k
            Cc p1 g2 100n
            Rg2 g2 0 470k
            Rs2 g2 gs 1k
            X2 p2 sc gs k2 EL84
            Rp2 bp p2 5k
            Rsc bp sc 1k
            Rk2 k2 0 130
            Rb in b 470
            Q1 vcc b e BD139
            Re e vee 330
            Rb2 in b2 1k
            Q2 c2 b2 e2 QX
            Rc2 vcc c2 2.2k
            Re2 e2 vee 10k
            M1 nd in ns vee NOVL W=200u L=10u
            Rnd vcc nd 4.7k
            Rns ns vee 22k
            .tran 2u 600u
            .print tran @x1[ip] @x1[ig] @x1[ik] i(Rp1) i(Rg1) i(Rk1) @x2[ip] @x2[ig2] @x2[ig1] @x2[ik] i(Rp2) i(Rsc) i(Rs2) i(Rk2)
            + @q1[ic] @q1[ib] @q1[ie] i(Rb) i(Re) @m1[id] @m1[ig] @m1[is] @m1[ib] i(Rnd) i(Rns) i(Cc)
            + @q2[ic] @q2[ib] @q2[ie] i(Rb2) i(Rc2) i(Re2)
            .end
            """, file: "terminal-currents.cir")
    }

    /// The currents into a device's terminals add up to zero, to rounding.
    static let devices: [[(String, Double)]] = [
        [("@x1[ip]", 1), ("@x1[ig]", 1), ("@x1[ik]", 1)],
        [("@x2[ip]", 1), ("@x2[ig2]", 1), ("@x2[ig1]", 1), ("@x2[ik]", 1)],
        [("@q1[ic]", 1), ("@q1[ib]", 1), ("@q1[ie]", 1)],
        [("@q2[ic]", 1), ("@q2[ib]", 1), ("@q2[ie]", 1)],
        [("@m1[id]", 1), ("@m1[ig]", 1), ("@m1[is]", 1), ("@m1[ib]", 1)],
    ]
    /// Each terminal's current is what the elements at its node carry to it, to Newton's tolerance.
    static let nodes: [[(String, Double)]] = [
        [("@x1[ip]", 1), ("i(rp1)", -1), ("i(cc)", 1)], [("@x1[ig]", 1), ("i(rg1)", -1)], [("@x1[ik]", 1), ("i(rk1)", 1)],
        [("@x2[ip]", 1), ("i(rp2)", -1)], [("@x2[ig2]", 1), ("i(rsc)", -1)], [("@x2[ig1]", 1), ("i(rs2)", -1)],
        [("@x2[ik]", 1), ("i(rk2)", 1)],
        [("@q1[ib]", 1), ("i(rb)", -1)], [("@q1[ie]", 1), ("i(re)", 1)],
        [("@q2[ic]", 1), ("i(rc2)", -1)], [("@q2[ib]", 1), ("i(rb2)", -1)], [("@q2[ie]", 1), ("i(re2)", 1)],
        [("@m1[id]", 1), ("i(rnd)", -1)], [("@m1[is]", 1), ("i(rns)", 1)],
    ]

    @Test("the reference simulator's terminal currents obey Kirchhoff's current law, charges included")
    func kirchhoffInTheReferenceSimulator() throws {
        let circuit = try Self.circuit()
        guard case .transient(let spec)? = circuit.analyses.first else { Issue.record("no .tran"); return }
        let simulator = try Simulator(circuit)
        let result = try simulator.transient(spec, probes: simulator.printedProbes(for: .tran))
        try check(result.time.count) { name in try #require(result[name]) }
        // The output tube's grid current swings with the drive (its capacitances and its grid
        // conduction), the BD139's base current with its load.
        let grid = try #require(result["@x2[ig1]"]), base = try #require(result["@q1[ib]"])
        #expect(grid.max()! - grid.min()! > 1e-7 && base.max()! - base.min()! > 1e-5)
    }

    @Test("the real-time engine's terminal currents obey the same law and agree with the reference simulator")
    func kirchhoffInTheRealtimeEngine() throws {
        let circuit = try Self.circuit()
        guard case .transient(let spec)? = circuit.analyses.first else { Issue.record("no .tran"); return }
        let probes = try Simulator(circuit).printedProbes(for: .tran)
        let (result, _) = try Simulator(circuit).realtimeTransient(spec, probes: probes)
        try check(result.time.count) { name in try #require(result[name]) }
        for (probe, error) in try ProcessorTests.compare(circuit) {
            #expect(error <= 1e-6, "\(probe) differs from the reference simulator by \(error) of its peak")
        }
    }

    /// Checks every identity, Σ sign·probe = 0, on `count` samples of the series `values` gives by
    /// name: the devices' to 1e-9 of their largest current (behind series resistances, internal
    /// nodes hold Kirchhoff's law to Newton's tolerance, far below that), the nodes' to 1e-6 (the
    /// MNA engine's Newton iteration stops at SPICE's tolerances, reltol 1e-3 on each change).
    func check(_ count: Int, _ values: (String) throws -> [Double]) throws {
        for (identities, tolerance) in [(Self.devices, 1e-9), (Self.nodes, 1e-6)] {
            for identity in identities {
                let series = try identity.map { (try values($0.0), $0.1) }
                let scale = series.map { $0.0.map(abs).max() ?? 0 }.max() ?? 0
                var worst = 0.0
                for k in 0..<count { worst = max(worst, abs(series.reduce(0) { $0 + $1.1 * $1.0[k] })) }
                #expect(worst <= tolerance * scale, "\(identity.map(\.0)): off by \(worst) (largest current \(scale))")
            }
        }
    }

    @Test("terminal currents are named as ngspice and LTspice write them, and wrong ones are errors")
    func namesAndErrors() throws {
        #expect(Probe("@Q1[IC]") == .deviceCurrent("q1", "c"))
        #expect(Probe("Ic(Q1)") == .terminalCurrent("q1", "c"))
        #expect(Probe("ip(l1)") == Probe(.current("l1"), view: .phase))
        #expect(Probe.deviceCurrent("x2", "g2").description == "@x2[ig2]")
        #expect(Probe.terminalCurrent("x2", "g2").description == "ig2(x2)" && Probe("ig2(x2)") == .terminalCurrent("x2", "g2"))
        let base = "t\nV1 a 0 1\nR1 a b 1k\nD1 b 0 DX\n.model DX D\n.tran 1m 2m\n"
        // The operating point lists every device terminal's current.
        let op = try Simulator(Circuit(netlistText: base)).operatingPoint()
        let anode = try #require(op.current(into: "a", of: "D1")), cathode = try #require(op.current(into: "k", of: "D1"))
        #expect(abs(anode + op.current("V1")!) <= 1e-15 && anode > 1e-4 && cathode == -anode)
        #expect(op.report.contains("ia(d1) "))
        // A diode's @d1[id] is its anode's current, as in ngspice.
        let circuit = try Circuit(netlistText: base + ".print tran @d1[id] i(R1)\n")
        guard case .transient(let spec)? = circuit.analyses.first else { Issue.record("no .tran"); return }
        let tran = try Simulator(circuit).transient(spec, probes: [Probe("@d1[id]")!, .current("R1")])
        let diode = try #require(tran["@d1[id]"]), resistor = try #require(tran["i(r1)"])
        #expect(zip(diode, resistor).allSatisfy { abs($0 - $1) <= 1e-12 * abs($1) })
        func error(_ line: String) -> String {
            do { _ = try Circuit(netlistText: base + line, file: "e.cir"); return "" } catch { return error.description }
        }
        #expect(error(".print tran @r1[ic]").contains("R1 is not a device with terminals"))
        #expect(error(".print tran @d1[ic]").contains("D1 has no terminal 'c'; its terminal currents are ia, ik"))
        #expect(error(".print tran @d1[vd]").contains("unknown device parameter '@d1[vd]'"))
        #expect(error(".print ac @d1[id]").contains("not .ac"))
        #expect(error(".print tran @q9[ic]").contains("no element named 'q9'"))
        #expect(error(".print tran @d1[id]").isEmpty)
    }
}

@Suite("P-channel FET currents")
struct PChannelCurrentTests {
    /// ngspice's `@m1[id]` of a conducting PMOS is positive (its N-channel reading); LTspice's
    /// `Id(M1)` is the physical current into the drain, negative. A PNP's `@q1[ic]` is physical in
    /// both. `Netlists/pchannel-currents.cir` checks the ngspice forms against ngspice itself.
    @Test("ngspice's @m1[id] of a P-channel FET is minus LTspice's Id(M1); a PNP's @q1[ic] is Ic(Q1)")
    func signs() throws {
        let circuit = try Circuit(netlistText: """
            t
            .model PM PMOS(VTO=-1 KP=50u)
            .model PJ PJF(VTO=-2 BETA=1m)
            .model QP PNP(BF=100)
            Vss ss 0 -12
            M1 d 0 5 5 PM W=100u L=5u
            V5 5 0 5
            Rd d ss 4.7k
            J1 jd 0 js PJ
            Rjs js 0 1k
            Vjd ss jd 0
            Q1 qc 0 qe QP
            Rqe 5 qe 10k
            Rqc qc ss 1k
            .tran 1u 3u
            """)
        guard case .transient(let spec)? = circuit.analyses.first else { Issue.record("no .tran"); return }
        let names = ["@m1[id]", "Id(M1)", "@j1[id]", "Id(J1)", "@q1[ic]", "Ic(Q1)", "i(Vjd)"]
        let probes = try names.map { try #require(Probe($0)) }
        let tran = try Simulator(circuit).transient(spec, probes: probes)
        func value(_ name: String) throws -> Double {
            let probe = try #require(Probe(name))
            return try #require(tran[probe.description]?.last)
        }
        #expect(try value("@m1[id]") > 1e-4 && value("Id(M1)") == -value("@m1[id]"))
        #expect(try value("@j1[id]") > 1e-4 && value("Id(J1)") == -value("@j1[id]"))
        #expect(try abs(value("Id(J1)") - value("i(Vjd)")) <= 1e-12)
        #expect(try value("@q1[ic]") < -1e-4 && value("Ic(Q1)") == value("@q1[ic]"))
        let op = try Simulator(circuit).operatingPoint()
        #expect(try abs(op.current(into: "d", of: "M1")! - value("Id(M1)")) <= 1e-12)
    }
}
