import Foundation

/// The time function of an independent source in transient analysis, as SPICE defines it.
public enum Waveform: Hashable, Sendable {
    /// `SIN(VO VA FREQ TD THETA PHASE NCYCLES)`: VO + VA·e^(−THETA·(t−TD))·sin(2π·FREQ·(t−TD) + PHASE)
    /// after TD, VO + VA·sin(PHASE) before. PHASE in degrees; FREQ nil means 1/TSTOP. After `cycles`
    /// periods (LTspice's Ncycles, not necessarily whole) the value stays where they ended, as
    /// LTspice XVII defines it; nil for no end.
    case sine(offset: Double, amplitude: Double, frequency: Double?, delay: Double, damping: Double, phase: Double, cycles: Double? = nil)
    /// `PULSE(V1 V2 TD TR TF PW PER NP)`: nil rise or fall means TSTEP, nil width or period means
    /// TSTOP; after `count` pulses (ngspice's NP, LTspice's Ncycles) the value stays V1, nil for no end.
    case pulse(initial: Double, pulsed: Double, delay: Double, rise: Double?, fall: Double?, width: Double?, period: Double?, count: Int? = nil)
    /// `PWL(T1 V1 T2 V2 ... [r=R] [td=TD])`: straight lines between the points, flat outside them;
    /// with `repeatFrom` (ngspice's `r=`), the part from that time to the last point repeats after
    /// the last point for ever, with the period T_last − R. ngspice's `td=` delays the points
    /// themselves (the netlist reader adds it to their times, and to R).
    case piecewiseLinear([Point], repeatFrom: Double? = nil)
    /// `EXP(V1 V2 TD1 TAU1 TD2 TAU2)`: rises from V1 toward V2 after TD1 with TAU1, falls back after TD2 with TAU2.
    case exponential(initial: Double, pulsed: Double, riseDelay: Double, riseTime: Double?, fallDelay: Double?, fallTime: Double?)
    /// `SFFM(VO VA FC MDI FS PHASEC PHASES)`, single-frequency FM:
    /// VO + VA·sin(2π·FC·t + PHASEC + MDI·sin(2π·FS·t + PHASES)), phases in degrees; a nil
    /// carrier or signal frequency means 1/TSTOP.
    case frequencyModulated(offset: Double, amplitude: Double, carrier: Double?, index: Double, signal: Double?,
                            carrierPhase: Double, signalPhase: Double)
    /// `AM(VA VO MF FC TD PHASEC PHASES)`, as ngspice 39 computes it: 0 until TD, then
    /// VA·(VO + sin(2π·MF·τ + φ))·sin(2π·FC·τ + φ), τ = t − TD, φ = PHASES in degrees (PHASEC
    /// has no effect there); a nil modulating frequency means 1/TSTOP.
    case amplitudeModulated(amplitude: Double, offset: Double, modulation: Double?, carrier: Double, delay: Double, phase: Double)
    /// `TRNOISE(NA NT)`, ngspice's transient white noise: a new Gaussian sample of rms NA every NT
    /// (sample k at time k·NT), straight lines between them, 0 at t = 0; `offset` is the source's
    /// DC value. The samples are drawn by hashing `key` (the seed, the `.step` point and the
    /// source's name; see `RandomDraws`) with k, so the waveform is a function of time alone.
    case whiteNoise(amplitude: Double, interval: Double, offset: Double, key: UInt64)
    /// LTspice's `wavefile=FILE chan=N`: one channel of a WAV file, sample k at time k/rate, straight
    /// lines between samples (see `SampledSignal`).
    case sampled(SampledSignal)

    /// A corner of a piecewise-linear waveform.
    public struct Point: Hashable, Sendable {
        /// Time, s.
        public var time: Double
        /// Value at that time.
        public var value: Double
        /// A corner at `time` with `value`.
        public init(time: Double, value: Double) {
            self.time = time
            self.value = value
        }
    }

