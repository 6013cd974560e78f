/// How hard the processor's Newton solver has worked.
public struct ProcessorStatistics: Sendable, Hashable {
    /// Circuit steps solved (samples times the oversampling factor).
    public var steps = 0
    /// Newton iterations (device evaluations) over all steps.
    public var iterations = 0
    /// LU factorizations of the Newton Jacobian (fewer than iterations: factors are reused while
    /// they keep converging fast).
    public var factorizations = 0
    /// The most iterations any step needed.
    public var maxIterations = 0
    /// Steps that did not converge within the iteration limit (their result is the last iterate,
    /// or the previous step's where that iterate was not finite).
    public var failures = 0

    /// Average Newton iterations per step.
    public var iterationsPerStep: Double { steps == 0 ? 0 : Double(iterations) / Double(steps) }

    /// No steps yet.
    public init() {}
}
