// libFuzzer entry point: every input is read as a netlist, elaborated and, when that succeeds,
// simulated (operating point, and each analysis it asks for, kept short; a transient through the
// real-time engine too, whole and split into calls). Any outcome is fine except
// a crash, a trap, a sanitizer report or a hang: errors must be thrown, never fatal. The one trap
// the harness sets itself is a real-time run split into calls that differs from the same run in
// one call (`checkCallSplit`).
import Anode
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard var circuit = try? Circuit(netlistText: text, file: "fuzz.cir") else { return 0 }
    // Keep the work bounded: short transients, few AC points, small circuits.
    circuit.analyses = circuit.analyses.map { analysis in
        switch analysis {
        case .transient(var spec):
            spec.stop = min(spec.stop, 200 * spec.step)
            spec.maxStep = nil
            return .transient(spec)
        case .ac(var sweep):
            sweep.points = min(sweep.points, 5)
            if sweep.stop / sweep.start > 1e6 { sweep.stop = sweep.start * 1e6 }
            return .ac(sweep)
        default:
            return analysis
        }
    }
    circuit.noiseAnalyses = circuit.noiseAnalyses.map { request in
        var r = request
        r.sweep.points = min(r.sweep.points, 5)
        if r.sweep.stop / r.sweep.start > 1e6 { r.sweep.stop = r.sweep.start * 1e6 }
        return r
    }
    // A stiff circuit may not run away with the time: at most 20 000 transient steps.
    circuit.options.transientStepLimit = 20_000
    guard circuit.elements.count < 200, let simulator = try? Simulator(circuit) else { return 0 }
    if let results = try? simulator.runAll() {
        // The .meas and .four statements on those results.
        _ = simulator.measure(results)
        _ = simulator.fourier(results)
    }
    _ = try? simulator.transferFunctions()
    _ = try? simulator.noise()
    _ = try? simulator.poleZeroAnalyses()
    // The real-time engine on the same (shortened) transient: its model derivation, rest state
    // and per-sample kernel, twice oversampled so the filters run too.
    for case .transient(let spec) in circuit.analyses {
        _ = try? simulator.realtimeTransient(spec, oversampling: 2)
        checkCallSplit(circuit, spec, choices: UnsafeBufferPointer(start: data, count: size))
    }
    return 0
}

/// A run split into `process` calls computes what one call does, to the bit (see Realtime.md):
/// the netlist's first source with a waveform drives two processors of the circuit at TSTEP, one
/// in a single call, the other in calls of 0 to 16 frames that the input's own bytes choose (at 1x
/// or 2x, as the first byte says). Outputs that differ in any bit, or evaluation counts that
/// differ, are a finding: the harness traps.
func checkCallSplit(_ circuit: Circuit, _ spec: TransientSpec, choices: UnsafeBufferPointer<UInt8>) {
    var source: (name: String, waveform: Waveform)?
    for element in circuit.elements where source == nil {
        switch element.kind {
        case let .voltageSource(_, _, s), let .currentSource(_, _, s):
            if let waveform = s.waveform { source = (element.name, waveform) }
        default:
            break
        }
    }
    guard let source, !choices.isEmpty, spec.step > 0, spec.stop > 0,
          let probe = circuit.outputs.first(where: { $0.analysis == .tran || $0.analysis == nil })?.probe
    else { return }
    let frames = Int(min(spec.stop / spec.step, 200))
    guard frames > 0 else { return }
    let waveform = source.waveform.resolved(step: spec.step, stop: spec.stop)
    let input = (1...frames).map { waveform.value(at: Double($0) * spec.step) }
    let configuration = ProcessorConfiguration(inputs: [source.name], outputs: [probe], sampleRate: 1 / spec.step,
                                               oversampling: choices[0] % 2 == 0 ? 1 : 2,
                                               restInputs: [waveform.value(at: 0)])
    guard let whole = try? Processor(circuit, configuration: configuration),
          let split = try? Processor(circuit, configuration: configuration) else { return }
    var one = [Double](repeating: 0, count: frames), many = one
    input.withUnsafeBufferPointer { i in
        one.withUnsafeMutableBufferPointer { whole.process(input: i.baseAddress!, output: $0.baseAddress!, frames: frames) }
        many.withUnsafeMutableBufferPointer { o in
            var k = 0, c = 1
            while k < frames {
                // An empty call at most every other call, so that the run ends whatever the bytes.
                let chosen = Int(choices[c % choices.count] % 17)
                let n = min(chosen == 0 && c % 2 == 0 ? 1 : chosen, frames - k)
                split.process(input: i.baseAddress! + k, output: o.baseAddress! + k, frames: n)
                k += n
                c += 1
            }
        }
    }
    for k in 0..<frames where one[k].bitPattern != many[k].bitPattern {
        fatalError("frame \(k): \(one[k]) in one call, \(many[k]) in calls of 0–16 frames")
    }
    if whole.statistics.iterations != split.statistics.iterations {
        fatalError("\(whole.statistics.iterations) evaluations in one call, \(split.statistics.iterations) split")
    }
}

// SwiftPM links an executable target's entry point as `NetlistFuzzer_main`; with
// `-parse-as-library` there is none, so it is this function, which hands over to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>,
                     _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("NetlistFuzzer_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments, fuzz)
}
