import Foundation
import Testing
import Anode

@Suite("Random functions for Monte Carlo runs")
struct MonteCarloTests {
    /// The resistances of `count` resistors whose value is `value`, after `header`.
    func resistances(_ value: String, count: Int = 2000, header: String = "") throws -> [Double] {
        var text = "test\n" + header + "V1 a 0 1\n"
        for k in 0..<count { text += "R\(k) a 0 {\(value)}\n" }
        let c = try Circuit(netlistText: text, file: "test.cir")
        return c.elements.compactMap { if case let .resistor(_, _, r) = $0.kind { r } else { nil } }
    }

    func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(x.count) }
    func deviation(_ x: [Double]) -> Double {
        let m = mean(x)
        return (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1)).squareRoot()
    }

    @Test("each function's distribution: its mean, spread and bounds over 2000 draws", arguments: [
        // (value, mean, standard deviation, bounds if uniform)
        ("agauss(1k, 100, 1)", 1000.0, 100.0, false),
        ("agauss(1k, 300, 3)", 1000, 100, false),
        ("gauss(1k, 0.1, 1)", 1000, 100, false),
        ("1k + gauss(100)", 1000, 100, false),
        ("aunif(1k, 100)", 1000, 100 / 3.0.squareRoot(), true),
        ("unif(1k, 0.1)", 1000, 100 / 3.0.squareRoot(), true),
        ("mc(1k, 0.1)", 1000, 100 / 3.0.squareRoot(), true),
        ("1k + flat(100)", 1000, 100 / 3.0.squareRoot(), true),
    ])
    func distributions(_ value: String, _ expectedMean: Double, _ expectedDeviation: Double, _ uniform: Bool) throws {
        let r = try resistances(value)
        #expect(r.count == 2000)
        // The sample mean's standard error is σ/√2000 = 2.2 Ω, the sample deviation's about 1.6 %.
        #expect(abs(mean(r) - expectedMean) < 10, "mean \(mean(r))")
        #expect(abs(deviation(r) / expectedDeviation - 1) < 0.06, "deviation \(deviation(r))")
        if uniform {
            #expect(r.allSatisfy { $0 > 900 && $0 < 1100 })
            // Spread over the whole range: each tenth of it holds about 200.
            for k in 0..<10 {
                let low = 900 + 20 * Double(k)
                let n = r.filter { $0 >= low && $0 < low + 20 }.count
                #expect(n > 140 && n < 260, "\(n) in [\(low), \(low + 20))")
            }
        } else {
            // Normal: about 68 % within one sigma, 95 % within two.
            let one = Double(r.filter { abs($0 - expectedMean) < expectedDeviation }.count) / 2000
            let two = Double(r.filter { abs($0 - expectedMean) < 2 * expectedDeviation }.count) / 2000
            #expect(abs(one - 0.683) < 0.04 && abs(two - 0.954) < 0.02, "\(one), \(two)")
        }
    }

    @Test("ngspice's limit(nom, avar) is nom ± avar; limit with three arguments stays the clamp")
    func limit() throws {
        let r = try resistances("limit(1k, 100)")
        #expect(r.allSatisfy { $0 == 900 || $0 == 1100 })
        let high = r.filter { $0 == 1100 }.count
        #expect(high > 900 && high < 1100, "\(high) of 2000 high")
        #expect(try resistances("limit(5k, 1k, 2k)", count: 1) == [2000])
    }

    @Test("draws repeat for the same seed and point, and change with the seed, the .step point, the element and the instance")
    func reproducible() throws {
        let first = try resistances("mc(1k, 0.1)", count: 20)
        #expect(try resistances("mc(1k, 0.1)", count: 20) == first)
        #expect(Set(first).count == 20, "every element draws its own value")
        let seeded = try resistances("mc(1k, 0.1)", count: 20, header: ".options seed=7\n")
        #expect(seeded != first && seeded.allSatisfy { $0 > 900 && $0 < 1100 })
        #expect(try resistances("mc(1k, 0.1)", count: 20, header: ".options seed=7\n") == seeded)
        // A .param draws once: every use sees its value.
        let shared = try resistances("p", count: 5, header: ".param p = {agauss(1k, 100, 1)}\n")
        #expect(Set(shared).count == 1 && shared[0] != 1000)
        // Subcircuit instances draw their own values.
        let c = try Circuit(netlistText: """
            test
            .subckt part a b
            R1 a b {mc(1k, 0.1)}
            .ends
            V1 in 0 1
            X1 in 0 part
            X2 in 0 part
            """, file: "test.cir")
        guard case let .resistor(_, _, r1)? = c.element(named: "x1.r1")?.kind,
              case let .resistor(_, _, r2)? = c.element(named: "x2.r1")?.kind else { Issue.record("no instances"); return }
        #expect(r1 != r2)
        // A Monte Carlo run: .step param run 1 N 1 draws anew at each point.
        let netlist = try Netlist(text: "test\nV1 a 0 1\nR1 a 0 {mc(1k, 0.1)}\n.step param run 1 50 1\n.op\n", file: "test.cir")
        var values: [Double] = []
        for point in try netlist.stepPoints() {
            let c = try Circuit(netlist: netlist, step: point)
            if case let .resistor(_, _, r)? = c.element(named: "R1")?.kind { values.append(r) }
        }
        #expect(values.count == 50 && Set(values).count == 50)
        #expect(values.allSatisfy { $0 > 900 && $0 < 1100 })
    }

    @Test("bad calls are errors at their place")
    func errors() {
        func message(_ value: String) -> String? {
            do { _ = try resistances(value, count: 1); return nil } catch { return "\(error)" }
        }
        #expect(message("gauss(1k, 0.1)")?.contains("gauss takes one argument") == true)
        #expect(message("agauss(1k, 100, 0)")?.contains("sigma must be positive") == true)
        #expect(message("agauss(1k, 100)")?.contains("agauss takes 3 argument(s), not 2") == true)
        #expect(message("mc(1k)")?.contains("test.cir:3:") == true)
        do {
            _ = try Circuit(netlistText: "test\nV1 a 0 1\nR1 a 0 1k\n.options seed=-1\n", file: "test.cir")
            Issue.record("no error for a negative seed")
        } catch {
            #expect(error.message.contains("option seed must be a whole number"))
        }
    }
}

