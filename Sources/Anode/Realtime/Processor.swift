import Foundation

/// A circuit compiled for real-time audio: call `process` with blocks of input samples and get the
/// circuit's response, sample by sample, starting from its DC operating point.
///
///     let circuit = try Circuit(contentsOfFile: "circuits/diode-clipper.cir")
///     let processor = try Processor(circuit, configuration: ProcessorConfiguration(
///         inputs: ["Vin"], outputs: [.voltage("out")], sampleRate: 48_000))
///     let y = processor.process([0, 0.5, 1, 0.5, 0])
///
/// Everything is derived when the processor is built (the nodal DK state-space matrices, with
/// LAPACK). Per sample it solves only the device port equations, by Newton's method from a
/// predicted start, in preallocated memory: `process` allocates nothing, takes no locks and
/// dispatches nothing dynamically. A step that does not converge within `maxIterations` is counted
/// in `statistics`; the output stays finite.
public final class Processor {
    /// The configuration it was built with.
    public let configuration: ProcessorConfiguration
    /// Number of input channels (one per configured input).
    public let inputChannels: Int
    /// Number of output channels (one per configured output).
    public let outputChannels: Int
    /// Delay added by the oversampling filters, in audio samples (0 without oversampling).
    public let latency: Double
    /// Names of the controls (`.pot`, `.varres`), in netlist order.
    public let controlNames: [String]
    /// Knob positions: present, target, and the taper of each; smoothing coefficient per update.
    @usableFromInline let controlCount: Int
    @usableFromInline let positions: UnsafeMutablePointer<Double>, targets: UnsafeMutablePointer<Double>
    @usableFromInline let tapers: UnsafeMutablePointer<Control.Taper>
    /// Controlled resistances: their control, their law R = c₀ + c₁·fraction, and the resistance the
    /// base matrices hold.
    @usableFromInline let resistorControl: UnsafeMutablePointer<Int>, resistanceLaw: UnsafeMutablePointer<SIMD2<Double>>
    @usableFromInline let baseResistance: UnsafeMutablePointer<Double>
    @usableFromInline let nv: Int
    /// Base matrices (controls at their netlist settings) and low-rank factors (see StateSpaceModel).
    @usableFromInline let A0: UnsafeMutablePointer<Double>, B0: UnsafeMutablePointer<Double>, C0: UnsafeMutablePointer<Double>
    @usableFromInline let D0: UnsafeMutablePointer<Double>, E0: UnsafeMutablePointer<Double>, F0: UnsafeMutablePointer<Double>
    @usableFromInline let G0: UnsafeMutablePointer<Double>, H0: UnsafeMutablePointer<Double>, K0: UnsafeMutablePointer<Double>
    @usableFromInline let Q: UnsafeMutablePointer<Double>, Ls: UnsafeMutablePointer<Double>, Lo: UnsafeMutablePointer<Double>
    @usableFromInline let Ln: UnsafeMutablePointer<Double>, Rs: UnsafeMutablePointer<Double>, Ru: UnsafeMutablePointer<Double>
    @usableFromInline let Rz: UnsafeMutablePointer<Double>
    /// Scratch for the update: I + Δ·Q and its pivots, W, Δ, and W·R.
    @usableFromInline let updateMatrix: UnsafeMutablePointer<Double>, updatePivots: UnsafeMutablePointer<Int>
    @usableFromInline let wMatrix: UnsafeMutablePointer<Double>, delta: UnsafeMutablePointer<Double>, product: UnsafeMutablePointer<Double>
    /// Frames between control updates while a knob moves, and the smoothing per update
    /// (a one-pole glide with a 10 ms time constant).
    @usableFromInline let controlInterval = 32
    @usableFromInline let glide: Double

    /// Oversampling factor and filters.
    @usableFromInline let factor: Int
    @usableFromInline let oversampler: OversamplingState
    /// One high-rate output frame.
    @usableFromInline let highOutput: UnsafeMutablePointer<Double>

    /// The outputs at the DC operating point (what the circuit gives before the first sample).
    public private(set) var restOutput: [Double] = []
    /// Newton statistics since the processor was built or `resetStatistics()` was called.
    public var statistics: ProcessorStatistics { runtime.pointee.counters }

