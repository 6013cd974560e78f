import Foundation

/// The vertical power MOSFET of LTspice and ngspice (`.model NAME VDMOS(...)`), N- or P-channel:
/// the part behind most MOSFET output stages, three terminals (drain, gate, source).
///
/// The channel is a square law whose overdrive is rounded into weak inversion (KSUBTHRES), with
/// the triode region's slope scaled by MTRIODE and the mobility reduced by the gate voltage (THETA):
///
///     Vov = KSUBTHRES·ln(1 + exp((Vgs − VTO − SUBSHIFT)/KSUBTHRES))
///     β' = KP·(1 + LAMBDA·Vds)/(1 + THETA·Vgs),   u = MTRIODE·|Vds|
///     Id = β'·Vov²/2            Vov ≤ u   (saturation)
///     Id = β'·u·(Vov − u/2)     Vov > u   (triode)
///
/// With Vds < 0 the drain acts as the source: Vov is taken from Vgd and Id changes sign (LAMBDA
/// and THETA keep Vds and Vgs, as in ngspice). The gate-drain capacitance follows the gate-drain
/// voltage between CGDMIN and CGDMAX,
///
///     Cgd(v) = s·tanh(A·v) + y   (v > 0),   s·atan(A·v) + y   (v ≤ 0),
///     s = (CGDMAX − CGDMIN)/(1 + π/2),  y = CGDMAX − s,
///
/// and this device stores its charge Qgd(v) = ∫₀ᵛ Cgd. CGS (a linear capacitor), RG, RD (in
/// quasi-saturation with RQ and VQ a `QuasiSaturationResistance`), RS, the drain-source shunt RDS
/// and the body diode (IS, N, RB, CJO, VJ, M, FC, TT, BV, IBV, NBV: a `Diode` from the source,
/// through RB, to the drain) are elements of the circuit around it.
/// Sources: ngspice manual, §11.3 (Power MOSFET model); ngspice's `vdmosload.c` and `devsup.c`.
public struct VDMOS: Hashable, Sendable {
    /// The parameters of a `.model NAME VDMOS(...)` card.
    public struct Parameters: ModelParameters {
        /// PCHAN (a flag on the card): a P-channel part.
        public var pChannel = false
        /// VTO: threshold voltage, V (negative for a P-channel part).
        public var thresholdVoltage = 0.0
        /// KP: transconductance parameter, A/V².
        public var transconductance = 1.0
        /// LAMBDA: channel-length modulation, 1/V.
        public var lambda = 0.0
        /// THETA: mobility reduction by the gate voltage, 1/V.
        public var theta = 0.0
        /// MTRIODE: conductance multiplier in the triode region.
        public var triodeMultiplier = 1.0
        /// KSUBTHRES: the width of the weak-inversion rounding, V.
        public var subthresholdSlope = 0.1
        /// SUBSHIFT: shift of the weak-inversion rounding along the gate voltage, V.
        public var subthresholdShift = 0.0
        /// RD: drain ohmic resistance, Ω.
        public var drainResistance = 0.0
        /// RS: source ohmic resistance, Ω.
        public var sourceResistance = 0.0
        /// RG: gate ohmic resistance, Ω.
        public var gateResistance = 0.0
        /// RQ: quasi-saturation's resistance, Ω; with VQ, RD grows with Vds (see `QuasiSaturationResistance`).
        public var quasiSaturationResistance: Double? = nil
        /// VQ: quasi-saturation's voltage, V.
        public var quasiSaturationVoltage: Double? = nil
        /// TEXP1: RQ's temperature exponent.
        public var quasiSaturationExponent = 0.3
        /// RDS: drain-source shunt resistance, Ω; nil for none.
        public var shuntResistance: Double? = nil
        /// CGS: gate-source capacitance, F.
        public var gateSourceCapacitance = 0.0
        /// CGDMIN: the gate-drain capacitance at a large negative gate-drain voltage, F.
        public var minimumGateDrainCapacitance = 0.0
        /// CGDMAX: the gate-drain capacitance at a large positive gate-drain voltage, F.
        public var maximumGateDrainCapacitance = 0.0
        /// A: how fast the gate-drain capacitance turns with the gate-drain voltage, 1/V.
        public var gateDrainShape = 1.0
        /// The body diode: IS, N, CJO, VJ, M, FC, TT, BV, IBV, NBV, EG, XTI (the diode's
        /// defaults except VJ 0.8 V, IBV 0.1 nA and NBV 1, as ngspice's VDMOS).
        public var bodyDiode: Diode.Parameters = {
            var d = Diode.Parameters()
            d.junctionPotential = 0.8
            d.breakdownCurrent = 1e-10
            d.breakdownEmissionCoefficient = 1
            return d
        }()
        /// RB: the body diode's ohmic resistance, Ω.
        public var bodyResistance = 0.0
        /// KF: flicker-noise coefficient (`.noise`: KF·|Id|^AF/(f·Cox²), Cox of a 100 nm oxide, as ngspice).
        public var flickerCoefficient = 0.0
        /// AF: flicker-noise exponent.
        public var flickerExponent = 1.0
        /// TNOM: the temperature the card's values hold at, °C; nil for the circuit's.
        public var nominalTemperature: Double? = nil
        /// TCVTH (VTOTC): |VTO|'s fall per kelvin, V/K.
        public var thresholdCoefficient = 0.0
        /// MU (BEX): KP's temperature exponent.
        public var transconductanceExponent = -1.5
        /// TEXP0: RD's temperature exponent; nil to take TRD1 and TRD2.
        public var drainResistanceExponent: Double? = nil
        /// TRD1, TRD2: RD's temperature coefficients.
        public var drainResistanceCoefficients = TemperatureCoefficients()
        /// TRS1, TRS2: RS's temperature coefficients.
        public var sourceResistanceCoefficients = TemperatureCoefficients()
        /// TRG1, TRG2: RG's temperature coefficients.
        public var gateResistanceCoefficients = TemperatureCoefficients()
        /// TRB1, TRB2: RB's temperature coefficients.
        public var bodyResistanceCoefficients = TemperatureCoefficients()
        /// TKSUBTHRES1, TKSUBTHRES2: KSUBTHRES's temperature coefficients.
        public var subthresholdSlopeCoefficients = TemperatureCoefficients()

