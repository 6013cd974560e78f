/// The per-sample kernel of the smallest circuits — one or two ports, all of one device type (a
/// diode pair, one triode, one transistor) — with everything a sample touches besides the linear
/// state held in registers for a run of frames: port voltages, prediction, the Jacobian and its
/// inverse, the devices' charge history.
///
/// It computes exactly what `step` does (same prediction, Newton iteration, first-order acceptance
/// and counters); only the bookkeeping differs. A sample it cannot finish the plain way — the
/// iteration limit, a singular Jacobian, a non-finite residual, where `newton` fails at the same
/// evaluation — is handed to `step` with the evaluations spent and the nearest iterate, and
/// `step`'s fallbacks (continuation, sub-steps, the nearest iterate, rejection, the watchdog) go on
/// from there. It takes a fifth off the small circuits' time per sample (the diode
/// clipper 127 → 102 ns at 48 kHz). The linear part (p, outputs, state) is the general kernel's.
@usableFromInline
struct RegisterKernel<Device: PortDevice> {
    /// The devices: two one-port devices, or one device of one or two ports.
    @usableFromInline var first: Device, second: Device
    @usableFromInline let pair: Bool
    @usableFromInline let firstCharged: Bool, secondCharged: Bool
    /// Linearization G₀ at the operating point, by columns.
    @usableFromInline let g0: (SIMD2<Double>, SIMD2<Double>)
    /// K by columns.
    @usableFromInline let k: (SIMD2<Double>, SIMD2<Double>)
    @usableFromInline let a0: Double, absoluteTolerance: Double, relativeTolerance: Double
    /// The devices' junction curvatures κ by port (zero when they report none).
    @usableFromInline let curvature: SIMD2<Double>
    /// The devices' conductances ∂i/∂v at the latest evaluation, for the junctions' second-order
    /// prediction: the diagonal (G₀₀, G₁₁) and the cross terms (G₀₁, G₁₀).
    @usableFromInline var conductanceDiagonal: SIMD2<Double>, conductanceCross: SIMD2<Double>
    /// Whether the prediction takes the device's recorded second derivatives, and those of its
    /// latest evaluation (the general kernel keeps them in `DeviceArray.secondDerivatives`).
    @usableFromInline let predictsByHessian: Bool
    @usableFromInline var hessian: PortMatrix
    /// Whether the prediction solves a conducting junction in closed form, and its state (see
    /// `JunctionPrediction`).
    @usableFromInline let solvesJunctions: Bool
    @usableFromInline var junctions: JunctionPrediction

    // The state carried from sample to sample.
    @usableFromInline var vPrevious: SIMD2<Double>, pPrevious: SIMD2<Double>
    @usableFromInline var predictionError: SIMD2<Double>, inverseLastMove: Double
    /// Charge and charge current at the last accepted sample (trapezoidal: the history weight is 1);
    /// the change of the history a0·q + i_q.
    @usableFromInline var charge: SIMD2<Double>, chargeCurrent: SIMD2<Double>, historyChange: SIMD2<Double>
    /// The last Jacobian J = K·∂ĩ/∂v − I and its inverse, by columns (when `haveJacobian`).
    @usableFromInline var jacobian: (SIMD2<Double>, SIMD2<Double>), inverse: (SIMD2<Double>, SIMD2<Double>)
    @usableFromInline var haveJacobian: Bool
    /// Counters since the last store.
    @usableFromInline var steps = 0, iterations = 0, factorizations = 0, maxIterations = 0
    /// Of the last sample handed over: its evaluations, and its nearest iterate (the smallest
    /// largest residual before the last evaluation, as `newton` keeps it) with that residual.
    @usableFromInline var attempted = 0, bestNorm = Double.infinity, best = SIMD2<Double>.zero

