import Foundation

/// The Gummel–Poon bipolar transistor (SPICE level 1), NPN or PNP. With IKF, IKR, ISE, ISC, VAF and
/// VAR left at their defaults it is the Ebers–Moll transistor.
///
///     iF = IS·(exp(Vbe/(NF·Vt)) − 1)            iR = IS·(exp(Vbc/(NR·Vt)) − 1)
///     q1 = 1/(1 − Vbc/VAF − Vbe/VAR)            q2 = iF/IKF + iR/IKR
///     qb = q1·(1 + √(1 + 4·q2))/2
///     Ic = (iF − iR)/qb − iR/BR − ISC·(exp(Vbc/(NC·Vt)) − 1)
///     Ib = iF/BF + ISE·(exp(Vbe/(NE·Vt)) − 1) + iR/BR + ISC·(exp(Vbc/(NC·Vt)) − 1)
///     Qbe = TF·(1 + XTF·(iF/(iF+ITF))²·exp(Vbc/(1.44·VTF)))·iF/qb + Qdep(Vbe; CJE, VJE, MJE)
///     Qbc = TR·iR + Qdep(Vbc; XCJC·CJC, VJC, MJC)
///
/// Vbe and Vbc are the intrinsic junction voltages: RE and RC are linear resistors in series with the
/// emitter and collector, and so is RB unless RBM or IRB make it bias dependent:
///
///     rb = RBM + (RB − RBM)/qb                                  (IRB not given)
///     rb = RBM + 3·(RB − RBM)·(tan z − z)/(z·tan²z),            (IRB given)
///     z = (√(1 + 144/π²·Ib/IRB) − 1)/((24/π²)·√(Ib/IRB))
///
/// in which case the transistor has a third port, (external base, emitter), and carries rb itself.
/// The part (1 − XCJC) of CJC sits between the external base and the internal collector. GMIN is
/// added across both junctions as SPICE does.
/// Source: the SPICE3 / ngspice BJT model (ngspice manual, ch. 8; Gummel & Poon, BSTJ 49, 1970).
public struct GummelPoon: Hashable, Sendable {
    /// NPN or PNP.
    public enum Polarity: Double, Hashable, Sendable {
        /// Electrons carry the collector current; voltages and currents as written.
        case npn = 1
        /// All junction voltages and terminal currents change sign.
        case pnp = -1
    }

    /// The parameters of a `.model NAME NPN(...)` or `PNP(...)` card.
    public struct Parameters: ModelParameters {
        /// IS: transport saturation current, A.
        public var saturationCurrent = 1e-16
        /// KF: flicker-noise coefficient (`.noise`: KF·|Ib|^AF/f, of the base current, A²/Hz).
        public var flickerCoefficient = 0.0
        /// AF: flicker-noise exponent.
        public var flickerExponent = 1.0
        /// BF: ideal maximum forward beta.
        public var forwardBeta = 100.0
        /// BR: ideal maximum reverse beta.
        public var reverseBeta = 1.0
        /// NF: forward emission coefficient.
        public var forwardEmission = 1.0
        /// NR: reverse emission coefficient.
        public var reverseEmission = 1.0
        /// VAF (VA): forward Early voltage, V; nil for none.
        public var forwardEarlyVoltage: Double? = nil
        /// VAR (VB): reverse Early voltage, V; nil for none.
        public var reverseEarlyVoltage: Double? = nil
        /// IKF (IK): forward beta high-current roll-off corner, A; nil for none.
        public var forwardKneeCurrent: Double? = nil
        /// IKR: reverse beta high-current roll-off corner, A; nil for none.
        public var reverseKneeCurrent: Double? = nil
        /// ISE: base-emitter leakage saturation current, A.
        public var baseEmitterLeakage = 0.0
        /// NE: base-emitter leakage emission coefficient.
        public var baseEmitterLeakageEmission = 1.5
        /// ISC: base-collector leakage saturation current, A.
        public var baseCollectorLeakage = 0.0
        /// NC: base-collector leakage emission coefficient.
        public var baseCollectorLeakageEmission = 2.0
        /// RB: zero-bias base resistance, Ω.
        public var baseResistance = 0.0
        /// RBM: minimum base resistance at high current, Ω; nil means RB (a constant base resistance).
        public var minimumBaseResistance: Double? = nil
        /// IRB: base current at which the base resistance is halfway to RBM, A; nil to modulate by qb instead.
        public var baseResistanceCurrent: Double? = nil
        /// RE: emitter resistance, Ω.
        public var emitterResistance = 0.0
        /// RC: collector resistance, Ω.
        public var collectorResistance = 0.0
        /// CJE: base-emitter zero-bias depletion capacitance, F.
        public var emitterCapacitance = 0.0
        /// VJE (PE): base-emitter built-in potential, V.
        public var emitterPotential = 0.75
        /// MJE (ME): base-emitter grading coefficient.
        public var emitterGrading = 0.33
        /// CJC: base-collector zero-bias depletion capacitance, F.
        public var collectorCapacitance = 0.0
        /// VJC (PC): base-collector built-in potential, V.
        public var collectorPotential = 0.75
        /// MJC (MC): base-collector grading coefficient.
        public var collectorGrading = 0.33
        /// XCJC: fraction of CJC connected to the internal base.
        public var internalCollectorCapacitanceFraction = 1.0
        /// FC: forward-bias depletion capacitance coefficient.
        public var depletionCoefficient = 0.5
        /// TF: ideal forward transit time, s.
        public var forwardTransitTime = 0.0
        /// XTF: coefficient of TF's bias dependence.
        public var transitTimeBiasCoefficient = 0.0
        /// VTF: voltage describing TF's dependence on Vbc, V; nil for none.
        public var transitTimeVoltage: Double? = nil
        /// ITF: high-current parameter of TF's bias dependence, A.
        public var transitTimeCurrent = 0.0
        /// TR: ideal reverse transit time, s.
        public var reverseTransitTime = 0.0
        /// TNOM: the temperature the card's values hold at, °C; nil for the circuit's (`.options tnom`).
        public var nominalTemperature: Double? = nil
        /// EG: activation energy of IS, eV.
        public var energyGap = 1.11
        /// XTI: temperature exponent of IS.
        public var saturationCurrentExponent = 3.0
        /// XTB: temperature exponent of BF, BR, ISE and ISC (TLEV = 0), or their linear coefficient (TLEV = 1).
        public var betaExponent = 0.0
        /// TLEV: 0, beta by (T/Tnom)^XTB; 1, by 1 + XTB·ΔT.
        public var temperatureLevel = 0
        /// TLEVC: 0, SPICE's laws for the junction potentials and capacitances; 1, linear ones (CTE, TVJE, CTC, TVJC).
        public var capacitanceTemperatureLevel = 0
        /// CTE, CTC: CJE's and CJC's temperature coefficients with TLEVC = 1, 1/K.
        public var emitterCapacitanceCoefficient = 0.0, collectorCapacitanceCoefficient = 0.0
        /// TVJE, TVJC: VJE's and VJC's temperature coefficients with TLEVC = 1, V/K.
        public var emitterPotentialCoefficient = 0.0, collectorPotentialCoefficient = 0.0

