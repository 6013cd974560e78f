/// The discrete-time model of a circuit at a fixed step T by the nodal DK method (Yeh, Abel and
/// Smith 2010; Holters and Zölzer 2015), derived from the modified nodal equations so that
/// controlled sources and coupled inductors need no special case:
///
///     v = G·s + H·u + K·ĩ(v)        port voltages (solved by Newton per sample)
///     y = D·s + E·u + F·ĩ           outputs
///     s ← A·s + B·u + C·ĩ           state update
///
/// `s` holds the trapezoidal companion sources of capacitors (h = g·v + i, g = 2C/T) and inductors
/// (e = (2/T)·Φ + v; with ngspice's damping `xmu` or backward Euler, h = g·v + w·i with the
/// coefficients of `SimulationOptions.companion`); `u` the input channels followed by a constant 1 that carries every other
/// source's DC value; `ĩ(v) = i(v) − G₀·v` the device port currents (charge currents included)
/// minus their linearization G₀ at the DC operating point. Moving G₀ into the linear part keeps the
/// equations exact while making the linear system invertible even where a node is reached only
/// through devices, and it makes ĩ small near the operating point.
struct StateSpaceModel {
    /// Step, s.
    let step: Double
    /// The companion coefficients of the step: a charge's current after it is
    /// i = a0·(q − q_prev) − historyWeight·i_prev (2/T and 1 for the trapezoidal rule).
    let a0: Double, historyWeight: Double
    /// Sizes: states, inputs (constant channel included), ports, outputs.
    var stateCount: Int
    /// The states before `reduceStates`, one per capacitor and inductor, and the reduction: full
    /// states = `stateBasis`·states, states = `stateBasisInverse`·full states (nil: none).
    let fullStateCount: Int
    var stateBasis: Matrix?, stateBasisInverse: Matrix?
    let inputCount: Int, outputCount: Int
    var portCount: Int
    var A: Matrix, B: Matrix, D: Matrix
    var E: Matrix
    var C: Matrix, F: Matrix, G: Matrix, H: Matrix, K: Matrix
    /// The devices, with the port offset of each, ordered so that each independent subsystem's ports
    /// are contiguous.
    var devices: [(device: NonlinearDevice, offset: Int)]
    /// Where each device's ports×ports Jacobian block starts in a flat block buffer, and its length.
    var blockOffsets: [Int]
    var blockStorage: Int
    /// Each device's linearization G₀ (conductance plus 2/T times capacitance at the operating point).
    var linearization: [PortMatrix]
    /// For each device, its internal port (see `internalPorts(in:)`) or −1: K couples that port to
    /// no other, and p does not reach it.
    var internalPorts: [Int]
    /// State, port voltages and device charges at the operating point.
    var initialState: [Double]
    var initialPorts: [Double]
    var initialCharges: [PortVector]
    /// Each device's charge currents at the operating point, times the history weight (0 but for
    /// charges at held nodes).
    var initialChargeCurrents: [PortVector]
    /// Independent nonlinear subsystems: ranges of ports whose equations do not involve each other's
    /// ports (K is block diagonal over them), each solved with its own Jacobian blocks.
    var subsystems: [(start: Int, count: Int)]
    /// The input channels' values at the operating point.
    let restInputs: [Double]

    /// Controls (potentiometers, variable resistors): their names and settings, and for each
    /// controlled resistance its control, its resistance law and the resistance the matrices above
    /// were derived with.
    let controls: [(name: String, control: Control)]
    let controlledResistors: [Network.ControlledResistor]
    let baseResistances: [Double]
    /// Low-rank factors for moving a control without re-deriving: with U the unit vectors of the
    /// controlled branches' rows, M(θ) = M₀ + U·Δ·Uᵀ, Δ = −diag(R(θ) − R₀), and
    /// M⁻¹ = M₀⁻¹ − M₀⁻¹U·W·UᵀM₀⁻¹ with W = (I + Δ·Q)⁻¹·Δ, Q = UᵀM₀⁻¹U. Each matrix X = L·M⁻¹·R
    /// then changes by −L_X·W·R_X: left factors for the state (Ls), output (Lo) and port (Ln) rows,
    /// right factors for the state (Rs), input (Ru) and current (Rz) columns.
    let Q: Matrix, Lo: Matrix
    var Ru: Matrix
    var Ls: Matrix, Rs: Matrix
    var Ln: Matrix, Rz: Matrix

    /// The outputs at the operating point (what the processor puts out at rest).
    var restOutputs: [Double] = []

    /// The devices `foldConstantPorts` made constants, by their place before it.
    var constantDevices: Set<Int> = []
    /// The switches (by their place in the network) that the signal may turn, which are devices
    /// after the circuit's own (`SwitchPort`).
    var movingSwitches: [Int] = []