    /// The kernel of processor `pr`, whose devices are `devices`, in the processor's present state:
    /// the state the last call held (`RegisterState`) when there is one, else its arrays.
    @inlinable @inline(__always)
    init(_ pr: Processor, _ devices: DeviceArray<Device>) {
        // The slots read in place: a slot copied whole (a device's model is most of it) cost the
        // clipper's calls four copies of about 500 bytes each.
        pair = devices.count == 2
        let s0 = devices.slots, s1 = pair ? devices.slots + 1 : devices.slots
        first = s0.pointee.device
        second = pair ? s1.pointee.device : first
        firstCharged = s0.pointee.hasCharge
        secondCharged = pair && s1.pointee.hasCharge
        let two = pr.np == 2
        let l0 = s0.pointee.linearization
        if pair {
            g0 = (SIMD2(l0[0, 0], 0), SIMD2(0, s1.pointee.linearization[0, 0]))
        } else {
            g0 = (SIMD2(l0[0, 0], two ? l0[1, 0] : 0), two ? SIMD2(l0[0, 1], l0[1, 1]) : .zero)
        }
        k = (SIMD2(pr.K[0], two ? pr.K[1] : 0), two ? SIMD2(pr.K[2], pr.K[3]) : .zero)
        a0 = pr.a0
        if Device.hasJunctionCurvatures {
            curvature = pair ? SIMD2(first.junctionCurvatures[0], second.junctionCurvatures[0])
                : SIMD2(first.junctionCurvatures[0], two ? first.junctionCurvatures[1] : 0)
        } else {
            curvature = .zero
        }
        predictsByHessian = Device.reportsSecondDerivatives && !pair && devices.recordsSecondDerivatives
        solvesJunctions = Device.hasExponentialJunction && pr.runtime.pointee.solvesJunctions
        junctions = pr.runtime.pointee.junctions
        absoluteTolerance = pr.absoluteTolerance
        relativeTolerance = pr.relativeTolerance
        if pr.runtime.pointee.registerLive {
            // The state the last call left (see `Processor.runRegisters`), as it was.
            let held = pr.runtime.pointee.registerState
            conductanceDiagonal = held.conductanceDiagonal
            conductanceCross = held.conductanceCross
            hessian = predictsByHessian ? held.hessian : PortMatrix()
            vPrevious = held.vPrevious
            pPrevious = held.pPrevious
            predictionError = held.predictionError
            inverseLastMove = held.inverseLastMove
            charge = held.charge
            chargeCurrent = held.chargeCurrent
            historyChange = held.historyChange
            jacobian = held.jacobian
            inverse = held.inverse
            haveJacobian = held.haveJacobian
            return
        }
        hessian = predictsByHessian ? devices.secondDerivatives[0] : PortMatrix()
        // G from the blocks (see `Processor.blocks`).
        conductanceDiagonal = .zero
        conductanceCross = .zero
        if Device.hasJunctionCurvatures {
            (conductanceDiagonal, conductanceCross) = Self.blockConductances(pr, devices, pair: pair, two: two)
        }
        func load(_ x: UnsafeMutablePointer<Double>) -> SIMD2<Double> { SIMD2(x[0], two ? x[1] : 0) }
        vPrevious = load(pr.vPrevious)
        pPrevious = load(pr.pPrevious)
        predictionError = load(pr.predictionError)
        historyChange = load(pr.historyChange)
        inverseLastMove = pr.runtime.pointee.inverseLastMove
        if pair {
            charge = SIMD2(s0.pointee.charge[0], s1.pointee.charge[0])
            chargeCurrent = SIMD2(s0.pointee.chargeCurrent[0], s1.pointee.chargeCurrent[0])
        } else {
            charge = SIMD2(s0.pointee.charge[0], two ? s0.pointee.charge[1] : 0)
            chargeCurrent = SIMD2(s0.pointee.chargeCurrent[0], two ? s0.pointee.chargeCurrent[1] : 0)
        }
        haveJacobian = pr.runtime.pointee.haveFactors
        jacobian = (SIMD2(-1, 0), SIMD2(0, -1))
        inverse = jacobian
        if haveJacobian {
            // J⁻¹ from the stored factors, column by column; J from J⁻¹.
            var e0 = SIMD2<Double>(1, 0), e1 = SIMD2<Double>(0, 1)
            withUnsafeMutablePointer(to: &e0) { $0.withMemoryRebound(to: Double.self, capacity: 2) {
                SmallLU.solve(pr.jacobian, pr.np, pivots: pr.pivots, $0)
            } }
            withUnsafeMutablePointer(to: &e1) { $0.withMemoryRebound(to: Double.self, capacity: 2) {
                if two { SmallLU.solve(pr.jacobian, 2, pivots: pr.pivots, $0) }
            } }
            if !two { e1 = SIMD2(0, -1) }
            inverse = (e0, e1)
            jacobian = Self.invert(inverse) ?? (SIMD2(-1, 0), SIMD2(0, -1))
        }
    }

