import Foundation

/// Norman Koren's triode model with grid current.
///
///     E1 = (Vpk/KP)·ln(1 + exp(KP·(1/MU + (Vgk + VCT)/√(KVB + Vpk²))))
///     Ip = 2·max(E1, 0)^EX / KG1
///     Ig = grid diode (ISG, NG) in series with RGI, from grid to cathode
///
/// The factor 2 is Koren's own (his SPICE source writes (E1^EX + sgn(E1)·|E1|^EX)/KG1); tables that
/// halve KG1 and drop the 2 describe the same tube. The interelectrode capacitances CCG (grid–cathode),
/// CGP (grid–plate) and CCP (cathode–plate) are linear capacitors added beside the device.
/// Sources: N. Koren, "Improved VT models for SPICE simulations", Glass Audio 5/1996;
/// the 12AX7/12AT7/12AU7 parameter sets in circuits/models/tubes.lib.
public struct KorenTriode: Hashable, Sendable {
    /// The parameters of a `.model NAME TRIODE(LEVEL=1 ...)` card.
    public struct Parameters: ModelParameters {
        /// MU: amplification factor (required).
        public var mu: Double? = nil
        /// EX: exponent of the plate current law (required).
        public var ex: Double? = nil
        /// KG1: plate current scale, V^EX/A (required).
        public var kg1: Double? = nil
        /// KP: shape of the cut-off knee (required).
        public var kp: Double? = nil
        /// KVB: knee voltage parameter, V² (required).
        public var kvb: Double? = nil
        /// VCT: contact potential added to Vgk, V.
        public var vct = 0.0
        /// RGI: series resistance of the grid current path, Ω.
        public var gridResistance = 2000.0
        /// ISG: saturation current of the grid diode, A; 0 turns grid current off.
        public var gridSaturationCurrent = 1e-9
        /// NG: emission coefficient of the grid diode.
        public var gridEmission = 1.0
        /// CCG: cathode–grid capacitance, F.
        public var cathodeGridCapacitance = 0.0
        /// CGP: grid–plate capacitance, F.
        public var gridPlateCapacitance = 0.0
        /// CCP: cathode–plate capacitance, F.
        public var cathodePlateCapacitance = 0.0

        /// No tube: MU, EX, KG1, KP and KVB must be set.
        public init() {}

        /// Sets the parameter `name` (lower case) from a `.model` card; nil for a name the model does not know.
        public mutating func set(_ name: String, to value: Double) -> ParameterSupport? {
            switch name {
            case "mu": mu = value
            case "ex": ex = value
            case "kg1": kg1 = value
            case "kp": kp = value
            case "kvb": kvb = value
            case "vct": vct = value
            case "rgi": gridResistance = value
            case "isg": gridSaturationCurrent = value
            case "ng": gridEmission = value
            case "ccg", "cgk": cathodeGridCapacitance = value
            case "cgp", "cpg": gridPlateCapacitance = value
            case "ccp", "cpk": cathodePlateCapacitance = value
            case "level": return value == 1 ? .modeled : nil
            default: return nil
            }
            return .modeled
        }

        /// The first parameter whose value is impossible, and why; nil when all are possible.
        public func invalidParameter() -> (name: String, problem: String)? {
            for (name, value) in [("mu", mu), ("ex", ex), ("kg1", kg1), ("kp", kp), ("kvb", kvb)] {
                guard let value else { return (name, "is required") }
                if !(value > 0) { return (name, "must be positive") }
            }
            if gridResistance < 0 { return ("rgi", "must not be negative") }
            if gridSaturationCurrent < 0 { return ("isg", "must not be negative") }
            if !(gridEmission > 0) { return ("ng", "must be positive") }
            if cathodeGridCapacitance < 0 { return ("ccg", "must not be negative") }
            if gridPlateCapacitance < 0 { return ("cgp", "must not be negative") }
            if cathodePlateCapacitance < 0 { return ("ccp", "must not be negative") }
            return nil
        }
    }

    /// MU, EX, KG1, KP, KVB, VCT.
    public let mu: Double, ex: Double, kg1: Double, kp: Double, kvb: Double, vct: Double
    /// KP/MU, 1/KP and 2/KG1, so that an evaluation divides only by s and E1.
    @usableFromInline let kpOverMu: Double, inverseKp: Double, twoOverKg1: Double
    /// E1 ↦ E1^EX.
    @usableFromInline let power: FixedPower
    /// The grid current path; nil when ISG = 0.
    public let grid: SeriesDiode?
    /// Conductance from grid to cathode (GMIN), S.
    public let gmin: Double
    /// The parameters.
    public let parameters: Parameters

    /// A triode; throws when a required parameter is missing or a value is impossible.
    public init(_ p: Parameters, gmin: Double = Junction.defaultGmin) throws(NetlistError) {
        try p.validate()
        parameters = p
        mu = p.mu!
        ex = p.ex!
        kg1 = p.kg1!
        kp = p.kp!
        kvb = p.kvb!
        vct = p.vct
        kpOverMu = kp / mu
        inverseKp = 1 / kp
        twoOverKg1 = 2 / kg1
        power = FixedPower(exponent: ex)
        grid = p.gridSaturationCurrent > 0
            ? SeriesDiode(saturationCurrent: p.gridSaturationCurrent, emission: p.gridEmission, resistance: p.gridResistance) : nil
        self.gmin = gmin
    }

