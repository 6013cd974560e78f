/// Steps solved in shorter steps. A step that Newton and continuation cannot solve — the class-AB
/// stage driven 26 dB into clipping has them, as the reference simulator does, which cuts its time
/// step there — is taken again as `fineSteps` steps of a second model of the circuit derived at
/// that fraction of the step, with the inputs interpolated linearly, and handed back.
///
/// Both models share the port voltages and each device's charge and charge current; they differ in
/// the companion states. Each capacitor's state is h = g·v + i with g = 2C/T (an inductor's:
/// e = (2/T)·Φ + v), and over a trapezoidal step the two states before and after give both parts:
/// g·v = (s + s_prev)/2, i = (s − s_prev)/2 (with s the state after the step, s_prev the one
/// before). The part proportional to 2/T scales with the step and the other stays, so the fine
/// model's state is k·(s + s_prev)/2 + (s − s_prev)/2 for k sub-steps, and back from the fine
/// model's last two states: (s + s_prev)/(2k) + (s − s_prev)/2. The states of reduced models go
/// through their full coordinates. The fine model has a fine model of its own, down to
/// `ProcessorConfiguration.substepLevels` levels.
///
/// One thing is not carried over exactly: a device's charge current. The trapezoidal rule
/// integrates a charge far faster than the step (a power transistor's diffusion charge, TF = 24 ns)
/// with a current that alternates in sign from step to step around the true one, and four fine
/// steps leave that alternation in the opposite phase to the one a coarse step would: handed back
/// as it is, it rings on in the coarse model (the class-AB stage at 5 V: ±0.5 V on the two samples
/// after each sub-stepped one, 1.2 % RMS off ngspice against 0.5 % for the reference simulator at
/// the same step). The mean of the fine model's last two charge currents — the charge's change over
/// the last sub-step divided by its length — has no alternation, and takes its place (0.6 %).
extension Processor {
    /// Solves the present step (inputs in `u`) in `fineSteps` steps of the fine model; on success
    /// takes over its state, port voltages, charges and outputs (into `y`) and returns the device
    /// evaluations it used; nil (and nothing changed here) when a fine step failed too.
    @inlinable @inline(never)
    func substep<Shape: KernelShape>(_: Shape.Type, _ y: UnsafeMutablePointer<Double>) -> Int? {
        guard let fine else { return nil }
        let k = Double(fineSteps)
        // This model's full states after and before the last step, into the fine model's.
        expand(s, into: fullA)
        expand(sPrevious, into: fullB)
        Self.rescale(fullA, fullB, count: fullStates, by: k, weight: historyWeight, into: fullA, fullB)
        fine.load(fullA, before: fullB, ports: vPrevious, inputs: uPrevious, from: self)
        let before = fine.runtime.pointee.counters
        // Every evaluation of the fine model spends this step's allowance.
        fine.runtime.pointee.allowance = runtime.pointee.allowance
        for j in 1...fineSteps {
            let t = Double(j) / k
            for c in 0..<drivenInputs { fine.u[c] = uPrevious[c] + t * (u[c] - uPrevious[c]) }
            if j == fineSteps { fine.devices.saveChargeCurrents() }
            fine.step(Shape.self, y)
            if fine.runtime.pointee.counters.failures != before.failures { break }
        }
        runtime.pointee.allowance = fine.runtime.pointee.allowance
        let after = fine.runtime.pointee.counters
        guard after.failures == before.failures else { return nil }
        // Back: the fine model's last two states, the ports and the charges.
        fine.expand(fine.s, into: fine.fullA)
        fine.expand(fine.sPrevious, into: fine.fullB)
        Self.rescale(fine.fullA, fine.fullB, count: fullStates, by: 1 / k, weight: historyWeight, into: fullA, fullB)
        reduce(fullA, into: s)
        reduce(fullB, into: sPrevious)
        for i in 0..<np { v[i] = fine.v[i]; current[i] = fine.current[i] }
        devices.copyCharges(from: fine.devices, smoothing: smoothsHandBack)
        for r in 0..<no { lastOutput[r] = y[r] }
        for c in 0..<drivenInputs { uPrevious[c] = u[c] }
        // p of this step, from the state before it (the predictor's and continuation's reference).
        for r in 0..<np {
            var sum = 0.0
            for c in 0..<ns { sum += G[r &* stateStride &+ c] * sPrevious[c] }
            for c in 0..<nu { sum += H[r &* stateStride &+ c] * u[c] }
            p[r] = sum
        }
        return after.iterations &- before.iterations
    }

