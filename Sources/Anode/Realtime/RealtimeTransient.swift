extension Simulator {
    /// The netlist's transient run through the real-time processor instead of the MNA engine: the
    /// sample period is TSTEP (or TSTEP/n, the longest at most TMAX when TMAX is below TSTEP), every
    /// source with a transient waveform is an input fed with that waveform, and the run starts at
    /// the operating point with the inputs at their t = 0 values. The result has the same shape as
    /// `transient(_:probes:)`'s: a row every TSTEP from TSTART on. Oversampled, the processor's
    /// latency (its anti-alias filters', rounded to a sample) is compensated: it runs that many
    /// samples past TSTOP, the sources' waveforms continued, and each row is read that much later.
    ///
    /// The processor starts where the reference simulator's transient starts: at the operating point
    /// (with `.ic`, the one that holds those nodes there, which the transient then lets go), or with
    /// `.tran … UIC` at the initial conditions themselves (`ProcessorConfiguration.usesInitialConditions`).
    public func realtimeTransient(_ spec: TransientSpec, probes: [Probe]? = nil, oversampling: Int = 1) throws(SimulationError) -> (TransientResult, ProcessorStatistics) {
        let probes = probes ?? defaultProbes(for: .tran)
        // The processor's outputs are linear in its state; a power p(X) is recorded as the
        // voltages and currents of X's terminals and multiplied afterwards.
        var recorded: [Probe] = []
        func column(_ p: Probe) -> Int {
            if let k = recorded.firstIndex(of: p) { return k }
            recorded.append(p)
            return recorded.count - 1
        }
        var terms: [[(voltage: Int, current: Int)]] = []
        for probe in probes {
            if case .power(let name) = probe.quantity {
                terms.append(try powerTerms(of: name).map { (column($0.voltage), column($0.current)) })
            } else {
                terms.append([(column(probe), -1)])
            }
        }
        // Inputs: every source with a transient waveform; with LTspice's `startup`, every source it
        // turns on (those outside subcircuits), DC ones too, each fed its value times the ramp.
        var inputs: [(name: String, waveform: Waveform?, dc: Double, ramped: Bool)] = []
        for element in circuit.elements {
            switch element.kind {
            case let .voltageSource(_, _, source), let .currentSource(_, _, source):
                let ramped = spec.startup && !circuit.subcircuitSources.contains(element.name)
                let waveform = source.waveform?.resolved(step: spec.step, stop: spec.stop)
                if waveform != nil || ramped { inputs.append((element.name, waveform, source.dcValue, ramped)) }
            default:
                break
            }
        }
        /// Input `c`'s value at time `t`.
        func input(_ c: Int, at t: Double) -> Double {
            let value = inputs[c].waveform?.value(at: t) ?? inputs[c].dc
            return inputs[c].ramped ? value * TransientSpec.startupScale(at: t) : value
        }
        guard spec.step > 0, spec.stop > 0, spec.stop / spec.step <= TransientSpec.maximumOutputPoints, (spec.maxStep ?? 1) > 0 else {
            throw SimulationError(".tran needs 0 < TSTEP < TSTOP, TMAX > 0 and at most \(Int(TransientSpec.maximumOutputPoints)) points (TSTOP/TSTEP)")
        }
        // A TMAX (or LTspice's `.options maxstep`) below TSTEP: that many samples per output point,
        // so that the sample period is at most TMAX (the reference simulator's fixed step is TMAX then too).
        let cap = [spec.maxStep, circuit.options.maxStep].compactMap { $0 }.min()
        let perPoint = cap.map { max(1, Int((spec.step / $0 * (1 - 1e-12)).rounded(.up))) } ?? 1
        let period = spec.step / Double(perPoint)
        guard spec.stop / period <= TransientSpec.maximumOutputPoints else {
            throw SimulationError(".tran TMAX: TSTOP/TMAX is more than \(Int(TransientSpec.maximumOutputPoints)) samples")
        }
        let configuration = ProcessorConfiguration(inputs: inputs.map(\.name), outputs: recorded, sampleRate: 1 / period,
                                                   oversampling: oversampling, restInputs: inputs.indices.map { input($0, at: 0) },
                                                   inputLimit: .greatestFiniteMagnitude, usesInitialConditions: spec.useInitialConditions)
        let processor = try Processor(circuit, configuration: configuration)
        let points = Int((spec.stop / spec.step * (1 + 1e-12)).rounded(.down))
        let delay = Int(processor.latency.rounded())
        let frames = points * perPoint + delay
        var samples = [Double](repeating: 0, count: max(frames * inputs.count, 1))
        for k in 0..<frames {
            for c in inputs.indices { samples[k * inputs.count + c] = input(c, at: Double(k + 1) * period) }
        }
        var output = [Double](repeating: 0, count: max(frames * recorded.count, 1))
        samples.withUnsafeBufferPointer { i in
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
            func value(_ c: Int) -> Double { k == 0 ? processor.restOutput[c] : output[(frame - 1 + delay) * recorded.count + c] }
            for (c, sum) in terms.enumerated() {
                columns[c].append(sum.reduce(0) { $0 + ($1.current < 0 ? value($1.voltage) : value($1.voltage) * value($1.current)) })
            }
        }
        let stats = processor.statistics
        return (TransientResult(time: time, probes: probes, columns: columns, acceptedSteps: stats.steps, rejectedSteps: 0, iterations: stats.iterations), stats)
    }

    /// The power of element `name` as pairs of outputs whose products add up to it: each terminal's
    /// voltage and the current into it (a two-terminal element or a controlled source: its voltage
    /// and its current). `MNAEngine.absorbedPowers` sums the same over the element's primitives.
    func powerTerms(of name: String) throws(SimulationError) -> [(voltage: Probe, current: Probe)] {
        guard let element = circuit.element(named: name) else { throw SimulationError("output p(\(name)): no element named '\(name)'") }
        let nodes = element.kind.nodes
        if let letters = element.kind.terminalNames {
            return zip(nodes, letters).map { (Probe.voltage($0.name), Probe.terminalCurrent(element.name, $1)) }
        }
        switch element.kind {
        case .resistor, .capacitor, .inductor, .voltageSource, .currentSource, .voltageControlledVoltageSource,
             .voltageControlledCurrentSource, .currentControlledCurrentSource, .currentControlledVoltageSource, .variableResistor:
            return [(Probe.voltage(nodes[0].name, nodes[1].name), Probe.current(element.name))]
        case .coupling:
            return []
        default:
            throw SimulationError("output p(\(name)): the real-time engine has no power of \(element.name) (a potentiometer's or a behavioral source's); run it with the reference simulator (--engine mna)")
        }
    }
}
