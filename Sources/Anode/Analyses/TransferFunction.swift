/// A `.tf OUTPUT SOURCE` statement: the small-signal DC transfer function from an independent
/// source to an output, with the input and output impedances, as SPICE's `.tf` reports them.
public struct TransferFunctionRequest: Hashable, Sendable {
    /// The output: a voltage, or a voltage source's current.
    public var output: Probe
    /// The input: an independent source's name.
    public var source: String
    /// Where it was written.
    public var location: SourceLocation?

    /// A request.
    public init(output: Probe, source: String, location: SourceLocation? = nil) {
        self.output = output
        self.source = source
        self.location = location
    }
}

/// The result of `.tf`: the circuit linearized at its operating point (its conductances G), then
///
///     gain = ∂output/∂input                        G·x = (a unit change of the input source)
///     input impedance = ∂V/∂I at the input          V source: −1/i(source); I source: v(n) − v(p)
///     output impedance = ∂V/∂I at the output        a unit current into the output's nodes, the
///                                                   inputs at rest (V sources shorted, I sources open)
///
/// For a current output i(Vx), the output impedance is the one Vx sees, −1/i(Vx) for a unit change
/// of Vx. The names are ngspice's: `transfer_function`, `vin#input_impedance`,
/// `output_impedance_at_v(out)` (or `vx#output_impedance`).
public struct TransferFunction: Hashable, Sendable {
    /// ∂output/∂input (V/V, V/A, A/V or A/A).
    public var gain: Double
    /// Seen by the input source, Ω.
    public var inputImpedance: Double
    /// Seen at the output, Ω.
    public var outputImpedance: Double
    /// The request.
    public var request: TransferFunctionRequest

    /// The three values under ngspice's names.
    public var values: [(name: String, value: Double)] {
        let source = request.source.lowercased()
        let output: String
        if case .current(let e) = request.output.quantity { output = "\(e.lowercased())#output_impedance" } else { output = "output_impedance_at_\(request.output)" }
        return [("transfer_function", gain), ("\(source)#input_impedance", inputImpedance), (output, outputImpedance)]
    }
}

extension Simulator {
    /// The netlist's `.tf` statements, each computed at the operating point.
    public func transferFunctions() throws(SimulationError) -> [TransferFunction] {
        guard !circuit.transferFunctions.isEmpty else { return [] }
        let engine = MNAEngine(network, options: circuit.options)
        let (op, _, _) = try engine.solveDC(MNAEngine.Context(), guess: nil, nodesets: nodesetIndices(), iterationLimit: circuit.options.dcIterationLimit)
        let (g, _) = engine.smallSignalMatrices(at: op, alternating: false)
        let n = engine.size
        let lu: DenseLU
        do { lu = try DenseLU(g, n: n) } catch .singular(let column) {
            throw SimulationError(".tf: the linearized circuit is singular: \(network.unknownName(column)) is not determined")
        } catch { throw SimulationError(".tf: the linearized circuit holds a value that is not a finite number") }
        func solve(_ b: [Double]) -> [Double] { var x = b; lu.solve(&x); return x }
        func index(of element: String) -> Int? { circuit.elements.firstIndex { $0.name.lowercased() == element.lowercased() } }
        /// The right-hand side of a unit change of source `name` (a volt, or an ampere), and how
        /// to read the impedance it sees from the solution.
        func excite(_ name: String) throws(SimulationError) -> (b: [Double], impedance: ([Double]) -> Double) {
            var b = [Double](repeating: 0, count: n)
            guard let owner = index(of: name) else { throw SimulationError(".tf: no source '\(name)'") }
            if let v = network.voltageSources.first(where: { $0.owner == owner }) {
                let row = network.unknown(ofBranch: v.branch)
                b[row] = 1
                return (b, { -1 / $0[row] })
            }
            guard let s = network.currentSources.first(where: { $0.owner == owner }) else {
                throw SimulationError(".tf: '\(name)' is not an independent source")
            }
            // The source's current flows from p through it to n: a unit of it leaves p and enters n.
            if s.p != 0 { b[s.p - 1] -= 1 }
            if s.n != 0 { b[s.n - 1] += 1 }
            func v(_ k: Int, _ x: [Double]) -> Double { k == 0 ? 0 : x[k - 1] }
            return (b, { x in v(s.n, x) - v(s.p, x) })
        }
        var results: [TransferFunction] = []
        for request in circuit.transferFunctions {
            let resolved = try network.resolve(request.output, in: circuit)
            func read(_ x: [Double]) -> Double { engine.value(of: resolved, x, MNAEngine.Context(), chargeCurrents: nil) }
            let (b, inputImpedance) = try excite(request.source)
            let x = solve(b)
            let outputImpedance: Double
            switch request.output.quantity {
            case let .voltage(a, bNode):
                // A unit current into a, out of b.
                var t = [Double](repeating: 0, count: n)
                if let ra = circuit.index(of: Node(a)).flatMap(engine.row) { t[ra] += 1 }
                if let bNode, let rb = circuit.index(of: Node(bNode)).flatMap(engine.row) { t[rb] -= 1 }
                outputImpedance = read(solve(t))
            case .current(let e):
                let (tb, impedance) = try excite(e)
                outputImpedance = impedance(solve(tb))
            case .power, .terminalCurrent, .deviceCurrent:
                throw SimulationError(".tf: \(request.output) is not an output .tf can take")
            }
            results.append(TransferFunction(gain: read(x), inputImpedance: inputImpedance(x), outputImpedance: outputImpedance, request: request))
        }
        return results
    }
}
