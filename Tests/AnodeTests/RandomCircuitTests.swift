import Foundation
import Testing
@testable import Anode

/// Random circuits through both engines: the real-time processor must agree with the reference
/// simulator's fixed-step transient to 10⁻⁵ of each output's peak on circuits nobody wrote by hand
/// — transistors, diodes, FETs and reactive parts in places no reference circuit puts them.
///
/// The generator is seeded, so a failure names a seed that reproduces it
/// (`RandomCircuit(seed:).netlist`). `ANODE_RANDOM_CIRCUITS=N` runs N seeds instead of the default,
/// from `ANODE_RANDOM_CIRCUITS_START` (0 by default) on.
@Suite("Random circuits")
struct RandomCircuitTests {
    /// Seeds run by default (each a few milliseconds of audio through both engines).
    static let defaultCount = 100

    static var seeds: [UInt64] {
        let count = ProcessInfo.processInfo.environment["ANODE_RANDOM_CIRCUITS"].flatMap { Int($0) } ?? defaultCount
        let start = ProcessInfo.processInfo.environment["ANODE_RANDOM_CIRCUITS_START"].flatMap { UInt64($0) } ?? 0
        return (start..<(start + UInt64(count))).map { $0 }
    }

    @Test("the processor agrees with the reference simulator on random circuits", arguments: seeds)
    func agreement(seed: UInt64) throws {
        let generated = RandomCircuit(seed: seed)
        try Self.check(Circuit(netlistText: generated.netlist, file: "random-\(seed).cir", directory: Paths.circuits.path),
                       "seed \(seed)", generated.netlist)
    }

    /// Both engines on `circuit`, which must agree (see `compare`); `label` and `netlist` say which
    /// circuit a disagreement is.
    static func check(_ circuit: Circuit, _ label: String, _ netlist: String) throws {
        // A node that hardly moves (a collector held off, a leakage into a resistor) is measured
        // against 10 mV.
        let (result, bound) = try compare(circuit)
        #expect(result.finite, "\(label)")
        // Where either engine had to cut a step, the two took different shorter steps through it
        // (see `ProcessorTests.clippingAgainstNgspice` for such circuits against ngspice): only
        // that the processor solved every step (`comparison` checks) holds there. (The processor
        // sub-steps where the reference does not on one seed of 4000, 2101: a germanium
        // relaxation oscillator whose step the reference's Newton, from its own start, solves
        // whole.)
        if result.referenceCutSteps || result.statistics.substeps > 0 { return }
        // 10⁻⁵ rather than the reference circuits' 10⁻⁶: a node behind hundreds of kilohms of FETs
        // multiplies what Newton solves the ports to (one seed of 4000, 3537, was 2.4·10⁻⁶ off; with
        // both engines' tolerances a hundred times tighter, 1.8·10⁻⁸). Every disagreement these
        // seeds found was 3·10⁻³ or more.
        for (probe, error) in result.errors {
            #expect(error <= bound, "\(label): \(probe) differs by \(error) of its peak\n\(netlist)")
        }
    }

    /// The comparison at the harness's tolerances, and the agreement it must reach: 10⁻⁵ of each
    /// output's peak (see `agreement`). Where those tolerances (10⁻⁸ relative, 10⁻¹⁰ V) are tighter
    /// than rounding lets the reference's operating point converge — seed 6201; seed 2530 at
    /// −3.7 °C, whose best iterate is off by 2·10⁻²³ A — both engines run at tolerances a hundred
    /// times looser, and must agree to 10⁻³ (every real disagreement found was 3·10⁻³ or more).
    static func compare(_ circuit: Circuit) throws -> (ProcessorTests.Comparison, Double) {
        do {
            return (try ProcessorTests.comparison(circuit, floor: 1e-2), 1e-5)
        } catch let error as SimulationError where error.message.contains("no DC solution") {
            return (try ProcessorTests.comparison(circuit, floor: 1e-2, tighter: 0.01), 1e-3)
        }
    }

    /// Seeds run with power MOSFETs by default.
    static let powerMOSFETCount = 60

    /// The random circuits with an IRFP240 or IRFP9240 where the others have a 2N7000 (one part
    /// in nine is a MOSFET): the VDMOS channel, its nonlinear gate-drain capacitance and its body
    /// diode through both engines, which must agree as on the others. `ANODE_RANDOM_CIRCUITS` and
    /// `ANODE_RANDOM_CIRCUITS_START` choose these seeds too.
    @Test("the processor agrees with the reference simulator on random circuits with power MOSFETs",
          arguments: ProcessInfo.processInfo.environment["ANODE_RANDOM_CIRCUITS"] == nil ? Array(seeds.prefix(powerMOSFETCount)) : seeds)
    func agreementWithPowerMOSFETs(seed: UInt64) throws {
        let generated = RandomCircuit(seed: seed, powerMOSFETs: true)
        try Self.check(Circuit(netlistText: generated.netlist, file: "random-vdmos-\(seed).cir", directory: Paths.circuits.path),
                       "seed \(seed)", generated.netlist)
    }

