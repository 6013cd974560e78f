/// The port count of a per-sample kernel, known at compile time so that a small circuit's kernel is
/// specialized with its loops unrolled; `AnyPorts` reads the sizes at run time and handles
/// independent subsystems.
@usableFromInline protocol KernelShape {
    /// The number of ports, or 0 for any.
    static var ports: Int { get }
}
@usableFromInline enum AnyPorts: KernelShape { @inlinable static var ports: Int { 0 } }
@usableFromInline enum OnePort: KernelShape { @inlinable static var ports: Int { 1 } }
@usableFromInline enum TwoPorts: KernelShape { @inlinable static var ports: Int { 2 } }
@usableFromInline enum ThreePorts: KernelShape { @inlinable static var ports: Int { 3 } }
@usableFromInline enum FourPorts: KernelShape { @inlinable static var ports: Int { 4 } }

/// Σ a[k]·b[k] for k < count, in four independent partial sums so that long products are not
/// one chain of dependent additions.
@inlinable @inline(__always)
func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ count: Int) -> Double {
    var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
    var k = 0
    while k &+ 4 <= count {
        s0 += a[k] * b[k]
        s1 += a[k &+ 1] * b[k &+ 1]
        s2 += a[k &+ 2] * b[k &+ 2]
        s3 += a[k &+ 3] * b[k &+ 3]
        k &+= 4
    }
    while k < count {
        s0 += a[k] * b[k]
        k &+= 1
    }
    return (s0 + s1) + (s2 + s3)
}

/// Magnitudes below this are flushed to zero. A decaying state would end in subnormal numbers, whose
/// arithmetic is many times slower: anything below 1e-200 (of volts, amperes, coulombs or their
/// companions) is zero for any circuit.
@inlinable @inline(__always)
var flushLimit: Double { 1e-200 }

/// `value`, or 0 below `flushLimit`.
@inlinable @inline(__always)
func flushed(_ value: Double) -> Double { abs(value) < flushLimit ? 0 : value }

/// The charge history moving on by one accepted step. `current` holds w·i_q,prev, the last charge
/// current times the history weight w (1 for the trapezoidal rule, see
/// `SimulationOptions.companion`); returned are w·i_q of the new charge current
/// i_q = a0·(q − q_prev) − w·i_q,prev (flushed like the state) and the change of the history
/// h = a0·q + w·i_q that the next prediction follows.
@inlinable @inline(__always)
func chargeHistoryStep<V: SIMD>(charge q: V, previous: V, current: V, a0: Double, weight: Double) -> (current: V, historyChange: V)
where V.Scalar == Double {
    let moved = a0 * (q - previous)
    var next = weight * (moved - current)
    let magnitude = next.replacing(with: -next, where: next .< 0)
    next.replace(with: 0, where: magnitude .< flushLimit)
    return (next, moved + (next - current))
}

/// Newton steps δ with δ² ≤ this × tolerance are taken to first order without evaluating again:
/// for the most curved law, a junction's exponential, such a step leaves an error of
/// δ²·f''/(2·f') = δ²/(2·N·Vt), within tolerance for N ≥ 1 (2·Vt = 0.0517 V at 27 °C).
@inlinable @inline(__always)
var firstOrderStepBound: Double { 0.05 }

/// The most evaluations a step may have taken for its prediction error to be extrapolated into
/// the next prediction (see `step`). A step that needed more crossed a change of regime — a tube
/// cutting off, a junction turning on, an output transformer's flyback — and its error is no smooth
/// second-order term: carried into the next step (scaled by up to 4 then), it sent that step's
/// prediction off too. With the error dropped after such steps the tube amplifier driven with
/// 0.5 V needs 3.81 instead of 4.31 evaluations per sample (1x), 6.08 instead of 6.42 (2x).
@inlinable @inline(__always)
var smoothStepIterations: Int { 3 }

/// The largest factor by which the last step's prediction error is scaled into the next
/// prediction (by the ratio of the squared moves of the drive, see `step`). A move more than √2
/// times the last one is rarely the same curve continued; capped at 2 instead of 4, the tube
/// amplifier at 0.5 V takes 3.76 instead of 3.81 evaluations per sample, the 2N3904 stage at
/// 0.2 V 2.05 instead of 2.07, the clipper at 3 V 1.76 instead of 1.82 (1 caps too hard: the
/// clipper at 1 V 1.58 instead of 1.50).
@inlinable @inline(__always)
var predictionScaleLimit: Double { 2 }

/// The factor that takes the ratio s of the squared moves (capped at `predictionScaleLimit`) to
/// the ratio of the moves cubed, s^1.5, for an error of third order: s·(1 + s)/2, equal to it at 0
/// and 1, 3 against 2.83 at the cap. A square root here lay in the prediction's chain of dependent
/// operations; the evaluation counts are the same to the last digit either way.
@inlinable @inline(__always)
func thirdOrderFactor(_ s: Double) -> Double { 0.5 + 0.5 * s }

/// Evaluations Newton gets from the prediction before the step is walked there by continuation
/// (at most the configuration's `maxIterations`). A step that needs more is nearly always cycling:
/// on the tube amplifier driven hard, steps of 17 to 50 evaluations came down to continuation's
/// 20 to 40, and the worst step from 83 to 13 evaluations.
@inlinable @inline(__always)
var attemptIterations: Int { 16 }

/// In a damped Newton (continuation's), the iterations after which a step that does not reduce
/// the residual is halved.
@inlinable @inline(__always)
var undampedIterations: Int { 4 }