    /// Derives the model of `circuit` for step `step`. Inputs are the named sources; outputs the probes.
    /// With `constantDevices`, exactly those devices are folded as constant (a sub-step model takes
    /// its parent's, so that the two keep the same ports).
    /// With `movingSwitches`, exactly those switches are devices (a sub-step model takes its
    /// parent's, as it takes its constant devices). With `initialConditions`, the model starts
    /// where a transient with UIC starts instead of at the operating point.
    init(_ circuit: Circuit, step: Double, inputs: [String], outputs: [Probe], restInputs: [Double]? = nil,
         constantDevices: Set<Int>? = nil, movingSwitches: [Int]? = nil, initialConditions: Bool = false) throws(SimulationError) {
        self.step = step
        let network: Network
        do { network = try Network(circuit) } catch { throw SimulationError(error.description) }
        let net = network
        if circuit.options.method == .gear {
            // Its second order would carry a second step of history in every state.
            throw SimulationError("method=gear is the reference simulator's; the real-time engine integrates with the trapezoidal rule (or xmu, or method=euler): use the MNA engine, or another method")
        }
        let engine = MNAEngine(network, options: circuit.options)
        let n = engine.size
        // The companion coefficients (the trapezoidal rule: 2/T and 1; see `SimulationOptions.companion`).
        let (a0, history) = circuit.options.companion(step: step)
        self.a0 = a0
        historyWeight = history

        // Inputs: which sources, and the constant channel.
        var inputSources: [(isVoltage: Bool, index: Int)] = []
        for name in inputs {
            guard let owner = circuit.elementIndex(named: name) else {
                throw SimulationError("input '\(name)': no source of that name")
            }
            if let k = net.voltageSources.firstIndex(where: { $0.owner == owner }) {
                inputSources.append((true, k))
            } else if let k = net.currentSources.firstIndex(where: { $0.owner == owner }) {
                inputSources.append((false, k))
            } else {
                throw SimulationError("input '\(name)' is not an independent voltage or current source")
            }
        }
        let nu = inputSources.count + 1
        inputCount = nu
        var Bu = Matrix(rows: n, columns: nu)
        func inject(_ isVoltage: Bool, _ k: Int, column: Int, value: Double) {
            if isVoltage {
                Bu[net.unknown(ofBranch: net.voltageSources[k].branch), column] += value
            } else {
                let s = net.currentSources[k]
                if s.p != 0 { Bu[s.p - 1, column] -= value }
                if s.n != 0 { Bu[s.n - 1, column] += value }
            }
        }
        for (c, source) in inputSources.enumerated() { inject(source.isVoltage, source.index, column: c, value: 1) }
        for (k, v) in net.voltageSources.enumerated() where !inputSources.contains(where: { $0.isVoltage && $0.index == k }) {
            inject(true, k, column: nu - 1, value: v.source.dcValue)
        }
        for (k, i) in net.currentSources.enumerated() where !inputSources.contains(where: { !$0.isVoltage && $0.index == k }) {
            inject(false, k, column: nu - 1, value: i.source.dcValue)
        }
        let rest = restInputs ?? inputSources.map { $0.isVoltage ? net.voltageSources[$0.index].source.dcValue : net.currentSources[$0.index].source.dcValue }
        guard rest.count == inputSources.count else {
            throw SimulationError("\(rest.count) rest values for \(inputSources.count) inputs")
        }
        self.restInputs = rest

        // The DC operating point, inputs at rest.
        var restContext = MNAEngine.Context()
        for (c, source) in inputSources.enumerated() {
            let owner = source.isVoltage ? net.voltageSources[source.index].owner : net.currentSources[source.index].owner
            restContext.sourceOverrides[owner] = rest[c]
        }
        // `.ic` nodes are held there, as the reference simulator's transient holds them for its
        // operating point (and then lets them go).
        var held: [Int: Double] = [:]
        for (node, value) in circuit.initialConditions {
            if let k = circuit.index(of: node), k > 0 { held[k] = value }
        }
        // Where the circuit holds states at their initial conditions (`.ic` nodes, XSPICE's
        // integrators and oscillators, LAPLACE integrators), charges flow from the first instant:
        // the first step's companion sources carry those currents, as the reference simulator's
        // first step does.
        var flowing = [Double](repeating: 0, count: engine.chargeCount)
        let op: [Double]
        if initialConditions {
            // UIC: the initial conditions themselves, an instant after t = 0, are the start (and
            // the point the linear part is taken at).
            var instant = restContext
            instant.time = 0
            do throws(SimulationError) {
                let start = try engine.initialConditionStart(held: held, instant, instant: step * 1e-9, iterationLimit: circuit.options.dcIterationLimit)
                (op, flowing) = (start.x, start.currents)
            } catch {
                throw SimulationError("initial conditions (UIC): \(error.message)")
            }
        } else {
            restContext.heldNodes = held
            // Polished to rounding: the processor starts here and must stay here at rest (see `polish`).
            op = try engine.solveDC(restContext, guess: nil, iterationLimit: circuit.options.dcIterationLimit).x
        }
        if !initialConditions && (!net.dcHolds.isEmpty || !held.isEmpty) {
            var instant = restContext
            instant.time = 0
            guard let found = engine.chargeCurrents(leaving: op, instant, instant: step * 1e-9, iterationLimit: circuit.options.dcIterationLimit) else {
                throw SimulationError("the currents flowing from the operating point's held states could not be found (Newton did not converge an instant after it)")
            }
            flowing = found.currents
        }

        // Ports.
        var devices: [(device: NonlinearDevice, offset: Int)] = []
        var offset = 0
        for d in net.devices {
            devices.append((d.model, offset))
            offset += d.model.portCount
        }
        var blocks: [Int] = []
        var blockStorage = 0
        for d in net.devices {
            blocks.append(blockStorage)
            blockStorage += d.model.portCount * d.model.portCount
        }
        var np = offset
        var Nn = Matrix(rows: np, columns: n)
        for (d, device) in net.devices.enumerated() {
            let count = device.model.portCount
            for k in 0..<count {
                let (t, ref) = device.port(k)
                if t != 0 { Nn[devices[d].offset + k, t - 1] += 1 }
                if ref != 0 { Nn[devices[d].offset + k, ref - 1] -= 1 }
            }
        }

        // M: the transient MNA matrix linearized at the operating point (what a SPICE transient step
        // factors), from the reference engine's own stamps.
        for d in net.devices.indices { engine.portVoltages[d] = engine.portVoltages(of: d, in: op) }
        var ctx = MNAEngine.Context()
        ctx.mode = .transient
        ctx.a0 = a0
        ctx.beta = -history
        engine.assemble(at: op, ctx)
        var M = Matrix(rows: n, columns: n)
        for i in 0..<n { for j in 0..<n { M[i, j] = engine.matrix[i + j * n] } }
        var linearization: [PortMatrix] = []
        var initialCharges: [PortVector] = []
        var initialChargeCurrents: [PortVector] = []
        var initialPorts = [Double](repeating: 0, count: np)
        for (d, device) in net.devices.enumerated() {
            let v = engine.portVoltages(of: d, in: op)
            var g = device.model.currents(v).conductance
            var q = PortVector()
            if device.model.hasCharge {
                let charges = device.model.charges(v)
                g.entries += a0 * charges.capacitance.entries
                q = charges.charge
            }
            linearization.append(g)
            initialCharges.append(q)
            var current = PortVector()
            if device.model.hasCharge {
                for k in 0..<device.model.portCount { current[k] = history * flowing[engine.deviceChargeOffset[d] + k] }
            }
            initialChargeCurrents.append(current)
            for k in 0..<device.model.portCount { initialPorts[devices[d].offset + k] = v[k] }
        }
        // A port whose node only its own device reaches (a transistor's internal base behind a
        // bias-dependent rb) keeps only the diagonal of its linearization, so that the linear part
        // joins that node to the port's reference terminal alone. K then couples the port to no other
        // port and p does not reach it, and the kernel eliminates it within its device's block
        // (`Condensation`). Exact whatever G₀ is: G₀ only moves between ĩ and M.
        var inner = Self.internalPorts(in: net)
        var dropped = Matrix(rows: np, columns: np)
        for (d, k) in inner.enumerated() where k >= 0 {
            // The node would be joined to nothing without a positive diagonal.
            guard linearization[d][k, k] > 0 else { inner[d] = -1; continue }
            // The other ports keep the device's conductance seen through the internal node at
            // rest (its Schur complement), so that ĩ stays small near the operating point.
            let count = net.devices[d].model.portCount, o = devices[d].offset
            let g = linearization[d]
            for r in 0..<count {
                for c in 0..<count where r != k || c != k {
                    let kept = r == k || c == k ? 0 : g[r, c] - g[r, k] * g[k, c] / g[k, k]
                    dropped[o + r, o + c] = g[r, c] - kept
                    linearization[d][r, c] = kept
                }
            }
        }
        M = M - Nn.transposed * dropped * Nn

        // States: capacitors, then inductors. Bs injects them; W·x gives the half of their update.
        let ns = net.capacitors.count + net.inductors.count
        stateCount = ns
        fullStateCount = ns
        var Bs = Matrix(rows: n, columns: ns)
        var W = Matrix(rows: ns, columns: n)
        for (k, c) in net.capacitors.enumerated() {
            let g = a0 * c.capacitance
            if c.a != 0 { Bs[c.a - 1, k] += 1; W[k, c.a - 1] += g }
            if c.b != 0 { Bs[c.b - 1, k] -= 1; W[k, c.b - 1] -= g }
        }
        let nc = net.capacitors.count
        for (k, l) in net.inductors.enumerated() {
            let u = net.unknown(ofBranch: l.branch)
            Bs[u, nc + k] = -1
            W[nc + k, u] += a0 * l.inductance
        }
        for m in net.mutuals {
            W[nc + m.first, net.unknown(ofBranch: net.inductors[m.second].branch)] += a0 * m.inductance
            W[nc + m.second, net.unknown(ofBranch: net.inductors[m.first].branch)] += a0 * m.inductance
        }
        // The state at the operating point: h = g·v + w·i for a capacitor, e = (2/T)·Φ + w·v for an
        // inductor, where at rest no current flows and no voltage stands (held states aside).
        let xop = Matrix(rows: n, columns: 1, entries: op)
        initialState = (W * xop).entries
        for k in 0..<nc { initialState[k] += history * flowing[k] }
        for k in 0..<net.inductors.count { initialState[nc + k] += history * flowing[engine.fluxOffset + k] }

        // The linear part's factors, and the columns of everything that moves: states, inputs,
        // device currents and knobs.
        let lu: DenseLU
        do { lu = try DenseLU(M) } catch {
            throw SimulationError("the circuit's equations are singular at the operating point; the real-time model cannot be built")
        }
        let nv = net.controlledResistors.count
        var U = Matrix(rows: n, columns: nv)
        for (k, r) in net.controlledResistors.enumerated() { U[net.unknown(ofBranch: r.branch), k] = 1 }
        let Ms = lu.solving(Bs), Mu = lu.solving(Bu), Mv = lu.solving(U)

        // Switches stand in M in their operating point's state. One whose control nothing moves
        // (a footswitch's DC voltage, a divider off the supply) keeps it; one that a state, an
        // input, a device's current, a knob or another such switch reaches becomes a device of two
        // ports (`SwitchPort`): its own voltage, whose current is (G(state) − G₀)·v beyond what M
        // holds, and its control, which draws nothing.
        let moving = movingSwitches ?? Self.movingSwitches(in: net, lu: lu, devicePorts: Nn, states: Ms, inputs: Mu, knobs: Mv)
        self.movingSwitches = moving
        for k in moving {
            let w = net.switches[k]
            let on = engine.switchOn[k]
            devices.append((.controlledSwitch(SwitchPort(w.model, restOn: on)), np))
            blocks.append(blockStorage)
            blockStorage += 4
            var g = PortMatrix()
            g[0, 0] = w.model.conductance(on: on)
            linearization.append(g)
            initialCharges.append(PortVector())
            initialChargeCurrents.append(PortVector())
            let rows = Self.switchRows(w, in: net, n: n)
            Nn = Nn.appendingRows(rows)
            initialPorts += (rows * xop).entries
            inner.append(-1)
            np += 2
        }
        self.devices = devices
        blockOffsets = blocks
        self.blockStorage = blockStorage
        portCount = np
        internalPorts = inner
        self.linearization = linearization
        self.initialCharges = initialCharges
        self.initialChargeCurrents = initialChargeCurrents
        self.initialPorts = initialPorts

        // Outputs: rows over x, plus rows over s for capacitor currents (i = g·v − h).
        let no = outputs.count
        outputCount = no
        var No = Matrix(rows: no, columns: n)
        var Os = Matrix(rows: no, columns: ns)
        // Direct terms of device currents: a port's current is ĩ + G₀·v, v = N_n·x.
        var Oz = Matrix(rows: no, columns: np)
        // Direct terms of the inputs: an independent current source's current is its value.
        var Ou = Matrix(rows: no, columns: nu)
        /// Output row r reads `sign` times the current of port k of device d.
        func portCurrent(_ r: Int, device d: Int, port k: Int, sign: Double) {
            let o = devices[d].offset, count = net.devices[d].model.portCount
            Oz[r, o + k] += sign
            for c in 0..<count where linearization[d][k, c] != 0 {
                for j in 0..<n { No[r, j] += sign * linearization[d][k, c] * Nn[o + c, j] }
            }
        }
        /// Output row r reads `weight`·(x[a] − x[b]) of the unknowns of nodes a and b.
        func difference(_ r: Int, _ a: Int, _ b: Int, _ weight: Double) {
            if a != 0 { No[r, a - 1] += weight }
            if b != 0 { No[r, b - 1] -= weight }
        }
        /// Output row r adds `weight` times the current of one primitive at a terminal (see `Network.Tap`).
        func tap(_ r: Int, _ tap: Network.Tap, weight: Double = 1) {
            switch tap {
            case let .resistor(k, sign):
                let res = net.resistors[k]
                difference(r, res.a, res.b, weight * sign * res.conductance)
            case let .capacitor(k, sign):
                // i = (2C/T)·v − h.
                let c = net.capacitors[k]
                difference(r, c.a, c.b, weight * sign * a0 * c.capacitance)
                Os[r, k] -= weight * sign
            case let .device(d, j):
                // Port k's current flows into terminal k; the reference terminal carries minus their sum.
                let count = net.devices[d].model.portCount
                if j < count { portCurrent(r, device: d, port: j, sign: weight) } else {
                    for k in 0..<count { portCurrent(r, device: d, port: k, sign: -weight) }
                }
            }
        }
        var restOutputs: [Double] = []
        for (r, probe) in outputs.enumerated() {
            guard probe.view == .value || probe.view == .real else {
                throw SimulationError("output \(probe): the real-time engine gives plain values (v(...) or i(...))")
            }
            let resolved = try net.resolve(probe, in: circuit)
            // At the operating point, as the reference simulator has it (with the currents that
            // flow from held states at the first instant).
            restOutputs.append(engine.value(of: resolved, op, restContext, chargeCurrents: flowing))
            switch resolved {
            case .power:
                throw SimulationError("output \(probe): the real-time engine's outputs are linear in its state (voltages and currents); a power is a product of two (Simulator.realtimeTransient, and so anode simulate --engine realtime, records it as such)")
            case let .voltage(a, b):
                difference(r, a, b, 1)
            case let .terminalCurrent(taps, sign):
                for t in taps { tap(r, t, weight: sign) }
            case .current(let carrier):
                switch carrier {
                case .branch(let b): No[r, net.unknown(ofBranch: b)] = 1
                case .resistor(let k): tap(r, .resistor(k, sign: 1))
                case .capacitor(let k): tap(r, .capacitor(k, sign: 1))
                case .device(let d): tap(r, .device(d, terminal: 0))
                case .switch(let k):
                    // Its operating point's conductance, and for a switch that turns, its port's ĩ.
                    let w = net.switches[k]
                    difference(r, w.a, w.b, w.model.conductance(on: engine.switchOn[k]))
                    if let m = moving.firstIndex(of: k) { Oz[r, devices[net.devices.count + m].offset] += 1 }
                case .behavioral(let d):
                    guard case .behavioral(let b) = net.devices[d].model else { break }
                    portCurrent(r, device: d, port: b.outputPort.port, sign: b.outputPort.sign)
                case .vccs(let k):
                    let g = net.vccs[k]
                    difference(r, g.cp, g.cn, g.transconductance)
                case .cccs(let k):
                    let f = net.cccs[k]
                    No[r, net.unknown(ofBranch: f.control)] += f.gain
                case .currentSource(let k):
                    if let c = inputSources.firstIndex(where: { !$0.isVoltage && $0.index == k }) {
                        Ou[r, c] = 1
                    } else {
                        Ou[r, nu - 1] = net.currentSources[k].source.dcValue
                    }
                }
            }
        }

        self.restOutputs = restOutputs

        // The products.
        let Z = -1 * Nn.transposed
        let Mz = lu.solving(Z)
        // A companion source after a step is h = g·v + w·i with i = g·v − h_prev (w: the history
        // weight), so h = (1 + w)·g·v − w·h_prev.
        let w = history, gain = 1 + history
        A = gain * (W * Ms) - w * Matrix.identity(ns)
        B = gain * (W * Mu)
        C = gain * (W * Mz)
        D = No * Ms + Os
        E = No * Mu + Ou
        F = No * Mz + Oz
        G = Nn * Ms
        H = Nn * Mu
        K = Nn * Mz

        // Controls.
        controls = net.controls
        controlledResistors = net.controlledResistors
        baseResistances = net.controlledResistors.map { $0.resistance(net.controls[$0.control].control.fraction) }
        let Ut = U.transposed
        Q = Ut * Mv
        Ls = gain * (W * Mv)
        Lo = No * Mv
        Ln = Nn * Mv
        Rs = Ut * Ms
        Ru = Ut * Mu
        Rz = Ut * Mz
        subsystems = []
        isolateInternalPorts()
        foldDiodeStrings(Self.diodeStrings(in: net))
        foldConstantPorts(only: constantDevices)
        splitSubsystems()
        // States no input or device can move are dropped (see `StateReduction`). Not with
        // controls: the reachable states would then depend on the knobs' positions.
        if nv == 0 {
            var scale = [Double](repeating: 1, count: ns)
            for (k, c) in net.capacitors.enumerated() where c.capacitance > 0 { scale[k] = a0 * c.capacitance }
            reduceStates(scale: scale)
        }
    }

