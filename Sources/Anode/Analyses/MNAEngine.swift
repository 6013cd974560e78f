import Foundation

/// Modified nodal analysis of a `Network`: assembles the linearized system G·x = b at a Newton
/// iterate, with companion models of the charges in transient analysis, and solves it.
///
/// Unknowns: the voltages of nodes 1…N−1, then the branch currents of voltage sources, inductors and
/// voltage-output controlled sources. A branch current flows from the element's positive node
/// through the element to its negative node (SPICE's convention).
final class MNAEngine {
    /// What kind of solution is being assembled.
    enum Mode { case dc, transient }

    /// Everything besides the iterate that the assembly depends on.
    struct Context {
        var mode = Mode.dc
        /// Time of the point being solved (transient).
        var time = 0.0
        /// Scale of every independent source (source stepping).
        var sourceScale = 1.0
        /// Conductance from every node to ground (gmin stepping).
        var shunt = 0.0
        /// Start devices from their initial junction voltages instead of the iterate.
        var initializeJunctions = false
        /// Companion coefficients: i = a0·(q − q_prev) + beta·i_prev.
        var a0 = 0.0
        var beta = 0.0
        /// DC values that replace those of some sources (by circuit element index), for `.dc`.
        var sourceOverrides: [Int: Double] = [:]
        /// Node voltages held fixed (`.ic` during the initial operating point), by node index.
        var heldNodes: [Int: Double] = [:]
        /// Linearize devices with SPICE's small-signal model (for AC analysis).
        var smallSignal = false
    }

    let network: Network
    let options: SimulationOptions
    /// Number of unknowns.
    let size: Int
    /// Number of node-voltage unknowns.
    let nodeUnknowns: Int
    var matrix: [Double]
    var rhs: [Double]
    /// The port voltages each device was last linearized at.
    var portVoltages: [PortVector]
    /// Whether any device limited its step in the last assembly.
    var limited = false
    /// Source waveforms with SPICE's defaults filled in for the current transient.
    var waveforms: [Waveform?]
    /// Which sources (voltage sources, then current sources, as `waveforms`) a transient turns on
    /// over its first `TransientSpec.startupRamp` (LTspice's `startup`); empty for none.
    var ramped: [Bool] = []
    /// The fraction of each control (knob) of the network.
    var controlFractions: [Double]
    /// Each switch's state in the last assembly, decided from that iterate's control value.
    var switchOn: [Bool]
    /// Whether the next assembly decides the switches' states from the accepted ones rather than
    /// from the last iterate's: the first iteration of a Newton solve, as ngspice's first
    /// iteration at a time point (its INITPRED) does; its later ones (INITFLOAT) keep the last
    /// iterate's state while the control stays inside the window. So a switch that an iterate
    /// turned stays turned when the solution's control falls back inside the window (a
    /// relaxation oscillator's switch, which discharges its own control, has no solution at the
    /// step otherwise).
    var switchesFromAccepted = true
    /// Each switch's state at the last accepted solution (kept while its control stays inside
    /// the hysteresis window), and its control value there.
    var acceptedSwitchOn: [Bool]
    var acceptedSwitchControl: [Double]

    // Charge state (transient): one flat vector holding, in order, capacitor charges, device port
    // charges and inductor fluxes, with the matching currents (inductor: voltages).
    /// Offset of each device's port charges in the flat charge vector.
    let deviceChargeOffset: [Int]
    /// Offset of the inductor fluxes.
    let fluxOffset: Int
    /// Length of the flat charge vector.
    let chargeCount: Int
    var previousCharge: [Double]
    var previousCurrent: [Double]

    init(_ network: Network, options: SimulationOptions) {
        self.network = network
        self.options = options
        size = network.unknownCount
        nodeUnknowns = network.nodeCount - 1
        matrix = [Double](repeating: 0, count: size * size)
        rhs = [Double](repeating: 0, count: size)
        portVoltages = network.devices.map { $0.model.initialPortVoltages }
        controlFractions = network.controls.map { $0.control.fraction }
        switchOn = network.switches.map(\.model.initiallyOn)
        acceptedSwitchOn = switchOn
        acceptedSwitchControl = network.switches.map { _ in 0 }
        waveforms = network.voltageSources.map(\.source.waveform) + network.currentSources.map(\.source.waveform)
        var offset = network.capacitors.count
        var offsets: [Int] = []
        for d in network.devices {
            offsets.append(offset)
            offset += d.model.hasCharge ? d.model.portCount : 0
        }
        deviceChargeOffset = offsets
        fluxOffset = offset
        chargeCount = offset + network.inductors.count
        previousCharge = [Double](repeating: 0, count: chargeCount)
        previousCurrent = [Double](repeating: 0, count: chargeCount)
    }

