import Foundation

/// Which engine drives a measurement.
public enum MeasurementEngine: Sendable, Hashable {
    /// The real-time processor at `sampleRate` Hz with `oversampling` (a sine's frequency is moved
    /// to the nearest one with a whole number of samples per period).
    case realtime(sampleRate: Double, oversampling: Int)
    /// The reference simulator: a fixed-step trapezoidal transient with `pointsPerPeriod` steps per
    /// period of the drive.
    case reference(pointsPerPeriod: Int)
}

/// One point of a level sweep: the drive, the output's fundamental and its distortion.
public struct DistortionPoint: Sendable, Hashable {
    /// Peak input, in the source's unit (V or A).
    public var input: Double
    /// Peak of the output's fundamental.
    public var output: Double
    /// The output's harmonic analysis.
    public var harmonics: HarmonicAnalysis
    /// Total harmonic distortion (a fraction).
    public var thd: Double { harmonics.thd }
    /// Gain of the fundamental, dB.
    public var gain: Double { 20 * log10(output / input) }
}

/// One point of a frequency response.
public struct ResponsePoint: Sendable, Hashable {
    /// Frequency, Hz.
    public var frequency: Double
    /// Output over input (of the fundamental).
    public var gain: Double
    /// Phase of the output relative to the input, radians.
    public var phase: Double
    /// Gain in dB.
    public var decibels: Double { 20 * log10(gain) }
}

/// Where the power goes while a circuit plays a sine: averages over whole periods.
public struct PowerReport: Sendable, Hashable {
    /// The average power each measured element absorbs, W (negative where it delivers power).
    public var elements: [(name: String, power: Double)]
    /// The elements counted as the load, and the power they absorb together, W.
    public var loads: [String]
    /// Power into the load, W.
    public var outputPower: Double
    /// Power delivered by each independent source other than the input, W.
    public var supplies: [(name: String, power: Double)]

    /// Total power drawn from the supplies, W.
    public var suppliedPower: Double { supplies.reduce(0) { $0 + $1.power } }
    /// Output power over supplied power.
    public var efficiency: Double { suppliedPower > 0 ? outputPower / suppliedPower : 0 }
    /// The average power absorbed by the elements named in `names` together, W.
    public func power(of names: [String]) -> Double {
        let wanted = Set(names.map { $0.lowercased() })
        return elements.filter { wanted.contains($0.name.lowercased()) }.reduce(0) { $0 + $1.power }
    }

    /// Equal when every element, load and supply and their powers match.
    public static func == (a: PowerReport, b: PowerReport) -> Bool {
        a.elements.map(\.name) == b.elements.map(\.name) && a.elements.map(\.power) == b.elements.map(\.power)
            && a.loads == b.loads && a.outputPower == b.outputPower
            && a.supplies.map(\.name) == b.supplies.map(\.name) && a.supplies.map(\.power) == b.supplies.map(\.power)
    }

    /// Hashes the elements and their powers.
    public func hash(into hasher: inout Hasher) {
        for e in elements { hasher.combine(e.name); hasher.combine(e.power) }
    }
}

/// Bench measurements of an amplifier or any stage: drive its input source with a sine, let it
/// settle, and analyse whole periods of the output — harmonics and THD, THD against level, the
/// clipping level, the frequency response, and where the power goes.
///
///     let m = try AmplifierMeasurement(circuit, input: "Vin", output: .voltage("out"))
///     let h = try m.harmonics(frequency: 1000, amplitude: 0.1)     // h.thd, h.amplitudes
///     let clip = try m.clippingLevel(frequency: 1000)             // input level at 1 % THD
///
/// The sine rides on the source's DC value. Each measurement starts from the DC operating point.
public struct AmplifierMeasurement: Sendable {
    /// The circuit (its knobs as they are set).
    public var circuit: Circuit
    /// The independent source that is driven.
    public var input: String
    /// The output analysed.
    public var output: Probe
    /// The engine.
    public var engine: MeasurementEngine
    /// Seconds of drive before the analysed periods, for coupling capacitors to settle.
    public var settle: Double = 0.1
    /// Whole periods analysed.
    public var periods: Int = 4

    /// A measurement of `output` when `input` (a source of `circuit`) is driven.
    public init(_ circuit: Circuit, input: String, output: Probe,
                engine: MeasurementEngine = .realtime(sampleRate: 48_000, oversampling: 1)) throws(SimulationError) {
        guard let k = circuit.elementIndex(named: input) else { throw SimulationError("no source named '\(input)' to drive") }
        switch circuit.elements[k].kind {
        case .voltageSource, .currentSource: break
        default: throw SimulationError("\(circuit.elements[k].name) is not an independent source")
        }
        self.circuit = circuit
        self.input = circuit.elements[k].name
        self.output = output
        self.engine = engine
    }

