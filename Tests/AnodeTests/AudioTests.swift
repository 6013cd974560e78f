import Anode
import Foundation
import Testing

@Suite("WAV files and test signals")
struct AudioTests {
    static let wavFixtures = Paths.fixtures.appendingPathComponent("wav")

    @Test("reads WAV files written by SoX", arguments: [
        ("stereo-int16.wav", WAVSampleFormat.int16, 2),
        ("mono-int24-extensible.wav", .int24, 1),
        ("mono-float32.wav", .float32, 1),
        ("mono-uint8.wav", .int8, 1),
    ])
    func readsSoX(_ name: String, _ format: WAVSampleFormat, _ channels: Int) throws {
        let wav = try WAVFile(contentsOfFile: Self.wavFixtures.appendingPathComponent(name).path)
        #expect(wav.format == format)
        #expect(wav.channels.count == channels)
        #expect(wav.sampleRate == 8000)
        #expect(wav.frameCount == 16)  // 2 ms at 8 kHz
        // A 1 kHz sine at half of full scale: peak 0.5 and a period of 8 samples (SoX's oscillator
        // and dither make it so to within 1 %; its first sample is off the pattern).
        let x = wav.channels[0]
        let peak = x.reduce(0) { max($0, abs($1)) }
        let tolerance = format == .int8 ? 0.02 : 0.01
        #expect(abs(peak - 0.5) <= tolerance, "peak \(peak)")
        for k in 1..<8 { #expect(abs(x[k] - x[k + 8]) <= tolerance, "sample \(k)") }
        for k in 1..<4 { #expect(abs(x[k] + x[k + 4]) <= tolerance, "sample \(k)") }
        #expect(x[2] > 0.45 && x[6] < -0.45)
    }

    @Test("writes and reads back every format", arguments: WAVSampleFormat.allCases)
    func roundTrip(_ format: WAVSampleFormat) throws {
        let left = (0..<101).map { 0.9 * sin(Double($0) * 0.3) }
        let right = (0..<101).map { Double($0) / 100 * 2 - 1 }  // −1 … 1, both ends exactly
        let wav = WAVFile(sampleRate: 44_100, channels: [left, right], format: format)
        let data = try wav.encoded()
        #expect(data.count == 44 + (format.isFloat ? 14 : 0) + 101 * 2 * format.bytes + (101 * 2 * format.bytes) % 2)
        let back = try WAVFile(data: data)
        #expect(back.format == format && back.sampleRate == 44_100 && back.channels.count == 2 && back.frameCount == 101)
        // Integers carry the nearest step (positive full scale clips one step below 1).
        let step: Double = switch format {
        case .int8: 1.0 / 128
        case .int16: 1.0 / 32768
        case .int24: 1.0 / 8_388_608
        case .int32: 1.0 / 2_147_483_648
        case .float32: 1e-7
        case .float64: 0
        }
        for (a, b) in zip(left + right, back.channels[0] + back.channels[1]) {
            #expect(abs(a - b) <= step, "\(a) came back as \(b)")
        }
    }

    @Test("integer output clips beyond full scale; NaN is written as silence")
    func clipping() throws {
        let wav = WAVFile(sampleRate: 8000, channels: [[2, -3, 0.5, .nan]], format: .int16)
        #expect(wav.samplesBeyondFullScale == 3)
        let back = try WAVFile(data: try wav.encoded())
        #expect(back.channels[0] == [32767.0 / 32768, -1, 0.5, 0])
    }

    @Test("writing replaces the file in one step and leaves no temporary file")
    func atomicWrite() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("anode-wav-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("out.wav").path
        try WAVFile(sampleRate: 8000, channels: [[0.1, 0.2]], format: .int16).write(toFile: path)
        try WAVFile(sampleRate: 8000, channels: [[0.3, 0.4, 0.5]], format: .int16).write(toFile: path)
        #expect(try WAVFile(contentsOfFile: path).frameCount == 3)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["out.wav"])
        // A directory that does not exist: an error naming the file, nothing written.
        #expect(throws: AudioFileError.self) { try WAVFile(sampleRate: 8000, channels: [[0]]).write(toFile: directory.path + "/missing/x.wav") }
    }

    @Test("a file cut short inside its 'data' chunk is read as far as it goes and says how much is missing")
    func truncated() throws {
        let x: [Double] = (0..<10).map { Double($0) / 16 }
        let whole = try WAVFile(sampleRate: 8000, channels: [x, x], format: .int16).encoded()
        #expect(try WAVFile(data: whole).missingFrames == 0)
        // 44-byte header, 4 bytes a frame: cut after 3 frames and half of the fourth.
        let cut = try WAVFile(data: whole.prefix(44 + 14))
        #expect(cut.frameCount == 3 && cut.missingFrames == 7)
        #expect(cut.channels[0] == Array(x.prefix(3)) && cut.channels[1] == Array(x.prefix(3)))
        // A streamed file (size 0xFFFFFFFF, written before its length was known) is not short.
        var streamed = whole
        streamed.replaceSubrange(40..<44, with: [0xFF, 0xFF, 0xFF, 0xFF])
        let read = try WAVFile(data: streamed)
        #expect(read.frameCount == 10 && read.missingFrames == 0)
    }

    @Test("malformed files are errors that name the file", arguments: [
        (Data("not a wav file at all".utf8), "not a WAV file"),
        (Data("RIFF\u{24}\0\0\0WAVEdata\u{4}\0\0\0\0\0\0\0".utf8), "no 'fmt ' chunk"),
        (Data("RIFF\u{24}\0\0\0WAVEfmt \u{10}\0\0\0\u{2}\0\u{1}\0\u{40}\u{1f}\0\0\0\0\0\0\u{2}\0\u{4}\0data\0\0\0\0".utf8), "unsupported sample format"),
        (Data("RIFF\u{24}\0\0\0WAVEfmt \u{40}\0\0\0\u{1}\0".utf8), "runs past the end"),
    ])
    func malformed(_ data: Data, _ message: String) {
        do {
            _ = try WAVFile(data: data, name: "bad.wav")
            Issue.record("accepted malformed data")
        } catch {
            #expect(error.description.hasPrefix("bad.wav: "))
            #expect(error.message.contains(message), "\(error.message)")
        }
    }

    @Test("a plucked string decays by 60 dB in its decay time, at its pitch, reproducibly")
    func pluck() {
        let rate = 48_000.0
        let x = TestSignal.pluck(frequency: 110, duration: 3, sampleRate: rate, peak: 0.5, decay: 2)
        #expect(x.count == 144_000)
        #expect(abs(x.reduce(0) { max($0, abs($1)) } - 0.5) < 1e-12)
        #expect(x == TestSignal.pluck(frequency: 110, duration: 3, sampleRate: rate, peak: 0.5, decay: 2))
        func rms(_ from: Double, _ to: Double) -> Double {
            let s = x[Int(from * rate)..<Int(to * rate)]
            return (s.reduce(0) { $0 + $1 * $1 } / Double(s.count)).squareRoot()
        }
        // Two seconds apart the fundamental has fallen by 60 dB (higher partials faster).
        let fall = 20 * log10(rms(2.4, 2.5) / rms(0.4, 0.5))
        #expect(fall < -57 && fall > -70, "fell \(fall) dB")
        // Pitch: the autocorrelation peaks at one period (436 samples at 110 Hz) among nearby lags.
        let segment = Array(x[24_000..<28_000])
        func correlation(_ lag: Int) -> Double { (0..<(segment.count - lag)).reduce(0) { $0 + segment[$1] * segment[$1 + lag] } }
        let best = (380...500).max { correlation($0) < correlation($1) }!
        #expect(abs(best - 436) <= 1)
    }

    @Test("an exponential sweep moves from its start to its end frequency")
    func sweep() {
        let rate = 48_000.0
        let x = TestSignal.sweep(from: 100, to: 10_000, duration: 2, sampleRate: rate, peak: 1)
        #expect(x.count == 96_000)
        // Count zero crossings in 10 ms windows: 2·f·0.01 of them.
        func frequency(at t: Double) -> Double {
            let a = Int(t * rate), b = a + Int(0.01 * rate)
            let crossings = (a..<b).count { x[$0] < 0 && x[$0 + 1] >= 0 || x[$0] >= 0 && x[$0 + 1] < 0 }
            return Double(crossings) / 2 / 0.01
        }
        // Instantaneous frequency 100·100^(t/2): 1 kHz at 1 s, 5.6 kHz at 1.75 s.
        #expect(abs(frequency(at: 0.995) - 1000) < 60)
        #expect(abs(frequency(at: 1.745) - 100 * pow(100, 1.75 / 2)) < 150)
        #expect(abs(x.reduce(0) { max($0, abs($1)) } - 1) < 1e-3)
        #expect(abs(x[0]) < 1e-12 && abs(x[x.count - 1]) < 1e-12)  // faded in and out
    }
}
