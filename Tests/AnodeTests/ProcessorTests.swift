import Foundation
import Testing
@testable import Anode

/// The real-time processor against the reference simulator at the same step: the nodal DK model and
/// the MNA engine solve the same trapezoidal equations, so they must agree to rounding.
@Suite("Real-time processor")
struct ProcessorTests {
    /// Runs `netlist`'s transient both ways (fixed step TSTEP, tight tolerances) and returns the
    /// worst difference of each probe relative to that probe's peak.
    static func compare(_ netlist: URL) throws -> [(Probe, Double)] {
        var circuit = try loadCircuit(netlist)
        guard case .transient(var spec)? = circuit.analyses.first(where: { $0.kind == .tran }), !spec.useInitialConditions else { return [] }
        spec.maxStep = nil
        spec.start = 0
        circuit.options.fixedStep = true
        circuit.options.relativeTolerance = 1e-8
        circuit.options.voltageTolerance = 1e-10
        circuit.options.currentTolerance = 1e-13
        circuit.options.transientIterationLimit = 100
        let simulator = try Simulator(circuit)
        let probes = simulator.defaultProbes(for: .tran)
        let reference = try simulator.transient(spec, probes: probes)
        // Inputs: every source with a waveform.
        var inputs: [(String, Waveform)] = []
        for e in circuit.elements {
            switch e.kind {
            case let .voltageSource(_, _, s), let .currentSource(_, _, s):
                if let w = s.waveform { inputs.append((e.name, w.resolved(step: spec.step, stop: spec.stop))) }
            default: break
            }
        }
        let processor = try Processor(circuit, configuration: ProcessorConfiguration(
            inputs: inputs.map(\.0), outputs: probes, sampleRate: 1 / spec.step, restInputs: inputs.map { $0.1.value(at: 0) },
            absoluteTolerance: 1e-9, relativeTolerance: 1e-10, maxIterations: 100))
        let frames = reference.time.count - 1
        var input = [Double](repeating: 0, count: frames * inputs.count)
        for k in 0..<frames { for (c, w) in inputs.enumerated() { input[k * inputs.count + c] = w.1.value(at: Double(k + 1) * spec.step) } }
        var output = [Double](repeating: 0, count: frames * probes.count)
        input.withUnsafeBufferPointer { i in output.withUnsafeMutableBufferPointer { o in processor.process(input: i, output: o) } }
        #expect(processor.statistics.failures == 0)
        var result: [(Probe, Double)] = []
        for (c, probe) in probes.enumerated() {
            let expected = reference.values(probe)!
            let peak = expected.map(abs).max() ?? 0
            var worst = 0.0
            for k in 0..<frames { worst = max(worst, abs(output[k * probes.count + c] - expected[k + 1])) }
            result.append((probe, worst / max(peak, 1e-12)))
        }
        return result
    }

    @Test("agrees with the reference simulator at the same step", arguments: NgspiceAgreementTests.netlists.filter {
        (try? loadCircuit($0).analyses.contains { $0.kind == .tran }) ?? false
    })
    func agreement(_ netlist: URL) throws {
        for (probe, error) in try Self.compare(netlist) {
            #expect(error <= 1e-6, "\(netlist.lastPathComponent): \(probe) differs by \(error) of its peak")
        }
    }
}
