// Soak test: ten minutes of audio (a repeating plucked-string phrase at varying levels) through the
// tube amplifier at 48 kHz with 2x oversampling, while a second thread turns its five knobs to
// random positions every 50 ms. Reports each minute's time and Newton iterations per sample, its
// slowest block of 512 frames against the block's real time (10.7 ms) and how many blocks took
// longer than that; fails (exit 1) on any non-finite output or when the last minute costs 25 %
// more than the first.
// Usage (from Benchmarks/): swift run -c release Soak [minutes]
import Anode
import Foundation

let minutes = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 10 : 10
// main.swift in Benchmarks/Tools/Soak: the repository is four levels up.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
let circuit = try Circuit(contentsOfFile: root.appendingPathComponent("circuits/tube-amp.cir").path)
let rate = 48_000.0
let amp = try Processor(circuit, configuration: ProcessorConfiguration(
    inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: rate, oversampling: 2))

// The phrase: plucks at 110, 147, 196 and 82 Hz, one a second, at levels from 0.05 to 0.5 V.
var phrase: [Double] = []
for (k, f) in [110.0, 147, 196, 82].enumerated() {
    phrase += TestSignal.pluck(frequency: f, duration: 1, sampleRate: rate, peak: [0.05, 0.2, 0.5, 0.1][k], seed: UInt64(k + 1))
}

final class Knobs: @unchecked Sendable {
    let amp: Processor
    var running = true
    init(_ amp: Processor) { self.amp = amp }
}
let knobs = Knobs(amp)
let automation = Thread {
    var generator = SystemRandomNumberGenerator()
    while knobs.running {
        let k = Int.random(in: 0..<knobs.amp.controlNames.count, using: &generator)
        knobs.amp.setControl(index: k, to: Double.random(in: 0...1, using: &generator))
        Thread.sleep(forTimeInterval: 0.05)
    }
}
automation.start()

let clock = ContinuousClock()
var output = [Double](repeating: 0, count: 512)
var position = 0
var perMinute: [(ns: Double, iterations: Double)] = []
var nonFinite = 0
for minute in 0..<minutes {
    let before = amp.statistics
    let start = clock.now
    var done = 0
    var slowest = Duration.zero, late = 0
    let deadline = Duration.nanoseconds(Int64(512 / rate * 1e9))
    while done < Int(60 * rate) {
        let n = min(512, Int(60 * rate) - done)
        let blockStart = clock.now
        phrase.withUnsafeBufferPointer { p in
            output.withUnsafeMutableBufferPointer { o in
                if position + n <= p.count {
                    amp.process(input: p.baseAddress! + position, output: o.baseAddress!, frames: n)
                } else {
                    let first = p.count - position
                    amp.process(input: p.baseAddress! + position, output: o.baseAddress!, frames: first)
                    amp.process(input: p.baseAddress!, output: o.baseAddress! + first, frames: n - first)
                }
            }
        }
        let took = clock.now - blockStart
        slowest = max(slowest, took)
        if took > deadline { late += 1 }
        for k in 0..<n where !output[k].isFinite { nonFinite += 1 }
        position = (position + n) % phrase.count
        done += n
    }
    let elapsed = clock.now - start
    let seconds = elapsed / .seconds(1)
    let after = amp.statistics
    let frames = 60 * rate
    perMinute.append((seconds / frames * 1e9, Double(after.iterations - before.iterations) / frames))
    let slowestMs = slowest / .milliseconds(1)
    print(String(format: "minute %2d: %7.1f ns/sample, %.2f Newton iterations/sample, %d failures, %d recoveries, %d non-finite, slowest block %.2f of %.2f ms, %d of %d blocks late",
                 minute + 1, perMinute.last!.ns, perMinute.last!.iterations, after.failures - before.failures,
                 after.recoveries - before.recoveries, nonFinite, slowestMs, 512 / rate * 1e3, late, Int(60 * rate) / 512))
}
knobs.running = false
let growth = perMinute.count > 1 ? perMinute.last!.ns / perMinute[0].ns : 1
let iterationGrowth = perMinute.count > 1 ? perMinute.last!.iterations / perMinute[0].iterations : 1
print(String(format: "last minute against the first: time x%.2f, iterations x%.2f; non-finite samples: %d", growth, iterationGrowth, nonFinite))
if nonFinite > 0 || growth > 1.25 || iterationGrowth > 1.25 { exit(1) }