    /// The waveform with SPICE's defaults filled in from the transient analysis' step and stop time.
    public func resolved(step: Double, stop: Double) -> Waveform {
        switch self {
        case let .sine(vo, va, f, td, theta, phase, cycles):
            return .sine(offset: vo, amplitude: va, frequency: f ?? 1 / stop, delay: td, damping: theta, phase: phase, cycles: cycles)
        case let .pulse(v1, v2, td, tr, tf, pw, per, count):
            return .pulse(initial: v1, pulsed: v2, delay: td, rise: tr ?? step, fall: tf ?? step, width: pw ?? stop, period: per ?? stop, count: count)
        case let .exponential(v1, v2, td1, tau1, td2, tau2):
            let t1 = tau1 ?? step
            let d2 = td2 ?? td1 + step
            return .exponential(initial: v1, pulsed: v2, riseDelay: td1, riseTime: t1, fallDelay: d2, fallTime: tau2 ?? step)
        case .piecewiseLinear, .amplitudeModulated(_, _, _?, _, _, _), .frequencyModulated(_, _, _?, _, _?, _, _), .whiteNoise, .sampled:
            return self
        case let .frequencyModulated(vo, va, fc, mdi, fs, pc, ps):
            return .frequencyModulated(offset: vo, amplitude: va, carrier: fc ?? 1 / stop, index: mdi, signal: fs ?? 1 / stop,
                                       carrierPhase: pc, signalPhase: ps)
        case let .amplitudeModulated(va, vo, nil, fc, td, phase):
            return .amplitudeModulated(amplitude: va, offset: vo, modulation: 1 / stop, carrier: fc, delay: td, phase: phase)
        }
    }

    /// The value at time `t` (of a resolved waveform).
    public func value(at t: Double) -> Double {
        switch self {
        case let .sine(vo, va, f, td, theta, phase, cycles):
            let ph = phase * Double.pi / 180
            if t < td { return vo + va * sin(ph) }
            var tt = t - td
            if let cycles, let f, f > 0 { tt = min(tt, cycles / f) }
            return vo + va * exp(-theta * tt) * sin(2 * Double.pi * (f ?? 0) * tt + ph)
        case let .pulse(v1, v2, td, tr, tf, pw, per, count):
            let rise = tr ?? 0, fall = tf ?? 0, width = pw ?? .infinity
            var tt = t - td
            if tt < 0 { return v1 }
            if let per, per > 0, per.isFinite {
                if let count, tt >= Double(count) * per { return v1 }
                tt = tt.truncatingRemainder(dividingBy: per)
            }
            if tt < rise { return v1 + (v2 - v1) * tt / rise }
            if tt <= rise + width { return v2 }
            if tt < rise + width + fall { return v2 + (v1 - v2) * (tt - rise - width) / fall }
            return v1
        case let .piecewiseLinear(points, repeatFrom):
            guard let first = points.first, let last = points.last else { return 0 }
            var t = t
            if let r = repeatFrom, t >= last.time, last.time > r {
                // From the last point on: the part from R on, again and again (at the last point
                // itself the value R has, as ngspice takes it where the two differ).
                t = r + (t - r).truncatingRemainder(dividingBy: last.time - r)
            }
            if t <= first.time { return first.value }
            if t > last.time { return last.value }
            // The first corner k ≥ 1 at or after t, by bisection (the times do not decrease).
            var (low, high) = (1, points.count - 1)
            while low < high {
                let middle = (low + high) / 2
                if points[middle].time >= t { high = middle } else { low = middle + 1 }
            }
            let a = points[low - 1], b = points[low]
            if b.time == a.time { return b.value }
            return a.value + (b.value - a.value) * (t - a.time) / (b.time - a.time)
        case let .exponential(v1, v2, td1, tau1, td2, tau2):
            let t1 = tau1 ?? 1, t2 = tau2 ?? 1, d2 = td2 ?? .infinity
            if t <= td1 { return v1 }
            var v = v1 + (v2 - v1) * (1 - exp(-(t - td1) / t1))
            if t > d2 { v += (v1 - v2) * (1 - exp(-(t - d2) / t2)) }
            return v
        case let .frequencyModulated(vo, va, fc, mdi, fs, pc, ps):
            let degree = Double.pi / 180
            return vo + va * sin(2 * Double.pi * (fc ?? 0) * t + pc * degree + mdi * sin(2 * Double.pi * (fs ?? 0) * t + ps * degree))
        case let .amplitudeModulated(va, vo, mf, fc, td, phase):
            let tau = t - td, phi = phase * Double.pi / 180
            if tau <= 0 { return 0 }
            return va * (vo + sin(2 * Double.pi * (mf ?? 0) * tau + phi)) * sin(2 * Double.pi * fc * tau + phi)
        case let .whiteNoise(na, nt, offset, key):
            guard t > 0, nt > 0 else { return offset }
            let position = t / nt, k = position.rounded(.down)
            let a = RandomDraws.normal(key: key, index: Int(k)), b = RandomDraws.normal(key: key, index: Int(k) + 1)
            return offset + na * (a + (b - a) * (position - k))
        case let .sampled(signal):
            return signal.value(at: t)
        }
    }