    /// The state back into the processor (and its devices), and the counters added to its statistics.
    @inlinable @inline(__always)
    mutating func store(_ pr: Processor, _ devices: DeviceArray<Device>) {
        let two = pr.np == 2
        func save(_ value: SIMD2<Double>, _ x: UnsafeMutablePointer<Double>) {
            x[0] = value[0]
            if two { x[1] = value[1] }
        }
        save(vPrevious, pr.vPrevious)
        save(vPrevious, pr.v)
        save(pPrevious, pr.pPrevious)
        save(predictionError, pr.predictionError)
        save(historyChange, pr.historyChange)
        for c in 0..<pr.np { pr.currentPrevious[c] = pr.current[c] }
        pr.runtime.pointee.inverseLastMove = inverseLastMove
        if solvesJunctions { pr.runtime.pointee.junctions = junctions }
        let s0 = devices.slots, s1 = pair ? devices.slots + 1 : devices.slots
        if pair {
            s0.pointee.charge[0] = charge[0]; s1.pointee.charge[0] = charge[1]
            s0.pointee.chargeCurrent[0] = chargeCurrent[0]; s1.pointee.chargeCurrent[0] = chargeCurrent[1]
            s1.pointee.pendingCharge = s1.pointee.charge
        } else {
            s0.pointee.charge[0] = charge[0]
            s0.pointee.chargeCurrent[0] = chargeCurrent[0]
            if two { s0.pointee.charge[1] = charge[1]; s0.pointee.chargeCurrent[1] = chargeCurrent[1] }
        }
        s0.pointee.pendingCharge = s0.pointee.charge
        if Device.hasJunctionCurvatures {
            // G into the blocks (see `Processor.blocks`).
            let d = conductanceDiagonal, x = conductanceCross
            if pair {
                s0.pointee.setConductance(0, 0, d[0], blocks: pr.blocks, chargeBlocks: pr.chargeBlocks)
                s1.pointee.setConductance(0, 0, d[1], blocks: pr.blocks, chargeBlocks: pr.chargeBlocks)
            } else {
                s0.pointee.setConductance(0, 0, d[0], blocks: pr.blocks, chargeBlocks: pr.chargeBlocks)
                if two {
                    s0.pointee.setConductance(1, 1, d[1], blocks: pr.blocks, chargeBlocks: pr.chargeBlocks)
                    s0.pointee.setConductance(0, 1, x[0], blocks: pr.blocks, chargeBlocks: pr.chargeBlocks)
                    s0.pointee.setConductance(1, 0, x[1], blocks: pr.blocks, chargeBlocks: pr.chargeBlocks)
                }
            }
        }
        if Device.reportsSecondDerivatives && predictsByHessian { devices.secondDerivatives[0] = hessian }
        pr.runtime.pointee.haveFactors = haveJacobian
        if haveJacobian {
            let n = pr.np
            pr.jacobian[0] = jacobian.0[0]
            if two { pr.jacobian[1] = jacobian.0[1]; pr.jacobian[2] = jacobian.1[0]; pr.jacobian[3] = jacobian.1[1] }
            if !SmallLU.factor(pr.jacobian, n, pivots: pr.pivots) { pr.runtime.pointee.haveFactors = false }
        }
        addCounters(pr)
    }

    /// The state left in the processor's runtime for its next call (see `RegisterState`), and the
    /// counters added to its statistics.
    @inlinable @inline(__always)
    mutating func hold(_ pr: Processor) {
        addCounters(pr)
        if solvesJunctions { pr.runtime.pointee.junctions = junctions }
        var held = RegisterState()
        held.conductanceDiagonal = conductanceDiagonal
        held.conductanceCross = conductanceCross
        if predictsByHessian { held.hessian = hessian }
        held.vPrevious = vPrevious
        held.pPrevious = pPrevious
        held.predictionError = predictionError
        held.inverseLastMove = inverseLastMove
        held.charge = charge
        held.chargeCurrent = chargeCurrent
        held.historyChange = historyChange
        held.jacobian = jacobian
        held.inverse = inverse
        held.haveJacobian = haveJacobian
        pr.runtime.pointee.registerState = held
        pr.runtime.pointee.registerLive = true
    }

    /// The counters since the last call into the processor's statistics.
    @inlinable @inline(__always)
    mutating func addCounters(_ pr: Processor) {
        pr.runtime.pointee.counters.steps &+= steps
        pr.runtime.pointee.counters.iterations &+= iterations
        pr.runtime.pointee.counters.factorizations &+= factorizations
        if maxIterations > pr.runtime.pointee.counters.maxIterations { pr.runtime.pointee.counters.maxIterations = maxIterations }
        steps = 0; iterations = 0; factorizations = 0; maxIterations = 0
    }

    /// The devices' conductances ∂i/∂v as the processor's blocks hold them (see `Processor.blocks`):
    /// the diagonal (G₀₀, G₁₁) and the cross terms (G₀₁, G₁₀); zero where there is no such port.
    @inlinable @inline(__always)
    static func blockConductances(_ pr: Processor, _ devices: DeviceArray<Device>, pair: Bool, two: Bool)
        -> (SIMD2<Double>, SIMD2<Double>) {
        let s0 = devices.slots, s1 = pair ? devices.slots + 1 : devices.slots
        func g(_ slot: UnsafeMutablePointer<DeviceSlot<Device>>, _ r: Int, _ c: Int) -> Double {
            slot.pointee.conductance(r, c, blocks: pr.blocks, chargeBlocks: pr.chargeBlocks, a0: pr.a0)
        }
        if pair { return (SIMD2(g(s0, 0, 0), g(s1, 0, 0)), .zero) }
        if two { return (SIMD2(g(s0, 0, 0), g(s0, 1, 1)), SIMD2(g(s0, 0, 1), g(s0, 1, 0))) }
        return (SIMD2(g(s0, 0, 0), 0), .zero)
    }

