import Foundation
import Testing
import Anode

/// ngspice's `.probe` forms (`alli`, `i(Q1)`, `i(M4,3)`, `vd(...)`) and the netlist KiCad writes
/// for ngspice. Agreement of `Netlists/kicad-export.cir` with ngspice is in the ngspice suite.
@Suite("ngspice .probe forms and KiCad netlists")
struct ProbeFormTests {
    static let base = """
        probe forms
        .model QN NPN(IS=1e-14 BF=100)
        .subckt STAGE in out
        Rs in out 1k
        .ends
        V1 vcc 0 9
        R1 vcc c 4.7k
        R2 vcc b 470k
        Q1 c b 0 QN
        C1 c 0 1n
        X1 c out STAGE
        Rl out 0 10k
        .tran 1u 2u

        """

    static func outputs(_ line: String) throws -> [String] {
        let circuit = try Circuit(netlistText: base + line + "\n")
        return try Simulator(circuit).printedProbes(for: .tran).map(\.description)
    }

    @Test("alli, or .probe alone, records every node voltage and every current outside subcircuits")
    func allCurrents() throws {
        let expected = ["v(vcc)", "v(c)", "v(b)", "v(out)", "i(v1)", "i(r1)", "i(r2)", "@q1[ic]", "@q1[ib]", "@q1[ie]", "i(c1)", "i(rl)"]
        #expect(try Self.outputs(".probe alli") == expected)
        #expect(try Self.outputs(".probe") == expected)
        // With .print, a probe both ask for is recorded once.
        #expect(try Self.outputs(".probe alli\n.print tran v(c) i(R1)") == expected)
        // .print's list alone is unchanged, and `alli` is only .probe's word.
        #expect(try Self.outputs(".print tran v(c)") == ["v(c)"])
        #expect(throws: NetlistError.self) { try Self.outputs(".print tran alli") }
    }

    @Test("PSpice's .probe V(*) and I(*), .TRAN/OP and SKIPBP read as their SPICE forms")
    func pspiceForms() throws {
        #expect(try Self.outputs(".probe V(*)") == Self.outputs(".save all"))
        #expect(try Self.outputs(".PROBE V(*) I(*)") == Self.outputs(".probe alli"))
        #expect(try Self.outputs(".probe I(*)") == Self.outputs(".probe alli"))
        #expect(try Set(Self.outputs(".probe v(*) v(c)")) == Set(Self.outputs(".save all")))
        // ngspice's `.save all @q1[ic]`: every node voltage and the device's current (ngspice 39's
        // raw file holds them all); `all` alone adds nothing to a `.print`'s list.
        #expect(try Self.outputs(".save all @q1[ic]") == ["@q1[ic]"] + Self.outputs(".save all"))
        #expect(try Self.outputs(".save all\n.print tran v(c)") == ["v(c)"])
        // Powers, digital states and noise have no counterpart: a warning names them.
        let powers = try Circuit(netlistText: Self.base + ".probe V(*) W(*)\n")
        #expect(powers.warnings.contains { $0.message.contains(".probe W(*)") }, "\(powers.warnings)")
        #expect(try Simulator(powers).printedProbes(for: .tran).map(\.description) == Self.outputs(".save all"))
        // `.TRAN/OP` is `.tran`; SKIPBP (skip the bias point) is UIC.
        let pspice = try Circuit(netlistText: Self.base.replacingOccurrences(of: ".tran 1u 2u", with: ".TRAN/OP 1u 2u 0 1u SKIPBP"))
        let spice = try Circuit(netlistText: Self.base.replacingOccurrences(of: ".tran 1u 2u", with: ".tran 1u 2u 0 1u uic"))
        #expect(pspice.analyses.map { "\($0)" } == spice.analyses.map { "\($0)" })
        #expect("\(spice.analyses)".contains("true"), "\(spice.analyses)")
    }

    @Test("i() of a device is every terminal's current; i(Q1,n) one terminal's, by place or letter")
    func terminals() throws {
        #expect(try Self.outputs(".probe i(Q1)") == ["ic(q1)", "ib(q1)", "ie(q1)"])
        #expect(try Self.outputs(".probe i(Q1,2) i(q1,e)") == ["ib(q1)", "ie(q1)"])
        #expect(try Self.outputs(".probe i(R1)") == ["i(r1)"])
        let error = #expect(throws: NetlistError.self) { try Self.outputs(".probe i(Q1,4)") }
        #expect(error?.description.contains("Q1 has no terminal '4'; its terminals are 1 to 3, or c, b, e") == true)
    }

    @Test("vd() is a voltage across an element, between nodes, or between terminals")
    func differential() throws {
        #expect(try Self.outputs(".probe vd(R1)") == ["v(vcc,c)"])
        #expect(try Self.outputs(".probe vd(b,c)") == ["v(b,c)"])
        #expect(try Self.outputs(".probe vd(Q1:1:2) vd(q1:b:e) vd(Q1:2:0)") == ["v(c,b)", "v(b)"])
        #expect(try Self.outputs(".probe vd(Q1:b,R1:1) vd(out,Q1:c)") == ["v(b,vcc)", "v(out,c)"])
        let error = #expect(throws: NetlistError.self) { try Self.outputs(".probe vd(Q9:1)") }
        #expect(error?.description.contains("no element named 'Q9'") == true)
        #expect(throws: NetlistError.self) { try Self.outputs(".probe vd(Q1:1:2:3)") }
    }

    @Test("a netlist as KiCad exports it reads as the same circuit written plainly")
    func kicadNetlist() throws {
        let netlist = Paths.netlists.appendingPathComponent("kicad-export.cir")
        let kicad = try loadCircuit(netlist)
        #expect(kicad.title == "KiCad schematic")
        #expect(try Circuit(netlistText: "first line\nV1 a 0 1\n.title The  amplifier\nR1 a 0 1k\n").title == "The amplifier")
        #expect(kicad.element(named: "V1")?.kind.nodes.map(\.name) == ["/in", "0"])
        #expect(kicad.element(named: "R1")?.kind.nodes.map(\.name) == ["/in", "net-_d1-k_"])
        let probes = try Simulator(kicad).printedProbes(for: .tran).map(\.description)
        #expect(probes.contains("@q1[ie]") && probes.contains("i(c1)") && probes.contains("v(net-_q1-e_)"))
        #expect(probes.filter { $0 == "v(/out)" }.count == 1)
        // The same circuit with plain node names gives the same operating point.
        var text = try String(contentsOf: netlist, encoding: .utf8)
        for (from, to) in [("Net-_D1-K_", "x"), ("Net-_Q1-B_", "b"), ("Net-_Q1-E_", "e"), ("/in", "in"), ("/vcc", "vcc"), ("/out", "out"), (" GND", " 0")] {
            text = text.replacingOccurrences(of: from, with: to)
        }
        let plain = try Circuit(netlistText: text, directory: Paths.netlists.path)
        let a = try Simulator(kicad).operatingPoint(), b = try Simulator(plain).operatingPoint()
        #expect(a.voltage("/out") == b.voltage("out") && a.voltage("/out")! > 0.1)
        #expect(a.voltage("net-_q1-b_") == b.voltage("b"))
    }
}
