import Foundation

/// The SPICE junction FET (Shichman–Hodges, with the Sydney University doping-tail parameter B),
/// N- or P-channel.
///
///     Vgst = Vgs − VTO,  β' = BETA·(1 + LAMBDA·Vds),  b = (1 − B)/(PB − VTO)
///     Id = 0                                           Vgst ≤ 0
///     Id = β'·Vds·(Vds·(b·Vds − B) + Vgst·(2B + 3b·(Vgst − Vds)))   0 < Vds ≤ Vgst
///     Id = β'·Vgst²·(B + b·Vgst)                       0 < Vgst < Vds
///
/// With B = 1 (the default) this is BETA·Vds·(2·Vgst − Vds) and BETA·Vgst² of Shichman and Hodges.
/// For Vds < 0 source and drain swap roles. Both gate junctions are diodes (IS, Vt) with GMIN, and
/// carry the depletion charges of CGS and CGD (grading 1/2, potential PB, FC). RD and RS are linear
/// resistors outside these equations. Source: ngspice manual ch. 9 (JFET level 1).
public struct ShichmanHodges: Hashable, Sendable {
    /// The parameters of a `.model NAME NJF(...)` or `PJF(...)` card.
    public struct Parameters: ModelParameters {
        /// VTO: threshold (pinch-off) voltage, V; negative for a depletion-mode N-channel part.
        public var thresholdVoltage = -2.0
        /// BETA: transconductance parameter, A/V².
        public var beta = 1e-4
        /// LAMBDA: channel-length modulation, 1/V.
        public var lambda = 0.0
        /// RD: drain ohmic resistance, Ω.
        public var drainResistance = 0.0
        /// RS: source ohmic resistance, Ω.
        public var sourceResistance = 0.0
        /// CGS: zero-bias gate-source junction capacitance, F.
        public var gateSourceCapacitance = 0.0
        /// CGD: zero-bias gate-drain junction capacitance, F.
        public var gateDrainCapacitance = 0.0
        /// PB: gate junction potential, V.
        public var junctionPotential = 1.0
        /// IS: gate junction saturation current, A.
        public var saturationCurrent = 1e-14
        /// KF: flicker-noise coefficient (`.noise`: KF·|Id|^AF/f, of the drain current, A²/Hz).
        public var flickerCoefficient = 0.0
        /// AF: flicker-noise exponent.
        public var flickerExponent = 1.0
        /// FC: forward-bias depletion capacitance coefficient.
        public var depletionCoefficient = 0.5
        /// B: doping tail parameter.
        public var dopingTail = 1.0
        /// TNOM: the temperature the card's values hold at, °C; nil for the circuit's (`.options tnom`).
        public var nominalTemperature: Double? = nil
        /// EG: activation energy of IS, eV.
        public var energyGap = 1.11
        /// XTI: temperature exponent of IS; nil (ngspice: not given) for none.
        public var saturationCurrentExponent: Double? = nil
        /// TCV: VTO's temperature coefficient, V/K (VTO falls by TCV per kelvin).
        public var thresholdCoefficient = 0.0
        /// VTOTC: VTO's temperature coefficient, V/K (VTO rises by VTOTC per kelvin); replaces TCV when given.
        public var thresholdTemperatureCoefficient: Double? = nil
        /// BEX: temperature exponent of BETA.
        public var betaExponent = 0.0
        /// BETATCE: BETA's exponential temperature coefficient, %/K; replaces BEX when given.
        public var betaTemperatureCoefficient: Double? = nil

        /// SPICE's defaults.
        public init() {}

        /// Sets the parameter `name` (lower case) from a `.model` card; nil for a name the model does not know.
        public mutating func set(_ name: String, to value: Double) -> ParameterSupport? {
            switch name {
            case "vto", "vt0": thresholdVoltage = value
            case "beta": beta = value
            case "lambda": lambda = value
            case "rd": drainResistance = value
            case "rs": sourceResistance = value
            case "cgs": gateSourceCapacitance = value
            case "cgd": gateDrainCapacitance = value
            case "pb": junctionPotential = value
            case "is": saturationCurrent = value
            case "fc": depletionCoefficient = value
            case "b": dopingTail = value
            case "level": return value == 1 ? .modeled : nil
            case "tnom": nominalTemperature = value
            case "eg": energyGap = value
            case "xti": saturationCurrentExponent = value
            case "tcv": thresholdCoefficient = value
            case "vtotc": thresholdTemperatureCoefficient = value
            case "bex": betaExponent = value
            case "betatce": betaTemperatureCoefficient = value
            case "kf": flickerCoefficient = value
            case "af": flickerExponent = value
            case "nlev", "gdsnoi": return ParameterSupport.ignored(reason: "Anode's JFET noise is ngspice's default (NLEV < 3): 8kT·gm/3", neutral: nil)
            case "n", "isr", "nr", "alpha", "vk", "m":
                return .ignored(reason: "this parameter of other JFET models is not part of SPICE level 1", neutral: nil)
            default: return nil
            }
            return .modeled
        }