    /// The inverse of a 2×2 matrix given by columns; nil when singular.
    @inlinable @inline(__always)
    static func invert(_ m: (SIMD2<Double>, SIMD2<Double>)) -> (SIMD2<Double>, SIMD2<Double>)? {
        let det = m.0[0] * m.1[1] - m.1[0] * m.0[1]
        guard det != 0, det.isFinite else { return nil }
        let r = 1 / det
        return (SIMD2(m.1[1], -m.0[1]) * r, SIMD2(-m.1[0], m.0[0]) * r)
    }

    /// |x| by lanes.
    @inlinable @inline(__always)
    static func magnitude(_ x: SIMD2<Double>) -> SIMD2<Double> { x.replacing(with: -x, where: x .< 0) }

    /// Port currents, conductances ∂i/∂v, charges and capacitances ∂q/∂v at `v` (matrices by columns).
    @inlinable @inline(__always)
    func evaluate(_ v: SIMD2<Double>, secondDerivatives h: inout PortMatrix) -> (i: SIMD2<Double>, g: (SIMD2<Double>, SIMD2<Double>), q: SIMD2<Double>,
                                                                  c: (SIMD2<Double>, SIMD2<Double>)) {
        if pair {
            let e0 = first.evaluate(PortVector(v[0], 0, 0, 0), withCharges: firstCharged)
            let e1 = second.evaluate(PortVector(v[1], 0, 0, 0), withCharges: secondCharged)
            return (SIMD2(e0.currents.current[0], e1.currents.current[0]),
                    (SIMD2(e0.currents.conductance[0, 0], 0), SIMD2(0, e1.currents.conductance[0, 0])),
                    SIMD2(e0.charges.charge[0], e1.charges.charge[0]),
                    (SIMD2(e0.charges.capacitance[0, 0], 0), SIMD2(0, e1.charges.capacitance[0, 0])))
        }
        let e = Device.reportsSecondDerivatives ? evaluateRecording(PortVector(v[0], v[1], 0, 0), &h)
            : first.evaluate(PortVector(v[0], v[1], 0, 0), withCharges: firstCharged)
        let g = e.currents.conductance, c = e.charges.capacitance
        return (SIMD2(e.currents.current[0], e.currents.current[1]),
                (SIMD2(g[0, 0], g[1, 0]), SIMD2(g[0, 1], g[1, 1])),
                SIMD2(e.charges.charge[0], e.charges.charge[1]),
                (SIMD2(c[0, 0], c[1, 0]), SIMD2(c[0, 1], c[1, 1])))
    }

    /// The device's evaluation, its second derivatives into `h`.
    @inlinable @inline(__always)
    func evaluateRecording(_ v: PortVector, _ h: inout PortMatrix) -> PortEvaluation {
        let (e, derivatives) = first.evaluateWithSecondDerivatives(v, withCharges: firstCharged)
        h = derivatives
        return e
    }

    /// The devices' Newton-step limiting from `old` to `new`; whether it changed the step.
    @inlinable @inline(__always)
    func limit(_ new: SIMD2<Double>, old: SIMD2<Double>) -> (SIMD2<Double>, Bool) {
        if pair {
            let (a, changedA) = first.limit(PortVector(new[0], 0, 0, 0), old: PortVector(old[0], 0, 0, 0))
            let (b, changedB) = second.limit(PortVector(new[1], 0, 0, 0), old: PortVector(old[1], 0, 0, 0))
            return (SIMD2(changedA ? a[0] : new[0], changedB ? b[0] : new[1]), changedA || changedB)
        }
        let (a, changed) = first.limit(PortVector(new[0], new[1], 0, 0), old: PortVector(old[0], old[1], 0, 0))
        return (changed ? SIMD2(a[0], a[1]) : new, changed)
    }

