import Foundation
import Synchronization

/// xᵃ for one fixed exponent a, to within a few ulp, at about half the latency of exp(a·log x):
/// the depletion charge's (1 − V/VJ)^−M and the tube laws' E1^EX, which sit on the per-sample
/// chain of every junction with a capacitance and of every tube.
///
/// With x = 2ᵉ·m (1 ≤ m < 2) and c the centre of the 1/256-wide interval of m that the top eight
/// bits of its mantissa select,
///
///     xᵃ = 2^(a·e) · cᵃ · (1 + r)ᵃ,   r = (m − c)/c,   |r| < 2⁻⁹,
///
/// the first two factors from tables made once per exponent, the last by its binomial series
/// to r⁵ (the first term left out, binom(a, 6)·r⁶ < 2⁻⁵⁴·|binom(a, 6)|, is below a tenth of an
/// ulp for |a| < 2). m − c is exact (both in [1, 2), 2⁻⁹ apart at most). Outside 2⁻¹¹² ≤ x < 2¹⁶
/// (about 2·10⁻³⁴ to 65 536: a tube's E1 deep in cutoff, a junction's 1 − V/VJ up to tens of
/// kilovolts reverse) and for x not finite it falls back on `pow`. No call, no division: a dozen dependent
/// operations and three table loads, where `log` and `exp` are two calls of about 10 ns each.
/// Within 4 ulp of `pow` (the largest error in 35 million random arguments).
public struct FixedPower: Hashable, @unchecked Sendable {
    /// The exponent a.
    public let exponent: Double
    /// The binomial coefficients binom(a, k), k = 1…5.
    @usableFromInline let c1: Double, c2: Double, c3: Double, c4: Double, c5: Double
    /// cⱼᵃ and 1/cⱼ for the 256 intervals of m, then 2^(a·e) for e = −112…15; shared by every
    /// power of the same exponent and never freed (`FixedPower.table(for:)`).
    @usableFromInline let table: UnsafePointer<Double>
    /// The biased binary exponent of x that is the table's first, 1023 + `lowestExponent`; past
    /// any exponent once `maximumTables` exponents have tables (then `table` is a placeholder and
    /// every x goes to `pow`).
    @usableFromInline let firstExponent: Int

    /// Mantissa bits that select the interval, and the intervals' count.
    @usableFromInline static var intervalBits: Int { 8 }
    @usableFromInline static var intervals: Int { 1 << intervalBits }
    /// The exponents e the table covers: `lowestExponent` ..< `lowestExponent` + `exponents`.
    @usableFromInline static var lowestExponent: Int { -112 }
    @usableFromInline static var exponents: Int { 128 }

    /// xᵃ for `exponent` a.
    public init(exponent a: Double) {
        exponent = a
        c1 = a
        c2 = c1 * (a - 1) / 2
        c3 = c2 * (a - 2) / 3
        c4 = c3 * (a - 3) / 4
        c5 = c4 * (a - 4) / 5
        if let table = Self.table(for: a) {
            (self.table, firstExponent) = (table, 1023 + Self.lowestExponent)
        } else {
            (table, firstExponent) = (UnsafePointer(Self.placeholder), 4096)
        }
    }

    /// xᵃ.
    @inlinable @inline(__always)
    public func callAsFunction(_ x: Double) -> Double {
        let bits = x.bitPattern
        let e = Int(truncatingIfNeeded: bits >> 52) &- firstExponent
        // Negative, zero, subnormal, not finite or out of the table (or no table): the long way.
        guard UInt(bitPattern: e) < UInt(Self.exponents) else { return Foundation.pow(x, exponent) }
        let j = Int(truncatingIfNeeded: (bits >> UInt64(52 - Self.intervalBits)) & UInt64(Self.intervals - 1))
        let fraction: UInt64 = (1 << 52) - 1
        let within: UInt64 = (1 << UInt64(52 - Self.intervalBits)) - 1
        let one = (1.0).bitPattern
        let m = Double(bitPattern: bits & fraction | one)
        let c = Double(bitPattern: bits & fraction & ~within | one | (within + 1) >> 1)
        let r = (m - c) * table[Self.intervals &+ j]
        // (1 + r)ᵃ by Estrin's scheme: two levels of products instead of a chain of five.
        let r2 = r * r
        let low = 1 + c1 * r, middle = c2 + c3 * r, high = c4 + c5 * r
        let series = low + (middle + high * r2) * r2
        return series * (table[j] * table[2 &* Self.intervals &+ e])
    }

    /// Tables are made for this many exponents at most (5 KB each): a program that builds devices
    /// with ever new exponents (a parameter sweep, a fit) does not grow without bound; powers of
    /// exponents beyond these call `pow`.
    public static var maximumTables: Int { 512 }

    /// The interned table of exponent `a` (made on first use; a lock, only when building devices);
    /// nil when `maximumTables` are made.
    static func table(for a: Double) -> UnsafePointer<Double>? {
        tables.withLock { tables in
            if let table = tables[a.bitPattern] { return UnsafePointer(table) }
            guard tables.count < maximumTables else { return nil }
            let table = UnsafeMutablePointer<Double>.allocate(capacity: 2 * intervals + exponents)
            for j in 0..<intervals {
                let c = 1 + (Double(j) + 0.5) / Double(intervals)
                table[j] = Foundation.pow(c, a)
                table[intervals + j] = 1 / c
            }
            for k in 0..<exponents { table[2 * intervals + k] = Foundation.pow(Foundation.exp2(Double(k + lowestExponent)), a) }
            tables[a.bitPattern] = table
            return UnsafePointer(table)
        }
    }

    /// What `table` points to when there is none (never read).
    nonisolated(unsafe) private static let placeholder = UnsafeMutablePointer<Double>.allocate(capacity: 1)

    /// The number of tables made so far.
    static var tableCount: Int { tables.withLock { $0.count } }

    /// The tables made so far, by the exponent's bits.
    private static let tables = Mutex<[UInt64: UnsafeMutablePointer<Double>]>([:])
}
