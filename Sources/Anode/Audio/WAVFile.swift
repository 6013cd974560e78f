import Foundation

/// How a WAV file stores its samples.
public enum WAVSampleFormat: String, Sendable, CaseIterable {
    /// 8-bit unsigned integers (read only by most tools; Anode reads and writes them).
    case int8
    /// 16-bit signed integers.
    case int16
    /// 24-bit signed integers.
    case int24
    /// 32-bit signed integers.
    case int32
    /// 32-bit IEEE floats.
    case float32
    /// 64-bit IEEE floats.
    case float64

    /// Bytes per sample.
    public var bytes: Int {
        switch self {
        case .int8: 1
        case .int16: 2
        case .int24: 3
        case .int32, .float32: 4
        case .float64: 8
        }
    }

    /// Whether samples are floating point (no clipping at full scale).
    public var isFloat: Bool { self == .float32 || self == .float64 }
}

/// A problem reading or writing an audio file, naming the file.
public struct AudioFileError: Error, CustomStringConvertible, Sendable {
    /// The file.
    public let file: String
    /// What is wrong.
    public let message: String

    /// An error about `file`.
    public init(_ file: String, _ message: String) {
        self.file = file
        self.message = message
    }

    /// `file: message`.
    public var description: String { "\(file): \(message)" }
}

/// A WAV (RIFF WAVE) file in memory: the sample rate and one array of samples per channel, with
/// full scale at ±1.
///
/// Reads PCM integer (8, 16, 24, 32 bit) and IEEE float (32, 64 bit) files, plain or in
/// WAVE_FORMAT_EXTENSIBLE form, skipping chunks it does not need. Writes the same formats;
/// integer formats round to nearest and clip at full scale. `write(to:)` writes a temporary file
/// beside the target and renames it, so that a failure never leaves a truncated file.
public struct WAVFile: Sendable {
    /// Samples per second.
    public var sampleRate: Double
    /// The samples, one array per channel, all the same length; full scale is ±1.
    public var channels: [[Double]]
    /// The sample format to write (and the one read).
    public var format: WAVSampleFormat
    /// Frames that a file read declared in its 'data' chunk but that were past its end (a recording
    /// cut short); 0 for a whole file, a streamed one (whose size field is 0xFFFFFFFF) and one
    /// made in memory. The frames present are read.
    public var missingFrames = 0

    /// Number of frames (samples per channel).
    public var frameCount: Int { channels.first?.count ?? 0 }
    /// Duration in seconds.
    public var duration: Double { Double(frameCount) / sampleRate }

    /// A file of `channels` at `sampleRate`, to be written as `format`.
    public init(sampleRate: Double, channels: [[Double]], format: WAVSampleFormat = .float32) {
        self.sampleRate = sampleRate
        self.channels = channels
        self.format = format
    }

