import Foundation

/// The triode model of Dempwolf and Zölzer, fitted to measured 12AX7 curves.
///
///     Ik = G·(ln(1 + exp(C·(Vpk/MU + Vgk)))/C)^GAMMA          cathode current
///     Ig = GG·(ln(1 + exp(CG·Vgk))/CG)^XI + IG0               grid current
///     Ip = Ik − Ig                                             plate current
///
/// Interelectrode capacitances CCG, CGP, CCP are linear capacitors beside the device.
/// Source: K. Dempwolf, U. Zölzer, "A physically-motivated triode model for circuit simulations",
/// Proc. DAFx-11, Paris 2011 (12AX7: G=2.242e-3 C=3.40 MU=103.2 GAMMA=1.26 GG=6.177e-4 CG=9.901
/// XI=1.314 IG0=8.025e-8).
public struct DempwolfZolzerTriode: Hashable, Sendable {
    /// The parameters of a `.model NAME TRIODE(LEVEL=2 ...)` card.
    public struct Parameters: ModelParameters {
        /// G: cathode current scale (required).
        public var g: Double? = nil
        /// C: smoothness of the cathode current's cut-off (required).
        public var c: Double? = nil
        /// MU: amplification factor (required).
        public var mu: Double? = nil
        /// GAMMA: exponent of the cathode current law (required).
        public var gamma: Double? = nil
        /// GG: grid current scale (required).
        public var gg: Double? = nil
        /// CG: smoothness of the grid current's onset (required).
        public var cg: Double? = nil
        /// XI: exponent of the grid current law (required).
        public var xi: Double? = nil
        /// IG0: constant grid current offset, A.
        public var ig0 = 0.0
        /// CCG: cathode–grid capacitance, F.
        public var cathodeGridCapacitance = 0.0
        /// CGP: grid–plate capacitance, F.
        public var gridPlateCapacitance = 0.0
        /// CCP: cathode–plate capacitance, F.
        public var cathodePlateCapacitance = 0.0

        /// No tube: G, C, MU, GAMMA, GG, CG and XI must be set.
        public init() {}

        /// Sets the parameter `name` (lower case) from a `.model` card; nil for a name the model does not know.
        public mutating func set(_ name: String, to value: Double) -> ParameterSupport? {
            switch name {
            case "g": g = value
            case "c": c = value
            case "mu": mu = value
            case "gamma": gamma = value
            case "gg": gg = value
            case "cg": cg = value
            case "xi": xi = value
            case "ig0": ig0 = value
            case "ccg", "cgk": cathodeGridCapacitance = value
            case "cgp", "cpg": gridPlateCapacitance = value
            case "ccp", "cpk": cathodePlateCapacitance = value
            case "level": return value == 2 ? .modeled : nil
            default: return nil
            }
            return .modeled
        }

        /// The first parameter whose value is impossible, and why; nil when all are possible.
        public func invalidParameter() -> (name: String, problem: String)? {
            for (name, value) in [("g", g), ("c", c), ("mu", mu), ("gamma", gamma), ("gg", gg), ("cg", cg), ("xi", xi)] {
                guard let value else { return (name, "is required") }
                if !(value > 0) { return (name, "must be positive") }
            }
            if cathodeGridCapacitance < 0 { return ("ccg", "must not be negative") }
            if gridPlateCapacitance < 0 { return ("cgp", "must not be negative") }
            if cathodePlateCapacitance < 0 { return ("ccp", "must not be negative") }
            return nil
        }
    }

    /// G, C, MU, GAMMA, GG, CG, XI, IG0.
    public let g: Double, c: Double, mu: Double, gamma: Double, gg: Double, cg: Double, xi: Double, ig0: Double
    /// u ↦ u^GAMMA and v ↦ v^XI.
    @usableFromInline let cathodePower: FixedPower, gridPower: FixedPower
    /// The parameters.
    public let parameters: Parameters

    /// A triode; throws when a required parameter is missing or a value is impossible.
    public init(_ p: Parameters) throws(NetlistError) {
        try p.validate()
        parameters = p
        g = p.g!
        c = p.c!
        mu = p.mu!
        gamma = p.gamma!
        gg = p.gg!
        cg = p.cg!
        xi = p.xi!
        ig0 = p.ig0
        cathodePower = FixedPower(exponent: gamma)
        gridPower = FixedPower(exponent: xi)
    }

    /// Cathode current Ik and its derivatives: with x = Vpk/MU + Vgk, u = softplus(C·x)/C,
    /// ∂Ik/∂Vgk = G·GAMMA·u^(GAMMA−1)·σ(C·x), ∂Ik/∂Vpk = that/MU.
    @inlinable @inline(__always)
    public func cathodeCurrent(vgk: Double, vpk: Double) -> (ik: Double, dVgk: Double, dVpk: Double) {
        let z = c * (vpk / mu + vgk)
        let (sp, sigma) = softplusAndLogistic(z)
        let u = sp / c
        let power = cathodePower(u)  // u^GAMMA
        // u^(GAMMA−1) as u^GAMMA/u; u underflows to 0 some 220 V below cutoff, where it is 0.
        let d = u > 0 ? g * gamma * power / u * sigma : 0
        return (g * power, d, d / mu)
    }

    /// Grid current Ig and ∂Ig/∂Vgk = GG·XI·v^(XI−1)·σ(CG·Vgk), v = softplus(CG·Vgk)/CG.
    @inlinable @inline(__always)
    public func gridCurrent(vgk: Double) -> (ig: Double, g: Double) {
        let z = cg * vgk
        let (sp, sigma) = softplusAndLogistic(z)
        let v = sp / cg
        let power = gridPower(v)  // v^XI
        // v underflows to 0 about 75 V below the cathode, where the conductance is 0.
        return (gg * power + ig0, v > 0 ? gg * xi * power / v * sigma : 0)
    }

    /// Port currents Ig, Ip = Ik − Ig and their Jacobian with respect to (Vgk, Vpk).
    @inlinable @inline(__always)
    public func portCurrents(_ v: PortVector) -> PortCurrents {
        let (ik, kg, kp) = cathodeCurrent(vgk: v[0], vpk: v[1])
        let (ig, gg) = gridCurrent(vgk: v[0])
        var r = PortCurrents()
        r.current[0] = ig
        r.current[1] = ik - ig
        r.conductance[0, 0] = gg
        r.conductance[1, 0] = kg - gg
        r.conductance[1, 1] = kp
        return r
    }
}
