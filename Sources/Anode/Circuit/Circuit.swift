/// A flat circuit: named elements between named nodes, plus the analyses and outputs to run.
///
/// Build one from a netlist (`Circuit(contentsOfFile:)`, `Circuit(netlist:)`) or in code:
///
///     var circuit = Circuit(title: "diode clipper")
///     try circuit.add("Vin", .voltageSource("in", .ground, IndependentSource(dc: 0, waveform: .sine(...))))
///     try circuit.add("R1", .resistor("in", "out", resistance: 2.2e3))
///     try circuit.add("D1", .diode(anode: "out", cathode: .ground, try Diode(Diode.Parameters(...))))
///
/// Subcircuits are already expanded: an element of instance `X1` is named `x1.name`, and its
/// internal nodes `x1.node`.
public struct Circuit: Sendable {
    /// The netlist's title line.
    public var title: String
    /// The elements, in the order they were added.
    public private(set) var elements: [Element] = []
    /// The nodes, ground first, then in order of first use.
    public private(set) var nodes: [Node] = [.ground]
    private var nodeIndices: [Node: Int] = [.ground: 0]
    private var elementIndices: [String: Int] = [:]
    /// The analyses to run, in netlist order.
    public var analyses: [Analysis] = []
    /// The outputs to record; empty means every node voltage.
    public var outputs: [OutputRequest] = []
    /// `.tf` statements (see `Simulator.transferFunction`).
    public var transferFunctions: [TransferFunctionRequest] = []
    /// `.noise` statements (see `Simulator.noise`).
    public var noiseAnalyses: [NoiseRequest] = []
    /// `.pz` statements (see `Simulator.poleZero`).
    public var poleZeroAnalyses: [PoleZeroRequest] = []
    /// `.four` statements, analysed on the transient's result (see `Simulator.fourier`).
    public var fourierAnalyses: [FourierRequest] = []
    /// `.wave` statements, written from the transient's result (see `Simulator.waveFiles`).
    public var waveOutputs: [WaveRequest] = []
    /// `.meas` statements, measured on their analysis' results (see `Simulator.measure`).
    public var measurements: [SpiceMeasurement] = []
    /// Tolerances and methods.
    public var options = SimulationOptions()
    /// ngspice's `ac=` of a resistor, by element name: its resistance in the small-signal analyses
    /// (`.ac`, `.noise`, `.pz`; its thermal noise and `.tf` keep the DC value, as in ngspice).
    public var acResistances: [String: Double] = [:]
    /// Resistors written `noisy=0` (ngspice), by element name: no thermal noise in `.noise`.
    public var noiselessResistors: Set<String> = []
    /// `.ic` node voltages: used as the starting state with UIC, and held during the initial
    /// operating point otherwise.
    public var initialConditions: [Node: Double] = [:]
    /// Nodes that every DC solution holds at a value instead of solving for them: the integrator
    /// states of XSPICE's `s_xfer`, which ngspice holds at their initial conditions at DC.
    public var dcHolds: [Node: Double] = [:]
    /// State nodes that only controlled currents drive (a LAPLACE source's integrators), which a DC
    /// solution solves for from their equations at s = 0 rather than through a path to ground.
    public var dcStates: Set<Node> = []
    /// `.nodeset` node voltages: starting guesses for the DC operating point.
    public var nodesets: [Node: Double] = [:]
    /// Warnings from reading the netlist (for example model parameters that are not modeled).
    public var warnings: [Diagnostic] = []
    /// The netlist this circuit was elaborated from, and its `.step` point (nil for a circuit built
    /// in code): `.dc TEMP` elaborates it again at each temperature.
    var netlist: Netlist?
    var stepPoint: StepPoint?
    /// The independent sources that belong to a subcircuit instance (named with its prefix, such
    /// as `x1.v9`): LTspice's `.tran … startup` leaves these on (`TransientSpec.startup`).
    public var subcircuitSources: Set<String> = []
    /// The VCVSs that stand for ngspice's behavioral inductors (`L1 a b L='…'`), by name: shorts at
    /// DC, as an inductor is, so that a loop they close with voltage sources is refused only where
    /// a DC solution is needed.
    public var inductiveSources: Set<String> = []