    /// Seeds run at a random temperature by default.
    static let temperatureCount = 30

    /// The random circuits at random temperatures, −20 to 80 °C (the same circuits as `agreement`'s,
    /// with a `.temp` drawn from the seed by a generator of their own): both engines build their
    /// devices at the temperature, and must agree as at 27 °C. `ANODE_RANDOM_CIRCUITS` and
    /// `ANODE_RANDOM_CIRCUITS_START` choose these seeds too.
    static var temperatureSeeds: [UInt64] {
        ProcessInfo.processInfo.environment["ANODE_RANDOM_CIRCUITS"] == nil ? Array(seeds.prefix(temperatureCount)) : seeds
    }

    @Test("the processor agrees with the reference simulator on random circuits at random temperatures", arguments: temperatureSeeds)
    func agreementAtTemperature(seed: UInt64) throws {
        var g = SplitMix64(seed: seed ^ 0x7E3A_0000_0000_0000)
        let celsius = (Double.random(in: -20...80, using: &g) * 10).rounded() / 10
        let text = RandomCircuit(seed: seed).netlist.replacingOccurrences(of: ".tran 20u 3m", with: ".temp \(celsius)\n.tran 20u 3m")
        let circuit = try Circuit(netlistText: text, file: "random-\(seed).cir", directory: Paths.circuits.path)
        #expect(circuit.options.temperature == celsius)
        try Self.check(circuit, "seed \(seed) at \(celsius) °C", text)
    }

    @Test("a switching step that Newton solves in 47 evaluations is solved whole, as the reference solves it")
    func resumedNewton() throws {
        // Seed 2101, a germanium relaxation oscillator, up to just past its first switching step
        // (step 54): Newton's first 16 evaluations end short of it and continuation fails (the
        // solution it follows ends there); resumed, Newton gets across as the reference's does.
        // Without the resume the step was sub-stepped and the outputs were up to 0.9 of their
        // peaks off the reference.
        let text = RandomCircuit(seed: 2101).netlist.replacingOccurrences(of: ".tran 20u 3m", with: ".tran 20u 1.2m")
        let circuit = try Circuit(netlistText: text, directory: Paths.circuits.path)
        let result = try ProcessorTests.comparison(circuit, floor: 1e-2)
        #expect(!result.referenceCutSteps && result.statistics.substeps == 0 && result.statistics.continuations > 0, "\(result.statistics)")
        #expect(result.errors.count == 4)
        for (probe, error) in result.errors { #expect(error <= 1e-6, "\(probe) differs by \(error) of its peak") }
    }

    @Test("the generator is deterministic and writes netlists that read")
    func generator() throws {
        #expect(RandomCircuit(seed: 7).netlist == RandomCircuit(seed: 7).netlist)
        #expect(RandomCircuit(seed: 7).netlist != RandomCircuit(seed: 8).netlist)
        for seed in UInt64(0)..<20 {
            let text = RandomCircuit(seed: seed).netlist
            let circuit = try Circuit(netlistText: text, directory: Paths.circuits.path)
            #expect(circuit.analyses.contains { $0.kind == .tran }, "seed \(seed)")
        }
    }
}

/// SplitMix64: a small, fast, seedable generator (Steele, Lea & Flood 2014), so that a seed gives
/// the same circuit on every machine.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A random small audio circuit: a sine source behind a resistor or a coupling capacitor, two to
/// five nodes each biased by a resistor to ground or to a supply, and two to seven parts (resistors,
/// capacitors, inductors with their winding resistance, diodes, bipolar transistors, JFETs, a
/// MOSFET) between random nodes, from the model cards of circuits/models — no junction forward-biased
/// straight across the supply. With `powerMOSFETs` the MOSFET is an IRFP240 or IRFP9240 (VDMOS)
/// instead of a 2N7000; the circuits without it are the same as before it came.
struct RandomCircuit {
    let netlist: String

