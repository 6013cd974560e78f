import Foundation

/// A nonlinear device seen through its ports (see `PortVector`): what both engines need of it.
///
/// The real-time processor keeps one array per conforming type and calls these methods through
/// generic code specialized for each type, so a device costs no dynamic dispatch per sample.
///
/// A conformer's methods that the processor calls per evaluation — and every method of the device
/// they call in turn — are `@inline(__always)` and read `parameters` field by field: a call on the
/// device in its slot, or a `let p = parameters`, makes Swift copy the whole device or card first
/// (64–147 instructions of `memcpy` per evaluation for the triode, the JFET and the MOSFET, found
/// by callgrind's callers of `memcpy`). Level 3 and the like, kept out of line, are static
/// functions of the part they need.
public protocol PortDevice: Sendable {
    /// Number of ports (terminals minus one).
    var portCount: Int { get }
    /// Port currents and their Jacobian at port voltages `v`.
    func portCurrents(_ v: PortVector) -> PortCurrents
    /// Whether the device stores charge.
    var hasCharge: Bool { get }
    /// Port charges and their capacitance matrix at port voltages `v`.
    func portCharges(_ v: PortVector) -> PortCharges
    /// Limits a Newton step from `old` to `new`; true when the step was changed.
    func limit(_ new: PortVector, old: PortVector) -> (PortVector, Bool)
    /// Currents and (when `withCharges`) charges at `v` in one pass.
    func evaluate(_ v: PortVector, withCharges: Bool) -> PortEvaluation
    /// Whether the device reports curvature scales of its ports (`curvatureScales`).
    static var hasCurvatureScales: Bool { get }
    /// Per port, the scale σ on which its laws curve at `v`, so that a Newton step δ of that port
    /// may be taken to first order when δ² ≤ 2·σ·tolerance; 0 where the junction bound applies.
    func curvatureScales(_ v: PortVector) -> PortVector
    /// 1 on the ports to which `curvatureScales` may give a scale, 0 on those that always keep the
    /// junction bound.
    var curvatureScalePorts: PortVector { get }
    /// Whether the device reports the second derivatives of its port currents
    /// (`evaluateWithSecondDerivatives`); devices of one or two ports that store no charge only
    /// (the processor's ĩ includes the charge currents, whose second derivatives are not reported).
    static var reportsSecondDerivatives: Bool { get }
    /// `evaluate`, with the second derivatives of the port currents: row r of the matrix holds
    /// (∂²iᵣ/∂v₀², ∂²iᵣ/∂v₀∂v₁, ∂²iᵣ/∂v₁², 0). The real-time processor uses them to take a Newton
    /// step to first order where a junction's bound would not (`Processor.curvatureAllows`).
    func evaluateWithSecondDerivatives(_ v: PortVector, withCharges: Bool) -> (PortEvaluation, PortMatrix)
    /// Whether the real-time prediction takes the device's junction curvatures
    /// (`junctionCurvatures`) for its second-order term.
    static var hasJunctionCurvatures: Bool { get }
    /// Per port k, the curvature κₖ of the exponential that carries the currents depending on
    /// port k's voltage when that junction conducts, so that ∂²i/∂vₖ² ≈ κₖ·∂i/∂vₖ (κ = ±1/(N·Vt));
    /// 0 for a port with no such junction. The real-time processor's prediction takes its
    /// second-order term from it.
    var junctionCurvatures: PortVector { get }
    /// Whether the real-time prediction may solve the device's junction in closed form
    /// (`junctionExponential`): one-port devices whose forward current is one exponential.
    static var hasExponentialJunction: Bool { get }
    /// For a one-port junction device with `hasExponentialJunction`, its exponential: ĩ's part
    /// S·e^{κ·v} (see `JunctionExponential`).
    func junctionExponential(a0: Double) -> JunctionExponential
}

/// The exponential part of a one-port junction device's current in the real-time processor's ĩ
/// (current plus a0 times charge): S·e^{κ·v}, and how to read its conductance κ·S·e^{κ·v} off an
/// evaluation's ∂i/∂v: (∂i/∂v − offset)·factor.
@frozen
public struct JunctionExponential: Sendable {
    /// κ, per port volt.
    public var kappa = 0.0
    /// ln(κ·S).
    public var logKappaSaturation = 0.0
    /// The conductance in ∂i/∂v that is not the exponential's (GMIN).
    public var conductanceOffset = 0.0
    /// What the charge adds to the exponential's conductance: 1 + a0·TT.
    public var conductanceFactor = 1.0