    /// An empty circuit.
    public init(title: String = "") {
        self.title = title
    }

    /// The element named `name` (case-insensitive), if any.
    public func element(named name: String) -> Element? {
        elementIndices[name.lowercased()].map { elements[$0] }
    }

    /// The index of the element named `name` (case-insensitive) in `elements`.
    public func elementIndex(named name: String) -> Int? {
        elementIndices[name.lowercased()]
    }

    /// The index of `node` in `nodes` (0 for ground), or nil if no element connects to it.
    public func index(of node: Node) -> Int? {
        nodeIndices[node]
    }

    /// The names of the controls (`.pot` and `.varres`), in netlist order.
    public var controlNames: [String] {
        elements.compactMap { e in
            switch e.kind {
            case .potentiometer, .variableResistor: return e.name
            default: return nil
            }
        }
    }

    /// Sets the position (0…1) of the control called `name` (case-insensitive): the circuit then
    /// simulates, and a processor built from it starts, with the knob there.
    public mutating func setControl(_ name: String, to position: Double) throws(NetlistError) {
        guard let k = elementIndices[name.lowercased()] else {
            let known = controlNames
            throw NetlistError("no control named '\(name)'" + (known.isEmpty ? " (the circuit has none)" : "; the controls are \(known.joined(separator: ", "))"), at: nil)
        }
        guard position.isFinite, position >= 0, position <= 1 else {
            throw NetlistError("\(elements[k].name): a control's position must be between 0 and 1, not \(position)", at: elements[k].location)
        }
        switch elements[k].kind {
        case let .potentiometer(a, w, b, r, control):
            elements[k].kind = .potentiometer(a, wiper: w, b, resistance: r, Control(taper: control.taper, position: position))
        case let .variableResistor(a, b, low, high, control):
            elements[k].kind = .variableResistor(a, b, minimum: low, maximum: high, Control(taper: control.taper, position: position))
        default:
            throw NetlistError("\(elements[k].name) is not a control (.pot or .varres)", at: elements[k].location)
        }
    }

    /// Replaces the transient waveform of the independent source called `name` (nil: constant at its
    /// DC value).
    public mutating func setWaveform(of name: String, to waveform: Waveform?) throws(NetlistError) {
        try updateSource(name) { $0.waveform = waveform }
    }

    /// Sets the DC value of the independent source `name` (what `.step V1 …` sweeps).
    public mutating func setDCValue(of name: String, to value: Double) throws(NetlistError) {
        try updateSource(name) { $0.dc = value }
    }

    /// Changes the independent source `name` by `change`.
    private mutating func updateSource(_ name: String, _ change: (inout IndependentSource) -> Void) throws(NetlistError) {
        guard let k = elementIndices[name.lowercased()] else { throw NetlistError("no source named '\(name)'", at: nil) }
        switch elements[k].kind {
        case .voltageSource(let a, let b, var source):
            change(&source)
            elements[k].kind = .voltageSource(a, b, source)
        case .currentSource(let a, let b, var source):
            change(&source)
            elements[k].kind = .currentSource(a, b, source)
        default:
            throw NetlistError("\(elements[k].name) is not an independent source", at: elements[k].location)
        }
    }

    /// Adds an element called `name`.
    public mutating func add(_ name: String, _ kind: ElementKind, at location: SourceLocation? = nil) throws(NetlistError) {
        try add(Element(name, kind, at: location))
    }

    /// Adds an element after checking that its name is new and its values are possible.
    public mutating func add(_ element: Element) throws(NetlistError) {
        let key = element.name.lowercased()
        guard !element.name.isEmpty else { throw NetlistError("an element needs a name", at: element.location) }
        if let other = elementIndices[key] {
            let previous = elements[other].location.map { " (first defined at \($0))" } ?? ""
            throw NetlistError("duplicate element name '\(element.name)'\(previous)", at: element.location)
        }
        try Circuit.check(element)
        for node in element.kind.nodes where nodeIndices[node] == nil {
            nodeIndices[node] = nodes.count
            nodes.append(node)
        }
        elementIndices[key] = elements.count
        elements.append(element)
    }

