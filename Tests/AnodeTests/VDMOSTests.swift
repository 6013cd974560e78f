import Foundation
import Testing
@testable import Anode

/// The power MOSFET (VDMOS) against its equations written out here, its Jacobians against central
/// differences, its multiplier against parts in parallel, and its cards' errors. Its agreement with
/// ngspice is in the fixtures of Netlists/vdmos-curves.cir, vdmos-switch.cir and
/// circuits/mosfet-class-ab.cir (NgspiceAgreementTests).
@Suite("VDMOS")
struct VDMOSTests {
    func circuit(_ text: String) throws(NetlistError) -> Circuit { try Circuit(netlistText: "test\n" + text, file: "test.cir") }

    /// VTO 2, KP 4, LAMBDA 0.02, THETA 0.05, MTRIODE 0.8, KSUBTHRES 0.2, SUBSHIFT 0.1.
    func card(pChannel: Bool = false) throws -> VDMOS {
        var p = VDMOS.Parameters()
        p.pChannel = pChannel
        p.thresholdVoltage = pChannel ? -2 : 2
        p.transconductance = 4
        p.lambda = 0.02
        p.theta = 0.05
        p.triodeMultiplier = 0.8
        p.subthresholdSlope = 0.2
        p.subthresholdShift = 0.1
        p.minimumGateDrainCapacitance = 50e-12
        p.maximumGateDrainCapacitance = 2e-9
        p.gateDrainShape = 0.3
        return try VDMOS(p)
    }

    /// The law as the ngspice manual and `vdmosload.c` state it, written out independently.
    func expected(vgs: Double, vds: Double) -> Double {
        let forward = vds >= 0
        let vg = forward ? vgs : vgs - vds
        let vov = 0.2 * log1p(exp((vg - 2 - 0.1) / 0.2))
        let betap = 4 * (1 + 0.02 * vds) / (1 + 0.05 * vgs)
        let u = 0.8 * abs(vds)
        let id = vov <= u ? betap * vov * vov / 2 : betap * u * (vov - u / 2)
        return forward ? id : -id
    }

    @Test("channel current: saturation, MTRIODE's triode, weak inversion and reverse, N- and P-channel",
          arguments: [(5.0, 10.0), (5, 1), (5, 3.5), (1.5, 10), (0, 5), (3, -1), (4, -0.2), (2.2, 0.01)])
    func channelCurrent(_ vgs: Double, _ vds: Double) throws {
        let n = try card(), p = try card(pChannel: true)
        let id = expected(vgs: vgs, vds: vds)
        let fromN = n.portCurrents(PortVector(vgs, vds, 0, 0))
        let fromP = p.portCurrents(PortVector(-vgs, -vds, 0, 0))
        #expect(abs(fromN.current[1] - id) <= 1e-13 * abs(id) + 1e-300, "N: \(fromN.current[1]) against \(id)")
        #expect(abs(fromP.current[1] + id) <= 1e-13 * abs(id) + 1e-300, "P: \(fromP.current[1]) against \(-id)")
        #expect(fromN.current[0] == 0 && fromN.conductance[0, 0] == 0 && fromN.conductance[0, 1] == 0)
        checkJacobian(.vdmos(n), at: PortVector(vgs, vds, 0, 0))
        checkJacobian(.vdmos(p), at: PortVector(-vgs, -vds, 0, 0))
        checkJacobian(.vdmos(n), at: PortVector(vgs, vds, 0, 0), charges: true)
        checkJacobian(.vdmos(p), at: PortVector(-vgs, -vds, 0, 0), charges: true)
    }

    @Test("beyond Vgs = −1/THETA the mobility factor 1 + THETA·Vgs is held at 10⁻³, its Jacobian with it")
    func mobilityFloor() throws {
        // Vgs −30 V with THETA 0.05: 1 + THETA·Vgs = −0.5. Reverse mode, Vgd = 10 V conducts.
        let m = try card()
        let vov = 0.2 * log1p(exp((10 - 2 - 0.1) / 0.2)), u = 0.8 * 40.0
        let betap = 4 * (1 + 0.02 * -40) / 1e-3
        let id = -betap * vov * vov / 2
        let got = m.portCurrents(PortVector(-30, -40, 0, 0))
        #expect(abs(got.current[1] - id) <= 1e-12 * abs(id), "\(got.current[1]) against \(id) (u = \(u))")
        checkJacobian(.vdmos(m), at: PortVector(-30, -40, 0, 0))
    }