    /// Mutable scalars of the per-sample path, kept behind a pointer so that changing them needs no
    /// exclusivity check (class stored properties would check on every access).
    @usableFromInline
    struct Runtime {
        @usableFromInline var counters = ProcessorStatistics()
        /// Whether `jacobian` holds LU factors usable by the predictor.
        @usableFromInline var haveFactors = false
        /// Whether a control is still gliding toward its target.
        @usableFromInline var controlsMoving = false
    }
    @usableFromInline let runtime: UnsafeMutablePointer<Runtime>

    // Sizes.
    @usableFromInline let ns: Int, nu: Int, np: Int, no: Int
    /// Step and companion coefficient 2/T.
    @usableFromInline let step: Double, a0: Double
    // Matrices, row-major.
    @usableFromInline let A: UnsafeMutablePointer<Double>, B: UnsafeMutablePointer<Double>, C: UnsafeMutablePointer<Double>
    @usableFromInline let D: UnsafeMutablePointer<Double>, E: UnsafeMutablePointer<Double>, F: UnsafeMutablePointer<Double>
    @usableFromInline let G: UnsafeMutablePointer<Double>, H: UnsafeMutablePointer<Double>, K: UnsafeMutablePointer<Double>
    // Vectors.
    @usableFromInline let s: UnsafeMutablePointer<Double>, sNext: UnsafeMutablePointer<Double>
    @usableFromInline let u: UnsafeMutablePointer<Double>
    @usableFromInline let p: UnsafeMutablePointer<Double>, pPrevious: UnsafeMutablePointer<Double>
    @usableFromInline let v: UnsafeMutablePointer<Double>, vPrevious: UnsafeMutablePointer<Double>, vTrial: UnsafeMutablePointer<Double>
    @usableFromInline let current: UnsafeMutablePointer<Double>, currentPrevious: UnsafeMutablePointer<Double>
    @usableFromInline let residual: UnsafeMutablePointer<Double>
    @usableFromInline let jacobian: UnsafeMutablePointer<Double>, pivots: UnsafeMutablePointer<Int>
    /// ∂ĩ/∂v, one ports×ports block per device, and each block's (first port, ports, storage offset).
    @usableFromInline let blocks: UnsafeMutablePointer<Double>
    /// ∂q/∂v in the same layout (charge devices only).
    @usableFromInline let chargeBlocks: UnsafeMutablePointer<Double>
    @usableFromInline let blockList: UnsafeMutablePointer<(offset: Int, ports: Int, storage: Int)>
    @usableFromInline let blockCount: Int
    /// Independent subsystems: first port, port count, and where its Jacobian block is stored; and
    /// for each port, the subsystem it belongs to.
    @usableFromInline let subsystems: UnsafeMutablePointer<(start: Int, count: Int, storage: Int)>
    @usableFromInline let subsystemCount: Int
    @usableFromInline let subsystemOfPort: UnsafeMutablePointer<Int>
    @usableFromInline let devices: DeviceBank
    @usableFromInline let absoluteTolerance: Double, relativeTolerance: Double, maxIterations: Int
    /// State and port voltages at the operating point, for `reset()`.
    let restState: [Double], restPorts: [Double], restInputs: [Double]