        /// ngspice's defaults.
        public init() {}

        /// Sets the parameter `name` (lower case) from a `.model` card; nil for a name the model does not know.
        public mutating func set(_ name: String, to value: Double) -> ParameterSupport? {
            switch name {
            case "vto", "vt0", "vth0": thresholdVoltage = value
            case "kp": transconductance = value
            case "lambda": lambda = value
            case "theta": theta = value
            case "mtriode": triodeMultiplier = value
            case "ksubthres": subthresholdSlope = value
            case "subshift": subthresholdShift = value
            case "rd": drainResistance = value
            case "rs": sourceResistance = value
            case "rg": gateResistance = value
            case "rds": shuntResistance = value
            case "cgs": gateSourceCapacitance = value
            case "cgdmin": minimumGateDrainCapacitance = value
            case "cgdmax": maximumGateDrainCapacitance = value
            case "a": gateDrainShape = value
            case "rb": bodyResistance = value
            case "is", "n", "cjo", "cj0", "vj", "m", "fc", "tt", "bv", "ibv", "nbv", "eg", "xti":
                return bodyDiode.set(name, to: value)
            case "kf": flickerCoefficient = value
            case "af": flickerExponent = value
            case "tnom": nominalTemperature = value
            case "tcvth", "vtotc": thresholdCoefficient = value
            case "mu", "bex": transconductanceExponent = value
            case "texp0": drainResistanceExponent = value
            case "trd1": drainResistanceCoefficients.linear = value
            case "trd2": drainResistanceCoefficients.quadratic = value
            case "trs1": sourceResistanceCoefficients.linear = value
            case "trs2": sourceResistanceCoefficients.quadratic = value
            case "trg1": gateResistanceCoefficients.linear = value
            case "trg2": gateResistanceCoefficients.quadratic = value
            case "trb1": bodyResistanceCoefficients.linear = value
            case "trb2": bodyResistanceCoefficients.quadratic = value
            case "tksubthres1": subthresholdSlopeCoefficients.linear = value
            case "tksubthres2": subthresholdSlopeCoefficients.quadratic = value
            case "phi": return .ignored(reason: "ngspice reads it for its distortion analysis only", neutral: 0.6)
            case "subslope": return .ignored(reason: "ngspice 39 reads it and leaves it unused; KSUBTHRES and SUBSHIFT set the weak inversion", neutral: nil)
            case "rq": quasiSaturationResistance = value
            case "vq": quasiSaturationVoltage = value
            case "texp1": quasiSaturationExponent = value
            case "rthjc", "rthca", "cthj": return .ignored(reason: "self-heating is not modeled", neutral: nil)
            case "vds", "ron", "qg":
                return .ignored(reason: Elaborator.partMetadataReason, neutral: nil)
            default: return nil
            }
            return .modeled
        }

