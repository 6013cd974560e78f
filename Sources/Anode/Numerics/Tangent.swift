/// tan x for |x| ≤ π/2, within 3 units in the last place (glibc's `tan`: within 1), with one
/// rational function and one division and no argument reduction beyond the quarter period: 16 ns
/// of latency near π/2, where glibc's takes 27. The Gummel–Poon base resistance takes it at every
/// evaluation of a transistor with IRB (`GummelPoon.crowding`).
///
/// Lambert's continued fraction tan y = y / (1 − y²/(3 − y²/(5 − y²/(7 − …)))), cut after the
/// term 17 − y², is the ratio y·N(y²)/D(y²) of the integer polynomials below (closed-form: no
/// fitting). On |y| ≤ π/4 it is within 1.7 units in the last place in double arithmetic. Above π/4
/// the identity tan x = cot(π/2 − x) turns it over: tan x = D(w²)/(w·N(w²)) with w = π/2 − x,
/// the subtraction exact (Sterbenz) and π/2's low part added back, so that near the pole w is as
/// accurate as x allows. The identity holds through the pole, so a little past π/2 (where the
/// base resistance's z can end, see there) the result is as accurate; far outside |x| ≤ π/2 it
/// is not.
@inlinable @inline(__always)
public func quarterPeriodTangent(_ x: Double) -> Double {
    let a = abs(x)
    let low = a <= Double.pi / 4
    // w = π/2 − |x|, with π/2 = 1.5707963267948966 + 6.123233995736766e-17.
    let y = low ? a : (1.5707963267948966 - a) + 6.123233995736766e-17
    let s = y * y
    // N(s) = 34459425 − 4729725 s + 135135 s² − 990 s³ + s⁴,
    // D(s) = 34459425 − 16216200 s + 945945 s² − 13860 s³ + 45 s⁴.
    let numerator = y * (34_459_425 + s * (-4_729_725 + s * (135_135 + s * (-990 + s))))
    let denominator = 34_459_425 + s * (-16_216_200 + s * (945_945 + s * (-13_860 + s * 45)))
    let t = low ? numerator / denominator : denominator / numerator
    return x < 0 ? -t : t
}