    /// Rewrites the model in the reachable states' coordinates (see `StateReduction`); `scale` is
    /// each state's size per volt.
    mutating func reduceStates(scale: [Double]) {
        var drives = Matrix(rows: stateCount, columns: B.columns + C.columns)
        for r in 0..<stateCount {
            for c in 0..<B.columns { drives[r, c] = B[r, c] }
            for c in 0..<C.columns { drives[r, B.columns + c] = C[r, c] }
        }
        guard let reduction = StateReduction(A: A, drives: drives, scale: scale, rest: initialState) else { return }
        let (V, inverse) = (reduction.basis, reduction.inverse)
        stateBasis = V
        stateBasisInverse = inverse
        A = inverse * A * V
        B = inverse * B
        C = inverse * C
        D = D * V
        G = G * V
        Ls = inverse * Ls
        Rs = Rs * V
        initialState = (inverse * Matrix(rows: stateCount, columns: 1, entries: initialState)).entries
        stateCount = V.columns
    }

    /// Switch `w`'s two port rows over the unknowns: its voltage (a − b) and its control (the
    /// voltage between its control nodes, or the branch current it senses).
    static func switchRows(_ w: Network.Switch, in net: Network, n: Int) -> Matrix {
        var rows = Matrix(rows: 2, columns: n)
        if w.a != 0 { rows[0, w.a - 1] += 1 }
        if w.b != 0 { rows[0, w.b - 1] -= 1 }
        switch w.control {
        case let .voltage(p, m):
            if p != 0 { rows[1, p - 1] += 1 }
            if m != 0 { rows[1, m - 1] -= 1 }
        case let .branch(b):
            rows[1, net.unknown(ofBranch: b)] = 1
        }
        return rows
    }

