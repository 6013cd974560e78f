// ns per sample and allocations per sample of the real-time processor on the netlists of
// circuits/, at 48 kHz, 1x and 4x oversampling (the two amplifiers also at 2x), driven by a 1 kHz
// sine at a low and a high level.
// Each scaled iteration is one sample (processed in blocks of 64, as an audio callback would hand
// them over; the three smallest circuits also one frame per call), so every figure is per sample
// (wall clock in ns, mallocs, instructions).
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
    ("mosfet-class-ab", 1.0, 10.0, [1, 4]),
    ("tone-stack-jcm800", 0.1, 1.0, [1, 4]),
    ("rlc", 0.1, 1.0, [1, 4]),
    ("tube-screamer", 0.02, 0.2, [1, 4]),
    ("fuzz-face", 0.02, 0.2, [1, 4]),
    ("tube-amp", 0.05, 0.5, [1, 2, 4]),
    ("solid-state-amp", 0.02, 0.2, [1, 2, 4]),
]

/// circuits/ beside this package.
let circuitsFolder = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("circuits")

/// A processor of `file` at 48 kHz that has decayed for `seconds` after an impulse: its state is
/// where subnormal numbers would appear.
func decayed(_ file: String, seconds: Int) -> Processor {
    let netlist = circuitsFolder.appendingPathComponent(file + ".cir").path
    guard let processor = try? Processor(Circuit(contentsOfFile: netlist), configuration: ProcessorConfiguration(
        inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000)) else {
        fatalError("cannot build a processor for \(netlist)")
    }
    var block = [Double](repeating: 0, count: 48_000)
    block[0] = 1
    _ = processor.process(block)
    block[0] = 0
    for _ in 0..<seconds { _ = processor.process(block) }
    return processor
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .instructions],
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 10_000
    )
    // Silence after an impulse, 30 s on: the decayed state must cost what a live one does (the
    // processor flushes values below 1e-200 rather than compute with subnormal numbers).
    for file in ["tone-stack-jcm800", "rlc"] {
        Benchmark("\(file) 1x silence after 30 s of decay") { benchmark in
            let processor = decayed(file, seconds: 30)
            let block = 64
            let input = UnsafeMutablePointer<Double>.allocate(capacity: block)
            let output = UnsafeMutablePointer<Double>.allocate(capacity: block)
            defer { input.deallocate(); output.deallocate() }
            input.initialize(repeating: 0, count: block)
            // In blocks of 64 frames, as the live benchmarks below, so that the two compare.
            benchmark.startMeasurement()
            var remaining = benchmark.scaledIterations.count
            while remaining > 0 {
                let frames = min(block, remaining)
                processor.process(input: input, output: output, frames: frames)
                remaining -= frames
            }
            benchmark.stopMeasurement()
            blackHole(output[0])
        }
    }
    for circuit in circuits {
        for oversampling in circuit.oversampling {
            for (level, amplitude) in [("low", circuit.low), ("high", circuit.high)] {
                Benchmark("\(circuit.file) \(oversampling)x \(level) drive (\(amplitude) V)") { benchmark in
                    drive(benchmark, circuit.file, amplitude: amplitude, oversampling: oversampling, block: 64)
                }
            }
        }
    }
    // A host that hands over one frame per call (a per-sample effect chain): what a call costs
    // besides its frame.
    for circuit in circuits.prefix(3) {
        Benchmark("\(circuit.file) 1x low drive (\(circuit.low) V), one frame per call") { benchmark in
            drive(benchmark, circuit.file, amplitude: circuit.low, oversampling: 1, block: 1)
        }
    }
}

/// Runs `benchmark`'s scaled iterations (one per sample) through a processor of `file` driven by a
/// 1 kHz sine of peak `amplitude` at 48 kHz, in calls of `block` frames, as an audio callback
/// hands them over.
func drive(_ benchmark: Benchmark, _ file: String, amplitude: Double, oversampling: Int, block: Int) {
    let netlist = circuitsFolder.appendingPathComponent(file + ".cir").path
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
    var remaining = benchmark.scaledIterations.count
    while remaining > 0 {
        let frames = min(block, remaining)
        processor.process(input: input + phase, output: output, frames: frames)
        phase = (phase + frames) % period
        remaining -= frames
    }
    benchmark.stopMeasurement()
    blackHole(output[0])
}
