/// Drops the states a circuit's inputs and devices can never move.
///
/// A loop of capacitors (a triode's three inter-electrode capacitances, two capacitors in parallel)
/// gives the trapezoidal model a combination of states that starts at zero and stays there: with
/// the loop's voltages summing to zero, Σ h_k/(2·g_k) only changes sign from one step to the next.
/// Every state the circuit actually visits lies in the reachable subspace
///
///     R = span{ [B C], A·[B C], A²·[B C], … }
///
/// (its rest state too, which solves (I − A)·s = B·u + C·ĩ). With V a basis of R and V⁺ its left
/// inverse, s = V·z and the model in z — A_r = V⁺·A·V, B_r = V⁺·B, C_r = V⁺·C, D_r = D·V,
/// G_r = G·V — gives the same outputs and port voltages with fewer states: a 12AX7 stage's seven
/// capacitors leave five.
///
/// The basis is built by Gram–Schmidt (twice, for orthogonality) in coordinates where each state
/// is in volts — a capacitor's companion source divided by its conductance 2C/T — so that a 1 pF
/// and a 25 µF capacitor weigh alike; a direction is new when less than `tolerance` of it lies in
/// the span found so far.
struct StateReduction {
    /// The reduced model's states as combinations of the original ones (ns × r): s = basis·z.
    let basis: Matrix
    /// Its left inverse (r × ns): z = inverse·s.
    let inverse: Matrix

    /// Relative size below which a Krylov direction counts as already spanned.
    static let tolerance = 1e-10

    /// The reduction of the model with state matrix `A` whose states are driven through the
    /// columns of `drives` ([B C]); `scale` gives each state's size per volt. Nil when nothing can
    /// be dropped, or when `rest` (the rest state) does not lie in the reachable subspace.
    init?(A: Matrix, drives: Matrix, scale: [Double], rest: [Double]) {
        let n = A.rows
        guard n > 0 else { return nil }
        // Ã = S⁻¹·A·S and the drives S⁻¹·[B C] in volts.
        var scaledA = Matrix(rows: n, columns: n)
        for r in 0..<n { for c in 0..<n { scaledA[r, c] = A[r, c] * scale[c] / scale[r] } }
        var vectors: [[Double]] = []
        func add(_ candidate: [Double]) {
            let size = Self.norm(candidate)
            guard size > 0, size.isFinite else { return }
            var x = candidate
            for _ in 0..<2 {
                for q in vectors {
                    let projection = Self.dot(q, x)
                    for k in 0..<n { x[k] -= projection * q[k] }
                }
            }
            let remaining = Self.norm(x)
            guard remaining > Self.tolerance * size else { return }
            vectors.append(x.map { $0 / remaining })
        }
        for c in 0..<drives.columns where vectors.count < n {
            add((0..<n).map { drives[$0, c] / scale[$0] })
        }
        // Krylov: A times each basis vector, until no new direction appears.
        var next = 0
        while next < vectors.count && vectors.count < n {
            let q = vectors[next]
            add((0..<n).map { r in (0..<n).reduce(0) { $0 + scaledA[r, $1] * q[$1] } })
            next += 1
        }
        let r = vectors.count
        guard r < n else { return nil }
        // The rest state must be in the span: its part outside is what the reduction would lose.
        let restScaled = (0..<n).map { rest[$0] / scale[$0] }
        var outside = restScaled
        for q in vectors {
            let projection = Self.dot(q, outside)
            for k in 0..<n { outside[k] -= projection * q[k] }
        }
        guard Self.norm(outside) <= 1e-9 * max(Self.norm(restScaled), 1e-300) || Self.norm(restScaled) == 0 else { return nil }
        var basis = Matrix(rows: n, columns: r), inverse = Matrix(rows: r, columns: n)
        for (j, q) in vectors.enumerated() {
            for k in 0..<n {
                basis[k, j] = scale[k] * q[k]
                inverse[j, k] = q[k] / scale[k]
            }
        }
        self.basis = basis
        self.inverse = inverse
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for k in a.indices { s += a[k] * b[k] }
        return s
    }

    static func norm(_ a: [Double]) -> Double { dot(a, a).squareRoot() }
}
