import Foundation

extension Simulator {
    /// Transient analysis: from the operating point (or from the initial conditions with UIC),
    /// integrating charges and fluxes by the trapezoidal rule (or backward Euler), with the step
    /// adapted to the local truncation error unless `.options fixedstep` is set. Results are
    /// reported at multiples of TSTEP from TSTART on.
    public func transient(_ spec: TransientSpec, probes: [Probe]? = nil) throws(SimulationError) -> TransientResult {
        var integrator = try TransientIntegrator(self, spec, probes: probes ?? defaultProbes(for: .tran))
        return try integrator.run()
    }
}

/// The state and step control of one transient run.
struct TransientIntegrator {
    let simulator: Simulator
    let spec: TransientSpec
    let probes: [Probe]
    let resolved: [ResolvedProbe]
    let engine: MNAEngine
    let options: SimulationOptions
    let fixed: Bool
    /// Largest internal step.
    let maxStep: Double
    /// Smallest step before giving up.
    let minStep: Double
    /// How closely a switch's turn is located in time, s.
    let switchResolution: Double
    /// Times where a source has a corner, ascending, TSTOP last.
    /// The sources' corners in time order, and the first of them not yet passed.
    var breakpoints: [Double]
    var nextBreakpoint = 0

    // Accepted history, newest last (at most 4 points): time, charges.
    var history: [(t: Double, q: [Double])] = []
    // Last accepted points' probe values (at most 3) for interpolating the output grid.
    var recent: [(t: Double, values: [Double], corner: Bool)] = []
    var outputTimes: [Double] = []
    var columns: [[Double]]
    var nextOutput = 0
    var accepted = 0, rejected = 0, iterations = 0
    /// The capacitive currents (inductors: voltages) an instant after t = 0: with UIC, and from an
    /// operating point with held nodes (0 otherwise: at rest nothing flows).
    var initialCurrents: [Double]? = nil

    init(_ simulator: Simulator, _ spec: TransientSpec, probes: [Probe]) throws(SimulationError) {
        guard spec.step > 0, spec.stop > spec.start, spec.start >= 0, spec.stop.isFinite, (spec.maxStep ?? 1) > 0 else {
            throw SimulationError(".tran needs 0 < TSTEP, 0 ≤ TSTART < TSTOP and a positive TMAX")
        }
        guard (spec.stop - spec.start) / spec.step <= TransientSpec.maximumOutputPoints else {
            throw SimulationError(".tran would record more than \(Int(TransientSpec.maximumOutputPoints)) points (TSTOP/TSTEP)")
        }
        self.simulator = simulator
        self.spec = spec
        self.probes = probes
        resolved = try probes.map { (p: Probe) throws(SimulationError) in try simulator.network.resolve(p, in: simulator.circuit) }
        options = simulator.circuit.options
        engine = MNAEngine(simulator.network, options: options)
        engine.waveforms = engine.waveforms.map { $0?.resolved(step: spec.step, stop: spec.stop) }
        fixed = options.fixedStep
        // LTspice's `.options maxstep` caps the step beside TMAX.
        maxStep = min(fixed ? (spec.maxStep ?? spec.step) : spec.effectiveMaxStep, options.maxStep ?? .infinity)
        minStep = max(spec.stop * 1e-15, 1e-18)
        switchResolution = max(spec.stop * 1e-9, minStep)
        var points: Set<Double> = [spec.stop]
        if spec.startup {
            let subcircuit = simulator.circuit.subcircuitSources
            let owners = simulator.network.voltageSources.map(\.owner) + simulator.network.currentSources.map(\.owner)
            engine.ramped = owners.map { !subcircuit.contains(simulator.circuit.elements[$0].name) }
            if TransientSpec.startupRamp < spec.stop { points.insert(TransientSpec.startupRamp) }
        }
        if !fixed {
            for (k, w) in engine.waveforms.enumerated() {
                guard let w else { continue }
                let owner = k < simulator.network.voltageSources.count ? simulator.network.voltageSources[k].owner
                    : simulator.network.currentSources[k - simulator.network.voltageSources.count].owner
                if let (function, repeats) = w.repetitions(until: spec.stop), repeats > Double(Waveform.maximumPulsePeriods) {
                    throw SimulationError("\(simulator.circuit.elements[owner].name): its \(function) repeats \(String(format: "%.0f", min(repeats, 1e15))) times before TSTOP; a transient steps through at most \(Waveform.maximumPulsePeriods) periods' corners (use .options fixedstep, or a longer period)")
                }
                if case let .whiteNoise(_, nt, _, _) = w, spec.stop / nt > Double(Waveform.maximumNoiseSamples) {
                    throw SimulationError("\(simulator.circuit.elements[owner].name): its TRNOISE draws \(String(format: "%.3g", spec.stop / nt)) samples before TSTOP; a transient steps through at most \(Waveform.maximumNoiseSamples) (use .options fixedstep, or a longer NT)")
                }
                if case let .sampled(signal) = w, min(spec.stop, signal.duration) * signal.rate > Double(Waveform.maximumNoiseSamples) {
                    throw SimulationError("\(simulator.circuit.elements[owner].name): \(signal.origin) has \(String(format: "%.0f", min(spec.stop, signal.duration) * signal.rate)) samples before TSTOP; a transient steps through at most \(Waveform.maximumNoiseSamples) (use .options fixedstep, or `anode simulate --engine realtime`)")
                }
                points.formUnion(w.breakpoints(until: spec.stop))
            }
        }
        breakpoints = points.sorted()
        columns = [[Double]](repeating: [], count: probes.count)
        let count = Int((spec.stop / spec.step * (1 + 1e-12)).rounded(.down))
        for k in 0...max(count, 0) {
            let t = Double(k) * spec.step
            if t >= spec.start * (1 - 1e-12) { outputTimes.append(t) }
        }
    }