    /// The most periods of a `PULSE` (or of a repeated `PWL`) that a transient steps through corner by corner.
    public static let maximumPulsePeriods = 100_000
    /// The most samples of a `TRNOISE` or of a WAV file that a transient steps through.
    public static let maximumNoiseSamples = 10_000_000

    /// For a periodic waveform (a `PULSE` with a period, a `PWL` with `r=`), its function's name and
    /// how many periods it runs until `stop`; nil for one that does not repeat.
    public func repetitions(until stop: Double) -> (function: String, count: Double)? {
        switch self {
        case let .pulse(_, _, td, _, _, _, per?, count) where per > 0:
            return ("PULSE", min((stop - td) / per, Double(count ?? .max)))
        case let .piecewiseLinear(points, r?):
            guard let last = points.last?.time, last > r else { return nil }
            return ("PWL", (stop - last) / (last - r))
        default:
            return nil
        }
    }

    /// Times in (0, stop] where the waveform has a corner, at which a transient step must end (for a
    /// periodic `PULSE`, those of its first `maximumPulsePeriods` periods).
    public func breakpoints(until stop: Double) -> [Double] {
        var times: [Double] = []
        switch self {
        case let .sine(_, _, f, td, _, _, cycles):
            if td > 0 { times.append(td) }
            if let cycles, let f, f > 0, td + cycles / f <= stop { times.append(td + cycles / f) }
        case let .pulse(_, _, td, tr, tf, pw, per, pulses):
            let rise = tr ?? 0, fall = tf ?? 0, width = pw ?? stop
            let period = (per ?? 0) > 0 ? per! : .infinity
            var start = td
            var count = 0
            while start < stop && count < min(pulses ?? .max, Waveform.maximumPulsePeriods) {
                for t in [start, start + rise, start + rise + width, start + rise + width + fall] where t > 0 && t <= stop {
                    times.append(t)
                }
                start += period
                count += 1
            }
        case let .piecewiseLinear(points, repeatFrom):
            times = points.map(\.time).filter { $0 > 0 && $0 <= stop }
            if let r = repeatFrom, let last = points.last?.time, last > r {
                // The repeated corners, from the first repetition on (at most `maximumPulsePeriods`).
                let period = last - r, corners = points.map(\.time).filter { $0 > r }
                var shift = period, count = 0
                while r + shift < stop && count < Waveform.maximumPulsePeriods {
                    times += corners.map { $0 + shift }.filter { $0 <= stop }
                    shift += period
                    count += 1
                }
            }
        case let .exponential(_, _, td1, _, td2, _):
            times = [td1, td2 ?? .infinity].filter { $0 > 0 && $0 <= stop }
        case .frequencyModulated:
            break
        case let .whiteNoise(_, nt, _, _):
            // ngspice's breakpoints at the samples.
            guard nt > 0 else { break }
            var k = 1.0
            while k * nt <= stop && k <= Double(Waveform.maximumNoiseSamples) { times.append(k * nt); k += 1 }
        case let .amplitudeModulated(_, _, _, _, td, _):
            if td > 0 && td <= stop { times.append(td) }
        case let .sampled(signal):
            times = signal.breakpoints(until: stop)
        }
        return times
    }
}

/// An independent voltage or current source: its DC value, its AC phasor and its transient waveform.
public struct IndependentSource: Hashable, Sendable {
    /// The value in DC analyses; nil when the netlist gives none (then the waveform's value at t = 0 is used).
    public var dc: Double?
    /// AC magnitude (volts or amperes) for `.ac`.
    public var acMagnitude: Double
    /// AC phase in degrees.
    public var acPhase: Double
    /// The transient waveform; nil for a constant source.
    public var waveform: Waveform?

    /// A source; all parts optional.
    public init(dc: Double? = nil, acMagnitude: Double = 0, acPhase: Double = 0, waveform: Waveform? = nil) {
        self.dc = dc
        self.acMagnitude = acMagnitude
        self.acPhase = acPhase
        self.waveform = waveform
    }

    /// The value used by `.op` and `.dc`: the DC value, or else the waveform at t = 0, or else 0.
    public var dcValue: Double {
        if let dc { return dc }
        if let waveform { return waveform.resolved(step: 1, stop: 1).value(at: 0) }
        return 0
    }
}
