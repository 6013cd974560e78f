import Foundation

/// One 2× stage of the oversampling cascade: a linear-phase half-band low-pass, a Kaiser-windowed
/// sinc cut off at a quarter of the stage's (high) rate.
///
/// With N = 4m − 1 taps, centre c = 2m − 1, the taps at odd distance from the centre are the only
/// non-zero ones besides the centre, which is exactly ½:
///
///     h[k] = sin(π·(k − c)/2)/(π·(k − c)) · w(k)   (k − c odd),   h[c] = ½,   h[k] = 0 otherwise
///
/// (w the Kaiser window), the odd ones scaled to sum to ½, so that H(f) + H(½ − f) = 1 and the gain
/// at DC is 1. A 2× interpolator or decimator by this filter therefore takes one product per
/// non-zero tap per low-rate sample: one phase is the 2m taps k = 0, 2, …, 4m − 2, the other the
/// centre alone, a pure delay of m − 1 low-rate samples.
struct HalfbandFilter {
    /// The 2m non-zero taps off the centre, h[0], h[2], …, h[4m − 2] (symmetric).
    let taps: [Double]

    /// The filter for a transition band `transition` wide (cycles per sample at the stage's high
    /// rate, centred on ¼) with `attenuation` dB in the stop band, by Kaiser's estimates of the
    /// length and of β.
    init(transition: Double, attenuation: Double = 90) {
        let estimate = (attenuation - 7.95) / (14.36 * transition) + 1
        let m = max(Int(((estimate + 1) / 4).rounded(.up)), 1)
        let n = 4 * m - 1, centre = 2 * m - 1
        let beta = 0.1102 * (attenuation - 8.7)
        var h = [Double](repeating: 0, count: 2 * m)
        for i in 0..<(2 * m) {
            let x = Double(2 * i - centre)
            let r = 2 * Double(2 * i) / Double(n - 1) - 1
            h[i] = sin(Double.pi * x / 2) / (Double.pi * x)
                * OversamplingFilter.besselI0(beta * (1 - r * r).squareRoot()) / OversamplingFilter.besselI0(beta)
        }
        let sum = h.reduce(0, +)
        taps = h.map { 0.5 * $0 / sum }
    }

    /// Taps N = 4m − 1.
    var length: Int { 2 * taps.count - 1 }

    /// The delay (N − 1)/2 = 2m − 1, in samples of the stage's high rate.
    var delay: Int { taps.count - 1 }
}

/// The anti-alias filters for running a circuit at L = 2, 4 or 8 times the audio rate: log₂ L
/// half-band stages, each doubling the rate, before the circuit (interpolators, gain 2 each) and
/// the same stages in reverse after it (decimators).
///
/// The whole passes 0 … 0.45·fs flat (within 0.01 dB) and stops from 0.55·fs of the audio rate fs
/// (about 90 dB): what lies between fs/2 and 0.55·fs folds back above 0.45·fs, outside the pass
/// band. The first stage (at 2·fs) carries that sharp transition, 0.45 … 0.55·fs; each later one
/// at 2ˢ·fs has only to remove the images of 0 … 0.55·fs, from 2ˢ⁻¹·fs − 0.55·fs on, which takes a few
/// taps. (One Kaiser low-pass at L·fs with the same edges took 116, 232 and 464 taps at 2×, 4×,
/// 8×; the cascade takes 60, 60 + 2·14, 60 + 2·14 + 4·10 products per audio sample each way.)
struct OversamplingFilter {
    /// The factor L.
    let factor: Int
    /// The stages, from the audio rate up.
    let stages: [HalfbandFilter]

