import Foundation

/// Norman Koren's pentode (and beam tetrode) model with screen and control-grid current.
///
///     E1  = (Vg2k/KP)·ln(1 + exp(KP·(1/MU + Vg1k/Vg2k)))
///     Ip  = 2·max(E1, 0)^EX / KG1 · atan(Vpk/KVB)
///     Ig2 = max(Vg2k/MU + Vg1k, 0)^EX / KG2
///     Ig1 = grid diode (ISG, NG) in series with RGI, from control grid to cathode
///
/// The screen voltage Vg2k is taken as at least 1 µV, where E1 has already vanished for a negative
/// grid, so that the model stays finite when a solver passes through Vg2k = 0. The capacitances CCG
/// (control grid–cathode), CPG1 (plate–control grid) and CCP (cathode–plate) are linear capacitors.
/// Sources: N. Koren, "Improved VT models for SPICE simulations", Glass Audio 5/1996; parameter sets in
/// circuits/models/tubes.lib.
public struct KorenPentode: Hashable, Sendable {
    /// The parameters of a `.model NAME PENTODE(...)` card.
    public struct Parameters: ModelParameters {
        /// MU: amplification factor of the screen relative to the control grid (required).
        public var mu: Double? = nil
        /// EX: exponent of the current laws (required).
        public var ex: Double? = nil
        /// KG1: plate current scale (required).
        public var kg1: Double? = nil
        /// KG2: screen current scale (required).
        public var kg2: Double? = nil
        /// KP: shape of the cut-off knee (required).
        public var kp: Double? = nil
        /// KVB: knee voltage of the plate characteristic, V (required).
        public var kvb: Double? = nil
        /// RGI: series resistance of the control-grid current path, Ω.
        public var gridResistance = 2000.0
        /// ISG: saturation current of the control-grid diode, A; 0 turns grid current off.
        public var gridSaturationCurrent = 1e-9
        /// NG: emission coefficient of the control-grid diode.
        public var gridEmission = 1.0
        /// CCG: control grid–cathode capacitance, F.
        public var cathodeGridCapacitance = 0.0
        /// CPG1: plate–control grid capacitance, F.
        public var plateGridCapacitance = 0.0
        /// CCP: cathode–plate capacitance, F.
        public var cathodePlateCapacitance = 0.0

        /// No tube: MU, EX, KG1, KG2, KP and KVB must be set.
        public init() {}

        /// Sets the parameter `name` (lower case) from a `.model` card; nil for a name the model does not know.
        public mutating func set(_ name: String, to value: Double) -> ParameterSupport? {
            switch name {
            case "mu": mu = value
            case "ex": ex = value
            case "kg1": kg1 = value
            case "kg2": kg2 = value
            case "kp": kp = value
            case "kvb": kvb = value
            case "rgi": gridResistance = value
            case "isg": gridSaturationCurrent = value
            case "ng": gridEmission = value
            case "ccg", "cg1k": cathodeGridCapacitance = value
            case "cpg1", "cg1p": plateGridCapacitance = value
            case "ccp", "cpk": cathodePlateCapacitance = value
            case "level": return value == 1 ? .modeled : nil
            default: return nil
            }
            return .modeled
        }

        /// The first parameter whose value is impossible, and why; nil when all are possible.
        public func invalidParameter() -> (name: String, problem: String)? {
            for (name, value) in [("mu", mu), ("ex", ex), ("kg1", kg1), ("kg2", kg2), ("kp", kp), ("kvb", kvb)] {
                guard let value else { return (name, "is required") }
                if !(value > 0) { return (name, "must be positive") }
            }
            if gridResistance < 0 { return ("rgi", "must not be negative") }
            if gridSaturationCurrent < 0 { return ("isg", "must not be negative") }
            if !(gridEmission > 0) { return ("ng", "must be positive") }
            if cathodeGridCapacitance < 0 { return ("ccg", "must not be negative") }
            if plateGridCapacitance < 0 { return ("cpg1", "must not be negative") }
            if cathodePlateCapacitance < 0 { return ("ccp", "must not be negative") }
            return nil
        }
    }

    /// MU, EX, KG1, KG2, KP, KVB.
    public let mu: Double, ex: Double, kg1: Double, kg2: Double, kp: Double, kvb: Double
    /// x ↦ x^EX (E1 in the plate law, Vg2k/MU + Vg1k in the screen's).
    @usableFromInline let power: FixedPower
    /// The control-grid current path; nil when ISG = 0.
    public let grid: SeriesDiode?
    /// Conductance from control grid to cathode (GMIN), S.
    public let gmin: Double
    /// The parameters.
    public let parameters: Parameters

    /// A pentode; throws when a required parameter is missing or a value is impossible.
    public init(_ p: Parameters, gmin: Double = Junction.defaultGmin) throws(NetlistError) {
        try p.validate()
        parameters = p
        mu = p.mu!
        ex = p.ex!
        kg1 = p.kg1!
        kg2 = p.kg2!
        kp = p.kp!
        kvb = p.kvb!
        power = FixedPower(exponent: ex)
        grid = p.gridSaturationCurrent > 0
            ? SeriesDiode(saturationCurrent: p.gridSaturationCurrent, emission: p.gridEmission, resistance: p.gridResistance) : nil
        self.gmin = gmin
    }

    /// The lowest screen voltage used in E1, V.
    public static let minimumScreenVoltage = 1e-6