        /// SPICE's defaults.
        public init() {}

        /// Sets the parameter `name` (lower case) from a `.model` card; nil for a name the model does not know.
        public mutating func set(_ name: String, to value: Double) -> ParameterSupport? {
            switch name {
            case "is": saturationCurrent = value
            case "bf": forwardBeta = value
            case "br": reverseBeta = value
            case "nf": forwardEmission = value
            case "nr": reverseEmission = value
            case "vaf", "va": forwardEarlyVoltage = value == 0 ? nil : value
            case "var", "vb": reverseEarlyVoltage = value == 0 ? nil : value
            case "ikf", "ik": forwardKneeCurrent = value == 0 ? nil : value
            case "ikr": reverseKneeCurrent = value == 0 ? nil : value
            case "ise": baseEmitterLeakage = value
            case "ne": baseEmitterLeakageEmission = value
            case "isc": baseCollectorLeakage = value
            case "nc": baseCollectorLeakageEmission = value
            case "rb": baseResistance = value
            case "re": emitterResistance = value
            case "rc": collectorResistance = value
            case "cje": emitterCapacitance = value
            case "vje", "pe": emitterPotential = value
            case "mje", "me": emitterGrading = value
            case "cjc": collectorCapacitance = value
            case "vjc", "pc": collectorPotential = value
            case "mjc", "mc": collectorGrading = value
            case "xcjc": internalCollectorCapacitanceFraction = value
            case "fc": depletionCoefficient = value
            case "tf": forwardTransitTime = value
            case "xtf": transitTimeBiasCoefficient = value
            case "vtf": transitTimeVoltage = value == 0 ? nil : value
            case "itf": transitTimeCurrent = value
            case "tr": reverseTransitTime = value
            case "level": return value == 1 ? .modeled : nil
            case "tnom": nominalTemperature = value
            case "eg": energyGap = value
            case "xti": saturationCurrentExponent = value
            case "xtb": betaExponent = value
            case "tlev": return Unmodeled.temperatureLevel(value, into: &temperatureLevel)
            case "tlevc": return Unmodeled.temperatureLevel(value, into: &capacitanceTemperatureLevel)
            case "cte": emitterCapacitanceCoefficient = value
            case "ctc": collectorCapacitanceCoefficient = value
            case "tvje": emitterPotentialCoefficient = value
            case "tvjc": collectorPotentialCoefficient = value
            case "cts", "tvjs": return .ignored(reason: "the substrate junction is not modeled", neutral: 0)
            case "tis1", "tis2", "tise1", "tise2", "tisc1", "tisc2", "tiss1", "tiss2":
                return .ignored(reason: "ngspice reads it but does not use it either", neutral: nil)
            case "tre1", "tre2", "trc1", "trc2", "trb1", "trb2", "trm1", "trm2", "tirb1", "tirb2", "tbf1", "tbf2", "tbr1", "tbr2",
                 "tikf1", "tikf2", "tikr1", "tikr2", "tnf1", "tnf2", "tnr1", "tnr2", "tne1", "tne2", "tnc1", "tnc2", "tvaf1", "tvaf2",
                 "tvar1", "tvar2", "titf1", "titf2", "ttf1", "ttf2", "ttr1", "ttr2", "tmje1", "tmje2", "tmjc1", "tmjc2", "tmjs1", "tmjs2", "tns1", "tns2":
                return .ignored(reason: "ngspice's per-parameter temperature coefficients are not modeled (EG, XTI and XTB are)", neutral: 0)
            case "kf": flickerCoefficient = value
            case "af": flickerExponent = value
            case "rbm": minimumBaseResistance = value
            case "irb": baseResistanceCurrent = value == 0 ? nil : value
            case "ptf": return .ignored(reason: "excess phase is not modeled", neutral: 0)
            case "cjs", "ccs", "csub": return .ignored(reason: "the substrate junction is not modeled", neutral: 0)
            case "vjs", "ps", "mjs", "ms", "iss", "ns": return .ignored(reason: "the substrate junction is not modeled", neutral: nil)
            case "rco", "vo", "gamma", "qco", "nkf", "subs":
                return .ignored(reason: "quasi-saturation and the other extensions of level 1 are not modeled", neutral: nil)
            default: return nil
            }
            return .modeled
        }