    /// The context for solving the point at `time` with companion coefficients for step `h`.
    func context(time: Double, h: Double, euler: Bool) -> MNAEngine.Context {
        var ctx = MNAEngine.Context()
        ctx.mode = .transient
        ctx.time = time
        // A first-order step after a corner whatever the method; else the netlist's.
        let (a0, history) = euler ? (1 / h, 0) : options.companion(step: h)
        ctx.a0 = a0
        ctx.beta = -history
        return ctx
    }

    /// The starting state: the operating point with the sources at their t = 0 values (`.ic` nodes
    /// held), or with UIC the initial conditions themselves.
    mutating func initialState() throws(SimulationError) -> [Double] {
        let circuit = simulator.circuit
        let net = simulator.network
        var x = [Double](repeating: 0, count: engine.size)
        var held: [Int: Double] = [:]
        for (node, value) in circuit.initialConditions {
            if let k = circuit.index(of: node), k > 0 { held[k] = value }
        }
        if spec.useInitialConditions {
            do throws(SimulationError) {
                let start = try engine.initialConditionStart(held: held, context(time: 0, h: 1, euler: true), instant: spec.step * 1e-9,
                                                             iterationLimit: options.dcIterationLimit)
                iterations += start.iterations
                initialCurrents = start.currents
                return start.x
            } catch {
                throw SimulationError("transient initial conditions (UIC): \(error.message)")
            }
        } else {
            var ctx = context(time: 0, h: 1, euler: true)
            ctx.a0 = 0  // capacitors open, inductors shorted: DC with the sources at t = 0
            ctx.heldNodes = held
            do {
                let solution = try engine.solveDC(ctx, guess: nil, nodesets: simulator.nodesetIndices(), iterationLimit: options.dcIterationLimit)
                x = solution.x
                iterations += solution.iterations
            } catch {
                throw SimulationError("transient initial operating point: \(error.message)")
            }
            for d in net.devices.indices { engine.portVoltages[d] = engine.portVoltages(of: d, in: x) }
            engine.acceptSwitches(at: x)
            let q = engine.charges(at: x)
            engine.previousCharge = q
            if !held.isEmpty || !net.dcHolds.isEmpty {
                // Held nodes (`.ic`, and the states of code models held at their initial
                // conditions) are not at rest: their capacitors carry current from t = 0. Found as
                // UIC finds them, by a backward-Euler step so short that every charge stays put
                // (the trapezoidal rule's first step needs them: taken as 0, it integrates half
                // of what flows during that step, and every later point lags by half a step).
                if let found = engine.chargeCurrents(leaving: x, context(time: 0, h: 1, euler: true), instant: spec.step * 1e-9,
                                                     iterationLimit: options.dcIterationLimit) {
                    iterations += found.iterations
                    initialCurrents = found.currents
                }
            }
        }
        engine.previousCurrent = [Double](repeating: 0, count: engine.chargeCount)
        return x
    }

