import Numerics

/// The reference simulator: modified nodal analysis with Newton–Raphson, as SPICE does it.
///
///     let circuit = try Circuit(contentsOfFile: "circuits/12ax7-stage.cir")
///     let simulator = try Simulator(circuit)
///     let op = try simulator.operatingPoint()
///     print(op.voltage("plate")!)
///     let tran = try simulator.transient(TransientSpec(step: 1e-5, stop: 5e-3))
///     let out = tran["v(out)"]!
public struct Simulator: Sendable {
    /// The circuit simulated.
    public let circuit: Circuit
    let network: Network

    /// Prepares `circuit` for simulation; throws if a node has no DC path to ground, voltage sources
    /// and inductors form a loop, or a coupling or controlled source names a missing element.
    public init(_ circuit: Circuit) throws(NetlistError) {
        self.circuit = circuit
        network = try Network(circuit)
    }

    /// The probes recorded by `kind` when none are given: the printed ones (`printedProbes`), then
    /// those the netlist's `.meas` statements of that analysis read.
    public func defaultProbes(for kind: AnalysisKind) -> [Probe] {
        var probes = printedProbes(for: kind)
        for m in circuit.measurements where m.analysis == kind {
            for p in m.probes where !probes.contains(p) { probes.append(p) }
        }
        if kind == .tran {
            for f in circuit.fourierAnalyses {
                for p in f.probes where !probes.contains(p) { probes.append(p) }
            }
            for w in circuit.waveOutputs {
                for p in w.probes where !probes.contains(p) { probes.append(p) }
            }
        }
        return probes
    }

    /// The probes `kind` reports: the netlist's outputs for that analysis, or every node voltage.
    public func printedProbes(for kind: AnalysisKind) -> [Probe] {
        var requested: [Probe] = []
        for output in circuit.outputs where output.analysis == nil || output.analysis == kind {
            // A probe asked for by `.probe` (every analysis) and by `.print` is recorded once.
            if (!output.probe.quantity.isRealOnly || kind != .ac) && !requested.contains(output.probe) {
                requested.append(output.probe)
            }
        }
        if !requested.isEmpty { return requested }
        return circuit.nodes.dropFirst().map { Probe.voltage($0.name) }
    }

    /// The netlist's `.four` statements on `results` (on the first transient), one table per output
    /// in the netlist's order, or the error that says why there is none.
    public func fourier(_ results: [AnalysisResult]) -> [(request: FourierRequest, probe: Probe, table: Result<FourierTable, SimulationError>)] {
        let transient: TransientResult? = results.lazy.compactMap(\.transient).first
        return circuit.fourierAnalyses.flatMap { request in
            request.probes.map { probe in
                guard let transient else {
                    return (request, probe, .failure(SimulationError(".four: the netlist has no .tran to analyse")))
                }
                do throws(SimulationError) {
                    return (request, probe, .success(try FourierTable(transient, probe: probe, fundamental: request.fundamental)))
                } catch { return (request, probe, .failure(error)) }
            }
        }
    }

    /// The netlist's `.wave` statements on `results` (on the first transient), in the netlist's
    /// order: the WAV file each asks for, or the error that says why there is none. Writing them
    /// is the caller's (`WAVFile.write(toFile:)` to `request.path`).
    public func waveFiles(_ results: [AnalysisResult]) -> [(request: WaveRequest, file: Result<WAVFile, SimulationError>)] {
        let transient: TransientResult? = results.lazy.compactMap(\.transient).first
        return circuit.waveOutputs.map { request in
            guard let transient else {
                return (request, .failure(SimulationError(".wave: the netlist has no .tran to write")))
            }
            do throws(SimulationError) {
                return (request, .success(try WAVFile(transient, request: request)))
            } catch { return (request, .failure(error)) }
        }
    }

    /// The netlist's `.meas` statements on `results` (each on the first result of its analysis),
    /// in the netlist's order: a value, or the error that says why there is none.
    public func measure(_ results: [AnalysisResult]) -> [(measurement: SpiceMeasurement, value: Result<Double, SimulationError>)] {
        var earlier: [String: Double] = [:]
        return circuit.measurements.map { m in
            guard let result = results.first(where: { $0.kind == m.analysis }) else {
                return (m, .failure(SimulationError(".meas \(m.name): the netlist has no .\(m.analysis.rawValue) to measure")))
            }
            do throws(SimulationError) {
                let value = try m.evaluate(result, earlier: earlier)
                earlier[m.name] = value
                return (m, .success(value))
            } catch { return (m, .failure(error)) }
        }
    }

    /// Runs one analysis.
    public func run(_ analysis: Analysis) throws(SimulationError) -> AnalysisResult {
        switch analysis {
        case .operatingPoint: return .operatingPoint(try operatingPoint())
        case .dcSweep(let sweeps): return .dcSweep(try dcSweep(sweeps))
        case .ac(let sweep): return .ac(try ac(sweep))
        case .transient(let spec): return .transient(try transient(spec))
        }
    }

