import Foundation

/// The harmonic content of a periodic signal, from its last whole periods: the DC component, the
/// amplitude and phase of the fundamental and of each harmonic, and the total harmonic distortion.
///
/// The analysed span is `periods` whole periods ending with the last sample. When the sample rate is
/// a whole multiple of the fundamental the samples are used as they are; otherwise the span is
/// resampled (cubic interpolation) onto 256 points per period. The Fourier coefficients at the
/// harmonics then fall on exact bins, with no window and no leakage:
///
///     Aₖ·e^{iφₖ} = (2/N)·Σₙ x[n]·e^{−2πi·k·n/M},   THD = √(A₂² + … + A_H²) / A₁
///
/// (M points per period, N in all). This is the analysis of SPICE's `.four`, which uses one period
/// and nine harmonics.
public struct HarmonicAnalysis: Sendable, Hashable {
    /// The fundamental frequency, Hz.
    public let fundamental: Double
    /// The mean of the span.
    public let dc: Double
    /// Amplitudes (peak) of harmonics 1 (the fundamental), 2, 3, …
    public let amplitudes: [Double]
    /// Phases of harmonics 1, 2, 3, … in radians, of cosines: x ≈ dc + Σ Aₖ·cos(2πk·f·t + φₖ),
    /// with t = 0 at the start of the span (its first grid point, one grid spacing after the end
    /// of the period before it).
    public let phases: [Double]
    /// The grid's points per period: the samples per period when that is a whole number, else 256.
    public let pointsPerPeriod: Int

    /// Total harmonic distortion: the RMS of harmonics 2 and up over the fundamental's (0 when the
    /// fundamental is absent).
    public var thd: Double {
        guard let a1 = amplitudes.first, a1 > 0 else { return 0 }
        return (amplitudes.dropFirst().reduce(0) { $0 + $1 * $1 }).squareRoot() / a1
    }

    /// The level of harmonic `k` (1 is the fundamental) relative to the fundamental, dB.
    public func relativeLevel(of k: Int) -> Double {
        guard k >= 1, k <= amplitudes.count, let a1 = amplitudes.first, a1 > 0 else { return -.infinity }
        return 20 * log10(amplitudes[k - 1] / a1)
    }

    /// Analyses the last `periods` periods of `samples` (taken at `sampleRate`) at `fundamental` Hz,
    /// up to harmonic `harmonics`. Throws when the samples hold fewer than `periods` periods.
    public init(samples: [Double], sampleRate: Double, fundamental: Double, harmonics: Int = 9, periods: Int = 1) throws(SimulationError) {
        guard sampleRate > 0, fundamental > 0, fundamental < sampleRate / 2, harmonics >= 1, periods >= 1 else {
            throw SimulationError("harmonic analysis needs a fundamental below half the sample rate, at least one harmonic and one period")
        }
        let samplesPerPeriod = sampleRate / fundamental
        let span = Double(periods) * samplesPerPeriod
        guard span <= Double(samples.count) else {
            throw SimulationError("harmonic analysis: \(samples.count) samples hold fewer than \(periods) periods of \(fundamental) Hz")
        }
        // The span on a grid of M points per period, its last point on the last sample.
        let whole = (samplesPerPeriod - samplesPerPeriod.rounded()).magnitude < 1e-9 * samplesPerPeriod
        let m = whole ? Int(samplesPerPeriod.rounded()) : 256
        let n = m * periods
        let spacing = samplesPerPeriod / Double(m)
        let start = Double(samples.count - 1) - span + spacing
        guard start >= 0 else {
            throw SimulationError("harmonic analysis: \(samples.count) samples hold fewer than \(periods) periods of \(fundamental) Hz")
        }
        var x = [Double](repeating: 0, count: n)
        if whole {
            for k in 0..<n { x[k] = samples[samples.count - n + k] }
        } else {
            for k in 0..<n { x[k] = HarmonicAnalysis.cubic(samples, at: start + Double(k) * spacing) }
        }
        let mean = x.reduce(0, +) / Double(n)
        var amplitudes: [Double] = [], phases: [Double] = []
        for h in 1...harmonics {
            guard h * 2 < m else { break }  // above the grid's Nyquist frequency
            var re = 0.0, im = 0.0
            let w = 2 * Double.pi * Double(h) / Double(m)
            for k in 0..<n {
                let angle = w * Double(k % m)
                re += x[k] * cos(angle)
                im -= x[k] * sin(angle)
            }
            amplitudes.append(2 * (re * re + im * im).squareRoot() / Double(n))
            phases.append(atan2(im, re))
        }
        self.fundamental = fundamental
        self.dc = mean
        self.amplitudes = amplitudes
        self.phases = phases
        pointsPerPeriod = m
    }

    /// Catmull–Rom interpolation of `y` at fractional index `t`.
    static func cubic(_ y: [Double], at t: Double) -> Double {
        let i = min(max(Int(t.rounded(.down)), 0), y.count - 1)
        let f = t - Double(i)
        let y0 = y[max(i - 1, 0)], y1 = y[i], y2 = y[min(i + 1, y.count - 1)], y3 = y[min(i + 2, y.count - 1)]
        return y1 + 0.5 * f * (y2 - y0 + f * (2 * y0 - 5 * y1 + 4 * y2 - y3 + f * (3 * (y1 - y2) + y3 - y0)))
    }
}
