/// A triode model: Koren's or Dempwolf–Zölzer's.
public enum Triode: Hashable, Sendable {
    /// Koren's model.
    case koren(KorenTriode)
    /// Dempwolf and Zölzer's model.
    case dempwolfZolzer(DempwolfZolzerTriode)

    /// Cathode–grid, grid–plate and cathode–plate capacitances, F.
    public var capacitances: (cathodeGrid: Double, gridPlate: Double, cathodePlate: Double) {
        switch self {
        case .koren(let t):
            return (t.parameters.cathodeGridCapacitance, t.parameters.gridPlateCapacitance, t.parameters.cathodePlateCapacitance)
        case .dempwolfZolzer(let t):
            return (t.parameters.cathodeGridCapacitance, t.parameters.gridPlateCapacitance, t.parameters.cathodePlateCapacitance)
        }
    }
}

/// What an element is and where it is connected. Two-terminal elements list the positive node first.
public enum ElementKind: Hashable, Sendable {
    /// A resistor, Ω.
    case resistor(Node, Node, resistance: Double)
    /// A capacitor, F, with an optional initial voltage for UIC.
    case capacitor(Node, Node, capacitance: Double, initialVoltage: Double?)
    /// An inductor, H, with an optional initial current for UIC.
    case inductor(Node, Node, inductance: Double, initialCurrent: Double?)
    /// Magnetic coupling k between named inductors: M = k·√(L1·L2) for every pair.
    case coupling([String], coefficient: Double)
    /// An independent voltage source; its branch current flows from the positive node through it.
    case voltageSource(Node, Node, IndependentSource)
    /// An independent current source; its current flows from the positive node through it to the negative.
    case currentSource(Node, Node, IndependentSource)
    /// E: V(p,n) = gain·V(cp,cn).
    case voltageControlledVoltageSource(Node, Node, Node, Node, gain: Double)
    /// G: a current gm·V(cp,cn) from p through the source to n.
    case voltageControlledCurrentSource(Node, Node, Node, Node, transconductance: Double)
    /// F: a current gain·I(controller) from p through the source to n.
    case currentControlledCurrentSource(Node, Node, controller: String, gain: Double)
    /// H: V(p,n) = transresistance·I(controller).
    case currentControlledVoltageSource(Node, Node, controller: String, transresistance: Double)
    /// A junction diode.
    case diode(anode: Node, cathode: Node, Diode)
    /// A bipolar transistor.
    case bjt(collector: Node, base: Node, emitter: Node, GummelPoon)
    /// A junction FET.
    case jfet(drain: Node, gate: Node, source: Node, ShichmanHodges)
    /// A MOSFET.
    case mosfet(drain: Node, gate: Node, source: Node, bulk: Node, MOSFET)
    /// A power MOSFET (VDMOS) with its body diode.
    case vdmos(drain: Node, gate: Node, source: Node, VDMOS)
    /// A triode.
    case triode(plate: Node, grid: Node, cathode: Node, Triode)
    /// A pentode or beam tetrode.
    case pentode(plate: Node, screen: Node, grid: Node, cathode: Node, KorenPentode)
    /// A potentiometer of total resistance R between two ends, with a wiper: fraction·R from the
    /// first end to the wiper, (1 − fraction)·R from the wiper to the second end.
    case potentiometer(Node, wiper: Node, Node, resistance: Double, Control)
    /// A variable resistor: minimum + fraction·(maximum − minimum).
    case variableResistor(Node, Node, minimum: Double, maximum: Double, Control)
    /// A switch (S or W): `ControlledSwitch`'s resistance between the two nodes, in the state its
    /// control decides.
    case controlledSwitch(Node, Node, ControlledSwitch.Control, ControlledSwitch)
    /// A behavioral current source (B, or E/G with VALUE=, as elaborated): `terminals` lists each
    /// port's + and − node, port after port (see `BehavioralSource`). A terminal named `i(NAME)`
    /// reads the branch current of element NAME instead of a node voltage (its pair's − node is
    /// ground).
    case behavioralSource(terminals: [Node], BehavioralSource)