    /// Reads the WAV file at `path`.
    public init(contentsOfFile path: String) throws(AudioFileError) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw AudioFileError(path, "cannot read the file (\(error.localizedDescription))")
        }
        try self.init(data: data, name: path)
    }

    /// Parses WAV data; `name` names it in errors.
    public init(data: Data, name: String = "WAV data") throws(AudioFileError) {
        let bytes = [UInt8](data)
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        func tag(_ at: Int) -> String { String(decoding: bytes[at..<(at + 4)], as: UTF8.self) }
        guard bytes.count >= 12, tag(0) == "RIFF" || tag(0) == "RF64", tag(8) == "WAVE" else {
            throw AudioFileError(name, "not a WAV file (no RIFF/WAVE header)")
        }
        var format: (code: Int, channels: Int, rate: Int, bits: Int)?
        var samples: Range<Int>?
        var declaredBytes = 0
        var at = 12
        while at + 8 <= bytes.count {
            let id = tag(at)
            var size = u32(at + 4)
            let body = at + 8
            if id == "data" && (size == 0xFFFF_FFFF || body + size > bytes.count) {
                if size != 0xFFFF_FFFF { declaredBytes = size }
                size = bytes.count - body  // streamed or truncated: take what is there
            }
            guard body + size <= bytes.count else {
                throw AudioFileError(name, "chunk '\(id)' at byte \(at) runs past the end of the file")
            }
            if id == "fmt " {
                guard size >= 16 else { throw AudioFileError(name, "the 'fmt ' chunk is too short (\(size) bytes)") }
                var code = u16(body)
                if code == 0xFFFE {
                    // WAVE_FORMAT_EXTENSIBLE: the real format is the first two bytes of the sub-format GUID.
                    guard size >= 40 else { throw AudioFileError(name, "the extensible 'fmt ' chunk is too short (\(size) bytes)") }
                    code = u16(body + 24)
                }
                format = (code, u16(body + 2), u32(body + 4), u16(body + 14))
            } else if id == "data" {
                samples = body..<(body + size)
            }
            at = body + size + (size & 1)  // chunks are padded to even sizes
        }
        guard let format else { throw AudioFileError(name, "no 'fmt ' chunk") }
        guard let samples else { throw AudioFileError(name, "no 'data' chunk") }
        let sampleFormat: WAVSampleFormat
        switch (format.code, format.bits) {
        case (1, 8): sampleFormat = .int8
        case (1, 16): sampleFormat = .int16
        case (1, 24): sampleFormat = .int24
        case (1, 32): sampleFormat = .int32
        case (3, 32): sampleFormat = .float32
        case (3, 64): sampleFormat = .float64
        default:
            throw AudioFileError(name, "unsupported sample format (format code \(format.code), \(format.bits) bits); "
                                 + "Anode reads 8/16/24/32-bit integer and 32/64-bit float WAV")
        }
        guard format.channels > 0 else { throw AudioFileError(name, "the file declares no channels") }
        guard format.rate > 0 else { throw AudioFileError(name, "the file declares a sample rate of 0") }
        let n = format.channels, width = sampleFormat.bytes
        let frames = samples.count / (n * width)
        var channels = [[Double]](repeating: [Double](repeating: 0, count: frames), count: n)
        bytes.withUnsafeBytes { raw in
            for f in 0..<frames {
                for c in 0..<n {
                    let p = samples.lowerBound + (f * n + c) * width
                    let x: Double
                    switch sampleFormat {
                    case .int8: x = (Double(raw[p]) - 128) / 128
                    case .int16: x = Double(Int16(bitPattern: UInt16(raw[p]) | UInt16(raw[p + 1]) << 8)) / 32768
                    case .int24:
                        let u = UInt32(raw[p]) << 8 | UInt32(raw[p + 1]) << 16 | UInt32(raw[p + 2]) << 24
                        x = Double(Int32(bitPattern: u) >> 8) / 8_388_608
                    case .int32: x = Double(Int32(bitPattern: raw.loadUnaligned(fromByteOffset: p, as: UInt32.self).littleEndian)) / 2_147_483_648
                    case .float32: x = Double(Float(bitPattern: raw.loadUnaligned(fromByteOffset: p, as: UInt32.self).littleEndian))
                    case .float64: x = Double(bitPattern: raw.loadUnaligned(fromByteOffset: p, as: UInt64.self).littleEndian)
                    }
                    channels[c][f] = x
                }
            }
        }
        self.init(sampleRate: Double(format.rate), channels: channels, format: sampleFormat)
        if declaredBytes > 0 { missingFrames = declaredBytes / (n * width) - frames }
    }

    /// The samples of all channels mixed to one (their mean).
    public var mono: [Double] {
        guard channels.count > 1 else { return channels.first ?? [] }
        let scale = 1 / Double(channels.count)
        return (0..<frameCount).map { f in channels.reduce(0) { $0 + $1[f] } * scale }
    }

    /// Number of samples beyond full scale (|x| > 1), which integer formats clip.
    public var samplesBeyondFullScale: Int {
        channels.reduce(0) { $0 + $1.count { !($0.magnitude <= 1) } }
    }

    /// Whether a WAV file can hold `frames` frames of `channels` channels in `format`: its sizes are
    /// 32-bit, so the samples must stay under 4 GB (with room for the header).
    public static func canHold(frames: Double, channels: Int, format: WAVSampleFormat) -> Bool {
        frames * Double(channels * format.bytes) < Double(0xFFFF_FFF0 - 80)
    }

    /// The file's bytes in `format`. Integer formats round to nearest and clip at full scale;
    /// non-finite samples are written as 0.
    public func encoded() throws(AudioFileError) -> Data {
        guard sampleRate > 0, sampleRate < 4_294_967_296, sampleRate.rounded() == sampleRate else {
            throw AudioFileError("WAV output", "the sample rate must be a positive whole number of hertz, not \(sampleRate)")
        }
        guard !channels.isEmpty, channels.allSatisfy({ $0.count == frameCount }) else {
            throw AudioFileError("WAV output", "a WAV file needs at least one channel, all of the same length")
        }
        let n = channels.count, width = format.bytes
        let dataSize = frameCount * n * width
        guard Self.canHold(frames: Double(frameCount), channels: n, format: format) else {
            throw AudioFileError("WAV output", "too long for a WAV file (over 4 GB)")
        }
        var out = [UInt8]()
        out.reserveCapacity(dataSize + 80)
        func put16(_ v: Int) { out.append(UInt8(v & 0xFF)); out.append(UInt8(v >> 8 & 0xFF)) }
        func put32(_ v: Int) { put16(v & 0xFFFF); put16(v >> 16 & 0xFFFF) }
        func put(_ s: String) { out.append(contentsOf: Array(s.utf8)) }
        let floating = format.isFloat
        let fmtSize = floating ? 18 : 16
        let factSize = floating ? 12 : 0
        put("RIFF"); put32(4 + (8 + fmtSize) + factSize + 8 + dataSize + (dataSize & 1)); put("WAVE")
        put("fmt "); put32(fmtSize)
        put16(floating ? 3 : 1); put16(n); put32(Int(sampleRate)); put32(Int(sampleRate) * n * width)
        put16(n * width); put16(width * 8)
        if floating { put16(0) }  // cbSize
        if floating { put("fact"); put32(4); put32(frameCount) }
        put("data"); put32(dataSize)
        for f in 0..<frameCount {
            for c in 0..<n {
                var x = channels[c][f]
                if !x.isFinite { x = 0 }
                if !format.isFloat { x = min(max(x, -2), 2) }  // beyond full scale anyway; keeps the conversions below in range
                switch format {
                case .int8: out.append(UInt8(clamping: Int((x * 128).rounded()) + 128))
                case .int16: put16(Int(Int16(clamping: Int((x * 32768).rounded()))))
                case .int24:
                    let v = Int(min(max((x * 8_388_608).rounded(), -8_388_608), 8_388_607))
                    out.append(UInt8(v & 0xFF)); out.append(UInt8(v >> 8 & 0xFF)); out.append(UInt8(v >> 16 & 0xFF))
                case .int32:
                    let v = Int32(min(max((x * 2_147_483_648).rounded(), -2_147_483_648), 2_147_483_647))
                    put32(Int(UInt32(bitPattern: v)))
                case .float32: put32(Int(Float(x).bitPattern))
                case .float64:
                    let b = x.bitPattern
                    put32(Int(b & 0xFFFF_FFFF)); put32(Int(b >> 32))
                }
            }
        }
        if dataSize & 1 == 1 { out.append(0) }
        return Data(out)
    }

    /// Writes the file to `path`: to a temporary file in the same directory first, renamed over
    /// `path` once complete.
    public func write(toFile path: String) throws(AudioFileError) {
        let data = try encoded()
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            try data.write(to: temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw AudioFileError(path, "cannot write the file (\(error.localizedDescription))")
        }
        // rename(2) replaces the target in one step.
        guard rename(temporary.path, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw AudioFileError(path, "cannot write the file (\(reason))")
        }
    }
}