/// 1/move for the predictor's scale, 0 where it would not be finite (a move of subnormal size).
@inlinable @inline(__always)
func inverseMove(_ move: Double) -> Double {
    let inverse = 1 / move
    return inverse.isFinite ? inverse : 0
}

extension Processor {
    /// p = G·s + H·u.
    @inlinable @inline(__always)
    func computeP() {
        for r in 0..<np { p[r] = dot(GH + r &* stateStride, x, stateStride) }
    }

    /// Each subsystem's J = K·∂ĩ/∂v − I (its ports only, column-major), from K and the devices' blocks.
    /// Column c of J is the combination of K's columns by column c of ∂ĩ/∂v, which is nonzero only
    /// within the block of the device that owns port c.
    @inlinable @inline(__always)
    func assembleJacobian<Shape: KernelShape>(_: Shape.Type) {
        if Shape.ports != 0 {
            // `blocks` is the dense block-diagonal ∂ĩ/∂v (row-major).
            let n = Shape.ports
            for c in 0..<n {
                let jc = jacobian + c &* n
                for r in 0..<n { jc[r] = r == c ? -1 : 0 }
                for q in 0..<n {
                    let g = blocks[q &* n &+ c]
                    let kq = K + q &* n
                    for r in 0..<n { jc[r] += kq[r] * g }
                }
            }
            return
        }
        for b in 0..<blockCount {
            let (o, m, storage) = blockList[b]
            let (start, size, _) = subsystems[subsystemOfPort[o]]
            let blk = blocks + storage
            for c in 0..<m {
                let jc = jacobian + jacobianColumn[o &+ c]
                let g0 = blk[c], k0 = KJ + (o &* np &+ start)
                if m == 2 || m == 3 {
                    // The device's two or three columns of K combined in one pass, in SIMD2 lanes
                    // (the same sums in the same order as below).
                    let g1 = blk[m &+ c], k1 = k0 + np
                    let g2 = m == 3 ? blk[2 &* m &+ c] : 0, k2 = k1 + np
                    var r = 0
                    while r &+ 1 < size {
                        var x = UnsafeRawPointer(k0 + r).loadUnaligned(as: SIMD2<Double>.self) * g0
                        x += UnsafeRawPointer(k1 + r).loadUnaligned(as: SIMD2<Double>.self) * g1
                        if m == 3 { x += UnsafeRawPointer(k2 + r).loadUnaligned(as: SIMD2<Double>.self) * g2 }
                        UnsafeMutableRawPointer(jc + r).storeBytes(of: x, as: SIMD2<Double>.self)
                        r &+= 2
                    }
                    if r < size {
                        var x = k0[r] * g0 + k1[r] * g1
                        if m == 3 { x += k2[r] * g2 }
                        jc[r] = x
                    }
                } else {
                    // The first product initializes the column (no separate zeroing pass).
                    for r in 0..<size { jc[r] = k0[r] * g0 }
                    var q = 1
                    while q < m {
                        let g = blk[q &* m &+ c]
                        let kq = KJ + ((o &+ q) &* np &+ start)
                        for r in 0..<size { jc[r] += kq[r] * g }
                        q &+= 1
                    }
                }
                jc[jacobianRow[o &+ c]] -= 1
            }
        }
    }

    /// Factors every subsystem's Jacobian; false if one is singular.
    @inlinable @inline(__always)
    func factorJacobian<Shape: KernelShape>(_: Shape.Type) -> Bool {
        if Shape.ports != 0 { return SmallLU.factor(jacobian, Shape.ports, pivots: pivots) }
        for k in 0..<subsystemCount {
            let (start, size, js) = subsystems[k]
            let c = condensation[k]
            if c.internalCount > 0 {
                if !factorCondensed(jacobian + js, size, c, pivots: pivots + start) { return false }
            } else if !SmallLU.factor(jacobian + js, size, pivots: pivots + start) {
                return false
            }
        }
        return true
    }

    /// Solves J·x = b in place for every subsystem.
    @inlinable @inline(__always)
    func solveJacobian<Shape: KernelShape>(_: Shape.Type, _ b: UnsafeMutablePointer<Double>) {
        if Shape.ports != 0 { return SmallLU.solve(jacobian, Shape.ports, pivots: pivots, b) }
        for k in 0..<subsystemCount {
            let (start, size, js) = subsystems[k]
            let c = condensation[k]
            if c.internalCount > 0 {
                solveCondensed(jacobian + js, size, c, ports: start, pivots: pivots + start, b + start)
            } else {
                SmallLU.solve(jacobian + js, size, pivots: pivots + start, b + start)
            }
        }
    }

