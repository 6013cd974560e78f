/// A circuit reduced to primitives for nodal analysis: linear resistors, capacitors, inductors and
/// sources, and intrinsic nonlinear devices. Device series resistances (RS, RB, RE, RC, RD) become
/// resistors to internal nodes, and tube capacitances become capacitors, so that the device
/// equations only see intrinsic port voltages. Both engines (MNA and the real-time compiler) start here.
///
/// Node 0 is ground. Every element remembers the index of the circuit element it came from (`owner`).
struct Network: Sendable {
    struct Resistor: Sendable {
        var a: Int, b: Int, conductance: Double, owner: Int
        /// The conductance in the small-signal analyses (ngspice's `ac=`; else `conductance`).
        var smallSignalConductance: Double? = nil
    }
    struct Capacitor: Sendable { var a: Int, b: Int, capacitance: Double, initialVoltage: Double?, owner: Int }
    struct Inductor: Sendable { var a: Int, b: Int, inductance: Double, initialCurrent: Double?, branch: Int, owner: Int }
    struct Mutual: Sendable { var first: Int, second: Int, inductance: Double }
    struct VoltageSource: Sendable { var p: Int, n: Int, source: IndependentSource, branch: Int, owner: Int }
    struct CurrentSource: Sendable { var p: Int, n: Int, source: IndependentSource, owner: Int }
    struct VCVS: Sendable { var p: Int, n: Int, cp: Int, cn: Int, gain: Double, branch: Int, owner: Int }
    struct VCCS: Sendable { var p: Int, n: Int, cp: Int, cn: Int, transconductance: Double, owner: Int }
    struct CCCS: Sendable { var p: Int, n: Int, control: Int, gain: Double, owner: Int }
    struct CCVS: Sendable { var p: Int, n: Int, control: Int, transresistance: Double, branch: Int, owner: Int }
    /// A nonlinear device: `terminals` lists the ports' positive nodes, then the common reference node.
    /// A behavioral source may give each port its own − node (`minus`); the others share the last terminal.
    struct Device: Sendable {
        var terminals: [Int], model: NonlinearDevice, owner: Int
        var minus: [Int]? = nil

        /// Port k's nodes: its terminal, and its own − node or the common reference.
        @inline(__always) func port(_ k: Int) -> (plus: Int, minus: Int) {
            (terminals[k], minus?[k] ?? terminals[model.portCount])
        }
    }
    /// A resistance set by a control (a potentiometer segment or a variable resistor), kept as a
    /// branch with V(a) − V(b) − R·i = 0 so that R may be zero and may change without re-deriving
    /// anything but a low-rank update.
    struct ControlledResistor: Sendable {
        enum Segment: Sendable { case lower(Double), upper(Double), variable(Double, Double) }
        var a: Int, b: Int, segment: Segment, control: Int, branch: Int, owner: Int
        /// The resistance when the control's fraction is `f`.
        func resistance(_ f: Double) -> Double {
            switch segment {
            case .lower(let r): return f * r
            case .upper(let r): return (1 - f) * r
            case .variable(let low, let high): return low + f * (high - low)
            }
        }
    }

    /// A switch (S or W): its model's conductance between `a` and `b`, in the state its control
    /// decides (`MNAEngine.switchOn`).
    struct Switch: Sendable {
        /// The control: the voltage between two nodes, or a branch current.
        enum Control: Sendable { case voltage(Int, Int), branch(Int) }
        var a: Int, b: Int, control: Control, model: ControlledSwitch, owner: Int
    }

