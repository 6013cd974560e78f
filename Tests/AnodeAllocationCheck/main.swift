// Runs real-time processors over the netlists named on the command line and prints, for each,
// the number of heap allocations made inside `process` (counted by ordo-one/malloc-interposer):
//
//     anode-allocation-check FILE.cir ...   →   `FILE.cir 1x 0` lines, then `counter N`
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

MallocInterposerSwift.initialize()
var failed = false
for path in CommandLine.arguments.dropFirst() {
    for factor in [1, 4] {
        do {
            let circuit = try Circuit(contentsOfFile: path)
            let configuration = ProcessorConfiguration(inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000, oversampling: factor)
            let frames = 4800
            let input = UnsafeMutablePointer<Double>.allocate(capacity: frames)
            let output = UnsafeMutablePointer<Double>.allocate(capacity: frames)
            let floats = UnsafeMutablePointer<Float>.allocate(capacity: 2 * frames)
            for k in 0..<frames {
                input[k] = 2 * sin(2 * Double.pi * 1000 * Double(k) / 48_000)
                floats[k] = Float(input[k])
            }
            func run(_ processor: Processor) {
                processor.process(input: input, output: output, frames: frames / 2)
                for k in processor.controlNames.indices { processor.setControl(index: k, to: 0.1 + 0.1 * Double(k)) }
                processor.process(input: input, output: output, frames: frames / 2)
                processor.process(input: floats, output: floats + frames, frames: frames / 4)
                _ = processor.statistics.failures
            }
            // The same processing first on a twin, uncounted: a debug build instantiates generic
            // witness tables lazily, once per process, on a code path's first use (a fallback that
            // only a hard sample takes, say). The counted run takes exactly the twin's paths.
            run(try Processor(circuit, configuration: configuration))
            let processor = try Processor(circuit, configuration: configuration)
            let count = allocations { run(processor) }
            var finite = true
            for k in 0..<(frames / 2) where !output[k].isFinite { finite = false }
            print("\(path) \(factor)x \(count)\(finite ? "" : " non-finite")")
            input.deallocate(); output.deallocate(); floats.deallocate()
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
