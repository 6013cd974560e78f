import Foundation

/// softplus(x) = ln(1 + eˣ), evaluated without overflow (x itself above 30, where the difference
/// is below 1e-13) and without loss of precision for large negative x.
@inlinable
public func softplus(_ x: Double) -> Double {
    x > 30 ? x : log1p(exp(x))
}

/// The logistic function σ(x) = 1/(1 + e⁻ˣ), the derivative of `softplus`.
@inlinable
public func logistic(_ x: Double) -> Double {
    x >= 0 ? 1 / (1 + exp(-x)) : { let e = exp(x); return e / (1 + e) }()
}

/// softplus(x) and σ(x) together, sharing one exponential and one division: with e = e^(−|x|)
/// and u = 1 + e, softplus(x) = max(x, 0) + ln u and σ(x) = 1/u for x ≥ 0, e/u otherwise.
@inlinable @inline(__always)
public func softplusAndLogistic(_ x: Double) -> (softplus: Double, logistic: Double) {
    let e = exp(-abs(x))
    let u = 1 + e
    let r = 1 / u
    // ln(1 + e) as ln u corrected for the rounding of u (to first order): glibc's log is faster
    // than its log1p, and the correction keeps tiny e exact (u = 1 gives e).
    let sp = max(x, 0) + (log(u) - ((u - 1) - e) * r)
    let sigma = x >= 0 ? r : e * r
    return (sp, sigma)
}