    /// Builds a processor for `circuit`: derives its state-space model at the configured rate and
    /// starts it at the DC operating point.
    public init(_ circuit: Circuit, configuration: ProcessorConfiguration) throws(SimulationError) {
        guard configuration.sampleRate > 0, configuration.sampleRate.isFinite else {
            throw SimulationError("sample rate must be positive, not \(configuration.sampleRate)")
        }
        guard [1, 2, 4, 8].contains(configuration.oversampling) else {
            throw SimulationError("oversampling must be 1, 2, 4 or 8, not \(configuration.oversampling)")
        }
        guard !configuration.outputs.isEmpty else { throw SimulationError("a processor needs at least one output") }
        self.configuration = configuration
        let model = try StateSpaceModel(circuit, step: 1 / (configuration.sampleRate * Double(configuration.oversampling)),
                                        inputs: configuration.inputs, outputs: configuration.outputs, restInputs: configuration.restInputs)
        ns = model.stateCount
        nu = model.inputCount
        np = model.portCount
        no = model.outputCount
        inputChannels = configuration.inputs.count
        outputChannels = no
        step = model.step
        a0 = 2 / model.step
        func copy(_ m: Matrix) -> UnsafeMutablePointer<Double> {
            let pointer = UnsafeMutablePointer<Double>.allocate(capacity: max(m.entries.count, 1))
            pointer.initialize(repeating: 0, count: max(m.entries.count, 1))
            for (k, x) in m.entries.enumerated() { pointer[k] = x }
            return pointer
        }
        A = copy(model.A); B = copy(model.B); C = copy(model.C)
        D = copy(model.D); E = copy(model.E); F = copy(model.F)
        G = copy(model.G); H = copy(model.H); K = copy(model.K)
        func vector(_ n: Int) -> UnsafeMutablePointer<Double> {
            let pointer = UnsafeMutablePointer<Double>.allocate(capacity: max(n, 1))
            pointer.initialize(repeating: 0, count: max(n, 1))
            return pointer
        }
        s = vector(ns); sNext = vector(ns); u = vector(nu)
        p = vector(np); pPrevious = vector(np)
        v = vector(np); vPrevious = vector(np); vTrial = vector(np)
        current = vector(np); currentPrevious = vector(np); residual = vector(np)
        var jacobianStorage = 0
        subsystemCount = model.subsystems.count
        subsystems = .allocate(capacity: max(subsystemCount, 1))
        subsystemOfPort = .allocate(capacity: max(np, 1))
        subsystemOfPort.initialize(repeating: 0, count: max(np, 1))
        for (k, block) in model.subsystems.enumerated() {
            (subsystems + k).initialize(to: (block.start, block.count, jacobianStorage))
            for port in block.start..<(block.start + block.count) { subsystemOfPort[port] = k }
            jacobianStorage += block.count * block.count
        }
        jacobian = vector(jacobianStorage)
        pivots = .allocate(capacity: max(np, 1))
        pivots.initialize(repeating: 0, count: max(np, 1))
        runtime = .allocate(capacity: 1)
        runtime.initialize(to: Runtime())
        devices = DeviceBank(model)
        blocks = vector(model.blockStorage)
        chargeBlocks = vector(model.blockStorage)
        blockCount = model.devices.count
        blockList = .allocate(capacity: max(blockCount, 1))
        for (k, d) in model.devices.enumerated() {
            (blockList + k).initialize(to: (d.offset, d.device.portCount, model.blockOffsets[k]))
        }
        absoluteTolerance = configuration.absoluteTolerance
        relativeTolerance = configuration.relativeTolerance
        maxIterations = max(configuration.maxIterations, 1)
        restState = model.initialState
        restPorts = model.initialPorts
        restInputs = model.restInputs
        controlNames = model.controls.map(\.name)
        controlCount = model.controls.count
        positions = vector(controlCount)
        targets = vector(controlCount)
        tapers = .allocate(capacity: max(controlCount, 1))
        for (k, c) in model.controls.enumerated() {
            positions[k] = c.control.position
            targets[k] = c.control.position
            (tapers + k).initialize(to: c.control.taper)
        }
        nv = model.controlledResistors.count
        resistorControl = .allocate(capacity: max(nv, 1))
        resistanceLaw = .allocate(capacity: max(nv, 1))
        for (k, r) in model.controlledResistors.enumerated() {
            (resistorControl + k).initialize(to: r.control)
            let c0 = r.resistance(0)
            (resistanceLaw + k).initialize(to: SIMD2(c0, r.resistance(1) - c0))
        }
        baseResistance = vector(nv)
        for k in 0..<nv { baseResistance[k] = model.baseResistances[k] }
        A0 = copy(model.A); B0 = copy(model.B); C0 = copy(model.C)
        D0 = copy(model.D); E0 = copy(model.E); F0 = copy(model.F)
        G0 = copy(model.G); H0 = copy(model.H); K0 = copy(model.K)
        Q = copy(model.Q); Ls = copy(model.Ls); Lo = copy(model.Lo); Ln = copy(model.Ln)
        Rs = copy(model.Rs); Ru = copy(model.Ru); Rz = copy(model.Rz)
        updateMatrix = vector(nv * nv)
        updatePivots = .allocate(capacity: max(nv, 1))
        updatePivots.initialize(repeating: 0, count: max(nv, 1))
        wMatrix = vector(nv * nv)
        delta = vector(nv)
        product = vector(nv * max(model.stateCount, model.inputCount, model.portCount, 1))
        glide = 1 - exp(-Double(32) / (0.01 * configuration.sampleRate))
        factor = configuration.oversampling
        let filter = OversamplingFilter(factor: factor)
        oversampler = OversamplingState(filter, inputs: configuration.inputs.count, outputs: model.outputCount)
        latency = factor == 1 ? 0 : filter.latency
        highOutput = .allocate(capacity: max(model.outputCount, 1))
        highOutput.initialize(repeating: 0, count: max(model.outputCount, 1))
        reset()
        var y = [Double](repeating: 0, count: no)
        for r in 0..<no {
            for c in 0..<ns { y[r] += model.D[r, c] * s[c] }
            for c in 0..<nu { y[r] += model.E[r, c] * u[c] }
            for c in 0..<np { y[r] += model.F[r, c] * current[c] }
        }
        restOutput = y
        oversampler.reset(inputs: restInputs, outputs: y)
    }

