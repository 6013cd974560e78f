import Foundation
import Numerics
import Testing
import Anode

@Suite("Gear's second-order integration (method=gear)")
struct GearTests {
    func run(_ text: String, probe: Probe) throws -> (time: [Double], values: [Double]) {
        let r = try result(text)
        return (r.time, try #require(r.values(probe)))
    }

    func result(_ text: String) throws -> TransientResult {
        let c = try Circuit(netlistText: "test\n" + text, file: "test.cir")
        guard case .transient(let spec) = c.analyses[0] else { throw SimulationError("no .tran") }
        return try Simulator(c).transient(spec)
    }

    @Test("a series RLC's step response: the closed form, at default tolerances and tighter")
    func seriesRLC() throws {
        // v_C = 1 − e^(−αt)·(cos ωd·t + α/ωd·sin ωd·t), α = R/2L, ωd = √(1/LC − α²).
        let (alpha, omega) = (500.0, (1e8 - 500.0 * 500.0).squareRoot())
        func exact(_ t: Double) -> Double { 1 - exp(-alpha * t) * (cos(omega * t) + alpha / omega * sin(omega * t)) }
        var errors: [Double] = []
        // Adaptive, then at fixed steps of 4 µs and 2 µs.
        for (options, step) in [("", "1u"), ("fixedstep", "4u"), ("fixedstep", "2u")] {
            let (t, v) = try run("V1 in 0 PWL(0 0 1n 1 3m 1)\nR1 in a 10\nL1 a b 10m\nC1 b 0 1u\n.options method=gear \(options)\n.tran \(step) 3m\n.print tran v(b)\n",
                                 probe: .voltage("b"))
            errors.append(zip(t, v).map { abs($1 - exact($0)) }.max()!)
        }
        #expect(errors[0] < 1e-3, "\(errors)")
        // Second order: half the step, a quarter of the error (backward Euler would give a half).
        #expect(errors[2] < errors[1] / 3.5 && errors[2] > errors[1] / 4.5, "\(errors)")
    }

    @Test("an undamped LC tank at a fixed step: the trapezoidal rule keeps the amplitude, Gear's rule damps it by its own root per step")
    func damping() throws {
        // 20 steps per period of ω = 1/√(LC) = 10⁴ rad/s, from 1 V on the capacitor (UIC).
        let h = 2 * Double.pi / 1e4 / 20
        // The tank's amplitude at step k, whatever its phase: √(v² + (√(L/C)·i)²).
        func amplitude(_ method: String) throws -> (first: Double, last: Double) {
            let r = try result("C1 a 0 1u IC=1\nL1 a 0 10m\n.options method=\(method) fixedstep\n.tran \(h) \(200 * h) 0 \(h) uic\n.print tran v(a) i(L1)\n")
            let v = try #require(r.values(.voltage("a"))), i = try #require(r.values(.current("L1")))
            func at(_ k: Int) -> Double { (v[k] * v[k] + 1e4 * i[k] * i[k]).squareRoot() }
            return (at(40), at(180))
        }
        let trap = try amplitude("trap"), gear = try amplitude("gear")
        #expect(abs(trap.last / trap.first - 1) < 1e-3, "\(trap)")
        // BDF2 on y' = jω·y: (3/2 − jωh)·z² − 2z + 1/2 = 0; the oscillating root's |z| per step.
        let a: Complex<Double> = Complex(1.5, -1e4 * h)
        let discriminant: Complex<Double> = Complex(4) - Complex(2) * a
        let root: Complex<Double> = (Complex(2) + Complex.sqrt(discriminant)) / (Complex(2) * a)
        let expected = pow(root.length, 140)
        #expect(abs(gear.last / gear.first / expected - 1) < 0.01, "gear \(gear), expected ratio \(expected)")
        #expect(expected < 0.9)
    }

    @Test("maxord=1 is backward Euler throughout, as in ngspice, in both engines; above 2 a warning")
    func maximumOrder() throws {
        // At a fixed step, maxord=1 gives method=euler's waveform exactly, trapezoidal or not.
        let base = "V1 a 0 SIN(0 1 1k)\nR1 a b 1k\nC1 b 0 1u\n.tran 10u 2m\n.print tran v(b)\n"
        let first = try run(base + ".options fixedstep maxord=1\n", probe: .voltage("b")).values
        let euler = try run(base + ".options fixedstep method=euler\n", probe: .voltage("b")).values
        let trap = try run(base + ".options fixedstep\n", probe: .voltage("b")).values
        #expect(first == euler && first != trap)
        let c = try Circuit(netlistText: "test\n" + base + ".options maxord=6 method=gear\n", file: "test.cir")
        #expect(c.options.maxOrder == 2 && c.warnings.contains { $0.message.contains("maxord=6: orders above 2 are not modeled") })
        var realtime = try Circuit(netlistText: "test\n" + base, file: "test.cir")
        realtime.options.maxOrder = 1
        let (a0, history) = realtime.options.companion(step: 1e-5)
        #expect(abs(a0 - 1e5) < 1e-6 && history == 0, "backward Euler's 1/h and no history")
    }

    @Test("the real-time engine refuses method=gear, naming it")
    func realtimeRefuses() throws {
        let c = try Circuit(netlistText: "test\nV1 a 0 SIN(0 1 1k)\nR1 a b 1k\nC1 b 0 1u\n.options method=gear\n.tran 10u 1m\n", file: "test.cir")
        #expect(c.options.method == .gear)
        let error = #expect(throws: SimulationError.self) {
            try Processor(c, configuration: ProcessorConfiguration(inputs: ["V1"], outputs: [.voltage("b")], sampleRate: 48_000))
        }
        #expect(error?.message.contains("method=gear is the reference simulator's") == true)
    }
}