    init(factor: Int) {
        self.factor = factor
        var stages: [HalfbandFilter] = []
        var rate = 1
        while rate < factor {
            rate *= 2
            // Transition band at this stage's rate (audio rate 1): 0.45 … 0.55 first, then
            // 0.55 … rate/2 − 0.55 (the images of what the stages before let through).
            let width = rate == 2 ? 0.1 : Double(rate) / 2 - 1.1
            stages.append(HalfbandFilter(transition: width / Double(rate)))
        }
        self.stages = stages
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

    /// The cascade's delay D in samples of the high rate L·fs: stage s (at 2ˢ·fs) delays by its
    /// (Nₛ − 1)/2 samples of its rate, L/2ˢ high-rate samples each.
    var highRateDelay: Int {
        var total = 0, scale = factor
        for stage in stages {
            scale /= 2
            total += stage.delay * scale
        }
        return total
    }

    /// Which decimators keep the later of their two input samples (bit q for the q-th decimator,
    /// counted from the high rate down; the others keep the earlier): E = 2·D mod L, so that the
    /// latency is a whole number of samples and a host can compensate it exactly.
    ///
    /// At high-rate step p of frame k the interpolated input is the input's value at
    /// (k + 1)·T + (p − D)·T/L (the processor at 1x takes input k at the end of its step, at
    /// (k + 1)·T). The q-th decimator's output n is its filter's output at its input sample
    /// 2n + ε_q (ε_q = 1 where it keeps the later sample); its filter delays as its interpolating
    /// twin does, so that at the end of frame k the outputs are those of (k + 1)·T − (2·D − E)·T/L,
    /// E = Σ ε_q·2^q.
    var laterSamples: Int { (2 * highRateDelay) % factor }

    /// Total delay of interpolation and decimation, in audio samples: (2·D − E)/L (see `laterSamples`).
    var latency: Double { Double(2 * highRateDelay - laterSamples) / Double(factor) }

    /// The delay of the interpolated inputs against a clock that starts at 0, in audio samples:
    /// (k + (p + 1)/L)·T − ((k + 1)·T + (p − D)·T/L) = (D + 1)/L − 1.
    var inputDelay: Double { Double(highRateDelay + 1) / Double(factor) - 1 }
}

/// Σ a[k]·b[k] over `count` terms (a filter's 2m taps: an even count) in SIMD2 lanes, two
/// accumulators: half the loads and arithmetic instructions of `dot`'s four scalar sums. (`dot`
/// itself in SIMD2 pairs, with its scalar remainder, took `rlc` at 4x 2929 → 3060 instructions
/// per sample.)
@inlinable @inline(__always)
func filterDot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ count: Int) -> Double {
    func pair(_ p: UnsafePointer<Double>, _ k: Int) -> SIMD2<Double> {
        UnsafeRawPointer(p + k).loadUnaligned(as: SIMD2<Double>.self)
    }
    var s0 = SIMD2<Double>.zero, s1 = SIMD2<Double>.zero
    var k = 0
    while k &+ 4 <= count {
        s0 += pair(a, k) * pair(b, k)
        s1 += pair(a, k &+ 2) * pair(b, k &+ 2)
        k &+= 4
    }
    if k &+ 2 <= count {
        s0 += pair(a, k) * pair(b, k)
        k &+= 2
    }
    let s = s0 + s1
    return k < count ? (s[0] + s[1]) + a[k] * b[k] : s[0] + s[1]
}

/// The running state of the interpolators (one cascade per input channel) and decimators (one per
/// output channel) of a processor, in preallocated memory.
///
/// Each stage keeps its input history in a doubled ring (every value written twice, N′ apart), so
/// that the last N′ values are always contiguous for one dot product: an interpolator the low-rate
/// inputs, a decimator its odd and its even high-rate inputs apart.
@usableFromInline
struct OversamplingState {
    @usableFromInline let factor: Int
    @usableFromInline let stageCount: Int
    /// Per stage: its 2m taps' offset in `taps`, and 2m. An interpolator's taps are doubled (gain 2).
    @usableFromInline let tapOffset: UnsafeMutablePointer<Int>, tapCount: UnsafeMutablePointer<Int>
    @usableFromInline let taps: UnsafeMutablePointer<Double>, interpolationTaps: UnsafeMutablePointer<Double>
    /// Per channel and stage, the start of its rings in `rings` (interpolators: one ring of 2·2m;
    /// decimators: odd then even, 2·2m each) and its write position.
    @usableFromInline let inputRing: UnsafeMutablePointer<Int>, outputRing: UnsafeMutablePointer<Int>
    @usableFromInline let inputPosition: UnsafeMutablePointer<Int>, outputPosition: UnsafeMutablePointer<Int>
    @usableFromInline let rings: UnsafeMutablePointer<Double>
    /// The L interpolated values of each input channel for the present frame, the L recorded
    /// outputs of each output channel, and room for one cascade's intermediate values.
    @usableFromInline let interpolated: UnsafeMutablePointer<Double>, recorded: UnsafeMutablePointer<Double>
    @usableFromInline let scratch: UnsafeMutablePointer<Double>
    @usableFromInline let inputs: Int, outputs: Int
    /// Bit q: the q-th decimator from the high rate down keeps the later of its two samples
    /// (`OversamplingFilter.laterSamples`).
    @usableFromInline let laterSamples: Int

