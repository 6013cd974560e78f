import Foundation
import Numerics
import Testing
import Anode

@Suite("Pole-zero analysis (.pz)")
struct PoleZeroTests {
    func result(_ text: String) throws -> PoleZeroResult {
        let c = try Circuit(netlistText: "test\n" + text, file: "test.cir")
        let request = try #require(c.poleZeroAnalyses.first)
        return try Simulator(c).poleZero(request)
    }

    /// Whether `found` holds `expected`, value by value in order, within `tolerance` relative.
    func matches(_ found: [Complex<Double>], _ expected: [Complex<Double>], _ tolerance: Double) -> Bool {
        found.count == expected.count && zip(found, expected).allSatisfy { (f, e) in
            (f - e).length <= tolerance * max(e.length, 1e-30) || (e.length == 0 && f.length == 0)
        }
    }

    @Test("an RC ladder's two real poles: the closed form, and ngspice 39's")
    func ladder() throws {
        let r = try result("V1 in 0 DC 0 AC 1\nR1 in out 1k\nC1 out 0 1u\nR2 out a 2k\nC2 a 0 100n\n.pz in 0 a 0 vol pz\n")
        // det(G + sC) = (1.5m + s·1µ)(0.5m + s·100n) − 0.25µ = 0: 1e-13 s² + 6e-10 s + 5e-7 = 0.
        let (a, b, c) = (1e-13, 1e-6 * 0.5e-3 + 100e-9 * 1.5e-3, 1.5e-3 * 0.5e-3 - 0.25e-6)
        let d = (b * b - 4 * a * c).squareRoot()
        #expect(matches(r.poles, [Complex((-b + d) / (2 * a)), Complex((-b - d) / (2 * a))], 1e-12), "\(r.poles)")
        // ngspice 39: pole(1) = -5.60850e+03, pole(2) = -8.91505e+02.
        #expect(matches(r.poles, [Complex(-891.505), Complex(-5608.50)], 1e-5))
        #expect(r.zeros.isEmpty)
        #expect(r.values.map(\.name) == ["pole(1)", "pole(2)"])
    }

    @Test("a current into an RLC network: the transfer impedance's complex poles, where ngspice 39 gives up")
    func currentInput() throws {
        let r = try result("I1 0 in DC 0 AC 1\nR1 in 0 1k\nC1 in 0 1u\nL1 in out 10m\nR2 out 0 100\nC2 out 0 100n\n.pz in 0 out 0 cur pz\n")
        // The poles are the roots of (1/R1 + sC1)(1/R2 + sC2)·sL + (1/R1 + sC1) + (1/R2 + sC2).
        func characteristic(_ s: Complex<Double>) -> Complex<Double> {
            let yIn = Complex(1e-3) + s * Complex(1e-6), yOut = Complex(1e-2) + s * Complex(100e-9)
            return yIn * yOut * s * Complex(10e-3) + yIn + yOut
        }
        #expect(r.poles.count == 3)
        for p in r.poles { #expect(characteristic(p).length < 1e-9 * (1 + p.length * 1e-2), "\(p)") }
        // One real pole and a conjugate pair, the positive member first.
        #expect(r.poles.filter { $0.imaginary != 0 }.count == 2)
        #expect(r.poles[0].imaginary > 0 && (r.poles[1] - r.poles[0].conjugate).length < 1e-9 * r.poles[0].length)
        #expect(r.zeros.isEmpty, "V(out)/I has no finite zeros")
    }

    /// The JCM800 tone stack with its pots fixed at mid-travel, driven from a 1 kΩ source
    /// (`.pz` lines go after it).
    static let toneStack = """
        Vin src 0 DC 0 AC 1
        Rsrc src in 1k
        C1 in a 470p
        Rt1 a out 110k
        Rt2 out b 110k
        R4 in c 33k
        C2 c b 22n
        C3 c d 22n
        Rb b d 100k
        Rm d 0 11k
        Rload out 0 1Meg

        """

    @Test("the tone stack's poles and zeros as ngspice 39 finds them, driven through its source and across its input")
    func toneStack() throws {
        let stack = Self.toneStack
        let pair = [Complex(-3331.85, 2830.04), Complex(-3331.85, -2830.04)]
        let throughSource = try result(stack + ".pz src 0 out 0 vol pz\n")
        #expect(matches(throughSource.poles, [Complex(-295.183), Complex(-1648.44), Complex(-10132.3)], 1e-5), "\(throughSource.poles)")
        #expect(matches(throughSource.zeros, [Complex(0)] + pair, 1e-5), "\(throughSource.zeros)")
        // Across (in, 0), where no source is: a voltage there shorts Rsrc's end.
        let acrossInput = try result(stack + ".pz in 0 out 0 vol pz\n")
        #expect(matches(acrossInput.poles, [Complex(-298.501), Complex(-1666.25), Complex(-10166.1)], 1e-5), "\(acrossInput.poles)")
        #expect(matches(acrossInput.zeros, [Complex(0)] + pair, 1e-5))
        // pol and zer alone.
        let poles = try result(stack + ".pz src 0 out 0 vol pol\n"), zeros = try result(stack + ".pz src 0 out 0 vol zer\n")
        #expect(poles.poles == throughSource.poles && poles.zeros.isEmpty)
        #expect(zeros.zeros == throughSource.zeros && zeros.poles.isEmpty)
    }

    @Test("a transistor stage linearized at its operating point: poles and zeros within 0.1 % of ngspice 39's")
    func commonEmitter() throws {
        let r = try result("""
            Vcc vcc 0 12
            Vin in 0 DC 0 AC 1
            Rs in b1 1k
            C1 b1 b 10u
            R1 vcc b 100k
            R2 b 0 22k
            Rc vcc c 4.7k
            Re e 0 1k
            Ce e 0 47u
            Q1 c b e q
            .model q NPN(IS=1e-14 BF=200 CJC=4p CJE=8p TF=0.4n RB=10)
            .pz in 0 c 0 vol pz
            """)
        // ngspice 39 (its iterative search, which stops at its iteration limit here).
        #expect(matches(r.poles, [Complex(-5.57798), Complex(-944.307), Complex(-2.14412e6), Complex(-1.70509e9)], 1e-3), "\(r.poles)")
        // The coupling capacitor's zero at 0, the emitter bypass's, and Cμ's in the right half-plane.
        #expect(matches(r.zeros, [Complex(0), Complex(-21.2766), Complex(2.352483e10)], 1e-3), "\(r.zeros)")
    }

    @Test("a resistive circuit has neither poles nor zeros; bad .pz lines are errors at their place")
    func errors() throws {
        let flat = try result("V1 in 0 1\nR1 in out 1k\nR2 out 0 1k\n.pz in 0 out 0 vol pz\n")
        #expect(flat.poles.isEmpty && flat.zeros.isEmpty)
        for (text, message) in [(".pz in 0 out 0 vol\n", ".pz takes the input's two nodes"),
                                (".pz in 0 out 0 volt pz\n", ".pz takes the input's two nodes"),
                                (".pz in 0 nowhere 0 vol pz\n", "no element connects to node 'nowhere'"),
                                (".pz in in out 0 vol pz\n", "the input's two nodes are one node")] {
            do {
                _ = try Circuit(netlistText: "test\nV1 in 0 1\nR1 in out 1k\nC1 out 0 1u\n" + text, file: "test.cir")
                Issue.record("no error for \(text)")
            } catch {
                #expect(error.message.contains(message), "\(error)")
                #expect(error.location?.line == 5, "\(error)")
            }
        }
    }
}