        /// The first parameter whose value is impossible, and why; nil when all are possible.
        public func invalidParameter() -> (name: String, problem: String)? {
            if !(transconductance > 0) { return ("kp", "must be positive") }
            if !(subthresholdSlope > 0) { return ("ksubthres", "must be positive (it divides the gate voltage)") }
            if !(triodeMultiplier > 0) { return ("mtriode", "must be positive") }
            if drainResistance < 0 { return ("rd", "must not be negative") }
            if sourceResistance < 0 { return ("rs", "must not be negative") }
            if gateResistance < 0 { return ("rg", "must not be negative") }
            if bodyResistance < 0 { return ("rb", "must not be negative") }
            if let r = shuntResistance, !(r > 0) { return ("rds", "must be positive") }
            if let r = quasiSaturationResistance, r < 0 { return ("rq", "must not be negative") }
            if quasiSaturationResistance != nil, let v = quasiSaturationVoltage, v == 0 { return ("vq", "must not be zero (RQ's term is RQ·Vds/(Vds + |VQ|))") }
            if gateSourceCapacitance < 0 { return ("cgs", "must not be negative") }
            if minimumGateDrainCapacitance < 0 { return ("cgdmin", "must not be negative") }
            if maximumGateDrainCapacitance < 0 { return ("cgdmax", "must not be negative") }
            if !(gateDrainShape >= 0) { return ("a", "must not be negative") }
            return bodyDiode.invalidParameter()
        }
    }

    /// +1 for N-channel, −1 for P-channel.
    public let polarity: Double
    /// The card's parameters, taken to the instance's temperature and multiplied by its `m`.
    public let parameters: Parameters
    /// The threshold in the device's own orientation (VTO for N-channel, −VTO for P-channel), V.
    public let threshold: Double
    /// The body diode, from the source (through RB) to the drain for N-channel, the other way for P-channel.
    public let bodyDiode: Diode
    /// RD in quasi-saturation, when the card gives RQ and VQ and a nonzero RD (ngspice's law acts
    /// on RD's conductance: with RD = 0 it has nothing to act on); nil for a linear RD.
    public let quasiSaturation: QuasiSaturationResistance?
    /// Thermal voltage, V.
    public let vt: Double
    /// How many parts in parallel (the instance's `m`).
    public let multiplier: Double
    /// The gate-drain capacitance's coefficients s and y (see the type's description), F.
    @usableFromInline let capacitanceSlope: Double, capacitanceMiddle: Double

