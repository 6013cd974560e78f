import Foundation

/// Linear-phase FIR filters for running a circuit at L times the audio rate: an interpolator before
/// it (zero stuffing, then a low-pass with gain L) and a decimator after it (the same low-pass, then
/// keeping every L-th sample). Both are polyphase, so only the non-zero products are computed.
///
/// The low-pass is a Kaiser-windowed sinc (β = 8.6, about 90 dB stop-band attenuation) passing
/// 0 … 0.45·fs and stopping from 0.55·fs of the audio rate fs: what lies between fs/2 and 0.55·fs
/// folds back above 0.45·fs, outside the pass band. `latency` is the total delay in audio samples.
struct OversamplingFilter {
    /// The factor L.
    let factor: Int
    /// Taps, a multiple of L: h[k] for k in 0..<N (gain 1 at DC).
    let taps: [Double]

    init(factor: Int) {
        self.factor = factor
        let transition = 0.1 / Double(factor)  // cycles per high-rate sample
        let attenuation = 90.0
        // Kaiser's estimate of the length, rounded up to a multiple of L.
        let estimate = Int(((attenuation - 7.95) / (14.36 * transition)).rounded(.up)) + 1
        let n = ((estimate + factor - 1) / factor) * factor
        let beta = 0.1102 * (attenuation - 8.7)
        let cutoff = 0.5 / Double(factor)  // cycles per high-rate sample: the audio Nyquist
        let middle = Double(n - 1) / 2
        var h = [Double](repeating: 0, count: n)
        for k in 0..<n {
            let x = Double(k) - middle
            let sinc = x == 0 ? 2 * cutoff : sin(2 * Double.pi * cutoff * x) / (Double.pi * x)
            let r = 2 * Double(k) / Double(n - 1) - 1
            h[k] = sinc * OversamplingFilter.besselI0(beta * (1 - r * r).squareRoot()) / OversamplingFilter.besselI0(beta)
        }
        let sum = h.reduce(0, +)
        taps = h.map { $0 / sum }
    }

    /// The zeroth-order modified Bessel function of the first kind, by its power series.
    static func besselI0(_ x: Double) -> Double {
        var sum = 1.0, term = 1.0
        let q = x * x / 4
        for k in 1..<60 {
            term *= q / Double(k * k)
            sum += term
            if term < 1e-17 * sum { break }
        }
        return sum
    }

    /// Total delay of interpolation and decimation, in audio samples: each filter delays (N − 1)/2
    /// high-rate samples, and the output of an audio frame is the decimation at that frame's last
    /// high-rate step, L − 1 steps after its input: (N − 1 − (L − 1))/L = N/L − 1.
    var latency: Double { Double(taps.count) / Double(factor) - 1 }

    /// The delay of the interpolated inputs, in audio samples: at high-rate step p of frame k the
    /// interpolator gives the input as it was (N − 1)/2 high-rate samples before the input sample
    /// it last took (which the processor at 1x would use at the end of frame k, after L steps of
    /// T/L): (k + 1)·T + (p − (N − 1)/2)·T/L, against (k + (p + 1)/L)·T for a clock that starts at 0.
    /// The difference is (N + 1)/(2L) − 1 samples.
    var inputDelay: Double { Double(taps.count + 1) / Double(2 * factor) - 1 }
}

/// The running state of the interpolators (one per input channel) and decimators (one per output
/// channel) of a processor, in preallocated memory.
@usableFromInline
struct OversamplingState {
    @usableFromInline let factor: Int
    /// Taps per phase (N/L) and all taps.
    @usableFromInline let tapsPerPhase: Int, tapCount: Int
    /// Polyphase taps for interpolation: phase φ uses taps[φ + j·L]·L, stored as [φ][j].
    @usableFromInline let interpolationTaps: UnsafeMutablePointer<Double>
    /// Taps for decimation, reversed (oldest sample first, so that the newest meets h[0]).
    @usableFromInline let decimationTaps: UnsafeMutablePointer<Double>
    /// Input histories (channels × tapsPerPhase, newest first, shifted) and output histories
    /// (channels × 2·N, a doubled ring so each window is contiguous).
    @usableFromInline let inputHistory: UnsafeMutablePointer<Double>
    @usableFromInline let outputHistory: UnsafeMutablePointer<Double>
    @usableFromInline let inputs: Int, outputs: Int
    /// Next write position of the output rings.
    @usableFromInline let position: UnsafeMutablePointer<Int>

