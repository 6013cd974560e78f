import Foundation

/// A `.meas` statement: one number taken from a `.tran`, `.ac` or `.dc` result, as ngspice's
/// `.measure` takes it.
///
///     .meas tran vmax MAX v(out) FROM=1m TO=5m        extremes, their place, averages, integrals
///     .meas tran vrms RMS v(out)                      √(∫v²/span), the trapezoidal rule between points
///     .meas tran v2m FIND v(out) AT=2m                a value at a point of the scale
///     .meas tran vx FIND v(out) WHEN v(in)=0.5 RISE=2 a value where another crosses a level
///     .meas tran tx WHEN v(out)=0.5 CROSS=LAST        where a crossing happens
///     .meas tran te WHEN v(a)=v(b) RISE=1             where two outputs cross (v(a) − v(b) rises through 0)
///     .meas tran slope DERIV v(out) AT=1m             a derivative at a point (or WHEN …), d/dTIME, d/dHz, d/dV
///     .meas tran tpd TRIG v(in) VAL=0.5 RISE=1 TARG v(out) VAL=0.5 RISE=1   the span between two
///     .meas tran ratio PARAM='vmax/vrms'             an expression of earlier measurements
///
/// Values between the result's points are interpolated linearly (the transient's points are the
/// multiples of TSTEP); a derivative is that of the parabola through the three points nearest the
/// place (so a smooth waveform's is accurate to the square of the step, not to the step). `RISE=n`, `FALL=n`, `CROSS=n` pick the n-th upward, downward or any
/// crossing (`LAST`: the last one), counted from `TD` on; without any of them, the first crossing.
public struct SpiceMeasurement: Hashable, Sendable {
    /// The name the result is reported under (lowercased).
    public var name: String
    /// The analysis it measures.
    public var analysis: AnalysisKind
    /// What it measures.
    public var kind: Kind
    /// Where it was written.
    public var location: SourceLocation?

    /// What a measurement computes.
    public enum Kind: Hashable, Sendable {
        /// A statistic of `probe` over the scale from `from` to `to` (the whole result when nil).
        case statistic(Statistic, Probe, from: Double?, to: Double?)
        /// The value of `probe` at a place (FIND … AT= or WHEN).
        case find(Probe, Place)
        /// The derivative of `probe` at a place (DERIV … AT= or WHEN).
        case derivative(Probe, Place)
        /// Where `condition` is met (a time, a frequency or a sweep value).
        case when(Condition)
        /// The distance from the trigger's point to the target's: `targ − trig`.
        case trigTarg(trigger: Condition, target: Condition)
        /// An expression of earlier measurements (by name) and of the netlist's parameters, whose
        /// values were taken at elaboration (`constants`): `PARAM='vmax/vmin'`.
        case param(Expression, constants: [String: Double])
    }

    /// The statistics of a probe over a span.
    public enum Statistic: String, Hashable, Sendable, CaseIterable {
        /// Mean over the span, ∫v/span.
        case avg
        /// Root mean square, √(∫v²/span).
        case rms
        /// Smallest value.
        case min
        /// Largest value.
        case max
        /// Largest minus smallest.
        case pp
        /// ∫v over the span.
        case integ
        /// Where the smallest value is.
        case minAt = "min_at"
        /// Where the largest value is.
        case maxAt = "max_at"
    }

    /// Where FIND and DERIV read their probe.
    public enum Place: Hashable, Sendable {
        /// A point of the scale (`AT=`).
        case at(Double)
        /// Where a condition is met (`WHEN`).
        case when(Condition)

        /// The outputs it reads.
        public var probes: [Probe] {
            if case .when(let c) = self { return c.probes }
            return []
        }
    }

    /// A probe crossing a level: the `count`-th crossing of `edge` after `delay` (the last when count is nil).
    public struct Condition: Hashable, Sendable {
        /// The probe that crosses, or nil for a fixed point (`TRIG AT=…`) at `level`.
        public var probe: Probe?
        /// Another output the probe crosses (`WHEN v(a)=v(b)`): the level is then 0 of their difference.
        public var reference: Probe? = nil
        /// The level it crosses (or the fixed point).
        public var level: Double
        /// Which crossings count.
        public var edge: Edge
        /// Which of them: 1 is the first; nil the last.
        public var count: Int?
        /// Crossings before this point of the scale are not counted (`TD`).
        public var delay: Double

        /// The outputs it reads.
        public var probes: [Probe] { [probe, reference].compactMap { $0 } }