        /// The first parameter whose value is impossible, and why; nil when all are possible.
        public func invalidParameter() -> (name: String, problem: String)? {
            if !(saturationCurrent > 0) { return ("is", "must be positive") }
            if !(forwardBeta > 0) { return ("bf", "must be positive") }
            if !(reverseBeta > 0) { return ("br", "must be positive") }
            if !(forwardEmission > 0) { return ("nf", "must be positive") }
            if !(reverseEmission > 0) { return ("nr", "must be positive") }
            if !(baseEmitterLeakageEmission > 0) { return ("ne", "must be positive") }
            if !(baseCollectorLeakageEmission > 0) { return ("nc", "must be positive") }
            if baseEmitterLeakage < 0 { return ("ise", "must not be negative") }
            if baseCollectorLeakage < 0 { return ("isc", "must not be negative") }
            if let k = forwardKneeCurrent, !(k > 0) { return ("ikf", "must be positive") }
            if let k = reverseKneeCurrent, !(k > 0) { return ("ikr", "must be positive") }
            if baseResistance < 0 { return ("rb", "must not be negative") }
            if let rbm = minimumBaseResistance, !(rbm >= 0 && rbm <= baseResistance) { return ("rbm", "must be between 0 and RB") }
            if let irb = baseResistanceCurrent, !(irb > 0) { return ("irb", "must be positive") }
            if emitterResistance < 0 { return ("re", "must not be negative") }
            if collectorResistance < 0 { return ("rc", "must not be negative") }
            if emitterCapacitance < 0 { return ("cje", "must not be negative") }
            if collectorCapacitance < 0 { return ("cjc", "must not be negative") }
            if !(emitterPotential > 0) { return ("vje", "must be positive") }
            if !(collectorPotential > 0) { return ("vjc", "must be positive") }
            if !(emitterGrading >= 0 && emitterGrading < 1) { return ("mje", "must be at least 0 and below 1") }
            if !(collectorGrading >= 0 && collectorGrading < 1) { return ("mjc", "must be at least 0 and below 1") }
            if !(depletionCoefficient >= 0 && depletionCoefficient < 1) { return ("fc", "must be at least 0 and below 1") }
            if !(internalCollectorCapacitanceFraction >= 0 && internalCollectorCapacitanceFraction <= 1) { return ("xcjc", "must be between 0 and 1") }
            if forwardTransitTime < 0 { return ("tf", "must not be negative") }
            if reverseTransitTime < 0 { return ("tr", "must not be negative") }
            if transitTimeCurrent < 0 { return ("itf", "must not be negative") }
            if !(energyGap > 0) { return ("eg", "must be positive") }
            return nil
        }
    }

    /// Currents, small-signal conductances and charges at one bias point, in NPN orientation.
    public struct Evaluation: Hashable, Sendable {
        /// Collector current Ic (into the collector), A.
        public var ic = 0.0
        /// Base current Ib (into the base), A.
        public var ib = 0.0
        /// ∂Ib/∂Vbe (g_π), S.
        public var gpi = 0.0
        /// ∂Ib/∂Vbc (g_μ), S.
        public var gmu = 0.0
        /// Transconductance as SPICE splits it (∂Ic/∂Vbe = gm + go), S.
        public var gm = 0.0
        /// Output conductance g_o, S: ∂Ic/∂Vbe = gm + go, ∂Ic/∂Vbc = −(gmu + go).
        public var go = 0.0
        /// All zero.
        @inlinable public init() {}
    }

    /// NPN or PNP.
    public let polarity: Polarity
    /// The parameters, scaled by the instance's area and taken to its temperature.
    public let parameters: Parameters
    /// Thermal voltage Vt, V.
    public let vt: Double
    /// Junction voltage above which Newton steps are limited.
    public let criticalVoltage: Double
    /// Base–collector voltage from which its rising Newton steps are taken in its current
    /// (`Junction.limit`'s `riseOnset`): where the exponential's conductance (IS/Vt)·e^{V/Vt}
    /// reaches 10 µS, ln(10⁵/√2) ≈ 11.17 times Vt below the critical voltage (where it is 1/√2 S).
    @inlinable public var collectorRiseOnset: Double { criticalVoltage - 11.166_3 * vt }
    /// The base-emitter depletion charge.
    public let emitterDepletion: DepletionCharge
    /// The base-collector depletion charge at the internal base (XCJC·CJC).
    public let collectorDepletion: DepletionCharge
    /// The base-collector depletion charge at the external base ((1 − XCJC)·CJC).
    public let externalCollectorDepletion: DepletionCharge
    /// Conductance across each junction (GMIN), S.
    public let gmin: Double
    /// Reciprocals of the parameters, computed once so that an evaluation divides only by qb
    /// (a zero reciprocal stands for an infinite parameter: no Early effect, no knee).
    @usableFromInline let k: Constants
    /// Whether the base resistance depends on the bias (RBM below RB, or IRB given).
    public let hasModulatedBaseResistance: Bool

    /// See `k`.
    @usableFromInline
    struct Constants: Hashable, Sendable {
        /// 1/(NF·Vt), 1/(NR·Vt), 1/(NE·Vt), 1/(NC·Vt).
        @usableFromInline var forward = 0.0, reverse = 0.0, emitterLeakage = 0.0, collectorLeakage = 0.0
        /// 1/VAF, 1/VAR, 1/IKF, 1/IKR, 1/BF, 1/BR.
        @usableFromInline var earlyForward = 0.0, earlyReverse = 0.0, kneeForward = 0.0, kneeReverse = 0.0
        @usableFromInline var betaForward = 0.0, betaReverse = 0.0
        /// 1/(1.44·VTF) (0 without VTF).
        @usableFromInline var transitVoltage = 0.0
        /// 1/IRB (0 without IRB).
        @usableFromInline var crowdingCurrent = 0.0
        @usableFromInline init() {}
    }

