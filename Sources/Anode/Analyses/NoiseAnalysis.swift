import Foundation
import ComplexModule

/// A `.noise v(out[,ref]) SOURCE dec|oct|lin N fstart fstop` statement: the small-signal noise at an
/// output, and referred to an input source, over a frequency sweep.
public struct NoiseRequest: Hashable, Sendable {
    /// The output voltage, v(out) or v(out,ref).
    public var output: Probe
    /// The input: an independent source's name.
    public var source: String
    /// The frequencies.
    public var sweep: ACSweep
    /// Where it was written.
    public var location: SourceLocation?

    /// A request.
    public init(output: Probe, source: String, sweep: ACSweep, location: SourceLocation? = nil) {
        self.output = output
        self.source = source
        self.sweep = sweep
        self.location = location
    }
}

/// The result of `.noise`, as ngspice reports it: the spectral densities at each frequency and the
/// totals over the sweep.
///
///     onoise(f) = √(Σₛ |Zₛ(f)|²·Sₛ(f))       V/√Hz at the output
///     inoise(f) = onoise(f)/|H(f)|            referred to the input (V/√Hz, or A/√Hz for an I source)
///
/// Sₛ is the power spectral density of noise current source s (A²/Hz), Zₛ the transimpedance from
/// it to the output, H the gain from the input source to the output. The totals integrate each
/// source's density between neighbouring frequencies as a power law through its two values (the
/// rule ngspice uses), and are √ of the sums (V, or A).
public struct NoiseResult: Hashable, Sendable {
    /// The request.
    public var request: NoiseRequest
    /// Hz.
    public var frequencies: [Double]
    /// Output noise density at each frequency, V/√Hz.
    public var outputSpectrum: [Double]
    /// Input-referred noise density at each frequency.
    public var inputSpectrum: [Double]
    /// Output noise over the sweep, V rms.
    public var outputTotal: Double
    /// Input-referred noise over the sweep, rms.
    public var inputTotal: Double
    /// Each noisy element's share of the output total, largest first.
    public var contributions: [NoiseContribution]
}

/// One element's share of a `.noise` output total: √ of the integral of the output density its
/// noise sources cause.
public struct NoiseContribution: Hashable, Sendable {
    /// The element's name.
    public var element: String
    /// V rms.
    public var outputTotal: Double
}

/// One noise current source of the linearized circuit: between nodes `a` and `b`, of density
/// `white + flicker/f` A²/Hz, belonging to element `owner`.
struct NoiseSource {
    var a: Int, b: Int, white: Double, flicker: Double, owner: Int

    func density(_ f: Double) -> Double { white + flicker / f }
}

extension Simulator {
    /// Boltzmann's constant, J/K, and the elementary charge, C.
    static let boltzmann = 1.380649e-23, electronCharge = 1.602176634e-19

    /// The netlist's `.noise` statements.
    public func noise() throws(SimulationError) -> [NoiseResult] {
        var results: [NoiseResult] = []
        for request in circuit.noiseAnalyses { results.append(try noise(request)) }
        return results
    }