    /// Sets this (fine) processor to full states `full` (and `before`, the state that with it gives
    /// each capacitor's voltage and current), port voltages `ports` and the inputs `inputs` of the
    /// coarse processor `coarse`, with its charges and control positions.
    @usableFromInline
    func load(_ full: UnsafePointer<Double>, before: UnsafePointer<Double>, ports: UnsafePointer<Double>,
              inputs: UnsafePointer<Double>, from coarse: Processor) {
        if controlCount > 0 {
            for c in 0..<controlCount { positions[c] = coarse.positions[c]; targets[c] = coarse.positions[c] }
            applyControls()
        }
        reduce(full, into: s)
        reduce(before, into: sPrevious)
        for c in 0..<drivenInputs { u[c] = inputs[c]; uPrevious[c] = inputs[c] }
        for i in 0..<np { v[i] = ports[i]; vPrevious[i] = ports[i]; historyChange[i] = 0 }
        devices.copyCharges(from: coarse.devices)
        // p and ĩ at the start, as this model sees them.
        computeP()
        for i in 0..<np { pPrevious[i] = p[i] }
        devices.evaluate(v, into: current, blocks: blocks, chargeBlocks: chargeBlocks, a0: a0)
        for i in 0..<np { currentPrevious[i] = current[i] }
        for r in 0..<no { lastOutput[r] = coarse.lastOutput[r] }
        runtime.pointee.haveFactors = false
        runtime.pointee.inverseLastMove = 0
        runtime.pointee.consecutiveFailures = 0
    }

    /// The companion states after and before a step (`after`, `before`) for a model whose a0 is
    /// `factor` times this one's. With history weight w a state after a step is h = g·v + w·i with
    /// i = g·v − h_prev, so g·v = (h + w·h_prev)/(1 + w) scales and i = (h − h_prev)/(1 + w) stays;
    /// the new pair is factor·g·v + w·i after and factor·g·v − i before (the trapezoidal rule, w = 1:
    /// g·v = (h + h_prev)/2, i = (h − h_prev)/2). The result may overwrite the arguments.
    @usableFromInline
    static func rescale(_ after: UnsafePointer<Double>, _ before: UnsafePointer<Double>, count: Int, by factor: Double, weight w: Double,
                        into newAfter: UnsafeMutablePointer<Double>, _ newBefore: UnsafeMutablePointer<Double>) {
        let share = 1 / (1 + w)
        for r in 0..<count {
            let scaled = share * (after[r] + w * before[r]), other = share * (after[r] - before[r])
            newAfter[r] = factor * scaled + w * other
            newBefore[r] = factor * scaled - other
        }
    }

    /// Full states = basis·`states`.
    @usableFromInline
    func expand(_ states: UnsafePointer<Double>, into full: UnsafeMutablePointer<Double>) {
        Self.product(basis, rows: fullStates, columns: ns, states, into: full)
    }

    /// States = basisInverse·`full`.
    @usableFromInline
    func reduce(_ full: UnsafePointer<Double>, into states: UnsafeMutablePointer<Double>) {
        Self.product(basisInverse, rows: ns, columns: fullStates, full, into: states)
    }

    /// y = M·x for the row-major rows×columns matrix M.
    static func product(_ m: UnsafePointer<Double>, rows: Int, columns: Int, _ x: UnsafePointer<Double>,
                        into y: UnsafeMutablePointer<Double>) {
        for r in 0..<rows {
            var sum = 0.0
            for c in 0..<columns { sum += m[r &* columns &+ c] * x[c] }
            y[r] = sum
        }
    }
}
