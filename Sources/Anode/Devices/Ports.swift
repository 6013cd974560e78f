/// Port voltages or port currents of a nonlinear device.
///
/// A device with terminals T₁…Tₙ and a reference terminal T₀ has ports (T₁,T₀)…(Tₙ,T₀): port k's
/// voltage is V(Tₖ) − V(T₀) and its current is the current flowing into terminal Tₖ. (The reference
/// terminal carries the negative sum.) Lanes past the device's port count are zero.
public typealias PortVector = SIMD4<Double>

/// The Jacobian ∂i/∂v (or ∂q/∂v) of a device's port currents (or charges) with respect to its port
/// voltages: a 4×4 row-major matrix of which the device uses its first ports×ports block.
public struct PortMatrix: Hashable, Sendable {
    /// Row-major entries.
    public var entries = SIMD16<Double>()

    /// The zero matrix.
    @inlinable public init() {}

    /// Entry (row, column).
    @inlinable @inline(__always)
    public subscript(row: Int, column: Int) -> Double {
        get { entries[row &* 4 &+ column] }
        set { entries[row &* 4 &+ column] = newValue }
    }

    /// The matrix-vector product.
    @inlinable @inline(__always)
    public static func * (m: PortMatrix, v: PortVector) -> PortVector {
        var r = PortVector()
        for row in 0..<4 {
            r[row] = m[row, 0] * v[0] + m[row, 1] * v[1] + m[row, 2] * v[2] + m[row, 3] * v[3]
        }
        return r
    }
}

/// Port currents and their Jacobian at one operating point.
public struct PortCurrents: Hashable, Sendable {
    /// Currents into the non-reference terminals, A.
    public var current = PortVector()
    /// ∂current/∂(port voltage), S.
    public var conductance = PortMatrix()

    /// Zero currents.
    @inlinable public init() {}
}

/// Port charges and their Jacobian (the capacitance matrix) at one operating point.
public struct PortCharges: Hashable, Sendable {
    /// Charges whose time derivatives are the capacitive currents into the non-reference terminals, C.
    public var charge = PortVector()
    /// ∂charge/∂(port voltage), F.
    public var capacitance = PortMatrix()

    /// Zero charges.
    @inlinable public init() {}

    /// A FET gate's charges on ports (g,s) and (d,s): Qgs (with its capacitance) between gate and
    /// source and Qgd between gate and drain, each a function of its own voltage in the N-channel
    /// orientation; `polarity` −1 for P-channel. Qg = Qgs + Qgd, Qd = −Qgd.
    @inlinable
    public init(gateSource: (q: Double, c: Double), gateDrain: (q: Double, c: Double), polarity s: Double) {
        charge[0] = s * (gateSource.q + gateDrain.q)
        charge[1] = -s * gateDrain.q
        capacitance[0, 0] = gateSource.c + gateDrain.c
        capacitance[0, 1] = -gateDrain.c
        capacitance[1, 0] = -gateDrain.c
        capacitance[1, 1] = gateDrain.c
    }
}

/// Port currents and, optionally, port charges with their Jacobians, computed in one pass so that
/// a device can share work (exponentials) between its currents and its charges.
public struct PortEvaluation: Sendable {
    /// Currents and conductances.
    public var currents = PortCurrents()
    /// Charges and capacitances (zero when not asked for).
    public var charges = PortCharges()

    /// Zero.
    @inlinable public init() {}
}
