import Foundation

/// The Wright omega function ω(y): the solution of ω + ln ω = y (so ω·e^ω = e^y).
///
/// It gives the current of a diode in series with a resistor in closed form, which is how
/// wave-digital and real-time models avoid an inner Newton loop. Accurate to a few units in the
/// last place, and cheap where audio circuits use it:
/// - y < −8: the series W(x) = x − x² + 3x³/2 − 8x⁴/3 + 125x⁵/24 of x = e^y (next term below 1e-16·x);
/// - −8 ≤ y < 24: a degree-11 polynomial per half-unit interval (within 4e-16, fitted by
///   scripts/fit-wright-omega.py), evaluated by Estrin's scheme — no logarithm, no division;
/// - above: ω ≈ y − ln y + ln y / y and two Fritsch–Shafer–Crowley steps.
///
/// (Lawrence, Corless & Jeffrey, "Algorithm 917: Complex double-precision evaluation of the Wright
/// ω function", ACM TOMS 38(3), 2012, give the iteration.)
@inlinable
public func wrightOmega(_ y: Double) -> Double {
    if y < wrightOmegaTableStart {
        let x = exp(y)
        return x * (1 - x * (1 - x * (1.5 - x * (8.0 / 3 - x * (125.0 / 24)))))
    }
    if y < wrightOmegaTableEnd {
        let position = (y - wrightOmegaTableStart) / wrightOmegaTableWidth
        let interval = Int(position)
        let t = 2 * (position - Double(interval)) - 1
        return wrightOmegaPolynomials.withUnsafeBufferPointer { table in
            let c = table.baseAddress! + interval &* 12
            let t2 = t * t, t4 = t2 * t2, t8 = t4 * t4
            let p0 = c[0] + c[1] * t, p1 = c[2] + c[3] * t, p2 = c[4] + c[5] * t
            let p3 = c[6] + c[7] * t, p4 = c[8] + c[9] * t, p5 = c[10] + c[11] * t
            let q0 = p0 + p1 * t2, q1 = p2 + p3 * t2, q2 = p4 + p5 * t2
            return (q0 + q1 * t4) + q2 * t8
        }
    }
    if y.isNaN { return y }
    if y > 1e17 { return y == .infinity ? y : y - log(y) }
    let l = log(y)
    return fritschShaferCrowley(y, fritschShaferCrowley(y, y - l + l / y))
}

/// One Fritsch–Shafer–Crowley step for ω + ln ω = y (fourth order): with r = y − ω − ln ω and
/// q = 2·(1 + ω)·(1 + ω + 2r/3), ω ← ω·(1 + r/(1 + ω)·(q − r)/(q − 2r)).
@inlinable @inline(__always)
func fritschShaferCrowley(_ y: Double, _ w: Double) -> Double {
    let r = y - w - log(w)
    let onePlusW = 1 + w
    let q = 2 * onePlusW * (onePlusW + 2 * r / 3)
    return w * (1 + r / onePlusW * (q - r) / (q - 2 * r))
}

/// ω(y) to about five digits, for a prediction that Newton's method then refines: within 7.5e-6
/// absolute (2e-4 relative, at y = −8) on [−8, 24), `wrightOmega` elsewhere.
///
/// The first four terms of `wrightOmega`'s polynomial for the interval, whose later terms add at
/// most that much. It waits on fewer operations: a cubic by Estrin's scheme instead of degree 11,
/// and the interval found by rounding with the 1.5·2⁵² shift (the integer lands in the low bits
/// of the sum, the rounded value is the sum less the shift) instead of two conversions between
/// integer and floating point.
@inlinable @inline(__always)
public func wrightOmegaEstimate(_ y: Double) -> Double { wrightOmegaEstimate(y, cubics: wrightOmegaCubics) }

/// `wrightOmegaEstimate(y)` from `cubics`, the cubics' table (`wrightOmegaCubics`), which a
/// per-sample kernel holds: reading the global table at every call goes through its accessor, a
/// call on the path from the drive to the prediction around which the caller saves its registers.
@inlinable @inline(__always)
func wrightOmegaEstimate(_ y: Double, cubics: UnsafePointer<Double>) -> Double {
    guard y >= wrightOmegaTableStart && y < wrightOmegaTableEnd else { return wrightOmega(y) }
    let position = (y - wrightOmegaTableStart) / wrightOmegaTableWidth
    let shift = 6_755_399_441_055_744.0  // 1.5·2⁵²
    let sum = (position - 0.5) + shift
    let interval = Int(truncatingIfNeeded: sum.bitPattern & (1 << 51 - 1))
    let t = 2 * (position - (sum - shift)) - 1
    let c = cubics + interval &* 4
    return (c[0] + c[1] * t) + (c[2] + c[3] * t) * (t * t)
}

/// The first four coefficients of each interval's polynomial in `wrightOmegaPolynomials` (the
/// cubics `wrightOmegaEstimate` evaluates), in memory kept for the life of the process and never
/// written after it is filled (hence safe to share).
@usableFromInline nonisolated(unsafe) let wrightOmegaCubics: UnsafePointer<Double> = {
    let intervals = wrightOmegaPolynomials.count / 12
    let table = UnsafeMutablePointer<Double>.allocate(capacity: 4 * intervals)
    for i in 0..<intervals {
        for k in 0..<4 { table[4 * i + k] = wrightOmegaPolynomials[12 * i + k] }
    }
    return UnsafePointer(table)
}()