        /// The first parameter whose value is impossible, and why; nil when all are possible.
        public func invalidParameter() -> (name: String, problem: String)? {
            if !(beta > 0) { return ("beta", "must be positive") }
            if drainResistance < 0 { return ("rd", "must not be negative") }
            if sourceResistance < 0 { return ("rs", "must not be negative") }
            if gateSourceCapacitance < 0 { return ("cgs", "must not be negative") }
            if gateDrainCapacitance < 0 { return ("cgd", "must not be negative") }
            if !(junctionPotential > 0) { return ("pb", "must be positive") }
            if !(saturationCurrent > 0) { return ("is", "must be positive") }
            if !(depletionCoefficient >= 0 && depletionCoefficient < 1) { return ("fc", "must be at least 0 and below 1") }
            if junctionPotential == thresholdVoltage { return ("pb", "must differ from VTO") }
            return nil
        }
    }

    /// +1 for N-channel, −1 for P-channel.
    public let polarity: Double
    /// The parameters, scaled by the instance's area and taken to its temperature.
    public let parameters: Parameters
    /// Thermal voltage, V.
    public let vt: Double
    /// Gate junction voltage above which Newton steps are limited.
    public let criticalVoltage: Double
    /// Gate-source depletion charge.
    public let gateSourceDepletion: DepletionCharge
    /// Gate-drain depletion charge.
    public let gateDrainDepletion: DepletionCharge
    /// Conductance across each gate junction, S.
    public let gmin: Double
    @usableFromInline let bFactor: Double

    /// A JFET: `nChannel` false for P-channel; `area` scales BETA, IS and the capacitances. At
    /// `temperature` °C, the card's values holding at its TNOM or else at `nominalTemperature`
    /// (ngspice's JFETtemp; ΔT = T − Tnom):
    ///
    ///     IS(T) = IS·exp((T/Tnom − 1)·EG/Vt)·(T/Tnom)^XTI     (the power only if XTI is given)
    ///     VTO(T) = VTO + VTOTC·ΔT, or VTO − TCV·ΔT            BETA(T) = BETA·1.01^(BETATCE·ΔT), or BETA·(T/Tnom)^BEX
    ///
    /// and PB, CGS and CGD by `DeviceTemperature`'s junction law with grading 1/2. B's factor
    /// (1 − B)/(PB − VTO) keeps the card's values, as in ngspice.
    public init(nChannel: Bool, _ parameters: Parameters, area: Double = 1, gmin: Double = Junction.defaultGmin,
                temperature: Double = Junction.nominalTemperature, nominalTemperature: Double = Junction.nominalTemperature) throws(NetlistError) {
        try parameters.validate(area: area)
        var p = parameters
        let t = DeviceTemperature(celsius: temperature, nominalCelsius: p.nominalTemperature ?? nominalTemperature)
        p.saturationCurrent *= t.saturationFactor(energyGap: p.energyGap, exponent: p.saturationCurrentExponent ?? 0)
        let gate = t.junction(potential: p.junctionPotential, capacitance: 1, grading: 0.5)
        p.junctionPotential = gate.potential
        p.gateSourceCapacitance *= gate.capacitance
        p.gateDrainCapacitance *= gate.capacitance
        p.thresholdVoltage += p.thresholdTemperatureCoefficient.map { $0 * t.difference } ?? -p.thresholdCoefficient * t.difference
        p.beta *= p.betaTemperatureCoefficient.map { pow(1.01, $0 * t.difference) } ?? pow(t.ratio, p.betaExponent)
        try t.require("PB", p.junctionPotential)
        try t.require("IS", p.saturationCurrent)
        try t.require("BETA", p.beta)
        p.beta *= area
        p.saturationCurrent *= area
        p.gateSourceCapacitance *= area
        p.gateDrainCapacitance *= area
        p.drainResistance /= area
        p.sourceResistance /= area
        polarity = nChannel ? 1 : -1
        self.parameters = p
        self.gmin = gmin
        vt = t.vt
        criticalVoltage = Junction.criticalVoltage(saturationCurrent: p.saturationCurrent, nvt: vt)
        gateSourceDepletion = DepletionCharge(cj0: p.gateSourceCapacitance, vj: p.junctionPotential, m: 0.5, fc: p.depletionCoefficient)
        gateDrainDepletion = DepletionCharge(cj0: p.gateDrainCapacitance, vj: p.junctionPotential, m: 0.5, fc: p.depletionCoefficient)
        bFactor = (1 - p.dopingTail) / (parameters.junctionPotential - parameters.thresholdVoltage)
    }