    init(seed: UInt64, powerMOSFETs: Bool = false) {
        var g = SplitMix64(seed: seed)
        func logUniform(_ low: Double, _ high: Double) -> Double {
            exp(Double.random(in: log(low)...log(high), using: &g))
        }
        /// A value rounded to three significant digits, written as SPICE reads it.
        func value(_ x: Double) -> String { String(format: "%.3g", x) }

        var lines = ["random circuit \(seed)",
                     ".include models/diodes.lib", ".include models/bjt.lib",
                     ".include models/jfet.lib", ".include models/mosfet.lib"]
        if powerMOSFETs { lines.append(".include models/vdmos.lib") }
        let supply = [9.0, 12, 15].randomElement(using: &g)!
        lines.append("Vcc vcc 0 DC \(value(supply))")
        let amplitude = logUniform(0.005, 3), frequency = logUniform(200, 3000)
        lines.append("Vin in 0 DC 0 SIN(0 \(value(amplitude)) \(value(frequency)))")
        let nodeCount = Int.random(in: 2...5, using: &g)
        let nodes = (1...nodeCount).map { "n\($0)" }
        if Bool.random(using: &g) {
            lines.append("Rs in n1 \(value(logUniform(100, 10e3)))")
        } else {
            lines.append("Cin in n1 \(value(logUniform(10e-9, 10e-6)))")
        }
        // Every node has a path to ground (or to the supply) of its own.
        for (k, n) in nodes.enumerated() {
            let to = Bool.random(using: &g) ? "0" : "vcc"
            lines.append("Rb\(k + 1) \(n) \(to) \(value(logUniform(1e3, 1e6)))")
        }
        let places = ["0", "vcc"] + nodes
        /// Two or three distinct places, at least one of them a signal node (so that no part sits
        /// across the supply alone).
        func pick(_ count: Int) -> [String] {
            while true {
                let chosen = Array(places.shuffled(using: &g).prefix(count))
                if chosen.contains(where: { $0.hasPrefix("n") }) { return chosen }
            }
        }
        /// Whether a junction from `anode` to `cathode` would sit forward-biased straight across the
        /// supply (a short no circuit has: neither ngspice nor Anode finds its operating point).
        func acrossSupply(_ anode: String, _ cathode: String) -> Bool { anode == "vcc" && cathode == "0" }
        let diodes = ["1N4148", "1N914", "1N34A", "1N4001"]
        let npn = ["2N3904", "BC549C", "2N5088"], pnp = ["2N3906", "AC128"]
        let partCount = Int.random(in: 2...7, using: &g)
        for k in 1...partCount {
            switch Int.random(in: 0..<9, using: &g) {
            case 0:
                let p = pick(2)
                lines.append("R\(k) \(p[0]) \(p[1]) \(value(logUniform(100, 1e6)))")
            case 1:
                let p = pick(2)
                lines.append("C\(k) \(p[0]) \(p[1]) \(value(logUniform(100e-12, 10e-6)))")
            case 2:
                // An inductor in series with its winding resistance (no loop of inductors and sources).
                let p = pick(2)
                lines.append("L\(k) \(p[0]) l\(k) \(value(logUniform(1e-3, 1)))")
                lines.append("RL\(k) l\(k) \(p[1]) \(value(logUniform(10, 1e3)))")
            case 3, 4:
                let p = pick(2)
                lines.append("D\(k) \(p[0]) \(p[1]) \(diodes.randomElement(using: &g)!)")
            case 5, 6:
                var p = pick(3)
                let isNPN = Bool.random(using: &g)
                let model = isNPN ? npn.randomElement(using: &g)! : pnp.randomElement(using: &g)!
                // Collector, base, emitter: the base junctions point from the base (NPN) or to it.
                while isNPN ? acrossSupply(p[1], p[2]) || acrossSupply(p[1], p[0])
                    : acrossSupply(p[2], p[1]) || acrossSupply(p[0], p[1]) { p = pick(3) }
                lines.append("Q\(k) \(p[0]) \(p[1]) \(p[2]) \(model)")
            case 7:
                var p = pick(3)
                while acrossSupply(p[1], p[2]) || acrossSupply(p[1], p[0]) { p = pick(3) }  // gate to source, to drain
                lines.append("J\(k) \(p[0]) \(p[1]) \(p[2]) \(Bool.random(using: &g) ? "J201" : "2N5457")")
            case _ where powerMOSFETs:
                var p = pick(3)
                let nChannel = Bool.random(using: &g)
                // The body diode, from the source to the drain (N-channel) or the other way.
                while nChannel ? acrossSupply(p[2], p[0]) : acrossSupply(p[0], p[2]) { p = pick(3) }
                lines.append("M\(k) \(p[0]) \(p[1]) \(p[2]) \(nChannel ? "IRFP240" : "IRFP9240")")
            default:
                var p = pick(3)
                while acrossSupply(p[2], p[0]) { p = pick(3) }  // the body diode, from the source (and bulk) to the drain
                lines.append("M\(k) \(p[0]) \(p[1]) \(p[2]) \(p[2]) 2N7000")
            }
        }
        // One circuit in four integrates by ngspice's damped trapezoidal rule or backward Euler.
        switch Int.random(in: 0..<8, using: &g) {
        case 0: lines.append(".options xmu=0.3")
        case 1: lines.append(".options method=euler")
        default: break
        }
        lines.append(".tran 20u 3m")
        lines.append(".print tran " + nodes.map { "v(\($0))" }.joined(separator: " "))
        lines.append(".end")
        netlist = lines.joined(separator: "\n") + "\n"
    }
}