    deinit {
        for m in [A, B, C, D, E, F, G, H, K, s, sNext, u, p, pPrevious, v, vPrevious, vTrial, current, currentPrevious, residual, jacobian,
                  positions, targets, baseResistance, A0, B0, C0, D0, E0, F0, G0, H0, K0, Q, Ls, Lo, Ln, Rs, Ru, Rz,
                  updateMatrix, wMatrix, delta, product] {
            m.deallocate()
        }
        tapers.deallocate()
        resistorControl.deallocate()
        resistanceLaw.deallocate()
        updatePivots.deallocate()
        pivots.deallocate()
        blocks.deallocate()
        chargeBlocks.deallocate()
        blockList.deallocate()
        subsystems.deallocate()
        subsystemOfPort.deallocate()
        oversampler.deallocate()
        highOutput.deallocate()
        runtime.deinitialize(count: 1)
        runtime.deallocate()
        devices.deallocate()
    }

    /// Returns the circuit to its DC operating point (no allocation).
    public func reset() {
        for k in 0..<ns { s[k] = restState[k] }
        for k in 0..<np { v[k] = restPorts[k]; vPrevious[k] = restPorts[k] }
        for k in 0..<inputChannels { u[k] = restInputs[k] }
        u[nu - 1] = 1
        // p and ĩ at rest, so that the first step's predictor starts from the operating point.
        computeP()
        for k in 0..<np { pPrevious[k] = p[k] }
        devices.reset()
        devices.evaluate(v, into: current, blocks: blocks, chargeBlocks: chargeBlocks, a0: a0)
        for k in 0..<np { currentPrevious[k] = current[k] }
        runtime.pointee.haveFactors = false
        if !restOutput.isEmpty { oversampler.reset(inputs: restInputs, outputs: restOutput) }
    }

    /// Forgets the statistics.
    public func resetStatistics() { runtime.pointee.counters = ProcessorStatistics() }

    // MARK: The per-sample path

    /// p = G·s + H·u.
    @inlinable
    func computeP() {
        for r in 0..<np {
            var sum = 0.0
            let g = G + r &* ns, h = H + r &* nu
            for c in 0..<ns { sum += g[c] * s[c] }
            for c in 0..<nu { sum += h[c] * u[c] }
            p[r] = sum
        }
    }

    /// Each subsystem's J = K·∂ĩ/∂v − I (its ports only), from K and the devices' diagonal blocks.
    @inlinable
    func assembleJacobian() {
        let n = np
        for b in 0..<blockCount {
            let (o, m, storage) = blockList[b]
            let (start, size, js) = subsystems[subsystemOfPort[o]]
            let blk = blocks + storage
            for r in start..<(start &+ size) {
                let kr = K + (r &* n &+ o)
                let jr = jacobian + (js &+ (r &- start) &* size &+ (o &- start))
                switch m {
                case 1:
                    jr[0] = kr[0] * blk[0]
                case 2:
                    jr[0] = kr[0] * blk[0] + kr[1] * blk[2]
                    jr[1] = kr[0] * blk[1] + kr[1] * blk[3]
                case 3:
                    jr[0] = kr[0] * blk[0] + kr[1] * blk[3] + kr[2] * blk[6]
                    jr[1] = kr[0] * blk[1] + kr[1] * blk[4] + kr[2] * blk[7]
                    jr[2] = kr[0] * blk[2] + kr[1] * blk[5] + kr[2] * blk[8]
                default:
                    for c in 0..<m {
                        var sum = 0.0
                        for q in 0..<m { sum += kr[q] * blk[q &* m &+ c] }
                        jr[c] = sum
                    }
                }
            }
        }
        for k in 0..<subsystemCount {
            let (_, size, js) = subsystems[k]
            for d in 0..<size { jacobian[js &+ d &* size &+ d] -= 1 }
        }
    }

