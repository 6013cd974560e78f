import Foundation

/// The Wright omega function ω(y): the solution of ω + ln ω = y (so ω·e^ω = e^y).
///
/// It gives the current of a diode in series with a resistor in closed form, which is how
/// wave-digital and real-time models avoid an inner Newton loop. Starting from a piecewise
/// approximation, two Fritsch–Shafer–Crowley iterations reach full double precision
/// (Lawrence, Corless & Jeffrey, "Algorithm 917: Complex double-precision evaluation of the
/// Wright ω function", ACM TOMS 38(3), 2012).
@inlinable
public func wrightOmega(_ y: Double) -> Double {
    if y.isNaN { return y }
    if y < -700 { return exp(y) }  // ω ≈ e^y, and ω·e^ω rounds to it
    if y > 1e17 { return y - log(y) }
    var w: Double
    if y < -2 {
        let e = exp(y)
        w = e * (1 - e)  // series ω = e^y − e^{2y} + …
    } else if y < 1 {
        // Series around y = 1 (ω(1) = 1): ω ≈ 1 + (y−1)/2 + (y−1)²/16 − (y−1)³/192
        let d = y - 1
        w = 1 + d / 2 + d * d / 16 - d * d * d / 192
        if w <= 0 { w = exp(y) }
    } else {
        let l = log(y)
        w = y - l + l / y
    }
    for _ in 0..<2 {
        let r = y - w - log(w)
        let onePlusW = 1 + w
        let t = onePlusW * (onePlusW + 2 * r / 3)
        w *= 1 + r / onePlusW * (t - r) / (t - 2 * r)
    }
    return w
}