    /// Node names, ground first; internal nodes are `element#terminal`.
    var nodeNames: [String] = ["0"]
    /// What each branch current is: `i(v1)`, `i(l2)`.
    var branchNames: [String] = []
    /// The circuit's element names, by index (what `Device.owner` refers to).
    var elementNames: [String] = []
    var resistors: [Resistor] = []
    var capacitors: [Capacitor] = []
    var inductors: [Inductor] = []
    var mutuals: [Mutual] = []
    var voltageSources: [VoltageSource] = []
    var currentSources: [CurrentSource] = []
    var vcvs: [VCVS] = []
    var vccs: [VCCS] = []
    var cccs: [CCCS] = []
    var ccvs: [CCVS] = []
    var devices: [Device] = []
    var controlledResistors: [ControlledResistor] = []
    var switches: [Switch] = []
    /// A loop of voltage sources that an inductor closes, described, if there is one: singular at DC only.
    var inductorLoop: String? = nil
    /// Node voltages every DC solution holds (`Circuit.dcHolds`), by node index.
    var dcHolds: [Int: Double] = [:]
    /// The controls (knobs), by name, with their setting in the circuit.
    var controls: [(name: String, control: Control)] = []
    /// For each circuit element, the branch that carries its current, if it has one.
    var branchOfElement: [Int: Int] = [:]

    /// The primitive whose current is a two-terminal element's current (into its first terminal).
    enum CurrentCarrier: Sendable {
        case branch(Int), resistor(Int), capacitor(Int), currentSource(Int), vccs(Int), cccs(Int), device(Int), `switch`(Int)
        /// A behavioral current source (device index): its output current.
        case behavioral(Int)
    }
    /// The current carrier of each two-terminal circuit element, by element index.
    var carrierOfElement: [Int: CurrentCarrier] = [:]

    /// A primitive's current at one of a device's terminals, flowing into the device there.
    enum Tap: Sendable {
        /// A resistor's current from its node a to its node b, times the sign (+1: the terminal is a;
        /// a series resistance's node a is its outer one, the terminal).
        case resistor(Int, sign: Double)
        /// A capacitor's current from its node a to its node b, times the sign (+1: the terminal is a).
        case capacitor(Int, sign: Double)
        /// The current into terminal `terminal` (an index into `terminals`) of device `device`.
        case device(Int, terminal: Int)
    }
    /// For each device element (diode, transistor, tube), by element index: for each of its
    /// terminals (in `ElementKind.nodes` order), the primitives whose currents at that terminal add
    /// up to the current into it.
    var terminalTaps: [Int: [[Tap]]] = [:]

    /// The most unknowns the dense MNA and state-space solvers accept: their matrices grow with the
    /// square of this and their factorizations with the cube (3000 unknowns: 72 MB and seconds per LU).
    static let maximumUnknowns = 3000

    /// Number of circuit elements (the owners of the primitives above).
    var elementCount = 0

    /// Number of nodes, ground included.
    var nodeCount: Int { nodeNames.count }
    /// Number of unknowns of the MNA system: node voltages (ground excluded), then branch currents.
    var unknownCount: Int { nodeCount - 1 + branchNames.count }
    /// The unknown that holds branch `k`'s current.
    func unknown(ofBranch k: Int) -> Int { nodeCount - 1 + k }

    /// A description of unknown `k`: `v(node)` or `i(element)`.
    func unknownName(_ k: Int) -> String {
        k < nodeCount - 1 ? "v(\(nodeNames[k + 1]))" : branchNames[k - nodeCount + 1]
    }