    // MARK: Stamps

    /// Row/column of node `k` (nil for ground).
    @inline(__always) func row(_ node: Int) -> Int? { node == 0 ? nil : node - 1 }

    @inline(__always) func add(_ r: Int?, _ c: Int?, _ value: Double) {
        if let r, let c { matrix[r + c * size] += value }
    }

    @inline(__always) func addRHS(_ r: Int?, _ value: Double) {
        if let r { rhs[r] += value }
    }

    /// A conductance between nodes a and b.
    @inline(__always) func conductance(_ a: Int, _ b: Int, _ g: Double) {
        let ra = row(a), rb = row(b)
        add(ra, ra, g); add(rb, rb, g); add(ra, rb, -g); add(rb, ra, -g)
    }

    /// A current `i` flowing out of node a through the element into node b.
    @inline(__always) func current(_ a: Int, _ b: Int, _ i: Double) {
        addRHS(row(a), -i)
        addRHS(row(b), i)
    }

    /// KCL entries of a branch current that leaves node p and enters node n.
    @inline(__always) func branchIncidence(_ p: Int, _ n: Int, _ unknown: Int) {
        add(row(p), unknown, 1)
        add(row(n), unknown, -1)
    }

    /// Branch equation terms V(p) − V(n) in row `unknown`.
    @inline(__always) func branchVoltage(_ p: Int, _ n: Int, _ unknown: Int) {
        add(unknown, row(p), 1)
        add(unknown, row(n), -1)
    }

    /// Stamps device `device`'s port currents linearized at `v0`: i ≈ i0 + J·(v − v0), each port
    /// current entering the device at the port's terminal and leaving at its − node.
    func stampPorts(_ device: Network.Device, _ count: Int, _ i0: PortVector, _ jacobian: PortMatrix, _ v0: PortVector) {
        guard device.minus != nil else { return stampPorts(device.terminals, count, i0, jacobian, v0) }
        let equivalent = i0 - jacobian * v0
        for k in 0..<count {
            let (pk, mk) = device.port(k)
            for j in 0..<count {
                let g = jacobian[k, j]
                if g == 0 { continue }
                let (pj, mj) = device.port(j)
                add(row(pk), row(pj), g); add(row(pk), row(mj), -g)
                add(row(mk), row(pj), -g); add(row(mk), row(mj), g)
            }
            current(pk, mk, equivalent[k])
        }
    }

    /// `stampPorts` for ports that share the reference terminal `terminals[count]`.
    func stampPorts(_ terminals: [Int], _ count: Int, _ i0: PortVector, _ jacobian: PortMatrix, _ v0: PortVector) {
        let ref = terminals[count]
        let equivalent = i0 - jacobian * v0
        for k in 0..<count {
            let tk = terminals[k]
            for j in 0..<count {
                let g = jacobian[k, j]
                if g == 0 { continue }
                let tj = terminals[j]
                add(row(tk), row(tj), g); add(row(tk), row(ref), -g)
                add(row(ref), row(tj), -g); add(row(ref), row(ref), g)
            }
            current(tk, ref, equivalent[k])
        }
    }

    // MARK: Values

    /// The value of voltage source k (or current source k when `current`) in the given context.
    func sourceValue(_ k: Int, current: Bool, _ ctx: Context) -> Double {
        let source = current ? network.currentSources[k].source : network.voltageSources[k].source
        let owner = current ? network.currentSources[k].owner : network.voltageSources[k].owner
        switch ctx.mode {
        case .dc:
            return (ctx.sourceOverrides[owner] ?? source.dcValue) * ctx.sourceScale
        case .transient:
            let index = current ? network.voltageSources.count + k : k
            var scale = ctx.sourceScale
            // LTspice's `startup`: off at t = 0 (so for the operating point too), on at its ramp's end.
            if !ramped.isEmpty && ramped[index] { scale *= TransientSpec.startupScale(at: ctx.time) }
            if let w = waveforms[index] { return w.value(at: ctx.time) * scale }
            return source.dcValue * scale
        }
    }