    /// None (κ = 0).
    @inlinable public init() {}

    /// An exponential of curvature `kappa`, ln(κ·S) `logKappaSaturation`, read off ∂i/∂v as
    /// (∂i/∂v − `conductanceOffset`)·`conductanceFactor`.
    @inlinable
    public init(kappa: Double, logKappaSaturation: Double, conductanceOffset: Double, conductanceFactor: Double) {
        self.kappa = kappa
        self.logKappaSaturation = logKappaSaturation
        self.conductanceOffset = conductanceOffset
        self.conductanceFactor = conductanceFactor
    }
}

/// ½·δᵀ·Hᵣ·δ, the second-order part of port r's current for a step δ = (d0, d1), from second
/// derivatives `h` laid out as `PortDevice.evaluateWithSecondDerivatives` reports them.
@inlinable @inline(__always)
func secondOrderRemainder(_ h: PortMatrix, port r: Int, _ d0: Double, _ d1: Double) -> Double {
    0.5 * (h[r, 0] * (d0 * d0) + 2 * h[r, 1] * (d0 * d1) + h[r, 2] * (d1 * d1))
}

extension PortDevice {
    /// Not reported.
    @inlinable public static var reportsSecondDerivatives: Bool { false }

    /// None reported.
    @inlinable public static var hasCurvatureScales: Bool { false }

    /// Not taken.
    @inlinable public static var hasJunctionCurvatures: Bool { false }

    /// None.
    @inlinable public var junctionCurvatures: PortVector { PortVector() }

    /// Not solved in closed form.
    @inlinable public static var hasExponentialJunction: Bool { false }

    /// None.
    @inlinable public func junctionExponential(a0: Double) -> JunctionExponential { JunctionExponential() }

    /// The junction bound on every port.
    @inlinable public func curvatureScales(_ v: PortVector) -> PortVector { PortVector() }

    /// None.
    @inlinable public var curvatureScalePorts: PortVector { PortVector() }

    /// `evaluate` with zero second derivatives (for devices that do not report them).
    @inlinable @inline(__always)
    public func evaluateWithSecondDerivatives(_ v: PortVector, withCharges: Bool) -> (PortEvaluation, PortMatrix) {
        (evaluate(v, withCharges: withCharges), PortMatrix())
    }

    /// Currents and charges by their separate methods.
    @inlinable @inline(__always)
    public func evaluate(_ v: PortVector, withCharges: Bool) -> PortEvaluation {
        var e = PortEvaluation()
        e.currents = portCurrents(v)
        if withCharges { e.charges = portCharges(v) }
        return e
    }
}

extension Diode: PortDevice {
    /// One port, (anode, cathode).
    @inlinable public var portCount: Int { 1 }

    /// Not taken, though the junction has one (`junctionCurvatures`): on the diode clipper the
    /// prediction's second-order term saved evaluations (1.50 → 1.33 per sample at 1 V) but not
    /// time (131 → 132 ns), and its chain of operations, added to every sample's, cost 15 % at
    /// 0.1 V (100 → 115 ns) — a diode's evaluation is too cheap to pay for it.
    @inlinable public static var hasJunctionCurvatures: Bool { false }

    /// 1/(N·Vt) of each junction, over the string's count (per port volt).
    @inlinable public var junctionCurvatures: PortVector { PortVector(inverseNVt * inverseSeriesCount, 0, 0, 0) }

    /// Solved in closed form when the prediction's junction conducts.
    @inlinable public static var hasExponentialJunction: Bool { true }

    /// κ = 1/(N·Vt·count), S = IS·(1 + a0·TT): ĩ's exponential part is IS·e^{κv}·(1 + a0·TT),
    /// and its conductance (∂i/∂v − GMIN/count)·(1 + a0·TT).
    @inlinable @inline(__always)
    public func junctionExponential(a0: Double) -> JunctionExponential {
        let kappa = inverseNVt * inverseSeriesCount, factor = 1 + a0 * parameters.transitTime
        return JunctionExponential(kappa: kappa, logKappaSaturation: log(kappa * parameters.saturationCurrent * factor),
                                   conductanceOffset: gmin * inverseSeriesCount, conductanceFactor: factor)
    }