    /// The input source's DC value, on which the sine rides.
    var restValue: Double {
        switch circuit.element(named: input)!.kind {
        case let .voltageSource(_, _, s), let .currentSource(_, _, s): return s.dcValue
        default: return 0
        }
    }

    /// The frequency actually used for a requested one: with the real-time engine, the nearest
    /// whose period is a whole number of samples (at least three, so at most a third of the rate).
    public func exactFrequency(_ frequency: Double) -> Double {
        guard case let .realtime(rate, _) = engine else { return frequency }
        return rate / max((rate / frequency).rounded(), 3)
    }

    /// The steady-state response to a sine of `amplitude` at `frequency`: the last `periods`
    /// periods of each probe (default: the output), after `settle` seconds; their sample rate; and
    /// the phase of the drive (as a cosine, radians) at the first sample returned, with the
    /// oversampling filters' delay taken out.
    public func sineResponse(frequency: Double, amplitude: Double, probes: [Probe]? = nil) throws(SimulationError) -> (samples: [[Double]], sampleRate: Double, drivePhase: Double) {
        let probes = probes ?? [output]
        let f = exactFrequency(frequency)
        guard f > 0, f.isFinite, amplitude.isFinite else { throw SimulationError("a sine needs a positive frequency and a finite amplitude") }
        guard settle >= 0, settle <= 3600, periods >= 1, Double(periods) / f <= 3600 else {
            throw SimulationError("a measurement settles for 0 to 3600 s and analyses at least one period, within an hour")
        }
        let dc = restValue
        switch engine {
        case let .realtime(rate, oversampling):
            guard (settle + Double(periods) / f) * rate <= 1e9 else {
                throw SimulationError("the measurement would need more than a billion samples")
            }
            let processor = try Processor(circuit, configuration: ProcessorConfiguration(
                inputs: [input], outputs: probes, sampleRate: rate, oversampling: oversampling, restInputs: [dc]))
            let perPeriod = Int((rate / f).rounded())
            let keep = perPeriod * periods
            let delay = Int(processor.latency.rounded())
            let total = Int((settle * rate).rounded(.up)) + keep + delay
            let w = 2 * Double.pi * f / rate
            let x = (0..<total).map { dc + amplitude * sin(w * Double($0 + 1)) }
            let y = processor.process(x)
            let start = total - keep
            let samples = (0..<probes.count).map { c in (start..<total).map { y[$0 * probes.count + c] } }
            // Output n answers input n (the sine at sample n + 1), `delay` samples late.
            let phase = remainder(w * Double(start + 1 - delay) - Double.pi / 2, 2 * Double.pi)
            return (samples, rate, phase)
        case let .reference(points):
            var c = circuit
            do { try c.setWaveform(of: input, to: .sine(offset: dc, amplitude: amplitude, frequency: f, delay: 0, damping: 0, phase: 0)) }
            catch { throw SimulationError(error.message) }
            let step = 1 / (f * Double(max(points, 16)))
            let total = (settle * f).rounded(.up) + Double(periods)
            c.options.fixedStep = true
            let spec = TransientSpec(step: step, stop: total / f, start: 0, maxStep: step)
            let simulator: Simulator
            do { simulator = try Simulator(c) } catch { throw SimulationError(error.description) }
            let result = try simulator.transient(spec, probes: probes)
            let keep = max(points, 16) * periods
            let samples = probes.map { p in Array(result.values(p)!.suffix(keep)) }
            let first = result.time[result.time.count - keep]
            return (samples, 1 / step, remainder(2 * Double.pi * f * first - Double.pi / 2, 2 * Double.pi))
        }
    }

    /// The output's harmonics for a sine of `amplitude` at `frequency`, up to harmonic `harmonics`.
    public func harmonics(frequency: Double, amplitude: Double, harmonics: Int = 9) throws(SimulationError) -> HarmonicAnalysis {
        let (samples, rate, _) = try sineResponse(frequency: frequency, amplitude: amplitude)
        return try HarmonicAnalysis(samples: samples[0], sampleRate: rate, fundamental: exactFrequency(frequency), harmonics: harmonics, periods: periods)
    }

    /// THD and gain at each input level (peak) of a sine at `frequency`.
    public func distortion(frequency: Double, levels: [Double], harmonics: Int = 9) throws(SimulationError) -> [DistortionPoint] {
        var points: [DistortionPoint] = []
        for level in levels {
            let h = try self.harmonics(frequency: frequency, amplitude: level, harmonics: harmonics)
            points.append(DistortionPoint(input: level, output: h.amplitudes.first ?? 0, harmonics: h))
        }
        return points
    }

