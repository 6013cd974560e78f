import Foundation
import Synchronization

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
    /// The model input the processor drives itself with the time since it started or was reset —
    /// the `#time` source of a circuit whose behavioral sources read `time`, when it is not one of
    /// the configured inputs — or −1.
    @usableFromInline let clockChannel: Int
    /// The time a circuit step takes, s (for the clock).
    @usableFromInline let clockStep: Double
    /// The clock's start, s: 0, or with oversampling minus the interpolation filter's delay
    /// (`OversamplingFilter.inputDelay`), so that the time is delayed as the inputs are.
    let clockStart: Double
    /// The model's inputs but the constant one: the configured channels, then the clock if any.
    @usableFromInline let drivenInputs: Int
    /// Number of output channels (one per configured output).
    public let outputChannels: Int
    /// Delay added by the oversampling filters, in audio samples: a whole number (59, 65 and 67 at
    /// 2x, 4x and 8x), 0 without oversampling.
    public let latency: Double
    /// Names of the controls (`.pot`, `.varres`), in netlist order.
    public let controlNames: [String]

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
        /// The smallest residual (largest port error, V) of the step's iterates so far.
        @usableFromInline var bestNorm = Double.infinity
        /// 1/|Δp − K·Δh|² of the last step (the move the predictor followed), whose prediction
        /// error `predictionError` holds; 0: none. (Kept inverted so that the division is made at
        /// the end of a step, off the next prediction's path.)
        @usableFromInline var inverseLastMove = 0.0
        /// Whether a control is still gliding toward its target.
        @usableFromInline var controlsMoving = false
        /// The count of control changes last taken over from `controlChanges`.
        @usableFromInline var seenControlChanges = 0
        /// Steps failed in a row; past `failureLimit` the processor returns to its operating point.
        @usableFromInline var consecutiveFailures = 0
        /// Device evaluations the steps' fallbacks may still spend in this `process` call (see
        /// `ProcessorConfiguration.fallbackBudget`; a fine model's steps spend it on everything).
        @usableFromInline var allowance = Int.max
        /// `counters.iterations` at the start of this `process` call.
        @usableFromInline var callStart = 0
        /// The time since the processor started or was reset, s (for a circuit that reads `time`;
        /// see `clockStart`).
        @usableFromInline var clockTime = 0.0
        /// Whether the prediction solves a conducting junction in closed form (circuits of one or
        /// two ports whose devices are one-port junctions), and its state (see `JunctionPrediction`).
        @usableFromInline var solvesJunctions = false
        @usableFromInline var junctions = JunctionPrediction()
        /// Which device array the register kernel runs on (see `Processor.registerDevices`).
        @usableFromInline var registerDevices = RegisterDevices.none
        /// Whether `registerState` holds the register kernel's state as the last `process` call
        /// left it, ahead of the arrays it would be stored into (`flushRegisters` stores it), and
        /// that state (see `RegisterState`).
        @usableFromInline var registerLive = false
        @usableFromInline var registerState = RegisterState()
    }
    @usableFromInline let runtime: UnsafeMutablePointer<Runtime>

    // MARK: Model

    /// Sizes: states, inputs (the constant channel included), ports, outputs.
    @usableFromInline let ns: Int, nu: Int, np: Int, no: Int
    /// Step and its companion coefficients (2/T and 1 for the trapezoidal rule; see
    /// `SimulationOptions.companion`): a charge's current after a step is a0·(q − q_prev) − w·i_prev.
    @usableFromInline let step: Double, a0: Double, historyWeight: Double
    /// x = [s; u; ĩ]: state, inputs and device currents side by side, so that each output row is one
    /// dot product. `s`, `u` and `current` point into it.
    @usableFromInline let x: UnsafeMutablePointer<Double>
    @usableFromInline let s: UnsafeMutablePointer<Double>, u: UnsafeMutablePointer<Double>, current: UnsafeMutablePointer<Double>
    /// [G H] (np rows of width ns + nu): p = [G H]·[s; u].
    @usableFromInline let GH: UnsafeMutablePointer<Double>
    /// [A B C; D E F] (ns + no rows of width ns + nu + np): [s'; y] = [A B C; D E F]·x.
    @usableFromInline let ABCDEF: UnsafeMutablePointer<Double>
    /// The same matrix by columns, its ns + no rows padded to `updateRows` (even): the state update
    /// as a sum of columns scaled by x's entries, two rows per SIMD2 lane pair, instead of one dot
    /// product per row that reads x again each time (`refreshUpdateColumns` copies it).
    @usableFromInline let updateColumns: UnsafeMutablePointer<Double>
    @usableFromInline let updateRows: Int
    /// K (np × np), column-major: column c is K[c·np ..< (c+1)·np].
    @usableFromInline let K: UnsafeMutablePointer<Double>
    /// K with each subsystem's rows in the order of its Jacobian's rows (`jacobianRow`): the
    /// columns the Jacobian is assembled from.
    @usableFromInline let KJ: UnsafeMutablePointer<Double>
    /// The matrices as views into the fused storage, each with the row stride of its storage.
    @usableFromInline let A: UnsafeMutablePointer<Double>, B: UnsafeMutablePointer<Double>, C: UnsafeMutablePointer<Double>
    @usableFromInline let D: UnsafeMutablePointer<Double>, E: UnsafeMutablePointer<Double>, F: UnsafeMutablePointer<Double>
    @usableFromInline let G: UnsafeMutablePointer<Double>, H: UnsafeMutablePointer<Double>
    @usableFromInline let stateStride: Int, portStride: Int

    // MARK: Newton

    /// Kernel shape: the port count when the circuit is one subsystem of at most four ports (the
    /// kernel is then specialized for it), 0 otherwise.
    @usableFromInline let shape: Int
    /// Which device array the register kernel runs on, when the circuit qualifies (see `RegisterKernel`).
    @usableFromInline enum RegisterDevices { case none, diodes, bjts, jfets, korenTriodes, dzTriodes, capacitances }
    /// The register kernel's devices, or `.none` to use `step` for every sample (settable for tests).
    /// (Kept in `runtime`: read at every `process` call, a class property would be checked for
    /// exclusive access there.)
    @usableFromInline var registerDevices: RegisterDevices {
        get { runtime.pointee.registerDevices }
        set {
            flushRegisters()
            runtime.pointee.registerDevices = newValue
        }
    }
    /// Whether the prediction takes a second-order term: in systems of one or two ports where
    /// some device gives one (`DeviceArray.givesSecondOrderTerm`: recorded second derivatives or
    /// junction curvatures). In larger ones the term's
    /// product with K and its solve cost more than the evaluations it saves (the tube screamer at
    /// 20 mV: 1.25 → 1.08 evaluations per sample, but 14 638 → 16 370 instructions).
    @usableFromInline let predictsSecondOrder: Bool
    /// Solve every step in sub-steps, as the steps Newton cannot solve are (for tests; with
    /// `registerDevices` at `.none`).
    @usableFromInline var alwaysSubstep = false
    /// Whether the device charge currents handed back from sub-steps are the mean of the fine
    /// model's last two (see `Substeps.swift`); off, for tests, the hand-back is exact.
    @usableFromInline var smoothsHandBack = true
    @usableFromInline let sNext: UnsafeMutablePointer<Double>
    @usableFromInline let p: UnsafeMutablePointer<Double>, pPrevious: UnsafeMutablePointer<Double>
    @usableFromInline let v: UnsafeMutablePointer<Double>, vPrevious: UnsafeMutablePointer<Double>, vTrial: UnsafeMutablePointer<Double>
    @usableFromInline let currentPrevious: UnsafeMutablePointer<Double>
    /// The step's p while continuation walks toward it; the last accepted iterate of a damped Newton.
    @usableFromInline let pTarget: UnsafeMutablePointer<Double>, vBase: UnsafeMutablePointer<Double>
    /// The step's iterate with the smallest residual.
    @usableFromInline let vBest: UnsafeMutablePointer<Double>
    /// Where Newton from the prediction stopped when it ran out of its first evaluations: it
    /// resumes there when continuation fails too (see `step`).
    @usableFromInline let vResume: UnsafeMutablePointer<Double>
    /// The predictor's error at the last step (solution − prediction), extrapolated into the next prediction.
    @usableFromInline let predictionError: UnsafeMutablePointer<Double>
    /// How much each port's charge history (a0·q + i_q, the part of ĩ fixed by the past) changed
    /// from the last step to this one: the predictor's input besides the change of p.
    @usableFromInline let historyChange: UnsafeMutablePointer<Double>
    @usableFromInline let residual: UnsafeMutablePointer<Double>
    /// Each subsystem's Jacobian (column-major, factored in place) and its row swaps.
    @usableFromInline let jacobian: UnsafeMutablePointer<Double>, pivots: UnsafeMutablePointer<Int>
    /// ∂ĩ/∂v and ∂q/∂v of the devices. In a specialized kernel this is one dense np × np matrix with
    /// each device's block on the diagonal (the rest stays zero); otherwise one packed
    /// ports × ports block per device, listed in `blockList` as (first port, ports, storage offset).
    ///
    /// Between steps they serve only the junctions' second-order prediction, which takes each
    /// device's conductances ∂i/∂v at its latest evaluation from them (`DeviceSlot.conductance`); the
    /// register kernel leaves its own there as ∂ĩ/∂v = ∂i/∂v − G₀ with ∂q/∂v = 0.
    @usableFromInline let blocks: UnsafeMutablePointer<Double>
    @usableFromInline let chargeBlocks: UnsafeMutablePointer<Double>
    /// The second-order remainder of each port current, and the Newton step it would cause, for
    /// `curvatureAllows`.
    @usableFromInline let remainder: UnsafeMutablePointer<Double>, nextStep: UnsafeMutablePointer<Double>
    /// Each port's curvature scale σ for `curvatureScalesAllow`: the junction's (half of
    /// `firstOrderStepBound`) but where a device sets its own per iterate (pentode plates,
    /// transistor collectors; `PortDevice.curvatureScales`).
    @usableFromInline let curvatureScale: UnsafeMutablePointer<Double>
    /// Whether a device may give port k a curvature scale (`PortDevice.curvatureScalePorts`): a
    /// step that fails the junction bound on a port without one fails `curvatureScalesAllow` too.
    @usableFromInline let curvatureScaled: UnsafeMutablePointer<Bool>
    @usableFromInline let blockList: UnsafeMutablePointer<(offset: Int, ports: Int, storage: Int)>
    @usableFromInline let blockCount: Int
    /// Independent subsystems: first port, port count, and where its Jacobian block is stored; and
    /// for each port, the subsystem it belongs to.
    @usableFromInline let subsystems: UnsafeMutablePointer<(start: Int, count: Int, storage: Int)>
    @usableFromInline let subsystemCount: Int
    @usableFromInline let subsystemOfPort: UnsafeMutablePointer<Int>
    /// Where each port's column of J starts in `jacobian`, and its row within its subsystem's
    /// block: the port order, but for a subsystem with internal ports, those first (see `Condensation`).
    @usableFromInline let jacobianColumn: UnsafeMutablePointer<Int>, jacobianRow: UnsafeMutablePointer<Int>
    /// Each subsystem's internal ports, eliminated from its Jacobian before the LU.
    @usableFromInline let condensation: UnsafeMutablePointer<Condensation>
    /// For each internal port, the Jacobian rows of its device's other ports (in `partnerList`).
    @usableFromInline let partners: UnsafeMutablePointer<(start: Int, count: Int)>
    @usableFromInline let partnerList: UnsafeMutablePointer<Int>
    /// A subsystem's right-hand side in its Jacobian's row order.
    @usableFromInline let permuted: UnsafeMutablePointer<Double>
    @usableFromInline let devices: DeviceBank
    @usableFromInline let absoluteTolerance: Double, relativeTolerance: Double, maxIterations: Int
    /// `ProcessorConfiguration.fallbackBudget`, or −1 for none.
    @usableFromInline let fallbackBudget: Int
    /// Whether this is a fine model (its steps are all a coarse step's fallback: every evaluation
    /// spends the allowance).
    @usableFromInline let isFineModel: Bool
    /// Failed steps in a row after which the state is taken to be lost and the processor returns to
    /// its operating point (so that it recovers in bounded time whatever it was driven with).
    @usableFromInline let failureLimit = 16
    /// State and port voltages at the operating point, for `reset()`.
    let restState: [Double], restPorts: [Double], restInputs: [Double]
    /// The inputs at rest, which stand in for non-finite input samples, and the limit of a sample.
    @usableFromInline let inputRest: UnsafeMutablePointer<Double>
    @usableFromInline let inputLimit: Double

    // MARK: Controls

    /// Targets set from any thread (bit patterns of positions), and a count of changes bumped after
    /// each: the audio thread picks them up at the start of its next block, without locks.
    @usableFromInline let targetBits: UnsafeMutablePointer<Atomic<UInt64>>
    @usableFromInline let controlChanges = Atomic<Int>(0)
    /// Knob positions: present, target, and the taper of each.
    @usableFromInline let controlCount: Int
    @usableFromInline let positions: UnsafeMutablePointer<Double>, targets: UnsafeMutablePointer<Double>
    @usableFromInline let tapers: UnsafeMutablePointer<Control.Taper>
    /// Controlled resistances: their control, their law R = c₀ + c₁·fraction, and the resistance the
    /// base matrices hold.
    @usableFromInline let resistorControl: UnsafeMutablePointer<Int>, resistanceLaw: UnsafeMutablePointer<SIMD2<Double>>
    @usableFromInline let baseResistance: UnsafeMutablePointer<Double>
    @usableFromInline let nv: Int
    /// Base matrices (controls at their netlist settings, packed) and low-rank factors (see StateSpaceModel).
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

    // MARK: Oversampling

    /// Oversampling factor and filters.
    @usableFromInline let factor: Int
    @usableFromInline let oversampler: OversamplingState
    /// One high-rate output frame.
    @usableFromInline let highOutput: UnsafeMutablePointer<Double>
    /// The last step's outputs, which a rejected step repeats.
    @usableFromInline let lastOutput: UnsafeMutablePointer<Double>

    // MARK: Sub-steps

    /// The state and inputs of the step before the last: with the state after it, they give each
    /// capacitor's voltage and current (see `Substeps.swift`).
    @usableFromInline let sPrevious: UnsafeMutablePointer<Double>, uPrevious: UnsafeMutablePointer<Double>
    /// A processor of the same circuit at a `fineSteps`-th of the step, which solves the steps
    /// this one cannot (nil for the fine processor itself and for circuits without devices).
    @usableFromInline let fine: Processor?
    /// One of the model's devices and the offset of its first port.
    struct LayoutEntry: Equatable {
        var device: NonlinearDevice
        var offset: Int
    }
    /// The model's devices and their ports, which a fine model must share (checked, not used per sample).
    let layout: [LayoutEntry]
    @usableFromInline let fineSteps: Int
    /// Number of capacitors and inductors, and the state reduction (full states = basis·states,
    /// row-major fullStates × ns; states = basisInverse·full states), with two full-state vectors.
    @usableFromInline let fullStates: Int
    @usableFromInline let basis: UnsafeMutablePointer<Double>, basisInverse: UnsafeMutablePointer<Double>
    @usableFromInline let fullA: UnsafeMutablePointer<Double>, fullB: UnsafeMutablePointer<Double>

    /// Every buffer allocated in `init`, freed in `deinit`.
    private var allocations: [UnsafeMutableRawPointer] = []

    /// Builds a processor for `circuit`: derives its state-space model at the configured rate and
    /// starts it at the DC operating point.
    public convenience init(_ circuit: Circuit, configuration: ProcessorConfiguration) throws(SimulationError) {
        guard (0...ProcessorConfiguration.maximumSubstepLevels).contains(configuration.substepLevels) else {
            throw SimulationError("sub-step levels must be 0 to \(ProcessorConfiguration.maximumSubstepLevels), not \(configuration.substepLevels)")
        }
        if let budget = configuration.fallbackBudget, budget < 0 {
            throw SimulationError("the fallback budget must not be negative, not \(budget)")
        }
        // A tolerance that no residual can meet (negative, NaN, or zero where a port rests at 0 V)
        // would fail every step and hold the output still.
        guard configuration.absoluteTolerance > 0, configuration.absoluteTolerance.isFinite else {
            throw SimulationError("the absolute tolerance must be positive, not \(configuration.absoluteTolerance)")
        }
        guard configuration.relativeTolerance >= 0, configuration.relativeTolerance.isFinite else {
            throw SimulationError("the relative tolerance must not be negative, not \(configuration.relativeTolerance)")
        }
        if let rest = configuration.restInputs {
            for (k, value) in rest.enumerated() where !value.isFinite {
                let name = k < configuration.inputs.count ? "input '\(configuration.inputs[k])'" : "input \(k + 1)"
                throw SimulationError("\(name): its value at rest must be finite, not \(value)")
            }
        }
        // One source as two channels: which of them would it follow?
        var seen = Set<String>()
        for name in configuration.inputs where !seen.insert(name.lowercased()).inserted {
            throw SimulationError("input '\(name)' is given twice")
        }
        try self.init(circuit, configuration: configuration, fineSteps: 4, levels: configuration.substepLevels, isFineModel: false, constantDevices: nil,
                      movingSwitches: nil)
    }

    /// A processor whose steps that fail are solved again in `fineSteps` shorter ones, whose own
    /// failing steps likewise, `levels` deep (0: never). `constantDevices` and `movingSwitches`:
    /// the parent's, for a fine model (see `StateSpaceModel.init`).
    init(_ circuit: Circuit, configuration: ProcessorConfiguration, fineSteps: Int, levels: Int, isFineModel: Bool,
         constantDevices: Set<Int>?, movingSwitches: [Int]?) throws(SimulationError) {
        guard configuration.sampleRate > 0, configuration.sampleRate.isFinite else {
            throw SimulationError("sample rate must be positive, not \(configuration.sampleRate)")
        }
        guard [1, 2, 4, 8].contains(configuration.oversampling) else {
            throw SimulationError("oversampling must be 1, 2, 4 or 8, not \(configuration.oversampling)")
        }
        guard !configuration.outputs.isEmpty else { throw SimulationError("a processor needs at least one output") }
        guard configuration.inputLimit > 0 else { throw SimulationError("the input limit must be positive, not \(configuration.inputLimit)") }
        self.configuration = configuration
        // A circuit that reads `time` gets it from the processor unless `#time` is a configured input.
        let clocked = circuit.element(named: "#time") != nil && !configuration.inputs.contains { $0.lowercased() == "#time" }
        let modelInputs = configuration.inputs + (clocked ? ["#time"] : [])
        let modelRest = configuration.restInputs.map { $0 + (clocked ? [0] : []) }
        let model = try StateSpaceModel(circuit, step: 1 / (configuration.sampleRate * Double(configuration.oversampling)),
                                        inputs: modelInputs, outputs: configuration.outputs, restInputs: modelRest,
                                        constantDevices: constantDevices, movingSwitches: movingSwitches,
                                        initialConditions: configuration.usesInitialConditions)
        // Everything that can throw comes before the buffers below, which only deinit frees (a
        // fine model that failed after them leaked them all; found by the fuzzer under LeakSanitizer).
        if fineSteps > 1 && levels > 0 && model.portCount > 0 {
            var fineConfiguration = configuration
            fineConfiguration.sampleRate *= Double(configuration.oversampling * fineSteps)
            fineConfiguration.oversampling = 1
            // The fine model folds the ports this one folds (a port on the edge of constant at one
            // step may not be at the other: a fuzzed op-amp model had 8 ports here and 10 there).
            let candidate = try Processor(circuit, configuration: fineConfiguration, fineSteps: fineSteps, levels: levels - 1, isFineModel: true,
                                          constantDevices: model.constantDevices, movingSwitches: model.movingSwitches)
            // The two models must have the same ports, devices and full states to hand a step over;
            // should they not, this processor takes no sub-steps, and a step it cannot solve counts as failed.
            if candidate.np == model.portCount && candidate.fullStates == model.fullStateCount && candidate.nu == model.inputCount
                && candidate.layout == model.devices.map({ Processor.LayoutEntry(device: $0.device, offset: $0.offset) }) {
                fine = candidate
                self.fineSteps = fineSteps
            } else {
                fine = nil
                self.fineSteps = 0
            }
        } else {
            fine = nil
            self.fineSteps = 0
        }
        layout = model.devices.map { LayoutEntry(device: $0.device, offset: $0.offset) }
        let (ns, nu, np, no) = (model.stateCount, model.inputCount, model.portCount, model.outputCount)
        (self.ns, self.nu, self.np, self.no) = (ns, nu, np, no)
        inputChannels = configuration.inputs.count
        clockChannel = clocked ? configuration.inputs.count : -1
        drivenInputs = nu - 1
        clockStep = model.step
        outputChannels = no
        step = model.step
        a0 = model.a0
        historyWeight = model.historyWeight

        var allocations: [UnsafeMutableRawPointer] = []
        func buffer<T>(_ count: Int, _ value: T) -> UnsafeMutablePointer<T> {
            let pointer = UnsafeMutablePointer<T>.allocate(capacity: max(count, 1))
            pointer.initialize(repeating: value, count: max(count, 1))
            allocations.append(UnsafeMutableRawPointer(pointer))
            return pointer
        }
        func vector(_ n: Int) -> UnsafeMutablePointer<Double> { buffer(n, 0.0) }
        func copy(_ m: Matrix) -> UnsafeMutablePointer<Double> {
            let pointer = vector(m.entries.count)
            for (k, value) in m.entries.enumerated() { pointer[k] = value }
            return pointer
        }

        // Fused matrices and their views.
        x = vector(ns + nu + np)
        s = x; u = x + ns; current = x + ns + nu
        stateStride = ns + nu
        portStride = ns + nu + np
        GH = vector(np * stateStride)
        ABCDEF = vector((ns + no) * portStride)
        updateRows = (ns + no + 1) & ~1
        updateColumns = vector(updateRows * portStride)
        G = GH; H = GH + ns
        A = ABCDEF; B = ABCDEF + ns; C = ABCDEF + ns + nu
        D = ABCDEF + ns * portStride; E = D + ns; F = D + ns + nu
        K = vector(np * np)
        for r in 0..<np { for c in 0..<np { K[c * np + r] = model.K[r, c] } }
        func place(_ m: Matrix, at target: UnsafeMutablePointer<Double>, stride: Int) {
            for r in 0..<m.rows { for c in 0..<m.columns { target[r * stride + c] = m[r, c] } }
        }
        place(model.G, at: G, stride: stateStride); place(model.H, at: H, stride: stateStride)
        place(model.A, at: A, stride: portStride); place(model.B, at: B, stride: portStride); place(model.C, at: C, stride: portStride)
        place(model.D, at: D, stride: portStride); place(model.E, at: E, stride: portStride); place(model.F, at: F, stride: portStride)
        Self.transpose(ABCDEF, rows: ns + no, width: portStride, into: updateColumns, paddedRows: updateRows)

        // Newton storage.
        sNext = vector(updateRows)  // the next state, then the outputs (`updateStateAndOutputs`)
        sPrevious = vector(ns)
        uPrevious = vector(nu)
        fullStates = model.fullStateCount
        basis = vector(fullStates * ns)
        basisInverse = vector(ns * fullStates)
        for r in 0..<fullStates {
            for c in 0..<ns {
                basis[r * ns + c] = model.stateBasis.map { $0[r, c] } ?? (r == c ? 1 : 0)
                basisInverse[c * fullStates + r] = model.stateBasisInverse.map { $0[c, r] } ?? (r == c ? 1 : 0)
            }
        }
        fullA = vector(fullStates)
        fullB = vector(fullStates)
        p = vector(np); pPrevious = vector(np)
        v = vector(np); vPrevious = vector(np); vTrial = vector(np)
        currentPrevious = vector(np); residual = vector(np); predictionError = vector(np); historyChange = vector(np); pTarget = vector(np); vBase = vector(np); vBest = vector(np)
        vResume = vector(np)
        subsystemCount = model.subsystems.count
        shape = subsystemCount == 1 && np <= 4 ? np : 0
        subsystems = buffer(subsystemCount, (start: 0, count: 0, storage: 0))
        subsystemOfPort = buffer(np, 0)
        var jacobianStorage = 0
        for (k, block) in model.subsystems.enumerated() {
            subsystems[k] = (block.start, block.count, jacobianStorage)
            for port in block.start..<(block.start + block.count) { subsystemOfPort[port] = k }
            jacobianStorage += block.count * block.count
        }
        jacobian = vector(jacobianStorage)
        pivots = buffer(np, 0)
        // Internal ports, where a subsystem has more than four ports (smaller ones are factored
        // whole): their Jacobian rows and columns first, their devices' other ports as partners.
        condensation = buffer(subsystemCount, Condensation())
        let rowOf = buffer(np, 0), columnOf = buffer(np, 0)
        var partnerRanges: [(start: Int, count: Int)] = [], partnerRows: [Int] = []
        for (k, block) in model.subsystems.enumerated() {
            let range = block.start..<(block.start + block.count)
            let devicesHere = model.devices.indices.filter { range.contains(model.devices[$0].offset) }
            let inner = shape == 0 && block.count > 4
                ? devicesHere.filter { model.internalPorts[$0] >= 0 }.map { model.devices[$0].offset + model.internalPorts[$0] } : []
            let order = inner + range.filter { !inner.contains($0) }
            for (row, port) in order.enumerated() {
                rowOf[port] = row
                columnOf[port] = subsystems[k].storage + row * block.count
            }
            guard !inner.isEmpty else { continue }
            condensation[k] = Condensation(internalStart: partnerRanges.count, internalCount: inner.count)
            for d in devicesHere where model.internalPorts[d] >= 0 {
                let (device, offset) = model.devices[d]
                let others = (0..<device.portCount).filter { $0 != model.internalPorts[d] }.map { rowOf[offset + $0] }
                partnerRanges.append((partnerRows.count, others.count))
                partnerRows += others
            }
        }
        partners = buffer(partnerRanges.count, (start: 0, count: 0))
        for (k, e) in partnerRanges.enumerated() { partners[k] = e }
        partnerList = buffer(partnerRows.count, 0)
        for (k, e) in partnerRows.enumerated() { partnerList[k] = e }
        permuted = vector(np)
        jacobianRow = rowOf
        jacobianColumn = columnOf
        KJ = vector(np * np)
        Self.permuteRows(K, into: KJ, np: np, subsystems: subsystems, count: subsystemCount, rows: rowOf)
        blockCount = model.devices.count
        blockList = buffer(blockCount, (offset: 0, ports: 0, storage: 0))
        for (k, d) in model.devices.enumerated() { blockList[k] = (d.offset, d.device.portCount, model.blockOffsets[k]) }
        if shape != 0 {
            // One dense matrix, each device's block on its diagonal.
            blocks = vector(np * np)
            chargeBlocks = vector(np * np)
            devices = DeviceBank(model, blockOffsets: model.devices.map { $0.offset * (np + 1) },
                                 blockStrides: model.devices.map { _ in np })
        } else {
            blocks = vector(model.blockStorage)
            chargeBlocks = vector(model.blockStorage)
            devices = DeviceBank(model, blockOffsets: model.blockOffsets, blockStrides: model.devices.map(\.device.portCount))
        }
        remainder = vector(np)
        predictsSecondOrder = np <= 2 && devices.givesSecondOrderTerm
        nextStep = vector(np)
        curvatureScale = buffer(np, firstOrderStepBound / 2)
        curvatureScaled = buffer(np, false)
        devices.markCurvatureScalePorts(curvatureScaled)
        absoluteTolerance = configuration.absoluteTolerance
        relativeTolerance = configuration.relativeTolerance
        maxIterations = max(configuration.maxIterations, 1)
        fallbackBudget = configuration.fallbackBudget ?? -1
        self.isFineModel = isFineModel
        restState = model.initialState
        restPorts = model.initialPorts
        restInputs = model.restInputs
        inputLimit = configuration.inputLimit
        inputRest = vector(inputChannels)
        for k in 0..<inputChannels { inputRest[k] = model.restInputs[k] }
        runtime = buffer(1, Runtime())

        // Controls.
        controlNames = model.controls.map(\.name)
        controlCount = model.controls.count
        positions = vector(controlCount)
        targets = vector(controlCount)
        tapers = buffer(controlCount, Control.Taper.linear)
        targetBits = .allocate(capacity: max(controlCount, 1))
        for (k, c) in model.controls.enumerated() {
            positions[k] = c.control.position
            targets[k] = c.control.position
            tapers[k] = c.control.taper
            (targetBits + k).initialize(to: Atomic(c.control.position.bitPattern))
        }
        nv = model.controlledResistors.count
        resistorControl = buffer(nv, 0)
        resistanceLaw = buffer(nv, SIMD2<Double>())
        for (k, r) in model.controlledResistors.enumerated() {
            resistorControl[k] = r.control
            let c0 = r.resistance(0)
            resistanceLaw[k] = SIMD2(c0, r.resistance(1) - c0)
        }
        baseResistance = vector(nv)
        for k in 0..<nv { baseResistance[k] = model.baseResistances[k] }
        A0 = copy(model.A); B0 = copy(model.B); C0 = copy(model.C)
        D0 = copy(model.D); E0 = copy(model.E); F0 = copy(model.F)
        G0 = copy(model.G); H0 = copy(model.H); K0 = copy(model.K)
        Q = copy(model.Q); Ls = copy(model.Ls); Lo = copy(model.Lo); Ln = copy(model.Ln)
        Rs = copy(model.Rs); Ru = copy(model.Ru); Rz = copy(model.Rz)
        updateMatrix = vector(nv * nv)
        updatePivots = buffer(nv, 0)
        wMatrix = vector(nv * nv)
        delta = vector(nv)
        product = vector(nv * max(ns, nu, np, 1))
        glide = 1 - exp(-Double(controlInterval) / (0.01 * configuration.sampleRate))

        // Oversampling.
        factor = configuration.oversampling
        let filter = OversamplingFilter(factor: factor)
        oversampler = OversamplingState(filter, inputs: configuration.inputs.count, outputs: no)
        latency = factor == 1 ? 0 : filter.latency
        clockStart = factor == 1 ? 0 : -filter.inputDelay / configuration.sampleRate
        runtime.pointee.clockTime = clockStart
        highOutput = vector(no)
        lastOutput = vector(no)
        self.allocations = allocations

        reset()
        // The outputs at the operating point: at rest the model's first step gives them again; a
        // circuit whose held states move from the first instant (an integrator, an oscillator's
        // phase) gives the next sample's instead.
        let y = model.restOutputs
        restOutput = y
        for r in 0..<no { lastOutput[r] = y[r] }
        oversampler.reset(inputs: restInputs, outputs: y)
        registerDevices = eligibleRegisterDevices()
        if registerDevices == .diodes && factor == 1 {
            // Not when oversampled: there the tangent with its extrapolated error rarely misses, and
            // the solve's latency on every conducting step cost more than the evaluations it saved
            // (the diode clipper at 4x: 1, 3 and 10 V each about 10 % slower; see `JunctionPrediction`).
            let d = devices.diodes
            runtime.pointee.solvesJunctions = true
            runtime.pointee.junctions = JunctionPrediction(d.slots[0].device, d.count == 2 ? d.slots[1].device : nil, a0: a0)
        }
    }

    deinit {
        targetBits.deinitialize(count: controlCount)
        targetBits.deallocate()
        for pointer in allocations { pointer.deallocate() }
        oversampler.deallocate()
        devices.deallocate()
    }

    /// Returns the circuit to its DC operating point (no allocation).
    public func reset() {
        for k in 0..<drivenInputs { u[k] = restInputs[k] }
        runtime.pointee.clockTime = clockStart
        u[nu - 1] = 1
        restart()
        if !restOutput.isEmpty { oversampler.reset(inputs: restInputs, outputs: restOutput) }
    }

    /// The circuit back to its operating point — state, port voltages, device charges — and the
    /// output filters' history with it (after `failureLimit` failed steps in a row it holds their
    /// outputs). No allocation.
    @usableFromInline
    func restart() {
        for k in 0..<ns { s[k] = restState[k]; sPrevious[k] = restState[k] }
        for k in 0..<drivenInputs { uPrevious[k] = restInputs[k] }
        uPrevious[nu - 1] = 1
        for k in 0..<np { v[k] = restPorts[k]; vPrevious[k] = restPorts[k] }
        devices.reset()
        devices.evaluate(v, into: current, blocks: blocks, chargeBlocks: chargeBlocks, a0: a0)
        for k in 0..<np { currentPrevious[k] = current[k]; historyChange[k] = 0 }
        // p_prev as at rest: p = G·s + H·u with the inputs at rest.
        for r in 0..<np {
            var sum = 0.0
            for c in 0..<ns { sum += G[r &* stateStride &+ c] * s[c] }
            for c in 0..<drivenInputs { sum += H[r &* stateStride &+ c] * restInputs[c] }
            sum += H[r &* stateStride &+ nu &- 1]
            pPrevious[r] = sum
        }
        runtime.pointee.haveFactors = false
        runtime.pointee.inverseLastMove = 0
        runtime.pointee.consecutiveFailures = 0
        runtime.pointee.junctions.inverseReference = .zero
        // A reset processor runs as a new one, to the bit: nothing the register kernel held.
        runtime.pointee.registerLive = false
        if !restOutput.isEmpty {
            oversampler.resetOutputs(restOutput)
            for r in 0..<no { lastOutput[r] = restOutput[r] }
        }
    }

    /// Forgets the statistics.
    public func resetStatistics() { runtime.pointee.counters = ProcessorStatistics() }

    // MARK: Buffers

    /// Processes `frames` frames of interleaved input (`inputChannels` per frame) into interleaved
    /// output (`outputChannels` per frame). Without a fallback budget (which is pooled over each
    /// call, `ProcessorConfiguration.fallbackBudget`) the output does not depend on how a signal is
    /// split into calls, to the bit. Each call costs a fixed setup besides its frames (for the
    /// smallest circuits about half a frame's work), so blocks of 16 frames or more are cheaper
    /// per frame than one frame per call.
    @inlinable
    public func process(input: UnsafePointer<Double>, output: UnsafeMutablePointer<Double>, frames: Int) {
        beginCall(frames: frames)
        run(input, output, frames)
        endCall()
    }

    /// The start of a `process` call of `frames` frames: its allowance for the fallbacks
    /// (`ProcessorConfiguration.fallbackBudget`), and the count its work is measured from.
    @inlinable
    func beginCall(frames: Int) {
        let (allowance, overflow) = fallbackBudget.multipliedReportingOverflow(by: frames)
        runtime.pointee.allowance = fallbackBudget < 0 || overflow ? .max : allowance
        runtime.pointee.callStart = runtime.pointee.counters.iterations
    }

    /// The end of a `process` call: its evaluations against the most of any call.
    @inlinable
    func endCall() {
        let spent = runtime.pointee.counters.iterations &- runtime.pointee.callStart
        if spent > runtime.pointee.counters.maxIterationsPerCall { runtime.pointee.counters.maxIterationsPerCall = spent }
    }

    /// `frames` frames through the kernel specialized for the circuit's port count. (Inlined into
    /// `process`: as a call there, it made the 12AX7 stage 14 % slower in the benchmark package.)
    @inlinable @inline(__always)
    func run(_ input: UnsafePointer<Double>, _ output: UnsafeMutablePointer<Double>, _ frames: Int) {
        // One switch per block picks the kernel specialized for the circuit's port count.
        switch shape {
        case 1: run(OnePort.self, input, output, frames)
        case 2: run(TwoPorts.self, input, output, frames)
        case 3: run(ThreePorts.self, input, output, frames)
        case 4: run(FourPorts.self, input, output, frames)
        default: run(AnyPorts.self, input, output, frames)
        }
    }

    /// Processes frames with the kernel `Shape`, updating gliding controls every `controlInterval` frames.
    @inlinable
    func run<Shape: KernelShape>(_: Shape.Type, _ input: UnsafePointer<Double>, _ output: UnsafeMutablePointer<Double>, _ frames: Int) {
        let ni = inputChannels
        takeControlChanges()
        var f = 0
        while f < frames {
            // While a control glides, it moves every `controlInterval` frames; otherwise nothing
            // changes until the next block.
            let moving = runtime.pointee.controlsMoving
            let chunk = moving ? min(controlInterval, frames &- f) : frames &- f
            if moving {
                // The controls change K, which the register kernel reads once per call.
                flushRegisters()
                glideControls()
            }
            if (Shape.ports == 1 || Shape.ports == 2) && registerDevices != .none {
                runRegisters(input + f &* ni, output + f &* no, chunk)
            } else {
                for k in f..<(f &+ chunk) { frame(Shape.self, input + k &* ni, output + k &* no) }
            }
            f &+= chunk
        }
    }

    /// Processes interleaved Float samples (computing in Double).
    @inlinable
    public func process(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, frames: Int) {
        let ni = inputChannels, no = no
        processConverting(frames: frames) { f, chunk, x in
            for k in 0..<(chunk &* ni) { x[k] = Double(input[f &* ni &+ k]) }
        } write: { f, chunk, y in
            for k in 0..<(chunk &* no) { output[f &* no &+ k] = Float(y[k]) }
        }
    }

    /// Processes `frames` frames from one buffer per input channel (`inputs[c]` for c below
    /// `inputChannels`) into one buffer per output channel (`outputs[c]`): the non-interleaved
    /// layout in which audio hosts hand channels over (an `AudioBufferList`'s buffers, JUCE's
    /// `float* const*`). Computed in Double, without allocation; the same output, to the bit, as
    /// the interleaved `process(input:output:frames:)` on the same samples.
    @inlinable
    public func process(inputs: UnsafePointer<UnsafePointer<Float>>, outputs: UnsafePointer<UnsafeMutablePointer<Float>>, frames: Int) {
        processChannels(inputs, outputs, frames)
    }

    /// `process(inputs:outputs:frames:)` for Double channel buffers.
    @inlinable
    public func process(inputs: UnsafePointer<UnsafePointer<Double>>, outputs: UnsafePointer<UnsafeMutablePointer<Double>>, frames: Int) {
        processChannels(inputs, outputs, frames)
    }

    /// Non-interleaved channels of `Sample` through the processor (see `process(inputs:outputs:frames:)`).
    @inlinable
    func processChannels<Sample: BinaryFloatingPoint>(_ inputs: UnsafePointer<UnsafePointer<Sample>>,
                                                      _ outputs: UnsafePointer<UnsafeMutablePointer<Sample>>, _ frames: Int) {
        let ni = inputChannels, no = no
        processConverting(frames: frames) { f, chunk, x in
            for c in 0..<ni {
                let channel = inputs[c] + f
                for k in 0..<chunk { x[k &* ni &+ c] = Double(channel[k]) }
            }
        } write: { f, chunk, y in
            for c in 0..<no {
                let channel = outputs[c] + f
                for k in 0..<chunk { channel[k] = Sample(y[k &* no &+ c]) }
            }
        }
    }

    /// One `process` call of `frames` frames through interleaved Double buffers of `controlInterval`
    /// frames on the stack: `read(f, n, x)` fills x with frames f ..< f + n, `write(f, n, y)` takes
    /// their outputs.
    @inlinable @inline(__always)
    func processConverting(frames: Int, read: (Int, Int, UnsafeMutablePointer<Double>) -> Void,
                           write: (Int, Int, UnsafePointer<Double>) -> Void) {
        let ni = inputChannels
        withUnsafeTemporaryAllocation(of: Double.self, capacity: max(controlInterval * (ni + no), 1)) { buffer in
            let x = buffer.baseAddress!, y = x + controlInterval * ni
            beginCall(frames: frames)
            var f = 0
            while f < frames {
                let chunk = min(controlInterval, frames &- f)
                read(f, chunk, x)
                run(x, y, chunk)
                write(f, chunk, y)
                f &+= chunk
            }
            endCall()
        }
    }

    /// Processes interleaved buffers; `output` must hold `input.count / inputChannels · outputChannels` samples.
    /// Empty buffers (whose base address may be nil) are no frames: nothing happens.
    @inlinable
    public func process(input: UnsafeBufferPointer<Double>, output: UnsafeMutableBufferPointer<Double>) {
        let frames = inputChannels == 0 ? output.count / max(no, 1) : input.count / inputChannels
        precondition(output.count >= frames * no, "output buffer too small")
        guard frames > 0, let y = output.baseAddress else { return }
        guard let x = input.baseAddress else {
            // No input channels (frames > 0 with an empty input): nothing is read from it.
            var none = 0.0
            withUnsafePointer(to: &none) { process(input: $0, output: y, frames: frames) }
            return
        }
        process(input: x, output: y, frames: frames)
    }

    /// Convenience for one input channel: the output channels interleaved, one frame per input sample.
    public func process(_ input: [Double]) -> [Double] {
        var output = [Double](repeating: 0, count: input.count / max(inputChannels, 1) * no)
        input.withUnsafeBufferPointer { i in
            output.withUnsafeMutableBufferPointer { o in process(input: i, output: o) }
        }
        return output
    }

    /// Copies [A B C; D E F] into `updateColumns` (after a control has moved it).
    func refreshUpdateColumns() {
        Self.transpose(ABCDEF, rows: ns + no, width: portStride, into: updateColumns, paddedRows: updateRows)
    }

    /// The row-major `rows` × `width` matrix at `source` into `target` by columns, each column
    /// `paddedRows` long.
    static func transpose(_ source: UnsafePointer<Double>, rows: Int, width: Int, into target: UnsafeMutablePointer<Double>, paddedRows: Int) {
        for r in 0..<rows {
            for c in 0..<width { target[c * paddedRows + r] = source[r * width + c] }
        }
    }

    /// Whether `updateColumns` holds [A B C; D E F] as the rows do (for tests: a control's move
    /// must reach both copies).
    func updateColumnsMatchRows() -> Bool {
        for r in 0..<(ns + no) {
            for c in 0..<portStride where updateColumns[c * updateRows + r] != ABCDEF[r * portStride + c] { return false }
        }
        return true
    }

    /// The live matrix `name` (A … H, K, and KJ: K in the Jacobian's row order) as packed row-major
    /// entries, for tests and inspection.
    func liveMatrix(_ name: String) -> [Double] {
        let (pointer, rows, columns, stride): (UnsafeMutablePointer<Double>, Int, Int, Int) = switch name {
        case "A": (A, ns, ns, portStride)
        case "B": (B, ns, nu, portStride)
        case "C": (C, ns, np, portStride)
        case "D": (D, no, ns, portStride)
        case "E": (E, no, nu, portStride)
        case "F": (F, no, np, portStride)
        case "G": (G, np, ns, stateStride)
        case "H": (H, np, nu, stateStride)
        default: (K, np, np, 1)  // column-major
        }
        if name == "K" || name == "KJ" {
            let k = name == "K" ? K : KJ
            return (0..<(rows * columns)).map { k[($0 % columns) * np + $0 / columns] }
        }
        return (0..<(rows * columns)).map { pointer[($0 / columns) * stride + $0 % columns] }
    }
}