    /// Expands `circuit`, after checking that every node has a DC path to ground and that no loop is
    /// made of voltage sources and inductors alone.
    init(_ circuit: Circuit) throws(NetlistError) {
        nodeNames = circuit.nodes.map(\.name)
        elementNames = circuit.elements.map(\.name)
        var index: [Node: Int] = [:]
        for (k, n) in circuit.nodes.enumerated() { index[n] = k }
        func n(_ node: Node) -> Int { index[node]! }
        var inductorIndex: [String: Int] = [:]
        var pendingCouplings: [(owner: Int, names: [String], k: Double)] = []
        for (node, value) in circuit.dcHolds { if let k = index[node] { dcHolds[k] = value } }
        var pendingControls: [(owner: Int, controller: String, isCCCS: Bool, p: Int, n: Int, value: Double)] = []
        var pendingBehavioral: [(owner: Int, terminals: [Node], source: BehavioralSource)] = []
        var pendingSwitches: [(owner: Int, a: Int, b: Int, controller: String, model: ControlledSwitch)] = []

        func branch(_ name: String, owner: Int) -> Int {
            branchNames.append("i(\(name.lowercased()))")
            branchOfElement[owner] = branchNames.count - 1
            return branchNames.count - 1
        }
        func internalNode(_ element: Element, _ terminal: String) -> Int {
            nodeNames.append("\(element.name.lowercased())#\(terminal)")
            return nodeNames.count - 1
        }
        var taps: [[Tap]] = []  // of the present device element's terminals (see `tap` below)
        var seriesResistor: [Int: Int] = [:]  // internal node → the series resistance that reaches it
        /// The internal side of a series resistance, or the terminal itself when there is none.
        func series(_ element: Element, _ owner: Int, _ outer: Int, _ r: Double, _ terminal: String) -> Int {
            guard r > 0 else { return outer }
            let inner = internalNode(element, terminal)
            resistors.append(Resistor(a: outer, b: inner, conductance: 1 / r, owner: owner))
            seriesResistor[inner] = resistors.count - 1
            return inner
        }
        /// Adds a capacitor when `c` is positive; whether it did.
        @discardableResult
        func capacitor(_ a: Int, _ b: Int, _ c: Double, _ owner: Int) -> Bool {
            guard c > 0 else { return false }
            capacitors.append(Capacitor(a: a, b: b, capacitance: c, initialVoltage: nil, owner: owner))
            return true
        }
        // The taps of the present device element's terminals, collected as its primitives are made.
        /// Terminal `t`, reached at `inner`: through its series resistance, or device terminal `j` of the device just added.
        func tap(_ t: Int, outer: Int, inner: Int, device j: Int) {
            taps[t].append(inner != outer ? .resistor(seriesResistor[inner]!, sign: 1) : .device(devices.count - 1, terminal: j))
        }
        /// Device terminal `j` of the device just added, at terminal `t`.
        func tap(_ t: Int, device j: Int) { taps[t].append(.device(devices.count - 1, terminal: j)) }
        /// The capacitor just added, at terminal `t` (`sign` +1 at its node a).
        func tap(_ t: Int, capacitorSign sign: Double) { taps[t].append(.capacitor(capacitors.count - 1, sign: sign)) }

        elementCount = circuit.elements.count
        for (owner, element) in circuit.elements.enumerated() {
            taps = element.kind.terminalNames.map { Array(repeating: [], count: $0.count) } ?? []
            switch element.kind {
            case let .resistor(a, b, r):
                resistors.append(Resistor(a: n(a), b: n(b), conductance: 1 / r, owner: owner,
                                          smallSignalConductance: circuit.acResistances[element.name].map { 1 / $0 }))
            case let .capacitor(a, b, c, ic):
                capacitors.append(Capacitor(a: n(a), b: n(b), capacitance: c, initialVoltage: ic, owner: owner))
            case let .inductor(a, b, l, ic):
                inductorIndex[element.name.lowercased()] = inductors.count
                inductors.append(Inductor(a: n(a), b: n(b), inductance: l, initialCurrent: ic, branch: branch(element.name, owner: owner), owner: owner))
            case let .coupling(names, k):
                pendingCouplings.append((owner, names, k))
            case let .voltageSource(p, m, s):
                voltageSources.append(VoltageSource(p: n(p), n: n(m), source: s, branch: branch(element.name, owner: owner), owner: owner))
            case let .currentSource(p, m, s):
                currentSources.append(CurrentSource(p: n(p), n: n(m), source: s, owner: owner))
            case let .voltageControlledVoltageSource(p, m, cp, cn, gain):
                vcvs.append(VCVS(p: n(p), n: n(m), cp: n(cp), cn: n(cn), gain: gain, branch: branch(element.name, owner: owner), owner: owner))
            case let .voltageControlledCurrentSource(p, m, cp, cn, gm):
                vccs.append(VCCS(p: n(p), n: n(m), cp: n(cp), cn: n(cn), transconductance: gm, owner: owner))
            case let .currentControlledCurrentSource(p, m, controller, gain):
                pendingControls.append((owner, controller, true, n(p), n(m), gain))
            case let .currentControlledVoltageSource(p, m, controller, r):
                pendingControls.append((owner, controller, false, n(p), n(m), r))
                _ = branch(element.name, owner: owner)
            case let .diode(a, k, d):
                let inner = series(element, owner, n(a), d.parameters.seriesResistance, "a")
                devices.append(Device(terminals: [inner, n(k)], model: .diode(d), owner: owner))
                tap(0, outer: n(a), inner: inner, device: 0)
                tap(1, device: 1)
            case let .bjt(c, b, e, q):
                let p = q.parameters
                let ci = series(element, owner, n(c), p.collectorResistance, "c")
                let ei = series(element, owner, n(e), p.emitterResistance, "e")
                if q.hasModulatedBaseResistance {
                    // The device carries its bias-dependent base resistance between b and b'.
                    let bi = internalNode(element, "b")
                    devices.append(Device(terminals: [n(b), bi, ci, ei], model: .bjt(q), owner: owner))
                    tap(0, outer: n(c), inner: ci, device: 2)
                    tap(1, device: 0)
                    tap(2, outer: n(e), inner: ei, device: 3)
                    break
                }
                let bi = series(element, owner, n(b), p.baseResistance, "b")
                devices.append(Device(terminals: [bi, ci, ei], model: .bjt(q), owner: owner))
                tap(0, outer: n(c), inner: ci, device: 1)
                tap(1, outer: n(b), inner: bi, device: 0)
                tap(2, outer: n(e), inner: ei, device: 2)
                if q.externalCollectorDepletion.zeroBiasCapacitance > 0 {
                    // (1 − XCJC)·CJC between the external base and the internal collector.
                    let terminals = q.polarity == .npn ? [n(b), ci] : [ci, n(b)]
                    devices.append(Device(terminals: terminals, model: .depletionCapacitance(q.externalCollectorDepletion), owner: owner))
                    let atBase = q.polarity == .npn ? 0 : 1
                    tap(1, device: atBase)
                    if ci == n(c) { tap(0, device: 1 - atBase) }
                }
            case let .jfet(d, g, s, j):
                let di = series(element, owner, n(d), j.parameters.drainResistance, "d")
                let si = series(element, owner, n(s), j.parameters.sourceResistance, "s")
                devices.append(Device(terminals: [n(g), di, si], model: .jfet(j), owner: owner))
                tap(0, outer: n(d), inner: di, device: 1)
                tap(1, device: 0)
                tap(2, outer: n(s), inner: si, device: 2)
            case let .mosfet(d, g, s, b, m):
                let p = m.parameters
                let di = series(element, owner, n(d), p.drainResistance, "d")
                let si = series(element, owner, n(s), p.sourceResistance, "s")
                devices.append(Device(terminals: [n(g), di, n(b), si], model: .mosfet(m), owner: owner))
                tap(0, outer: n(d), inner: di, device: 1)
                tap(1, device: 0)
                tap(2, outer: n(s), inner: si, device: 3)
                tap(3, device: 2)
                let w = m.effectiveWidth, l = m.effectiveLength
                // Each overlap capacitance at the gate, and at the drain or source when no series
                // resistance stands between (the resistance carries it otherwise).
                if capacitor(n(g), si, p.gateSourceOverlap * w + p.gateSourceCapacitance, owner) {
                    tap(1, capacitorSign: 1)
                    if si == n(s) { tap(2, capacitorSign: -1) }
                }
                if capacitor(n(g), di, p.gateDrainOverlap * w + p.gateDrainCapacitance, owner) {
                    tap(1, capacitorSign: 1)
                    if di == n(d) { tap(0, capacitorSign: -1) }
                }
                if capacitor(n(g), n(b), p.gateBulkOverlap * l, owner) {
                    tap(1, capacitorSign: 1)
                    tap(3, capacitorSign: -1)
                }
            case let .vdmos(d, g, s, m):
                let p = m.parameters
                let gi = series(element, owner, n(g), p.gateResistance, "gate")
                let si = series(element, owner, n(s), p.sourceResistance, "source")
                let di: Int
                if let quasi = m.quasiSaturation {
                    // RD in quasi-saturation: a device from the drain to the channel's drain, read against the source.
                    di = internalNode(element, "drain")
                    devices.append(Device(terminals: [n(d), di, n(s)], model: .quasiSaturation(quasi), owner: owner))
                    tap(0, device: 0)
                } else {
                    di = series(element, owner, n(d), p.drainResistance, "drain")
                }
                devices.append(Device(terminals: [gi, di, si], model: .vdmos(m), owner: owner))
                if m.quasiSaturation == nil { tap(0, outer: n(d), inner: di, device: 1) }
                tap(1, outer: n(g), inner: gi, device: 0)
                tap(2, outer: n(s), inner: si, device: 2)
                if capacitor(gi, si, p.gateSourceCapacitance, owner) {
                    if gi == n(g) { tap(1, capacitorSign: 1) }
                    if si == n(s) { tap(2, capacitorSign: -1) }
                }
                // The body diode from the source through RB to the drain (N-channel), from the
                // drain to RB and the source (P-channel). The internal nodes are named as ngspice's.
                let bi = series(element, owner, n(s), p.bodyResistance, "body")
                devices.append(Device(terminals: m.polarity > 0 ? [bi, n(d)] : [n(d), bi], model: .diode(m.bodyDiode), owner: owner))
                tap(0, device: m.polarity > 0 ? 1 : 0)
                tap(2, outer: n(s), inner: bi, device: m.polarity > 0 ? 0 : 1)
                if let rds = p.shuntResistance {
                    resistors.append(Resistor(a: n(d), b: n(s), conductance: 1 / rds, owner: owner))
                    taps[0].append(.resistor(resistors.count - 1, sign: 1))
                    taps[2].append(.resistor(resistors.count - 1, sign: -1))
                }
            case let .triode(p, g, k, t):
                switch t {
                case .koren(let model): devices.append(Device(terminals: [n(g), n(p), n(k)], model: .korenTriode(model), owner: owner))
                case .dempwolfZolzer(let model): devices.append(Device(terminals: [n(g), n(p), n(k)], model: .dempwolfZolzerTriode(model), owner: owner))
                }
                tap(0, device: 1)
                tap(1, device: 0)
                tap(2, device: 2)
                let caps = t.capacitances
                if capacitor(n(g), n(k), caps.cathodeGrid, owner) { tap(1, capacitorSign: 1); tap(2, capacitorSign: -1) }
                if capacitor(n(g), n(p), caps.gridPlate, owner) { tap(1, capacitorSign: 1); tap(0, capacitorSign: -1) }
                if capacitor(n(p), n(k), caps.cathodePlate, owner) { tap(0, capacitorSign: 1); tap(2, capacitorSign: -1) }
            case let .potentiometer(a, w, b, r, control):
                let c = controls.count
                controls.append((element.name, control))
                branchNames.append("i(\(element.name.lowercased())#1)")
                controlledResistors.append(ControlledResistor(a: n(a), b: n(w), segment: .lower(r), control: c, branch: branchNames.count - 1, owner: owner))
                branchNames.append("i(\(element.name.lowercased())#2)")
                controlledResistors.append(ControlledResistor(a: n(w), b: n(b), segment: .upper(r), control: c, branch: branchNames.count - 1, owner: owner))
            case let .variableResistor(a, b, low, high, control):
                let c = controls.count
                controls.append((element.name, control))
                controlledResistors.append(ControlledResistor(a: n(a), b: n(b), segment: .variable(low, high), control: c,
                                                              branch: branch(element.name, owner: owner), owner: owner))
            case let .controlledSwitch(a, b, .voltage(cp, cn), model):
                carrierOfElement[owner] = .switch(switches.count)
                switches.append(Switch(a: n(a), b: n(b), control: .voltage(n(cp), n(cn)), model: model, owner: owner))
            case let .controlledSwitch(a, b, .current(controller), model):
                pendingSwitches.append((owner, n(a), n(b), controller, model))
            case let .behavioralSource(terminals, b):
                if terminals.contains(where: \.isBranchCurrent) {
                    pendingBehavioral.append((owner, terminals, b))
                } else {
                    devices.append(Self.behavioralDevice(terminals.map(n), b, owner))
                }
            case let .pentode(p, g2, g1, k, t):
                devices.append(Device(terminals: [n(g1), n(g2), n(p), n(k)], model: .korenPentode(t), owner: owner))
                tap(0, device: 2)
                tap(1, device: 1)
                tap(2, device: 0)
                tap(3, device: 3)
                let q = t.parameters
                if capacitor(n(g1), n(k), q.cathodeGridCapacitance, owner) { tap(2, capacitorSign: 1); tap(3, capacitorSign: -1) }
                if capacitor(n(p), n(g1), q.plateGridCapacitance, owner) { tap(0, capacitorSign: 1); tap(2, capacitorSign: -1) }
                if capacitor(n(p), n(k), q.cathodePlateCapacitance, owner) { tap(0, capacitorSign: 1); tap(3, capacitorSign: -1) }
            }
            if !taps.isEmpty { terminalTaps[owner] = taps }
        }

        for (owner, names, k) in pendingCouplings {
            let element = circuit.elements[owner]
            var members: [Int] = []
            for name in names {
                guard let i = inductorIndex[name.lowercased()] else {
                    if case .voltageSource? = circuit.element(named: name)?.kind, name.lowercased().first == "l" {
                        throw NetlistError("\(element.name): \(name) is 0 H, a short, and cannot be coupled", at: element.location)
                    }
                    throw NetlistError("\(element.name): no inductor named '\(name)'", at: element.location)
                }
                if members.contains(i) { throw NetlistError("\(element.name) couples \(name) with itself", at: element.location) }
                members.append(i)
            }
            for x in 0..<members.count {
                for y in (x + 1)..<members.count {
                    let l1 = inductors[members[x]].inductance, l2 = inductors[members[y]].inductance
                    mutuals.append(Mutual(first: members[x], second: members[y], inductance: k * (l1 * l2).squareRoot()))
                }
            }
        }
        for (k, r) in resistors.enumerated() where circuit.elements[r.owner].kind.nodes.count == 2 {
            if case .resistor = circuit.elements[r.owner].kind { carrierOfElement[r.owner] = .resistor(k) }
        }
        for (k, c) in capacitors.enumerated() {
            if case .capacitor = circuit.elements[c.owner].kind { carrierOfElement[c.owner] = .capacitor(k) }
        }
        for (k, s) in currentSources.enumerated() { carrierOfElement[s.owner] = .currentSource(k) }
        for (k, g) in vccs.enumerated() { carrierOfElement[g.owner] = .vccs(k) }
        for (k, d) in devices.enumerated() {
            if case .diode = d.model { carrierOfElement[d.owner] = .device(k) }
            if case .behavioral = d.model { carrierOfElement[d.owner] = .behavioral(k) }
        }
        for c in pendingControls {
            let element = circuit.elements[c.owner]
            guard let controllerIndex = circuit.elementIndex(named: c.controller), let control = branchOfElement[controllerIndex] else {
                throw NetlistError("\(element.name): no element named '\(c.controller)' with a current to sense (a voltage source, an inductor, or an E, H or B voltage source)", at: element.location)
            }
            if c.isCCCS {
                carrierOfElement[c.owner] = .cccs(cccs.count)
                cccs.append(CCCS(p: c.p, n: c.n, control: control, gain: c.value, owner: c.owner))
            } else {
                ccvs.append(CCVS(p: c.p, n: c.n, control: control, transresistance: c.value, branch: branchOfElement[c.owner]!, owner: c.owner))
            }
        }
        for w in pendingSwitches {
            let element = circuit.elements[w.owner]
            guard let controllerIndex = circuit.elementIndex(named: w.controller),
                  case .voltageSource = circuit.elements[controllerIndex].kind,
                  let control = branchOfElement[controllerIndex] else {
                throw NetlistError("\(element.name): no voltage source named '\(w.controller)' to sense the current of", at: element.location)
            }
            carrierOfElement[w.owner] = .switch(switches.count)
            switches.append(Switch(a: w.a, b: w.b, control: .branch(control), model: w.model, owner: w.owner))
        }
        // Behavioral sources that read branch currents: such a terminal is the branch's unknown,
        // numbered past the nodes (unknown k − 1 holds the value of terminal k, node or branch).
        for (owner, terminals, source) in pendingBehavioral {
            let element = circuit.elements[owner]
            var resolved: [Int] = []
            for t in terminals {
                guard t.isBranchCurrent else { resolved.append(n(t)); continue }
                let name = String(t.name.dropFirst(2).dropLast())
                guard let controller = circuit.elementIndex(named: name), let b = branchOfElement[controller] else {
                    let shown = element.name.hasSuffix("#value") ? String(element.name.dropLast(6)) : element.name
                    throw NetlistError("\(shown): no element named '\(name)' with a branch current to read (a voltage source, an inductor, or an E, H or behavioral voltage source)", at: element.location)
                }
                resolved.append(nodeCount + b)
            }
            devices.append(Self.behavioralDevice(resolved, source, owner))
            carrierOfElement[owner] = .behavioral(devices.count - 1)
        }
        for (owner, b) in branchOfElement { carrierOfElement[owner] = .branch(b) }
        guard unknownCount <= Network.maximumUnknowns else {
            throw NetlistError("the circuit has \(unknownCount) unknowns (node voltages and branch currents); Anode's dense solvers handle at most \(Network.maximumUnknowns), far more than an audio circuit needs", at: circuit.elements.last?.location)
        }
        inductorLoop = try checkTopology(circuit)
    }

