import Numerics

/// A probe bound to the network: node indices, or the primitive that carries an element's current.
enum ResolvedProbe {
    case voltage(Int, Int)
    case current(Network.CurrentCarrier)
    /// The power absorbed by circuit element number k.
    case power(Int)
    /// The current into a device's terminal: the sum of these primitives' currents there, times
    /// `sign` (−1 for ngspice's reading of a P-channel FET's, `Probe.Quantity.deviceCurrent`).
    case terminalCurrent([Network.Tap], sign: Double)
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
        case let .power(name):
            guard let owner = circuit.elementIndex(named: name) else {
                throw SimulationError("output \(probe): no element named '\(name)'")
            }
            return .power(owner)
        case let .terminalCurrent(name, letter), let .deviceCurrent(name, letter):
            guard let owner = circuit.elementIndex(named: name) else {
                throw SimulationError("output \(probe): no element named '\(name)'")
            }
            let kind = circuit.elements[owner].kind
            guard let names = kind.terminalNames, let taps = terminalTaps[owner] else {
                throw SimulationError("output \(probe): \(circuit.elements[owner].name) is not a device with terminals to probe (a diode, transistor or tube)")
            }
            guard let t = kind.terminal(named: letter) else {
                throw SimulationError("output \(probe): \(circuit.elements[owner].name) has no terminal '\(letter)'; its terminal currents are \(names.map { "i\($0)" }.joined(separator: ", "))")
            }
            var sign = 1.0
            if case .deviceCurrent = probe.quantity, kind.isPChannelFET { sign = -1 }
            return .terminalCurrent(taps[t], sign: sign)
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
            case .resistor(let k): return value(of: .resistor(k, sign: 1), x, chargeCurrents: chargeCurrents)
            case .capacitor(let k): return value(of: .capacitor(k, sign: 1), x, chargeCurrents: chargeCurrents)
            case .currentSource(let k): return sourceValue(k, current: true, ctx)
            case .vccs(let k):
                let g = network.vccs[k]
                return g.transconductance * (voltage(g.cp, x) - voltage(g.cn, x))
            case .cccs(let k):
                let f = network.cccs[k]
                return f.gain * x[network.unknown(ofBranch: f.control)]
            case .device(let d): return value(of: .device(d, terminal: 0), x, chargeCurrents: chargeCurrents)
            case .switch(let k):
                let w = network.switches[k]
                return w.model.conductance(on: switchOn[k]) * (voltage(w.a, x) - voltage(w.b, x))
            case .behavioral(let d):
                guard case .behavioral(let b) = network.devices[d].model else { return 0 }
                let (port, sign) = b.outputPort
                // A charge's current is its capacitive one (`Tap.device` adds it).
                if b.hasCharge { return sign * value(of: .device(d, terminal: port), x, chargeCurrents: chargeCurrents) }
                return sign * b.portCurrents(portVoltages(of: d, in: x)).current[port]
            }
        case .power(let owner):
            return absorbedPowers(x, ctx, chargeCurrents: chargeCurrents)[owner]
        case let .terminalCurrent(taps, sign):
            return sign * taps.reduce(0) { $0 + value(of: $1, x, chargeCurrents: chargeCurrents) }
        }
    }

    /// The current of one primitive at a terminal (see `Network.Tap`) at solution `x`.
    func value(of tap: Network.Tap, _ x: [Double], chargeCurrents: [Double]?) -> Double {
        switch tap {
        case let .resistor(k, sign):
            let r = network.resistors[k]
            return sign * r.conductance * (voltage(r.a, x) - voltage(r.b, x))
        case let .capacitor(k, sign):
            return sign * (chargeCurrents?[k] ?? 0)
        case let .device(d, j):
            let device = network.devices[d].model
            var i = device.currents(portVoltages(of: d, in: x)).current
            if let chargeCurrents, device.hasCharge {
                for k in 0..<device.portCount { i[k] += chargeCurrents[deviceChargeOffset[d] + k] }
            }
            // Port k's current flows into terminal k; the reference terminal carries minus their sum.
            if j < device.portCount { return i[j] }
            var sum = 0.0
            for k in 0..<device.portCount { sum -= i[k] }
            return sum
        }
    }

    /// The power each circuit element absorbs at solution `x` (indexed like `circuit.elements`), W:
    /// Σ V·I over the element's primitives — negative for a source that delivers power. Capacitors,
    /// inductors and device charges count with their currents in a transient (`chargeCurrents`);
    /// in DC they carry none.
    func absorbedPowers(_ x: [Double], _ ctx: Context, chargeCurrents: [Double]?) -> [Double] {
        var power = [Double](repeating: 0, count: network.elementCount)
        let v = { (k: Int) in self.voltage(k, x) }
        for r in network.resistors { power[r.owner] += r.conductance * (v(r.a) - v(r.b)) * (v(r.a) - v(r.b)) }
        for s in network.voltageSources { power[s.owner] += (v(s.p) - v(s.n)) * x[network.unknown(ofBranch: s.branch)] }
        for (k, s) in network.currentSources.enumerated() {
            power[s.owner] += (v(s.p) - v(s.n)) * sourceValue(k, current: true, ctx)
        }
        for r in network.controlledResistors { power[r.owner] += (v(r.a) - v(r.b)) * x[network.unknown(ofBranch: r.branch)] }
        for (k, w) in network.switches.enumerated() {
            power[w.owner] += w.model.conductance(on: switchOn[k]) * (v(w.a) - v(w.b)) * (v(w.a) - v(w.b))
        }
        for e in network.vcvs { power[e.owner] += (v(e.p) - v(e.n)) * x[network.unknown(ofBranch: e.branch)] }
        for h in network.ccvs { power[h.owner] += (v(h.p) - v(h.n)) * x[network.unknown(ofBranch: h.branch)] }
        for g in network.vccs { power[g.owner] += (v(g.p) - v(g.n)) * g.transconductance * (v(g.cp) - v(g.cn)) }
        for f in network.cccs { power[f.owner] += (v(f.p) - v(f.n)) * f.gain * x[network.unknown(ofBranch: f.control)] }
        for l in network.inductors { power[l.owner] += (v(l.a) - v(l.b)) * x[network.unknown(ofBranch: l.branch)] }
        if let chargeCurrents {
            for (k, c) in network.capacitors.enumerated() { power[c.owner] += (v(c.a) - v(c.b)) * chargeCurrents[k] }
        }
        for (d, device) in network.devices.enumerated() {
            let pv = portVoltages(of: d, in: x)
            var i = device.model.currents(pv).current
            if let chargeCurrents, device.model.hasCharge {
                for k in 0..<device.model.portCount { i[k] += chargeCurrents[deviceChargeOffset[d] + k] }
            }
            for k in 0..<device.model.portCount { power[device.owner] += pv[k] * i[k] }
        }
        return power
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
            case .switch(let k):
                let w = network.switches[k]
                return (v(w.a) - v(w.b)) * Complex(w.model.conductance(on: switchOn[k]))
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
            case .behavioral(let d):
                // The output current's change: Σ ∂I/∂vₖ·vₖ over the ports, at the operating point.
                let device = network.devices[d]
                guard case .behavioral(let b) = device.model else { return .zero }
                let v0 = portVoltages(of: d, in: operatingPoint)
                let g = b.portCurrents(v0).conductance, cap = b.portCharges(v0).capacitance
                let (row, sign) = b.outputPort
                var sum = Complex<Double>.zero
                for c in 0..<b.portCount {
                    let (plus, minus) = device.port(c)
                    sum += (v(plus) - v(minus)) * Complex(sign * g[row, c], sign * omega * cap[row, c])
                }
                return sum
            }
        case .power, .terminalCurrent:
            return .zero  // rejected when the AC analysis resolves its probes
        }
    }
}
