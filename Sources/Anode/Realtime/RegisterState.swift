/// What the register kernel carries from sample to sample, held between `process` calls (in
/// `Processor.Runtime.registerState`) ahead of the processor's arrays: the next call's kernel
/// takes it up as the last one left it, instead of storing it into the arrays (the Jacobian as
/// LU factors, the conductances into the devices' blocks, the charges into their slots) and
/// reading it back. `Processor.flushRegisters` stores it before anything else reads those arrays.
@usableFromInline
struct RegisterState {
    /// The devices' conductances at the latest evaluation (diagonal, cross terms) and, where the
    /// prediction takes them, their second derivatives.
    @usableFromInline var conductanceDiagonal = SIMD2<Double>.zero, conductanceCross = SIMD2<Double>.zero
    @usableFromInline var hessian = PortMatrix()
    /// Port voltages, drive and prediction error at the last sample, and 1/|move|² of its move.
    @usableFromInline var vPrevious = SIMD2<Double>.zero, pPrevious = SIMD2<Double>.zero
    @usableFromInline var predictionError = SIMD2<Double>.zero, inverseLastMove = 0.0
    /// Charge, charge current and the change of the charge history at the last sample.
    @usableFromInline var charge = SIMD2<Double>.zero, chargeCurrent = SIMD2<Double>.zero
    @usableFromInline var historyChange = SIMD2<Double>.zero
    /// The last Jacobian and its inverse, by columns (when `haveJacobian`).
    @usableFromInline var jacobian = (SIMD2<Double>.zero, SIMD2<Double>.zero)
    @usableFromInline var inverse = (SIMD2<Double>.zero, SIMD2<Double>.zero)
    @usableFromInline var haveJacobian = false

    /// None held.
    @usableFromInline init() {}
}
