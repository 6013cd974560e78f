// ns per sample and allocations per sample of the real-time processor on the netlists of
// circuits/, at 48 kHz, 1x and 4x oversampling (the two amplifiers: 1x and 2x), driven by a 1 kHz
// sine at a low and a high level.
// Each scaled iteration processes one sample, so every figure is per sample (wall clock in ns,
// mallocs, instructions).
import Anode
import Benchmark
import Foundation

/// The circuits, their drive levels (peak volts at the input source: low and high) and the
/// oversampling factors to measure.
let circuits: [(file: String, low: Double, high: Double, oversampling: [Int])] = [
    ("diode-clipper", 0.1, 1.0, [1, 4]),
    ("12ax7-common-cathode", 0.1, 1.0, [1, 4]),
    ("2n3904-common-emitter", 0.01, 0.2, [1, 4]),
    ("class-ab-output", 0.05, 1.0, [1, 4]),
    ("tone-stack-jcm800", 0.1, 1.0, [1, 4]),
    ("tube-amp", 0.05, 0.5, [1, 2]),
    ("solid-state-amp", 0.02, 0.2, [1, 2]),
]

/// circuits/ beside this package.
let circuitsFolder = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("circuits")

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .instructions],
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 10_000
    )
    for circuit in circuits {
        for oversampling in circuit.oversampling {
            for (level, amplitude) in [("low", circuit.low), ("high", circuit.high)] {
                let name = "\(circuit.file) \(oversampling)x \(level) drive (\(amplitude) V)"
                Benchmark(name) { benchmark in
                    let netlist = circuitsFolder.appendingPathComponent(circuit.file + ".cir").path
                    guard let processor = try? Processor(Circuit(contentsOfFile: netlist), configuration: ProcessorConfiguration(
                        inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000, oversampling: oversampling)) else {
                        fatalError("cannot build a processor for \(netlist)")
                    }
                    // One period of the drive repeats exactly every 48 samples at 1 kHz.
                    let period = 48
                    let input = UnsafeMutablePointer<Double>.allocate(capacity: 4800)
                    let output = UnsafeMutablePointer<Double>.allocate(capacity: 4800)
                    defer { input.deallocate(); output.deallocate() }
                    for k in 0..<4800 { input[k] = amplitude * sin(2 * Double.pi * Double(k) / Double(period)) }
                    processor.process(input: input, output: output, frames: 4800)  // settle
                    var phase = 0
                    benchmark.startMeasurement()
                    for _ in benchmark.scaledIterations {
                        processor.process(input: input + phase, output: output, frames: 1)
                        phase = phase == period - 1 ? 0 : phase + 1
                    }
                    benchmark.stopMeasurement()
                    blackHole(output[0])
                }
            }
        }
    }
}
