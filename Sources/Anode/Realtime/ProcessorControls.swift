import Synchronization

extension Processor {
    /// The index of the control called `name` (case-insensitive) in `controlNames`, for
    /// `setControl(index:to:)`.
    public func controlIndex(named name: String) -> Int? {
        controlNames.firstIndex { $0.lowercased() == name.lowercased() }
    }

    /// Sets the target position (0…1) of the control called `name`; the processor glides there
    /// (10 ms time constant) over the next blocks, without clicks. Returns false for an unknown name.
    /// Safe from any thread; it compares strings, so from the audio thread prefer `setControl(index:to:)`.
    @discardableResult
    public func setControl(_ name: String, to position: Double) -> Bool {
        guard let k = controlIndex(named: name) else { return false }
        setControl(index: k, to: position)
        return true
    }

    /// Sets the target position (0…1) of control number `index` (see `controlNames`). Lock-free and
    /// allocation-free, safe from any thread: the audio thread takes the new target over at the start
    /// of its next `process` call.
    public func setControl(index: Int, to position: Double) {
        guard index >= 0, index < controlCount, position.isFinite else { return }
        targetBits[index].store(min(max(position, 0), 1).bitPattern, ordering: .relaxed)
        controlChanges.add(1, ordering: .releasing)
    }

    /// The target position of control number `index` (the last one set; safe from any thread).
    public func controlTarget(index: Int) -> Double? {
        guard index >= 0, index < controlCount else { return nil }
        return Double(bitPattern: targetBits[index].load(ordering: .relaxed))
    }

    /// The present (gliding) position of the control called `name`. Read it from the audio thread,
    /// between `process` calls.
    public func controlPosition(_ name: String) -> Double? {
        controlIndex(named: name).map { positions[$0] }
    }

    /// Takes over the targets set since the last block (audio thread).
    @inlinable
    func takeControlChanges() {
        let changes = controlChanges.load(ordering: .acquiring)
        guard changes != runtime.pointee.seenControlChanges else { return }
        runtime.pointee.seenControlChanges = changes
        for k in 0..<controlCount { targets[k] = Double(bitPattern: targetBits[k].load(ordering: .relaxed)) }
        runtime.pointee.controlsMoving = true
    }

    /// Moves every control one glide step toward its target and updates the model.
    @usableFromInline
    func glideControls() {
        var moving = false
        for k in 0..<controlCount {
            let remaining = targets[k] - positions[k]
            if abs(remaining) < 1e-5 {
                positions[k] = targets[k]
            } else {
                positions[k] += glide * remaining
                moving = true
            }
        }
        applyControls()
        runtime.pointee.controlsMoving = moving
    }

    /// Rebuilds the live matrices from the base ones for the present control positions: a rank-nv
    /// update through W = (I + Δ·Q)⁻¹·Δ (no allocation, no re-derivation).
    @usableFromInline
    func applyControls() {
        guard nv > 0 else { return }
        for k in 0..<nv {
            let c = resistorControl[k], law = resistanceLaw[k]
            let f = Control.fraction(positions[c], taper: tapers[c])
            delta[k] = -(law[0] + law[1] * f - baseResistance[k])
        }
        // W: solve (I + Δ·Q)·W = Δ, column by column.
        for i in 0..<nv {
            for j in 0..<nv { updateMatrix[j &* nv &+ i] = (i == j ? 1 : 0) + delta[i] * Q[i &* nv &+ j] }  // column-major
        }
        guard SmallLU.factor(updateMatrix, nv, pivots: updatePivots) else { return }
        for j in 0..<nv {
            let column = product  // scratch column
            for i in 0..<nv { column[i] = i == j ? delta[j] : 0 }
            SmallLU.solve(updateMatrix, nv, pivots: updatePivots, column)
            for i in 0..<nv { wMatrix[i &* nv &+ j] = column[i] }
        }
        // X = X₀ − L·(W·R) for each matrix; X₀ is packed row-major, X has the strides of its storage.
        func update(_ x: UnsafeMutablePointer<Double>, stride: Int, columnStride: Int = 1, _ x0: UnsafeMutablePointer<Double>,
                    _ l: UnsafeMutablePointer<Double>, rows: Int, columns: Int) {
            for r in 0..<rows {
                for c in 0..<columns {
                    var sum = x0[r &* columns &+ c]
                    for k in 0..<nv { sum -= l[r &* nv &+ k] * product[k &* columns &+ c] }
                    x[r &* stride &+ c &* columnStride] = sum
                }
            }
        }
        func multiplyW(_ right: UnsafeMutablePointer<Double>, columns: Int) {
            for i in 0..<nv {
                for c in 0..<columns {
                    var sum = 0.0
                    for k in 0..<nv { sum += wMatrix[i &* nv &+ k] * right[k &* columns &+ c] }
                    product[i &* columns &+ c] = sum
                }
            }
        }
        multiplyW(Rs, columns: ns)
        update(A, stride: portStride, A0, Ls, rows: ns, columns: ns)
        update(D, stride: portStride, D0, Lo, rows: no, columns: ns)
        update(G, stride: stateStride, G0, Ln, rows: np, columns: ns)
        multiplyW(Ru, columns: nu)
        update(B, stride: portStride, B0, Ls, rows: ns, columns: nu)
        update(E, stride: portStride, E0, Lo, rows: no, columns: nu)
        update(H, stride: stateStride, H0, Ln, rows: np, columns: nu)
        multiplyW(Rz, columns: np)
        update(C, stride: portStride, C0, Ls, rows: ns, columns: np)
        update(F, stride: portStride, F0, Lo, rows: no, columns: np)
        refreshUpdateColumns()
        update(K, stride: 1, columnStride: np, K0, Ln, rows: np, columns: np)
        permuteK()
        runtime.pointee.haveFactors = false
    }
}
