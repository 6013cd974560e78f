import Anode
import Foundation
import Testing

/// `anode render` and `anode signal`, run as a user runs them.
@Suite("anode render and signal")
struct RenderCommandTests {
    let cli = CommandLineTests()

    @Test("render plays a WAV file through the circuit: the output is the processor's response")
    func render() throws {
        let dir = try temporaryFolder("anode-render")
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.wav").path, output = dir.appendingPathComponent("out.wav").path
        let x = TestSignal.sine(frequency: 440, duration: 0.05, sampleRate: 48_000, peak: 0.8)
        try WAVFile(sampleRate: 48_000, channels: [x, x.map { -$0 }], format: .float64).write(toFile: input)
        let r = try cli.run(["render", "circuits/diode-clipper.cir", "-i", input, "-o", output, "--channel", "left",
                             "--input-level", "2V", "--format", "float64"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("real-time factor"))
        #expect(r.stdout.contains("Newton:"))
        let y = try WAVFile(contentsOfFile: output)
        #expect(y.format == .float64 && y.sampleRate == 48_000 && y.frameCount == x.count)
        // The same through the library: 2 V at full scale, 1 V at full scale out, DC of the rest point removed.
        let processor = try Processor(try Circuit(contentsOfFile: Paths.circuits.appendingPathComponent("diode-clipper.cir").path),
                                      configuration: ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000, restInputs: [0]))
        let expected = processor.process(x.map { 2 * $0 }).map { $0 - processor.restOutput[0] }
        for (a, b) in zip(y.channels[0], expected) { #expect(abs(a - b) < 1e-12) }
        // It clips near ±0.52 V: the 1.6 V peak is well beyond.
        let peak = y.channels[0].reduce(0) { max($0, abs($1)) }
        #expect(peak > 0.45 && peak < 0.6)
    }

    @Test("render with oversampling is aligned with the input (latency compensated) and normalizes on request")
    func oversampledNormalized() throws {
        let dir = try temporaryFolder("anode-render")
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.wav").path, output = dir.appendingPathComponent("out.wav").path
        // The JCM800 tone stack is linear: a 200 Hz sine comes out as a scaled, slightly shifted sine.
        let x = TestSignal.sine(frequency: 200, duration: 0.2, sampleRate: 48_000, peak: 0.5)
        try WAVFile(sampleRate: 48_000, channels: [x], format: .float32).write(toFile: input)
        let plain = dir.appendingPathComponent("plain.wav").path
        #expect(try cli.run(["render", "circuits/tone-stack-jcm800.cir", "-i", input, "-o", plain]).status == 0)
        let r = try cli.run(["render", "circuits/tone-stack-jcm800.cir", "-i", input, "-o", output, "--oversample", "4", "--normalize"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("-1.0 dBFS"))
        let a = try WAVFile(contentsOfFile: plain).channels[0], b = try WAVFile(contentsOfFile: output).channels[0]
        let peakA = a[4800...].reduce(0) { max($0, abs($1)) }, peakB = b[4800...].reduce(0) { max($0, abs($1)) }
        #expect(abs(b.reduce(0) { max($0, abs($1)) } - pow(10, -1.0 / 20)) < 1e-6)  // the whole file's peak
        // Same waveform up to scale once settled: no delay between the 1x and 4x renders.
        let scale = peakB / peakA
        for k in stride(from: 4800, to: 9600, by: 7) { #expect(abs(b[k] - scale * a[k]) < 2e-3, "sample \(k)") }
    }

    @Test("render sets controls with --set, and rejects bad settings, channels and an output that is the input")
    func errors() throws {
        let dir = try temporaryFolder("anode-render")
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.wav").path
        try WAVFile(sampleRate: 48_000, channels: [TestSignal.sine(frequency: 100, duration: 0.1, sampleRate: 48_000, peak: 0.5)]).write(toFile: input)
        func render(_ extra: [String]) throws -> CommandLineTests.Output {
            try cli.run(["render", "circuits/tone-stack-jcm800.cir", "-i", input, "-o", dir.appendingPathComponent("o.wav").path] + extra)
        }
        // Bass full up gives more output at 100 Hz than bass full down.
        #expect(try render(["--set", "bass=1", "--format", "float32"]).status == 0)
        let high = try WAVFile(contentsOfFile: dir.appendingPathComponent("o.wav").path).channels[0][2400...].reduce(0) { max($0, abs($1)) }
        #expect(try render(["--set", "bass=0", "--format", "float32"]).status == 0)
        let low = try WAVFile(contentsOfFile: dir.appendingPathComponent("o.wav").path).channels[0][2400...].reduce(0) { max($0, abs($1)) }
        #expect(high > 1.5 * low, "bass 1: \(high), bass 0: \(low)")

        let unknown = try render(["--set", "volume=0.5"])
        #expect(unknown.status == 2 && unknown.stderr.contains("no control named 'volume'") && unknown.stderr.contains("treble"))
        let outOfRange = try render(["--set", "bass=1.5"])
        #expect(outOfRange.status == 2 && outOfRange.stderr.contains("between 0 and 1"))
        let channel = try render(["--channel", "right"])
        #expect(channel.status == 2 && channel.stderr.contains("no right channel"))
        let probe = try render(["--probe", "v(out"])
        #expect(probe.status == 2 && probe.stderr.contains("is not an output"))
        let tail = try render(["--tail", "1e6"])
        #expect(tail.status == 2 && tail.stderr.contains("longer than a WAV file can hold"), "\(tail.stderr)")
        let same = try cli.run(["render", "circuits/tone-stack-jcm800.cir", "-i", input, "-o", input])
        #expect(same.status == 2 && same.stderr.contains("is the input file"))
        #expect(try WAVFile(contentsOfFile: input).frameCount == 4800)  // untouched
        let missing = try cli.run(["render", "circuits/tone-stack-jcm800.cir", "-i", dir.appendingPathComponent("none.wav").path, "-o", input + ".x"])
        #expect(missing.status == 2 && missing.stderr.contains("none.wav: cannot read the file"))
    }

    @Test("render and bench refuse a float WAV holding NaN, naming the frame, and warn of a file cut short")
    func unusualFiles() throws {
        let dir = try temporaryFolder("anode-render")
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("nan.wav").path, output = dir.appendingPathComponent("out.wav").path
        // `WAVFile` writes NaN as silence, so the NaN is put into the encoded samples.
        var encoded = try WAVFile(sampleRate: 48_000, channels: [TestSignal.sine(frequency: 100, duration: 0.02, sampleRate: 48_000, peak: 0.5)],
                                  format: .float32).encoded()
        let samples = try #require(encoded.firstRange(of: Data("data".utf8))).upperBound + 4
        withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { encoded.replaceSubrange((samples + 2000)..<(samples + 2004), with: $0) }
        #expect(try WAVFile(data: encoded).channels[0][500].isNaN)
        try encoded.write(to: URL(fileURLWithPath: bad))
        for arguments in [["render", "circuits/diode-clipper.cir", "-i", bad, "-o", output],
                          ["bench", "circuits/diode-clipper.cir", "--wav", bad, "--seconds", "0.01"]] {
            let r = try cli.run(arguments)
            #expect(r.status == 2, "\(arguments[0]): \(r.stderr)")
            #expect(r.stderr.contains("nan.wav: error: frame 500 (0.0104167 s) of the input is NaN"), "\(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: output))
        // Cut short in its 'data' chunk: read as far as it goes, with a warning.
        let whole = try WAVFile(sampleRate: 48_000, channels: [TestSignal.sine(frequency: 100, duration: 0.02, sampleRate: 48_000, peak: 0.5)],
                                format: .int16).encoded()
        let cut = dir.appendingPathComponent("cut.wav")
        try whole.prefix(44 + 2 * 600).write(to: cut)
        let r = try cli.run(["render", "circuits/diode-clipper.cir", "-i", cut.path, "-o", output])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("cut.wav: warning: the file ends 360 frames short"), "\(r.stderr)")
        #expect(try WAVFile(contentsOfFile: output).frameCount == 600)
        // A drive beyond the processor's ±1 kV is limited, and said so.
        let loud = try cli.run(["render", "circuits/diode-clipper.cir", "-i", cut.path, "-o", output, "--input-level", "5kV"])
        #expect(loud.status == 0 && loud.stderr.contains("input samples beyond ±1000 V were limited to it"), "\(loud.stderr)")
    }

    @Test("signal writes test signals")
    func signal() throws {
        let dir = try temporaryFolder("anode-render")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("pluck.wav").path
        let r = try cli.run(["signal", "pluck", "-o", path, "--seconds", "0.5", "--frequency", "82.4"])
        #expect(r.status == 0, "\(r.stderr)")
        let wav = try WAVFile(contentsOfFile: path)
        #expect(wav.format == .int24 && wav.frameCount == 24_000)
        #expect(abs(wav.channels[0].reduce(0) { max($0, abs($1)) } - 0.5) < 1e-6)
        let bad = try cli.run(["signal", "sweep", "-o", path, "--frequency", "30000"])
        #expect(bad.status == 2)
        // Longer than a WAV file can hold: refused at once, not after filling the memory.
        let long = try cli.run(["signal", "sine", "-o", path, "--seconds", "1e9"])
        #expect(long.status == 2 && long.stderr.contains("over the 4 GB a WAV file can hold"), "\(long.stderr)")
    }
}