    mutating func run() throws(SimulationError) -> TransientResult {
        var x = try initialState()
        if let initialCurrents { engine.previousCurrent = initialCurrents }
        var t = 0.0
        var previousX: [Double]? = nil
        var previousT = 0.0
        history = [(0, engine.previousCharge)]
        record(t: 0, x: x, ctx: context(time: 0, h: 1, euler: true), currents: engine.previousCurrent, corner: true)
        var h = fixed ? maxStep : min(min(spec.stop / 100, spec.step) / 10, maxStep)
        // The start is a corner too: the first step is first-order, as in SPICE, so that a
        // capacitor a source drives directly (whose current jumps at t = 0 from the operating
        // point's zero) does not carry that jump as an undamped trapezoidal oscillation.
        var afterCorner = true
        var nextGrid = maxStep
        var gridIndex = 1.0
        let stepLimit = options.transientStepLimit ?? max(1_000_000, 1_000 * outputTimes.count)
        var shortest = Double.infinity
        // At a fixed step a hard step (an op-amp slewing across its range within one step) gets
        // the real-time processor's iteration budget before it is cut into shorter steps.
        let iterationLimit = fixed ? max(options.transientIterationLimit, SimulationOptions.fixedStepIterationLimit)
            : options.transientIterationLimit

        while t < spec.stop * (1 - 1e-12) {
            guard accepted + rejected < stepLimit else {
                throw SimulationError(String(format: "transient: %d time steps and only at t = %.6g s (the shortest %.3g s, TSTEP %.3g s): the circuit has a time constant far below TSTEP — a near-zero resistance or capacitance? (SimulationOptions.transientStepLimit raises the limit)",
                                             accepted + rejected, t, shortest, spec.step))
            }
            // Choose the step: never past the next breakpoint (or grid point in fixed mode).
            let target = fixed ? nextGrid : firstBreakpoint(after: t * (1 + 1e-12) + minStep) ?? spec.stop
            var step = min(h, maxStep, target - t)
            // Avoid leaving a sliver before the target.
            if target - (t + step) < 0.1 * step { step = target - t }
            // Gear's second order needs the last two accepted points since the last corner.
            let gear = options.method == .gear && options.maxOrder >= 2 && (!afterCorner || fixed) && history.count >= 2
            let euler = options.method == .backwardEuler || options.maxOrder < 2 || (options.method == .gear && !gear) || (afterCorner && !fixed)
            var ctx = context(time: t + step, h: step, euler: euler)
            // The companion's history: the last accepted charges, or Gear's blend of the last two.
            let acceptedCharges = engine.previousCharge
            var companionHistory = acceptedCharges
            if gear {
                // i = a0·(q − q̃), a0 = (1 + 2ω)/((1 + ω)·h), q̃ = ((1 + ω)²·q₁ − ω²·q₂)/(1 + 2ω), ω = h/h₁.
                let (t1, q1) = history[history.count - 1], (t2, q2) = history[history.count - 2]
                let omega = step / (t1 - t2)
                ctx.a0 = (1 + 2 * omega) / ((1 + omega) * step)
                ctx.beta = 0
                let (c1, c2) = ((1 + omega) * (1 + omega) / (1 + 2 * omega), omega * omega / (1 + 2 * omega))
                for k in companionHistory.indices { companionHistory[k] = c1 * q1[k] - c2 * q2[k] }
                engine.previousCharge = companionHistory
            }

            // Predict the new point by linear extrapolation of the last two.
            var trial = x
            if let px = previousX, t > previousT {
                let r = step / (t - previousT)
                for k in 0..<trial.count { trial[k] = x[k] + r * (x[k] - px[k]) }
            }
            let converged: Int?
            engine.resetResidual()
            do { converged = try engine.newton(&trial, ctx, limit: iterationLimit) }
            catch { throw SimulationError("transient at t = \(t + step) s: \(error.message)") }
            engine.previousCharge = acceptedCharges
            guard let n = converged else {
                iterations += iterationLimit
                rejected += 1
                h = step / 8
                if h < minStep {
                    throw SimulationError("transient: Newton does not converge at t = \(t) s even with a step of \(step) s; the largest current imbalance is at \(engine.residualDescription)")
                }
                // Restore the device linearization of the accepted point.
                for d in simulator.network.devices.indices { engine.portVoltages[d] = engine.portVoltages(of: d, in: x) }
                continue
            }
            iterations += n
            let q = engine.charges(at: trial)
            var currents = [Double](repeating: 0, count: q.count)
            for k in 0..<q.count {
                currents[k] = ctx.a0 * (q[k] - companionHistory[k]) + ctx.beta * engine.previousCurrent[k]
            }

            var proposed = 2 * step
            if !fixed {
                if let estimate = truncationLimitedStep(q: q, currents: currents, time: t + step, step: step, order: euler ? 1 : 2,
                                                        errorConstant: gear ? 2.0 / 9.0 : nil) {
                    if estimate < 0.9 * step && step > 2 * minStep {
                        rejected += 1
                        h = max(estimate, minStep)
                        for d in simulator.network.devices.indices { engine.portVoltages[d] = engine.portVoltages(of: d, in: x) }
                        continue
                    }
                    proposed = min(proposed, estimate)
                }
            }

            // A switch that turned within a step longer than `switchResolution`: the step is
            // cut to end just before the turn (the control taken as linear over the step), and
            // the next one to cross it within that resolution, so that no output time falls
            // between a point before the turn and one long after it.
            var switched = false
            if !fixed, let f = engine.switchTurn(to: trial) {
                if step > 2 * switchResolution {
                    let turn = f * step
                    rejected += 1
                    h = max(turn > switchResolution ? turn - 0.5 * switchResolution : turn + 0.5 * switchResolution, minStep)
                    for d in simulator.network.devices.indices { engine.portVoltages[d] = engine.portVoltages(of: d, in: x) }
                    continue
                }
                switched = true
            }

            // Accept.
            accepted += 1
            shortest = min(shortest, step)
            previousX = x
            previousT = t
            x = trial
            t += step
            // A switch's turn is a corner like a source's.
            let corner = switched || (!fixed && nextBreakpoint < breakpoints.count && abs(breakpoints[nextBreakpoint] - t) <= 1e-12 * t + minStep)
            engine.previousCharge = q
            engine.previousCurrent = currents
            let controls = engine.acceptedSwitchControl
            engine.acceptSwitches(at: x)
            if !fixed, let limit = engine.switchLimitedStep(previous: controls, step: step) { proposed = min(proposed, max(limit, minStep)) }
            history.append((t, q))
            if history.count > 4 { history.removeFirst() }
            record(t: t, x: x, ctx: ctx, currents: currents, corner: corner)
            while nextBreakpoint < breakpoints.count, breakpoints[nextBreakpoint] <= t * (1 + 1e-12) + minStep,
                  breakpoints[nextBreakpoint] < spec.stop { nextBreakpoint += 1 }
            if fixed {
                if t >= nextGrid * (1 - 1e-12) {
                    gridIndex += 1
                    nextGrid = gridIndex * maxStep
                    h = maxStep
                } else {
                    h = min(2 * step, maxStep)
                }
            } else if corner {
                // After a corner, restart with a small first-order step, as SPICE does.
                afterCorner = true
                let next = firstBreakpoint(after: t) ?? spec.stop
                h = min(proposed, 0.1 * min(step, next - t))
                h = max(h, minStep)
                history = [(t, q)]
            } else {
                afterCorner = false
                h = min(proposed, maxStep)
            }
        }
        return TransientResult(time: outputTimes, probes: probes, columns: columns, acceptedSteps: accepted, rejectedSteps: rejected, iterations: iterations)
    }