    /// Plate current Ip(Vgk, Vpk) with ∂Ip/∂Vgk and ∂Ip/∂Vpk.
    ///
    /// With s = √(KVB + Vpk²) and z = KP·(1/MU + (Vgk+VCT)/s):
    /// ∂E1/∂Vgk = Vpk·σ(z)/s, ∂E1/∂Vpk = softplus(z)/KP − σ(z)·(Vgk+VCT)·Vpk²/s³,
    /// ∂Ip/∂x = 2·EX·E1^(EX−1)/KG1·∂E1/∂x.
    @inlinable @inline(__always)
    public func plateCurrent(vgk: Double, vpk: Double) -> (ip: Double, dVgk: Double, dVpk: Double) {
        guard let l = plateLaw(vgk: vgk, vpk: vpk) else { return (0, 0, 0) }
        return (l.ip, l.k * l.e1g, l.k * l.e1p)
    }

    /// The plate law's terms at (Vgk, Vpk): 1/s, Vgk + VCT, σ(z), E1, Ip, k = EX·Ip/E1
    /// (so ∂Ip/∂x = k·∂E1/∂x), ∂E1/∂Vgk and ∂E1/∂Vpk; nil where E1 ≤ 0 (no plate current).
    @inlinable @inline(__always)
    func plateLaw(vgk: Double, vpk: Double)
        -> (inverseS: Double, vg: Double, sigma: Double, e1: Double, ip: Double, k: Double, e1g: Double, e1p: Double)? {
        let inverseS = 1 / (kvb + vpk * vpk).squareRoot()  // 1/s
        let vg = vgk + vct
        let z = kpOverMu + kp * vg * inverseS
        let (sp, sigma) = softplusAndLogistic(z)
        let e1 = vpk * inverseKp * sp
        guard e1 > 0 else { return nil }
        // E1^EX, and EX·E1^(EX−1) from it.
        let ip = twoOverKg1 * power(e1)
        let k = ex * ip / e1
        let e1g = vpk * sigma * inverseS
        let e1p = sp * inverseKp - sigma * vg * vpk * vpk * (inverseS * inverseS * inverseS)
        return (inverseS, vg, sigma, e1, ip, k, e1g, e1p)
    }

    /// The plate current with its gradient and its Hessian (∂²Ip/∂Vgk², ∂²Ip/∂Vgk∂Vpk, ∂²Ip/∂Vpk²).
    ///
    /// ∂²Ip/∂x∂y = k·((EX − 1)/E1·∂E1/∂x·∂E1/∂y + ∂²E1/∂x∂y), where, with a = Vpk/KP and σ' = σ·(1 − σ),
    /// ∂²E1/∂x∂y = ∂a/∂x·σ·∂z/∂y + ∂a/∂y·σ·∂z/∂x + a·(σ'·∂z/∂x·∂z/∂y + σ·∂²z/∂x∂y), and
    /// ∂z/∂Vgk = KP/s, ∂z/∂Vpk = −KP·(Vgk+VCT)·Vpk/s³, ∂²z/∂Vgk∂Vpk = −KP·Vpk/s³,
    /// ∂²z/∂Vpk² = −KP·(Vgk+VCT)·(1 − 3·Vpk²/s²)/s³, ∂²z/∂Vgk² = 0.
    @inlinable @inline(__always)
    public func plateCurrentAndHessian(vgk: Double, vpk: Double)
        -> (ip: Double, dVgk: Double, dVpk: Double, dVgkVgk: Double, dVgkVpk: Double, dVpkVpk: Double) {
        guard let l = plateLaw(vgk: vgk, vpk: vpk) else { return (0, 0, 0, 0, 0, 0) }
        let (inverseS, vg, sigma, e1, k) = (l.inverseS, l.vg, l.sigma, l.e1, l.k)
        let a = vpk * inverseKp
        let s3 = inverseS * inverseS * inverseS
        let zg = kp * inverseS, zp = -kp * vg * vpk * s3
        let zgp = -kp * vpk * s3, zpp = -kp * vg * s3 * (1 - 3 * vpk * vpk * inverseS * inverseS)
        let sigmaPrime = sigma * (1 - sigma)
        let e1gg = a * sigmaPrime * zg * zg
        let e1gp = inverseKp * sigma * zg + a * (sigmaPrime * zg * zp + sigma * zgp)
        let e1pp = 2 * inverseKp * sigma * zp + a * (sigmaPrime * zp * zp + sigma * zpp)
        let q = (ex - 1) / e1
        let (e1g, e1p) = (l.e1g, l.e1p)
        return (l.ip, k * e1g, k * e1p, k * (q * e1g * e1g + e1gg), k * (q * e1g * e1p + e1gp), k * (q * e1p * e1p + e1pp))
    }

    /// Grid current Ig(Vgk) and its conductance, GMIN included.
    @inlinable @inline(__always)
    public func gridCurrent(vgk: Double) -> (ig: Double, g: Double) {
        let (i, g, _) = gridCurrentAndCurvature(vgk: vgk)
        return (i, g)
    }

    /// Grid current, its conductance (GMIN included) and d²Ig/dVgk².
    @inlinable @inline(__always)
    public func gridCurrentAndCurvature(vgk: Double) -> (ig: Double, g: Double, c: Double) {
        guard let grid else { return (gmin * vgk, gmin, 0) }
        let (i, g, c) = grid.currentAndCurvature(vgk)
        return (i + gmin * vgk, g + gmin, c)
    }

    // MARK: Ports (g,k) and (p,k)

    /// Port currents Ig, Ip and their Jacobian with respect to (Vgk, Vpk).
    @inlinable @inline(__always)
    public func portCurrents(_ v: PortVector) -> PortCurrents {
        let (ig, gg) = gridCurrent(vgk: v[0])
        let (ip, dg, dp) = plateCurrent(vgk: v[0], vpk: v[1])
        var r = PortCurrents()
        r.current[0] = ig
        r.current[1] = ip
        r.conductance[0, 0] = gg
        r.conductance[1, 0] = dg
        r.conductance[1, 1] = dp
        return r
    }
}