    /// One sample with port drive `p`: solves the port equations and returns ĩ, or nil when the
    /// sample needs `step`'s fallbacks (the state is then unchanged).
    @inlinable @inline(__always)
    mutating func solve(_ p: SIMD2<Double>, maxIterations limitCount: Int) -> SIMD2<Double>? {
        let history = a0 * charge + chargeCurrent
        // Prediction (see `step`): v = v_prev − J⁻¹·(Δp − K·Δh), the second-order term (of the
        // junctions, or of the recorded second derivatives), and the extrapolated error.
        var v = vPrevious
        var move = 0.0
        var tangent = predictionError
        if haveJacobian {
            let dp: SIMD2<Double> = p - pPrevious
            let kdh: SIMD2<Double> = k.0 * historyChange[0] + k.1 * historyChange[1]
            let d = dp - kdh
            move = (d * d).sum()
            let solution: SIMD2<Double> = inverse.0 * d[0] + inverse.1 * d[1]
            tangent = vPrevious - solution
            var scale = inverseLastMove > 0 ? min(move * inverseLastMove, predictionScaleLimit) : 0
            if Device.hasJunctionCurvatures || (Device.reportsSecondDerivatives && predictsByHessian) {
                // The second-order term of the solution's move, −J⁻¹·K·r with r = ½·Δᵀ·H·Δ from the
                // second derivatives of the latest evaluation, or for a junction rⱼ = ½·Σₖ Gⱼₖ·κₖ·Δₖ²
                // (∂²i/∂vₖ² ≈ κₖ·∂i/∂vₖ); dropped where it is no correction (`secondOrderTermHolds`).
                var r = SIMD2<Double>.zero
                if Device.reportsSecondDerivatives && predictsByHessian {
                    r = SIMD2(secondOrderRemainder(hessian, port: 0, solution[0], solution[1]),
                              secondOrderRemainder(hessian, port: 1, solution[0], solution[1]))
                }
                if Device.hasJunctionCurvatures {
                    let w: SIMD2<Double> = 0.5 * curvature * solution * solution
                    r = conductanceDiagonal * w + conductanceCross * SIMD2(w[1], w[0])
                }
                let kr: SIMD2<Double> = k.0 * r[0] + k.1 * r[1]
                let second: SIMD2<Double> = inverse.0 * kr[0] + inverse.1 * kr[1]
                if all(Self.magnitude(second) .<= 0.5 * Self.magnitude(solution)) {
                    tangent -= second
                    // The error left is of third order (see `step`).
                    scale *= thirdOrderFactor(scale)
                }
            }
            let (inverse, k) = (inverse, k)  // copies for the closure (a mutating method's self cannot be captured)
            if solvesJunctions, let solved = junctions.predict(tangent, from: vPrevious, k0: k.0, k1: k.1, m: {
                (inverse.0 * k.0[0] + inverse.1 * k.0[1], inverse.0 * k.1[0] + inverse.1 * k.1[1])
            }) {
                // The tangent's error is learned all the same, for the samples the tangent predicts.
                v = solved
            } else {
                v = tangent + scale * predictionError
            }
            let (limited, changed) = limit(v, old: vPrevious)
            if changed { v = limited; move = 0 }
        }
        // Newton, as `newton` does it from the prediction (undamped).
        var count = 0
        var settled = false, fresh = false
        var jacobian = self.jacobian, inverse = self.inverse, haveJacobian = self.haveJacobian
        var factorizations = 0
        var derivatives = PortMatrix()
        bestNorm = .infinity
        while true {
            let e = evaluate(v, secondDerivatives: &derivatives)
            count &+= 1
            let gt0: SIMD2<Double> = e.g.0 + a0 * e.c.0 - g0.0
            let gt1: SIMD2<Double> = e.g.1 + a0 * e.c.1 - g0.1
            let linear: SIMD2<Double> = g0.0 * v[0] + g0.1 * v[1]
            var current: SIMD2<Double> = e.i + a0 * e.q - history
            current -= linear
            let kc: SIMD2<Double> = k.0 * current[0] + k.1 * current[1]
            let residual: SIMD2<Double> = p + kc - v
            let tolerance: SIMD2<Double> = absoluteTolerance + relativeTolerance * Self.magnitude(v)
            let size = Self.magnitude(residual)
            let excess = size - tolerance
            // (A NaN excess fails every comparison: not converged.)
            if all(excess .<= 0) || settled {
                if Device.reportsSecondDerivatives { hessian = derivatives }
                if solvesJunctions { junctions.solved(SIMD2(e.g.0[0], e.g.1[1])) }
                return finish(p, v, current, e.q, e.g, move, tangent, count, jacobian, inverse, haveJacobian, factorizations)
            }
            // At the limit `newton` fails and continuation takes over: `step`'s.
            guard excess[0].isFinite && excess[1].isFinite, count < limitCount else { return handOver(count, factorizations) }
            // The nearest iterate so far, as `newton` keeps it (kept in the kernel, not in registers).
            let norm = max(size[0], size[1])
            if norm < bestNorm { bestNorm = norm; best = v }
            // J = K·∂ĩ/∂v − I, column by column.
            let j0: SIMD2<Double> = k.0 * gt0[0] + k.1 * gt0[1] - SIMD2(1, 0)
            let j1: SIMD2<Double> = k.0 * gt1[0] + k.1 * gt1[1] - SIMD2(0, 1)
            factorizations &+= 1
            guard let inv = Self.invert((j0, j1)) else { return handOver(count, factorizations) }
            jacobian = (j0, j1)
            inverse = inv
            haveJacobian = true
            if solvesJunctions { junctions.tookJacobian(SIMD2(e.g.0[0], e.g.1[1]), total: SIMD2(gt0[0], gt1[1])) }
            fresh = true
            let step: SIMD2<Double> = inv.0 * residual[0] + inv.1 * residual[1]
            let squared: SIMD2<Double> = step * step
            let bound: SIMD2<Double> = tolerance * firstOrderStepBound
            if all(squared .<= bound) || (Device.reportsSecondDerivatives && !pair && !firstCharged
                && Self.curvatureAllows(derivatives, step: step, inverse: inv, k: k, tolerance: tolerance))
                || (Device.hasCurvatureScales && !pair && Self.scalesAllow(first.curvatureScales(PortVector(v[0], v[1], 0, 0)), squared, tolerance)) {
                // First-order acceptance (see `newton`).
                let dq: SIMD2<Double> = e.c.0 * step[0] + e.c.1 * step[1]
                let di: SIMD2<Double> = gt0 * step[0] + gt1 * step[1]
                if Device.reportsSecondDerivatives { hessian = derivatives }
                if solvesJunctions { junctions.solvedFirstOrder(step: step) }
                return finish(p, v - step, current - di, e.q - dq, e.g, move, tangent, count, jacobian, inverse, haveJacobian, factorizations)
            }
            let (trial, _) = limit(v - step, old: v)
            let moved = Self.magnitude(trial - v)
            settled = fresh && all(moved .<= tolerance)
            v = trial
        }
    }

