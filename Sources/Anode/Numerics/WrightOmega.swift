import Foundation

/// The Wright omega function ω(y): the solution of ω + ln ω = y (so ω·e^ω = e^y).
///
/// It gives the current of a diode in series with a resistor in closed form, which is how
/// wave-digital and real-time models avoid an inner Newton loop. Starting from a piecewise
/// approximation, Fritsch–Shafer–Crowley iterations reach full double precision
/// (Lawrence, Corless & Jeffrey, "Algorithm 917: Complex double-precision evaluation of the
/// Wright ω function", ACM TOMS 38(3), 2012).
@inlinable
public func wrightOmega(_ y: Double) -> Double {
    if y.isNaN { return y }
    if y < -700 { return exp(y) }  // ω ≈ e^y, and ω·e^ω rounds to it
    if y > 1e17 { return y - log(y) }
    var w: Double
    if y < -20 {
        // x = e^y < 2.1e-9: the series x − x² + 3x³/2 is exact to rounding (next term x⁴·8/3).
        let x = exp(y)
        return x * (1 - x * (1 - 1.5 * x))
    }
    if y < -2 {
        // ω = W(eˣ) with x = e^y small: W(x) = x − x² + 3x³/2 − …
        let x = exp(y)
        w = x * (1 - x * (1 - 1.5 * x))
    } else if y < 3 {
        // Winitzki's approximation of W(x), x = e^y, good to about 1 %.
        let l = log1p(exp(y))
        w = l * (1 - log1p(l) / (2 + l))
    } else {
        let l = log(y)
        w = y - l + l / y
    }
    // Fritsch–Shafer–Crowley iteration (fourth order): r = y − ω − ln ω,
    // ω ← ω·(1 + r/(1+ω)·(q − r)/(q − 2r)), q = 2·(1+ω)·(1 + ω + 2r/3).
    for _ in 0..<3 {
        let r = y - w - log(w)
        let onePlusW = 1 + w
        let q = 2 * onePlusW * (onePlusW + 2 * r / 3)
        w *= 1 + r / onePlusW * (q - r) / (q - 2 * r)
    }
    return w
}