    /// A transistor of the given polarity, parameters and area factor (which scales the currents
    /// and capacitances and divides the resistances) at `temperature` °C; the card's values hold
    /// at its TNOM, or at `nominalTemperature` without one. The temperature laws are SPICE's (see
    /// `DeviceTemperature`; IS without N, CJE and CJC by MJE and MJC), and also, with
    /// b = (T/Tnom)^XTB (1 + XTB·ΔT with TLEV = 1): BF·b, BR·b, ISE·(IS(T)/IS)^(1/NE)/b,
    /// ISC·(IS(T)/IS)^(1/NC)/b; with TLEVC = 1, CJE·(1 + CTE·ΔT), VJE − TVJE·ΔT and likewise CJC, VJC.
    public init(_ polarity: Polarity, _ parameters: Parameters, area: Double = 1, gmin: Double = Junction.defaultGmin,
                temperature: Double = Junction.nominalTemperature, nominalTemperature: Double = Junction.nominalTemperature) throws(NetlistError) {
        try parameters.validate(area: area)
        let t = DeviceTemperature(celsius: temperature, nominalCelsius: parameters.nominalTemperature ?? nominalTemperature)
        var p = Self.atTemperature(parameters, t)
        try t.require("VJE", p.emitterPotential)
        try t.require("VJC", p.collectorPotential)
        try t.require("IS", p.saturationCurrent)
        p.saturationCurrent *= area
        p.baseEmitterLeakage *= area
        p.baseCollectorLeakage *= area
        p.forwardKneeCurrent = p.forwardKneeCurrent.map { $0 * area }
        p.reverseKneeCurrent = p.reverseKneeCurrent.map { $0 * area }
        p.transitTimeCurrent *= area
        p.emitterCapacitance *= area
        p.collectorCapacitance *= area
        p.baseResistance /= area
        p.minimumBaseResistance = p.minimumBaseResistance.map { $0 / area }
        p.baseResistanceCurrent = p.baseResistanceCurrent.map { $0 * area }
        p.emitterResistance /= area
        p.collectorResistance /= area
        self.polarity = polarity
        self.parameters = p
        self.gmin = gmin
        vt = t.vt
        criticalVoltage = Junction.criticalVoltage(saturationCurrent: p.saturationCurrent, nvt: vt)
        emitterDepletion = DepletionCharge(cj0: p.emitterCapacitance, vj: p.emitterPotential, m: p.emitterGrading, fc: p.depletionCoefficient)
        let xcjc = p.internalCollectorCapacitanceFraction
        collectorDepletion = DepletionCharge(cj0: p.collectorCapacitance * xcjc, vj: p.collectorPotential, m: p.collectorGrading, fc: p.depletionCoefficient)
        externalCollectorDepletion = DepletionCharge(cj0: p.collectorCapacitance * (1 - xcjc), vj: p.collectorPotential, m: p.collectorGrading, fc: p.depletionCoefficient)
        var k = Constants()
        k.forward = 1 / (p.forwardEmission * vt)
        k.reverse = 1 / (p.reverseEmission * vt)
        k.emitterLeakage = 1 / (p.baseEmitterLeakageEmission * vt)
        k.collectorLeakage = 1 / (p.baseCollectorLeakageEmission * vt)
        k.earlyForward = p.forwardEarlyVoltage.map { 1 / $0 } ?? 0
        k.earlyReverse = p.reverseEarlyVoltage.map { 1 / $0 } ?? 0
        k.kneeForward = p.forwardKneeCurrent.map { 1 / $0 } ?? 0
        k.kneeReverse = p.reverseKneeCurrent.map { 1 / $0 } ?? 0
        k.betaForward = 1 / p.forwardBeta
        k.betaReverse = 1 / p.reverseBeta
        k.transitVoltage = p.transitTimeVoltage.map { 1 / (1.44 * $0) } ?? 0
        k.crowdingCurrent = p.baseResistanceCurrent.map { 1 / $0 } ?? 0
        self.k = k
        hasModulatedBaseResistance = p.baseResistance > 0
            && (p.baseResistanceCurrent != nil || (p.minimumBaseResistance.map { $0 != p.baseResistance } ?? false))
    }

    /// The parameters `p` (at their nominal temperature) taken to temperature `t`: ngspice's BJTtemp
    /// with TLEV = TLEVC = 0.
    static func atTemperature(_ p: Parameters, _ t: DeviceTemperature) -> Parameters {
        var q = p
        let isFactor = t.saturationFactor(energyGap: p.energyGap, exponent: p.saturationCurrentExponent)
        let betaFactor = p.temperatureLevel == 1 ? 1 + p.betaExponent * t.difference : pow(t.ratio, p.betaExponent)
        q.saturationCurrent *= isFactor
        q.forwardBeta *= betaFactor
        q.reverseBeta *= betaFactor
        q.baseEmitterLeakage *= pow(isFactor, 1 / p.baseEmitterLeakageEmission) / betaFactor
        q.baseCollectorLeakage *= pow(isFactor, 1 / p.baseCollectorLeakageEmission) / betaFactor
        if p.capacitanceTemperatureLevel == 1 {
            let dt = t.difference
            q.emitterCapacitance *= 1 + p.emitterCapacitanceCoefficient * dt
            q.emitterPotential -= p.emitterPotentialCoefficient * dt
            q.collectorCapacitance *= 1 + p.collectorCapacitanceCoefficient * dt
            q.collectorPotential -= p.collectorPotentialCoefficient * dt
        } else {
            (q.emitterPotential, q.emitterCapacitance) = t.junction(potential: p.emitterPotential, capacitance: p.emitterCapacitance, grading: p.emitterGrading)
            (q.collectorPotential, q.collectorCapacitance) = t.junction(potential: p.collectorPotential, capacitance: p.collectorCapacitance, grading: p.collectorGrading)
        }
        return q
    }

