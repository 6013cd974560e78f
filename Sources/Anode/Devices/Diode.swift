import Foundation

/// The SPICE junction diode: an exponential junction with series resistance, depletion and
/// diffusion capacitance and reverse breakdown.
///
///     I = IS·(exp(V/(N·Vt)) − 1) + GMIN·V                 V ≥ −3·N·Vt
///     I = −IS·(1 + (3·N·Vt/(V·e))³) + GMIN·V              −BV' ≤ V < −3·N·Vt
///     I = −IS·exp(−(BV' + V)/(NBV·Vt)) + GMIN·V           V < −BV'   (BV' matched to IBV)
///     Q = TT·I + Qdep(V; CJO, VJ, M, FC)
///
/// `V` is the voltage across the junction; the series resistance RS is a separate linear resistor
/// between the anode terminal and the junction, so it belongs to the circuit, not to these equations.
/// Source: the Berkeley SPICE3 / ngspice diode model (ngspice manual, ch. 7).
public struct Diode: Hashable, Sendable {
    /// The parameters of a `.model NAME D(...)` card.
    public struct Parameters: ModelParameters {
        /// IS: saturation current, A.
        public var saturationCurrent = 1e-14
        /// KF: flicker-noise coefficient (`.noise`: KF·|I|^AF/f, A²/Hz).
        public var flickerCoefficient = 0.0
        /// AF: flicker-noise exponent.
        public var flickerExponent = 1.0
        /// N: emission coefficient.
        public var emissionCoefficient = 1.0
        /// RS: ohmic series resistance, Ω.
        public var seriesResistance = 0.0
        /// CJO (CJ0, CJ): zero-bias junction capacitance, F.
        public var junctionCapacitance = 0.0
        /// VJ (PB): junction potential, V.
        public var junctionPotential = 1.0
        /// M (MJ): grading coefficient.
        public var gradingCoefficient = 0.5
        /// FC: forward-bias depletion capacitance coefficient.
        public var depletionCoefficient = 0.5
        /// TT: transit time, s.
        public var transitTime = 0.0
        /// BV: reverse breakdown voltage, V (a positive number); nil for no breakdown.
        public var breakdownVoltage: Double? = nil
        /// IBV: current at the breakdown voltage, A.
        public var breakdownCurrent = 1e-3
        /// NBV: breakdown emission coefficient; nil means N.
        public var breakdownEmissionCoefficient: Double? = nil
        /// TNOM: the temperature the card's values hold at, °C; nil for the circuit's (`.options tnom`).
        public var nominalTemperature: Double? = nil
        /// EG: activation energy of IS, eV.
        public var energyGap = 1.11
        /// XTI: temperature exponent of IS.
        public var saturationCurrentExponent = 3.0
        /// TT1, TT2: TT's linear and quadratic temperature coefficients, 1/K and 1/K².
        public var transitTimeCoefficients = TemperatureCoefficients()
        /// TM1, TM2: M's linear and quadratic temperature coefficients.
        public var gradingCoefficients = TemperatureCoefficients()
        /// TRS1 (TRS), TRS2: RS's linear and quadratic temperature coefficients.
        public var seriesResistanceCoefficients = TemperatureCoefficients()
        /// TCV: BV's temperature coefficient, V/K (TLEV = 0) or 1/K (TLEV = 1).
        public var breakdownVoltageCoefficient = 0.0
        /// TLEV: 0, BV − TCV·ΔT; 1, BV·(1 − TCV·ΔT).
        public var temperatureLevel = 0
        /// TLEVC: 0, SPICE's laws for VJ and CJO; 1, the linear ones of CTA and TPB.
        public var capacitanceTemperatureLevel = 0
        /// CTA: CJO's temperature coefficient with TLEVC = 1, 1/K.
        public var capacitanceCoefficient = 0.0
        /// TPB: VJ's temperature coefficient with TLEVC = 1, V/K.
        public var potentialCoefficient = 0.0

        /// The defaults of SPICE.
        public init() {}