    /// Factors every subsystem's Jacobian; false if one is singular.
    @inlinable
    func factorJacobian() -> Bool {
        for k in 0..<subsystemCount {
            let (start, size, js) = subsystems[k]
            if !SmallLU.factor(jacobian + js, size, pivots: pivots + start) { return false }
        }
        return true
    }

    /// Solves J·x = b in place for every subsystem.
    @inlinable
    func solveJacobian(_ b: UnsafeMutablePointer<Double>) {
        for k in 0..<subsystemCount {
            let (start, size, js) = subsystems[k]
            SmallLU.solve(jacobian + js, size, pivots: pivots + start, b + start)
        }
    }

    /// Advances the circuit one step with the inputs in `u`; writes the outputs to `y`.
    ///
    /// Newton's method on F(v) = p + K·ĩ(v) − v, started from the prediction
    /// v = v_prev − J⁻¹·(p − p_prev) with the last factors of J = K·∂ĩ/∂v − I.
    @inlinable
    func step(_ y: UnsafeMutablePointer<Double>) {
        computeP()
        let n = np
        let state = runtime
        if n > 0 {
            if state.pointee.haveFactors {
                for k in 0..<n { residual[k] = p[k] - pPrevious[k] }
                solveJacobian(residual)
                for k in 0..<n { v[k] = vPrevious[k] - residual[k] }
                _ = devices.limit(v, old: vPrevious)
            }
            var iterations = 0
            var converged = false
            var fresh = false     // the factors are of this step's Jacobian
            var settled = false   // the last step, with fresh factors, was within tolerance
            while true {
                devices.evaluate(v, into: current, blocks: blocks, chargeBlocks: chargeBlocks, a0: a0)
                iterations &+= 1
                // F = p + K·ĩ − v (K couples only ports of one subsystem)
                var worst = 0.0
                for r in 0..<n {
                    var sum = p[r] - v[r]
                    let (start, size, _) = subsystems[subsystemOfPort[r]]
                    let kr = K + r &* n
                    for c in start..<(start &+ size) { sum += kr[c] * current[c] }
                    residual[r] = sum
                    let excess = abs(sum) - (absoluteTolerance + relativeTolerance * abs(v[r]))
                    if !(excess <= worst) { worst = excess.isNaN ? .infinity : excess }
                }
                if worst <= 0 || settled { converged = true; break }
                if iterations >= maxIterations { break }
                // Newton: factor this iterate's Jacobian. (With factors kept from the previous sample
                // the iteration converges only linearly; measured, it costs more than it saves.)
                do {
                    assembleJacobian()
                    state.pointee.counters.factorizations &+= 1
                    guard factorJacobian() else { state.pointee.haveFactors = false; break }
                    state.pointee.haveFactors = true
                    fresh = true
                }
                solveJacobian(residual)
                // The Newton step is −residual. When it is so small that the next iterate's error
                // (about its square over the thermal voltage) is within tolerance, take it and
                // move the evaluation along to first order instead of evaluating again.
                var small = fresh
                for k in 0..<n {
                    vTrial[k] = v[k] - residual[k]
                    let tolerance = absoluteTolerance + relativeTolerance * abs(v[k])
                    if !(residual[k] * residual[k] <= tolerance * 0.025) { small = false }
                }
                let limited = devices.limit(vTrial, old: v)
                if small && !limited {
                    for k in 0..<n { residual[k] = -residual[k] }
                    devices.correct(residual, current: current, blocks: blocks, chargeBlocks: chargeBlocks)
                    for k in 0..<n { v[k] = vTrial[k] }
                    converged = true
                    break
                }
                settled = fresh
                for k in 0..<n {
                    if !(abs(vTrial[k] - v[k]) <= absoluteTolerance + relativeTolerance * abs(v[k])) { settled = false }
                    v[k] = vTrial[k]
                }
            }
            state.pointee.counters.steps &+= 1
            state.pointee.counters.iterations &+= iterations
            if iterations > state.pointee.counters.maxIterations { state.pointee.counters.maxIterations = iterations }
            if !converged {
                state.pointee.counters.failures &+= 1
                var finite = true
                for k in 0..<n where !current[k].isFinite || !v[k].isFinite { finite = false }
                if !finite {
                    // Keep the previous step's solution rather than poison the state.
                    for k in 0..<n { v[k] = vPrevious[k]; current[k] = currentPrevious[k] }
                    state.pointee.haveFactors = false
                }
            }
        } else {
            state.pointee.counters.steps &+= 1
        }
        // y = D·s + E·u + F·ĩ
        for r in 0..<no {
            var sum = 0.0
            let d = D + r &* ns, e = E + r &* nu, f = F + r &* np
            for c in 0..<ns { sum += d[c] * s[c] }
            for c in 0..<nu { sum += e[c] * u[c] }
            for c in 0..<np { sum += f[c] * current[c] }
            y[r] = sum
        }
        // s ← A·s + B·u + C·ĩ
        for r in 0..<ns {
            var sum = 0.0
            let a = A + r &* ns, b = B + r &* nu, c = C + r &* np
            for k in 0..<ns { sum += a[k] * s[k] }
            for k in 0..<nu { sum += b[k] * u[k] }
            for k in 0..<np { sum += c[k] * current[k] }
            sNext[r] = sum
        }
        for k in 0..<ns { s[k] = sNext[k] }
        devices.accept(a0: a0)
        for k in 0..<np { pPrevious[k] = p[k]; vPrevious[k] = v[k]; currentPrevious[k] = current[k] }
    }

