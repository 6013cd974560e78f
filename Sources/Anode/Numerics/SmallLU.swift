/// In-place LU factorization with partial pivoting of a small dense column-major matrix held in
/// preallocated memory, and the matching solve: the per-sample linear algebra of the real-time
/// processor. No allocation, no bounds checks; for n up to a few dozen it is far cheaper than LAPACK.
///
/// Column-major storage (entry (i, j) at `a[j·n + i]`) makes every inner loop of both the
/// factorization and the triangular solves an independent multiply-subtract along one contiguous
/// column — no dependency chain through a running sum, and vectorizable. The factored matrix holds
/// L below the diagonal (unit diagonal implied) and U above it, with the reciprocals 1/Uₖₖ on the
/// diagonal so that the solve multiplies instead of dividing.
public enum SmallLU {
    /// Factors the n×n column-major matrix at `a` in place, recording row swaps in `pivots`.
    /// Returns false when a pivot is zero or not finite.
    @inlinable @inline(__always)
    public static func factor(_ a: UnsafeMutablePointer<Double>, _ n: Int, pivots: UnsafeMutablePointer<Int>) -> Bool {
        if n == 1 {
            pivots[0] = 0
            let d = a[0]
            a[0] = 1 / d
            return d != 0 && d.isFinite
        }
        if n == 2 {
            // Partial pivoting, written out. Entries: a[0] = (0,0), a[1] = (1,0), a[2] = (0,1), a[3] = (1,1).
            if abs(a[1]) > abs(a[0]) {
                pivots[0] = 1
                (a[0], a[1]) = (a[1], a[0])
                (a[2], a[3]) = (a[3], a[2])
            } else {
                pivots[0] = 0
            }
            pivots[1] = 1
            let d0 = a[0]
            guard d0 != 0, d0.isFinite else { return false }
            let inverse = 1 / d0
            let l = a[1] * inverse
            let d1 = a[3] - l * a[2]
            a[0] = inverse
            a[1] = l
            a[3] = 1 / d1
            return d1 != 0 && d1.isFinite
        }
        return factorDense(a, n, leading: n, pivots: pivots)
    }

    /// `factor` for any n ≥ 1, of the n×n block at `a` of a column-major matrix whose columns are
    /// `leading` apart (kept out of line: inlined, it would only grow the callers).
    @inlinable @inline(never)
    static func factorDense(_ a: UnsafeMutablePointer<Double>, _ n: Int, leading: Int, pivots: UnsafeMutablePointer<Int>) -> Bool {
        for k in 0..<n {
            let column = a + k &* leading
            // Pivot: the largest entry of column k on or below the diagonal.
            var p = k
            var best = abs(column[k])
            var r = k &+ 1
            while r < n {
                let x = abs(column[r])
                if x > best { best = x; p = r }
                r &+= 1
            }
            pivots[k] = p
            if !(best > 0) || !best.isFinite { return false }
            if p != k {
                for j in 0..<n {
                    let cj = a + j &* leading
                    let t = cj[k]; cj[k] = cj[p]; cj[p] = t
                }
            }
            let inverse = 1 / column[k]
            column[k] = inverse
            var i = k &+ 1
            while i < n { column[i] *= inverse; i &+= 1 }
            // Schur complement: a[i, j] −= l[i]·u[j] for i, j > k, two columns at a time (each pair
            // of l's entries loaded once for both) and two rows at a time in SIMD2 lanes.
            var j = k &+ 1
            while j &+ 1 < n {
                let c0 = a + j &* leading, c1 = c0 + leading
                let u0 = c0[k], u1 = c1[k]
                var i = k &+ 1
                while i &+ 1 < n {
                    let l = UnsafeRawPointer(column + i).loadUnaligned(as: SIMD2<Double>.self)
                    let x0 = UnsafeRawPointer(c0 + i).loadUnaligned(as: SIMD2<Double>.self) - l * u0
                    let x1 = UnsafeRawPointer(c1 + i).loadUnaligned(as: SIMD2<Double>.self) - l * u1
                    UnsafeMutableRawPointer(c0 + i).storeBytes(of: x0, as: SIMD2<Double>.self)
                    UnsafeMutableRawPointer(c1 + i).storeBytes(of: x1, as: SIMD2<Double>.self)
                    i &+= 2
                }
                if i < n {
                    let l = column[i]
                    c0[i] -= l * u0
                    c1[i] -= l * u1
                }
                j &+= 2
            }
            if j < n {
                let cj = a + j &* leading
                let u = cj[k]
                var i = k &+ 1
                while i < n { cj[i] -= column[i] * u; i &+= 1 }
            }
        }
        return true
    }

    /// Solves A·x = b in place in `b`, with A factored by `factor`.
    @inlinable @inline(__always)
    public static func solve(_ a: UnsafePointer<Double>, _ n: Int, pivots: UnsafePointer<Int>, _ b: UnsafeMutablePointer<Double>) {
        if n == 1 {
            b[0] *= a[0]
            return
        }
        if n == 2 {
            if pivots[0] == 1 { (b[0], b[1]) = (b[1], b[0]) }
            let x1 = (b[1] - a[1] * b[0]) * a[3]
            b[0] = (b[0] - a[2] * x1) * a[0]
            b[1] = x1
            return
        }
        solveDense(a, n, leading: n, pivots: pivots, b)
    }

    /// b[i] −= column[i]·x for lower ≤ i < upper, two rows at a time in SIMD2 lanes (the same
    /// products and differences as one at a time).
    @inlinable @inline(__always)
    static func subtract(_ column: UnsafePointer<Double>, times x: Double, from b: UnsafeMutablePointer<Double>, _ lower: Int, _ upper: Int) {
        var i = lower
        while i &+ 1 < upper {
            let y = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD2<Double>.self)
                - UnsafeRawPointer(column + i).loadUnaligned(as: SIMD2<Double>.self) * x
            UnsafeMutableRawPointer(b + i).storeBytes(of: y, as: SIMD2<Double>.self)
            i &+= 2
        }
        if i < upper { b[i] -= column[i] * x }
    }

    /// `solve` for any n ≥ 1, with a factored by `factorDense` (columns `leading` apart).
    @inlinable @inline(never)
    static func solveDense(_ a: UnsafePointer<Double>, _ n: Int, leading: Int, pivots: UnsafePointer<Int>, _ b: UnsafeMutablePointer<Double>) {
        for k in 0..<n {
            let p = pivots[k]
            if p != k { let t = b[k]; b[k] = b[p]; b[p] = t }
        }
        // Forward substitution with the unit lower triangle, by columns. The next unknown is
        // finished first and carried in a register, so that the chain from one unknown to the next
        // is one multiply-subtract, not a store and a reload through the column update.
        var x = b[0]
        for j in 0..<(n &- 1) {
            let column = a + j &* leading
            let next = b[j &+ 1] - column[j &+ 1] * x
            subtract(column, times: x, from: b, j &+ 2, n)
            b[j &+ 1] = next
            x = next
        }
        // Back substitution with U (reciprocal pivots on the diagonal), by columns, likewise.
        x = b[n &- 1] * a[(n &- 1) &* leading &+ n &- 1]
        var j = n &- 1
        while j > 0 {
            let column = a + j &* leading
            b[j] = x
            let previous = (b[j &- 1] - column[j &- 1] * x) * a[(j &- 1) &* leading &+ j &- 1]
            subtract(column, times: x, from: b, 0, j &- 1)
            x = previous
            j &-= 1
        }
        b[0] = x
    }
}