    /// The first corner after `time` among those not yet passed.
    func firstBreakpoint(after time: Double) -> Double? {
        var k = nextBreakpoint
        while k < breakpoints.count, breakpoints[k] <= time { k += 1 }
        return k < breakpoints.count ? breakpoints[k] : nil
    }

    /// The step that the local truncation error of every charge and flux allows, or nil when too
    /// little history exists. Trapezoidal: LTE = h³·q‴/12 (Gear's second order: 2h³·q‴/9,
    /// `errorConstant`), backward Euler: h²·q″/2, with the derivatives from divided differences of
    /// the accepted points.
    func truncationLimitedStep(q: [Double], currents: [Double], time: Double, step: Double, order: Int,
                               errorConstant: Double? = nil) -> Double? {
        guard history.count >= order + 1, !q.isEmpty else { return nil }
        let points = Array(history.suffix(order + 1)) + [(t: time, q: q)]
        let reltol = options.relativeTolerance
        var best = Double.infinity
        for k in 0..<q.count {
            // Divided differences of order `order + 1`.
            var dd = points.map { $0.q[k] }
            let ts = points.map(\.t)
            for level in 1...(order + 1) {
                dd = (0..<(dd.count - 1)).map { j in (dd[j + 1] - dd[j]) / (ts[j + level] - ts[j]) }
            }
            let derivative = abs(dd[0])
            if derivative == 0 || !derivative.isFinite { continue }
            // Current-units error: trapezoidal h²·DD3/2 (q‴ ≈ 6·DD3), Euler h·DD2 (q″ ≈ 2·DD2).
            let isFlux = k >= engine.fluxOffset
            let absolute = isFlux ? options.voltageTolerance : options.currentTolerance
            let tolCurrent = reltol * max(abs(currents[k]), abs(engine.previousCurrent[k])) + absolute
            let tolCharge = reltol * max(abs(q[k]), abs(engine.previousCharge[k]), options.chargeTolerance) / step
            let tolerance = options.truncationErrorFactor * max(tolCurrent, tolCharge)
            let h: Double
            if order == 2 {
                // LTE = C·h³·q‴ with C = 1/12 (trapezoidal) or `errorConstant` (Gear: 2/9), so
                // a current error of C·h²·6·DD3.
                h = (tolerance / (6 * (errorConstant ?? 1.0 / 12) * derivative)).squareRoot()
            } else {
                h = tolerance / derivative
            }
            best = min(best, h)
        }
        return best.isFinite ? best : nil
    }