    /// The switches whose control a state, an input, a device's current (`devicePorts`: the
    /// devices' port rows), a knob, or the current of another such switch reaches, by their place in
    /// `net.switches`; `states`, `inputs` and `knobs` are M⁻¹ times their columns.
    static func movingSwitches(in net: Network, lu: DenseLU, devicePorts: Matrix, states: Matrix, inputs: Matrix, knobs: Matrix) -> [Int] {
        let n = devicePorts.columns
        var currents = lu.solving(-1 * devicePorts.transposed)
        var moving: [Int] = []
        var changed = true
        while changed {
            changed = false
            for (k, w) in net.switches.enumerated() where !moving.contains(k) {
                let rows = switchRows(w, in: net, n: n)
                let (voltage, control) = (rows.row(0), rows.row(1))
                let driven = (control * inputs).entries
                let reach = [control * states, control * currents, control * knobs].flatMap(\.entries) + driven.dropLast()
                let largest = (reach + [driven.last ?? 0]).map(abs).max() ?? 0
                guard reach.contains(where: { abs($0) > 1e-12 * max(largest, 1) }) else { continue }
                moving.append(k)
                changed = true
                // Its current reaches the others' controls as a device's does.
                currents = currents.appendingColumns(lu.solving(-1 * voltage.transposed))
            }
        }
        return moving.sorted()
    }