    /// Channel current Id(Vgs, Vds) with gm = ∂Id/∂Vgs and gds = ∂Id/∂Vds (N-channel orientation).
    @inlinable @inline(__always)
    public func channelCurrent(vgs: Double, vds: Double) -> (id: Double, gm: Double, gds: Double) {
        // Forward mode unless vds < 0 (a NaN takes forward mode too). Inverse mode: the drain acts
        // as source, Id(vgs, vds) = −Id(vgd, −vds), so ∂/∂vgs = −gm and ∂/∂vds = gm + gds of the
        // swapped device (vgd = vgs − vds, and −vds). One call either way, inlined once.
        let inverse = vds < 0
        let (i, gm, gds) = inverse ? forwardCurrent(vgs: vgs - vds, vds: -vds) : forwardCurrent(vgs: vgs, vds: vds)
        return inverse ? (-i, -gm, gm + gds) : (i, gm, gds)
    }

    /// `channelCurrent` in forward mode (vds ≥ 0).
    @inlinable @inline(__always)
    func forwardCurrent(vgs: Double, vds: Double) -> (id: Double, gm: Double, gds: Double) {
        let vto = parameters.thresholdVoltage, beta = parameters.beta, lambda = parameters.lambda, b = parameters.dopingTail
        let vgst = vgs - vto
        if vgst <= 0 { return (0, 0, 0) }
        let betap = beta * (1 + lambda * vds)
        if vgst >= vds {
            let apart = 2 * b + 3 * bFactor * (vgst - vds)
            let cpart = vds * (vds * (bFactor * vds - b) + vgst * apart)
            return (betap * cpart, betap * vds * (apart + 3 * bFactor * vgst), betap * (vgst - vds) * apart + beta * lambda * cpart)
        }
        let bf = vgst * bFactor
        let cpart = vgst * vgst * (b + bf)
        return (betap * cpart, betap * vgst * (2 * b + 3 * bf), lambda * beta * cpart)
    }

    // MARK: Ports (g,s) and (d,s)

    /// Port currents Ig, Id and their Jacobian with respect to (Vgs, Vds).
    @inlinable @inline(__always)
    public func portCurrents(_ v: PortVector) -> PortCurrents {
        let s = polarity
        let vgs = s * v[0], vds = s * v[1], vgd = vgs - vds
        let (igs, ggs) = Junction.current(vgs, saturationCurrent: parameters.saturationCurrent, nvt: vt)
        let (igd, ggd) = Junction.current(vgd, saturationCurrent: parameters.saturationCurrent, nvt: vt)
        let (id, gm, gds) = channelCurrent(vgs: vgs, vds: vds)
        var r = PortCurrents()
        r.current[0] = s * (igs + gmin * vgs + igd + gmin * vgd)
        r.current[1] = s * (id - igd - gmin * vgd)
        let gs = ggs + gmin, gd = ggd + gmin
        r.conductance[0, 0] = gs + gd
        r.conductance[0, 1] = -gd
        r.conductance[1, 0] = gm - gd
        r.conductance[1, 1] = gds + gd
        return r
    }

    /// Port charges Qg = Qgs + Qgd, Qd = −Qgd and their capacitance matrix.
    @inlinable @inline(__always)
    public func portCharges(_ v: PortVector) -> PortCharges {
        let s = polarity
        return PortCharges(gateSource: gateSourceDepletion.charge(s * v[0]), gateDrain: gateDrainDepletion.charge(s * (v[0] - v[1])), polarity: s)
    }

    /// Whether the JFET stores charge.
    public var hasCharge: Bool { parameters.gateSourceCapacitance != 0 || parameters.gateDrainCapacitance != 0 }

    /// Limits a Newton step: `pnjlim` and then `fetlim` on Vgs and Vgd, as SPICE does.
    @inlinable @inline(__always)
    public func limit(_ new: PortVector, old: PortVector) -> (PortVector, Bool) {
        let s = polarity
        let vto = parameters.thresholdVoltage
        var (vgs, a) = Junction.limit(s * new[0], old: s * old[0], nvt: vt, critical: criticalVoltage)
        var (vgd, b) = Junction.limit(s * (new[0] - new[1]), old: s * (old[0] - old[1]), nvt: vt, critical: criticalVoltage)
        vgs = Junction.limitFET(vgs, old: s * old[0], threshold: vto)
        vgd = Junction.limitFET(vgd, old: s * (old[0] - old[1]), threshold: vto)
        var r = new
        r[0] = s * vgs
        r[1] = s * (vgs - vgd)
        // `fetlim` moves volts; Vds rebuilt from Vgs − Vgd differs from `new` by rounding where
        // nothing acted.
        let moved = a || b || Junction.moved(r[0], from: new[0]) || Junction.moved(r[1], from: new[1])
        return (moved ? r : new, moved)
    }

    /// Newton's starting point: gate at zero, as SPICE starts a JFET.
    public var initialPortVoltages: PortVector { PortVector() }
}