    /// Stores the probe values at an accepted point and fills every output time up to it.
    mutating func record(t: Double, x: [Double], ctx: MNAEngine.Context, currents: [Double], corner: Bool) {
        var values = [Double](repeating: 0, count: resolved.count)
        for (k, p) in resolved.enumerated() {
            values[k] = probes[k].view.apply(engine.value(of: p, x, ctx, chargeCurrents: currents))
        }
        recent.append((t, values, corner))
        if recent.count > 3 { recent.removeFirst() }
        while nextOutput < outputTimes.count, outputTimes[nextOutput] <= t * (1 + 1e-12) + minStep {
            let to = outputTimes[nextOutput]
            for k in 0..<values.count { columns[k].append(interpolate(k, at: to)) }
            nextOutput += 1
        }
    }

    /// Probe `k` at time `to` between the last two accepted points: quadratic through the last
    /// three, or linear when one of them is a corner.
    func interpolate(_ k: Int, at to: Double) -> Double {
        let n = recent.count
        let b = recent[n - 1]
        if n == 1 || abs(b.t - to) <= 1e-15 * max(abs(to), 1e-30) { return b.values[k] }
        let a = recent[n - 2]
        if n == 2 || a.corner || b.t == a.t {
            let r = (to - a.t) / (b.t - a.t)
            return a.values[k] + r * (b.values[k] - a.values[k])
        }
        let z = recent[n - 3]
        let (t0, t1, t2) = (z.t, a.t, b.t)
        let l0 = (to - t1) * (to - t2) / ((t0 - t1) * (t0 - t2))
        let l1 = (to - t0) * (to - t2) / ((t1 - t0) * (t1 - t2))
        let l2 = (to - t0) * (to - t1) / ((t2 - t0) * (t2 - t1))
        return l0 * z.values[k] + l1 * a.values[k] + l2 * b.values[k]
    }
}
