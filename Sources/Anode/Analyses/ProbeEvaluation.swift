import Numerics

/// A probe bound to the network: node indices, or the primitive that carries an element's current.
enum ResolvedProbe {
    case voltage(Int, Int)
    case current(Network.CurrentCarrier)
}

extension Network {
    /// Binds `probe` to nodes or to an element of `circuit`, or throws naming what is missing.
    func resolve(_ probe: Probe, in circuit: Circuit) throws(SimulationError) -> ResolvedProbe {
        switch probe.quantity {
        case let .voltage(a, b):
            func index(_ name: String) throws(SimulationError) -> Int {
                guard let k = circuit.index(of: Node(name)) else { throw SimulationError("output \(probe): no node named '\(name)'") }
                return k
            }
            return .voltage(try index(a), try b.map { (n: String) throws(SimulationError) in try index(n) } ?? 0)
        case let .current(name):
            guard let owner = circuit.elementIndex(named: name) else {
                throw SimulationError("output \(probe): no element named '\(name)'")
            }
            guard let carrier = carrierOfElement[owner] else {
                throw SimulationError("output \(probe): the current of \(circuit.elements[owner].name) cannot be probed with i(); it is not a two-terminal element")
            }
            return .current(carrier)
        }
    }
}

extension MNAEngine {
    /// The real value of a probe at solution `x`. `chargeCurrents` holds the capacitive currents
    /// of the flat charge vector during a transient (nil in DC).
    func value(of probe: ResolvedProbe, _ x: [Double], _ ctx: Context, chargeCurrents: [Double]?) -> Double {
        switch probe {
        case let .voltage(a, b):
            return voltage(a, x) - voltage(b, x)
        case .current(let carrier):
            switch carrier {
            case .branch(let b): return x[network.unknown(ofBranch: b)]
            case .resistor(let k):
                let r = network.resistors[k]
                return r.conductance * (voltage(r.a, x) - voltage(r.b, x))
            case .capacitor(let k): return chargeCurrents?[k] ?? 0
            case .currentSource(let k): return sourceValue(k, current: true, ctx)
            case .vccs(let k):
                let g = network.vccs[k]
                return g.transconductance * (voltage(g.cp, x) - voltage(g.cn, x))
            case .cccs(let k):
                let f = network.cccs[k]
                return f.gain * x[network.unknown(ofBranch: f.control)]
            case .device(let d):
                let device = network.devices[d].model
                var i = device.currents(portVoltages(of: d, in: x)).current[0]
                if let chargeCurrents, device.hasCharge { i += chargeCurrents[deviceChargeOffset[d]] }
                return i
            }
        }
    }

    /// The complex value of a probe in an AC solution `x` at angular frequency `omega`.
    func phasor(of probe: ResolvedProbe, _ x: [Complex<Double>], omega: Double, operatingPoint: [Double]) -> Complex<Double> {
        func v(_ k: Int) -> Complex<Double> { k == 0 ? .zero : x[k - 1] }
        switch probe {
        case let .voltage(a, b):
            return v(a) - v(b)
        case .current(let carrier):
            switch carrier {
            case .branch(let b): return x[network.unknown(ofBranch: b)]
            case .resistor(let k):
                let r = network.resistors[k]
                return (v(r.a) - v(r.b)) * Complex(r.conductance)
            case .capacitor(let k):
                let c = network.capacitors[k]
                return (v(c.a) - v(c.b)) * Complex(0, omega * c.capacitance)
            case .currentSource(let k):
                let s = network.currentSources[k].source
                return Complex(length: s.acMagnitude, phase: s.acPhase * .pi / 180)
            case .vccs(let k):
                let g = network.vccs[k]
                return (v(g.cp) - v(g.cn)) * Complex(g.transconductance)
            case .cccs(let k):
                let f = network.cccs[k]
                return x[network.unknown(ofBranch: f.control)] * Complex(f.gain)
            case .device(let d):
                let device = network.devices[d]
                let v0 = portVoltages(of: d, in: operatingPoint)
                let g = device.model.currents(v0).conductance[0, 0]
                let c = device.model.hasCharge ? device.model.charges(v0).capacitance[0, 0] : 0
                return (v(device.terminals[0]) - v(device.terminals[1])) * Complex(g, omega * c)
            }
        }
    }
}