    /// Port voltages of device `d` in the solution vector `x`.
    func portVoltages(of d: Int, in x: [Double]) -> PortVector {
        let device = network.devices[d]
        let t = device.terminals
        let count = device.model.portCount
        var v = PortVector()
        if let minus = device.minus {
            for k in 0..<count { v[k] = (t[k] == 0 ? 0 : x[t[k] - 1]) - (minus[k] == 0 ? 0 : x[minus[k] - 1]) }
            return v
        }
        let ref = t[count] == 0 ? 0 : x[t[count] - 1]
        for k in 0..<count { v[k] = (t[k] == 0 ? 0 : x[t[k] - 1]) - ref }
        return v
    }

    /// Voltage of node `k` in `x`.
    @inline(__always) func voltage(_ k: Int, _ x: [Double]) -> Double { k == 0 ? 0 : x[k - 1] }

    // MARK: Assembly

    /// Fills `matrix` and `rhs` with the system linearized at `x`.
    func assemble(at x: [Double], _ ctx: Context) {
        for k in matrix.indices { matrix[k] = 0 }
        for k in rhs.indices { rhs[k] = 0 }
        limited = false
        let net = network
        let transient = ctx.mode == .transient

        for r in net.resistors { conductance(r.a, r.b, r.conductance) }
        for r in net.controlledResistors {
            let u = net.unknown(ofBranch: r.branch)
            branchIncidence(r.a, r.b, u)
            branchVoltage(r.a, r.b, u)
            add(u, u, -r.resistance(controlFractions[r.control]))
        }
        for (k, w) in net.switches.enumerated() {
            // The DC solution's junction-initializing first iteration takes the state as given
            // (ON, OFF, or the accepted one), as ngspice's INITJCT: its iterate is no solution.
            switchOn[k] = ctx.initializeJunctions ? acceptedSwitchOn[k]
                : w.model.isOn(control: switchControl(k, x), wasOn: switchesFromAccepted ? acceptedSwitchOn[k] : switchOn[k])
            conductance(w.a, w.b, w.model.conductance(on: switchOn[k]))
        }
        switchesFromAccepted = false
        for (k, v) in net.voltageSources.enumerated() {
            let u = net.unknown(ofBranch: v.branch)
            branchIncidence(v.p, v.n, u)
            branchVoltage(v.p, v.n, u)
            rhs[u] += sourceValue(k, current: false, ctx)
        }
        for (k, s) in net.currentSources.enumerated() {
            current(s.p, s.n, sourceValue(k, current: true, ctx))
        }
        for e in net.vcvs {
            let u = net.unknown(ofBranch: e.branch)
            branchIncidence(e.p, e.n, u)
            branchVoltage(e.p, e.n, u)
            add(u, row(e.cp), -e.gain)
            add(u, row(e.cn), e.gain)
        }
        for g in net.vccs {
            add(row(g.p), row(g.cp), g.transconductance); add(row(g.p), row(g.cn), -g.transconductance)
            add(row(g.n), row(g.cp), -g.transconductance); add(row(g.n), row(g.cn), g.transconductance)
        }
        for f in net.cccs {
            let c = net.unknown(ofBranch: f.control)
            add(row(f.p), c, f.gain)
            add(row(f.n), c, -f.gain)
        }
        for h in net.ccvs {
            let u = net.unknown(ofBranch: h.branch)
            branchIncidence(h.p, h.n, u)
            branchVoltage(h.p, h.n, u)
            add(u, net.unknown(ofBranch: h.control), -h.transresistance)
        }
        // Inductors: a short in DC; in transient V(p) − V(n) = a0·(Φ − Φ_prev) + beta·v_prev with Φ = L·i + Σ M·i'.
        for (k, l) in net.inductors.enumerated() {
            let u = net.unknown(ofBranch: l.branch)
            branchIncidence(l.a, l.b, u)
            branchVoltage(l.a, l.b, u)
            if transient {
                add(u, u, -ctx.a0 * l.inductance)
                rhs[u] += -ctx.a0 * previousCharge[fluxOffset + k] + ctx.beta * previousCurrent[fluxOffset + k]
            }
        }
        if transient {
            for m in net.mutuals {
                let u1 = net.unknown(ofBranch: net.inductors[m.first].branch)
                let u2 = net.unknown(ofBranch: net.inductors[m.second].branch)
                add(u1, u2, -ctx.a0 * m.inductance)
                add(u2, u1, -ctx.a0 * m.inductance)
            }
            for (k, c) in net.capacitors.enumerated() {
                conductance(c.a, c.b, ctx.a0 * c.capacitance)
                current(c.a, c.b, -ctx.a0 * previousCharge[k] + ctx.beta * previousCurrent[k])
            }
        }
        for (d, device) in net.devices.enumerated() {
            let count = device.model.portCount
            var v: PortVector
            if ctx.initializeJunctions, case .behavioral = device.model {
                // A behavioral source is left open in the first iteration, as SPICE sets junctions
                // to their critical voltages there: its expression is first evaluated at the
                // voltages the linear network gives (log(v(a)) has no value at v(a) = 0).
                portVoltages[d] = PortVector()
                continue
            }
            if ctx.initializeJunctions {
                v = device.model.initialPortVoltages
            } else {
                var limitedStep = false
                (v, limitedStep) = device.model.limit(portVoltages(of: d, in: x), old: portVoltages[d])
                if limitedStep { limited = true }
            }
            portVoltages[d] = v
            let i = device.model.currents(v)
            let g = ctx.smallSignal ? device.model.smallSignalConductance(v) : i.conductance
            stampPorts(device, count, i.current, g, v)
            if transient && device.model.hasCharge {
                let q = device.model.charges(v)
                let offset = deviceChargeOffset[d]
                var qPrev = PortVector(), iPrev = PortVector()
                for k in 0..<count {
                    qPrev[k] = previousCharge[offset + k]
                    iPrev[k] = previousCurrent[offset + k]
                }
                // i ≈ a0·(q0 + C·(v − v0) − q_prev) + beta·i_prev
                let i0 = ctx.a0 * (q.charge - qPrev) + ctx.beta * iPrev
                var g = q.capacitance
                g.entries *= ctx.a0
                stampPorts(device, count, i0, g, v)
            }
        }
        // Gmin stepping's shunt, and ngspice's RSHUNT.
        let shunt = ctx.shunt + options.shuntConductance
        if shunt > 0 {
            for k in 0..<nodeUnknowns { matrix[k + k * size] += shunt }
        }
        // `.ic` nodes, and at DC (capacitors open, no linearization for AC) the nodes the circuit holds.
        func hold(_ node: Int, _ value: Double) {
            guard let r = row(node) else { return }
            for c in 0..<size { matrix[r + c * size] = 0 }
            matrix[r + r * size] = 1
            rhs[r] = value
        }
        for (node, value) in ctx.heldNodes { hold(node, value) }
        if ctx.a0 == 0 && !ctx.smallSignal {
            for (node, value) in net.dcHolds where ctx.heldNodes[node] == nil { hold(node, value) }
        }
    }