    /// A behavioral source's device from its port pairs `pairs` (+, − of each port, node indices).
    static func behavioralDevice(_ pairs: [Int], _ source: BehavioralSource, _ owner: Int) -> Device {
        let count = source.portCount
        let plus = (0..<count).map { pairs[2 * $0] }, minus = (0..<count).map { pairs[2 * $0 + 1] }
        return Device(terminals: plus + [0], model: .behavioral(source), owner: owner, minus: minus)
    }

    /// Every node needs a DC path to ground, and voltage sources must not form a loop; otherwise the
    /// MNA matrix is singular. The error names the node or element at fault. A loop that an
    /// inductor closes is singular only at DC, where the inductor is a short: it is returned, for
    /// `MNAEngine.solveDC` to report (a transient with UIC needs no DC solution, as in ngspice).
    func checkTopology(_ circuit: Circuit) throws(NetlistError) -> String? {
        var dc = UnionFind(count: nodeCount)
        var stiff = UnionFind(count: nodeCount)
        func stiffEdge(_ a: Int, _ b: Int, _ owner: Int) throws(NetlistError) {
            if !stiff.union(a, b) {
                let e = circuit.elements[owner]
                throw NetlistError("\(e.name) closes a loop of voltage sources (between \(nodeNames[a]) and \(nodeNames[b])); its current would be undetermined", at: e.location)
            }
        }
        for r in resistors { dc.union(r.a, r.b) }
        // Nodes a DC solution holds: the code models' states, and `.ic` nodes (held in the
        // transient's operating point; a DC analysis of a circuit that needs one is singular there).
        for k in dcHolds.keys { dc.union(k, 0) }
        for node in circuit.dcStates { if let k = circuit.index(of: node) { dc.union(k, 0) } }
        for node in circuit.initialConditions.keys { if let k = circuit.index(of: node) { dc.union(k, 0) } }
        for r in controlledResistors { dc.union(r.a, r.b) }
        for w in switches { dc.union(w.a, w.b) }
        for v in voltageSources { dc.union(v.p, v.n); try stiffEdge(v.p, v.n, v.owner) }
        let inductive = vcvs.filter { circuit.inductiveSources.contains(circuit.elements[$0.owner].name.lowercased()) }
        for e in vcvs where !circuit.inductiveSources.contains(circuit.elements[e.owner].name.lowercased()) {
            dc.union(e.p, e.n)
            // A behavioral voltage source (the copy of its `#value` node) may close a loop of
            // voltage sources whose current something else reads (the ngspice manual's hand-built
            // inductor: B21 in series with two sources, its current fed back through F21); where
            // nothing does, the solver names the current it cannot determine.
            if nodeNames[e.cp].hasSuffix("#value") { continue }
            try stiffEdge(e.p, e.n, e.owner)
        }
        for h in ccvs { dc.union(h.p, h.n); try stiffEdge(h.p, h.n, h.owner) }
        var inductorLoop: String? = nil
        for (a, b, owner) in inductors.map({ ($0.a, $0.b, $0.owner) }) + inductive.map({ ($0.p, $0.n, $0.owner) }) {
            dc.union(a, b)
            if !stiff.union(a, b), inductorLoop == nil {
                let e = circuit.elements[owner]
                inductorLoop = "\(e.name)\(e.location.map { " (line \($0.line))" } ?? "") closes a loop of voltage sources and inductors (between \(nodeNames[a]) and \(nodeNames[b])): at DC, where an inductor is a short, its current would be undetermined (a transient with UIC needs no DC solution)"
            }
        }
        for d in devices {
            switch d.model {
            case .depletionCapacitance, .behavioral, .controlledSwitch: continue  // no conduction between terminals (a behavioral source is a current source)
            case .vdmos:
                // Only the channel's drain and source conduct; the gate draws no DC current.
                dc.union(d.terminals[1], d.terminals[2])
            case .mosfet:
                // The gate draws no DC current: drain, source and bulk conduct (bulk junctions), the gate does not.
                dc.union(d.terminals[1], d.terminals[3])
                dc.union(d.terminals[2], d.terminals[3])
            default:
                for t in d.terminals.dropLast() { dc.union(t, d.terminals.last!) }
            }
        }
        let ground = dc.find(0)
        // With ngspice's RSHUNT every node has its path to ground.
        for k in 1..<nodeCount where dc.find(k) != ground && !(circuit.options.shuntConductance > 0) {
            let name = nodeNames[k]
            let attached = circuit.elements.enumerated().filter { (_, e) in e.kind.nodes.contains(Node(name)) }
            let names = attached.map { $0.1.name }.joined(separator: ", ")
            throw NetlistError("node '\(name)' has no DC path to ground (it connects only to \(names.isEmpty ? "internal device terminals" : names) through capacitors, current sources or MOSFET gates)", at: attached.first?.1.location)
        }
        return inductorLoop
    }
}

/// Disjoint sets of node indices with path halving.
struct UnionFind {
    var parent: [Int]
    init(count: Int) { parent = Array(0..<count) }
    mutating func find(_ x: Int) -> Int {
        var x = x
        while parent[x] != x {
            parent[x] = parent[parent[x]]
            x = parent[x]
        }
        return x
    }
    /// Joins the sets of a and b; false when they were already one set.
    @discardableResult
    mutating func union(_ a: Int, _ b: Int) -> Bool {
        let ra = find(a), rb = find(b)
        if ra == rb { return false }
        parent[ra] = rb
        return true
    }
}