    /// A VDMOS of `multiplier` parts in parallel (KP, IS, IBV and the capacitances times m, the
    /// resistances divided by m) at `temperature` °C, the card's values holding at its TNOM or else
    /// at `nominalTemperature`. With ΔT = T − Tnom (ngspice's `VDMOStempUpdate`):
    ///
    ///     KP(T) = KP·(T/Tnom)^MU           VTO(T) = VTO − TCVTH·ΔT (N), VTO + TCVTH·ΔT (P)
    ///     KSUBTHRES(T) = KSUBTHRES·(1 + TKSUBTHRES1·ΔT + TKSUBTHRES2·ΔT²)
    ///     RD(T) = RD·(T/Tnom)^TEXP0, or RD·(1 + TRD1·ΔT + TRD2·ΔT²); RS, RG, RB likewise by their TR·1, TR·2
    ///     RQ(T) = RQ·(T/Tnom)^TEXP1
    ///
    /// and the body diode by the diode's laws (EG, XTI).
    public init(_ parameters: Parameters, multiplier: Double = 1, gmin: Double = Junction.defaultGmin,
                temperature: Double = Junction.nominalTemperature, nominalTemperature: Double = Junction.nominalTemperature) throws(NetlistError) {
        try parameters.validate(area: multiplier)
        var p = parameters
        let t = DeviceTemperature(celsius: temperature, nominalCelsius: p.nominalTemperature ?? nominalTemperature)
        polarity = p.pChannel ? -1 : 1
        if !t.isNominal {
            p.transconductance *= pow(t.ratio, p.transconductanceExponent)
            p.thresholdVoltage -= polarity * p.thresholdCoefficient * t.difference
            p.subthresholdSlope *= p.subthresholdSlopeCoefficients.factor(at: t)
            p.drainResistance *= p.drainResistanceExponent.map { pow(t.ratio, $0) } ?? p.drainResistanceCoefficients.factor(at: t)
            p.sourceResistance *= p.sourceResistanceCoefficients.factor(at: t)
            p.gateResistance *= p.gateResistanceCoefficients.factor(at: t)
            p.bodyResistance *= p.bodyResistanceCoefficients.factor(at: t)
            p.quasiSaturationResistance = p.quasiSaturationResistance.map { $0 * pow(t.ratio, p.quasiSaturationExponent) }
            try t.require("KP", p.transconductance)
            try t.require("KSUBTHRES", p.subthresholdSlope)
        }
        p.transconductance *= multiplier
        p.gateSourceCapacitance *= multiplier
        p.minimumGateDrainCapacitance *= multiplier
        p.maximumGateDrainCapacitance *= multiplier
        p.drainResistance /= multiplier
        p.sourceResistance /= multiplier
        p.gateResistance /= multiplier
        p.bodyResistance /= multiplier
        p.shuntResistance = p.shuntResistance.map { $0 / multiplier }
        p.quasiSaturationResistance = p.quasiSaturationResistance.map { $0 / multiplier }
        var body = p.bodyDiode
        body.nominalTemperature = p.nominalTemperature
        bodyDiode = try Diode(body, area: multiplier, gmin: gmin, temperature: temperature, nominalTemperature: nominalTemperature)
        self.parameters = p
        if let rq = p.quasiSaturationResistance, let vq = p.quasiSaturationVoltage, p.drainResistance > 0 {
            quasiSaturation = QuasiSaturationResistance(resistance: p.drainResistance, quasiSaturationResistance: rq,
                                                        quasiSaturationVoltage: vq, polarity: polarity, gmin: gmin)
        } else {
            quasiSaturation = nil
        }
        threshold = polarity * p.thresholdVoltage
        vt = t.vt
        self.multiplier = multiplier
        capacitanceSlope = (p.maximumGateDrainCapacitance - p.minimumGateDrainCapacitance) / (1 + Double.pi / 2)
        capacitanceMiddle = p.maximumGateDrainCapacitance - capacitanceSlope
    }

    /// Channel current Id(Vgs, Vds) with gm = ∂Id/∂Vgs and gds = ∂Id/∂Vds, in the N-channel orientation.
    @inlinable
    public func channelCurrent(vgs: Double, vds: Double) -> (id: Double, gm: Double, gds: Double) {
        let p = parameters
        let forward = !(vds < 0)
        let mode = forward ? 1.0 : -1.0
        // The overdrive, rounded: Vov = k·softplus((Vg − VTO − SUBSHIFT)/k), ∂Vov/∂Vg = σ(·).
        let k = p.subthresholdSlope
        let (sp, sigma) = softplusAndLogistic(((forward ? vgs : vgs - vds) - threshold - p.subthresholdShift) / k)
        let vov = k * sp
        // β' = KP·(1 + λ·Vds)/(1 + θ·Vgs); the denominator kept from zero where θ·Vgs nears −1,
        // far outside any gate rating.
        let denominator = 1 + p.theta * vgs
        let mobility = 1 / max(denominator, 1e-3)
        let betap = p.transconductance * (1 + p.lambda * vds) * mobility
        let dBetaDVgs = denominator > 1e-3 ? -p.theta * betap * mobility : 0
        let dBetaDVds = p.transconductance * p.lambda * mobility
        let u = p.triodeMultiplier * abs(vds)
        // core(Vov, u) and its partial derivatives.
        let core: Double, dCoreDVov: Double, dCoreDU: Double
        if vov <= u {
            core = 0.5 * vov * vov; dCoreDVov = vov; dCoreDU = 0
        } else {
            core = u * (vov - 0.5 * u); dCoreDVov = u; dCoreDU = vov - u
        }
        let id = mode * betap * core
        let gm = mode * (dBetaDVgs * core + betap * dCoreDVov * sigma)
        // ∂Vg/∂Vds is −1 in reverse (Vg = Vgd), ∂u/∂Vds = mode·MTRIODE.
        let gds = mode * (dBetaDVds * core + betap * ((forward ? 0 : -dCoreDVov * sigma) + dCoreDU * mode * p.triodeMultiplier))
        return (id, gm, gds)
    }