    // MARK: Buffers

    /// Processes `frames` frames of interleaved input (`inputChannels` per frame) into interleaved
    /// output (`outputChannels` per frame).
    @inlinable
    public func process(input: UnsafePointer<Double>, output: UnsafeMutablePointer<Double>, frames: Int) {
        let ni = inputChannels
        var f = 0
        while f < frames {
            // While a knob moves, glide it and update the model every `controlInterval` frames.
            let chunk = min(controlInterval, frames &- f)
            if runtime.pointee.controlsMoving { glideControls() }
            for k in f..<(f &+ chunk) { frame(input + k &* ni, output + k &* no) }
            f &+= chunk
        }
    }

    // MARK: Controls

    /// Sets the target position (0…1) of the control called `name`; the processor glides there
    /// (10 ms time constant) over the next blocks, without clicks. Returns false for an unknown name.
    /// Call it between `process` calls (from the audio thread).
    @discardableResult
    public func setControl(_ name: String, to position: Double) -> Bool {
        guard let k = controlNames.firstIndex(where: { $0.lowercased() == name.lowercased() }) else { return false }
        setControl(index: k, to: position)
        return true
    }

    /// Sets the target position (0…1) of control number `index` (see `controlNames`).
    public func setControl(index: Int, to position: Double) {
        guard index >= 0, index < controlCount, position.isFinite else { return }
        targets[index] = min(max(position, 0), 1)
        runtime.pointee.controlsMoving = true
    }

    /// The present (gliding) position of the control called `name`.
    public func controlPosition(_ name: String) -> Double? {
        controlNames.firstIndex(where: { $0.lowercased() == name.lowercased() }).map { positions[$0] }
    }

    /// Moves every control one glide step toward its target and updates the model.
    @usableFromInline
    func glideControls() {
        var moving = false
        for k in 0..<controlCount {
            let remaining = targets[k] - positions[k]
            if abs(remaining) < 1e-5 {
                positions[k] = targets[k]
            } else {
                positions[k] += glide * remaining
                moving = true
            }
        }
        applyControls()
        runtime.pointee.controlsMoving = moving
    }