    /// Solves the assembled system. Throws a SimulationError naming the unknown that makes the
    /// matrix singular.
    func solve() throws(SimulationError) -> [Double] {
        do {
            let lu = try DenseLU(matrix, n: size)
            var x = rhs
            lu.solve(&x)
            return x
        } catch .singular(let column) {
            throw SimulationError("singular matrix: \(network.unknownName(column)) is not determined by the circuit (check for floating nodes, loops of voltage sources, or a device whose terminals carry no current)")
        } catch {
            if let (d, v) = nonFiniteDevice() {
                let device = network.devices[d]
                let name = network.elementNames[device.owner].replacingOccurrences(of: "#value", with: "")
                let ports = (0..<device.model.portCount).map { String(format: "%g V", v[$0]) }.joined(separator: ", ")
                throw SimulationError("\(name) has no finite value at its port voltages (\(ports)): the circuit equations hold a value that is not a finite number")
            }
            // Otherwise name the equation (the node or branch) where the first such value stands.
            let row = (0..<size).first { r in !rhs[r].isFinite || (0..<size).contains { !matrix[r + $0 * size].isFinite } }
            throw SimulationError("the circuit equations hold a value that is not a finite number\(row.map { " (in the equation of \(network.unknownName($0)))" } ?? "")")
        }
    }

