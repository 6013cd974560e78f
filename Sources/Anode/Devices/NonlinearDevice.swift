/// A nonlinear device of an elaborated circuit, as the reference simulator holds it. (The real-time
/// processor keeps each kind in its own typed array instead, so that nothing is dispatched per sample.)
///
/// Port layouts (voltages relative to the last terminal, currents into the other terminals):
/// diode (a,k); BJT (b,e) (c,e), or (b,e) (b',e) (c,e) with a bias-dependent base resistance; JFET (g,s) (d,s); MOSFET (g,s) (d,s) (b,s); triode (g,k) (p,k);
/// pentode (g1,k) (g2,k) (p,k); junction capacitance (a,k); behavioral source: as its terminals list them;
/// switch (a,b) (control).
public enum NonlinearDevice: Hashable, Sendable {
    /// A junction diode.
    case diode(Diode)
    /// A Gummel–Poon bipolar transistor.
    case bjt(GummelPoon)
    /// A junction FET.
    case jfet(ShichmanHodges)
    /// A level-1 MOSFET.
    case mosfet(MOSFET)
    /// A power MOSFET's channel (VDMOS).
    case vdmos(VDMOS)
    /// A power MOSFET's drain resistance in quasi-saturation.
    case quasiSaturation(QuasiSaturationResistance)
    /// Koren's triode.
    case korenTriode(KorenTriode)
    /// Dempwolf and Zölzer's triode.
    case dempwolfZolzerTriode(DempwolfZolzerTriode)
    /// Koren's pentode.
    case korenPentode(KorenPentode)
    /// A depletion capacitance alone (the part of a BJT's CJC at its external base).
    case depletionCapacitance(DepletionCharge)
    /// A behavioral current source.
    case behavioral(BehavioralSource)
    /// A switch the signal turns, as the real-time processor holds it (the reference simulator
    /// keeps switches in its matrix instead: `Network.switches`).
    case controlledSwitch(SwitchPort)

    /// Number of ports (terminals minus one).
    @inlinable
    public var portCount: Int {
        switch self {
        case .diode(let d): return d.portCount
        case .bjt(let d): return d.portCount
        case .jfet(let d): return d.portCount
        case .mosfet(let d): return d.portCount
        case .vdmos(let d): return d.portCount
        case .quasiSaturation(let d): return d.portCount
        case .korenTriode(let d): return d.portCount
        case .dempwolfZolzerTriode(let d): return d.portCount
        case .korenPentode(let d): return d.portCount
        case .depletionCapacitance(let d): return d.portCount
        case .behavioral(let d): return d.portCount
        case .controlledSwitch(let d): return d.portCount
        }
    }

    /// Port currents and their Jacobian at port voltages `v`.
    @inlinable
    public func currents(_ v: PortVector) -> PortCurrents {
        switch self {
        case .diode(let d): return d.portCurrents(v)
        case .bjt(let d): return d.portCurrents(v)
        case .jfet(let d): return d.portCurrents(v)
        case .mosfet(let d): return d.portCurrents(v)
        case .vdmos(let d): return d.portCurrents(v)
        case .quasiSaturation(let d): return d.portCurrents(v)
        case .korenTriode(let d): return d.portCurrents(v)
        case .dempwolfZolzerTriode(let d): return d.portCurrents(v)
        case .korenPentode(let d): return d.portCurrents(v)
        case .depletionCapacitance(let d): return d.portCurrents(v)
        case .behavioral(let d): return d.portCurrents(v)
        case .controlledSwitch(let d): return d.portCurrents(v)
        }
    }

    /// Whether the device stores charge (so that transient and AC analyses must integrate it).
    @inlinable
    public var hasCharge: Bool {
        switch self {
        case .diode(let d): return d.hasCharge
        case .bjt(let d): return d.hasCharge
        case .jfet(let d): return d.hasCharge
        case .mosfet(let d): return d.hasCharge
        case .vdmos(let d): return d.hasCharge
        case .quasiSaturation(let d): return d.hasCharge
        case .korenTriode(let d): return d.hasCharge
        case .dempwolfZolzerTriode(let d): return d.hasCharge
        case .korenPentode(let d): return d.hasCharge
        case .depletionCapacitance(let d): return d.hasCharge
        case .behavioral(let d): return d.hasCharge
        case .controlledSwitch(let d): return d.hasCharge
        }
    }

    /// Port charges and the capacitance matrix at port voltages `v` (zero for charge-free devices;
    /// tube capacitances are separate linear capacitors).
    @inlinable
    public func charges(_ v: PortVector) -> PortCharges {
        switch self {
        case .diode(let d): return d.portCharges(v)
        case .bjt(let d): return d.portCharges(v)
        case .jfet(let d): return d.portCharges(v)
        case .mosfet(let d): return d.portCharges(v)
        case .vdmos(let d): return d.portCharges(v)
        case .quasiSaturation(let d): return d.portCharges(v)
        case .korenTriode(let d): return d.portCharges(v)
        case .dempwolfZolzerTriode(let d): return d.portCharges(v)
        case .korenPentode(let d): return d.portCharges(v)
        case .depletionCapacitance(let d): return d.portCharges(v)
        case .behavioral(let d): return d.portCharges(v)
        case .controlledSwitch(let d): return d.portCharges(v)
        }
    }

    /// Limits a Newton step from `old` to `new` port voltages; true when the step was changed.
    @inlinable
    public func limit(_ new: PortVector, old: PortVector) -> (PortVector, Bool) {
        switch self {
        case .diode(let d): return d.limit(new, old: old)
        case .bjt(let d): return d.limit(new, old: old)
        case .jfet(let d): return d.limit(new, old: old)
        case .mosfet(let d): return d.limit(new, old: old)
        case .vdmos(let d): return d.limit(new, old: old)
        case .quasiSaturation(let d): return d.limit(new, old: old)
        case .korenTriode(let d): return d.limit(new, old: old)
        case .dempwolfZolzerTriode(let d): return d.limit(new, old: old)
        case .korenPentode(let d): return d.limit(new, old: old)
        case .depletionCapacitance(let d): return d.limit(new, old: old)
        case .behavioral(let d): return d.limit(new, old: old)
        case .controlledSwitch(let d): return d.limit(new, old: old)
        }
    }

    /// The small-signal conductance matrix at port voltages `v` as SPICE's AC analysis forms it: the
    /// exact Jacobian, except that a bias-dependent BJT base resistance enters at its operating-point
    /// value (SPICE leaves out ∂rb/∂Ib, and Anode's AC results follow ngspice's).
    public func smallSignalConductance(_ v: PortVector) -> PortMatrix {
        if case .bjt(let q) = self, q.hasModulatedBaseResistance {
            return q.portCurrentsWithBase(v, frozenBaseResistance: true).conductance
        }
        return currents(v).conductance
    }

    /// Port voltages from which Newton starts when nothing better is known (SPICE's junction
    /// initialization: junctions at their critical voltage).
    public var initialPortVoltages: PortVector {
        switch self {
        case .diode(let d): return PortVector(d.criticalVoltage, 0, 0, 0)
        case .bjt(let q): return q.initialPortVoltages
        case .jfet(let j): return j.initialPortVoltages
        case .mosfet(let m): return m.initialPortVoltages
        case .vdmos(let m): return m.initialPortVoltages
        case .quasiSaturation(let m): return m.initialPortVoltages
        case .korenTriode, .dempwolfZolzerTriode, .korenPentode, .depletionCapacitance, .behavioral, .controlledSwitch: return PortVector()
        }
    }
}