        /// Sets the parameter `name` (lower case) from a `.model` card; nil for a name the model does not know.
        public mutating func set(_ name: String, to value: Double) -> ParameterSupport? {
            switch name {
            case "is", "js": saturationCurrent = value
            case "n": emissionCoefficient = value
            case "rs": seriesResistance = value
            case "cjo", "cj0", "cj": junctionCapacitance = value
            case "vj", "pb": junctionPotential = value
            case "m", "mj": gradingCoefficient = value
            case "fc": depletionCoefficient = value
            case "tt": transitTime = value
            case "bv": breakdownVoltage = value
            case "ibv": breakdownCurrent = value
            case "nbv": breakdownEmissionCoefficient = value
            case "level": return value == 1 ? .modeled : nil
            case "tnom": nominalTemperature = value
            case "eg": energyGap = value
            case "xti": saturationCurrentExponent = value
            case "tt1": transitTimeCoefficients.linear = value
            case "tt2": transitTimeCoefficients.quadratic = value
            case "tm1": gradingCoefficients.linear = value
            case "tm2": gradingCoefficients.quadratic = value
            case "trs", "trs1": seriesResistanceCoefficients.linear = value
            case "trs2": seriesResistanceCoefficients.quadratic = value
            case "tcv": breakdownVoltageCoefficient = value
            case "tlev": return Unmodeled.temperatureLevel(value, into: &temperatureLevel)
            case "tlevc": return Unmodeled.temperatureLevel(value, into: &capacitanceTemperatureLevel)
            case "cta": capacitanceCoefficient = value
            case "tpb": potentialCoefficient = value
            case "tbv", "tbv1", "tbv2", "ctp", "tphp", "tcj":
                return Unmodeled.otherTemperatureLevel
            case "kf": flickerCoefficient = value
            case "af": flickerExponent = value
            case "isr", "nr", "ikf", "ik", "ikr", "cjsw", "cjp", "vjsw", "php", "mjsw", "fcs", "jsw", "ns", "isw":
                return Unmodeled.notModeled(name == "ns" || name == "nr" ? nil : 0)
            default: return nil
            }
            return .modeled
        }

        /// The temperature of a diode at `celsius` made from this card: its TNOM, or `nominal` without one.
        public func temperature(celsius: Double, nominal: Double) -> DeviceTemperature {
            DeviceTemperature(celsius: celsius, nominalCelsius: nominalTemperature ?? nominal)
        }

        /// M at `t`, M·(1 + TM1·ΔT + TM2·ΔT²), before the diode limits it to `maximumGrading`.
        public func gradingCoefficient(at t: DeviceTemperature) -> Double {
            gradingCoefficient * gradingCoefficients.factor(at: t)
        }

        /// The first parameter whose value is impossible, and why; nil when all are possible.
        public func invalidParameter() -> (name: String, problem: String)? {
            if !(saturationCurrent > 0) { return ("is", "must be positive") }
            if !(emissionCoefficient > 0) { return ("n", "must be positive") }
            if seriesResistance < 0 { return ("rs", "must not be negative") }
            if junctionCapacitance < 0 { return ("cjo", "must not be negative") }
            if !(junctionPotential > 0) { return ("vj", "must be positive") }
            if !(gradingCoefficient >= 0 && gradingCoefficient < 1) { return ("m", "must be at least 0 and below 1") }
            if !(depletionCoefficient >= 0 && depletionCoefficient < 1) { return ("fc", "must be at least 0 and below 1") }
            if transitTime < 0 { return ("tt", "must not be negative") }
            if let bv = breakdownVoltage, !(bv > 0) { return ("bv", "must be positive") }
            if !(breakdownCurrent > 0) { return ("ibv", "must be positive") }
            if let nbv = breakdownEmissionCoefficient, !(nbv > 0) { return ("nbv", "must be positive") }
            if !(energyGap > 0) { return ("eg", "must be positive") }
            return nil
        }
    }

    /// The largest grading coefficient M at a temperature (as ngspice limits it).
    public static let maximumGrading = 0.9