    /// b += sign·K·x (K couples only the ports of one subsystem).
    @inlinable @inline(__always)
    func accumulateK<Shape: KernelShape>(_: Shape.Type, _ sign: Double, times x: UnsafePointer<Double>, into b: UnsafeMutablePointer<Double>) {
        let n = Shape.ports != 0 ? Shape.ports : np
        if Shape.ports != 0 {
            for c in 0..<n {
                let xc = sign * x[c], kc = K + c &* n
                for r in 0..<n { b[r] += kc[r] * xc }
            }
            return
        }
        for k in 0..<subsystemCount {
            let (start, size, _) = subsystems[k]
            let f = b + start
            var c = start
            // Two columns per pass over b, in SIMD2 lanes (the same sums in the same order).
            while c &+ 1 < start &+ size {
                let x0 = sign * x[c], x1 = sign * x[c &+ 1]
                let k0 = K + (c &* n &+ start), k1 = k0 + n
                var r = 0
                while r &+ 1 < size {
                    var y = UnsafeRawPointer(f + r).loadUnaligned(as: SIMD2<Double>.self)
                    y += UnsafeRawPointer(k0 + r).loadUnaligned(as: SIMD2<Double>.self) * x0
                    y += UnsafeRawPointer(k1 + r).loadUnaligned(as: SIMD2<Double>.self) * x1
                    UnsafeMutableRawPointer(f + r).storeBytes(of: y, as: SIMD2<Double>.self)
                    r &+= 2
                }
                if r < size { f[r] = (f[r] + k0[r] * x0) + k1[r] * x1 }
                c &+= 2
            }
            if c < start &+ size {
                let xc = sign * x[c], kc = K + (c &* n &+ start)
                for r in 0..<size { f[r] += kc[r] * xc }
            }
        }
    }

    /// [s'; y] = [A B C; D E F]·[s; u; ĩ]: the outputs into `y`, the state moved on.
    @inlinable @inline(__always)
    func updateStateAndOutputs(_ y: UnsafeMutablePointer<Double>) {
        let width = portStride
        if ns == 1 && no == 1 {
            // A first-order circuit with one output (an RC clipper): two rows, no loops, the new
            // state in a register until both rows have read the old one (12 % of the clipper's
            // time; the same for up to four states through a vector was slower).
            commitFirstOrder(next: dot(ABCDEF, x, width), output: dot(ABCDEF + width, x, width), y)
            return
        }
        // Σ_c column_c·x_c, two rows at a time, the even and odd columns in separate sums so that
        // no chain of dependent additions is longer than half the width.
        let rows = updateRows
        var r = 0
        while r < rows {
            var even = SIMD2<Double>(), odd = SIMD2<Double>()
            var column = updateColumns + r
            var c = 0
            while c &+ 1 < width {
                even += UnsafeRawPointer(column).loadUnaligned(as: SIMD2<Double>.self) * x[c]
                odd += UnsafeRawPointer(column + rows).loadUnaligned(as: SIMD2<Double>.self) * x[c &+ 1]
                column += 2 &* rows
                c &+= 2
            }
            if c < width { even += UnsafeRawPointer(column).loadUnaligned(as: SIMD2<Double>.self) * x[c] }
            UnsafeMutableRawPointer(sNext + r).storeBytes(of: even + odd, as: SIMD2<Double>.self)
            r &+= 2
        }
        for r in 0..<no {
            let output = sNext[ns &+ r]
            y[r] = output
            lastOutput[r] = output
        }
        for k in 0..<ns { sPrevious[k] = s[k]; s[k] = flushed(sNext[k]) }
        for c in 0..<drivenInputs { uPrevious[c] = u[c] }
    }

    /// A first-order circuit's step committed: `output` into `y` (and kept as the last output), the
    /// state moved on to `next` (flushed); returns the new state.
    @inlinable @inline(__always)
    @discardableResult
    func commitFirstOrder(next: Double, output: Double, _ y: UnsafeMutablePointer<Double>) -> Double {
        let state = flushed(next)
        y[0] = output
        lastOutput[0] = output
        sPrevious[0] = s[0]
        s[0] = state
        for c in 0..<drivenInputs { uPrevious[c] = u[c] }
        return state
    }

    /// The residual F = p + K·ĩ − v into `residual`; returns the largest excess over the tolerance
    /// (≤ 0 when converged; +∞ for NaN).
    @inlinable @inline(__always)
    func computeResidual<Shape: KernelShape>(_: Shape.Type) -> Double {
        let n = Shape.ports != 0 ? Shape.ports : np
        for r in 0..<n { residual[r] = p[r] - v[r] }
        accumulateK(Shape.self, 1, times: current, into: residual)
        var worst = 0.0
        for r in 0..<n {
            let excess = abs(residual[r]) - (absoluteTolerance + relativeTolerance * abs(v[r]))
            if !(excess <= worst) { worst = excess.isNaN ? .infinity : excess }
        }
        return worst
    }