    /// Internal quantities shared by the current and charge equations.
    @usableFromInline
    struct Core {
        @usableFromInline var cbe = 0.0, gbe = 0.0, cbc = 0.0, gbc = 0.0, qb = 1.0, dqbdve = 0.0, dqbdvc = 0.0
        /// 1/qb.
        @usableFromInline var inverseQb = 1.0
        @usableFromInline init() {}
    }

    @inlinable @inline(__always)
    func core(vbe: Double, vbc: Double) -> Core {
        let isat = parameters.saturationCurrent
        var c = Core()
        (c.cbe, c.gbe) = Junction.current(vbe, saturationCurrent: isat, inverseNVt: k.forward)
        (c.cbc, c.gbc) = Junction.current(vbc, saturationCurrent: isat, inverseNVt: k.reverse)
        // The Early factor diverges where Vbc/VAF + Vbe/VAR reaches 1 — tens of volts of forward
        // bias on both junctions, which limiting never lets Newton reach; kept finite there.
        let q1 = 1 / max(1 - k.earlyForward * vbc - k.earlyReverse * vbe, 1e-6)
        if k.kneeForward == 0 && k.kneeReverse == 0 {
            c.qb = q1
            c.dqbdve = q1 * c.qb * k.earlyReverse
            c.dqbdvc = q1 * c.qb * k.earlyForward
        } else {
            let q2 = k.kneeForward * c.cbe + k.kneeReverse * c.cbc
            let arg = max(0, 1 + 4 * q2)
            let root = arg != 0 ? arg.squareRoot() : 1
            let inverseRoot = 1 / root
            c.qb = q1 * (1 + root) / 2
            c.dqbdve = q1 * (c.qb * k.earlyReverse + k.kneeForward * c.gbe * inverseRoot)
            c.dqbdvc = q1 * (c.qb * k.earlyForward + k.kneeReverse * c.gbc * inverseRoot)
        }
        c.inverseQb = 1 / c.qb
        return c
    }

    /// Terminal currents and conductances at intrinsic junction voltages `vbe`, `vbc` (NPN orientation:
    /// for a PNP pass the negated voltages and negate the currents).
    @inlinable @inline(__always)
    public func evaluate(vbe: Double, vbc: Double) -> Evaluation {
        evaluate(core(vbe: vbe, vbc: vbc), vbe: vbe, vbc: vbc)
    }

    /// `evaluate(vbe:vbc:)` with the shared core terms already computed.
    @inlinable @inline(__always)
    func evaluate(_ c: Core, vbe: Double, vbc: Double) -> Evaluation {
        let p = parameters
        var (cben, gben) = p.baseEmitterLeakage == 0 ? (0.0, 0.0)
            : Junction.current(vbe, saturationCurrent: p.baseEmitterLeakage, inverseNVt: k.emitterLeakage)
        cben += gmin * vbe
        gben += gmin
        var (cbcn, gbcn) = p.baseCollectorLeakage == 0 ? (0.0, 0.0)
            : Junction.current(vbc, saturationCurrent: p.baseCollectorLeakage, inverseNVt: k.collectorLeakage)
        cbcn += gmin * vbc
        gbcn += gmin
        let iq = c.inverseQb
        var e = Evaluation()
        e.ic = (c.cbe - c.cbc) * iq - c.cbc * k.betaReverse - cbcn
        e.ib = c.cbe * k.betaForward + cben + c.cbc * k.betaReverse + cbcn
        e.gpi = c.gbe * k.betaForward + gben
        e.gmu = c.gbc * k.betaReverse + gbcn
        e.go = (c.gbc + (c.cbe - c.cbc) * c.dqbdvc * iq) * iq
        e.gm = (c.gbe - (c.cbe - c.cbc) * c.dqbdve * iq) * iq - e.go
        return e
    }

    /// Base-emitter and base-collector charges with their derivatives (NPN orientation):
    /// (Qbe, ∂Qbe/∂Vbe, ∂Qbe/∂Vbc, Qbc, ∂Qbc/∂Vbc).
    @inlinable @inline(__always)
    public func charges(vbe: Double, vbc: Double) -> (qbe: Double, cbe: Double, cbeVbc: Double, qbc: Double, cbc: Double) {
        let p = parameters
        return charges(p.forwardTransitTime != 0 || p.reverseTransitTime != 0 ? core(vbe: vbe, vbc: vbc) : Core(), vbe: vbe, vbc: vbc)
    }

    /// `charges(vbe:vbc:)` with the shared core terms already computed (unused without TF and TR).
    @inlinable @inline(__always)
    func charges(_ c: Core, vbe: Double, vbc: Double) -> (qbe: Double, cbe: Double, cbeVbc: Double, qbc: Double, cbc: Double) {
        let p = parameters
        let tf = p.forwardTransitTime
        let tr = p.reverseTransitTime
        var qbe = 0.0, capbe = 0.0, geqcb = 0.0, qbc = 0.0, capbc = 0.0
        if tf != 0 || tr != 0 {
            if tf != 0 {
                if vbe > 0 {
                    // TF·(1 + XTF·(iF/(iF+ITF))²·exp(Vbc/(1.44·VTF)))·iF/qb
                    var argtf = 0.0, arg2 = 0.0, arg3 = 0.0
                    let xtf = p.transitTimeBiasCoefficient
                    if xtf != 0 {
                        let ovtf = k.transitVoltage
                        argtf = ovtf != 0 ? xtf * exp(vbc * ovtf) : xtf
                        arg2 = argtf
                        if p.transitTimeCurrent != 0 {
                            let t = c.cbe / (c.cbe + p.transitTimeCurrent)
                            argtf *= t * t
                            arg2 = argtf * (3 - 2 * t)
                        }
                        arg3 = c.cbe * argtf * ovtf
                    }
                    let cbeq = c.cbe * (1 + argtf) * c.inverseQb
                    let gbeq = (c.gbe * (1 + arg2) - cbeq * c.dqbdve) * c.inverseQb
                    qbe = tf * cbeq
                    capbe = tf * gbeq
                    geqcb = tf * (arg3 - cbeq * c.dqbdvc) * c.inverseQb
                } else {
                    qbe = tf * c.cbe
                    capbe = tf * c.gbe
                }
            }
            qbc = tr * c.cbc
            capbc = tr * c.gbc
        }
        let (qde, cde) = emitterDepletion.charge(vbe)
        let (qdc, cdc) = collectorDepletion.charge(vbc)
        return (qbe + qde, capbe + cde, geqcb, qbc + qdc, capbc + cdc)
    }