    /// The first device whose evaluation at the last assembly's port voltages is not finite though
    /// the voltages are (a log of a negative voltage in a behavioral source, say), with those
    /// voltages; nil when there is none. Looked for only once a solve has failed.
    func nonFiniteDevice() -> (index: Int, ports: PortVector)? {
        for (d, device) in network.devices.enumerated() {
            let v = portVoltages[d], count = device.model.portCount
            guard (0..<count).allSatisfy({ v[$0].isFinite }) else { continue }
            let e = device.model.currents(v)
            if !(0..<count).allSatisfy({ k in e.current[k].isFinite && (0..<count).allSatisfy { e.conductance[k, $0].isFinite } }) {
                return (d, v)
            }
        }
        return nil
    }

    // MARK: Newton

    /// Whether `new` is within SPICE's tolerances of `old`: reltol·max + vntol for voltages,
    /// reltol·max + abstol for branch currents.
    func converged(_ new: [Double], _ old: [Double]) -> Bool {
        let reltol = options.relativeTolerance
        for k in 0..<size {
            let tolerance = reltol * max(abs(new[k]), abs(old[k])) + (k < nodeUnknowns ? options.voltageTolerance : options.currentTolerance)
            if !(abs(new[k] - old[k]) <= tolerance) { return false }
        }
        return true
    }

    /// Newton–Raphson from `x` with at most `limit` iterations. On success `x` holds the solution and
    /// the number of iterations is returned; nil when it did not converge (x then holds the last iterate).
    func newton(_ x: inout [Double], _ ctx: Context, limit: Int) throws(SimulationError) -> Int? {
        var context = ctx
        switchesFromAccepted = true
        for iteration in 1...max(limit, 1) {
            assemble(at: x, context)
            if !context.initializeJunctions { noteResidual(at: x) }
            let new = try solve()
            if new.contains(where: { !$0.isFinite }) { return nil }
            let done = !limited && iteration > 1 && converged(new, x) && switchesHold(at: new)
            // A circuit without nonlinear devices is solved exactly in one step (once its
            // switches keep the states the step was taken with).
            x = new
            if done || (network.devices.isEmpty && iteration == 1 && switchesHold(at: new)) { return iteration }
            context.initializeJunctions = false
        }
        return nil
    }

    // MARK: Switches

    /// Switch `k`'s control value at `x`: its control voltage, or its controlling branch current.
    func switchControl(_ k: Int, _ x: [Double]) -> Double {
        switch network.switches[k].control {
        case let .voltage(p, n): return voltage(p, x) - voltage(n, x)
        case let .branch(b): return x[network.unknown(ofBranch: b)]
        }
    }

    /// Whether every switch keeps at `x` the state the last assembly gave it.
    func switchesHold(at x: [Double]) -> Bool {
        for (k, w) in network.switches.enumerated() where w.model.isOn(control: switchControl(k, x), wasOn: switchOn[k]) != switchOn[k] {
            return false
        }
        return true
    }

    /// Makes the switches' states at solution `x` the accepted ones (a transient's accepted time
    /// point, a DC sweep's point).
    func acceptSwitches(at x: [Double]) {
        for k in network.switches.indices {
            let control = switchControl(k, x)
            acceptedSwitchOn[k] = network.switches[k].model.isOn(control: control, wasOn: switchOn[k])
            switchOn[k] = acceptedSwitchOn[k]
            acceptedSwitchControl[k] = control
        }
    }

    /// Where within the step to `x` (a fraction of it) the first switch to change state since the
    /// last accepted point turned, the controls taken as linear over the step; nil if none turned.
    /// `switchOn` must hold the states at `x` (as after Newton converged there).
    func switchTurn(to x: [Double]) -> Double? {
        var first: Double? = nil
        for (k, w) in network.switches.enumerated() where switchOn[k] != acceptedSwitchOn[k] {
            let before = acceptedSwitchControl[k], after = switchControl(k, x)
            let edge = switchOn[k] ? w.model.threshold + w.model.hysteresis : w.model.threshold - w.model.hysteresis
            // A switch that moved its own control back inside the window (it turned in an
            // iterate, and the solution keeps the state) turned somewhere within the step, but the
            // control's end value does not say where: halve the step, until it is located within
            // the resolution (ngspice's step stands, and its turn is up to that step early or late).
            let beyond = switchOn[k] ? after > edge : after < edge
            let f = !beyond ? 0.5 : after != before ? min(max((edge - before) / (after - before), 0), 1) : 1
            first = min(first ?? f, f)
        }
        return first
    }

