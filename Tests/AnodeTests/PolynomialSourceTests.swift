import Foundation
import Testing
import Anode

/// SPICE2's POLY(N) controlled sources. Their agreement with ngspice is checked by
/// `Netlists/poly-sources.cir` (products of voltages included) and `circuits/tube-screamer.cir` (the
/// TL072 macromodel); here the values against the polynomials worked out by hand, the elements they
/// become, and the errors.
@Suite("POLY controlled sources")
struct PolynomialSourceTests {
    func circuit(_ text: String) throws(NetlistError) -> Circuit { try Circuit(netlistText: "test\n" + text, file: "test.cir") }

    func error(_ text: String) -> NetlistError? {
        do { _ = try circuit(text); return nil } catch { return error }
    }

    @Test("E, G, F and H sum their controls' terms and a constant, as the polynomial says")
    func values() throws {
        let c = try circuit("""
            Va a 0 DC 1
            Vb b 0 DC 2
            * V(e) = 0.3 + 2·V(a) − 0.5·V(b) = 1.3, node pairs in parentheses
            E1 e 0 POLY(2) (a,0) (b,0) 0.3 2 -0.5
            Re e 0 1k
            * 1 mA + 1 mA/V·V(a) + 0·V(b) + zero product terms, out of g into ground: V(g) = −2 V
            G1 g 0 POLY(2) a 0 b 0 1m 1m 0 0 0 0
            Rg g 0 1k
            * i(Va1) = 1 mA, i(Vb1) = 0.5 mA: 3·i(Va1) − i(Vb1) = 2.5 mA into f
            Va1 a sa 0
            Ra sa 0 1k
            Vb1 b sb 0
            Rb sb 0 4k
            F1 0 f POLY(2) Va1 Vb1 0 3 -1
            Rf f 0 1k
            * H: 0.05 V + 1k·i(Va1) = 1.05 V
            H1 h 0 POLY(1) Va1 0.05 1k
            Rh h 0 1k
            * Only a constant: 0.25 V on top of V(e)
            E2 e2 e POLY(1) a 0 0.25 0
            Re2 e2 0 1k
            """)
        let op = try Simulator(c).operatingPoint()
        #expect(abs(op.voltage("e")! - 1.3) < 1e-12)
        #expect(abs(op.voltage("g")! - -2) < 1e-12)
        #expect(abs(op.voltage("f")! - 2.5) < 1e-12)
        #expect(abs(op.voltage("h")! - 1.05) < 1e-12)
        #expect(abs(op.voltage("e2")! - 1.55) < 1e-12)
        // The elements they became: the source's own name first, a term per nonzero coefficient.
        let names = c.elements.map(\.name)
        for name in ["E1", "E1#2", "E1#0", "G1", "G1#0", "F1", "F1#2", "H1", "H1#0", "E2"] {
            #expect(names.contains(name), "\(name) in \(names)")
        }
        #expect(!names.contains("G1#2"), "a zero coefficient adds no element")
        // The constant-only source is a plain 0.25 V source under E2's own name, so i(E2) reads it.
        guard case .voltageSource(_, _, let source)? = c.element(named: "E2")?.kind else {
            Issue.record("E2 is \(String(describing: c.element(named: "E2")?.kind))")
            return
        }
        #expect(source.dc == 0.25)
    }

    @Test("inside a subcircuit, controls and inner nodes are the instance's")
    func subcircuit() throws {
        let c = try circuit("""
            .subckt sum x y out
            E1 out 0 POLY(2) x 0 y 0 0 1 1
            .ends
            V1 a 0 DC 1.5
            V2 b 0 DC 0.25
            X1 a b s sum
            Rl s 0 1k
            """)
        let op = try Simulator(c).operatingPoint()
        #expect(abs(op.voltage("s")! - 1.75) < 1e-12)
        #expect(c.element(named: "x1.E1#2") != nil)
    }