    /// The parameters, scaled by the instance's area and taken to its temperature.
    public let parameters: Parameters
    /// N·Vt, V.
    public let nvt: Double
    /// 1/(N·Vt).
    @usableFromInline let inverseNVt: Double
    /// NBV·Vt, V.
    public let breakdownNVt: Double
    /// The breakdown voltage after matching the current IBV, V; nil without breakdown.
    public let effectiveBreakdownVoltage: Double?
    /// The voltage above which Newton steps are limited.
    public let criticalVoltage: Double
    /// A change of the junction voltage that `limit` never alters: it acts on steps beyond 2·N·Vt
    /// (and 2·NBV·Vt in breakdown) and, below zero, beyond 1 V; this is the smallest of those,
    /// at most ½ V, less a thousandth for rounding.
    public let limitFreeStep: Double
    /// The depletion charge.
    public let depletion: DepletionCharge
    /// Conductance in parallel with the junction (GMIN), S.
    public let gmin: Double
    /// How many of these junctions its port spans in series (1 for a single diode). A string of N
    /// identical junctions carries one current, so each holds V/N: I = I₁(V/N), dI/dV = I₁′(V/N)/N,
    /// Q = Q₁(V/N), dQ/dV = C₁(V/N)/N. The real-time processor folds series diodes into one port so.
    public private(set) var seriesCount = 1
    /// 1/`seriesCount`.
    @usableFromInline private(set) var inverseSeriesCount = 1.0

    /// `count` of these junctions in series, seen through one port (see `seriesCount`).
    public func inSeries(_ count: Int) -> Diode {
        var string = self
        string.seriesCount = max(count, 1)
        string.inverseSeriesCount = 1 / Double(string.seriesCount)
        return string
    }

    /// A diode of the given parameters and area factor (which scales IS, CJO and IBV and divides RS)
    /// at `temperature` °C; the card's values hold at its TNOM, or at `nominalTemperature` without one.
    /// The temperature laws are SPICE's (see `DeviceTemperature`), and also
    /// TT(T) = TT·(1 + TT1·ΔT + TT2·ΔT²), M(T) = M·(1 + TM1·ΔT + TM2·ΔT²) (at most 0.9),
    /// RS(T) = RS·(1 + TRS1·ΔT + TRS2·ΔT²), BV(T) = BV − TCV·ΔT, with ΔT = T − TNOM.
    public init(_ parameters: Parameters, area: Double = 1, gmin: Double = Junction.defaultGmin,
                temperature: Double = Junction.nominalTemperature, nominalTemperature: Double = Junction.nominalTemperature) throws(NetlistError) {
        try parameters.validate(area: area)
        var p = parameters
        let t = p.temperature(celsius: temperature, nominal: nominalTemperature)
        p.saturationCurrent *= area * t.saturationFactor(energyGap: p.energyGap, exponent: p.saturationCurrentExponent, emission: p.emissionCoefficient)
        p.gradingCoefficient = min(p.gradingCoefficient(at: t), Self.maximumGrading)
        if p.capacitanceTemperatureLevel == 1 {
            // ngspice takes these from 27 °C, not from TNOM.
            let fromReference = t.kelvin - DeviceTemperature.referenceKelvin
            p.junctionPotential -= p.potentialCoefficient * fromReference
            p.junctionCapacitance *= area * (1 + p.capacitanceCoefficient * fromReference)
        } else {
            (p.junctionPotential, p.junctionCapacitance) = t.junction(potential: p.junctionPotential, capacitance: p.junctionCapacitance * area, grading: p.gradingCoefficient)
        }
        try t.require("VJ", p.junctionPotential)
        try t.require("IS", p.saturationCurrent)
        p.transitTime *= p.transitTimeCoefficients.factor(at: t)
        p.breakdownCurrent *= area
        p.breakdownVoltage = p.breakdownVoltage.map {
            p.temperatureLevel == 1 ? $0 * (1 - p.breakdownVoltageCoefficient * t.difference) : $0 - p.breakdownVoltageCoefficient * t.difference
        }
        p.seriesResistance = p.seriesResistance * p.seriesResistanceCoefficients.factor(at: t) / area
        self.parameters = p
        self.gmin = gmin
        let vt = t.vt
        nvt = p.emissionCoefficient * vt
        inverseNVt = 1 / nvt
        breakdownNVt = (p.breakdownEmissionCoefficient ?? p.emissionCoefficient) * vt
        criticalVoltage = Junction.criticalVoltage(saturationCurrent: p.saturationCurrent, nvt: nvt)
        limitFreeStep = 0.999 * min(2 * nvt, p.breakdownVoltage == nil ? 0.5 : 2 * breakdownNVt, 0.5)
        depletion = DepletionCharge(cj0: p.junctionCapacitance, vj: p.junctionPotential, m: p.gradingCoefficient, fc: p.depletionCoefficient)
        if let bv = p.breakdownVoltage {
            // Shift the breakdown knee so that the current at −BV is IBV (SPICE's matching iteration).
            let isat = p.saturationCurrent
            var ibv = p.breakdownCurrent
            var xbv = bv
            if ibv < isat * bv / vt {
                ibv = isat * bv / vt
            } else {
                let tolerance = 1e-3 * ibv
                xbv = bv - breakdownNVt * log(1 + ibv / isat)
                for _ in 0..<25 {
                    xbv = bv - breakdownNVt * log(ibv / isat + 1 - xbv / vt)
                    let current = isat * (exp((bv - xbv) / breakdownNVt) - 1 + xbv / vt)
                    if abs(current - ibv) <= tolerance { break }
                }
            }
            effectiveBreakdownVoltage = xbv
        } else {
            effectiveBreakdownVoltage = nil
        }
    }