    init(_ filter: OversamplingFilter, inputs: Int, outputs: Int) {
        factor = filter.factor
        stageCount = filter.stages.count
        laterSamples = filter.laterSamples
        self.inputs = inputs
        self.outputs = outputs
        let counts = filter.stages.map(\.taps.count)
        let s = max(stageCount, 1)
        tapOffset = .allocate(capacity: s)
        tapCount = .allocate(capacity: s)
        let total = max(counts.reduce(0, +), 1)
        taps = .allocate(capacity: total)
        interpolationTaps = .allocate(capacity: total)
        var offset = 0
        for (k, stage) in filter.stages.enumerated() {
            (tapOffset + k).initialize(to: offset)
            (tapCount + k).initialize(to: counts[k])
            for (i, h) in stage.taps.enumerated() {
                (taps + offset + i).initialize(to: h)
                (interpolationTaps + offset + i).initialize(to: 2 * h)
            }
            offset += counts[k]
        }
        // Rings: interpolators 2·2m per stage and channel, decimators twice that.
        inputRing = .allocate(capacity: max(inputs * s, 1))
        outputRing = .allocate(capacity: max(outputs * s, 1))
        inputPosition = .allocate(capacity: max(inputs * s, 1))
        inputPosition.initialize(repeating: 0, count: max(inputs * s, 1))
        outputPosition = .allocate(capacity: max(outputs * s, 1))
        outputPosition.initialize(repeating: 0, count: max(outputs * s, 1))
        var storage = 0
        for c in 0..<inputs {
            for k in 0..<stageCount { (inputRing + c * s + k).initialize(to: storage); storage += 2 * counts[k] }
        }
        for c in 0..<outputs {
            for k in 0..<stageCount { (outputRing + c * s + k).initialize(to: storage); storage += 4 * counts[k] }
        }
        rings = .allocate(capacity: max(storage, 1))
        rings.initialize(repeating: 0, count: max(storage, 1))
        interpolated = .allocate(capacity: max(inputs * factor, 1))
        interpolated.initialize(repeating: 0, count: max(inputs * factor, 1))
        recorded = .allocate(capacity: max(outputs * factor, 1))
        recorded.initialize(repeating: 0, count: max(outputs * factor, 1))
        scratch = .allocate(capacity: factor)
        scratch.initialize(repeating: 0, count: factor)
    }

    func deallocate() {
        for p in [tapOffset, tapCount, inputRing, outputRing, inputPosition, outputPosition] { p.deallocate() }
        for p in [taps, interpolationTaps, rings, interpolated, recorded, scratch] { p.deallocate() }
    }

    /// Fills the histories with constant signals (the circuit at rest), so that nothing rings at start.
    func reset(inputs restIn: [Double], outputs restOut: [Double]) {
        let s = max(stageCount, 1)
        for c in 0..<inputs {
            for k in 0..<stageCount {
                (rings + inputRing[c * s + k]).update(repeating: restIn[c], count: 2 * tapCount[k])
                inputPosition[c * s + k] = 0
            }
            for p in 0..<factor { interpolated[c * factor + p] = restIn[c] }
        }
        resetOutputs(restOut)
    }