    /// ngspice's step limit for voltage-controlled switches (its `SWtrunc`), at an accepted point
    /// reached by a step of `step` from a point where the controls were `previous`: while a
    /// control moves towards the edge of the window that would turn its switch, the next step
    /// may move it by at most 0.75 of the distance left plus 50 mV, at its last rate.
    func switchLimitedStep(previous: [Double], step: Double) -> Double? {
        var limit: Double? = nil
        for (k, w) in network.switches.enumerated() {
            guard case .voltage = w.control else { continue }
            let now = acceptedSwitchControl[k], change = now - previous[k]
            let m = w.model
            var allowed: Double? = nil
            if !acceptedSwitchOn[k], now < m.threshold + m.hysteresis, change > 0 {
                allowed = ((m.threshold + m.hysteresis - now) * 0.75 + 0.05) / change * step
            } else if acceptedSwitchOn[k], now > m.threshold - m.hysteresis, change < 0 {
                allowed = ((m.threshold - m.hysteresis - now) * 0.75 - 0.05) / change * step
            }
            if let allowed { limit = min(limit ?? allowed, allowed) }
        }
        return limit
    }

    /// Newton carried on from a solution that met SPICE's tolerances until Kirchhoff's laws hold to
    /// rounding: while an iterate lowers the largest current imbalance, at most `limit` more.
    ///
    /// SPICE stops once an update is within reltol (10⁻³ by default) of the iterate, where the
    /// devices' currents at the solution may still disagree with their linearization by microamps.
    /// A simulation started there moves off it at once — a thump and a slow settling of every
    /// coupling capacitor, 0.1 mV at a germanium transistor's collector — so every DC solution is
    /// polished (`solveDC`): the transient's start, the real-time processor's rest state, `.op`,
    /// `.dc` and `.ac`'s operating point. Quadratic convergence makes this one or two iterations.
    func polish(_ x: inout [Double], _ ctx: Context, limit: Int = 8) {
        var context = ctx
        context.initializeJunctions = false
        assemble(at: x, context)
        var imbalance = largestImbalance(at: x)?.imbalance ?? .infinity
        for _ in 0..<limit where imbalance > 0 {
            guard !limited, let new = try? solve(), new.allSatisfy(\.isFinite) else { break }
            assemble(at: new, context)
            let next = largestImbalance(at: new)?.imbalance ?? .infinity
            guard !limited, next < imbalance else { break }
            x = new
            imbalance = next
        }
        // The engine's linearization back at the solution kept.
        assemble(at: x, context)
    }

    /// The largest Kirchhoff current imbalance of the system just assembled at `x` (exact at the
    /// linearization point, which is `x` itself unless a device limited its step) and its node;
    /// nil if an imbalance is not finite or there are no nodes.
    func largestImbalance(at x: [Double]) -> (imbalance: Double, node: Int)? {
        var worst = -1, amount = -1.0
        for r in 0..<nodeUnknowns {
            var sum = -rhs[r]
            for c in 0..<size { sum += matrix[r + c * size] * x[c] }
            if !sum.isFinite { return nil }
            if abs(sum) > amount { amount = abs(sum); worst = r }
        }
        return worst >= 0 ? (amount, worst + 1) : nil
    }

    /// The smallest Kirchhoff current imbalance seen since `resetResidual()`: the largest node
    /// imbalance of the best iterate, and that node. Reported when Newton fails.
    var bestResidual: (imbalance: Double, node: Int)? = nil

    /// Forgets the residuals seen so far.
    func resetResidual() { bestResidual = nil }

    /// Records the current imbalance at `x` of the system just assembled (exact at the
    /// linearization point, which is `x` itself unless a device limited its step).
    func noteResidual(at x: [Double]) {
        guard let worst = largestImbalance(at: x) else { return }
        if bestResidual == nil || worst.imbalance < bestResidual!.imbalance { bestResidual = worst }
    }

    /// The node with the smallest recorded imbalance, as text for an error message.
    var residualDescription: String {
        guard let best = bestResidual else { return "an unknown node" }
        return "node \(network.nodeNames[best.node]) (\(best.imbalance) A in the best iterate)"
    }

    // MARK: Charge state

