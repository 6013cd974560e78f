/// What the register kernel held at its last store that the processor's arrays keep only in another
/// form: the Jacobian J (the arrays hold its LU factors, from which the next kernel would take J⁻¹
/// by two solves and J by inverting that) and the devices' conductances (held as offsets from G₀,
/// g − G₀, which read back as (g − G₀) + G₀). Each round trip can move the last bit, so a run split
/// into blocks would drift from the same run in one block by rounding (10⁻¹⁴ of the output). The
/// next kernel takes the held values wherever the arrays still hold exactly the forms they were
/// stored as — nothing else has written them since (the general step's fallbacks, a control) —
/// and so computes, block by block, what one block computes; `Processor.reset` clears it, so that
/// a reset processor runs as a new one. (`ProcessorTests.blockSizes`)
@usableFromInline
struct RegisterCache {
    /// J and J⁻¹ by columns, and the LU factors (column-major, 2×2) and pivots they were stored as.
    @usableFromInline var jacobian = (SIMD2<Double>.zero, SIMD2<Double>.zero)
    @usableFromInline var inverse = (SIMD2<Double>.zero, SIMD2<Double>.zero)
    @usableFromInline var factors = SIMD4<Double>(repeating: .nan), pivots = SIMD2<Int>(-1, -1)
    /// The conductances (diagonal, cross terms) and what reading them back from the blocks gives.
    @usableFromInline var conductances = (SIMD2<Double>.zero, SIMD2<Double>.zero)
    @usableFromInline var readBack = (SIMD2<Double>(repeating: .nan), SIMD2<Double>(repeating: .nan))

    /// None held.
    @usableFromInline init() {}

    /// The kernel stored J (with J⁻¹) as `factors` and `pivots` (one port unless `two`).
    @inlinable @inline(__always)
    mutating func heldJacobian(_ j: (SIMD2<Double>, SIMD2<Double>), inverse: (SIMD2<Double>, SIMD2<Double>),
                               factors f: UnsafePointer<Double>, pivots p: UnsafePointer<Int>, two: Bool) {
        jacobian = j
        self.inverse = inverse
        factors = two ? SIMD4(f[0], f[1], f[2], f[3]) : SIMD4(f[0], 0, 0, 0)
        pivots = two ? SIMD2(p[0], p[1]) : SIMD2(p[0], 0)
    }

    /// The held J and J⁻¹, if `factors` and `pivots` are still those they were stored as.
    @inlinable @inline(__always)
    func jacobian(factors f: UnsafePointer<Double>, pivots p: UnsafePointer<Int>, two: Bool)
        -> ((SIMD2<Double>, SIMD2<Double>), (SIMD2<Double>, SIMD2<Double>))? {
        let now = two ? SIMD4(f[0], f[1], f[2], f[3]) : SIMD4(f[0], 0, 0, 0)
        let order = two ? SIMD2(p[0], p[1]) : SIMD2(p[0], 0)
        guard now == factors && order == pivots else { return nil }
        return (jacobian, inverse)
    }

    /// The kernel stored conductances `g` (diagonal, cross terms), which read back as `readBack`.
    @inlinable @inline(__always)
    mutating func heldConductances(_ g: (SIMD2<Double>, SIMD2<Double>), readBack: (SIMD2<Double>, SIMD2<Double>)) {
        conductances = g
        self.readBack = readBack
    }

    /// The held conductances where the blocks read back as they did when they were stored, else
    /// what they read back as.
    @inlinable @inline(__always)
    func conductances(readBack now: (SIMD2<Double>, SIMD2<Double>)) -> (SIMD2<Double>, SIMD2<Double>) {
        now.0 == readBack.0 && now.1 == readBack.1 ? conductances : now
    }
}