    /// Fills the output histories with the outputs at rest (no allocation).
    func resetOutputs(_ restOut: [Double]) {
        let s = max(stageCount, 1)
        for c in 0..<outputs {
            for k in 0..<stageCount {
                (rings + outputRing[c * s + k]).update(repeating: restOut[c], count: 4 * tapCount[k])
                outputPosition[c * s + k] = 0
            }
        }
    }

    /// Writes `x` at position `p` of a doubled ring of N′ = `count` values, and returns the
    /// position after it (where the last N′ values then start, oldest first).
    @inlinable @inline(__always)
    static func write(_ x: Double, into ring: UnsafeMutablePointer<Double>, at p: Int, count: Int) -> Int {
        ring[p] = x
        ring[p &+ count] = x
        return p &+ 1 == count ? 0 : p &+ 1
    }

    /// Takes one audio-rate sample of input channel `c` and interpolates its L values for the frame.
    ///
    /// A stage of 2m taps turns its input x[n] into y[2n] = Σᵢ 2·h[2i]·x[n − i] and
    /// y[2n + 1] = x[n − m + 1] (the centre tap ½, times the gain 2).
    @inlinable
    func push(_ x: Double, channel c: Int) {
        let out = interpolated + c &* factor
        out[0] = x
        var count = 1
        let base = c &* stageCount
        for k in 0..<stageCount {
            let n = tapCount[k], h = interpolationTaps + tapOffset[k]
            let ring = rings + inputRing[base &+ k], position = inputPosition + (base &+ k)
            for i in 0..<count { scratch[i] = out[i] }
            for i in 0..<count {
                position.pointee = Self.write(scratch[i], into: ring, at: position.pointee, count: n)
                let window = ring + position.pointee
                out[2 &* i] = filterDot(h, window, n)
                out[2 &* i &+ 1] = window[n / 2]
            }
            count &*= 2
        }
    }

    /// The interpolated value of input channel `c` at high-rate phase `phase`.
    @inlinable @inline(__always)
    func interpolate(channel c: Int, phase: Int) -> Double { interpolated[c &* factor &+ phase] }

    /// Records the high-rate outputs of every channel (from `y`) at phase `phase` of the frame.
    @inlinable @inline(__always)
    func record(_ y: UnsafePointer<Double>, phase: Int) {
        for c in 0..<outputs { recorded[c &* factor &+ phase] = y[c] }
    }

    /// The decimated output of channel `c` from its L recorded samples of the frame.
    ///
    /// A stage of 2m taps turns its input w into v[n] = (h ∗ w)[2n + 1] =
    /// Σᵢ h[2i]·w[2n + 1 − 2i] + ½·w[2n + 2 − 2m] when it keeps the later sample (the odd samples
    /// through the taps, the even ones delayed), else v[n] = (h ∗ w)[2n] =
    /// Σᵢ h[2i]·w[2n − 2i] + ½·w[2n + 1 − 2m].
    @inlinable
    func decimate(channel c: Int) -> Double {
        let w = recorded + c &* factor
        var count = factor
        let base = c &* stageCount
        var k = stageCount, q = 0
        while k > 0 {
            k &-= 1
            let n = tapCount[k], h = taps + tapOffset[k]
            let odd = rings + outputRing[base &+ k], even = odd + 2 &* n
            let position = outputPosition + (base &+ k)
            let later = laterSamples >> q & 1 == 1
            count /= 2
            for i in 0..<count {
                // Both rings advance together.
                let p = position.pointee
                _ = Self.write(w[2 &* i], into: even, at: p, count: n)
                position.pointee = Self.write(w[2 &* i &+ 1], into: odd, at: p, count: n)
                let evenWindow = even + position.pointee, oddWindow = odd + position.pointee
                // Later: w[2n + 2 − 2m] is the even window's middle; earlier: w[2n + 1 − 2m], the
                // odd sample just before the odd window's middle.
                w[i] = later ? filterDot(h, oddWindow, n) + 0.5 * evenWindow[n / 2]
                    : filterDot(h, evenWindow, n) + 0.5 * oddWindow[n / 2 &- 1]
            }
            q &+= 1
        }
        return w[0]
    }
}
