/// How to build a real-time `Processor` from a circuit.
public struct ProcessorConfiguration: Sendable, Hashable {
    /// Names of the independent sources the input channels drive, in channel order (`Vin`). Every
    /// other independent source is held at its DC value.
    public var inputs: [String]
    /// What the output channels carry, in order: node voltages (`v(out)`, `v(a,b)`) or the current
    /// of a resistor, capacitor, inductor or voltage source (`i(rload)`).
    public var outputs: [Probe]
    /// Sample rate of the audio, Hz.
    public var sampleRate: Double
    /// The circuit runs at `oversampling` times the sample rate: 1, 2, 4 or 8.
    public var oversampling: Int
    /// The input channels' values at rest, where the DC operating point is found; nil for the
    /// sources' DC values.
    public var restInputs: [Double]?
    /// Start from the circuit's initial conditions — `.ic` node voltages, capacitors' and
    /// inductors' `IC=` — as a transient with UIC starts, instead of the operating point (false).
    /// `reset()` returns there.
    public var usesInitialConditions: Bool
    /// Newton stops when every port equation is satisfied to this many volts plus `relativeTolerance`
    /// times the port voltage.
    public var absoluteTolerance: Double
    /// Relative part of the convergence test.
    public var relativeTolerance: Double
    /// At most this many Newton iterations for each stage of a step's solution: Newton from the
    /// prediction gets 16 of them, and a step that needs more is solved by continuation, then by
    /// Newton resumed for the rest of these, then in shorter steps (see Docs/Realtime.md); one
    /// that none of these solves counts as a failure.
    public var maxIterations: Int
    /// How deep steps that Newton and continuation cannot solve are taken in sub-steps: each level
    /// a model at a quarter of the step of the one above (0: never; at most 6). Every level adds a
    /// model's memory and build time and multiplies the worst case of a step's work by about five
    /// (see Docs/Realtime.md); 4 by default (T/256), which a latch snapping within a few hundred
    /// nanoseconds needs at 50 kHz (with 3 the class-AB stage driven 20–26 dB into clipping
    /// already failed no step in a second; with 2, up to about twenty).
    public var substepLevels: Int
    /// The deepest `substepLevels` allowed: T/4096, a few nanoseconds at audio rates.
    public static let maximumSubstepLevels = 6
    /// Device evaluations per frame that the steps Newton from the prediction does not solve may
    /// spend on their fallbacks (continuation, sub-steps), pooled over each `process` call: a call
    /// of N frames spends at most N times this on them, so that its work is bounded by
    /// N·(17·`oversampling` + this) evaluations (Newton from the prediction takes at most 16 per
    /// step, and a failed step may evaluate its nearest iterate once more). A step that finds the
    /// allowance spent is not solved and counts as a failure (`ProcessorStatistics.overBudget`).
    /// nil, the default: no limit beyond the iteration and sub-step limits, under which one step
    /// may take over a hundred thousand evaluations (see Docs/Realtime.md).
    public var fallbackBudget: Int?
    /// Input samples are limited to ± this (volts or amperes; 1 kV by default, far beyond any audio
    /// signal): a wild sample then cannot charge the circuit's capacitors beyond what it recovers
    /// from in the time its own time constants take. Non-finite samples count as the input at rest.
    public var inputLimit: Double

    /// A configuration; the defaults solve to about 1 µV.
    public init(inputs: [String], outputs: [Probe], sampleRate: Double = 48_000, oversampling: Int = 1,
                restInputs: [Double]? = nil, absoluteTolerance: Double = 1e-6, relativeTolerance: Double = 1e-9, maxIterations: Int = SimulationOptions.fixedStepIterationLimit,
                substepLevels: Int = 4, fallbackBudget: Int? = nil, inputLimit: Double = 1000, usesInitialConditions: Bool = false) {
        self.inputs = inputs
        self.outputs = outputs
        self.sampleRate = sampleRate
        self.oversampling = oversampling
        self.restInputs = restInputs
        self.absoluteTolerance = absoluteTolerance
        self.relativeTolerance = relativeTolerance
        self.maxIterations = maxIterations
        self.substepLevels = substepLevels
        self.fallbackBudget = fallbackBudget
        self.inputLimit = inputLimit
        self.usesInitialConditions = usesInitialConditions
    }
}