    init(_ filter: OversamplingFilter, inputs: Int, outputs: Int) {
        factor = filter.factor
        tapCount = filter.taps.count
        tapsPerPhase = filter.taps.count / filter.factor
        self.inputs = inputs
        self.outputs = outputs
        interpolationTaps = .allocate(capacity: tapCount)
        for phase in 0..<factor {
            for j in 0..<tapsPerPhase {
                (interpolationTaps + phase * tapsPerPhase + j).initialize(to: filter.taps[phase + j * factor] * Double(factor))
            }
        }
        decimationTaps = .allocate(capacity: tapCount)
        for k in 0..<tapCount { (decimationTaps + k).initialize(to: filter.taps[tapCount - 1 - k]) }
        inputHistory = .allocate(capacity: max(inputs * tapsPerPhase, 1))
        inputHistory.initialize(repeating: 0, count: max(inputs * tapsPerPhase, 1))
        outputHistory = .allocate(capacity: max(outputs * 2 * tapCount, 1))
        outputHistory.initialize(repeating: 0, count: max(outputs * 2 * tapCount, 1))
        position = .allocate(capacity: 1)
        position.initialize(to: 0)
    }

    func deallocate() {
        interpolationTaps.deallocate()
        decimationTaps.deallocate()
        inputHistory.deallocate()
        outputHistory.deallocate()
        position.deallocate()
    }

    /// Fills the histories with constant signals (the circuit at rest), so that nothing rings at start.
    func reset(inputs restIn: [Double], outputs restOut: [Double]) {
        for c in 0..<inputs { for j in 0..<tapsPerPhase { inputHistory[c * tapsPerPhase + j] = restIn[c] } }
        for c in 0..<outputs { for j in 0..<(2 * tapCount) { outputHistory[c * 2 * tapCount + j] = restOut[c] } }
        position.pointee = 0
    }

    /// Fills the output histories with the outputs at rest (no allocation).
    func resetOutputs(_ restOut: [Double]) {
        for c in 0..<outputs { for j in 0..<(2 * tapCount) { outputHistory[c * 2 * tapCount + j] = restOut[c] } }
    }

    /// Pushes one audio-rate sample of input channel `c`.
    @inlinable
    func push(_ x: Double, channel c: Int) {
        let h = inputHistory + c &* tapsPerPhase
        var j = tapsPerPhase &- 1
        while j > 0 { h[j] = h[j &- 1]; j &-= 1 }
        h[0] = x
    }

    /// The interpolated value of input channel `c` at high-rate phase `phase`.
    @inlinable
    func interpolate(channel c: Int, phase: Int) -> Double {
        let h = inputHistory + c &* tapsPerPhase
        return dot(interpolationTaps + phase &* tapsPerPhase, h, tapsPerPhase)
    }

    /// Records one high-rate output sample of every channel (from `y`).
    @inlinable
    func record(_ y: UnsafePointer<Double>) {
        let p = position.pointee
        let n = tapCount
        for c in 0..<outputs {
            let ring = outputHistory + c &* 2 &* n
            ring[p] = y[c]
            ring[p &+ n] = y[c]
        }
        position.pointee = p &+ 1 == n ? 0 : p &+ 1
    }

    /// The decimated output of channel `c` from the last N recorded samples.
    @inlinable
    func decimate(channel c: Int) -> Double {
        let n = tapCount
        let ring = outputHistory + c &* 2 &* n
        // The window ring[position ..< position + N] holds the samples oldest first; the taps are
        // stored reversed to match.
        return dot(decimationTaps, ring + position.pointee, n)
    }
}
