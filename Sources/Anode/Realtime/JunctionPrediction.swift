import Foundation

/// The prediction of a conducting junction solved in closed form, for circuits of one or two
/// ports whose devices are exponential one-port junctions (`PortDevice.hasExponentialJunction`:
/// the diode clipper's pair), run without oversampling.
///
/// The tangent prediction t = v₀ − J⁻¹·(Δp − K·Δh) follows a junction's exponential along its
/// tangent line; where the junction conducts through a resistance, the solution bends away from
/// that line by far more than Newton's first-order bound (the diode clipper at 1 V: 0.3–12 mV,
/// half of its samples needing a second evaluation). With everything but the exponential linear,
/// the port equation has a closed-form solution by the Wright omega function:
///
/// The port equations F(v) = p + K·ĩ(v) − v = 0, expanded from the last solution v₀ with the last
/// Jacobian J = K·G − I, read v = t − M·r(v), with M = J⁻¹·K and r(v) = ĩ(v) − ĩ(v₀) − G·(v − v₀)
/// what the currents do beyond J's conductances. For junction j, with Δ = vⱼ − v₀ⱼ, E = S·e^{κ·v₀ⱼ}
/// its exponential at the last solution and Gₑ the exponential's conductance where J was taken,
/// rⱼ = E·(e^{κΔ} − 1) − Gₑ·Δ. The other port's r left out, port j's equation is
///
///     Δ·D = d + m·E − m·E·e^{κΔ},   m = Mⱼⱼ, d = tⱼ − v₀ⱼ, D = 1 − m·Gₑ,
///
/// solved by κΔ = a − ω(ln β + a), with a = κ·(d + m·E)/D and β = κ·m·E/D, so that
/// ln β = ln(m/D) + ln(κ·S) + κ·v₀ⱼ. The other port follows linearly: vₖ = tₖ − Mₖⱼ·rⱼ.
/// m/D is the resistance the exponential sees (J's conductances of everything else included); it
/// hardly moves, so its logarithm is taken to first order from a reference, refreshed (one `log`)
/// when it has moved by a thousandth.
///
/// The tangent's own error is about ½·κ·(m/D)·κE·d²; where that is within `threshold`, the
/// tangent (with its extrapolated error) stands, and a diode barely conducting costs no omega.
/// The tangent's error is learned on every sample, solved or not, for the samples it predicts.
///
/// The diode clipper (callgrind, `scripts/instructions-per-sample.py`): at 1 V 1.50 → 1.04
/// evaluations per sample and 1368 → 1236 instructions, at 3 V 1.76 → 1.02 and 1484 → 1220, at
/// 10 V 1.83 → 1.04 and 1561 → 1339, its worst sample 7 → 2 evaluations at 3 V; at 0.1 V, where
/// nothing is solved, 1051 → 1093 for the bookkeeping. At 4x oversampling, where the tangent
/// rarely misses, it cost: 4.00 → 4.08 evaluations per sample at 1 V and 5267 → 5508
/// instructions, and though at 3 and 10 V it saved evaluations (4.33 → 4.08, 4.71 → 4.12), it
/// took about 10 % more time at every drive — so an oversampled processor does not solve.
@usableFromInline
struct JunctionPrediction {
    /// By port: κ, ln(κ·S), and the exponential's conductance read off ∂i/∂v as (∂i/∂v − offset)·factor.
    @usableFromInline var kappa = SIMD2<Double>.zero, inverseKappa = SIMD2<Double>.zero
    @usableFromInline var logKappaSaturation = SIMD2<Double>.zero
    @usableFromInline var offset = SIMD2<Double>.zero, factor = SIMD2<Double>.zero
    /// The exponential's conductance κ·E at the last solution; where the Jacobian was taken, the
    /// exponential's conductance and the rest of ∂ĩ/∂v (its linear part), by port.
    @usableFromInline var conductance = SIMD2<Double>.zero, jacobianConductance = SIMD2<Double>.zero
    @usableFromInline var jacobianLinear = SIMD2<Double>.zero
    /// The reference resistance (inverted; 0: none yet) and its logarithm, by port.
    @usableFromInline var inverseReference = SIMD2<Double>.zero, logReference = SIMD2<Double>.zero
    /// The Wright omega estimate's table (`wrightOmegaCubics`), read once here.
    @usableFromInline let cubics = wrightOmegaCubics