        /// A condition.
        public init(probe: Probe?, level: Double, edge: Edge = .cross, count: Int? = 1, delay: Double = 0) {
            self.probe = probe
            self.level = level
            self.edge = edge
            self.count = count
            self.delay = delay
        }
    }

    /// The direction of a crossing.
    public enum Edge: String, Hashable, Sendable {
        /// Upward.
        case rise
        /// Downward.
        case fall
        /// Either.
        case cross
    }

    /// A measurement.
    public init(name: String, analysis: AnalysisKind, kind: Kind, location: SourceLocation? = nil) {
        self.name = name
        self.analysis = analysis
        self.kind = kind
        self.location = location
    }

    /// The probes the measurement reads.
    public var probes: [Probe] {
        switch kind {
        case let .statistic(_, p, _, _): return [p]
        case let .find(p, place), let .derivative(p, place): return [p] + place.probes
        case let .when(c): return c.probes
        case let .trigTarg(a, b): return a.probes + b.probes
        case .param: return []
        }
    }

    /// The measurement on `result` (of its analysis), with the values of the measurements before
    /// it in `earlier` (for `PARAM=`; a name missing there is one that failed); an error says why
    /// there is no value.
    public func evaluate(_ result: AnalysisResult, earlier: [String: Double] = [:]) throws(SimulationError) -> Double {
        let scale: [Double]
        let values: (Probe) -> [Double]?
        switch result {
        case .transient(let r): scale = r.time; values = { r.values($0) }
        case .ac(let r): scale = r.frequencies; values = { r.values($0) }
        case .dcSweep(let r): scale = r.sweepValues; values = { r.values($0) }
        case .operatingPoint: throw SimulationError(".meas \(name): there is nothing to measure in an operating point")
        }
        func column(_ p: Probe) throws(SimulationError) -> [Double] {
            guard let v = values(p), v.count == scale.count else { throw SimulationError(".meas \(name): \(p) was not recorded") }
            return v
        }
        guard scale.count >= 1 else { throw SimulationError(".meas \(name): the \(analysis.rawValue) result has no points") }
        func outside(_ x: Double) -> SimulationError {
            SimulationError(".meas \(name): AT=\(x) is outside the result (\(scale[0]) to \(scale[scale.count - 1]))")
        }
        switch kind {
        case let .statistic(statistic, probe, from, to):
            return try Self.statistic(statistic, scale, try column(probe), from: from ?? scale[0], to: to ?? scale[scale.count - 1], name: name)
        case let .find(probe, place), let .derivative(probe, place):
            let x: Double
            switch place {
            case .at(let at): x = at
            case .when(let condition): x = try point(condition, scale, column)
            }
            let v = try column(probe)
            guard case .derivative = kind else {
                guard let value = Self.interpolate(scale, v, at: x) else { throw outside(x) }
                return value
            }
            guard scale.count >= 3 else { throw SimulationError(".meas \(name): a derivative needs three points of the result") }
            guard let slope = Self.derivative(scale, v, at: x) else { throw outside(x) }
            return slope
        case let .when(condition):
            return try point(condition, scale, column)
        case let .trigTarg(trigger, target):
            return try point(target, scale, column) - point(trigger, scale, column)
        case let .param(expression, constants):
            do {
                return try expression.evaluate(at: location, lookup: { (name: String) throws(NetlistError) -> Double? in
                    if let value = constants[name] { return value }
                    if let value = earlier[name] { return value }
                    throw NetlistError("'\(name)' has no value: the measurement of that name failed", at: location)
                })
            } catch { throw SimulationError(".meas \(name): \(error.message)") }
        }
    }

    /// The point of the scale where `c` is met.
    func point(_ c: Condition, _ scale: [Double], _ column: (Probe) throws(SimulationError) -> [Double]) throws(SimulationError) -> Double {
        guard let probe = c.probe else { return c.level }
        var v = try column(probe)
        if let reference = c.reference {
            let w = try column(reference)
            for k in v.indices { v[k] -= w[k] }
        }
        var found: Double? = nil
        var seen = 0
        for k in 1..<max(scale.count, 1) {
            let a = v[k - 1] - c.level, b = v[k] - c.level
            let rising = a < 0 && b >= 0, falling = a > 0 && b <= 0
            guard (c.edge != .fall && rising) || (c.edge != .rise && falling) else { continue }
            let x = scale[k - 1] + (scale[k] - scale[k - 1]) * a / (a - b)
            guard x >= c.delay else { continue }
            seen += 1
            found = x
            if let n = c.count, seen == n { return x }
        }
        if c.count == nil, let found { return found }
        let verb = c.edge == .rise ? "rises through" : c.edge == .fall ? "falls through" : "crosses"
        let level = c.reference.map { "\($0)" } ?? format(c.level)
        let after = c.delay > 0 ? " after TD=\(format(c.delay))" : ""
        if seen == 0 { throw SimulationError(".meas \(name): \(probe) never \(verb) \(level)\(after)") }
        throw SimulationError(".meas \(name): \(probe) \(verb) \(level)\(after) only \(seen) time\(seen == 1 ? "" : "s"), not \(c.count ?? 0)")
    }