    /// Each device's internal port, or −1: a port whose node (the non-reference terminal) is
    /// attached to that device alone — the internal base of a transistor that carries its
    /// bias-dependent base resistance. At most one per device.
    static func internalPorts(in net: Network) -> [Int] {
        let attachments = attachmentCounts(in: net)
        return net.devices.map { d in
            let count = d.model.portCount
            guard count > 1 else { return -1 }
            if case .behavioral = d.model { return -1 }  // a controlling node of a behavioral source draws no current
            for k in 0..<count {
                let t = d.terminals[k]
                if t != 0 && attachments[t] == 1 && d.terminals.filter({ $0 == t }).count == 1 { return k }
            }
            return -1
        }
    }

    /// Sets the couplings of the internal ports in K, G, H, C, F, Ln and Rz to exactly zero. With
    /// their linearization diagonal they are zero but for rounding; a port where one is not (which
    /// would mean the node is reached after all) stays an ordinary port.
    mutating func isolateInternalPorts() {
        func largest(_ m: Matrix) -> Double { m.entries.reduce(0) { max($0, abs($1)) } }
        let scales = (k: largest(K), g: largest(G), h: largest(H), c: largest(C), f: largest(F), ln: largest(Ln), rz: largest(Rz))
        func small(_ x: Double, _ scale: Double) -> Bool { abs(x) <= 1e-9 * scale }
        for (d, k) in internalPorts.enumerated() where k >= 0 {
            let l = devices[d].offset + k
            var isolated = K[l, l] != 0
            for j in 0..<portCount where j != l && !(small(K[l, j], scales.k) && small(K[j, l], scales.k)) { isolated = false }
            for c in 0..<G.columns where !small(G[l, c], scales.g) { isolated = false }
            for c in 0..<H.columns where !small(H[l, c], scales.h) { isolated = false }
            for c in 0..<Ln.columns where !small(Ln[l, c], scales.ln) { isolated = false }
            for r in 0..<C.rows where !small(C[r, l], scales.c) { isolated = false }
            for r in 0..<F.rows where !small(F[r, l], scales.f) { isolated = false }
            for r in 0..<Rz.rows where !small(Rz[r, l], scales.rz) { isolated = false }
            guard isolated else { internalPorts[d] = -1; continue }
            for j in 0..<portCount where j != l { K[l, j] = 0; K[j, l] = 0 }
            for c in 0..<G.columns { G[l, c] = 0 }
            for c in 0..<H.columns { H[l, c] = 0 }
            for c in 0..<Ln.columns { Ln[l, c] = 0 }
            for r in 0..<C.rows { C[r, l] = 0 }
            for r in 0..<F.rows { F[r, l] = 0 }
            for r in 0..<Rz.rows { Rz[r, l] = 0 }
        }
    }