    /// Newton's method on F(v) = p + K·ĩ(v) − v from the present `v`, at most `limit` evaluations.
    /// Returns whether it converged, the evaluations used and the last residual's excess over the
    /// tolerance. On return `current` (and the devices' pending charges) belong to `v`.
    ///
    /// `damped`: past the first few iterations, a step that made the residual larger is halved (up
    /// to six times) instead of followed. Continuation's stages are damped, Newton from the
    /// prediction is not: there the devices' limiting (junctions, pentode plates, as SPICE limits)
    /// is left to work, and a step that still cycles goes to continuation. Damping fights the
    /// limiting — a limited step often raises the residual on the way, and halving it back undoes
    /// the progress: undamped, the tube amplifier driven hard needs 6.5 instead of 8.3 evaluations
    /// per sample, its worst sample 13 instead of 83, and the class-AB stage driven into clipping
    /// fails on almost no sample instead of a third of them.
    @inlinable @inline(__always)
    func newton<Shape: KernelShape>(_: Shape.Type, limit: Int, keepBest: Bool = false, damped: Bool = false) -> (converged: Bool, iterations: Int, worst: Double) {
        let n = Shape.ports != 0 ? Shape.ports : np
        let state = runtime
        var iterations = 0
        var fresh = false     // the factors are of this step's Jacobian
        var settled = false   // the last step, with fresh factors, was within tolerance
        var lastNorm = Double.infinity, halvings = 0
        while true {
            devices.evaluate(v, into: current, blocks: blocks, chargeBlocks: chargeBlocks, a0: a0)
            iterations &+= 1
            let worst = computeResidual(Shape.self)
            if worst <= 0 || settled {
                if (Shape.ports == 1 || Shape.ports == 2) && state.pointee.solvesJunctions { state.pointee.junctions.solved(junctionConductances().g) }
                return (true, iterations, worst)
            }
            if iterations >= limit { return (false, iterations, worst) }
            // The largest |residual|, NaN if any is (`max` would pass a NaN over).
            var norm = 0.0
            for k in 0..<n where !(abs(residual[k]) <= norm) { norm = abs(residual[k]) }
            if damped {
                if iterations > undampedIterations && !(norm < lastNorm) && halvings < 6 {
                    halvings &+= 1
                    for k in 0..<n { v[k] = 0.5 * (v[k] + vBase[k]) }
                    continue
                }
                lastNorm = norm
                halvings = 0
                for k in 0..<n { vBase[k] = v[k] }
            }
            // The iterate nearest to a solution, kept as the fallback should everything fail.
            if keepBest && norm < state.pointee.bestNorm {
                state.pointee.bestNorm = norm
                for k in 0..<n { vBest[k] = v[k] }
            }
            // Newton: factor this iterate's Jacobian. (Chord steps with older factors converge
            // only linearly; measured, they cost more device evaluations than they save.)
            assembleJacobian(Shape.self)
            state.pointee.counters.factorizations &+= 1
            guard factorJacobian(Shape.self) else {
                state.pointee.haveFactors = false
                return (false, iterations, worst)
            }
            state.pointee.haveFactors = true
            if (Shape.ports == 1 || Shape.ports == 2) && state.pointee.solvesJunctions {
                let (g, total) = junctionConductances()
                state.pointee.junctions.tookJacobian(g, total: total)
            }
            fresh = true
            solveJacobian(Shape.self, residual)
            // The Newton step is −residual. When it is so small that the next iterate's error is
            // within tolerance (`firstOrderStepBound`), take it and move the evaluation along to
            // first order instead of evaluating again.
            var small = true, scalable = true
            for k in 0..<n {
                vTrial[k] = v[k] - residual[k]
                let tolerance = absoluteTolerance + relativeTolerance * abs(v[k])
                if !(residual[k] * residual[k] <= tolerance * firstOrderStepBound) {
                    small = false
                    if !curvatureScaled[k] { scalable = false }
                }
            }
            // A step this small is far below anything the devices' limiting acts on (junctions:
            // steps beyond 2·N·Vt; FETs: volts), so only larger ones are offered to it.
            if !small && (Shape.ports == 1 || Shape.ports == 2) && curvatureAllows(Shape.self) { small = true }
            if !small && scalable && curvatureScalesAllow(Shape.self) { small = true }
            // A switch the step would turn changes its law: evaluate there instead.
            if small && devices.switches.count > 0 && !devices.switchesHold(at: vTrial) { small = false }
            if small {
                if (Shape.ports == 1 || Shape.ports == 2) && state.pointee.solvesJunctions {
                    state.pointee.junctions.solvedFirstOrder(step: SIMD2(residual[0], n == 2 ? residual[1] : 0))
                }
                for k in 0..<n { residual[k] = -residual[k] }
                devices.correct(residual, current: current, blocks: blocks, chargeBlocks: chargeBlocks)
                for k in 0..<n { v[k] = vTrial[k] }
                return (true, iterations, 0)
            }
            _ = devices.limit(vTrial, old: v)
            // Settled only if no switch turns there: the evaluation that ends the iteration would
            // otherwise change the law the step was solved with.
            settled = fresh && (devices.switches.count == 0 || devices.switchesHold(at: vTrial))
            for k in 0..<n {
                if !(abs(vTrial[k] - v[k]) <= absoluteTolerance + relativeTolerance * abs(v[k])) { settled = false }
                v[k] = vTrial[k]
            }
        }
    }

    /// The tangent prediction (v₀ − `residual`, before the prediction error is added) with its
    /// conducting junction solved in closed form (`JunctionPrediction`), M = J⁻¹·K by columns
    /// solved in `nextStep`; nil where the tangent stands. For one or two ports of one-port junctions.
    @inlinable
    func junctionPrediction<Shape: KernelShape>(_: Shape.Type) -> SIMD2<Double>? {
        let n = Shape.ports != 0 ? Shape.ports : np
        func kColumn(_ c: Int) -> SIMD2<Double> { c < n ? SIMD2(K[c &* n], n == 2 ? K[c &* n &+ 1] : 0) : .zero }
        func column(_ c: Int) -> SIMD2<Double> {
            guard c < n else { return .zero }
            for r in 0..<n { nextStep[r] = K[c &* n &+ r] }
            solveJacobian(Shape.self, nextStep)
            return SIMD2(nextStep[0], n == 2 ? nextStep[1] : 0)
        }
        let t = SIMD2(vPrevious[0] - residual[0], n == 2 ? vPrevious[1] - residual[1] : 0)
        let v0 = SIMD2(vPrevious[0], n == 2 ? vPrevious[1] : 0)
        return runtime.pointee.junctions.predict(t, from: v0, k0: kColumn(0), k1: kColumn(1)) { (column(0), column(1)) }
    }