    /// A sample handed to `step` after `count` evaluations and `factorizations` factorizations, its
    /// nearest iterate in `best` (the state is left as it was); nil. `step` counts the evaluations.
    @inlinable @inline(__always)
    mutating func handOver(_ count: Int, _ factorizations: Int) -> SIMD2<Double>? {
        self.factorizations &+= factorizations
        attempted = count
        return nil
    }

    /// Whether the Newton step `step` (v moves by −step) may be taken to first order by the
    /// device's reported second derivatives: `Processor.curvatureAllows` for one device.
    @inlinable @inline(__always)
    static func curvatureAllows(_ h: PortMatrix, step: SIMD2<Double>, inverse: (SIMD2<Double>, SIMD2<Double>),
                                k: (SIMD2<Double>, SIMD2<Double>), tolerance: SIMD2<Double>) -> Bool {
        let r = SIMD2(secondOrderRemainder(h, port: 0, step[0], step[1]), secondOrderRemainder(h, port: 1, step[0], step[1]))
        // J⁻¹·K·r.
        let kr: SIMD2<Double> = k.0 * r[0] + k.1 * r[1]
        let next: SIMD2<Double> = inverse.0 * kr[0] + inverse.1 * kr[1]
        return all(magnitude(next) .<= 0.5 * tolerance)
    }

    /// Whether squared steps `squared` meet the ports' curvature scales `scale` (the junction bound
    /// where a scale is below it): `Processor.curvatureScalesAllow` for one device.
    @inlinable @inline(__always)
    static func scalesAllow(_ scale: PortVector, _ squared: SIMD2<Double>, _ tolerance: SIMD2<Double>) -> Bool {
        let floor = firstOrderStepBound / 2
        let sigma = SIMD2(max(scale[0], floor), max(scale[1], floor))
        return all(squared .<= 2 * sigma * tolerance)
    }

    /// Commits a converged sample: port voltages `v`, device currents ĩ `current`, charges `q`.
    @inlinable @inline(__always)
    mutating func finish(_ p: SIMD2<Double>, _ v: SIMD2<Double>, _ current: SIMD2<Double>, _ q: SIMD2<Double>,
                         _ g: (SIMD2<Double>, SIMD2<Double>), _ move: Double,
                         _ tangent: SIMD2<Double>, _ count: Int, _ jacobian: (SIMD2<Double>, SIMD2<Double>),
                         _ inverse: (SIMD2<Double>, SIMD2<Double>), _ haveJacobian: Bool, _ factorizations: Int) -> SIMD2<Double> {
        self.jacobian = jacobian
        self.inverse = inverse
        self.haveJacobian = haveJacobian
        if Device.hasJunctionCurvatures {
            conductanceDiagonal = SIMD2(g.0[0], g.1[1])
            conductanceCross = SIMD2(g.1[0], g.0[1])
        }
        self.factorizations &+= factorizations
        steps &+= 1
        iterations &+= count
        if count > maxIterations { maxIterations = count }
        if move > 0 && count <= smoothStepIterations {
            predictionError = v - tangent
            inverseLastMove = inverseMove(move)
        } else {
            predictionError = tangent
            inverseLastMove = 0
        }
        (chargeCurrent, historyChange) = chargeHistoryStep(charge: q, previous: charge, current: chargeCurrent, a0: a0, weight: 1)
        charge = q
        pPrevious = p
        vPrevious = v
        return current
    }
}