    /// Port currents and their Jacobian at port voltages `v`.
    @inlinable @inline(__always)
    public func portCurrents(_ v: PortVector) -> PortCurrents {
        let (i, g) = current(v[0] * inverseSeriesCount)
        var r = PortCurrents()
        r.current[0] = i
        r.conductance[0, 0] = g * inverseSeriesCount
        return r
    }

    /// Whether CJO or TT is nonzero.
    public var hasCharge: Bool { parameters.junctionCapacitance != 0 || parameters.transitTime != 0 }

    /// Port charges and their capacitance matrix at port voltages `v`.
    @inlinable @inline(__always)
    public func portCharges(_ v: PortVector) -> PortCharges {
        let (q, c) = charge(v[0] * inverseSeriesCount)
        var r = PortCharges()
        r.charge[0] = q
        r.capacitance[0, 0] = c * inverseSeriesCount
        return r
    }

    /// Limits a Newton step from `old` to `new`; true when the step was changed.
    @inlinable @inline(__always)
    public func limit(_ new: PortVector, old: PortVector) -> (PortVector, Bool) {
        // A string limits each junction's step (its voltage is the port's over the count).
        let n = Double(seriesCount), k = inverseSeriesCount
        let (v, limited) = limit(new[0] * k, old: old[0] * k)
        return (PortVector(limited ? v * n : new[0], 0, 0, 0), limited)
    }

    /// Current and charge sharing the junction's exponential (Q = TT·I + Qdep); for a string of
    /// `seriesCount` junctions, at each junction's share of the port voltage.
    @inlinable @inline(__always)
    public func evaluate(_ v: PortVector, withCharges: Bool) -> PortEvaluation {
        let k = inverseSeriesCount
        let vj = v[0] * k
        var e = PortEvaluation()
        if withCharges {
            let (i, g, q, c) = currentAndCharge(vj)
            e.currents.current[0] = i
            e.currents.conductance[0, 0] = g * k
            e.charges.charge[0] = q
            e.charges.capacitance[0, 0] = c * k
        } else {
            let (i, g) = current(vj)
            e.currents.current[0] = i
            e.currents.conductance[0, 0] = g * k
        }
        return e
    }
}

extension GummelPoon: PortDevice {
    /// The collector port's scale while the base–collector junction blocks.
    @inlinable public static var hasCurvatureScales: Bool { true }

    /// Taken: the base–emitter junction's.
    @inlinable public static var hasJunctionCurvatures: Bool { true }

    /// ±1/(NF·Vt) on the base–emitter port, signed by the polarity; 0 on the collector port. None
    /// with a modulated base resistance: the external base port's current through rb is linear in
    /// the intrinsic junction's voltage at a fixed external one, not exponential.
    @inlinable public var junctionCurvatures: PortVector {
        hasModulatedBaseResistance ? PortVector() : PortVector(polarity.rawValue * k.forward, 0, 0, 0)
    }
}
extension ShichmanHodges: PortDevice {
    /// Two ports, (gate, source) and (drain, source).
    @inlinable public var portCount: Int { 2 }
}
extension MOSFET: PortDevice {
    /// Three ports, (gate, source), (drain, source) and (bulk, source).
    @inlinable public var portCount: Int { 3 }
}
extension QuasiSaturationResistance: PortDevice {
    /// Two ports, (drain, source) and (the channel's drain, source).
    @inlinable public var portCount: Int { 2 }
}

extension VDMOS: PortDevice {
    /// Two ports, (gate, source) and (drain, source), inside the gate, drain and source resistances.
    @inlinable public var portCount: Int { 2 }
}

extension KorenTriode: PortDevice {
    /// Two ports, (grid, cathode) and (plate, cathode).
    @inlinable public var portCount: Int { 2 }
    /// Tube capacitances are linear capacitors beside the device.
    public var hasCharge: Bool { false }
    /// No charge.
    @inlinable public func portCharges(_ v: PortVector) -> PortCharges { PortCharges() }
    /// Koren's equations are smooth; no limiting is needed.
    @inlinable public func limit(_ new: PortVector, old: PortVector) -> (PortVector, Bool) { (new, false) }

