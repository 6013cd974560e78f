import Foundation

/// LTspice's `.wave FILE NBITS RATE outputs`: the transient's outputs written to a WAV file, one
/// channel each in the order given, at full scale ±1 V (±1 A for a current).
public struct WaveRequest: Hashable, Sendable {
    /// The file to write (resolved against the netlist's folder).
    public var path: String
    /// Bits per sample, 1 to 32.
    public var bits: Int
    /// Samples per second: a whole number from 1 to 2³² − 1.
    public var sampleRate: Double
    /// The outputs, one channel each.
    public var probes: [Probe]
    /// Where it was written.
    public var location: SourceLocation?

    /// A request.
    public init(path: String, bits: Int, sampleRate: Double, probes: [Probe], location: SourceLocation? = nil) {
        self.path = path
        self.bits = bits
        self.sampleRate = sampleRate
        self.probes = probes
        self.location = location
    }

    /// The integer container of `bits`-bit samples: the narrowest of 8, 16, 24 and 32 bits that holds them.
    public var format: WAVSampleFormat {
        bits <= 8 ? .int8 : bits <= 16 ? .int16 : bits <= 24 ? .int24 : .int32
    }
}

extension WAVFile {
    /// The WAV file `request` asks for, from `result`: sample k at time t₀ + k/rate (t₀ the first
    /// recorded time), for every such time up to the last recorded one, each output read on the
    /// straight line between the recorded points around it (exactly the recorded values when
    /// the sample period is the transient's TSTEP), rounded to `request.bits` bits and clipped at
    /// full scale as an integer WAV file is.
    public init(_ result: TransientResult, request: WaveRequest) throws(SimulationError) {
        let time = result.time
        guard let start = time.first, let end = time.last else {
            throw SimulationError(".wave \(request.path): the transient recorded nothing")
        }
        let rate = request.sampleRate
        let frames = Int(((end - start) * rate * (1 + 1e-12)).rounded(.down)) + 1
        guard WAVFile.canHold(frames: Double(frames), channels: request.probes.count, format: request.format) else {
            throw SimulationError(".wave \(request.path): \(frames) frames of \(request.probes.count) channels at \(request.bits) bits are more than a WAV file holds (4 GB)")
        }
        // Rounding to `bits` bits: the steps of full scale 2^(1−bits), at most 1 − 2^(1−bits) (two's complement).
        let levels = Double(sign: .plus, exponent: request.bits - 1, significand: 1)
        var channels: [[Double]] = []
        for probe in request.probes {
            guard let values = result.values(probe) else {
                throw SimulationError(".wave \(request.path): \(probe) was not recorded")
            }
            var channel = [Double](repeating: 0, count: frames)
            var j = 0
            for k in 0..<frames {
                let t = start + Double(k) / rate
                while j + 2 < time.count && time[j + 1] <= t { j += 1 }
                let (t0, t1) = (time[j], time[min(j + 1, time.count - 1)])
                let x = t1 > t0 ? values[j] + (values[min(j + 1, time.count - 1)] - values[j]) * min(max((t - t0) / (t1 - t0), 0), 1) : values[j]
                channel[k] = x.isFinite ? min(max((x * levels).rounded(), -levels), levels - 1) / levels : 0
            }
            channels.append(channel)
        }
        self.init(sampleRate: rate, channels: channels, format: request.format)
    }
}
