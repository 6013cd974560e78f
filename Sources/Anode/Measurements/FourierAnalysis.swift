import Foundation

/// A `.four FREQ outputs` statement: the Fourier analysis of the transient's last period at FREQ,
/// as SPICE's `.four` reports it.
public struct FourierRequest: Hashable, Sendable {
    /// The fundamental frequency, Hz.
    public var fundamental: Double
    /// The outputs to analyse.
    public var probes: [Probe]
    /// Where it was written.
    public var location: SourceLocation?

    /// A request.
    public init(fundamental: Double, probes: [Probe], location: SourceLocation? = nil) {
        self.fundamental = fundamental
        self.probes = probes
        self.location = location
    }
}

/// SPICE's `.four` table of one output: the DC component and harmonics 1–9 of the last period of a
/// transient (its last 1/FREQ seconds), each as a sine,
///
///     v(t) ≈ C₀ + Σₖ Cₖ·sin(2π·k·f·(t − t₀) + φₖ),   t₀ = TSTOP − 1/f,
///
/// with the phases in degrees, magnitudes and phases also relative to the fundamental's, and the
/// total harmonic distortion √(C₂² + … + C₉²)/C₁ in percent — the columns ngspice prints. The
/// coefficients come from `HarmonicAnalysis` on the recorded points (multiples of TSTEP; used as
/// they are when a period holds a whole number of them, else interpolated onto 256 points).
public struct FourierTable: Hashable, Sendable {
    /// The output analysed.
    public var probe: Probe
    /// The fundamental frequency, Hz.
    public var fundamental: Double
    /// One row of the table.
    public struct Harmonic: Hashable, Sendable {
        /// k·FREQ, Hz.
        public var frequency: Double
        /// Cₖ (for DC, the mean).
        public var magnitude: Double
        /// φₖ, degrees (0 for DC).
        public var phase: Double
    }
    /// Harmonics 0 (DC) to 9.
    public var harmonics: [Harmonic]
    /// Total harmonic distortion over harmonics 2–9, percent.
    public var thd: Double

    /// The highest harmonic SPICE's `.four` reports.
    public static let highestHarmonic = 9

    /// The table of `probe` in `result` at `fundamental`; throws when the result holds less than
    /// a period, or its points are too sparse for the ninth harmonic.
    public init(_ result: TransientResult, probe: Probe, fundamental: Double) throws(SimulationError) {
        guard let values = result.values(probe), result.time.count >= 2 else {
            throw SimulationError(".four: \(probe) was not recorded")
        }
        let step = (result.time[result.time.count - 1] - result.time[0]) / Double(result.time.count - 1)
        let rate = 1 / step
        guard 2 * Double(Self.highestHarmonic) * fundamental < rate else {
            throw SimulationError(".four \(fundamental) Hz: the transient's points, \(step) s apart, are too sparse for its 9th harmonic (TSTEP below \(1 / (2 * 9 * fundamental)) s)")
        }
        let analysis = try HarmonicAnalysis(samples: values, sampleRate: rate, fundamental: fundamental, harmonics: Self.highestHarmonic)
        // HarmonicAnalysis measures cosines from the first point of its grid, one grid spacing after
        // TSTOP − 1/f: a sine's phase from TSTOP − 1/f is the cosine's + 90° − k·360°/M.
        let gridPoints = Double(analysis.pointsPerPeriod)
        var rows = [Harmonic(frequency: 0, magnitude: analysis.dc, phase: 0)]
        for (k, (amplitude, phase)) in zip(analysis.amplitudes, analysis.phases).enumerated() {
            let h = Double(k + 1)
            var degrees = (phase * 180 / .pi + 90 - h * 360 / gridPoints).truncatingRemainder(dividingBy: 360)
            if degrees > 180 { degrees -= 360 } else if degrees <= -180 { degrees += 360 }
            rows.append(Harmonic(frequency: h * fundamental, magnitude: amplitude, phase: degrees))
        }
        self.probe = probe
        self.fundamental = fundamental
        harmonics = rows
        thd = 100 * analysis.thd
    }

    /// The magnitude of harmonic k relative to the fundamental's (0 for DC).
    public func normalizedMagnitude(_ k: Int) -> Double {
        k == 0 || harmonics[1].magnitude == 0 ? 0 : harmonics[k].magnitude / harmonics[1].magnitude
    }

    /// The phase of harmonic k relative to the fundamental's, degrees (0 for DC).
    public func normalizedPhase(_ k: Int) -> Double { k == 0 ? 0 : harmonics[k].phase - harmonics[1].phase }
}