    @Test("gate-drain capacitance: CGDMIN far below, CGDMAX far above, its charge's slope, nothing at zero volts")
    func gateDrainCapacitance() throws {
        let m = try card()
        let s = (2e-9 - 50e-12) / (1 + Double.pi / 2)
        #expect(abs(m.gateDrainCharge(1e6).c - 2e-9) < 1e-18)
        #expect(abs(m.gateDrainCharge(-1e9).c - 50e-12) < 1e-17)  // s·(π/2 − atan(3·10⁸)), 4·10⁻¹⁸
        #expect(abs(m.gateDrainCharge(0).c - (2e-9 - s)) < 1e-24)
        #expect(m.gateDrainCharge(0).q == 0)
        // Continuous across zero, where the law turns from atan to tanh.
        #expect(abs(m.gateDrainCharge(1e-9).q - m.gateDrainCharge(-1e-9).q) < 1e-17)
        for v in [-200.0, -20, -3, -0.5, 0.5, 3, 20, 200] {
            let h = 1e-5 * max(1, abs(v))
            let slope = (m.gateDrainCharge(v + h).q - m.gateDrainCharge(v - h).q) / (2 * h)
            let c = m.gateDrainCharge(v).c
            #expect(abs(slope - c) <= 1e-7 * c, "dQ/dv \(slope) against C \(c) at \(v) V")
        }
    }