    /// ∂i/∂v and ∂ĩ/∂v of the junctions on ports 0 and 1 at their latest evaluation (`junctionPrediction`).
    @inlinable @inline(__always)
    func junctionConductances() -> (g: SIMD2<Double>, total: SIMD2<Double>) {
        let d = devices.diodes
        var g = SIMD2<Double>.zero, total = SIMD2<Double>.zero
        for s in 0..<min(d.count, 2) {
            let slot = d.slots[s]
            g[slot.offset] = slot.conductance(0, 0, blocks: blocks, chargeBlocks: chargeBlocks, a0: a0)
            total[slot.offset] = blocks[slot.blockOffset]
        }
        return (g, total)
    }

    /// Whether the Newton step in `residual` (v moves by −residual) may be taken to first order
    /// by each port's own curvature scale σ: δ² ≤ 2·σ·tolerance, the junction bound
    /// (`firstOrderStepBound` = 2·σ for a junction) with σ from the device where its law is
    /// straighter (`PortDevice.curvatureScales`) — a pentode's plate, whose voltage swings volts
    /// per step in a power stage and never met the junction's bound (the tube amplifier at 50 mV:
    /// 4.00 → 3.4 evaluations per output sample at 2x), and a transistor's collector while its
    /// base–collector junction blocks (the 2N3904 stage at 200 mV: 2.05 → 1.84; the transistor
    /// amplifier's 23 ports at 20 mV: 1.58 → 1.33). `newton` asks only when every port that fails
    /// the junction bound is one a device may scale (`curvatureScaled`): where a base fails it, so
    /// does this test, and the scales are not worth computing.
    @inlinable @inline(__always)
    func curvatureScalesAllow<Shape: KernelShape>(_: Shape.Type) -> Bool {
        let n = Shape.ports != 0 ? Shape.ports : np
        devices.pentodes.curvatureScales(v, into: curvatureScale, floor: firstOrderStepBound / 2)
        devices.bjts.curvatureScales(v, into: curvatureScale, floor: firstOrderStepBound / 2)
        for k in 0..<n {
            let tolerance = absoluteTolerance + relativeTolerance * abs(v[k])
            if !(residual[k] * residual[k] <= 2 * curvatureScale[k] * tolerance) { return false }
        }
        return true
    }

    /// Whether the Newton step in `residual` (v moves by −residual) may be taken to first order
    /// because devices report their second derivatives (`PortDevice.evaluateWithSecondDerivatives`) where
    /// the junction bound `firstOrderStepBound` is too strict: a triode's plate law.
    ///
    /// After the step δ the port equations are off by K·r, r = ½·δᵀ·H·δ to second order (the same
    /// order as the junction bound's estimate), so the Newton step that would follow is J⁻¹·K·r; the
    /// step is taken when that is within half the tolerance. The ports of devices that report no
    /// second derivatives must meet the junction bound, and their r counts as zero (as there).
    /// Used for systems of one or two ports (the register kernel's circuits): in the tube amplifier's
    /// 17 ports it saved no evaluation and cost 2 %.
    @inlinable @inline(__always)
    func curvatureAllows<Shape: KernelShape>(_: Shape.Type) -> Bool {
        let n = Shape.ports != 0 ? Shape.ports : np
        devices.secondOrder(residual, into: remainder)
        var reported = false
        for k in 0..<n {
            if remainder[k].isNaN {
                let tolerance = absoluteTolerance + relativeTolerance * abs(v[k])
                if !(residual[k] * residual[k] <= tolerance * firstOrderStepBound) { return false }
                remainder[k] = 0
            } else {
                reported = true
            }
        }
        guard reported else { return false }
        for k in 0..<n { nextStep[k] = 0 }
        accumulateK(Shape.self, 1, times: remainder, into: nextStep)
        solveJacobian(Shape.self, nextStep)
        for k in 0..<n {
            let tolerance = absoluteTolerance + relativeTolerance * abs(v[k])
            if !(abs(nextStep[k]) <= 0.5 * tolerance) { return false }
        }
        return true
    }

    /// Whether the prediction's second-order term `second` is a correction of its first-order move
    /// `first` (every port's at most half of it, and finite); on a large move — a spike of the
    /// input — the series does not converge, and the term is dropped.
    @inlinable @inline(__always)
    func secondOrderTermHolds<Shape: KernelShape>(_: Shape.Type, _ second: UnsafePointer<Double>, firstOrder first: UnsafePointer<Double>) -> Bool {
        let n = Shape.ports != 0 ? Shape.ports : np
        for k in 0..<n where !(abs(second[k]) <= 0.5 * abs(first[k])) { return false }
        return true
    }