    /// The start of a transient with UIC: the `held` node voltages (`.ic`, by node index; 0
    /// elsewhere), capacitors' IC= voltages and inductors' IC= currents, an instant after t = 0
    /// (`instantStep`). Its solution is the t = 0 point and its capacitive currents (inductors:
    /// voltages) the initial ones. The `.ic` voltages are not held there, as in ngspice: they reach
    /// the solution through the capacitors' charges (a node no capacitor holds is solved, as the
    /// ngspice manual's hand-built inductor needs). Leaves the charges at t = 0 as the previous
    /// ones and the switches accepted there.
    func initialConditionStart(held: [Int: Double], _ base: Context, instant h: Double,
                               iterationLimit: Int) throws(SimulationError) -> (x: [Double], currents: [Double], iterations: Int) {
        var x = [Double](repeating: 0, count: size)
        for (k, v) in held { x[k - 1] = v }
        for l in network.inductors { x[network.unknown(ofBranch: l.branch)] = l.initialCurrent ?? 0 }
        for d in network.devices.indices { portVoltages[d] = portVoltages(of: d, in: x) }
        var q = charges(at: x)
        for (k, c) in network.capacitors.enumerated() {
            if let ic = c.initialVoltage { q[k] = c.capacitance * ic }
        }
        let start = try instantStep(from: x, charges: q, base, instant: h, iterationLimit: iterationLimit)
        acceptSwitches(at: start.x)
        return start
    }

    /// The currents of the charges (capacitors, device ports; for inductors, dΦ/dt, their voltage)
    /// an instant after solution `x` (`instantStep`), in the flat layout, as a transient's first
    /// step from held nodes needs them. Nil if Newton fails there. The engine's switch states and
    /// port voltages are as they were at `x` afterwards.
    func chargeCurrents(leaving x: [Double], _ base: Context, instant h: Double, iterationLimit: Int) -> (currents: [Double], iterations: Int)? {
        let (savedSwitches, savedPorts) = (switchOn, portVoltages)
        defer { switchOn = savedSwitches; portVoltages = savedPorts }
        guard let step = try? instantStep(from: x, charges: charges(at: x), base, instant: h, iterationLimit: iterationLimit) else { return nil }
        return (step.currents, step.iterations)
    }

    /// A backward-Euler step of `h` from `x` whose charges are `q`, with `base`'s sources and no
    /// node held: so short that every charge stays put, it gives the point an instant later and
    /// the charges' currents there ((q(h) − q)/h). Leaves `q` as the previous charges.
    func instantStep(from x: [Double], charges q: [Double], _ base: Context, instant h: Double,
                     iterationLimit: Int) throws(SimulationError) -> (x: [Double], currents: [Double], iterations: Int) {
        previousCharge = q
        previousCurrent = [Double](repeating: 0, count: chargeCount)
        var ctx = base
        ctx.mode = .transient
        ctx.a0 = 1 / h
        ctx.beta = 0
        ctx.heldNodes = [:]
        ctx.initializeJunctions = false
        var solution = x
        guard let n = try newton(&solution, ctx, limit: iterationLimit) else { throw SimulationError("Newton did not converge") }
        let now = charges(at: solution)
        return (solution, (0..<chargeCount).map { (now[$0] - q[$0]) / h }, n)
    }

    /// Charges (capacitors, device ports, inductor fluxes) at solution `x`, in the flat layout.
    func charges(at x: [Double]) -> [Double] {
        var q = [Double](repeating: 0, count: chargeCount)
        for (k, c) in network.capacitors.enumerated() {
            q[k] = c.capacitance * (voltage(c.a, x) - voltage(c.b, x))
        }
        for (d, device) in network.devices.enumerated() where device.model.hasCharge {
            let charge = device.model.charges(portVoltages(of: d, in: x)).charge
            for k in 0..<device.model.portCount { q[deviceChargeOffset[d] + k] = charge[k] }
        }
        for (k, l) in network.inductors.enumerated() {
            q[fluxOffset + k] = l.inductance * x[network.unknown(ofBranch: l.branch)]
        }
        for m in network.mutuals {
            let i1 = x[network.unknown(ofBranch: network.inductors[m.first].branch)]
            let i2 = x[network.unknown(ofBranch: network.inductors[m.second].branch)]
            q[fluxOffset + m.first] += m.inductance * i2
            q[fluxOffset + m.second] += m.inductance * i1
        }
        return q
    }
}