    /// The noise at `request.output` over `request.sweep`, around the operating point.
    public func noise(_ request: NoiseRequest) throws(SimulationError) -> NoiseResult {
        guard case let .voltage(outPlus, outMinus) = try network.resolve(request.output, in: circuit) else {
            throw SimulationError(".noise: the output must be a voltage")
        }
        guard let sourceIndex = circuit.elementIndex(named: request.source) else {
            throw SimulationError(".noise: no source named '\(request.source)'")
        }
        let engine = MNAEngine(network, options: circuit.options)
        let (op, _, _) = try engine.solveDC(MNAEngine.Context(), guess: nil, nodesets: nodesetIndices(), iterationLimit: circuit.options.dcIterationLimit)
        let (g, c) = engine.smallSignalMatrices(at: op)
        let n = engine.size
        let sources = noiseSources(engine, at: op)

        // The input's unit excitation, as .ac applies an AC source.
        var input = [Complex<Double>](repeating: .zero, count: n)
        if let v = network.voltageSources.first(where: { $0.owner == sourceIndex }) {
            input[network.unknown(ofBranch: v.branch)] = .one
        } else if let s = network.currentSources.first(where: { $0.owner == sourceIndex }) {
            if s.p != 0 { input[s.p - 1] -= .one }
            if s.n != 0 { input[s.n - 1] += .one }
        } else {
            throw SimulationError(".noise: '\(request.source)' is not an independent source")
        }

        let frequencies = request.sweep.frequencies
        var outputSpectrum: [Double] = [], inputSpectrum: [Double] = []
        var outputTotal = 0.0, inputTotal = 0.0
        var byElement = [Double](repeating: 0, count: circuit.elements.count)
        var lastLogDensity = [Double](repeating: 0, count: sources.count)
        var yT = [Complex<Double>](repeating: .zero, count: n * n)
        for (k, f) in frequencies.enumerated() {
            // The adjoint: Yᵀ·z = e_out, so that the output's response to a unit current from node b
            // into node a is z_a − z_b, and to the input's excitation u is zᵀ·u.
            let omega = 2 * Double.pi * f
            for i in 0..<n { for j in 0..<n { yT[i + j * n] = Complex(g[j + i * n], omega * c[j + i * n]) } }
            var z = [Complex<Double>](repeating: .zero, count: n)
            if outPlus != 0 { z[outPlus - 1] += .one }
            if outMinus != 0 { z[outMinus - 1] -= .one }
            do {
                let lu = try ComplexLU(yT, n: n)
                lu.solve(&z)
            } catch .singular(let column) {
                throw SimulationError(".noise: singular AC matrix at \(f) Hz: \(network.unknownName(column)) is not determined")
            } catch {
                throw SimulationError(".noise: the AC equations at \(f) Hz hold a value that is not a finite number")
            }
            var gain = Complex<Double>.zero
            for i in 0..<n where input[i] != .zero { gain += z[i] * input[i] }
            let gainSquaredInverse = 1 / max(gain.lengthSquared, 1e-90)
            func response(_ node: Int) -> Complex<Double> { node == 0 ? .zero : z[node - 1] }

            var total = 0.0
            let previousF = k > 0 ? frequencies[k - 1] : f
            for (s, source) in sources.enumerated() {
                let density = (response(source.a) - response(source.b)).lengthSquared * source.density(f)
                total += density
                let logDensity = log(max(density, 1e-38))
                if k > 0 {
                    let integral = Self.powerLawIntegral(density, logDensity, lastLogDensity[s], f, previousF)
                    outputTotal += integral
                    inputTotal += integral * gainSquaredInverse
                    byElement[source.owner] += integral
                }
                lastLogDensity[s] = logDensity
            }
            outputSpectrum.append(total.squareRoot())
            inputSpectrum.append((total * gainSquaredInverse).squareRoot())
        }
        let contributions = byElement.enumerated().filter { $0.element > 0 }
            .map { NoiseContribution(element: circuit.elements[$0.offset].name, outputTotal: $0.element.squareRoot()) }
            .sorted { $0.outputTotal > $1.outputTotal }
        return NoiseResult(request: request, frequencies: frequencies, outputSpectrum: outputSpectrum, inputSpectrum: inputSpectrum,
                           outputTotal: outputTotal.squareRoot(), inputTotal: inputTotal.squareRoot(), contributions: contributions)
    }