    /// Runs every analysis of the netlist, in order.
    public func runAll() throws(SimulationError) -> [AnalysisResult] {
        var results: [AnalysisResult] = []
        for a in circuit.analyses { results.append(try run(a)) }
        return results
    }

    // MARK: Operating point

    /// The DC operating point.
    public func operatingPoint() throws(SimulationError) -> OperatingPoint {
        let engine = MNAEngine(network, options: circuit.options)
        let (x, iterations, method) = try engine.solveDC(MNAEngine.Context(), guess: nil, nodesets: nodesetIndices(), iterationLimit: circuit.options.dcIterationLimit)
        return makeOperatingPoint(engine, x, iterations: iterations, method: method)
    }

    func nodesetIndices() -> [Int: Double] {
        var result: [Int: Double] = [:]
        for (node, value) in circuit.nodesets { if let k = circuit.index(of: node) { result[k] = value } }
        return result
    }

    func makeOperatingPoint(_ engine: MNAEngine, _ x: [Double], iterations: Int, method: ConvergenceMethod) -> OperatingPoint {
        let ctx = MNAEngine.Context()
        let nodes = circuit.nodes.dropFirst().map(\.name)
        let voltages = circuit.nodes.indices.dropFirst().map { x[$0 - 1] }
        var elements: [String] = [], currents: [Double] = []
        for (owner, element) in circuit.elements.enumerated() {
            guard let b = network.branchOfElement[owner] else { continue }
            elements.append(element.name)
            currents.append(x[network.unknown(ofBranch: b)])
        }
        let power = engine.absorbedPowers(x, ctx, chargeCurrents: nil)
        var terminalCurrents: [(probe: Probe, current: Double)] = []
        for (owner, element) in circuit.elements.enumerated() {
            guard let names = element.kind.terminalNames, let taps = network.terminalTaps[owner] else { continue }
            for (t, name) in names.enumerated() {
                let current = engine.value(of: .terminalCurrent(taps[t], sign: 1), x, ctx, chargeCurrents: nil)
                terminalCurrents.append((Probe.terminalCurrent(element.name, name), current))
            }
        }
        return OperatingPoint(nodes: nodes, voltages: voltages, elements: elements, currents: currents,
                              powerElements: circuit.elements.map(\.name), powers: power, terminalCurrents: terminalCurrents,
                              iterations: iterations, method: method)
    }

    // MARK: DC sweep

    /// Sweeps one or two sources or resistors (the second is the outer loop), solving the operating
    /// point at each value. A resistor's swept value is times its sweep's `scale`.
    public func dcSweep(_ sweeps: [DCSweep], probes: [Probe]? = nil) throws(SimulationError) -> DCSweepResult {
        guard let first = sweeps.first, sweeps.count <= 2 else { throw SimulationError(".dc needs one or two sources") }
        if sweeps.contains(where: \.isTemperature) { return try temperatureSweep(sweeps, probes: probes) }
        var owners: [Int] = []
        // The swept resistors' places in the network, by sweep (nil for a source).
        var resistors: [Int?] = []
        for s in sweeps {
            guard let k = circuit.elementIndex(named: s.source) else { throw SimulationError(".dc: no source named '\(s.source)'") }
            switch circuit.elements[k].kind {
            case .voltageSource, .currentSource:
                owners.append(k)
                resistors.append(nil)
            case .resistor:
                guard let r = network.resistors.firstIndex(where: { $0.owner == k }) else { throw SimulationError(".dc: '\(s.source)' is not in the network") }
                guard s.values.allSatisfy({ $0 * s.scale > 0 && ($0 * s.scale).isFinite }) else {
                    throw SimulationError(".dc: \(s.source)'s resistance must stay positive")
                }
                owners.append(k)
                resistors.append(r)
            default: throw SimulationError(".dc: '\(s.source)' is neither an independent source nor a resistor")
            }
        }
        let probes = probes ?? defaultProbes(for: .dc)
        let resolved = try probes.map { (p: Probe) throws(SimulationError) in try network.resolve(p, in: circuit) }
        var engine = MNAEngine(network, options: circuit.options)
        var columns = [[Double]](repeating: [], count: probes.count)
        var values1: [Double] = [], values2: [Double] = []
        var x: [Double]? = nil
        let outerValues: [Double?] = sweeps.count == 2 ? sweeps[1].values.map { $0 } : [nil]
        for outer in outerValues {
            for value in first.values {
                var ctx = MNAEngine.Context()
                if resistors.contains(where: { $0 != nil }) {
                    // A swept resistor: the network with its conductance at this point.
                    var swept = network
                    for (k, r) in resistors.enumerated() {
                        guard let r, let v = k == 0 ? value : outer else { continue }
                        swept.resistors[r].conductance = 1 / (v * sweeps[k].scale)
                    }
                    engine = MNAEngine(swept, options: circuit.options)
                }
                if resistors[0] == nil { ctx.sourceOverrides[owners[0]] = value }
                if let outer, resistors.count > 1, resistors[1] == nil { ctx.sourceOverrides[owners[1]] = outer }
                try sweepPoint(engine, ctx, resolved, probes, x: &x, columns: &columns, at: Self.describe(sweeps, value, outer))
                values1.append(value)
                if let outer { values2.append(outer) }
            }
        }
        return DCSweepResult(sweeps: sweeps, sweepValues: values1, outerSweepValues: sweeps.count == 2 ? values2 : nil, probes: probes, columns: columns)
    }