    /// The input level (peak) at which THD reaches `threshold` (a fraction, 1 % by default), found
    /// by bisection on a logarithmic scale between `low` and `high`; nil when THD stays below the
    /// threshold up to `high` (or is above it already at `low`).
    public func clippingLevel(frequency: Double, threshold: Double = 0.01, low: Double = 1e-3, high: Double = 10,
                              tolerance: Double = 0.01) throws(SimulationError) -> Double? {
        func thd(_ level: Double) throws(SimulationError) -> Double { try harmonics(frequency: frequency, amplitude: level).thd }
        var a = log(low), b = log(high)
        guard try thd(low) < threshold, try thd(high) >= threshold else { return nil }
        while b - a > tolerance {
            let mid = 0.5 * (a + b)
            if try thd(exp(mid)) < threshold { a = mid } else { b = mid }
        }
        return exp(0.5 * (a + b))
    }

    /// Gain and phase of the fundamental at each frequency, for a sine of `amplitude` (small, so that
    /// the circuit stays linear) — the swept-sine counterpart of `.ac`, through the chosen engine.
    /// With oversampling, the filters' delay is taken out of the phase.
    public func frequencyResponse(frequencies: [Double], amplitude: Double) throws(SimulationError) -> [ResponsePoint] {
        var points: [ResponsePoint] = []
        for requested in frequencies {
            let f = exactFrequency(requested)
            let (samples, rate, drive) = try sineResponse(frequency: f, amplitude: amplitude)
            let h = try HarmonicAnalysis(samples: samples[0], sampleRate: rate, fundamental: f, harmonics: 1, periods: periods)
            let phase = remainder(h.phases[0] - drive, 2 * Double.pi)
            points.append(ResponsePoint(frequency: f, gain: h.amplitudes[0] / abs(amplitude), phase: phase))
        }
        return points
    }

    /// The average powers while a sine of `amplitude` at `frequency` plays, over the analysed
    /// periods, with the elements in `loads` counted as the load.
    ///
    /// The reference simulator reports every element (its `p()` outputs: conduction and charge
    /// currents, so capacitors and inductors average to nearly zero). The real-time engine, whose
    /// outputs are linear in its state, reports the supplies (−V·Ī of each constant source) and the
    /// loads, which must then be resistors (R·⟨i²⟩).
    public func power(frequency: Double, amplitude: Double, loads: [String]) throws(SimulationError) -> PowerReport {
        var loadElements: [Element] = []
        for name in loads {
            guard let e = circuit.element(named: name) else { throw SimulationError("no element named '\(name)' to count as the load") }
            loadElements.append(e)
        }
        var supplies: [(name: String, voltage: Double, index: Int)] = []
        for (k, e) in circuit.elements.enumerated() where e.name.lowercased() != input.lowercased() {
            switch e.kind {
            case let .voltageSource(_, _, source): supplies.append((e.name, source.dcValue, k))
            case .currentSource: supplies.append((e.name, .nan, k))
            default: break
            }
        }
        switch engine {
        case .reference:
            let names = circuit.elements.map(\.name)
            let (samples, _, _) = try sineResponse(frequency: frequency, amplitude: amplitude, probes: names.map { .power($0) })
            let averages = samples.map { $0.reduce(0, +) / Double(max($0.count, 1)) }
            let elements = Array(zip(names, averages))
            let report = PowerReport(elements: elements, loads: loadElements.map(\.name), outputPower: 0,
                                     supplies: supplies.map { ($0.name, -averages[$0.index]) })
            return PowerReport(elements: elements, loads: report.loads, outputPower: report.power(of: loads), supplies: report.supplies)
        case .realtime:
            var resistances: [Double] = []
            for e in loadElements {
                guard case let .resistor(_, _, r) = e.kind else {
                    throw SimulationError("with the real-time engine the load must be resistors; \(e.name) is not (the reference engine measures any element)")
                }
                resistances.append(r)
            }
            let voltageSupplies = supplies.filter { !$0.voltage.isNaN }
            let probes = voltageSupplies.map { Probe.current($0.name) } + loadElements.map { Probe.current($0.name) }
            let (samples, _, _) = try sineResponse(frequency: frequency, amplitude: amplitude, probes: probes)
            func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(max(x.count, 1)) }
            let supplyPowers = voltageSupplies.enumerated().map { (k, s) in (s.name, -s.voltage * mean(samples[k])) }
            let loadPowers = loadElements.enumerated().map { (k, e) in
                (e.name, resistances[k] * mean(samples[voltageSupplies.count + k].map { $0 * $0 }))
            }
            let elements = supplyPowers.map { ($0.0, -$0.1) } + loadPowers
            return PowerReport(elements: elements, loads: loadElements.map(\.name), outputPower: loadPowers.reduce(0) { $0 + $1.1 },
                               supplies: supplyPowers)
        }
    }
}