    /// dv/dx at `x`: the derivative of the parabola through the three points of the scale nearest
    /// `x` (the interval holding x and the nearer neighbour); nil outside the scale or with fewer
    /// than three points.
    static func derivative(_ scale: [Double], _ v: [Double], at x: Double) -> Double? {
        guard scale.count >= 3, interpolate(scale, v, at: x) != nil else { return nil }
        var k = 1
        while k < scale.count - 1 && scale[k] < x { k += 1 }
        // The interval [k − 1, k] holds x; its neighbour on the side x is nearer to.
        var a = k - 1
        if a > 0 && (k == scale.count - 1 || x - scale[a] < scale[k] - x) { a -= 1 }
        let (x0, x1, x2) = (scale[a], scale[a + 1], scale[a + 2])
        let (y0, y1, y2) = (v[a], v[a + 1], v[a + 2])
        guard x0 < x1, x1 < x2 else { return (y2 - y0) / (x2 - x0) }
        // Lagrange: p'(x) = Σ yᵢ·Σ_{j≠i} (x − x_m)/((xᵢ − x_j)(xᵢ − x_m)), m the third index.
        return y0 * ((x - x1) + (x - x2)) / ((x0 - x1) * (x0 - x2))
            + y1 * ((x - x0) + (x - x2)) / ((x1 - x0) * (x1 - x2))
            + y2 * ((x - x0) + (x - x1)) / ((x2 - x0) * (x2 - x1))
    }

    /// Linear interpolation of `v` over `scale` at `x`; nil outside (a point within 10⁻⁹ of the
    /// span beyond an end, such as TO=5m on a last point of 4.999999999999999 ms, is that end).
    static func interpolate(_ scale: [Double], _ v: [Double], at x: Double) -> Double? {
        guard let first = scale.first, let last = scale.last else { return nil }
        let slack = 1e-9 * max(abs(last - first), abs(last), abs(first))
        guard x >= first - slack, x <= last + slack else { return nil }
        if x <= first { return v[0] }
        if x >= last { return v[v.count - 1] }
        var k = 1
        while k < scale.count && scale[k] < x { k += 1 }
        if k >= scale.count { return v[v.count - 1] }
        let span = scale[k] - scale[k - 1]
        if span == 0 { return v[k] }
        return v[k - 1] + (v[k] - v[k - 1]) * (x - scale[k - 1]) / span
    }

    /// A statistic of `v` over [from, to], the ends interpolated, integrals by the trapezoidal rule.
    static func statistic(_ s: Statistic, _ scale: [Double], _ v: [Double], from: Double, to: Double, name: String) throws(SimulationError) -> Double {
        guard from <= to, let a = interpolate(scale, v, at: from), let b = interpolate(scale, v, at: to) else {
            throw SimulationError(".meas \(name): FROM=\(from) TO=\(to) is not a span within the result (\(scale[0]) to \(scale[scale.count - 1]))")
        }
        let from = max(from, scale[0]), to = min(to, scale[scale.count - 1])
        // The points of the span: its ends and the result's points strictly inside.
        var xs = [from], ys = [a]
        for k in scale.indices where scale[k] > from && scale[k] < to { xs.append(scale[k]); ys.append(v[k]) }
        if to > from { xs.append(to); ys.append(b) }
        func integral(_ f: (Double) -> Double) -> Double {
            var sum = 0.0
            for k in 1..<max(xs.count, 1) { sum += 0.5 * (f(ys[k - 1]) + f(ys[k])) * (xs[k] - xs[k - 1]) }
            return sum
        }
        switch s {
        case .min: return ys.min()!
        case .max: return ys.max()!
        case .pp: return ys.max()! - ys.min()!
        case .minAt: return xs[ys.firstIndex(of: ys.min()!)!]
        case .maxAt: return xs[ys.firstIndex(of: ys.max()!)!]
        case .integ: return integral { $0 }
        case .avg, .rms:
            guard to > from else { return s == .avg ? a : abs(a) }
            return s == .avg ? integral { $0 } / (to - from) : (integral { $0 * $0 } / (to - from)).squareRoot()
        }
    }
}