    /// Rejects values no circuit can have: zero or non-finite resistances (a negative one is an
    /// active element's model, and allowed), zero, negative or non-finite capacitances and
    /// inductances, couplings outside (0, 1], non-finite source values and gains.
    static func check(_ element: Element) throws(NetlistError) {
        let name = element.name, at = element.location
        func finite(_ value: Double, _ what: String) throws(NetlistError) {
            if !value.isFinite { throw NetlistError("\(name): \(what) \(value) is not a finite number", at: at) }
        }
        func positive(_ value: Double, _ what: String, _ unit: String) throws(NetlistError) {
            try finite(value, what)
            if !(value > 0) { throw NetlistError("\(name): \(what) must be positive, not \(value) \(unit)", at: at) }
        }
        func source(_ s: IndependentSource) throws(NetlistError) {
            if let dc = s.dc { try finite(dc, "DC value") }
            try finite(s.acMagnitude, "AC magnitude")
            try finite(s.acPhase, "AC phase")
        }
        switch element.kind {
        case let .resistor(_, _, r):
            try finite(r, "resistance")
            if r == 0 { throw NetlistError("\(name): a resistance of 0 Ω (join the nodes, or give it a small value)", at: at) }
        case let .capacitor(_, _, c, ic):
            try positive(c, "capacitance", "F")
            if let ic { try finite(ic, "initial voltage") }
        case let .inductor(_, _, l, ic):
            try positive(l, "inductance", "H")
            if let ic { try finite(ic, "initial current") }
        case let .coupling(inductors, k):
            try finite(k, "coupling coefficient")
            if !(k > 0 && k <= 1) { throw NetlistError("\(name): coupling coefficient must be in (0, 1], not \(k)", at: at) }
            if inductors.count < 2 { throw NetlistError("\(name): coupling needs at least two inductors", at: at) }
        case let .voltageSource(_, _, s), let .currentSource(_, _, s): try source(s)
        case let .voltageControlledVoltageSource(_, _, _, _, g): try finite(g, "gain")
        case let .voltageControlledCurrentSource(_, _, _, _, g): try finite(g, "transconductance")
        case let .currentControlledCurrentSource(_, _, _, g): try finite(g, "gain")
        case let .currentControlledVoltageSource(_, _, _, r): try finite(r, "transresistance")
        case .diode, .bjt, .jfet, .mosfet, .vdmos, .triode, .pentode: break
        case let .behavioralSource(terminals, b):
            if terminals.count != 2 * b.portCount {
                throw NetlistError("\(name): a behavioral source of \(b.portCount) ports needs \(2 * b.portCount) terminals (a pair per port), not \(terminals.count)", at: at)
            }
        case let .potentiometer(_, _, _, r, control):
            try positive(r, "resistance", "Ω")
            try finite(control.position, "position")
        case let .controlledSwitch(_, _, _, s):
            try finite(s.threshold, "threshold")
            try finite(s.hysteresis, "hysteresis")
            if s.hysteresis < 0 {
                throw NetlistError("\(name): a negative hysteresis (a smooth or inverted transition) is not supported; give VH or IH ≥ 0", at: at)
            }
            try positive(s.onResistance, "on resistance RON", "Ω")
            try positive(s.offResistance, "off resistance ROFF", "Ω")
        case let .variableResistor(_, _, low, high, control):
            try finite(low, "minimum resistance")
            try positive(high, "maximum resistance", "Ω")
            if low < 0 || low > high { throw NetlistError("\(name): minimum resistance must be between 0 and the maximum", at: at) }
            try finite(control.position, "position")
        }
        let nodes = element.kind.nodes
        if case .voltageSource = element.kind, nodes[0] == nodes[1] {
            throw NetlistError("\(name): a voltage source between a node and itself", at: at)
        }
        if case .inductor = element.kind, nodes[0] == nodes[1] {
            throw NetlistError("\(name): an inductor between a node and itself", at: at)
        }
    }
}