    /// ∫ S df from `f0` to `f1` for S a power law through S(f0) (log `logDensity0`) and S(f1) =
    /// `density` (log `logDensity`): S = a·f^e, e = Δln S/Δln f; ∫ = a·(f1^(e+1) − f0^(e+1))/(e+1),
    /// or a·ln(f1/f0) at e = −1, or S·Δf when S is flat — as ngspice integrates its noise.
    static func powerLawIntegral(_ density: Double, _ logDensity: Double, _ logDensity0: Double, _ f1: Double, _ f0: Double) -> Double {
        let logF1 = log(f1), logF0 = log(f0)
        var exponent = (logDensity - logDensity0) / (logF1 - logF0)
        if abs(exponent) < 1e-10 { return density * (f1 - f0) }
        let a = exp(logDensity - exponent * logF1)
        exponent += 1
        if abs(exponent) < 1e-10 { return a * (logF1 - logF0) }
        return a * (exp(exponent * logF1) - exp(exponent * logF0)) / exponent
    }

    /// The noise sources of the circuit linearized at `op`, as ngspice models them: thermal noise
    /// 4kT/R of every resistance (device series resistances included, a bias-dependent base
    /// resistance at its operating-point value; T the circuit's temperature, or the device's own
    /// where the device carries the resistance or the channel itself), shot noise 2q|I| of junction currents (a diode's; a
    /// transistor's collector and base currents), flicker noise KF·|I|^AF/f (diodes, BJT base
    /// currents, JFET and MOSFET drain currents), a FET channel's thermal noise 8kT·gm/3, and a tube grid's
    /// junction in series with RGI (both, as one current across the grid). Controlled and
    /// behavioral sources, capacitors, inductors and the tubes' plate laws are noiseless.
    func noiseSources(_ engine: MNAEngine, at op: [Double]) -> [NoiseSource] {
        let fourKT = 4 * Self.boltzmann * (engine.options.temperature + Junction.zeroCelsius), twoQ = 2 * Self.electronCharge
        var sources: [NoiseSource] = []
        func thermal(_ a: Int, _ b: Int, _ conductance: Double, _ owner: Int, vt: Double? = nil) {
            // 4kT at the element's own temperature when it has one (k·T = q·Vt).
            let scale = vt.map { 4 * Self.electronCharge * $0 } ?? fourKT
            if conductance.isFinite && conductance != 0 { sources.append(NoiseSource(a: a, b: b, white: scale * abs(conductance), flicker: 0, owner: owner)) }
        }
        func shot(_ a: Int, _ b: Int, _ current: Double, kf: Double = 0, af: Double = 1, _ owner: Int) {
            let flicker = kf * pow(max(abs(current), 1e-38), af)
            sources.append(NoiseSource(a: a, b: b, white: twoQ * abs(current), flicker: flicker, owner: owner))
        }
        /// A junction (shot noise 2q|I| across its differential resistance r) in series with R
        /// (thermal 4kT·R): as one current across both, (4kT·R + 2q|I|·r²)·g², g = 1/(R + r).
        func gridNoise(_ r: Double, _ isat: Double, _ e: PortCurrents, _ grid: Int, _ cathode: Int, _ owner: Int) {
            guard isat > 0 else { return }
            let g = e.conductance[0, 0]
            guard g > 0 else { return }
            let rd = max(1 / g - r, 0)
            let white = (fourKT * r + twoQ * abs(e.current[0]) * rd * rd) * g * g
            sources.append(NoiseSource(a: grid, b: cathode, white: white, flicker: 0, owner: owner))
        }
        for r in network.resistors where !circuit.noiselessResistors.contains(circuit.elements[r.owner].name) {
            thermal(r.a, r.b, r.conductance, r.owner)
        }
        for (k, w) in network.switches.enumerated() { thermal(w.a, w.b, w.model.conductance(on: engine.switchOn[k]), w.owner) }
        for r in network.controlledResistors {
            let resistance = r.resistance(network.controls[r.control].control.fraction)
            if resistance > 0 { thermal(r.a, r.b, 1 / resistance, r.owner) }
        }
        for (d, device) in network.devices.enumerated() {
            let v = engine.portVoltages(of: d, in: op)
            let t = device.terminals
            switch device.model {
            case .diode(let diode):
                let p = diode.parameters
                shot(t[0], t[1], diode.portCurrents(v).current[0], kf: p.flickerCoefficient, af: p.flickerExponent, device.owner)
            case .bjt(let q):
                let i = q.portCurrents(v).current
                let p = q.parameters
                let (b, bi, ci, ei) = q.hasModulatedBaseResistance ? (t[0], t[1], t[2], t[3]) : (t[0], t[0], t[1], t[2])
                let ic = q.hasModulatedBaseResistance ? i[2] : i[1]
                shot(ci, ei, ic, device.owner)
                shot(bi, ei, i[0], kf: p.flickerCoefficient, af: p.flickerExponent, device.owner)
                if q.hasModulatedBaseResistance {
                    // rb at its operating-point value: the base port's conductance with rb held.
                    thermal(b, bi, q.portCurrentsWithBase(v, frozenBaseResistance: true).conductance[0, 0], device.owner, vt: q.vt)
                }
            case .jfet(let j):
                let e = j.portCurrents(v)
                thermal(t[1], t[2], 2.0 / 3.0 * e.conductance[1, 0], device.owner, vt: j.vt)
                let p = j.parameters
                if p.flickerCoefficient != 0 {
                    sources.append(NoiseSource(a: t[1], b: t[2], white: 0,
                                               flicker: p.flickerCoefficient * pow(max(abs(e.current[1]), 1e-38), p.flickerExponent), owner: device.owner))
                }
            case .mosfet(let m):
                let e = m.portCurrents(v)
                thermal(t[1], t[3], 2.0 / 3.0 * e.conductance[1, 0], device.owner, vt: m.vt)
                let p = m.parameters
                if p.flickerCoefficient != 0 {
                    // KF·|Id|^AF/(f·W·Leff·Cox²), as ngspice's level 1 (Cox from TOX, 100 nm when not given).
                    let cox = 3.9 * 8.854214871e-12 / (p.oxideThickness ?? 1e-7)
                    let area = m.effectiveWidth * m.effectiveLength
                    sources.append(NoiseSource(a: t[1], b: t[3], white: 0,
                                               flicker: p.flickerCoefficient * pow(max(abs(e.current[1]), 1e-38), p.flickerExponent) / (area * cox * cox),
                                               owner: device.owner))
                }
            case .vdmos(let m):
                let e = m.portCurrents(v)
                thermal(t[1], t[2], 2.0 / 3.0 * abs(e.conductance[1, 0]), device.owner, vt: m.vt)
                let p = m.parameters
                if p.flickerCoefficient != 0 {
                    // KF·|Id|^AF/(f·m·Cox²), Cox of a 100 nm oxide, as ngspice's VDMOS.
                    let cox = 3.9 * 8.854214871e-12 / 1e-7
                    sources.append(NoiseSource(a: t[1], b: t[2], white: 0,
                                               flicker: p.flickerCoefficient * pow(max(abs(e.current[1]), 1e-38), p.flickerExponent) / (m.multiplier * cox * cox),
                                               owner: device.owner))
                }
            case .quasiSaturation(let r):
                // RD's thermal noise at its conductance at the operating point, as ngspice's.
                thermal(t[0], t[1], r.conductance(vds: r.polarity * v[0]).g, device.owner)
            case .korenTriode(let tube):
                gridNoise(tube.parameters.gridResistance, tube.parameters.gridSaturationCurrent, tube.portCurrents(v), t[0], t[2], device.owner)
            case .korenPentode(let tube):
                gridNoise(tube.parameters.gridResistance, tube.parameters.gridSaturationCurrent, tube.portCurrents(v), t[0], t[3], device.owner)
            case .dempwolfZolzerTriode, .depletionCapacitance, .behavioral, .controlledSwitch:
                break
            }
        }
        return sources
    }
}
