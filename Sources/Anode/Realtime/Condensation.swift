/// Static condensation of internal ports. A port whose node only its own device reaches (the
/// internal base of a transistor that carries its bias-dependent base resistance) is coupled by K
/// to no other port (`StateSpaceModel.internalPorts(in:)`), so its row of J = K·∂ĩ/∂v − I is
/// nonzero only at its own device's ports: the device's Kirchhoff law at that node. Such ports
/// take the first rows and columns of their subsystem's Jacobian (`Processor.jacobianRow`) and
/// are eliminated first, which touches only their devices' columns; the rest is the dense LU of
/// the other ports — for the class-AB stage 11 instead of 15.
///
/// With ℓ an internal port and q its device's other ports (its partners), the elimination is
///
///     l_r = J[r, ℓ] / J[ℓ, ℓ],   J[r, q] −= l_r·J[ℓ, q]   (r not internal)
///
/// and the solve of J·x = b: b_r −= l_r·b_ℓ, the other ports from the reduced LU, then
/// x_ℓ = (b_ℓ − Σ_q J[ℓ, q]·x_q) / J[ℓ, ℓ]. Pivoting on J[ℓ, ℓ] without a search is safe: it is
/// the device's own conductance at its internal node over G₀'s, never zero (the base resistance
/// conducts). Internal ports of other devices do not meet: their rows and columns are zero in
/// each other's places.
@usableFromInline
struct Condensation {
    /// Where the subsystem's internal ports start in `Processor.partners`, and how many there are
    /// (they are its first Jacobian rows).
    @usableFromInline var internalStart = 0, internalCount = 0

    @inlinable init() {}

    @inlinable
    init(internalStart: Int, internalCount: Int) {
        (self.internalStart, self.internalCount) = (internalStart, internalCount)
    }
}

extension Processor {
    /// Copies K into `KJ` with each subsystem's rows in its Jacobian's row order (after a control
    /// has moved K; no allocation).
    func permuteK() {
        Self.permuteRows(K, into: KJ, np: np, subsystems: subsystems, count: subsystemCount, rows: jacobianRow)
    }

    /// Copies the np×np column-major `k` into `kj` with each subsystem's rows in the order `rows`
    /// gives (K couples no two subsystems, so only their diagonal blocks are copied).
    static func permuteRows(_ k: UnsafePointer<Double>, into kj: UnsafeMutablePointer<Double>, np: Int,
                            subsystems: UnsafePointer<(start: Int, count: Int, storage: Int)>, count: Int, rows: UnsafePointer<Int>) {
        for s in 0..<count {
            let (start, size, _) = subsystems[s]
            for c in start..<(start + size) {
                for r in start..<(start + size) { kj[c * np + start + rows[r]] = k[c * np + r] }
            }
        }
    }

    /// Factors the size×size Jacobian `j` (column-major, internal ports first) of a subsystem with
    /// internal ports `c`: eliminates those, then factors the other ports' block in place (leading
    /// dimension `size`). False if a pivot is zero or not finite.
    @inlinable @inline(never)
    func factorCondensed(_ j: UnsafeMutablePointer<Double>, _ size: Int, _ c: Condensation, pivots: UnsafeMutablePointer<Int>) -> Bool {
        let first = c.internalCount
        for l in 0..<first {
            let column = j + l &* size
            let pivot = column[l]
            guard pivot != 0 && pivot.isFinite else { return false }
            let inverse = 1 / pivot
            // The multipliers l_r in place of column ℓ, 1/J[ℓ, ℓ] on its diagonal.
            column[l] = inverse
            for r in first..<size { column[r] *= inverse }
            let (start, count) = partners[c.internalStart &+ l]
            for e in 0..<count {
                let target = j + partnerList[start &+ e] &* size
                SmallLU.subtract(column, times: target[l], from: target, first, size)
            }
        }
        return SmallLU.factorDense(j + (first &* size &+ first), size &- first, leading: size, pivots: pivots)
    }

    /// Solves J·x = b in place (`b` in port order) for a subsystem factored by `factorCondensed`.
    @inlinable @inline(never)
    func solveCondensed(_ j: UnsafePointer<Double>, _ size: Int, _ c: Condensation, ports: Int, pivots: UnsafePointer<Int>,
                        _ b: UnsafeMutablePointer<Double>) {
        let y = permuted, first = c.internalCount
        for r in 0..<size { y[jacobianRow[ports &+ r]] = b[r] }
        for l in 0..<first {
            SmallLU.subtract(j + l &* size, times: y[l], from: y, first, size)
        }
        SmallLU.solveDense(j + (first &* size &+ first), size &- first, leading: size, pivots: pivots, y + first)
        for l in 0..<first {
            let (start, count) = partners[c.internalStart &+ l]
            var x = y[l]
            for e in 0..<count {
                let q = partnerList[start &+ e]
                x -= j[q &* size &+ l] * y[q]
            }
            y[l] = x * j[l &* size &+ l]
        }
        for r in 0..<size { b[r] = y[jacobianRow[ports &+ r]] }
    }
}
