/// In-place LU factorization with partial pivoting of a small dense row-major matrix held in
/// preallocated memory, and the matching solve: the per-sample linear algebra of the real-time
/// processor. No allocation, no bounds checks; for n up to a few dozen it is far cheaper than LAPACK.
public enum SmallLU {
    /// Factors the n×n row-major matrix at `a` in place (L below the diagonal with unit diagonal,
    /// U on and above), recording row swaps in `pivots`. Returns false when a pivot is zero or not finite.
    @inlinable
    public static func factor(_ a: UnsafeMutablePointer<Double>, _ n: Int, pivots: UnsafeMutablePointer<Int>) -> Bool {
        if n == 1 {
            pivots[0] = 0
            return a[0] != 0 && a[0].isFinite
        }
        if n == 2 {
            // Partial pivoting, written out.
            if abs(a[2]) > abs(a[0]) {
                pivots[0] = 1
                (a[0], a[2]) = (a[2], a[0])
                (a[1], a[3]) = (a[3], a[1])
            } else {
                pivots[0] = 0
            }
            pivots[1] = 1
            guard a[0] != 0, a[0].isFinite else { return false }
            let l = a[2] / a[0]
            a[2] = l
            a[3] -= l * a[1]
            return a[3] != 0 && a[3].isFinite
        }
        for k in 0..<n {
            // Pivot: the largest entry of column k on or below the diagonal.
            var p = k
            var best = abs(a[k &* n &+ k])
            var r = k &+ 1
            while r < n {
                let x = abs(a[r &* n &+ k])
                if x > best { best = x; p = r }
                r &+= 1
            }
            pivots[k] = p
            if !(best > 0) || !best.isFinite { return false }
            if p != k {
                let rowK = a + k &* n, rowP = a + p &* n
                for j in 0..<n { let t = rowK[j]; rowK[j] = rowP[j]; rowP[j] = t }
            }
            let rowK = a + k &* n
            let inverse = 1 / rowK[k]
            var i = k &+ 1
            while i < n {
                let rowI = a + i &* n
                let factor = rowI[k] * inverse
                rowI[k] = factor
                if factor != 0 {
                    var j = k &+ 1
                    while j < n {
                        rowI[j] -= factor * rowK[j]
                        j &+= 1
                    }
                }
                i &+= 1
            }
        }
        return true
    }

    /// Solves A·x = b in place in `b`, with A factored by `factor`.
    @inlinable
    public static func solve(_ a: UnsafePointer<Double>, _ n: Int, pivots: UnsafePointer<Int>, _ b: UnsafeMutablePointer<Double>) {
        if n == 1 {
            b[0] /= a[0]
            return
        }
        if n == 2 {
            if pivots[0] == 1 { (b[0], b[1]) = (b[1], b[0]) }
            let y1 = b[1] - a[2] * b[0]
            let x1 = y1 / a[3]
            b[0] = (b[0] - a[1] * x1) / a[0]
            b[1] = x1
            return
        }
        for k in 0..<n {
            let p = pivots[k]
            if p != k { let t = b[k]; b[k] = b[p]; b[p] = t }
        }
        // Forward substitution with unit lower triangle.
        var i = 1
        while i < n {
            let row = a + i &* n
            var sum = b[i]
            for j in 0..<i { sum -= row[j] * b[j] }
            b[i] = sum
            i &+= 1
        }
        // Back substitution.
        var k = n &- 1
        while k >= 0 {
            let row = a + k &* n
            var sum = b[k]
            var j = k &+ 1
            while j < n {
                sum -= row[j] * b[j]
                j &+= 1
            }
            b[k] = sum / row[k]
            k &-= 1
        }
    }
}
