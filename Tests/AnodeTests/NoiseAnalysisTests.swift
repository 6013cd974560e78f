import Foundation
import Testing
import Anode

/// `.noise`. Its agreement with ngspice is checked by `Netlists/noise-stages.cir` (BJTs with shot,
/// flicker and a modulated base resistance, JFET, MOSFET, diode, a pot) and `Netlists/noise-tube.cir`;
/// here closed forms and the errors.
@Suite(".noise")
struct NoiseAnalysisTests {
    static let fourKT = 4 * 1.380649e-23 * 300.15
    static let q = 1.602176634e-19

    func circuit(_ text: String) throws(NetlistError) -> Circuit { try Circuit(netlistText: "test\n" + text, file: "test.cir") }

    @Test("a divider: √(4kT·R1∥R2) flat, its integral over the band, and the input-referred noise")
    func divider() throws {
        let c = try circuit("V1 in 0 DC 1 AC 1\nR1 in out 1k\nR2 out 0 3k\n.noise v(out) V1 dec 5 100 10k\n")
        let r = try Simulator(c).noise(try #require(c.noiseAnalyses.first))
        let density = (Self.fourKT * 750).squareRoot()
        #expect(r.frequencies.count == 11)
        for (o, i) in zip(r.outputSpectrum, r.inputSpectrum) {
            #expect(abs(o / density - 1) < 1e-12)
            #expect(abs(i / (density / 0.75) - 1) < 1e-12)
        }
        #expect(abs(r.outputTotal / (density * (10_000.0 - 100).squareRoot()) - 1) < 1e-12)
        #expect(abs(r.inputTotal / (r.outputTotal / 0.75) - 1) < 1e-12)
        // Each resistor's share: R1's current noise 4kT/1k through 750 Ω, R2's 4kT/3k.
        let shares = Dictionary(uniqueKeysWithValues: r.contributions.map { ($0.element, $0.outputTotal) })
        #expect(abs(shares["R1"]! / ((Self.fourKT / 1000 * 750 * 750 * 9900).squareRoot()) - 1) < 1e-12)
        #expect(abs(shares["R2"]! / ((Self.fourKT / 3000 * 750 * 750 * 9900).squareRoot()) - 1) < 1e-12)
        #expect(r.contributions.first?.element == "R1")
    }

    @Test("a diode's shot noise 2q·I across its differential resistance, and 1/f noise that integrates to a logarithm")
    func diode() throws {
        // 1 mA into a diode (no RS): v_n = √(2q·I)/g with g its conductance; with KF, KF·I^AF/f on top.
        let c = try circuit("I1 0 a DC 1m AC 1\nD1 a 0 dm\n.model dm D(IS=1e-14 KF=1e-12 AF=1)\n.noise v(a) I1 lin 3 10 30\n")
        let r = try Simulator(c).noise(try #require(c.noiseAnalyses.first))
        // The junction carries the source's 1 mA (less gmin's picoamps): g = (I + IS)/(N·Vt) + gmin.
        let i = 1e-3, g = (i + 1e-14) / Junction.thermalVoltage() + 1e-12
        for (k, f) in r.frequencies.enumerated() {
            let expected = ((2 * Self.q * i + 1e-12 * i / f) / (g * g)).squareRoot()
            #expect(abs(r.outputSpectrum[k] / expected - 1) < 1e-6, "\(f) Hz: \(r.outputSpectrum[k]) against \(expected)")
            // Referred to the current source: the current noise itself, A/√Hz.
            #expect(abs(r.inputSpectrum[k] / (2 * Self.q * i + 1e-12 * i / f).squareRoot() - 1) < 1e-6)
        }
        // ∫ (w + c/f) df from 10 to 30 Hz, integrated piecewise as power laws through the points
        // (exact for each part alone: ngspice integrates each noise source separately, as Anode does).
        let white = 2 * Self.q * i / (g * g), flicker = 1e-12 * i / (g * g)
        let exact = white * 20 + flicker * log(3)
        #expect(abs(r.outputTotal * r.outputTotal / exact - 1) < 2e-3, "\(r.outputTotal * r.outputTotal) against \(exact)")
    }

    @Test("a MOSFET's channel: 8kT·gm/3 and KF·Id^AF/(f·W·Leff·Cox²), Cox from TOX or 100 nm")
    func mosfetFlicker() throws {
        for tox in ["TOX=50n ", ""] {
            let c = try circuit("""
                Vdd vdd 0 DC 10
                Vg g 0 DC 3 AC 1
                Rd vdd d 1k
                M1 d g 0 0 nm W=100u L=10u
                .model nm NMOS(LEVEL=1 VTO=2 KP=50u \(tox)LD=1u KF=1e-25 AF=1.2)
                .noise v(d) Vg lin 3 10 30
                """)
            let r = try Simulator(c).noise(try #require(c.noiseAnalyses.first))
            // Saturation: β = KP·W/(L − 2·LD) = 625 µA/V², Id = β/2·(Vgs − VTO)², gm = β·(Vgs − VTO).
            let beta = 50e-6 * 100 / 8, id = beta / 2, gm = beta
            let cox = 3.9 * 8.854214871e-12 / (tox.isEmpty ? 1e-7 : 50e-9)
            for (k, f) in r.frequencies.enumerated() {
                let current = Self.fourKT * 2 / 3 * gm + 1e-25 * pow(id, 1.2) / (f * 100e-6 * 8e-6 * cox * cox) + Self.fourKT / 1000
                let expected = (current * 1e6).squareRoot()
                // (gmin across the junctions shifts it by parts in 10⁸.)
                #expect(abs(r.outputSpectrum[k] / expected - 1) < 1e-6, "\(tox) \(f) Hz: \(r.outputSpectrum[k]) against \(expected)")
            }
        }
    }

    @Test("malformed .noise statements are errors at their place", arguments: [
        ("V1 a 0 1\nR1 a 0 1k\n.noise v(a) V1 dec 10\n", "takes an output voltage"),
        ("V1 a 0 1\nR1 a 0 1k\n.noise i(V1) V1 dec 10 10 1k\n", "output is a voltage"),
        ("V1 a 0 1\nR1 a 0 1k\n.noise vdb(a) V1 dec 10 10 1k\n", "output is a voltage"),
        ("V1 a 0 1\nR1 a 0 1k\n.noise v(a) R1 dec 10 10 1k\n", "must be an independent source"),
        ("V1 a 0 1\nR1 a 0 1k\n.noise v(a) V1 dec 0 10 1k\n", "whole number of points"),
        ("V1 a 0 1\nR1 a 0 1k\n.noise v(a) V1 dec 10 1k 10\n", "below the start frequency"),
        ("V1 a 0 1\nR1 a 0 1k\n.noise v(a) V1 log 10 10 1k\n", "takes an output voltage"),
        ("V1 a 0 1\nR1 a 0 1k\n.noise v(nowhere) V1 dec 10 10 1k\n", "nowhere"),
    ])
    func errors(_ text: String, _ message: String) {
        do {
            _ = try circuit(text)
            Issue.record("no error for \(text)")
        } catch {
            #expect(error.message.contains(message), "\(error)")
            #expect(error.location?.line == 4, "\(error)")
        }
    }

    @Test("PSpice's .NOISE V(out) SRC [interval] runs over the .ac statement's frequencies")
    func pspiceForm() throws {
        let body = "V1 in 0 DC 0 AC 1\nR1 in out 1k\nC1 out 0 100n\n"
        let pspice = try circuit(body + ".NOISE V(out) V1 10\n.AC DEC 10 10 100k\n")
        let spice = try circuit(body + ".noise v(out) V1 dec 10 10 100k\n")
        let a = try #require(pspice.noiseAnalyses.first), b = try #require(spice.noiseAnalyses.first)
        #expect(a.sweep == b.sweep)
        let x = try Simulator(pspice).noise(a), y = try Simulator(spice).noise(b)
        #expect(x.outputSpectrum == y.outputSpectrum)
        #expect(pspice.warnings.contains { $0.message.contains("print interval") })
        // Without an .ac, the form has no frequencies.
        #expect(throws: NetlistError.self) { try circuit(body + ".noise v(out) V1\n") }
    }
}