    /// How many current-carrying attachments each node has (controlling terminals draw no current,
    /// but each device terminal counts).
    static func attachmentCounts(in net: Network) -> [Int] {
        var attachments = [Int](repeating: 0, count: net.nodeNames.count)
        func attach(_ nodes: Int...) { for n in nodes { attachments[n] += 1 } }
        for r in net.resistors { attach(r.a, r.b) }
        for c in net.capacitors { attach(c.a, c.b) }
        for l in net.inductors { attach(l.a, l.b) }
        for v in net.voltageSources { attach(v.p, v.n) }
        for i in net.currentSources { attach(i.p, i.n) }
        for e in net.vcvs { attach(e.p, e.n) }
        for g in net.vccs { attach(g.p, g.n) }
        for f in net.cccs { attach(f.p, f.n) }
        for h in net.ccvs { attach(h.p, h.n) }
        for r in net.controlledResistors { attach(r.a, r.b) }
        for w in net.switches { attach(w.a, w.b) }
        for d in net.devices { for t in d.terminals + (d.minus ?? []) where t < attachments.count { attach(t) } }  // (past the nodes: a branch current a behavioral source reads)
        return attachments
    }

    /// Chains of identical diodes in series (device indices, anode end first): each joint is a node
    /// that carries current only between the two (directly, or through one resistor, such as the
    /// next diode's RS, to a node that does the same).
    static func diodeStrings(in net: Network) -> [[Int]] {
        let attachments = attachmentCounts(in: net)
        // Diodes by anode node.
        var diodeAt: [Int: Int] = [:]
        for (k, d) in net.devices.enumerated() {
            if case .diode = d.model { diodeAt[d.terminals[0]] = k }
        }
        func next(_ k: Int) -> Int? {
            let x = net.devices[k].terminals[1]
            guard x != 0, attachments[x] == 2 else { return nil }
            var candidate = diodeAt[x]
            if candidate == nil, let r = net.resistors.first(where: { $0.a == x || $0.b == x }) {
                let y = r.a == x ? r.b : r.a
                if y != 0, y != x, attachments[y] == 2 { candidate = diodeAt[y] }
            }
            guard let b = candidate, b != k, net.devices[b].model == net.devices[k].model else { return nil }
            return b
        }
        let successor = net.devices.indices.map { k -> Int? in
            if case .diode = net.devices[k].model { return next(k) }
            return nil
        }
        let hasPredecessor = Set(successor.compactMap { $0 })
        var strings: [[Int]] = []
        var used = Set<Int>()
        // Heads first; then whatever is left is a loop of diodes, which is not folded.
        for k in net.devices.indices where successor[k] != nil && !hasPredecessor.contains(k) {
            var chain = [k]
            used.insert(k)
            var at = k
            while let b = successor[at], !used.contains(b) {
                chain.append(b)
                used.insert(b)
                at = b
            }
            strings.append(chain)
        }
        return strings
    }

