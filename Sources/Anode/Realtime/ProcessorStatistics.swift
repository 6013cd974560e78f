/// How hard the processor's Newton solver has worked.
public struct ProcessorStatistics: Sendable, Hashable {
    /// Circuit steps solved (samples times the oversampling factor).
    public var steps = 0
    /// Newton iterations (device evaluations) over all steps, continuation included.
    public var iterations = 0
    /// LU factorizations of the Newton Jacobian (one per Newton step taken; a step that converges
    /// at its first evaluation needs none).
    public var factorizations = 0
    /// The most iterations any step needed.
    public var maxIterations = 0
    /// The most iterations any one `process` call took (a Float call counts as one): the work a
    /// host's deadline must cover, and what `ProcessorConfiguration.fallbackBudget` bounds.
    public var maxIterationsPerCall = 0
    /// Steps where Newton from the prediction failed and continuation in the drive was tried.
    public var continuations = 0
    /// Steps that continuation did not solve either and that were solved in shorter steps (a
    /// quarter of the step, by a second model derived for it; see Docs/Realtime.md).
    public var substeps = 0
    /// Steps that were not solved even so: they take the iterate nearest to a solution when its
    /// port equations are off by at most 0.1 V; otherwise the circuit stands still for the step
    /// and repeats its last outputs (the output stays finite and the state bounded).
    public var failures = 0

    /// Failed steps whose fallbacks were cut short because the call's `fallbackBudget` was spent
    /// (counted among `failures`).
    public var overBudget = 0

    /// Times the processor returned to its operating point after `16` steps in a row failed.
    public var recoveries = 0

    /// Input samples that were not finite (NaN or an infinity) and were taken as the input at rest
    /// (`ProcessorConfiguration.restInputs`), one count per sample and channel.
    public var nonFiniteInputs = 0
    /// Input samples beyond ±`ProcessorConfiguration.inputLimit`, taken at the limit.
    public var limitedInputs = 0

    /// Average Newton iterations per step.
    public var iterationsPerStep: Double { steps == 0 ? 0 : Double(iterations) / Double(steps) }

    /// No steps yet.
    public init() {}
}