    /// The fallback when Newton fails: continuation in p. The port equations v = p + K·ĩ(v) hold for
    /// any p, so the step is solved for p moving from its last value to the new one in `stages`
    /// equal parts, each from the solution of the one before, starting at the last step's solution.
    /// Each stage's Newton gets at most `limit` evaluations, damped or not (see `newton`).
    /// Returns whether it reached the new p, and the evaluations used.
    @inlinable
    func continuation<Shape: KernelShape>(_: Shape.Type, stages: Int, limit: Int, damped: Bool) -> (converged: Bool, iterations: Int) {
        let n = Shape.ports != 0 ? Shape.ports : np
        for k in 0..<n { pTarget[k] = p[k]; v[k] = vPrevious[k] }
        var total = 0
        var reached = true
        for stage in 1...stages {
            let alpha = Double(stage) / Double(stages)
            // The call's allowance (`ProcessorConfiguration.fallbackBudget`) caps each stage.
            let stageLimit = min(limit, runtime.pointee.allowance &- total)
            if stageLimit <= 0 { reached = false; break }
            if stage > 1 && runtime.pointee.haveFactors {
                // From the last stage's solution along its tangent: v −= J⁻¹·Δp.
                for k in 0..<n { residual[k] = (pTarget[k] - pPrevious[k]) / Double(stages); vBase[k] = v[k] }
                solveJacobian(Shape.self, residual)
                for k in 0..<n { v[k] -= residual[k] }
                _ = devices.limit(v, old: vBase)
            }
            for k in 0..<n { p[k] = pPrevious[k] + alpha * (pTarget[k] - pPrevious[k]) }
            let (converged, iterations, _) = newton(Shape.self, limit: stageLimit, keepBest: stage == stages, damped: damped)
            total &+= iterations
            if !converged { reached = false; break }
        }
        for k in 0..<n { p[k] = pTarget[k] }
        return (reached, total)
    }