    /// Rebuilds the live matrices from the base ones for the present control positions: a rank-nv
    /// update through W = (I + Δ·Q)⁻¹·Δ (no allocation, no re-derivation).
    @usableFromInline
    func applyControls() {
        guard nv > 0 else { return }
        for k in 0..<nv {
            let c = resistorControl[k], law = resistanceLaw[k]
            let f = Control.fraction(positions[c], taper: tapers[c])
            delta[k] = -(law[0] + law[1] * f - baseResistance[k])
        }
        // W: solve (I + Δ·Q)·W = Δ, column by column.
        for i in 0..<nv {
            for j in 0..<nv { updateMatrix[i &* nv &+ j] = (i == j ? 1 : 0) + delta[i] * Q[i &* nv &+ j] }
        }
        guard SmallLU.factor(updateMatrix, nv, pivots: updatePivots) else { return }
        for j in 0..<nv {
            let column = product  // scratch column
            for i in 0..<nv { column[i] = i == j ? delta[j] : 0 }
            SmallLU.solve(updateMatrix, nv, pivots: updatePivots, column)
            for i in 0..<nv { wMatrix[i &* nv &+ j] = column[i] }
        }
        // X = X₀ − L·(W·R) for each matrix.
        func update(_ x: UnsafeMutablePointer<Double>, _ x0: UnsafeMutablePointer<Double>, _ l: UnsafeMutablePointer<Double>, rows: Int, t: UnsafeMutablePointer<Double>, columns: Int) {
            for r in 0..<rows {
                for c in 0..<columns {
                    var sum = x0[r &* columns &+ c]
                    for k in 0..<nv { sum -= l[r &* nv &+ k] * t[k &* columns &+ c] }
                    x[r &* columns &+ c] = sum
                }
            }
        }
        func multiplyW(_ right: UnsafeMutablePointer<Double>, columns: Int) {
            for i in 0..<nv {
                for c in 0..<columns {
                    var sum = 0.0
                    for k in 0..<nv { sum += wMatrix[i &* nv &+ k] * right[k &* columns &+ c] }
                    product[i &* columns &+ c] = sum
                }
            }
        }
        multiplyW(Rs, columns: ns)
        update(A, A0, Ls, rows: ns, t: product, columns: ns)
        update(D, D0, Lo, rows: no, t: product, columns: ns)
        update(G, G0, Ln, rows: np, t: product, columns: ns)
        multiplyW(Ru, columns: nu)
        update(B, B0, Ls, rows: ns, t: product, columns: nu)
        update(E, E0, Lo, rows: no, t: product, columns: nu)
        update(H, H0, Ln, rows: np, t: product, columns: nu)
        multiplyW(Rz, columns: np)
        update(C, C0, Ls, rows: ns, t: product, columns: np)
        update(F, F0, Lo, rows: no, t: product, columns: np)
        update(K, K0, Ln, rows: np, t: product, columns: np)
        runtime.pointee.haveFactors = false
    }

    /// One audio frame: directly, or through the interpolators, `factor` circuit steps and the decimators.
    @inlinable
    func frame(_ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>) {
        let ni = inputChannels
        if factor == 1 {
            for c in 0..<ni { u[c] = x[c] }
            step(y)
            return
        }
        for c in 0..<ni { oversampler.push(x[c], channel: c) }
        for phase in 0..<factor {
            for c in 0..<ni { u[c] = oversampler.interpolate(channel: c, phase: phase) }
            step(highOutput)
            oversampler.record(highOutput)
        }
        for c in 0..<no { y[c] = oversampler.decimate(channel: c) }
    }

    /// Processes interleaved Float samples (computing in Double).
    @inlinable
    public func process(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, frames: Int) {
        let ni = inputChannels
        withUnsafeTemporaryAllocation(of: Double.self, capacity: max(ni + no, 1)) { buffer in
            let x = buffer.baseAddress!, y = x + ni
            for f in 0..<frames {
                for c in 0..<ni { x[c] = Double(input[f &* ni &+ c]) }
                frame(x, y)
                for c in 0..<no { output[f &* no &+ c] = Float(y[c]) }
            }
        }
    }

    /// Processes interleaved buffers; `output` must hold `input.count / inputChannels · outputChannels` samples.
    @inlinable
    public func process(input: UnsafeBufferPointer<Double>, output: UnsafeMutableBufferPointer<Double>) {
        let frames = inputChannels == 0 ? output.count / max(no, 1) : input.count / inputChannels
        precondition(output.count >= frames * no, "output buffer too small")
        process(input: input.baseAddress!, output: output.baseAddress!, frames: frames)
    }

    /// Convenience for one input channel: the output channels interleaved, one frame per input sample.
    public func process(_ input: [Double]) -> [Double] {
        var output = [Double](repeating: 0, count: input.count / max(inputChannels, 1) * no)
        input.withUnsafeBufferPointer { i in
            output.withUnsafeMutableBufferPointer { o in process(input: i, output: o) }
        }
        return output
    }
}
