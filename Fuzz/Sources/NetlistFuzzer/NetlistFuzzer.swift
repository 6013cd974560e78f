// libFuzzer entry point: every input is read as a netlist, elaborated and, when that succeeds,
// simulated (operating point, and each analysis it asks for, kept short; a transient through the
// real-time engine too). Any outcome is fine except
// a crash, a trap, a sanitizer report or a hang: errors must be thrown, never fatal.
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
    }
    return 0
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
