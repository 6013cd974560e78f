import Foundation

/// The Wright omega function ω(y): the solution of ω + ln ω = y (so ω·e^ω = e^y).
///
/// It gives the current of a diode in series with a resistor in closed form, which is how
/// wave-digital and real-time models avoid an inner Newton loop. Full double precision at the cost
/// of about one exponential or logarithm in the range that matters:
/// - y < −8: the series W(x) = x − x² + 3x³/2 − 8x⁴/3 + 125x⁵/24 of x = e^y (next term below 1e-16·x);
/// - −8 ≤ y < 24: a degree-5 polynomial per unit interval (within 1e-6, from
///   scripts/fit-wright-omega.py) and one fourth-order Fritsch–Shafer–Crowley step;
/// - above: ω ≈ y − ln y + ln y / y and two such steps.
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
        let interval = Int(y - wrightOmegaTableStart)
        let t = 2 * (y - wrightOmegaTableStart - Double(interval)) - 1
        let w = wrightOmegaPolynomials.withUnsafeBufferPointer { table in
            let c = table.baseAddress! + interval &* (wrightOmegaTableDegree &+ 1)
            return c[0] + t * (c[1] + t * (c[2] + t * (c[3] + t * (c[4] + t * c[5]))))
        }
        return fritschShaferCrowley(y, w)
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
