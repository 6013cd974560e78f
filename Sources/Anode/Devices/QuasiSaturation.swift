import Foundation

/// A power MOSFET's drain resistance in quasi-saturation (ngspice's VDMOS with RQ and VQ, after
/// D'Alessandro, Frisina and Rinaldi, EPE 2001): the resistance RD between the drain terminal and
/// the channel grows with the drain-source voltage Vds at the terminals,
///
///     Rd(Vds) = RD + RQ·Vds/(Vds + |VQ|)   (Vds ≥ 0),   RD   (Vds < 0)
///     I = (Vd − Vd')/Rd(Vds) + GMIN·(Vd − Vd')   (the GMIN term with Vds ≥ 0, as ngspice)
///
/// between the drain d and the channel's drain d', in the N-channel orientation. ngspice takes the
/// law's branch from the channel's own mode (the sign of Vd' − Vs', inside RD and RS); this one from
/// the terminals' Vds, which differs only where |Vds| is below the drop across RD and RS, and there
/// the RQ term is near zero. Terminals (d, d', s): ports (d, s) and (d', s).
public struct QuasiSaturationResistance: Hashable, Sendable {
    /// RD at the device's temperature, divided by its multiplier, Ω.
    public let resistance: Double
    /// RQ at the device's temperature, divided by its multiplier, Ω.
    public let quasiSaturationResistance: Double
    /// |VQ|, V.
    public let quasiSaturationVoltage: Double
    /// +1 for N-channel, −1 for P-channel.
    public let polarity: Double
    /// The conductance ngspice adds in quasi-saturation, S.
    public let gmin: Double

    /// The resistance of RD = `resistance` and RQ = `quasiSaturationResistance` at |VQ| =
    /// `quasiSaturationVoltage`.
    public init(resistance: Double, quasiSaturationResistance: Double, quasiSaturationVoltage: Double, polarity: Double, gmin: Double) {
        self.resistance = resistance
        self.quasiSaturationResistance = quasiSaturationResistance
        self.quasiSaturationVoltage = abs(quasiSaturationVoltage)
        self.polarity = polarity
        self.gmin = gmin
    }

    /// The conductance g = 1/Rd(Vds) (+ GMIN) and dg/dVds at `vds`, N-channel orientation.
    @inlinable @inline(__always)
    public func conductance(vds: Double) -> (g: Double, slope: Double) {
        guard vds >= 0 else { return (1 / resistance, 0) }
        let vq = quasiSaturationVoltage, d = vds + vq
        let r = resistance + quasiSaturationResistance * vds / d
        // dRd/dVds = RQ·|VQ|/(Vds + |VQ|)², dg/dVds = −(dRd/dVds)/Rd².
        return (1 / r + gmin, -quasiSaturationResistance * vq / (d * d) / (r * r))
    }

    /// Port currents (into d, into d') and their Jacobian with respect to (Vds, Vd's).
    @inlinable @inline(__always)
    public func portCurrents(_ v: PortVector) -> PortCurrents {
        let s = polarity
        let vr = s * (v[0] - v[1])
        let (g, slope) = conductance(vds: s * v[0])
        var r = PortCurrents()
        r.current[0] = s * g * vr
        r.current[1] = -s * g * vr
        r.conductance[0, 0] = g + slope * vr
        r.conductance[0, 1] = -g
        r.conductance[1, 0] = -(g + slope * vr)
        r.conductance[1, 1] = g
        return r
    }

    /// No charge.
    public var hasCharge: Bool { false }

    /// No charge.
    @inlinable public func portCharges(_ v: PortVector) -> PortCharges { PortCharges() }

    /// Newton steps are not limited: the law is a bounded conductance.
    @inlinable public func limit(_ new: PortVector, old: PortVector) -> (PortVector, Bool) { (new, false) }

    /// Newton's starting point: no voltage.
    public var initialPortVoltages: PortVector { PortVector() }
}