    /// One point of a DC sweep: the operating point from the last point's solution `x` (with the
    /// nodesets and ITL1 at the first point, ITL2 after), its probes appended to `columns`; `point`
    /// names it in an error.
    func sweepPoint(_ engine: MNAEngine, _ ctx: MNAEngine.Context, _ resolved: [ResolvedProbe], _ probes: [Probe],
                    x: inout [Double]?, columns: inout [[Double]], at point: String) throws(SimulationError) {
        let solution: [Double]
        do {
            solution = try engine.solveDC(ctx, guess: x, nodesets: x == nil ? nodesetIndices() : [:],
                                          iterationLimit: x == nil ? circuit.options.dcIterationLimit : circuit.options.sweepIterationLimit).x
        } catch {
            throw SimulationError("\(error.message) (at \(point))")
        }
        x = solution
        // A switch keeps its state from point to point while its control stays inside the
        // hysteresis window, as in ngspice (a sweep up and back down traces the loop).
        engine.acceptSwitches(at: solution)
        for (k, p) in resolved.enumerated() {
            columns[k].append(probes[k].view.apply(engine.value(of: p, solution, ctx, chargeCurrents: nil)))
        }
    }

    /// `V1 = 0.5, V2 = 2`: a sweep point for people.
    static func describe(_ sweeps: [DCSweep], _ value: Double, _ outer: Double?) -> String {
        "\(sweeps[0].source) = \(value)\(outer.map { ", \(sweeps[1].source) = \($0)" } ?? "")"
    }

    /// `.dc TEMP …` (ngspice's), alone or with a source: the netlist elaborated again at each
    /// temperature (device models take theirs as they are built), and the operating point solved,
    /// from the last point's solution.
    func temperatureSweep(_ sweeps: [DCSweep], probes: [Probe]?) throws(SimulationError) -> DCSweepResult {
        guard let netlist = circuit.netlist else {
            throw SimulationError(".dc TEMP needs a circuit read from a netlist: it is built again at each temperature")
        }
        guard sweeps.filter(\.isTemperature).count == 1 else { throw SimulationError(".dc sweeps the temperature once") }
        // The step point without its temperature, which the sweep sets.
        let point = circuit.stepPoint.map { StepPoint(values: $0.values.filter { $0.target != .temperature }) }
        let probes = probes ?? defaultProbes(for: .dc)
        var columns = [[Double]](repeating: [], count: probes.count)
        var values1: [Double] = [], values2: [Double] = []
        var x: [Double]? = nil
        // The circuit, its engine and the probes resolved in it, by temperature.
        var built: [Double: (simulator: Simulator, engine: MNAEngine, resolved: [ResolvedProbe])] = [:]
        let outerValues: [Double?] = sweeps.count == 2 ? sweeps[1].values.map { $0 } : [nil]
        for outer in outerValues {
            for value in sweeps[0].values {
                let temperature = sweeps[0].isTemperature ? value : outer!
                if built[temperature] == nil {
                    let simulator: Simulator
                    do { simulator = try Simulator(try Circuit(netlist: netlist, temperature: temperature, step: point)) } catch {
                        throw SimulationError("at \(temperature) °C: \(error.message)")
                    }
                    let resolved = try probes.map { (p: Probe) throws(SimulationError) in try simulator.network.resolve(p, in: simulator.circuit) }
                    built[temperature] = (simulator, MNAEngine(simulator.network, options: simulator.circuit.options), resolved)
                }
                let (simulator, engine, resolved) = built[temperature]!
                var ctx = MNAEngine.Context()
                // The other sweep, a source.
                if let source = sweeps.first(where: { !$0.isTemperature }) {
                    guard let k = simulator.circuit.elementIndex(named: source.source) else { throw SimulationError(".dc: no source named '\(source.source)'") }
                    switch simulator.circuit.elements[k].kind {
                    case .voltageSource, .currentSource: ctx.sourceOverrides[k] = sweeps[0].isTemperature ? outer! : value
                    default: throw SimulationError(".dc TEMP goes with a swept source, not '\(source.source)'")
                    }
                }
                try simulator.sweepPoint(engine, ctx, resolved, probes, x: &x, columns: &columns, at: Self.describe(sweeps, value, outer))
                values1.append(value)
                if let outer { values2.append(outer) }
            }
        }
        return DCSweepResult(sweeps: sweeps, sweepValues: values1, outerSweepValues: sweeps.count == 2 ? values2 : nil, probes: probes, columns: columns)
    }