    /// Reported: the plate law bends far less than a junction (near cutoff like an exponential of
    /// scale √(KVB + Vpk²)/(EX·KP) ≈ 0.25 V for a 12AX7, against a junction's N·Vt).
    @inlinable public static var reportsSecondDerivatives: Bool { true }

    /// Currents, conductances and the currents' second derivatives.
    @inlinable @inline(__always)
    public func evaluateWithSecondDerivatives(_ v: PortVector, withCharges: Bool) -> (PortEvaluation, PortMatrix) {
        let (ig, gg, cg) = gridCurrentAndCurvature(vgk: v[0])
        let p = plateCurrentAndHessian(vgk: v[0], vpk: v[1])
        var r = PortEvaluation()
        r.currents.current[0] = ig
        r.currents.current[1] = p.ip
        r.currents.conductance[0, 0] = gg
        r.currents.conductance[1, 0] = p.dVgk
        r.currents.conductance[1, 1] = p.dVpk
        var h = PortMatrix()
        h[0, 0] = cg
        h[1, 0] = p.dVgkVgk
        h[1, 1] = p.dVgkVpk
        h[1, 2] = p.dVpkVpk
        return (r, h)
    }
}

extension DempwolfZolzerTriode: PortDevice {
    /// Two ports, (grid, cathode) and (plate, cathode).
    @inlinable public var portCount: Int { 2 }
    /// Tube capacitances are linear capacitors beside the device.
    public var hasCharge: Bool { false }
    /// No charge.
    @inlinable public func portCharges(_ v: PortVector) -> PortCharges { PortCharges() }
    /// The equations are smooth; no limiting is needed.
    @inlinable public func limit(_ new: PortVector, old: PortVector) -> (PortVector, Bool) { (new, false) }
}

extension KorenPentode: PortDevice {
    /// Three ports, (grid, cathode), (screen, cathode) and (plate, cathode).
    @inlinable public var portCount: Int { 3 }
    /// Tube capacitances are linear capacitors beside the device.
    public var hasCharge: Bool { false }
    /// No charge.
    @inlinable public func portCharges(_ v: PortVector) -> PortCharges { PortCharges() }
    /// The plate's step limited at the knee (`limitPlate`); the grids' laws need no limiting.
    @inlinable public func limit(_ new: PortVector, old: PortVector) -> (PortVector, Bool) {
        let plate = limitPlate(new[2], old: old[2], vg1k: new[0], vg2k: new[1])
        guard plate != new[2] else { return (new, false) }
        var limited = new
        limited[2] = plate
        return (limited, true)
    }

    /// The plate's scale (`plateCurvatureScale`); the grids keep the junction bound.
    @inlinable public static var hasCurvatureScales: Bool { true }

    /// Curvature scales of the ports at port voltages `v`: the plate's, 0 for the grids.
    @inlinable @inline(__always)
    public func curvatureScales(_ v: PortVector) -> PortVector { PortVector(0, 0, plateCurvatureScale(vpk: v[2]), 0) }

    /// The plate port.
    @inlinable public var curvatureScalePorts: PortVector { PortVector(0, 0, 1, 0) }
}

extension DepletionCharge: PortDevice {
    /// One port.
    @inlinable public var portCount: Int { 1 }
    /// No conduction current.
    @inlinable public func portCurrents(_ v: PortVector) -> PortCurrents { PortCurrents() }
    /// Whether the zero-bias capacitance is nonzero.
    public var hasCharge: Bool { zeroBiasCapacitance != 0 }
    /// Port charges and their capacitance matrix at port voltages `v`.
    @inlinable @inline(__always)
    public func portCharges(_ v: PortVector) -> PortCharges {
        let (q, c) = charge(v[0])
        var r = PortCharges()
        r.charge[0] = q
        r.capacitance[0, 0] = c
        return r
    }
    /// No limiting.
    @inlinable public func limit(_ new: PortVector, old: PortVector) -> (PortVector, Bool) { (new, false) }
}