@Suite("Transient noise sources (TRNOISE)")
struct TransientNoiseTests {
    func source(_ name: String, in c: Circuit) -> Waveform? {
        guard case .voltageSource(_, _, let s)? = c.element(named: name)?.kind else { return nil }
        return s.waveform
    }

    @Test("white noise: Gaussian samples of rms NA every NT, straight lines between, the DC value added, 0 noise at t = 0")
    func samples() throws {
        let c = try Circuit(netlistText: "test\nV1 a 0 DC 1 TRNOISE(10m 1u)\nV2 b 0 TRNOISE(10m 1u)\nR1 a b 1k\n.tran 1u 1m\n", file: "test.cir")
        let w = try #require(source("V1", in: c)), w2 = try #require(source("V2", in: c))
        #expect(w.value(at: 0) == 1 && w2.value(at: 0) == 0)
        let samples = (1...20_000).map { w.value(at: Double($0) * 1e-6) - 1 }
        let mean = samples.reduce(0, +) / 20_000
        let rms = (samples.reduce(0) { $0 + $1 * $1 } / 20_000).squareRoot()
        #expect(abs(mean) < 4 * 10e-3 / 20_000.0.squareRoot(), "mean \(mean)")
        #expect(abs(rms / 10e-3 - 1) < 0.03, "rms \(rms)")
        // Independent samples: neighbours uncorrelated, and V2's draws not V1's.
        let lag = zip(samples, samples.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 } / (19_999 * rms * rms)
        #expect(abs(lag) < 0.03, "lag-1 correlation \(lag)")
        let other = (1...20_000).map { w2.value(at: Double($0) * 1e-6) }
        let cross = zip(samples, other).reduce(0) { $0 + $1.0 * $1.1 } / (20_000 * rms * rms)
        #expect(abs(cross) < 0.03, "V1 and V2 correlate by \(cross)")
        // Straight between samples.
        let (x0, x1) = (w.value(at: 5e-6), w.value(at: 6e-6))
        #expect(abs(w.value(at: 5.25e-6) - (0.75 * x0 + 0.25 * x1)) < 1e-15)
        #expect(w.breakpoints(until: 1e-3).count == 1000)
        // The seed and the .step point draw other noise; the same netlist the same.
        let again = try Circuit(netlistText: "test\nV1 a 0 DC 1 TRNOISE(10m 1u)\nV2 b 0 TRNOISE(10m 1u)\nR1 a b 1k\n.tran 1u 1m\n", file: "test.cir")
        #expect(source("V1", in: again)?.value(at: 7e-6) == w.value(at: 7e-6))
        let seeded = try Circuit(netlistText: "test\nV1 a 0 DC 1 TRNOISE(10m 1u)\nR1 a 0 1k\n.options seed=3\n.tran 1u 1m\n", file: "test.cir")
        #expect(source("V1", in: seeded)?.value(at: 7e-6) != w.value(at: 7e-6))
    }

    @Test("through an RC low-pass: the rms of NA²·NT/(2RC), as ngspice 39 gives it; the real-time engine's samples are the same")
    func filtered() throws {
        let text = "test\nV1 a 0 DC 1 TRNOISE(10m 1u)\nR1 a b 1k\nC1 b 0 10n\n.tran 1u 40m\n.print tran v(b)\n"
        let c = try Circuit(netlistText: text, file: "test.cir")
        #expect(abs(try Simulator(c).operatingPoint().voltage("b")! - 1) < 1e-12)
        guard case .transient(let spec) = c.analyses[0] else { Issue.record("no .tran"); return }
        let v = try #require(try Simulator(c).transient(spec).values(.voltage("b")))
        let tail = v.dropFirst(100).map { $0 - 1 }
        let rms = (tail.reduce(0) { $0 + $1 * $1 } / Double(tail.count)).squareRoot()
        // (10 mV)²·1 µs/(2·10 µs): 2.24 mV (ngspice 39 on 10 ms: 2.13 mV; 4000 time constants here).
        #expect(abs(rms / (10e-3 * (1e-6 / 20e-6).squareRoot()) - 1) < 0.06, "rms \(rms)")
        let short = try Circuit(netlistText: "test\nV1 a 0 DC 1 TRNOISE(10m 10u)\nR1 a b 1k\nC1 b 0 10n\nD1 b 0 dd\n.model dd D(IS=1e-14)\n.tran 10u 2m\n.print tran v(b)\n", file: "test.cir")
        for (probe, error) in try ProcessorTests.compare(short) { #expect(error <= 1e-6, "\(probe) differs by \(error) of its peak") }
        for (text, message) in [("TRNOISE(10m 1u 1 1m)", "1/f noise"), ("TRNOISE(10m 1u 0 0 1m 1u 1u)", "random telegraph"),
                                ("TRNOISE(-1m 1u)", "must not be negative")] {
            do { _ = try Circuit(netlistText: "test\nV1 a 0 \(text)\nR1 a 0 1\n", file: "test.cir"); Issue.record("no error for \(text)") }
            catch { #expect(error.message.contains(message), "\(error)") }
        }
    }
}