    /// The tangent's expected error (V) beyond which the junction is solved: about a third of the
    /// largest Newton step taken to first order at the default tolerance (√(1.5 µV·0.05)), so
    /// that the tangent (with its extrapolated error) keeps the samples it predicts well enough.
    /// Solving costs about half an evaluation's latency: at 4x oversampling, where the tangent
    /// misses rarely, solving every conducting step (a threshold of 1 µV) took every sample to
    /// one evaluation per step but 15 % more time.
    @inlinable static var threshold: Double { 1e-4 }

    /// None (no port solved).
    init() {}

    /// The junctions `first` and (when the circuit has two ports) `second`, at a0 = 2/T.
    init<Device: PortDevice>(_ first: Device, _ second: Device?, a0: Double) {
        let x0 = first.junctionExponential(a0: a0), x1 = second?.junctionExponential(a0: a0) ?? JunctionExponential()
        kappa = SIMD2(x0.kappa, x1.kappa)
        inverseKappa = SIMD2(x0.kappa > 0 ? 1 / x0.kappa : 0, x1.kappa > 0 ? 1 / x1.kappa : 0)
        logKappaSaturation = SIMD2(x0.logKappaSaturation, x1.logKappaSaturation)
        offset = SIMD2(x0.conductanceOffset, x1.conductanceOffset)
        factor = SIMD2(x0.conductanceFactor, x1.conductanceFactor)
    }

    /// The exponentials' conductances κ·S·e^{κv} of an evaluation whose ∂i/∂v are `g` by port.
    @inlinable @inline(__always)
    func exponential(_ g: SIMD2<Double>) -> SIMD2<Double> { (g - offset) * factor }

    /// The Jacobian was taken at an evaluation of conductances ∂i/∂v `g` and ∂ĩ/∂v `total` by port.
    @inlinable @inline(__always)
    mutating func tookJacobian(_ g: SIMD2<Double>, total: SIMD2<Double>) {
        jacobianConductance = exponential(g)
        jacobianLinear = total - jacobianConductance
    }

    /// A solution at the last evaluation, whose ∂i/∂v are `g`.
    @inlinable @inline(__always)
    mutating func solved(_ g: SIMD2<Double>) { conductance = exponential(g) }

    /// A solution at the last evaluation moved by −`step` to first order, where the last Jacobian
    /// was taken: κ·S·e^{κ(v − step)}, to second order in κ·step.
    @inlinable @inline(__always)
    mutating func solvedFirstOrder(step: SIMD2<Double>) {
        let x: SIMD2<Double> = kappa * step
        conductance = jacobianConductance * (1 - x * (1 - 0.5 * x))
    }