    /// The curvature scale σ of the collector port's laws at intrinsic base–collector voltage `vbc`
    /// (NPN orientation), for Newton's first-order acceptance δ² ≤ 2·σ·tolerance; 0 (the junction
    /// bound) unless the base–collector junction is reverse biased by ten emission voltages or more.
    /// There the collector current is linear in Vbc (the Early factor, the reverse currents flat), and
    /// what curves are the charges: the transit time's exp(Vbc/(1.44·VTF)) and the depletion charge,
    /// whose capacitance grows on the scale (VJC − Vbc)/MJC.
    @inlinable @inline(__always)
    public func collectorCurvatureScale(vbc: Double) -> Double {
        let p = parameters
        guard vbc * k.reverse < -10, p.baseCollectorLeakage == 0 || vbc * k.collectorLeakage < -10 else { return 0 }
        var scale = 10.0
        if p.forwardTransitTime != 0 && p.transitTimeBiasCoefficient != 0 && k.transitVoltage != 0 { scale = min(scale, 1 / k.transitVoltage) }
        if p.collectorCapacitance != 0 && p.collectorGrading > 0 {
            scale = min(scale, (p.collectorPotential - vbc) / p.collectorGrading)
        }
        return scale
    }

    /// Curvature scales of the ports at port voltages `v`: the collector port's (see
    /// `collectorCurvatureScale(vbc:)`), 0 for the others.
    @inlinable @inline(__always)
    public func curvatureScales(_ v: PortVector) -> PortVector {
        let s = polarity.rawValue
        if hasModulatedBaseResistance { return PortVector(0, 0, collectorCurvatureScale(vbc: s * (v[1] - v[2])), 0) }
        return PortVector(0, collectorCurvatureScale(vbc: s * (v[0] - v[1])), 0, 0)
    }

    /// The collector port (the last).
    @inlinable public var curvatureScalePorts: PortVector {
        hasModulatedBaseResistance ? PortVector(0, 0, 1, 0) : PortVector(0, 1, 0, 0)
    }

    /// Number of ports: 2 for (b,e) (c,e), 3 for (b,e) (b',e) (c,e) with a modulated base resistance.
    @inlinable public var portCount: Int { hasModulatedBaseResistance ? 3 : 2 }

    /// The base resistance rb at base current `ib` and base charge `qb`, with ∂rb/∂ib and ∂rb/∂qb.
    @inlinable @inline(__always)
    public func baseResistance(ib: Double, qb: Double) -> (rb: Double, dIb: Double, dQb: Double) {
        let p = parameters
        let rbm = p.minimumBaseResistance ?? p.baseResistance
        let spread = p.baseResistance - rbm
        // Current crowding (Hauser, as SPICE): with a = ib/IRB and SPICE's k = 14.59025 ≈ 144/π²,
        // c = 2.4317 ≈ 24/π²,
        //     z = (√(1 + k·a) − 1)/(c·√a) = (k/c)·√a/(√(1 + k·a) + 1),   rb = RBM + 3·(RB − RBM)·f(z),
        // the second form of z without the first's cancellation at small a.
        guard p.baseResistanceCurrent != nil else {
            return (rbm + spread / qb, 0, -spread / (qb * qb))
        }
        let k = 14.59025, c = 2.4317
        let rawA = ib * self.k.crowdingCurrent
        let a = max(rawA, 1e-9)
        let root = (1 + k * a).squareRoot()
        let z = (k / c) * a.squareRoot() / (root + 1)
        let (f, dfdz) = Self.crowding(z)
        // dz/da = z/(2·a·√(1 + k·a)).
        let dIb = rawA > 1e-9 ? 3 * spread * dfdz * z / (2 * root * a) * self.k.crowdingCurrent : 0
        return (rbm + 3 * spread * f, dIb, 0)
    }

    /// The current-crowding law f(z) = (tan z − z)/(z·tan²z) of the base resistance and df/dz, for
    /// 0 < z ≤ 1.5708 (z tends to √k/c = 1.570801 with SPICE's constants, just past π/2, where f
    /// passes 0 smoothly). One division and no `tan`, where glibc's `tan` and two divisions after it
    /// made the base resistance 36–47 ns of a TIP31C's 80–90 ns evaluation.
    ///
    /// Below π/4, tan z = z·N(z²)/D(z²) by Lambert's continued fraction (`lambertTangentTerms`), so
    /// with s = z² and M = (N − D)/s, exactly,
    ///
    ///     f = M·D/N²,   df/dz = 2z·((M′·D + M·D′)·N − 2·M·D·N′)/N³,
    ///
    /// without tan z − z's cancellation at small z (f(0) = 1/3). Above it, with r = cot z = tan(π/2 − z),
    ///
    ///     f = r·(1/z − r),   df/dz = (1 + r²)·(2r − 1/z) − r/z²   (dr/dz = −(1 + r²)).
    @inlinable @inline(__always)
    static func crowding(_ z: Double) -> (f: Double, slope: Double) {
        if z <= Double.pi / 4 {
            let s = z * z
            let (n, d) = lambertTangentTerms(s)
            let m = 11_486_475 + s * (-810_810 + s * (12_870 + s * -44))
            let dn = -4_729_725 + s * (270_270 + s * (-2_970 + s * 4))
            let dd = -16_216_200 + s * (1_891_890 + s * (-41_580 + s * 180))
            let dm = -810_810 + s * (25_740 + s * -132)
            let inverse = 1 / n
            let md = m * d, q = inverse * inverse
            return (md * q, 2 * z * ((dm * d + m * dd) * n - 2 * md * dn) * q * inverse)
        }
        // r = tan w, w = π/2 − z (below π/4, or a little below 0 just past the pole).
        let w = complementToHalfPi(z)
        let (n, d) = lambertTangentTerms(w * w)
        let r = w * n / d
        let iz = 1 / z
        return (r * (iz - r), (1 + r * r) * (2 * r - iz) - r * iz * iz)
    }