    /// Whether this is an independent voltage or current source.
    public var isIndependentSource: Bool {
        switch self {
        case .voltageSource, .currentSource: true
        default: false
        }
    }

    /// The nodes the element connects, in netlist order.
    public var nodes: [Node] {
        switch self {
        case let .resistor(a, b, _), let .capacitor(a, b, _, _), let .inductor(a, b, _, _),
             let .voltageSource(a, b, _), let .currentSource(a, b, _),
             let .currentControlledCurrentSource(a, b, _, _), let .currentControlledVoltageSource(a, b, _, _),
             let .diode(a, b, _):
            return [a, b]
        case let .voltageControlledVoltageSource(a, b, c, d, _), let .voltageControlledCurrentSource(a, b, c, d, _):
            return [a, b, c, d]
        case .coupling: return []
        case let .bjt(c, b, e, _): return [c, b, e]
        case let .jfet(d, g, s, _): return [d, g, s]
        case let .mosfet(d, g, s, b, _): return [d, g, s, b]
        case let .vdmos(d, g, s, _): return [d, g, s]
        case let .triode(p, g, k, _): return [p, g, k]
        case let .pentode(p, g2, g1, k, _): return [p, g2, g1, k]
        case let .potentiometer(a, w, b, _, _): return [a, w, b]
        case let .variableResistor(a, b, _, _, _): return [a, b]
        case let .controlledSwitch(a, b, .voltage(cp, cn), _): return [a, b, cp, cn]
        case let .controlledSwitch(a, b, .current, _): return [a, b]
        case let .behavioralSource(terminals, _):
            var nodes: [Node] = []
            for t in terminals where !t.isBranchCurrent && !nodes.contains(t) { nodes.append(t) }
            return nodes
        }
    }
}

extension ElementKind {
    /// Whether the element is a P-channel JFET, MOSFET or VDMOS, whose terminal currents ngspice
    /// reports in the N-channel orientation (`Probe.Quantity.deviceCurrent`).
    public var isPChannelFET: Bool {
        switch self {
        case .jfet(_, _, _, let j): j.polarity < 0
        case .mosfet(_, _, _, _, let m): m.polarity < 0
        case .vdmos(_, _, _, let m): m.polarity < 0
        default: false
        }
    }

    /// The letters that name a device's terminals in a terminal-current probe (`@q1[ic]`,
    /// `Ic(Q1)`), in the order of `nodes`; nil for elements that are not devices. ngspice's names
    /// where it has the device (a diode's `id` is its anode's current); for tubes, `p`, `g`, `k`
    /// and a pentode's `g2` (screen) and `g1` (control grid, also `g`).
    public var terminalNames: [String]? {
        switch self {
        case .diode: ["a", "k"]
        case .bjt: ["c", "b", "e"]
        case .jfet, .vdmos: ["d", "g", "s"]
        case .mosfet: ["d", "g", "s", "b"]
        case .triode: ["p", "g", "k"]
        case .pentode: ["p", "g2", "g1", "k"]
        default: nil
        }
    }

    /// The terminal (an index into `nodes`) that `letter` names in a terminal-current probe, with
    /// the aliases `d` for a diode's anode (ngspice's `@d1[id]`) and `g` for a pentode's control grid.
    public func terminal(named letter: String) -> Int? {
        guard let names = terminalNames else { return nil }
        if let k = names.firstIndex(of: letter) { return k }
        switch (self, letter) {
        case (.diode, "d"): return 0
        case (.pentode, "g"): return 2
        default: return nil
        }
    }
}

/// A named element of a circuit.
public struct Element: Hashable, Sendable {
    /// The element's name as written (hierarchical inside subcircuits: `x1.r2`).
    public var name: String
    /// What it is and how it is connected.
    public var kind: ElementKind
    /// Where it was written, when it came from a netlist.
    public var location: SourceLocation?

    /// An element.
    public init(_ name: String, _ kind: ElementKind, at location: SourceLocation? = nil) {
        self.name = name
        self.kind = kind
        self.location = location
    }
}