    /// Replaces each string of series diodes by one port (see `Diode.seriesCount`): its voltage is
    /// the sum of the junction voltages and its current is injected at every junction, so the rows
    /// of the port voltages (G, H, K, Ln) are summed, and so are the columns of the port currents
    /// (K, C, F, Rz). Exact: each junction keeps its linearization G₀ in the linear part, so equal
    /// injected currents give equal junction voltages.
    mutating func foldDiodeStrings(_ strings: [[Int]]) {
        guard !strings.isEmpty else { return }
        var removedDevices = Set<Int>()
        for chain in strings {
            let first = devices[chain[0]].offset
            let n = chain.count
            for d in chain.dropFirst() {
                let o = devices[d].offset
                for c in 0..<K.columns { K[first, c] += K[o, c] }
                for c in 0..<G.columns { G[first, c] += G[o, c] }
                for c in 0..<H.columns { H[first, c] += H[o, c] }
                for c in 0..<Ln.columns { Ln[first, c] += Ln[o, c] }
                for r in 0..<K.rows { K[r, first] += K[r, o] }
                for r in 0..<C.rows { C[r, first] += C[r, o] }
                for r in 0..<F.rows { F[r, first] += F[r, o] }
                for r in 0..<Rz.rows { Rz[r, first] += Rz[r, o] }
                initialPorts[first] += initialPorts[o]
                removedDevices.insert(d)
            }
            guard case .diode(let diode) = devices[chain[0]].device else { continue }
            devices[chain[0]].device = .diode(diode.inSeries(n))
            linearization[chain[0]].entries /= Double(n)
        }
        keepDevices(devices.indices.filter { !removedDevices.contains($0) })
    }

    /// Drops the devices whose port voltages nothing can move — no state, input, other port's current
    /// or control reaches them, only the constant input (a clamp diode across an op-amp model's
    /// supply pins) — and makes their currents constants: each port's ĩ at rest, i(v₀) − G₀·v₀, times
    /// its columns of C, F, K and Rz, joins the constant input's column of B, E, H and Ru. Exact: such a
    /// port's voltage stays v₀, so its ĩ stays that. Entries within 10⁻¹² of their matrix's largest
    /// count as zero (the solves leave rounding where the structure has none). With `chosen`, those
    /// devices and no others: the choice of the model a sub-step model belongs to, whose matrices at
    /// four times the step may put a port on the other side of that line.
    mutating func foldConstantPorts(only chosen: Set<Int>? = nil) {
        func largest(_ m: Matrix) -> Double { m.entries.reduce(0) { max($0, abs($1)) } }
        let scales = (k: largest(K), g: largest(G), h: largest(H), ln: largest(Ln))
        func small(_ x: Double, _ scale: Double) -> Bool { abs(x) <= 1e-12 * scale }
        let constant = H.columns - 1
        var removed = Set<Int>()
        for (d, entry) in devices.enumerated() where internalPorts[d] < 0 {
            let (o, m) = (entry.offset, entry.device.portCount)
            var fixed = chosen.map { $0.contains(d) } ?? true
            for l in o..<(o + m) where fixed && chosen == nil {
                for c in 0..<K.columns where !small(K[l, c], scales.k) { fixed = false }
                for c in 0..<G.columns where !small(G[l, c], scales.g) { fixed = false }
                for c in 0..<constant where !small(H[l, c], scales.h) { fixed = false }
                for c in 0..<Ln.columns where !small(Ln[l, c], scales.ln) { fixed = false }
            }
            guard fixed else { continue }
            var v0 = PortVector()
            for k in 0..<m { v0[k] = initialPorts[o + k] }
            let i = entry.device.currents(v0).current
            for k in 0..<m {
                var rest = i[k]
                for c in 0..<m { rest -= linearization[d][k, c] * v0[c] }
                let l = o + k
                for r in 0..<B.rows { B[r, constant] += C[r, l] * rest }
                for r in 0..<E.rows { E[r, constant] += F[r, l] * rest }
                for r in 0..<H.rows { H[r, constant] += K[r, l] * rest }
                for r in 0..<Ru.rows { Ru[r, constant] += Rz[r, l] * rest }
            }
            removed.insert(d)
        }
        constantDevices = removed
        if !removed.isEmpty { keepDevices(devices.indices.filter { !removed.contains($0) }) }
    }