    /// The prediction from tangent `t`, last solution `v0`, K by columns `k0`, `k1` and M = J⁻¹·K
    /// by columns from `m` (called only when a junction is to be solved), with the more conducting
    /// junction solved; nil where the tangent stands.
    @inlinable @inline(__always)
    mutating func predict(_ t: SIMD2<Double>, from v0: SIMD2<Double>, k0: SIMD2<Double>, k1: SIMD2<Double>,
                          m: () -> (SIMD2<Double>, SIMD2<Double>)) -> SIMD2<Double>? {
        // The tangent's error ½·κ·(m/D)·κE·d², with m/D the reference resistance, within the
        // threshold: the tangent stands (most samples of a junction that barely conducts).
        let move: SIMD2<Double> = t - v0
        let error: SIMD2<Double> = 0.5 * kappa * conductance * move * move
        guard any(error .> Self.threshold * inverseReference) else { return nil }
        let (m0, m1) = m()
        // Each port by its own code, so that every lane index is a constant (a lane chosen at run
        // time goes through memory, on the path from the drive to the prediction).
        if conductance[0] >= conductance[1] {
            // J' = K·G' − I, G' = J's ∂ĩ/∂v with port 0's exponential taken out.
            let c0: SIMD2<Double> = k0 * jacobianLinear[0] - SIMD2(1, 0)
            let c1: SIMD2<Double> = k1 * (jacobianLinear[1] + jacobianConductance[1]) - SIMD2(0, 1)
            let resistance = (c1[1] * k0[0] - c1[0] * k0[1]) / (c0[0] * c1[1] - c1[0] * c0[1])
            guard let (vj, r) = solve(0, move[0], v0[0], m0[0], resistance) else { return nil }
            return SIMD2(vj, t[1] - m0[1] * r)
        }
        let c0: SIMD2<Double> = k0 * (jacobianLinear[0] + jacobianConductance[0]) - SIMD2(1, 0)
        let c1: SIMD2<Double> = k1 * jacobianLinear[1] - SIMD2(0, 1)
        let resistance = (c0[0] * k1[1] - c0[1] * k1[0]) / (c0[0] * c1[1] - c1[0] * c0[1])
        guard let (vj, r) = solve(1, move[1], v0[1], m1[1], resistance) else { return nil }
        return SIMD2(t[0] - m1[0] * r, vj)
    }

    /// Port j's junction solved from the tangent's move `d` off its last solution `v0`, with
    /// m = Mⱼⱼ and `resistance` = m/D (computed from J', not as m/(1 − m·Gₑ), which cancels where
    /// the junction conducts hard): its voltage and rⱼ; nil where the tangent stands.
    @inlinable @inline(__always)
    mutating func solve(_ j: Int, _ d: Double, _ v0: Double, _ m: Double, _ resistance: Double) -> (Double, Double)? {
        let kj = kappa[j], g = conductance[j]
        // Forward-biased, short of the exponential's linear continuation, a positive resistance,
        // not so hard driven that the closed form cancels (a junction fed by a current), and a
        // tangent error ½·κ·(m/D)·κE·d² beyond the threshold.
        let drive = resistance * g
        guard v0 > 0, kj * v0 < 70, m > 0, resistance > 0, drive <= Self.maximumDrive else { return nil }
        let ratio = resistance * inverseReference[j] - 1
        let logResistance: Double
        if abs(ratio) <= 1e-3 {
            logResistance = logReference[j] + ratio * (1 - 0.5 * ratio)
        } else {
            logResistance = log(resistance)
            inverseReference[j] = 1 / resistance
            logReference[j] = logResistance
        }
        guard 0.5 * kj * drive * (d * d) > Self.threshold else { return nil }
        // What does not wait on the new drive d is computed beside the tangent, and the chain from
        // d to the prediction has no division: the reciprocals are taken early.
        let e = g * inverseKappa[j]
        let kr = kj * resistance, inverseKR = 1 / kr, slope = kr / m
        // a = κ·(d + m·E)/D = κ·(m/D)·E + (κ·(m/D)/m)·d; ln β = ln(m/D) + ln(κ·S) + κ·v₀.
        let a0 = kr * e
        let a = a0 + slope * d
        let w = wrightOmegaEstimate((logResistance + logKappaSaturation[j] + kj * v0 + a0) + slope * d, cubics: cubics)
        let delta = (a - w) * inverseKappa[j]
        // rⱼ = E·e^{κΔ} − E − Gₑ·Δ, with E·e^{κΔ} = w/(κ·m/D).
        return (v0 + delta, w * inverseKR - e - jacobianConductance[j] * delta)
    }

    /// The largest resistance times conductance κ·E solved in closed form: beyond it the junction is
    /// fed by a current (an op amp's feedback), where the closed form loses its digits to cancellation.
    @inlinable static var maximumDrive: Double { 1e3 }
}
