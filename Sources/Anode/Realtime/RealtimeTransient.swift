extension Simulator {
    /// The netlist's transient run through the real-time processor instead of the MNA engine: the
    /// sample period is TSTEP (or TSTEP/n, the longest at most TMAX when TMAX is below TSTEP), every
    /// source with a transient waveform is an input fed with that waveform, and the run starts at
    /// the operating point with the inputs at their t = 0 values. The result has the same shape as
    /// `transient(_:probes:)`'s: a row every TSTEP from TSTART on.
    ///
    /// The processor always starts at rest, so a run that asks for another start — `.tran … UIC` or
    /// `.ic` — is refused with an error rather than answered from the operating point.
    public func realtimeTransient(_ spec: TransientSpec, probes: [Probe]? = nil, oversampling: Int = 1) throws(SimulationError) -> (TransientResult, ProcessorStatistics) {
        if spec.useInitialConditions {
            throw SimulationError(".tran UIC: the real-time engine starts at the DC operating point, not from initial conditions; run this netlist with the reference simulator (--engine mna)")
        }
        if !circuit.initialConditions.isEmpty {
            let nodes = circuit.initialConditions.keys.map { "v(\($0))" }.sorted().joined(separator: ", ")
            throw SimulationError(".ic \(nodes): the real-time engine starts at the DC operating point and cannot hold nodes at initial values; run this netlist with the reference simulator (--engine mna)")
        }
        let probes = probes ?? defaultProbes(for: .tran)
        var inputs: [(name: String, waveform: Waveform)] = []
        for element in circuit.elements {
            switch element.kind {
            case let .voltageSource(_, _, source), let .currentSource(_, _, source):
                if let w = source.waveform { inputs.append((element.name, w.resolved(step: spec.step, stop: spec.stop))) }
            default:
                break
            }
        }
        guard spec.step > 0, spec.stop > 0, spec.stop / spec.step <= TransientSpec.maximumOutputPoints, (spec.maxStep ?? 1) > 0 else {
            throw SimulationError(".tran needs 0 < TSTEP < TSTOP, TMAX > 0 and at most \(Int(TransientSpec.maximumOutputPoints)) points (TSTOP/TSTEP)")
        }
        // A TMAX below TSTEP: that many samples per output point, so that the sample period is at
        // most TMAX (the reference simulator's fixed step is TMAX then too).
        let perPoint = spec.maxStep.map { max(1, Int((spec.step / $0 * (1 - 1e-12)).rounded(.up))) } ?? 1
        let period = spec.step / Double(perPoint)
        guard spec.stop / period <= TransientSpec.maximumOutputPoints else {
            throw SimulationError(".tran TMAX: TSTOP/TMAX is more than \(Int(TransientSpec.maximumOutputPoints)) samples")
        }
        let configuration = ProcessorConfiguration(inputs: inputs.map(\.name), outputs: probes, sampleRate: 1 / period,
                                                   oversampling: oversampling, restInputs: inputs.map { $0.waveform.value(at: 0) })
        let processor = try Processor(circuit, configuration: configuration)
        let points = Int((spec.stop / spec.step * (1 + 1e-12)).rounded(.down))
        let frames = points * perPoint
        var input = [Double](repeating: 0, count: max(frames * inputs.count, 1))
        for k in 0..<frames {
            for (c, source) in inputs.enumerated() { input[k * inputs.count + c] = source.waveform.value(at: Double(k + 1) * period) }
        }
        var output = [Double](repeating: 0, count: max(frames * probes.count, 1))
        input.withUnsafeBufferPointer { i in
            output.withUnsafeMutableBufferPointer { o in
                processor.process(input: i.baseAddress!, output: o.baseAddress!, frames: frames)
            }
        }
        var time: [Double] = []
        var columns = [[Double]](repeating: [], count: probes.count)
        for k in 0...points {
            let t = Double(k) * spec.step
            guard t >= spec.start * (1 - 1e-12) else { continue }
            time.append(t)
            let frame = k * perPoint
            for c in 0..<probes.count { columns[c].append(k == 0 ? processor.restOutput[c] : output[(frame - 1) * probes.count + c]) }
        }
        let stats = processor.statistics
        return (TransientResult(time: time, probes: probes, columns: columns, acceptedSteps: stats.steps, rejectedSteps: 0, iterations: stats.iterations), stats)
    }
}