    /// Advances the circuit one step with the inputs in `u`; writes the outputs to `y`.
    ///
    /// Newton's method on F(v) = p + K·ĩ(v) − v, started from the prediction
    /// v = v_prev − J⁻¹·(p − p_prev) with the last factors of J = K·∂ĩ/∂v − I; when that fails,
    /// continuation in p from the last step's solution (8 stages, 32, then 8 damped); when that
    /// fails too, four steps of the model at a quarter of the step (`substep`, whose steps fall
    /// back likewise, `substepLevels` deep); when those fail, the nearest iterate within 0.1 V, or
    /// else the step is rejected (the circuit stands still for it).
    ///
    /// `handedOver`: the register kernel has made Newton's attempt from the prediction and failed
    /// after that many evaluations, exactly as `newton` would have (same iterates, same end), its
    /// nearest iterate in `vBest` and `bestNorm`; the step goes on from there to the fallbacks.
    @inlinable
    func step<Shape: KernelShape>(_: Shape.Type, _ y: UnsafeMutablePointer<Double>, handedOver: Int? = nil) {
        computeP()
        if devices.switches.count > 0 { devices.beginSwitchStep() }
        let n = Shape.ports != 0 ? Shape.ports : np
        let state = runtime
        var rejected = false
        if n > 0 {
            var move = 0.0
            if state.pointee.haveFactors {
                // Tangent prediction: F(v) = p + K·ĩ(v) − v moves with p and with the devices'
                // charge history h (ĩ contains −h, so ∂F/∂h = −K): v = v_prev − J⁻¹·(Δp − K·Δh).
                // Its second-order term: F(v_prev + Δ) ≈ J·Δ + K·r with r = ½·Δᵀ·H·Δ, so
                // v −= J⁻¹·K·r at the first-order Δ — H the second derivatives a device recorded
                // at its last evaluation, or for a junction's exponential ∂²i/∂v² = κ·∂i/∂v, so
                // r = ½·Σₖ Gₖ·κₖ·Δₖ². Plus the error left, extrapolated from the last step's by the
                // ratio of the moves to the power of that error's order: second without the term
                // (the squared moves' ratio s), third with it (s^1.5, as `thirdOrderFactor`).
                for k in 0..<n { residual[k] = p[k] - pPrevious[k] }
                accumulateK(Shape.self, -1, times: historyChange, into: residual)
                for k in 0..<n { move += residual[k] * residual[k] }
                solveJacobian(Shape.self, residual)
                let inverseLast = state.pointee.inverseLastMove
                var scale = inverseLast > 0 ? min(move * inverseLast, predictionScaleLimit) : 0
                if predictsSecondOrder {
                    for k in 0..<n { remainder[k] = 0; nextStep[k] = 0 }
                    devices.predictionSecondOrder(residual, blocks: blocks, chargeBlocks: chargeBlocks, a0: a0, into: remainder)
                    accumulateK(Shape.self, 1, times: remainder, into: nextStep)
                    solveJacobian(Shape.self, nextStep)
                    if secondOrderTermHolds(Shape.self, nextStep, firstOrder: residual) {
                        scale *= thirdOrderFactor(scale)
                    } else {
                        for k in 0..<n { nextStep[k] = 0 }
                    }
                }
                let solved = (Shape.ports == 1 || Shape.ports == 2) && state.pointee.solvesJunctions && !predictsSecondOrder ? junctionPrediction(Shape.self) : nil
                for k in 0..<n {
                    var tangent = vPrevious[k] - residual[k]
                    if predictsSecondOrder { tangent -= nextStep[k] }
                    // A solved junction's prediction (the tangent's error is learned all the same,
                    // for the samples the tangent predicts).
                    if let solved { v[k] = solved[k] } else { v[k] = tangent + scale * predictionError[k] }
                    predictionError[k] = tangent  // until the step's solution is known
                }
                if devices.limit(v, old: vPrevious) { move = 0 }
            }
            // A fine model's steps are all a coarse step's fallback: they spend the allowance from
            // the first evaluation.
            let charged = isFineModel
            let attemptLimit = min(maxIterations, attemptIterations, charged ? state.pointee.allowance : .max)
            var converged = false, iterations = 0
            if let attempted = handedOver {
                iterations = attempted
            } else {
                state.pointee.bestNorm = .infinity
            }
            if handedOver == nil && attemptLimit > 0 {
                (converged, iterations, _) = newton(Shape.self, limit: attemptLimit, keepBest: true)
                if charged { state.pointee.allowance &-= iterations }
                if !converged { for k in 0..<n { vResume[k] = v[k] } }
            }
            // Newton ran out of its first evaluations (rather than meeting a singular Jacobian or
            // a value that is not finite): it may resume if continuation fails.
            let resumable = !converged && iterations >= attemptLimit && attemptLimit < maxIterations
            if !converged && state.pointee.allowance > 0 {
                // A hard step (a large jump of the drive): walk there in eight stages, undamped
                // as above; should a stage cycle, in 32 shorter ones; should that fail too, in
                // eight once more with damping (see `newton`). Each spends the allowance.
                state.pointee.counters.continuations &+= 1
                var fallback = continuation(Shape.self, stages: 8, limit: maxIterations, damped: false)
                state.pointee.allowance &-= fallback.iterations
                if !fallback.converged {
                    iterations &+= fallback.iterations
                    fallback = continuation(Shape.self, stages: 32, limit: min(maxIterations, attemptIterations), damped: false)
                    state.pointee.allowance &-= fallback.iterations
                }
                if !fallback.converged {
                    iterations &+= fallback.iterations
                    fallback = continuation(Shape.self, stages: 8, limit: maxIterations, damped: true)
                    state.pointee.allowance &-= fallback.iterations
                }
                converged = fallback.converged
                iterations &+= fallback.iterations
            }
            if !converged && resumable && state.pointee.allowance > 0 {
                // Continuation follows the solution from the last step's and stops where that
                // branch ends (a latch snapping over, a fold); Newton left alone may still find
                // the one across. It resumes where it stopped (after the register kernel's
                // attempt, from its nearest iterate), with the rest of `maxIterations` (its first
                // evaluation there repeats the last one): as far as the reference
                // simulator's Newton goes at a fixed step before it cuts the step. (A random
                // circuit, a germanium stage whose collector switches, took 47 evaluations there;
                // continuation failed, and sub-steps gave another, finer answer than the
                // reference simulator's whole step.)
                for k in 0..<n { v[k] = vResume[k] }
                let limit = min(maxIterations &- attemptLimit &+ 1, charged ? state.pointee.allowance : .max)
                let resumed = newton(Shape.self, limit: limit, keepBest: true)
                state.pointee.allowance &-= resumed.iterations
                converged = resumed.converged
                iterations &+= resumed.iterations
            }
            if (!converged || alwaysSubstep) && state.pointee.allowance > 0, let evaluations = substep(Shape.self, y) {
                // Solved in shorter steps: state, ports, charges and outputs are the fine model's.
                state.pointee.counters.steps &+= 1
                state.pointee.counters.substeps &+= 1
                state.pointee.counters.iterations &+= iterations &+ evaluations
                if iterations &+ evaluations > state.pointee.counters.maxIterations {
                    state.pointee.counters.maxIterations = iterations &+ evaluations
                }
                state.pointee.inverseLastMove = 0
                state.pointee.haveFactors = false
                state.pointee.consecutiveFailures = 0
                for k in 0..<n { historyChange[k] = 0; vPrevious[k] = v[k]; currentPrevious[k] = current[k]; pPrevious[k] = p[k] }
                return
            }
            state.pointee.counters.steps &+= 1
            state.pointee.counters.iterations &+= iterations
            if iterations > state.pointee.counters.maxIterations { state.pointee.counters.maxIterations = iterations }
            if move > 0 && converged && iterations <= smoothStepIterations {
                for k in 0..<n { predictionError[k] = v[k] - predictionError[k] }
                state.pointee.inverseLastMove = inverseMove(move)
            } else {
                state.pointee.inverseLastMove = 0
            }
            state.pointee.consecutiveFailures = converged ? 0 : state.pointee.consecutiveFailures &+ 1
            if !converged {
                state.pointee.counters.failures &+= 1
                if state.pointee.allowance <= 0 { state.pointee.counters.overBudget &+= 1 }
                state.pointee.haveFactors = false
                if state.pointee.bestNorm <= 0.1 && (!charged || state.pointee.allowance > 0) {
                    // The nearest iterate stands in: its devices' currents belong to its port
                    // voltages, and its port equations are off by at most 0.1 V. (A charged step
                    // evaluates it only within the allowance, so that the fallbacks never spend
                    // more than they were granted.) (Keeping the
                    // previous step's currents instead, as this did up to 1 mV, holds currents the
                    // new drive no longer matches: the class-AB stage driven 20 dB into clipping
                    // was 31 % RMS off the reference simulator that way, 2 % this way.)
                    for k in 0..<n { v[k] = vBest[k] }
                    devices.evaluate(v, into: current, blocks: blocks, chargeBlocks: chargeBlocks, a0: a0)
                    iterations &+= 1
                    if charged { state.pointee.allowance &-= 1 }
                } else {
                    // Rejected: the circuit stands still for this step — state, port voltages,
                    // currents and charge history as they were, the last outputs repeated (never a
                    // non-finite or half-solved state); the next step starts afresh. (Moving the
                    // state on with the new input and the old device currents, as this did up to
                    // 2026-11-29, runs the circuit linearized at its operating point for a step:
                    // the class-AB stage driven 26 dB into clipping put out up to 68 V that way.)
                    for k in 0..<n { v[k] = vPrevious[k]; current[k] = currentPrevious[k] }
                    devices.reject()
                    rejected = true
                }
            }
        } else {
            state.pointee.counters.steps &+= 1
        }
        if rejected {
            for r in 0..<no { y[r] = lastOutput[r] }
            for k in 0..<n { historyChange[k] = 0 }
        } else {
            updateStateAndOutputs(y)
            devices.accept(a0: a0, historyWeight: historyWeight, historyChange: historyChange)
            if devices.switches.count > 0 { devices.acceptSwitches() }
            for k in 0..<n { pPrevious[k] = p[k]; vPrevious[k] = v[k]; currentPrevious[k] = current[k] }
        }
        if state.pointee.consecutiveFailures >= failureLimit {
            // Newton has lost the circuit (driven far outside anything physical): start again from
            // the operating point rather than drift.
            state.pointee.counters.recoveries &+= 1
            restart()
        }
    }