    @Test("product terms in SPICE's order: voltages' as a behavioral source, currents' an error naming them")
    func productTerms() throws {
        // POLY(2): p3 = x1², p4 = x1·x2, p5 = x2², p6 = x1³; x1 = 1.5, x2 = −0.5.
        let c = try circuit("""
            V1 a 0 1.5
            V2 b 0 -0.5
            E1 e 0 POLY(2) a 0 b 0 0.25 1 2 0.5 -1 3 0.1
            Re e 0 1k
            G1 0 g POLY(2) (a,0) (b,0) 0 0 0 0 1m
            Rg g 0 1k
            E2 z 0 POLY(2) a 0 b 0 0 1 1 0 0 0
            Rz z 0 1k
            """)
        let op = try Simulator(c).operatingPoint()
        let (x1, x2) = (1.5, -0.5)
        #expect(abs(op.voltage("e")! - (0.25 + x1 + 2 * x2 + 0.5 * x1 * x1 - x1 * x2 + 3 * x2 * x2 + 0.1 * x1 * x1 * x1)) < 1e-12)
        #expect(abs(op.voltage("g")! - 1e-3 * x1 * x2 * 1e3) < 1e-12)
        #expect(abs(op.voltage("z")! - (x1 + x2)) < 1e-12)
        guard case .behavioralSource? = c.element(named: "G1")?.kind else {
            Issue.record("G1 is \(String(describing: c.element(named: "G1")?.kind))")
            return
        }
        // Zero product coefficients keep the linear elements.
        guard case .voltageControlledVoltageSource? = c.element(named: "E2")?.kind else {
            Issue.record("E2 is \(String(describing: c.element(named: "E2")?.kind))")
            return
        }
        // A product of currents names the term: POLY(2) p4 = x1·x2, POLY(3) p8 = x2·x3, p10 = x1³.
        let vs = "V1 a 0 1\nR1 a 0 1k\nV2 b 0 1\nR2 b 0 1k\nV3 c 0 1\nR3 c 0 1k\n"
        let p4 = error(vs + "F1 0 f POLY(2) V1 V2 0 1 1 0 2\nRf f 0 1k\n")
        #expect(p4?.message.contains("p4 multiplies x1·x2, a term of degree 2") == true, "\(String(describing: p4))")
        #expect(p4?.location?.line == 8 && p4?.location?.column == 30, "\(String(describing: p4?.location))")
        #expect(error(vs + "H1 h 0 POLY(3) V1 V2 V3 0 1 1 1 0 0 0 0 5\nRh h 0 1k\n")?.message.contains("p8 multiplies x2·x3") == true)
        #expect(error(vs + "H1 h 0 POLY(3) V1 V2 V3 0 1 1 1 0 0 0 0 0 0 7\nRh h 0 1k\n")?.message.contains("p10 multiplies x1·x1·x1, a term of degree 3") == true)
        #expect(error(vs + "H1 h 0 POLY(3) V1 V2 V3 0 1 1 1 0 0 0 0 0 0 0\nRh h 0 1k\n") == nil)
    }

    @Test("malformed POLY sources are errors at their place")
    func errors() {
        // One coefficient: SPICE2's gain, ngspice's constant — neither silently.
        let one = error("V1 a 0 1\nE1 e 0 POLY(1) a 0 3\nR1 e 0 1k\n")
        #expect(one?.message.contains("one coefficient") == true && one?.message.contains("POLY(1) … 0 3") == true)
        #expect(one?.location?.line == 3 && one?.location?.column == 20)
        #expect(error("V1 a 0 1\nE1 e 0 POLY a 0 0 3\nR1 e 0 1k\n")?.message.contains("POLY needs its number of controls") == true)
        #expect(error("V1 a 0 1\nE1 e 0 POLY(0) 0 3\nR1 e 0 1k\n")?.message.contains("POLY needs its number of controls") == true)
        #expect(error("V1 a 0 1\nE1 e 0 POLY(x) a 0 0 3\nR1 e 0 1k\n")?.message.contains("POLY needs its number of controls") == true)
        #expect(error("V1 a 0 1\nE1 e 0 POLY(2) a 0 a 0\nR1 e 0 1k\n")?.message.contains("POLY(2) needs 4 control nodes and at least one coefficient") == true)
        #expect(error("V1 a 0 1\nF1 f 0 POLY(2) V1\nR1 f 0 1k\n")?.message.contains("POLY(2) needs 2 controlling voltage sources") == true)
        #expect(error("V1 a 0 1\nR2 a 0 1k\nF1 f 0 POLY(1) R2 0 1\nR1 f 0 1k\n")?.message.contains("must be a voltage source, not 'R2'") == true)
        #expect(error("V1 a 0 1\nE1 e 0 POLY(1) a 0 0 gain=2\nR1 e 0 1k\n")?.message.contains("unexpected '='") == true)
        #expect(error("V1 a 0 1\nE1 e 0 POLY(1) a 0 0 {1/0}\nR1 e 0 1k\n") != nil)
        // A controlling source that does not exist is the same error as for a linear F.
        func simulationError(_ text: String) -> String? {
            do { _ = try Simulator(circuit(text)); return nil } catch { return "\(error)" }
        }
        let missing = simulationError("V1 a 0 1\nF1 f 0 POLY(1) Vx 0 1\nR1 f 0 1k\n")
        #expect(missing != nil && missing == simulationError("V1 a 0 1\nF1 f 0 Vx 1\nR1 f 0 1k\n"), "\(String(describing: missing))")
        // The netlist may not use an inner node's name.
        let clash = error("V1 a 0 1\nE1 e 0 POLY(2) a 0 a 0 0 1 1\nR1 e 0 1k\nR2 e1#poly1 0 1k\n")
        #expect(clash?.message.contains("inner node of E1") == true, "\(String(describing: clash))")
        // Still unsupported: CHEBYSHEV, with its own message (LAPLACE: see LTspiceNetlistTests.laplaceForms).
        #expect(error("V1 a 0 1\nE1 e 0 CHEBYSHEV {V(a)} = LP 800 1.2K .1dB 50dB\nR1 e 0 1k\n")?.message.contains("PSpice's CHEBYSHEV sources are not supported") == true)
    }
}