    /// Keeps the devices `order` (indices into `devices`), in that order, with their ports: the rows
    /// of the port voltages (G, H, K, Ln), the columns of the port currents (K, C, F, Rz), the rest
    /// voltages, and the devices' offsets, blocks, linearizations and rest charges follow. Ports of
    /// devices left out are dropped.
    mutating func keepDevices(_ order: [Int]) {
        var ports: [Int] = []  // new port index → old port index
        var newDevices: [(device: NonlinearDevice, offset: Int)] = []
        var newBlocks: [Int] = [], newLinearization: [PortMatrix] = [], newCharges: [PortVector] = [], newInternal: [Int] = []
        var newChargeCurrents: [PortVector] = []
        var storage = 0
        for d in order {
            let (device, offset) = devices[d]
            newDevices.append((device, ports.count))
            for k in 0..<device.portCount { ports.append(offset + k) }
            newBlocks.append(storage)
            storage += device.portCount * device.portCount
            newLinearization.append(linearization[d])
            newCharges.append(initialCharges[d])
            newChargeCurrents.append(initialChargeCurrents[d])
            newInternal.append(internalPorts[d])
        }
        func rows(_ m: Matrix) -> Matrix {
            var r = Matrix(rows: ports.count, columns: m.columns)
            for (new, old) in ports.enumerated() { for c in 0..<m.columns { r[new, c] = m[old, c] } }
            return r
        }
        func columns(_ m: Matrix) -> Matrix {
            var r = Matrix(rows: m.rows, columns: ports.count)
            for (new, old) in ports.enumerated() { for row in 0..<m.rows { r[row, new] = m[row, old] } }
            return r
        }
        K = columns(rows(K))
        G = rows(G); H = rows(H); Ln = rows(Ln)
        C = columns(C); F = columns(F); Rz = columns(Rz)
        initialPorts = ports.map { initialPorts[$0] }
        devices = newDevices
        blockOffsets = newBlocks
        blockStorage = storage
        linearization = newLinearization
        initialCharges = newCharges
        initialChargeCurrents = newChargeCurrents
        internalPorts = newInternal
        portCount = ports.count
    }

    /// Groups the devices into independent subsystems — devices whose ports are coupled through K,
    /// directly or by a chain — and reorders the ports so that each subsystem's are contiguous. A
    /// circuit decouples this way where its parts share no conductive path at the step (capacitors
    /// couple, since a trapezoidal step makes them conductances 2C/T); entries of K that are not
    /// exactly zero couple.
    mutating func splitSubsystems() {
        let count = devices.count
        var groups = UnionFind(count: count)
        for a in 0..<count {
            for b in (a + 1)..<max(count, a + 1) {
                let (oa, ma) = (devices[a].offset, devices[a].device.portCount)
                let (ob, mb) = (devices[b].offset, devices[b].device.portCount)
                var coupled = false
                for i in oa..<(oa + ma) where !coupled {
                    for j in ob..<(ob + mb) where K[i, j] != 0 || K[j, i] != 0 { coupled = true }
                }
                if coupled { groups.union(a, b) }
            }
        }
        // New device order: by group, in order of first appearance.
        var roots: [Int] = []
        for d in 0..<count where !roots.contains(groups.find(d)) { roots.append(groups.find(d)) }
        let groupsInOrder = roots.map { root in (0..<count).filter { groups.find($0) == root } }
        var subsystems: [(start: Int, count: Int)] = []
        var start = 0
        for group in groupsInOrder {
            let size = group.reduce(0) { $0 + devices[$1].device.portCount }
            subsystems.append((start, size))
            start += size
        }
        keepDevices(groupsInOrder.flatMap { $0 })
        self.subsystems = subsystems
    }
}

extension Matrix {
    /// A matrix with the given row-major entries.
    init(rows: Int, columns: Int, entries: [Double]) {
        self.init(rows: rows, columns: columns)
        self.entries = entries
    }
}
