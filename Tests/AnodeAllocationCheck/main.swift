// Runs real-time processors over the netlists named on the command line and prints, for each,
// the number of heap allocations made inside `process` (counted by ordo-one/malloc-interposer):
//
//     anode-allocation-check FILE.cir ...   →   `FILE.cir 1x 0` lines, then `counter N`
//
// driven by a 2 V sine at 1x and 4x oversampling; `FILE.cir@A` drives it with A volts at 1x only
// (the class-AB stage at 8 V takes some steps in sub-steps), `FILE.cir@A:B` with a fallback budget
// of B evaluations per frame.
//
// The last line reports what a deliberate allocation counted, proving the counter is live.
import Anode
import Foundation
import MallocInterposerSwift

func allocations(_ body: () -> Void) -> Int {
    let before = MallocInterposerSwift.getStatistics().mallocCount
    MallocInterposerSwift.hook()
    body()
    MallocInterposerSwift.unhook()
    return MallocInterposerSwift.getStatistics().mallocCount - before
}

/// Diagnostics go to standard error, so that standard output stays one line per run.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) { FileHandle.standardError.write(Data(string.utf8)) }
}
var standardError = StandardError()

MallocInterposerSwift.initialize()
var failed = false
for argument in CommandLine.arguments.dropFirst() {
    let parts = argument.split(separator: "@", maxSplits: 1).map(String.init)
    let drive = parts.count > 1 ? parts[1].split(separator: ":").map(String.init) : []
    let path = parts[0], amplitude = drive.first.flatMap(Double.init) ?? 2
    let budget = drive.count > 1 ? Int(drive[1]) : nil
    for factor in parts.count > 1 ? [1] : [1, 4] {
        do {
            let circuit = try Circuit(contentsOfFile: path)
            let configuration = ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000, oversampling: factor,
                                                       fallbackBudget: budget)
            let frames = 4800
            let input = UnsafeMutablePointer<Double>.allocate(capacity: frames)
            let output = UnsafeMutablePointer<Double>.allocate(capacity: frames)
            let floats = UnsafeMutablePointer<Float>.allocate(capacity: 2 * frames)
            // Channel lists for the non-interleaved calls (one channel each way).
            let floatChannels = UnsafeMutablePointer<UnsafePointer<Float>>.allocate(capacity: 1)
            let floatTargets = UnsafeMutablePointer<UnsafeMutablePointer<Float>>.allocate(capacity: 1)
            let channels = UnsafeMutablePointer<UnsafePointer<Double>>.allocate(capacity: 1)
            let targets = UnsafeMutablePointer<UnsafeMutablePointer<Double>>.allocate(capacity: 1)
            floatChannels[0] = UnsafePointer(floats)
            floatTargets[0] = floats + frames
            channels[0] = UnsafePointer(input)
            targets[0] = output
            for k in 0..<frames {
                input[k] = amplitude * sin(2 * Double.pi * 1000 * Double(k) / 48_000)
                floats[k] = Float(input[k])
            }
            func run(_ processor: Processor) {
                processor.process(input: input, output: output, frames: frames / 2)
                for k in processor.controlNames.indices { processor.setControl(index: k, to: 0.1 + 0.1 * Double(k)) }
                processor.process(input: input, output: output, frames: frames / 2)
                processor.process(input: floats, output: floats + frames, frames: frames / 4)
                processor.process(inputs: floatChannels, outputs: floatTargets, frames: frames / 8)
                processor.process(inputs: channels, outputs: targets, frames: frames / 8)
                _ = processor.statistics.failures
            }
            if parts.count > 1 {
                // The drive must reach the fallbacks it is meant to check.
                let probe = try Processor(circuit, configuration: configuration)
                run(probe)
                print("\(argument): \(probe.statistics.substeps) steps in sub-steps", to: &standardError)
                if probe.statistics.substeps == 0 { failed = true }
            }
            // The same processing first on a twin, uncounted: a debug build instantiates generic
            // witness tables lazily, once per process, on a code path's first use (a fallback that
            // only a hard sample takes, say). The counted run takes exactly the twin's paths.
            run(try Processor(circuit, configuration: configuration))
            let processor = try Processor(circuit, configuration: configuration)
            let count = allocations { run(processor) }
            var finite = true
            for k in 0..<(frames / 2) where !output[k].isFinite { finite = false }
            print("\(argument) \(factor)x \(count)\(finite ? "" : " non-finite")")
            input.deallocate(); output.deallocate(); floats.deallocate()
            floatChannels.deallocate(); floatTargets.deallocate(); channels.deallocate(); targets.deallocate()
        } catch {
            print("\(path) \(factor)x error: \(error)")
            failed = true
        }
    }
}
let probe = allocations {
    let p = UnsafeMutablePointer<Double>.allocate(capacity: 1000)
    p.initialize(repeating: 1, count: 1000)
    if p[999].isNaN { print("") }
    p.deallocate()
}
print("counter \(probe)")
exit(failed ? 1 : 0)