/// The register kernel as a frame's circuit step, with `Processor.step` as its fallback.
@usableFromInline
struct RegisterStepper<Device: PortDevice>: CircuitStepper {
    /// The processor's devices (the fallback's state lives in their slots).
    @usableFromInline let devices: DeviceArray<Device>
    /// The kernel, loaded from the processor at the start of the run.
    @usableFromInline var kernel: RegisterKernel<Device>
    /// A first-order circuit with one output (one state, such as the clipper's RC): its state is
    /// carried here from step to step, so that the next p does not wait on the store and reload of
    /// the last update (the processor's copy is written too, for the fallbacks).
    @usableFromInline let firstOrder: Bool
    /// That state (for a first-order circuit).
    @usableFromInline var state: Double

    /// The stepper of `processor` in its present state.
    @inlinable @inline(__always)
    init(_ processor: Processor, _ devices: DeviceArray<Device>) {
        self.devices = devices
        kernel = RegisterKernel(processor, devices)
        firstOrder = processor.ns == 1 && processor.no == 1
        state = firstOrder ? processor.s[0] : 0
    }

    /// A row's product with the inputs u: `dot`, written out for the usual two (one input and the
    /// constant one), to the same sum. The loop's setup and its sum of empty partial sums stood on
    /// the path from one sample's state to the next: the clipper took 75 instructions per sample
    /// more (1143 against 1068 at 0.1 V).
    @inlinable @inline(__always)
    static func inputDot(_ a: UnsafePointer<Double>, _ u: UnsafePointer<Double>, _ count: Int) -> Double {
        count == 2 ? a[0] * u[0] + a[1] * u[1] : dot(a, u, count)
    }

    /// One step: p from the state and inputs, the port equations solved in registers (or by
    /// `Processor.step` when they need its fallbacks), then the outputs and the state update.
    @inlinable @inline(__always)
    mutating func step(_ y: UnsafeMutablePointer<Double>, _ pr: Processor) {
        let two = pr.np == 2
        // p = G·s + H·u.
        let stride = pr.stateStride
        let p: SIMD2<Double>
        if firstOrder {
            let s0 = state, inputs = stride &- 1
            p = SIMD2(pr.GH[0] * s0 + Self.inputDot(pr.GH + 1, pr.u, inputs),
                      two ? pr.GH[stride] * s0 + Self.inputDot(pr.GH + (stride &+ 1), pr.u, inputs) : 0)
        } else {
            p = SIMD2(dot(pr.GH, pr.x, stride), two ? dot(pr.GH + stride, pr.x, stride) : 0)
        }
        guard let result = kernel.solve(p, maxIterations: min(pr.maxIterations, attemptIterations)) else {
            // The hard way, from the same starting point, after the same failed attempt.
            kernel.store(pr, devices)
            pr.vBest[0] = kernel.best[0]
            if two { pr.vBest[1] = kernel.best[1] }
            // Newton resumes from the nearest iterate (not the last: one more field in this
            // kernel cost the 2N3904 stage 12 instructions per sample, 0.5 %, in how the compiler
            // laid out the rest).
            pr.vResume[0] = kernel.best[0]
            if two { pr.vResume[1] = kernel.best[1] }
            pr.runtime.pointee.bestNorm = kernel.bestNorm
            if two { pr.step(TwoPorts.self, y, handedOver: kernel.attempted) } else { pr.step(OnePort.self, y, handedOver: kernel.attempted) }
            kernel = RegisterKernel(pr, devices)
            if firstOrder { state = pr.s[0] }
            return
        }
        pr.current[0] = result[0]
        if two { pr.current[1] = result[1] }
        if firstOrder {
            // `updateStateAndOutputs`'s two rows, with s and ĩ from registers.
            let s0 = state, width = pr.portStride, inputs = pr.nu
            let rows = pr.ABCDEF, ports = 1 &+ inputs
            var next = rows[0] * s0 + Self.inputDot(rows + 1, pr.u, inputs) + rows[ports] * result[0]
            var output = rows[width] * s0 + Self.inputDot(rows + (width &+ 1), pr.u, inputs) + rows[width &+ ports] * result[0]
            if two {
                next += rows[ports &+ 1] * result[1]
                output += rows[width &+ ports &+ 1] * result[1]
            }
            state = pr.commitFirstOrder(next: next, output: output, y)
        } else {
            pr.updateStateAndOutputs(y)
        }
        pr.runtime.pointee.consecutiveFailures = 0
    }
}