    @Test("m = 2 is two parts in parallel: operating point, AC and terminal currents")
    func multiplier() throws {
        let card = """
        .model X VDMOS(Vto=3 Kp=5 lambda=0.01 Rg=3 Rd=0.1 Rs=0.05 Rb=0.02 Rds=1Meg Cgs=1n Cgdmin=0.1n Cgdmax=1n Cjo=1n Is=1e-12 TT=20n)
        Vd vdd 0 DC 20
        Vg in 0 DC 3.5 AC 1

        """
        let doubled = try circuit(card + "Rl vdd d 5\nRg in g 100\nM1 d g 0 X m=2\n.end\n")
        let pair = try circuit(card + "Rl vdd d 5\nRg in g 100\nM1 d g 0 X\nM2 d g 0 X\n.end\n")
        let a = try Simulator(doubled).operatingPoint(), b = try Simulator(pair).operatingPoint()
        let vd = try #require(a.voltage("d")), pairVd = try #require(b.voltage("d"))
        #expect(vd < 19 && abs(vd - pairVd) < 1e-9, "\(vd) against \(pairVd)")
        let sweep = ACSweep(.decade, points: 3, start: 1e3, stop: 10e6)
        let probe = Probe.voltage("d")
        let acA = try #require(Simulator(doubled).ac(sweep, probes: [probe]).values(probe))
        let acB = try #require(Simulator(pair).ac(sweep, probes: [probe]).values(probe))
        for (x, y) in zip(acA, acB) { #expect(abs(x - y) <= 1e-9 * abs(y), "\(x) against \(y)") }
        // The body diode conducts backwards: the drain's current leaves through the source.
        let reverse = try Simulator(circuit(card.replacingOccurrences(of: "DC 20", with: "DC -2") + "Rl vdd d 5\nM1 d 0 0 X\n.end\n")).operatingPoint()
        let id = try #require(reverse.terminalCurrents.first { $0.probe.description == "id(m1)" }?.current)
        let source = try #require(reverse.terminalCurrents.first { $0.probe.description == "is(m1)" }?.current)
        #expect(id < -0.1 && abs(id + source) < 1e-12, "id \(id), is \(source)")
    }

    @Test("a VDMOS card: its PCHAN flag in either form, and what it reports")
    func cards() throws {
        let inParentheses = try circuit(".model P VDMOS(pchan Vto=-4 Kp=8)\nM1 d g 0 P\nVd d 0 -10\nVg g 0 -5\n.op\n.end\n")
        let bare = try circuit(".model P VDMOS pchan Vto=-4 Kp=8\nM1 d g 0 P\nVd d 0 -10\nVg g 0 -5\n.op\n.end\n")
        for c in [inParentheses, bare] {
            guard case .vdmos(_, _, _, let m)? = c.elements.first(where: { $0.name == "M1" })?.kind else {
                Issue.record("M1 is not a VDMOS")
                continue
            }
            #expect(m.polarity == -1)
            let current = try #require(Simulator(c).operatingPoint().current("Vd"))
            #expect(current > 1, "the P-channel part conducts from source to drain: i(Vd) = \(current)")
        }
        // LTspice's part data and the effects Anode leaves out are reported, each once.
        let reported = try circuit(".model N VDMOS(Vto=4 Kp=5 mfg=IR Vds=200 Ron=0.18 Qg=70n Rthjc=0.4 Cthj=5m)\nM1 d g 0 N\nVd d 0 10\nVg g 0 5\n.end\n")
        let warning = try #require(reported.warnings.first).message
        #expect(reported.warnings.count == 1)
        for name in ["MFG", "VDS", "RON", "QG", "RTHJC", "CTHJ"] { #expect(warning.contains(name), "\(warning)") }
        #expect(warning.contains("MFG, VDS, RON, QG (LTspice's part data"), "\(warning)")
    }

    @Test("a fourth and fifth node, ngspice's thermal nodes, are left unconnected with a warning, as ngspice leaves them")
    func thermalNodes() throws {
        let card = ".model N VDMOS(Vto=3 Kp=5 Rg=2 Rb=0.1 Is=1e-12 subslope=0.2)\nVd d 0 DC 10\nVg g 0 DC 3.5\n"
        let three = try circuit(card + "M1 d g 0 N\n.end\n")
        let four = try circuit(card + "M1 d g 0 0 N\n.end\n")
        let five = try circuit(card + "M1 d g 0 tj tc N\n.end\n")
        let expected = try #require(Simulator(three).operatingPoint().current("Vd"))
        #expect(expected < -0.5)
        for (c, nodes) in [(four, "0"), (five, "tj, tc")] {
            #expect(try Simulator(c).operatingPoint().current("Vd") == expected)
            let warning = c.warnings.first { $0.message.hasPrefix("M1:") }?.message ?? ""
            #expect(warning.contains("\(nodes) (ngspice's temperature node") && warning.contains("left unconnected"), "\(c.warnings)")
        }
        // Nothing else reaches tj and tc: they are not nodes of the circuit.
        #expect(try Simulator(five).operatingPoint().voltage("tj") == nil)
        // ngspice 39 reads SUBSLOPE and does not use it: reported, and no change.
        #expect(three.warnings.contains { $0.message.contains("SUBSLOPE") })
    }

    @Test("quasi-saturation: RD + RQ·Vds/(Vds + VQ) in forward, RD in reverse, its Jacobian; what makes it absent")
    func quasiSaturation() throws {
        let q = QuasiSaturationResistance(resistance: 0.1, quasiSaturationResistance: 0.5, quasiSaturationVoltage: -50, polarity: 1, gmin: 1e-12)
        // Vds 30 V, 2 V across the resistance: 2/(0.1 + 0.5·30/80) + GMIN·2.
        let forward = q.portCurrents(PortVector(30, 28, 0, 0)).current[0]
        #expect(abs(forward - (2 / (0.1 + 0.5 * 30 / 80) + 2e-12)) < 1e-13)
        #expect(abs(q.portCurrents(PortVector(-3, -1, 0, 0)).current[0] - (-2 / 0.1)) < 1e-13)
        let p = QuasiSaturationResistance(resistance: 0.1, quasiSaturationResistance: 0.5, quasiSaturationVoltage: 50, polarity: -1, gmin: 1e-12)
        #expect(abs(p.portCurrents(PortVector(-30, -28, 0, 0)).current[0] + forward) < 1e-13)
        for v in [PortVector(30, 28, 0, 0), PortVector(5, 4.9, 0, 0), PortVector(-3, -1, 0, 0)] {
            checkJacobian(.quasiSaturation(q), at: v)
            checkJacobian(.quasiSaturation(p), at: -v)
        }
        // Both RQ and VQ, and a nonzero RD, or no quasi-saturation (ngspice's acts on RD; with RD = 0
        // it has nothing to act on, and ngspice 39 fails to solve).
        let card = "M1 d g 0 N\nVd d 0 10\nVg g 0 5\n.end\n"
        let full = try circuit(".model N VDMOS(Vto=4 Kp=5 Rd=0.1 Rq=0.5 Vq=100)\n" + card)
        guard case .vdmos(_, _, _, let m)? = full.elements.first?.kind else { Issue.record("no VDMOS"); return }
        #expect(m.quasiSaturation != nil && full.warnings.isEmpty, "\(full.warnings)")
        for (text, reason) in [("Rd=0.1 Rq=0.5", "it needs both RQ and VQ"), ("Rq=0.5 Vq=100", "it acts on RD, which is 0")] {
            let c = try circuit(".model N VDMOS(Vto=4 Kp=5 \(text))\n" + card)
            guard case .vdmos(_, _, _, let m)? = c.elements.first?.kind else { Issue.record("no VDMOS"); continue }
            #expect(m.quasiSaturation == nil)
            #expect(c.warnings.contains { $0.message.contains("no quasi-saturation: \(reason)") }, "\(c.warnings)")
        }
    }

    @Test("errors name the instance or parameter at fault", arguments: [
        (".model N VDMOS(Vto=4)\nM1 d g 0 tj N thermal\n", "self-heating (`thermal`) is not modeled"),
        (".model N VDMOS(Vto=4)\nM1 d g 0 N L=1u\n", "a VDMOS instance takes m, temp and dtemp"),
        (".model N VDMOS(Vto=4 ksubthres=0)\nM1 d g 0 N\n", "KSUBTHRES"),
        (".model N VDMOS(Vto=4 Rb=-1)\nM1 d g 0 N\n", "RB"),
        (".model N VDMOS(Vto=4 W=1)\nM1 d g 0 N\n", "unknown parameter 'w'"),
        (".model N VDMOS(Vto=4 level=3)\nM1 d g 0 N\n", "a VDMOS card has no LEVEL"),
        (".model N VDMOS(Vto=4)\nM1 d g 0 N m=0\n", "multiplier"),
        (".model N VDMOS(Vto=4 Rd=1 Rq=1 Vq=0)\nM1 d g 0 N\n", "VQ must not be zero"),
    ])
    func errors(_ text: String, _ message: String) {
        do {
            _ = try circuit(text + "Vd d 0 1\nVg g 0 1\n.end\n")
            Issue.record("no error for \(text)")
        } catch {
            #expect(error.message.contains(message), "\(error.message)")
            #expect(error.location != nil, "\(error.message) has no location")
        }
    }
}