    /// Junction current I(V) and conductance dI/dV, GMIN included.
    @inlinable @inline(__always)
    public func current(_ v: Double) -> (i: Double, g: Double) {
        let isat = parameters.saturationCurrent
        var result: (i: Double, g: Double)
        if let xbv = effectiveBreakdownVoltage, v < -xbv {
            let e = exp(min(-(xbv + v) / breakdownNVt, Junction.maxExponent))
            result = (-isat * e, isat * e / breakdownNVt)
        } else {
            result = Junction.current(v, saturationCurrent: isat, inverseNVt: inverseNVt)
        }
        return (result.i + gmin * v, result.g + gmin)
    }

    /// Stored charge Q(V) (diffusion plus depletion) and capacitance dQ/dV.
    @inlinable
    public func charge(_ v: Double) -> (q: Double, c: Double) {
        let (qd, cd) = depletion.charge(v)
        let tt = parameters.transitTime
        if tt == 0 { return (qd, cd) }
        let (i, g) = current(v)
        return (qd + tt * i, cd + tt * g)
    }

    /// Current, conductance, charge and capacitance at `v`: the junction's exponential and the
    /// depletion charge's power are independent, so the two run side by side.
    @inlinable @inline(__always)
    public func currentAndCharge(_ v: Double) -> (i: Double, g: Double, q: Double, c: Double) {
        let tt = parameters.transitTime
        let (i, g) = current(v)
        let (qd, cd) = depletion.charge(v)
        return (i, g, qd + tt * i, cd + tt * g)
    }

    /// Limits a Newton step of the junction voltage (SPICE `pnjlim`, mirrored around −BV in breakdown).
    @inlinable @inline(__always)
    public func limit(_ new: Double, old: Double) -> (Double, Bool) {
        // Most steps, and every prediction of a sample from the last, are far too small to limit.
        if abs(new - old) <= limitFreeStep { return (new, false) }
        if let xbv = effectiveBreakdownVoltage, new < min(0, -xbv + 10 * breakdownNVt) {
            let (limited, changed) = Junction.limit(-(new + xbv), old: -(old + xbv), nvt: breakdownNVt, critical: criticalVoltage)
            return (-(limited + xbv), changed)
        }
        return Junction.limit(new, old: old, nvt: nvt, critical: criticalVoltage)
    }
}