    // MARK: AC

    /// The small-signal response around the operating point at each frequency of `sweep`.
    public func ac(_ sweep: ACSweep, probes: [Probe]? = nil) throws(SimulationError) -> ACResult {
        let probes = probes ?? defaultProbes(for: .ac)
        if let p = probes.first(where: { $0.quantity.isRealOnly }) {
            throw SimulationError("output \(p): \(p.quantity.isPower ? "powers" : "device terminal currents") are for .op, .dc and .tran, not .ac")
        }
        let resolved = try probes.map { (p: Probe) throws(SimulationError) in try network.resolve(p, in: circuit) }
        let engine = MNAEngine(network, options: circuit.options)
        let (op, _, _) = try engine.solveDC(MNAEngine.Context(), guess: nil, nodesets: nodesetIndices(), iterationLimit: circuit.options.dcIterationLimit)
        let (g, c) = engine.smallSignalMatrices(at: op)
        let n = engine.size
        var b = [Complex<Double>](repeating: .zero, count: n)
        for v in network.voltageSources {
            b[network.unknown(ofBranch: v.branch)] += Complex(length: v.source.acMagnitude, phase: v.source.acPhase * .pi / 180)
        }
        for s in network.currentSources {
            let i = Complex(length: s.source.acMagnitude, phase: s.source.acPhase * .pi / 180)
            if s.p != 0 { b[s.p - 1] -= i }
            if s.n != 0 { b[s.n - 1] += i }
        }
        var columns = [[Complex<Double>]](repeating: [], count: probes.count)
        let frequencies = sweep.frequencies
        var y = [Complex<Double>](repeating: .zero, count: n * n)
        for f in frequencies {
            let omega = 2 * Double.pi * f
            for k in 0..<(n * n) { y[k] = Complex(g[k], omega * c[k]) }
            let x: [Complex<Double>]
            do {
                let lu = try ComplexLU(y, n: n)
                var solution = b
                lu.solve(&solution)
                x = solution
            } catch .singular(let column) {
                throw SimulationError("singular AC matrix at \(f) Hz: \(network.unknownName(column)) is not determined")
            } catch {
                throw SimulationError("the AC equations at \(f) Hz hold a value that is not a finite number")
            }
            for (k, p) in resolved.enumerated() {
                columns[k].append(engine.phasor(of: p, x, omega: omega, operatingPoint: op))
            }
        }
        return ACResult(frequencies: frequencies, probes: probes, columns: columns)
    }
}

extension MNAEngine {
    /// The conductance matrix G and the capacitance matrix C of the circuit linearized at `x`, so that
    /// the small-signal system at angular frequency ω is (G + jω·C)·x = b. Inductances enter C with a
    /// minus sign in their branch rows (V(p) − V(n) − jω·L·i = 0). With `alternating`, resistors
    /// with an AC resistance of their own (ngspice's `ac=`) take it; `.tf` (DC) does not.
    func smallSignalMatrices(at x: [Double], alternating: Bool = true) -> (g: [Double], c: [Double]) {
        for d in network.devices.indices { portVoltages[d] = portVoltages(of: d, in: x) }
        var ctx = Context()
        ctx.smallSignal = true
        assemble(at: x, ctx)
        if alternating {
            for r in network.resistors { if let ac = r.smallSignalConductance { conductance(r.a, r.b, ac - r.conductance) } }
        }
        let g = matrix
        for k in matrix.indices { matrix[k] = 0 }
        for c in network.capacitors { conductance(c.a, c.b, c.capacitance) }
        for (d, device) in network.devices.enumerated() where device.model.hasCharge {
            let v = portVoltages(of: d, in: x)
            let q = device.model.charges(v)
            stampPorts(device, device.model.portCount, PortVector(), q.capacitance, PortVector())
        }
        for l in network.inductors {
            let u = network.unknown(ofBranch: l.branch)
            matrix[u + u * size] -= l.inductance
        }
        for m in network.mutuals {
            let u1 = network.unknown(ofBranch: network.inductors[m.first].branch)
            let u2 = network.unknown(ofBranch: network.inductors[m.second].branch)
            matrix[u1 + u2 * size] -= m.inductance
            matrix[u2 + u1 * size] -= m.inductance
        }
        let c = matrix
        return (g, c)
    }
}