    /// Input sample `x` of channel `c` as the circuit takes it: limited to ±`inputLimit`, and the
    /// input at rest when it is not finite. Either is counted in the statistics.
    @inlinable @inline(__always)
    func sanitized(_ x: Double, channel c: Int) -> Double {
        // One comparison passes every ordinary sample (a NaN fails it too).
        abs(x) <= inputLimit ? x : unusualInput(x, channel: c)
    }

    /// `sanitized` for a sample beyond the limit or not finite, counted (kept out of line: the
    /// ordinary sample's path carries no call).
    @usableFromInline @inline(never)
    func unusualInput(_ x: Double, channel c: Int) -> Double {
        if x.isFinite {
            runtime.pointee.counters.limitedInputs &+= 1
            return x > 0 ? inputLimit : -inputLimit
        }
        runtime.pointee.counters.nonFiniteInputs &+= 1
        return inputRest[c]
    }

    /// One audio frame: directly, or through the interpolators, `factor` circuit steps and the decimators.
    @inlinable
    func frame<Shape: KernelShape>(_: Shape.Type, _ input: UnsafePointer<Double>, _ output: UnsafeMutablePointer<Double>) {
        var stepper = GeneralStepper<Shape>()
        frame(input, output, &stepper)
    }

    /// One audio frame, each circuit step taken by `stepper` (which reads the inputs from `u` and
    /// writes the outputs to its argument).
    @inlinable @inline(__always)
    func frame<Stepper: CircuitStepper>(_ input: UnsafePointer<Double>, _ output: UnsafeMutablePointer<Double>, _ stepper: inout Stepper) {
        let ni = inputChannels
        if factor == 1 {
            setInputs { c in sanitized(input[c], channel: c) }
            tick()
            stepper.step(output, self)
            return
        }
        for c in 0..<ni { oversampler.push(sanitized(input[c], channel: c), channel: c) }
        for phase in 0..<factor {
            setInputs { c in oversampler.interpolate(channel: c, phase: phase) }
            tick()
            stepper.step(highOutput, self)
            oversampler.record(highOutput, phase: phase)
        }
        for c in 0..<no { output[c] = oversampler.decimate(channel: c) }
    }
}

extension Processor {
    /// The driven inputs' new values `value(c)` into u, written in SIMD2 pairs from u's start (an
    /// odd last one with the input after it, unless that is the clock, which `tick` writes): the
    /// kernels read u in pairs (the register kernel's u[0], u[1]; `dot` from x's start), and a
    /// pair loaded right after a narrower store to half of it cannot be forwarded from the store —
    /// it waits until the store reaches the cache, unless the pair straddles a cache line and is
    /// split. Written one at a time, the diode clipper took 65–68 or 56–58 ns per sample at 0.1 V
    /// by where `malloc` had put u (x at 0 or 32 against 48 modulo 64); written in a pair,
    /// 56–58 ns wherever.
    @inlinable @inline(__always)
    func setInputs(_ value: (Int) -> Double) {
        let ni = inputChannels
        var c = 0
        while c &+ 1 < ni {
            UnsafeMutableRawPointer(u + c).storeBytes(of: SIMD2(value(c), value(c &+ 1)), as: SIMD2<Double>.self)
            c &+= 2
        }
        guard c < ni else { return }
        if c &+ 1 < nu && c &+ 1 != clockChannel {
            UnsafeMutableRawPointer(u + c).storeBytes(of: SIMD2(value(c), u[c &+ 1]), as: SIMD2<Double>.self)
        } else {
            u[c] = value(c)
        }
    }

    /// The clock one circuit step on, into its input (for a circuit that reads `time`): at rest
    /// (0) while the oversampling filter's delay runs out, then the time.
    @inlinable @inline(__always)
    func tick() {
        guard clockChannel >= 0 else { return }
        runtime.pointee.clockTime += clockStep
        u[clockChannel] = max(runtime.pointee.clockTime, 0)
    }
}

/// What takes one circuit step of a frame: the general kernel, or the register kernel.
@usableFromInline
protocol CircuitStepper {
    /// One step of `processor` with the inputs in its `u`; the outputs into `y`.
    mutating func step(_ y: UnsafeMutablePointer<Double>, _ processor: Processor)
}

/// `Processor.step` specialized for `Shape`.
@usableFromInline
struct GeneralStepper<Shape: KernelShape>: CircuitStepper {
    @inlinable @inline(__always)
    init() {}

    @inlinable @inline(__always)
    mutating func step(_ y: UnsafeMutablePointer<Double>, _ processor: Processor) { processor.step(Shape.self, y) }
}