    /// Plate current and its derivatives with respect to Vg1k, Vg2k and Vpk.
    ///
    /// With z = KP·(1/MU + Vg1k/Vg2k): ∂E1/∂Vg1k = σ(z), ∂E1/∂Vg2k = softplus(z)/KP − σ(z)·Vg1k/Vg2k,
    /// Ip = 2·E1^EX/KG1·a with a = atan(Vpk/KVB), ∂a/∂Vpk = KVB/(KVB² + Vpk²), and a = 0 for
    /// Vpk ≤ 0 (Koren's formula is odd in Vpk; a real plate does not conduct backwards).
    @inlinable @inline(__always)
    public func plateCurrent(vg1k: Double, vg2k: Double, vpk: Double) -> (ip: Double, dVg1k: Double, dVg2k: Double, dVpk: Double) {
        let clamped = vg2k < Self.minimumScreenVoltage
        let v2 = clamped ? Self.minimumScreenVoltage : vg2k
        let z = kp * (1 / mu + vg1k / v2)
        let (sp, sigma) = softplusAndLogistic(z)
        let e1 = v2 / kp * sp
        guard e1 > 0 else { return (0, 0, 0, 0) }
        let power = self.power(e1)  // E1^EX
        // Koren's atan(Vpk/KVB) would reverse the plate current below 0 V; a tube conducts one way.
        let a = vpk > 0 ? atan(vpk / kvb) : 0
        let base = 2 * power / kg1
        let k = 2 * ex * power / (kg1 * e1) * a
        let de1dv2 = clamped ? 0 : sp / kp - sigma * vg1k / v2
        return (base * a, k * sigma, k * de1dv2, vpk > 0 ? base * kvb / (kvb * kvb + vpk * vpk) : 0)
    }

    /// A Newton step of the plate voltage from `old` to `new`, limited at the knee; `vg1k` and
    /// `vg2k` are the step's grid voltages.
    ///
    /// Above the knee a plate draws nearly the same current at any voltage (atan(Vpk/KVB) is
    /// flat), so a Newton step that must lower the plate current — an output transformer's
    /// inductance sets it — lands far below the knee, where the plate conducts nothing, and the
    /// step after flies back up: Newton cycles. The step is taken instead to where the plate
    /// current's first-order change puts it, as SPICE's `pnjlim` does for a junction's
    /// exponential: with θ = atan(Vpk/KVB), θ moves by Δv·KVB/(KVB² + Vpk²) and Vpk = KVB·tan θ,
    /// at least a tenth of the present θ (a plate conducts no negative current). Since atan is
    /// concave, this never goes below the Newton step's voltage. Limited are only steps that more
    /// than halve a plate voltage above KVB/10, and only while the tube conducts
    /// (KP·(1/MU + Vg1k/Vg2k) > −5, E1 above e⁻⁵·Vg2k/KP): a cut-off plate carries no current and
    /// goes where the circuit takes it, below zero included.
    @inlinable
    public func limitPlate(_ new: Double, old: Double, vg1k: Double, vg2k: Double) -> Double {
        guard old > 0.1 * kvb, new < 0.5 * old, vg2k > 0, kp * (1 / mu + vg1k / vg2k) > -5 else { return new }
        let theta = atan(old / kvb)
        let moved = theta + (new - old) * kvb / (kvb * kvb + old * old)
        return kvb * tan(max(moved, 0.1 * theta))
    }

    /// How far the plate law bends along the plate voltage, V: the plate voltage acts on the
    /// currents only through a = atan(Vpk/KVB) (the grid and screen currents do not depend on it),
    /// and |a′/a″| = (KVB² + Vpk²)/(2·Vpk) ≥ KVB — against a junction's N·Vt, hundreds of times
    /// straighter. A Newton step δ of the plate port taken to first order leaves a plate-current
    /// error of δ²/(2σ) times ∂Ip/∂Vpk. 0 (no such bound) below 1 V, where the plate nears the
    /// corner at 0 V below which it conducts nothing.
    @inlinable @inline(__always)
    public func plateCurvatureScale(vpk: Double) -> Double {
        vpk > 1 ? (kvb * kvb + vpk * vpk) / (2 * vpk) : 0
    }

    /// Screen current and its derivatives with respect to Vg1k and Vg2k.
    @inlinable @inline(__always)
    public func screenCurrent(vg1k: Double, vg2k: Double) -> (ig2: Double, dVg1k: Double, dVg2k: Double) {
        let x = vg2k / mu + vg1k
        guard x > 0 else { return (0, 0, 0) }
        let power = self.power(x)  // x^EX
        let d = ex * power / (x * kg2)
        return (power / kg2, d, d / mu)
    }

    /// Control-grid current and its conductance, GMIN included.
    @inlinable @inline(__always)
    public func gridCurrent(vg1k: Double) -> (ig: Double, g: Double) {
        guard let grid else { return (gmin * vg1k, gmin) }
        let (i, g) = grid.current(vg1k)
        return (i + gmin * vg1k, g + gmin)
    }

    // MARK: Ports (g1,k), (g2,k), (p,k)

    /// Port currents Ig1, Ig2, Ip and their Jacobian with respect to (Vg1k, Vg2k, Vpk).
    @inlinable @inline(__always)
    public func portCurrents(_ v: PortVector) -> PortCurrents {
        let (ig1, g11) = gridCurrent(vg1k: v[0])
        let (ig2, s1, s2) = screenCurrent(vg1k: v[0], vg2k: v[1])
        let (ip, p1, p2, p3) = plateCurrent(vg1k: v[0], vg2k: v[1], vpk: v[2])
        var r = PortCurrents()
        r.current = PortVector(ig1, ig2, ip, 0)
        r.conductance[0, 0] = g11
        r.conductance[1, 0] = s1
        r.conductance[1, 1] = s2
        r.conductance[2, 0] = p1
        r.conductance[2, 1] = p2
        r.conductance[2, 2] = p3
        return r
    }
}