extension Processor {
    /// Runs `frames` frames through the register kernel of `devices` (see `RegisterKernel`).
    ///
    /// The kernel's state outlives the call: it is left in `Runtime.registerState`, ahead of the
    /// processor's arrays, and the next call takes it up as it was, so that a call costs no store
    /// and load of that state through the arrays (with them, one frame per call took the diode
    /// clipper 2392 instructions a frame against 1082 in blocks of 256; without, 1890). Whatever
    /// else reads or changes those arrays — a control's glide, a switch to the general kernel —
    /// first stores it there (`flushRegisters`); `restart` drops it.
    @inlinable
    func runRegisters<Device: PortDevice>(_ devices: DeviceArray<Device>, _ input: UnsafePointer<Double>,
                                          _ output: UnsafeMutablePointer<Double>, _ frames: Int) {
        var stepper = RegisterStepper(self, devices)
        // From here the kernel is ahead of the arrays (it stores into them before any fallback).
        runtime.pointee.registerLive = false
        for f in 0..<frames { frame(input + f &* inputChannels, output + f &* no, &stepper) }
        stepper.kernel.hold(self)
    }

    /// The register kernel's state, held since the last `process` call (see `runRegisters`),
    /// stored into the processor's arrays and devices, before anything else reads or changes them.
    /// Nothing when none is held.
    @usableFromInline
    func flushRegisters() {
        guard runtime.pointee.registerLive else { return }
        func flush<Device: PortDevice>(_ devices: DeviceArray<Device>) {
            var kernel = RegisterKernel(self, devices)
            runtime.pointee.registerLive = false
            kernel.store(self, devices)
        }
        switch registerDevices {
        case .diodes: flush(devices.diodes)
        case .bjts: flush(devices.bjts)
        case .jfets: flush(devices.jfets)
        case .korenTriodes: flush(devices.korenTriodes)
        case .dzTriodes: flush(devices.dzTriodes)
        case .capacitances: flush(devices.capacitances)
        case .none: runtime.pointee.registerLive = false
        }
    }
}

extension Processor {
    /// The device array the register kernel can run the circuit with: one subsystem of one or two
    /// ports, all devices of one type — two one-port devices on ports 0 and 1, or one device
    /// spanning all ports.
    func eligibleRegisterDevices() -> RegisterDevices {
        // The register kernel integrates charges by the trapezoidal rule alone (its history weight
        // a constant 1): under `xmu` or backward Euler the general kernel runs.
        guard subsystemCount == 1, np == 1 || np == 2, historyWeight == 1 else { return .none }
        func fits<D: PortDevice>(_ a: DeviceArray<D>) -> Bool {
            if a.count == 1 { return a.slots[0].offset == 0 && a.slots[0].ports == np }
            return a.count == 2 && np == 2 && a.slots[0].ports == 1 && a.slots[1].ports == 1
                && a.slots[0].offset == 0 && a.slots[1].offset == 1
        }
        let d = devices
        let counts = [d.diodes.count, d.bjts.count, d.jfets.count, d.mosfets.count, d.vdmos.count, d.quasiSaturation.count, d.korenTriodes.count,
                      d.dzTriodes.count, d.pentodes.count, d.capacitances.count, d.behavioral.count, d.switches.count]
        guard counts.filter({ $0 > 0 }).count == 1 else { return .none }
        if fits(d.diodes) { return .diodes }
        if fits(d.bjts) { return .bjts }
        if fits(d.jfets) { return .jfets }
        if fits(d.korenTriodes) { return .korenTriodes }
        if fits(d.dzTriodes) { return .dzTriodes }
        if fits(d.capacitances) { return .capacitances }
        return .none
    }

    /// `frames` frames through the register kernel of the circuit's devices.
    @inlinable @inline(never)
    func runRegisters(_ input: UnsafePointer<Double>, _ output: UnsafeMutablePointer<Double>, _ frames: Int) {
        switch registerDevices {
        case .diodes: runRegisters(devices.diodes, input, output, frames)
        case .bjts: runRegisters(devices.bjts, input, output, frames)
        case .jfets: runRegisters(devices.jfets, input, output, frames)
        case .korenTriodes: runRegisters(devices.korenTriodes, input, output, frames)
        case .dzTriodes: runRegisters(devices.dzTriodes, input, output, frames)
        case .capacitances: runRegisters(devices.capacitances, input, output, frames)
        case .none: break
        }
    }
}