    /// The gate-drain charge Qgd(v) = ∫₀ᵛ Cgd and the capacitance Cgd(v), v the gate-drain voltage
    /// in the N-channel orientation:
    ///
    ///     v > 0:  Qgd = s·ln(cosh(A·v))/A + y·v
    ///     v ≤ 0:  Qgd = s·(v·atan(A·v) − ln(1 + (A·v)²)/(2A)) + y·v
    @inlinable
    public func gateDrainCharge(_ v: Double) -> (q: Double, c: Double) {
        let s = capacitanceSlope, y = capacitanceMiddle, a = parameters.gateDrainShape
        guard a > 0 else { return (y * v, y) }
        let x = a * v
        if x > 0 {
            // ln cosh x = x + ln(1 + e^(−2x)) − ln 2, without overflow.
            let lnCosh = x + log1p(exp(-2 * x)) - M_LN2
            return (s * lnCosh / a + y * v, s * tanh(x) + y)
        }
        let at = atan(x)
        return (s * (v * at - log1p(x * x) / (2 * a)) + y * v, s * at + y)
    }

    // MARK: Ports (g',s') and (d',s')

    /// Port currents Ig = 0, Id and their Jacobian with respect to (Vgs, Vds).
    @inlinable @inline(__always)
    public func portCurrents(_ v: PortVector) -> PortCurrents {
        let s = polarity
        let (id, gm, gds) = channelCurrent(vgs: s * v[0], vds: s * v[1])
        var r = PortCurrents()
        r.current[1] = s * id
        r.conductance[1, 0] = gm
        r.conductance[1, 1] = gds
        return r
    }

    /// Port charges Qg = Qgd, Qd = −Qgd and their capacitance matrix (CGS is a separate capacitor).
    @inlinable @inline(__always)
    public func portCharges(_ v: PortVector) -> PortCharges {
        PortCharges(gateSource: (0, 0), gateDrain: gateDrainCharge(polarity * (v[0] - v[1])), polarity: polarity)
    }

    /// Whether the gate-drain capacitance is there.
    public var hasCharge: Bool { parameters.minimumGateDrainCapacitance != 0 || parameters.maximumGateDrainCapacitance != 0 }

    /// Limits a Newton step as ngspice's VDMOS does: `fetlim` on the gate voltage (Vgs, or Vgd
    /// when the drain acts as the source) and `limvds` on Vds.
    @inlinable @inline(__always)
    public func limit(_ new: PortVector, old: PortVector) -> (PortVector, Bool) {
        let s = polarity
        let (vgs, vds) = MOSFET.limitChannel(vgs: s * new[0], vds: s * new[1], old: (s * old[0], s * old[1]), threshold: threshold)
        let result = PortVector(s * vgs, s * vds, 0, 0)
        let moved = Junction.moved(result[0], from: new[0]) || Junction.moved(result[1], from: new[1])
        return (moved ? result : new, moved)
    }

    /// Newton's starting point as ngspice's: the gate 0.1 V above the threshold, Vds = 0.
    public var initialPortVoltages: PortVector { PortVector(polarity * (threshold + 0.1), 0, 0, 0) }
}