    /// Port currents with the base resistance inside the device: ports (b,e'), (b',e'), (c',e') give
    /// the currents into the external base, the internal base and the collector.
    ///
    /// With `frozenBaseResistance` the Jacobian treats rb as a constant at its present value, as
    /// SPICE's small-signal model does; otherwise it includes rb's dependence on the bias.
    @inlinable @inline(__always)
    public func portCurrentsWithBase(_ v: PortVector, frozenBaseResistance: Bool = false) -> PortCurrents {
        let s = polarity.rawValue
        let vbe = s * v[1], vbc = s * (v[1] - v[2]), vbx = s * (v[0] - v[1])
        let c = core(vbe: vbe, vbc: vbc)
        return portCurrentsWithBase(c, evaluate(c, vbe: vbe, vbc: vbc), vbx: vbx, frozenBaseResistance: frozenBaseResistance)
    }

    @inlinable @inline(__always)
    func portCurrentsWithBase(_ c: Core, _ e: Evaluation, vbx: Double, frozenBaseResistance: Bool) -> PortCurrents {
        let s = polarity.rawValue
        let (rb, drbdib, drbdqb) = baseResistance(ib: e.ib, qb: c.qb)
        let gx = 1 / rb
        let ix = gx * vbx
        // ∂ix/∂vbe and ∂ix/∂vbc through rb(ib(v), qb(v)).
        let k = frozenBaseResistance ? 0 : -ix * gx
        let dixdvbe = k * (drbdib * e.gpi + drbdqb * c.dqbdve)
        let dixdvbc = k * (drbdib * e.gmu + drbdqb * c.dqbdvc)
        var r = PortCurrents()
        r.current = PortVector(s * ix, s * (e.ib - ix), s * e.ic, 0)
        // Columns: v0 = Vbe of the external base, v1 = Vb'e, v2 = Vce; vbe = v1, vbc = v1 − v2, vbx = v0 − v1.
        let dx1 = -gx + dixdvbe + dixdvbc, dx2 = -dixdvbc
        r.conductance[0, 0] = gx
        r.conductance[0, 1] = dx1
        r.conductance[0, 2] = dx2
        r.conductance[1, 0] = -gx
        r.conductance[1, 1] = e.gpi + e.gmu - dx1
        r.conductance[1, 2] = -e.gmu - dx2
        r.conductance[2, 1] = e.gm - e.gmu
        r.conductance[2, 2] = e.gmu + e.go
        return r
    }

    /// Port charges with the base resistance inside the device; the external part of CJC is
    /// between the external base and the collector.
    @inlinable @inline(__always)
    func portChargesWithBase(_ v: PortVector) -> PortCharges {
        let s = polarity.rawValue
        let vbe = s * v[1], vbc = s * (v[1] - v[2]), vbxc = s * (v[0] - v[2])
        let q = charges(vbe: vbe, vbc: vbc)
        let (qx, cx) = externalCollectorDepletion.charge(vbxc)
        var r = PortCharges()
        r.charge = PortVector(s * qx, s * (q.qbe + q.qbc), -s * (q.qbc + qx), 0)
        r.capacitance[0, 0] = cx
        r.capacitance[0, 2] = -cx
        r.capacitance[1, 1] = q.cbe + q.cbeVbc + q.cbc
        r.capacitance[1, 2] = -q.cbeVbc - q.cbc
        r.capacitance[2, 0] = -cx
        r.capacitance[2, 1] = -q.cbc
        r.capacitance[2, 2] = q.cbc + cx
        return r
    }

    /// Currents and charges sharing the junction exponentials (the core terms are computed once).
    @inlinable @inline(__always)
    public func evaluate(_ v: PortVector, withCharges: Bool) -> PortEvaluation {
        let s = polarity.rawValue
        var r = PortEvaluation()
        if hasModulatedBaseResistance {
            let vbe = s * v[1], vbc = s * (v[1] - v[2]), vbx = s * (v[0] - v[1])
            let c = core(vbe: vbe, vbc: vbc)
            r.currents = portCurrentsWithBase(c, evaluate(c, vbe: vbe, vbc: vbc), vbx: vbx, frozenBaseResistance: false)
            if withCharges {
                let q = charges(c, vbe: vbe, vbc: vbc)
                let (qx, cx) = externalCollectorDepletion.charge(s * (v[0] - v[2]))
                r.charges.charge = PortVector(s * qx, s * (q.qbe + q.qbc), -s * (q.qbc + qx), 0)
                r.charges.capacitance[0, 0] = cx
                r.charges.capacitance[0, 2] = -cx
                r.charges.capacitance[1, 1] = q.cbe + q.cbeVbc + q.cbc
                r.charges.capacitance[1, 2] = -q.cbeVbc - q.cbc
                r.charges.capacitance[2, 0] = -cx
                r.charges.capacitance[2, 1] = -q.cbc
                r.charges.capacitance[2, 2] = q.cbc + cx
            }
            return r
        }
        let vbe = s * v[0], vbc = s * (v[0] - v[1])
        let c = core(vbe: vbe, vbc: vbc)
        let e = evaluate(c, vbe: vbe, vbc: vbc)
        r.currents.current[0] = s * e.ib
        r.currents.current[1] = s * e.ic
        r.currents.conductance[0, 0] = e.gpi + e.gmu
        r.currents.conductance[0, 1] = -e.gmu
        r.currents.conductance[1, 0] = e.gm - e.gmu
        r.currents.conductance[1, 1] = e.gmu + e.go
        if withCharges {
            let q = charges(c, vbe: vbe, vbc: vbc)
            r.charges.charge[0] = s * (q.qbe + q.qbc)
            r.charges.charge[1] = -s * q.qbc
            r.charges.capacitance[0, 0] = q.cbe + q.cbeVbc + q.cbc
            r.charges.capacitance[0, 1] = -q.cbeVbc - q.cbc
            r.charges.capacitance[1, 0] = -q.cbc
            r.charges.capacitance[1, 1] = q.cbc
        }
        return r
    }

