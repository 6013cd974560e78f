import Foundation

/// Test signals for driving circuits when no recording is at hand: sines, exponential sine sweeps
/// and a plucked string. All return samples with the given peak (in volts when fed to a circuit).
public enum TestSignal {
    /// Samples in `duration` seconds at `sampleRate`: 0 for a negative or non-finite length, at most 10⁹.
    static func sampleCount(_ duration: Double, _ sampleRate: Double) -> Int {
        let n = (duration * sampleRate).rounded()
        return n.isFinite && n > 0 ? Int(min(n, 1e9)) : 0
    }

    /// A sine of `frequency` Hz, `duration` seconds long, starting at phase 0.
    public static func sine(frequency: Double, duration: Double, sampleRate: Double, peak: Double = 1) -> [Double] {
        let count = sampleCount(duration, sampleRate)
        let w = 2 * Double.pi * frequency / sampleRate
        return (0..<count).map { peak * sin(w * Double($0)) }
    }

    /// An exponential (logarithmic) sine sweep from `start` to `end` Hz over `duration` seconds
    /// (Farina's swept sine): equal time per octave, instantaneous frequency start·(end/start)^(t/T).
    /// A short raised-cosine fade at both ends avoids clicks.
    public static func sweep(from start: Double, to end: Double, duration: Double, sampleRate: Double, peak: Double = 1) -> [Double] {
        let count = sampleCount(duration, sampleRate)
        let rate = log(end / start)
        let k = 2 * Double.pi * start * duration / rate
        let fade = min(count / 4, sampleCount(0.01, sampleRate))
        return (0..<count).map { n in
            let t = Double(n) / sampleRate
            var x = peak * sin(k * (exp(t / duration * rate) - 1))
            if n < fade { x *= 0.5 - 0.5 * cos(Double.pi * Double(n) / Double(fade)) }
            if n >= count - fade { x *= 0.5 - 0.5 * cos(Double.pi * Double(count - 1 - n) / Double(fade)) }
            return x
        }
    }

    /// A plucked string (Karplus–Strong): a burst of noise circulating in a delay line of one period
    /// with a two-point average (losing high frequencies first) and a decay so that the note falls by
    /// 60 dB in `decay` seconds. Deterministic: the same arguments give the same samples.
    public static func pluck(frequency: Double, duration: Double, sampleRate: Double, peak: Double = 1,
                             decay: Double = 2.5, seed: UInt64 = 0x5EED) -> [Double] {
        let count = sampleCount(duration, sampleRate)
        let period = frequency > 0 ? Int(min(max((sampleRate / frequency).rounded(), 2), 1e7)) : 2
        // Per-period loss so that the amplitude falls by 1000 in `decay` seconds.
        let loss = pow(0.001, Double(period) / (decay * sampleRate))
        var state = seed
        func noise() -> Double {
            // xorshift64*: a small, well-known generator, for reproducible output.
            state ^= state >> 12; state ^= state << 25; state ^= state >> 27
            return Double((state &* 0x2545_F491_4F6C_DD1D) >> 11) / Double(1 << 53) * 2 - 1
        }
        var line = (0..<period).map { _ in noise() }
        // Soften the attack a little (one pass of the loop filter over the burst) and take out the
        // burst's mean, which would otherwise linger as a slowly decaying offset.
        for k in 1..<period { line[k] = 0.5 * (line[k] + line[k - 1]) }
        let mean = line.reduce(0, +) / Double(period)
        for k in 0..<period { line[k] -= mean }
        var out = [Double](repeating: 0, count: count)
        var position = 0
        var previous = line[period - 1]
        for n in 0..<count {
            let x = line[position]
            out[n] = x
            let y = 0.5 * (x + previous) * loss  // each sample passes the filter once per period
            previous = x
            line[position] = y
            position = position + 1 == period ? 0 : position + 1
        }
        let biggest = out.reduce(0) { max($0, abs($1)) }
        let scale = biggest > 0 ? peak / biggest : 0
        return out.map { $0 * scale }
    }
}
