import Foundation

/// A source's waveform given as samples at a fixed rate: one channel of a WAV file, as LTspice's
/// `V1 in 0 wavefile=guitar.wav chan=0` drives a source with it.
///
/// Sample k is the value at time k/rate; between two samples the value runs on a straight line,
/// as a `PWL` through the same points would (LTspice interpolates its WAV sources; its help says no
/// more). Before the first sample the value is the first, after the last it stays the last, again
/// as a `PWL`'s. The value at a time is found in constant time, so a long recording costs no more
/// per step than a short one.
public struct SampledSignal: Hashable, Sendable {
    /// The samples, in volts or amperes (a WAV file's full scale is ±1).
    public var samples: [Double]
    /// Samples per second.
    public var rate: Double
    /// Where the samples came from (the file and channel), for messages.
    public var origin: String

    /// A signal of `samples` at `rate`.
    public init(samples: [Double], rate: Double, origin: String = "samples") {
        self.samples = samples
        self.rate = rate
        self.origin = origin
    }

    /// One channel of a WAV file (channel 0 is the first).
    public init(_ file: WAVFile, channel: Int, origin: String) {
        self.init(samples: file.channels[channel], rate: file.sampleRate, origin: origin)
    }

    /// The time of the last sample, s.
    public var duration: Double { Double(max(samples.count - 1, 0)) / rate }

    /// The value at time `t`: x[k] + (x[k+1] − x[k])·(t·rate − k), k = ⌊t·rate⌋.
    public func value(at t: Double) -> Double {
        guard let first = samples.first else { return 0 }
        let position = t * rate
        guard position > 0 else { return first }
        guard position < Double(samples.count - 1) else { return samples[samples.count - 1] }
        let k = position.rounded(.down)
        let a = samples[Int(k)], b = samples[Int(k) + 1]
        return a + (b - a) * (position - k)
    }

    /// The sample times in (0, stop]: the corners a transient's steps must not skip over.
    public func breakpoints(until stop: Double) -> [Double] {
        let last = min(samples.count - 1, Int((stop * rate * (1 + 1e-12)).rounded(.down)))
        return last < 1 ? [] : (1...last).map { Double($0) / rate }
    }

    /// Equal signals hash alike: the origin, the rate and the length stand for the samples.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(origin)
        hasher.combine(rate)
        hasher.combine(samples.count)
    }
}