    // MARK: Ports (b,e) and (c,e)

    /// Port currents Ib, Ic and their Jacobian with respect to the port voltages (Vbe, Vce), in the
    /// device's own polarity.
    @inlinable
    public func portCurrents(_ v: PortVector) -> PortCurrents {
        if hasModulatedBaseResistance { return portCurrentsWithBase(v) }
        let s = polarity.rawValue
        let vbe = s * v[0], vbc = s * (v[0] - v[1])
        let e = evaluate(vbe: vbe, vbc: vbc)
        var r = PortCurrents()
        r.current[0] = s * e.ib
        r.current[1] = s * e.ic
        // ∂/∂Vbe at fixed Vce = ∂/∂vbe + ∂/∂vbc;  ∂/∂Vce = −∂/∂vbc.
        r.conductance[0, 0] = e.gpi + e.gmu
        r.conductance[0, 1] = -e.gmu
        r.conductance[1, 0] = e.gm - e.gmu
        r.conductance[1, 1] = e.gmu + e.go
        return r
    }

    /// Port charges Qb = Qbe + Qbc, Qc = −Qbc and the capacitance matrix with respect to (Vbe, Vce).
    @inlinable
    public func portCharges(_ v: PortVector) -> PortCharges {
        if hasModulatedBaseResistance { return portChargesWithBase(v) }
        let s = polarity.rawValue
        let vbe = s * v[0], vbc = s * (v[0] - v[1])
        let q = charges(vbe: vbe, vbc: vbc)
        var r = PortCharges()
        r.charge[0] = s * (q.qbe + q.qbc)
        r.charge[1] = -s * q.qbc
        r.capacitance[0, 0] = q.cbe + q.cbeVbc + q.cbc
        r.capacitance[0, 1] = -q.cbeVbc - q.cbc
        r.capacitance[1, 0] = -q.cbc
        r.capacitance[1, 1] = q.cbc
        return r
    }

    /// Whether the transistor stores charge at all.
    public var hasCharge: Bool {
        let p = parameters
        return p.forwardTransitTime != 0 || p.reverseTransitTime != 0 || p.emitterCapacitance != 0 || p.collectorCapacitance != 0
    }

    /// Limits a Newton step of the port voltages (SPICE `pnjlim` on Vbe and Vbc; with a
    /// current-dependent base resistance, a junction below its critical voltage jumps there,
    /// see `Junction.limit`; a forward-biased collector junction rises in its current from
    /// `collectorRiseOnset`).
    @inlinable @inline(__always)
    public func limit(_ new: PortVector, old: PortVector) -> (PortVector, Bool) {
        // Constant lane indices in each branch: a SIMD lane picked at run time goes through memory.
        if hasModulatedBaseResistance {
            // Ports (b, e), (b', e), (c, e): limit the junctions, keep the voltage across rb.
            let (vbe, vbc, changed) = limitJunctions(new[1], new[1] - new[2], old[1], old[1] - old[2])
            guard changed else { return (new, false) }
            var r = new
            r[0] = new[0] - new[1] + vbe
            r[1] = vbe
            r[2] = vbe - vbc
            return (r, true)
        }
        let (vbe, vbc, changed) = limitJunctions(new[0], new[0] - new[1], old[0], old[0] - old[1])
        guard changed else { return (new, false) }
        var r = new
        r[0] = vbe
        r[1] = vbe - vbc
        return (r, true)
    }

    /// `pnjlim` on both junctions, in the polarity of the port voltages (NPN or PNP).
    @_transparent @usableFromInline
    func limitJunctions(_ vbe: Double, _ vbc: Double, _ oldVbe: Double, _ oldVbc: Double) -> (Double, Double, Bool) {
        let s = polarity.rawValue
        let jump = hasModulatedBaseResistance
        let (be, a) = Junction.limit(s * vbe, old: s * oldVbe, nvt: vt, critical: criticalVoltage, jumpToCritical: jump)
        // The collector junction turning on as the transistor saturates rises in its current (the
        // 2N3904 stage at 200 mV: 1.375 → 1.29 evaluations per sample; the emitter junction, which
        // conducts all the time, took more iterations so).
        let (bc, b) = Junction.limit(s * vbc, old: s * oldVbc, nvt: vt, critical: criticalVoltage, jumpToCritical: jump,
                                     riseOnset: collectorRiseOnset)
        return (s * be, s * bc, a || b)
    }

    /// A starting point for Newton: the base-emitter junction at its critical voltage, as SPICE starts.
    public var initialPortVoltages: PortVector {
        let v = polarity.rawValue * criticalVoltage
        return hasModulatedBaseResistance ? PortVector(v, v, v, 0) : PortVector(v, v, 0, 0)
    }
}
