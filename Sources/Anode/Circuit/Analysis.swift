/// An analysis to run, as `.op`, `.dc`, `.ac` and `.tran` request them.
public enum Analysis: Hashable, Sendable {
    /// The DC operating point.
    case operatingPoint
    /// A DC sweep of one or two independent sources (the second is the outer loop).
    case dcSweep([DCSweep])
    /// A small-signal frequency sweep around the operating point.
    case ac(ACSweep)
    /// A transient analysis.
    case transient(TransientSpec)

    /// `op`, `dc`, `ac` or `tran`: the name `.print` uses.
    public var kind: AnalysisKind {
        switch self {
        case .operatingPoint: return .op
        case .dcSweep: return .dc
        case .ac: return .ac
        case .transient: return .tran
        }
    }
}

/// The four kinds of analysis.
public enum AnalysisKind: String, Hashable, Sendable, CaseIterable {
    /// Operating point.
    case op
    /// DC sweep.
    case dc
    /// Small-signal AC.
    case ac
    /// Transient.
    case tran
}

/// One swept source of a `.dc` analysis.
public struct DCSweep: Hashable, Sendable {
    /// Name of the independent voltage or current source, or of the resistor, swept.
    public var source: String
    /// First value.
    public var start: Double
    /// Last value (included).
    public var stop: Double
    /// Increment (its sign is taken from stop − start).
    public var step: Double
    /// For a resistor, what its resistance in the circuit is per ohm of the swept value: its
    /// temperature coefficients' factor over its multiplier m, as ngspice sweeps the value written
    /// on the element; 1 for a source.
    public var scale: Double

    /// Whether this sweeps the temperature (ngspice's `.dc TEMP`, °C) rather than an element.
    public var isTemperature: Bool { source.lowercased() == "temp" }

    /// A sweep of `source` from `start` to `stop` by `step`.
    public init(source: String, start: Double, stop: Double, step: Double, scale: Double = 1) {
        self.source = source
        self.start = start
        self.stop = stop
        self.step = step
        self.scale = scale
    }

    /// The swept values, start and stop included.
    public var values: [Double] {
        guard step != 0, stop != start, step.isFinite else { return [start] }
        let increment = (stop >= start ? 1.0 : -1.0) * abs(step)
        let count = ((stop - start) / increment + 1e-9).rounded(.down)
        guard count.isFinite, count < 1e8 else { return [start] }
        return (0...Int(count)).map { start + Double($0) * increment }
    }
}

/// The frequencies of an `.ac` analysis.
public struct ACSweep: Hashable, Sendable {
    /// How frequencies are spaced.
    public enum Spacing: String, Hashable, Sendable {
        /// `points` per decade.
        case decade = "dec"
        /// `points` per octave.
        case octave = "oct"
        /// `points` in all, evenly spaced.
        case linear = "lin"
    }

    /// How frequencies are spaced.
    public var spacing: Spacing
    /// Points per decade or octave, or in all.
    public var points: Int
    /// First frequency, Hz.
    public var start: Double
    /// Last frequency, Hz.
    public var stop: Double

    /// A sweep from `start` to `stop` Hz.
    public init(_ spacing: Spacing, points: Int, start: Double, stop: Double) {
        self.spacing = spacing
        self.points = points
        self.start = start
        self.stop = stop
    }

    /// The frequencies, in the order SPICE visits them.
    public var frequencies: [Double] {
        switch spacing {
        case .linear:
            if points <= 1 { return [start] }
            return (0..<points).map { start + (stop - start) * Double($0) / Double(points - 1) }
        case .decade:
            // As ngspice: n = ⌊decades·points⌋ equal ratios from start to exactly stop (the ratio is
            // 10^(1/points) when the range is a whole number of decades).
            let count = (log10(stop / start) * Double(points) + 1e-9).rounded(.down)
            guard count.isFinite, count >= 1, count < 1e7 else { return [start] }
            return (0...Int(count)).map { $0 == Int(count) ? stop : start * pow(stop / start, Double($0) / count) }
        case .octave:
            // f_k = start · 2^(k/points), up to stop (kept when it lies on the grid), as ngspice.
            let count = (log2(stop / start) * Double(points) + 1e-9).rounded(.down)
            guard count.isFinite, count >= 0, count < 1e7 else { return [start] }
            return (0...Int(count)).map { start * pow(2, Double($0) / Double(points)) }
        }
    }
}

/// A `.tran` analysis.
public struct TransientSpec: Hashable, Sendable {
    /// TSTEP: the output interval, s.
    public var step: Double
    /// TSTOP: the end time, s.
    public var stop: Double
    /// TSTART: results before this time are not recorded, s.
    public var start: Double
    /// TMAX: the largest internal step, s; nil for min(TSTEP, (TSTOP − TSTART)/50).
    public var maxStep: Double?
    /// UIC: start from the initial conditions instead of the operating point.
    public var useInitialConditions: Bool
    /// LTspice's `startup`: the independent sources at the top level of the circuit (not those
    /// inside subcircuits, `Circuit.subcircuitSources`) are off for the operating point and turned
    /// on during the first `startupRamp` seconds, each value times t/`startupRamp`, so that the
    /// circuit powers up as on the bench.
    public var startup: Bool

    /// How long `startup` takes to turn the sources on: 20 µs, as LTspice.
    public static let startupRamp = 20e-6

    /// The factor `startup` puts on a source it turns on, at time `t`: t/`startupRamp`, then 1.
    public static func startupScale(at t: Double) -> Double { t < startupRamp ? t / startupRamp : 1 }

    /// A transient from 0 to `stop`, reported every `step`.
    public init(step: Double, stop: Double, start: Double = 0, maxStep: Double? = nil, useInitialConditions: Bool = false,
                startup: Bool = false) {
        self.step = step
        self.stop = stop
        self.start = start
        self.maxStep = maxStep
        self.useInitialConditions = useInitialConditions
        self.startup = startup
    }

    /// The most output points a transient may record (TSTOP/TSTEP), so that a mistyped TSTEP gives an
    /// error instead of exhausting memory.
    public static let maximumOutputPoints = 2e7

    /// The largest internal step SPICE would take: TMAX, or min(TSTEP, (TSTOP − TSTART)/50).
    public var effectiveMaxStep: Double {
        maxStep ?? min(step, (stop - start) / 50)
    }
}

import Foundation
