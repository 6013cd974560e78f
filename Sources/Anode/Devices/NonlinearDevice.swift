/// A nonlinear device of an elaborated circuit: its port currents, port charges and Newton limiting,
/// dispatched by a switch (no protocol existentials, so calls can be inlined and specialized).
///
/// Port layouts (voltages relative to the last terminal, currents into the other terminals):
/// diode (a,k); BJT (b,e) (c,e), or (b,e) (b',e) (c,e) with a bias-dependent base resistance; JFET (g,s) (d,s); MOSFET (g,s) (d,s) (b,s); triode (g,k) (p,k);
/// pentode (g1,k) (g2,k) (p,k); junction capacitance (a,k).
public enum NonlinearDevice: Hashable, Sendable {
    /// A junction diode.
    case diode(Diode)
    /// A Gummel–Poon bipolar transistor.
    case bjt(GummelPoon)
    /// A junction FET.
    case jfet(ShichmanHodges)
    /// A level-1 MOSFET.
    case mosfet(MOSFETLevel1)
    /// Koren's triode.
    case korenTriode(KorenTriode)
    /// Dempwolf and Zölzer's triode.
    case dempwolfZolzerTriode(DempwolfZolzerTriode)
    /// Koren's pentode.
    case korenPentode(KorenPentode)
    /// A depletion capacitance alone (the part of a BJT's CJC at its external base).
    case depletionCapacitance(DepletionCharge)

    /// Number of ports (terminals minus one).
    @inlinable
    public var portCount: Int {
        switch self {
        case .diode, .depletionCapacitance: return 1
        case .bjt(let q): return q.portCount
        case .jfet, .korenTriode, .dempwolfZolzerTriode: return 2
        case .mosfet, .korenPentode: return 3
        }
    }

    /// Port currents and their Jacobian at port voltages `v`.
    @inlinable
    public func currents(_ v: PortVector) -> PortCurrents {
        switch self {
        case .diode(let d):
            let (i, g) = d.current(v[0])
            var r = PortCurrents()
            r.current[0] = i
            r.conductance[0, 0] = g
            return r
        case .bjt(let q): return q.portCurrents(v)
        case .jfet(let j): return j.portCurrents(v)
        case .mosfet(let m): return m.portCurrents(v)
        case .korenTriode(let t): return t.portCurrents(v)
        case .dempwolfZolzerTriode(let t): return t.portCurrents(v)
        case .korenPentode(let p): return p.portCurrents(v)
        case .depletionCapacitance: return PortCurrents()
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

    /// Whether the device stores charge (so that transient and AC analyses must integrate it).
    public var hasCharge: Bool {
        switch self {
        case .diode(let d): return d.parameters.junctionCapacitance != 0 || d.parameters.transitTime != 0
        case .bjt(let q): return q.hasCharge
        case .jfet(let j): return j.hasCharge
        case .mosfet(let m): return m.hasCharge
        case .korenTriode, .dempwolfZolzerTriode, .korenPentode: return false
        case .depletionCapacitance(let c): return c.zeroBiasCapacitance != 0
        }
    }

    /// Port charges and the capacitance matrix at port voltages `v` (zero for charge-free devices;
    /// tube capacitances are separate linear capacitors).
    @inlinable
    public func charges(_ v: PortVector) -> PortCharges {
        switch self {
        case .diode(let d):
            let (q, c) = d.charge(v[0])
            var r = PortCharges()
            r.charge[0] = q
            r.capacitance[0, 0] = c
            return r
        case .bjt(let q): return q.portCharges(v)
        case .jfet(let j): return j.portCharges(v)
        case .mosfet(let m): return m.portCharges(v)
        case .depletionCapacitance(let dep):
            let (q, c) = dep.charge(v[0])
            var r = PortCharges()
            r.charge[0] = q
            r.capacitance[0, 0] = c
            return r
        case .korenTriode, .dempwolfZolzerTriode, .korenPentode: return PortCharges()
        }
    }

    /// Limits a Newton step from `old` to `new` port voltages; true when the step was changed.
    @inlinable
    public func limit(_ new: PortVector, old: PortVector) -> (PortVector, Bool) {
        switch self {
        case .diode(let d):
            let (v, limited) = d.limit(new[0], old: old[0])
            return (PortVector(v, 0, 0, 0), limited)
        case .bjt(let q): return q.limit(new, old: old)
        case .jfet(let j): return j.limit(new, old: old)
        case .mosfet(let m): return m.limit(new, old: old)
        case .korenTriode, .dempwolfZolzerTriode, .korenPentode, .depletionCapacitance: return (new, false)
        }
    }

    /// Port voltages from which Newton starts when nothing better is known (SPICE's junction
    /// initialization: junctions at their critical voltage).
    public var initialPortVoltages: PortVector {
        switch self {
        case .diode(let d): return PortVector(d.criticalVoltage, 0, 0, 0)
        case .bjt(let q): return q.initialPortVoltages
        case .jfet(let j): return j.initialPortVoltages
        case .mosfet(let m): return m.initialPortVoltages
        case .korenTriode, .dempwolfZolzerTriode, .korenPentode, .depletionCapacitance: return PortVector()
        }
    }
}
