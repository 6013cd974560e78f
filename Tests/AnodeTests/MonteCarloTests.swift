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
