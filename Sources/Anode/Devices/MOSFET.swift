import Foundation

/// SPICE's MOSFET of level 1 (Shichman–Hodges square law with body effect) or level 3 (the
/// semi-empirical short-channel model, `MOSFETLevel3`), N- or P-channel. Level 1:
///
///     β = KP·W/(L − 2·LD),   Von = VTO + GAMMA·(√(PHI − Vbs) − √PHI)
///     Id = 0                                       Vgs ≤ Von
///     Id = β·(1 + LAMBDA·Vds)·Vds·(Vgs − Von − Vds/2)   0 < Vds < Vgs − Von
///     Id = β/2·(1 + LAMBDA·Vds)·(Vgs − Von)²        otherwise
///
/// For Vds < 0 source and drain swap roles. The bulk-drain and bulk-source junctions are diodes
/// (IS or JS·area, with GMIN) with depletion charges (CBD/CBS or CJ·area + CJSW·perimeter). The
/// overlap capacitances CGSO·W, CGDO·W, CGBO·L (and Anode's fixed CGS, CGD) are linear capacitors,
/// and RD, RS linear resistors, outside these equations; so at level 3, whose channel alone differs.
/// Meyer's gate capacitances, which need TOX (level 3: always, TOX defaults to 100 nm), are not
/// modeled. Source: ngspice manual ch. 11 (MOS levels 1 and 3).
public struct MOSFET: Hashable, Sendable {
    /// The parameters of a `.model NAME NMOS(LEVEL=1 ...)` or `PMOS(...)` card (or `LEVEL=3`).
    public struct Parameters: ModelParameters {
        /// LEVEL: 1 or 3. Set before the card is read (`level(of:)`), so that the parameters of the
        /// other level are reported as not modeled.
        public var level = 1
        /// VTO: zero-bias threshold voltage, V (negative for a P-channel enhancement part).
        public var thresholdVoltage = 0.0
        /// KP: transconductance parameter, A/V²; nil to derive it from UO and TOX.
        public var transconductance: Double? = nil
        /// GAMMA: bulk threshold parameter, √V.
        public var gamma = 0.0
        /// PHI: surface potential, V.
        public var phi = 0.6
        /// LAMBDA: channel-length modulation, 1/V.
        public var lambda = 0.0
        /// RD: drain ohmic resistance, Ω.
        public var drainResistance = 0.0
        /// RS: source ohmic resistance, Ω.
        public var sourceResistance = 0.0
        /// CBD: zero-bias bulk-drain junction capacitance, F; nil to use CJ·AD.
        public var bulkDrainCapacitance: Double? = nil
        /// CBS: zero-bias bulk-source junction capacitance, F; nil to use CJ·AS.
        public var bulkSourceCapacitance: Double? = nil
        /// IS: bulk junction saturation current, A.
        public var saturationCurrent = 1e-14
        /// JS: bulk junction saturation current per area, A/m²; used when AD/AS are given.
        public var saturationCurrentDensity = 0.0
        /// PB: bulk junction potential, V.
        public var junctionPotential = 0.8
        /// CGSO: gate-source overlap capacitance per meter of channel width, F/m.
        public var gateSourceOverlap = 0.0
        /// CGDO: gate-drain overlap capacitance per meter of channel width, F/m.
        public var gateDrainOverlap = 0.0
        /// CGBO: gate-bulk overlap capacitance per meter of channel length, F/m.
        public var gateBulkOverlap = 0.0
        /// CGS: a fixed gate-source capacitance, F (the form LTspice-style cards use; not in ngspice).
        public var gateSourceCapacitance = 0.0
        /// CGD: a fixed gate-drain capacitance, F (the form LTspice-style cards use; not in ngspice).
        public var gateDrainCapacitance = 0.0
        /// CJ: zero-bias bulk junction bottom capacitance per area, F/m².
        public var bottomCapacitance = 0.0
        /// MJ: bulk junction bottom grading coefficient.
        public var bottomGrading = 0.5
        /// CJSW: zero-bias bulk junction sidewall capacitance per meter of perimeter, F/m.
        public var sidewallCapacitance = 0.0
        /// MJSW: bulk junction sidewall grading coefficient.
        public var sidewallGrading = 0.5
        /// FC: forward-bias depletion capacitance coefficient.
        public var depletionCoefficient = 0.5
        /// LD: lateral diffusion, m.
        public var lateralDiffusion = 0.0
        /// TOX: oxide thickness, m; used to derive KP when KP is not given, and for flicker noise.
        public var oxideThickness: Double? = nil
        /// UO: surface mobility, cm²/V·s; only used to derive KP with TOX.
        public var mobility = 600.0
        /// TNOM: the temperature the card's values hold at, °C; nil for the circuit's (`.options tnom`).
        public var nominalTemperature: Double? = nil
        /// KF: flicker-noise coefficient (`.noise`: KF·|Id|^AF/(f·W·Leff·Cox²), Cox from TOX or 100 nm).
        public var flickerCoefficient = 0.0
        /// AF: flicker-noise exponent.
        public var flickerExponent = 1.0
        /// Whether the card gives VTO, GAMMA, PHI (level 3 derives those it does not from NSUB).
        public var thresholdGiven = false, gammaGiven = false, phiGiven = false

        // Level 3 only.
        /// NSUB: substrate doping, 1/cm³ (derives PHI, GAMMA, VTO where not given, and α).
        public var substrateDoping: Double? = nil
        /// TPG: gate type (+1 opposite to the substrate, −1 same, 0 aluminium); 1 when NSUB is given.
        public var gateType: Double? = nil
        /// NSS: surface state density, 1/cm² (for VTO from NSUB).
        public var surfaceStateDensity = 0.0
        /// NFS: fast surface state density, 1/cm² (weak inversion when nonzero).
        public var fastSurfaceStateDensity = 0.0
        /// XJ: metallurgical junction depth, m (short-channel threshold).
        public var junctionDepth = 0.0
        /// DELTA: width effect on the threshold.
        public var narrowWidthFactor = 0.0
        /// THETA: mobility modulation by the gate, 1/V.
        public var mobilityModulation = 0.0
        /// ETA: static feedback (drain-induced threshold shift).
        public var staticFeedback = 0.0
        /// KAPPA: saturation field factor (channel-length modulation).
        public var saturationFieldFactor = 0.2
        /// VMAX: maximum carrier drift velocity, m/s (0: none).
        public var maximumDriftVelocity = 0.0
        /// WD: width narrowing per side, m; XL, XW: length and width adjustments, m.
        public var widthNarrowing = 0.0, lengthAdjust = 0.0, widthAdjust = 0.0

        /// SPICE's defaults (level 1).
        public init() {}

        /// The defaults of a card of `level` (level 3: TOX 100 nm, so that KP = UO·Cox).
        public init(level: Int) {
            self.level = level
            if level == 3 { oxideThickness = 1e-7 }
        }

        /// The parameters level 3 reads and level 1 does not.
        static let level3Names: Set<String> = ["nsub", "nss", "tpg", "nfs", "xj", "delta", "theta", "eta", "kappa", "vmax", "wd", "xl", "xw"]

        /// Sets the parameter `name` (lower case) from a `.model` card; nil for a name the model does not know.
        public mutating func set(_ name: String, to value: Double) -> ParameterSupport? {
            switch name {
            case "vto", "vt0": thresholdVoltage = value; thresholdGiven = true
            case "kp": transconductance = value
            case "gamma": gamma = value; gammaGiven = true
            case "phi": phi = value; phiGiven = true
            case "lambda": lambda = value
            case "rd": drainResistance = value
            case "rs": sourceResistance = value
            case "cbd": bulkDrainCapacitance = value
            case "cbs": bulkSourceCapacitance = value
            case "is": saturationCurrent = value
            case "js": saturationCurrentDensity = value
            case "pb": junctionPotential = value
            case "cgso": gateSourceOverlap = value
            case "cgdo": gateDrainOverlap = value
            case "cgbo": gateBulkOverlap = value
            case "cgs": gateSourceCapacitance = value
            case "cgd": gateDrainCapacitance = value
            case "cj": bottomCapacitance = value
            case "mj": bottomGrading = value
            case "cjsw": sidewallCapacitance = value
            case "mjsw": sidewallGrading = value
            case "fc": depletionCoefficient = value
            case "ld": lateralDiffusion = value
            case "tox":
                oxideThickness = value
                if level == 3 { return .modeled }
                return .ignored(reason: "TOX only sets KP here (when KP is not given); Meyer's gate capacitances are not modeled", neutral: nil)
            case "uo", "u0": mobility = value
            case "level": return Double(level) == value ? .modeled : nil
            case "tnom": nominalTemperature = value
            case "kf": flickerCoefficient = value
            case "af": flickerExponent = value
            case _ where level == 3 && Self.level3Names.contains(name):
                switch name {
                case "nsub": substrateDoping = value
                case "tpg": gateType = value
                case "nss": surfaceStateDensity = value
                case "nfs": fastSurfaceStateDensity = value
                case "xj": junctionDepth = value
                case "delta": narrowWidthFactor = value
                case "theta": mobilityModulation = value
                case "eta": staticFeedback = value
                case "kappa": saturationFieldFactor = value
                case "vmax": maximumDriftVelocity = value
                case "wd": widthNarrowing = value
                case "xl": lengthAdjust = value
                default: widthAdjust = value
                }
            case "nsub", "nss", "tpg", "nfs", "xj", "rsh", "delta", "theta", "eta", "kappa", "vmax", "ucrit", "uexp", "utra", "neff", "xqc", "wd", "xl", "xw":
                return .ignored(reason: level == 3 ? "RSH (with NRD, NRS) is not modeled; RD and RS are"
                                : "it belongs to other MOSFET levels or derived parameters; level 1 uses VTO, KP, GAMMA and PHI as given", neutral: nil)
            default: return nil
            }
            return .modeled
        }

        /// The first parameter whose value is impossible, and why; nil when all are possible.
        public func invalidParameter() -> (name: String, problem: String)? {
            if let kp = transconductance, !(kp > 0) { return ("kp", "must be positive") }
            if gamma < 0 { return ("gamma", "must not be negative") }
            if !(phi > 0) { return ("phi", "must be positive") }
            if drainResistance < 0 { return ("rd", "must not be negative") }
            if sourceResistance < 0 { return ("rs", "must not be negative") }
            if !(saturationCurrent > 0) { return ("is", "must be positive") }
            if !(junctionPotential > 0) { return ("pb", "must be positive") }
            if !(bottomGrading >= 0 && bottomGrading < 1) { return ("mj", "must be at least 0 and below 1") }
            if !(sidewallGrading >= 0 && sidewallGrading < 1) { return ("mjsw", "must be at least 0 and below 1") }
            if !(depletionCoefficient >= 0 && depletionCoefficient < 1) { return ("fc", "must be at least 0 and below 1") }
            if let tox = oxideThickness, !(tox > 0) { return ("tox", "must be positive") }
            if level == 3 {
                if let nsub = substrateDoping, !(nsub > 0) { return ("nsub", "must be positive") }
                if junctionDepth < 0 { return ("xj", "must not be negative") }
                if !(mobility > 0) { return ("uo", "must be positive") }
                if maximumDriftVelocity < 0 { return ("vmax", "must not be negative") }
                if saturationFieldFactor < 0 { return ("kappa", "must not be negative") }
                if mobilityModulation < 0 { return ("theta", "must not be negative") }
                if fastSurfaceStateDensity < 0 { return ("nfs", "must not be negative") }
            }
            for (name, value) in [("cbd", bulkDrainCapacitance ?? 0), ("cbs", bulkSourceCapacitance ?? 0), ("cgso", gateSourceOverlap), ("cgdo", gateDrainOverlap),
                                  ("cgbo", gateBulkOverlap), ("cgs", gateSourceCapacitance), ("cgd", gateDrainCapacitance), ("cj", bottomCapacitance), ("cjsw", sidewallCapacitance)] where value < 0 {
                return (name, "must not be negative")
            }
            return nil
        }

        /// KP as given, or UO·εox/TOX, or SPICE's default 2e-5 A/V².
        public var effectiveTransconductance: Double {
            if let kp = transconductance { return kp }
            if let tox = oxideThickness { return mobility * 1e-4 * 3.9 * 8.854214871e-12 / tox }
            return 2e-5
        }

        /// α = 2·εsi/(q·NSUB) of level 3 (NSUB in 1/m³), m²/V; 0 without NSUB.
        public var level3Alpha: Double {
            guard let nsub = substrateDoping else { return 0 }
            return 2 * MOSFETLevel3.siliconPermittivity / (Junction.charge * nsub * 1e6)
        }

        /// A level-3 card with PHI, GAMMA and VTO derived from NSUB where not given, as ngspice's
        /// mos3temp does at TNOM (`t`), for polarity `type`:
        ///
        ///     PHI = max(0.1, 2·Vt·ln(NSUB/ni)),   GAMMA = √(2·εsi·q·NSUB)/Cox
        ///     VTO = Vfb + type·(GAMMA·√PHI + PHI),   Vfb = Φms − q·NSS/Cox
        ///     Φms = (3.25 + Eg/2 − type·TPG·Eg/2 with TPG ≠ 0, else 3.2) − (3.25 + Eg/2 + type·PHI/2)
        ///
        /// with ni = 1.45·10¹⁰·(T/300)^1.5·exp(Eg/(2·k)·(1/300 − 1/T)) per cm³. NSUB at or below ni
        /// is an error.
        func level3Derived(_ t: DeviceTemperature, polarity type: Double) throws(NetlistError) -> Parameters {
            guard level == 3, let nsub = substrateDoping else { return self }
            var p = self
            let tnom = t.nominalKelvin, vtnom = t.nominalVt
            let eg = DeviceTemperature.bandGap(tnom)
            let intrinsic = 1.45e16 * pow(tnom / 300, 1.5) * exp(0.5 * eg * (1 / 300 - 1 / tnom) / (vtnom / tnom))
            guard nsub * 1e6 > intrinsic else { throw NetlistError("NSUB = \(nsub) /cm³ is not above the intrinsic density \(intrinsic / 1e6) /cm³", at: nil) }
            let cox = 3.9 * 8.854214871e-12 / (oxideThickness ?? 1e-7)
            if !phiGiven { p.phi = max(0.1, 2 * vtnom * log(nsub * 1e6 / intrinsic)) }
            var workFunction = 3.2
            let tpg = gateType ?? 1
            if tpg != 0 { workFunction = 3.25 + 0.5 * eg - type * tpg * 0.5 * eg }
            let difference = workFunction - (3.25 + 0.5 * eg + type * 0.5 * p.phi)
            if !gammaGiven { p.gamma = (2 * MOSFETLevel3.siliconPermittivity * Junction.charge * nsub * 1e6).squareRoot() / cox }
            if !thresholdGiven {
                let flatBand = difference - surfaceStateDensity * 1e4 * Junction.charge / cox
                p.thresholdVoltage = flatBand + type * (p.gamma * p.phi.squareRoot() + p.phi)
            }
            return p
        }

        /// The LEVEL a card gives (1 when none), read before its other parameters.
        static func level(of model: ModelStatement, in scope: Scope) throws(NetlistError) -> Int {
            guard let a = model.parameters.last(where: { $0.name == "level" }), let text = a.value else { return 1 }
            let value = try scope.evaluate(text)
            return value == 3 ? 3 : 1
        }
    }

    /// The geometry of one instance (`M1 d g s b model L=… W=…`).
    public struct Geometry: Hashable, Sendable {
        /// L: channel length, m.
        public var length = 100e-6
        /// W: channel width, m.
        public var width = 100e-6
        /// AD: drain diffusion area, m².
        public var drainArea = 0.0
        /// AS: source diffusion area, m².
        public var sourceArea = 0.0
        /// PD: drain junction perimeter, m.
        public var drainPerimeter = 0.0
        /// PS: source junction perimeter, m.
        public var sourcePerimeter = 0.0
        /// SPICE's default geometry (L = W = 100 µm).
        public init() {}
    }

    /// +1 for NMOS, −1 for PMOS.
    public let polarity: Double
    /// The parameters, taken to the instance's temperature.
    public let parameters: Parameters
    /// The instance geometry.
    public let geometry: Geometry
    /// β = m·KP·W/(L − 2·LD), A/V² (level 1's; level 3 keeps its own).
    public let beta: Double
    /// Thermal voltage, V.
    public let vt: Double
    /// Bulk-drain and bulk-source saturation currents, A.
    public let drainSaturationCurrent: Double, sourceSaturationCurrent: Double
    /// Bulk junction depletion charges (bottom and sidewall).
    public let drainBottom: DepletionCharge, drainSidewall: DepletionCharge
    /// Bulk junction depletion charges of the source side.
    public let sourceBottom: DepletionCharge, sourceSidewall: DepletionCharge
    /// Conductance across each bulk junction, S.
    public let gmin: Double
    /// The level-3 channel; nil at level 1.
    public let level3: MOSFETLevel3?
    /// Whether `level3` is set (read on the hot path instead of the optional, which would be copied).
    @usableFromInline let isLevel3: Bool

    /// A MOSFET: `nChannel` false for PMOS.
    ///
    /// At `temperature` °C, the card's values holding at its TNOM or else at `nominalTemperature`
    /// (ngspice's MOS1temp):
    ///
    ///     KP(T) = KP·(T/Tnom)^−1.5          IS(T) = IS·exp(Eg(Tnom)/Vt(Tnom) − Eg(T)/Vt(T))  (JS too)
    ///     VTO(T) = VTO − type·GAMMA·√PHI + (Eg(Tnom) − Eg(T))/2 + type·(PHI(T) − PHI)/2 + type·GAMMA·√PHI(T)
    ///
    /// with PHI, PB and the bulk capacitances by `DeviceTemperature`'s junction law (MJ, MJSW).
    ///
    /// Level 3 derives PHI, GAMMA and VTO from NSUB first (`Parameters.level3Derived`). At either
    /// level, `multiplier` devices in parallel (the instance's `m`) scale β, the junctions'
    /// saturation currents and capacitances and the overlap capacitances, and divide RD and RS,
    /// as ngspice does (equal, in ngspice, to W·m with IS, CBD, CBS times m and RD, RS over m).
    public init(nChannel: Bool, _ parameters: Parameters, geometry: Geometry = Geometry(), multiplier: Double = 1, gmin: Double = Junction.defaultGmin,
                temperature: Double = Junction.nominalTemperature, nominalTemperature: Double = Junction.nominalTemperature) throws(NetlistError) {
        try parameters.validate()
        let level3 = parameters.level == 3
        let length = geometry.length - 2 * parameters.lateralDiffusion + (level3 ? parameters.lengthAdjust : 0)
        let width = geometry.width - (level3 ? 2 * parameters.widthNarrowing - parameters.widthAdjust : 0)
        guard length > 0, width > 0, geometry.length.isFinite, geometry.width.isFinite, multiplier > 0 else {
            throw NetlistError(level3 ? "channel width W − 2·WD + XW and length L − 2·LD + XL must be positive" : "channel width and effective length L − 2·LD must be positive", at: nil)
        }
        let t = DeviceTemperature(celsius: temperature, nominalCelsius: parameters.nominalTemperature ?? nominalTemperature)
        polarity = nChannel ? 1 : -1
        let p = Self.atTemperature(try parameters.level3Derived(t, polarity: polarity), t, polarity: polarity)
        try t.require("PHI", p.phi)
        try t.require("PB", p.junctionPotential)
        try t.require("IS", p.saturationCurrent)
        var scaled = p
        scaled.drainResistance /= multiplier
        scaled.sourceResistance /= multiplier
        self.parameters = scaled
        self.geometry = geometry
        self.gmin = gmin
        vt = t.vt
        beta = p.effectiveTransconductance * multiplier * width / length
        isLevel3 = level3
        self.level3 = level3 ? MOSFETLevel3(p, length: geometry.length, width: geometry.width, multiplier: multiplier, polarity: polarity, temperature: t) : nil
        let m = multiplier
        let js = p.saturationCurrentDensity
        drainSaturationCurrent = m * (js > 0 && geometry.drainArea > 0 ? js * geometry.drainArea : p.saturationCurrent)
        sourceSaturationCurrent = m * (js > 0 && geometry.sourceArea > 0 ? js * geometry.sourceArea : p.saturationCurrent)
        let pb = p.junctionPotential, fc = p.depletionCoefficient
        drainBottom = DepletionCharge(cj0: m * (p.bulkDrainCapacitance ?? p.bottomCapacitance * geometry.drainArea), vj: pb, m: p.bottomGrading, fc: fc)
        sourceBottom = DepletionCharge(cj0: m * (p.bulkSourceCapacitance ?? p.bottomCapacitance * geometry.sourceArea), vj: pb, m: p.bottomGrading, fc: fc)
        drainSidewall = DepletionCharge(cj0: m * p.sidewallCapacitance * geometry.drainPerimeter, vj: pb, m: p.sidewallGrading, fc: fc)
        sourceSidewall = DepletionCharge(cj0: m * p.sidewallCapacitance * geometry.sourcePerimeter, vj: pb, m: p.sidewallGrading, fc: fc)
        effectiveLength = length
        effectiveWidth = width * m
    }

    /// The channel's effective length (L − 2·LD, level 3: + XL), m.
    public let effectiveLength: Double
    /// The channel's effective width, of all devices in parallel (level 3: m·(W − 2·WD + XW)), m;
    /// the overlap capacitances CGSO and CGDO are per meter of it, CGBO per meter of the length.
    public let effectiveWidth: Double

    /// The parameters `p` (at their nominal temperature) taken to temperature `t` (see `init`).
    static func atTemperature(_ p: Parameters, _ t: DeviceTemperature, polarity type: Double) -> Parameters {
        var q = p
        if t.isNominal { return q }
        q.transconductance = p.effectiveTransconductance / (t.ratio * t.ratio.squareRoot())
        q.phi = t.junction(potential: p.phi, capacitance: 0, grading: 0).potential
        let gapNominal = DeviceTemperature.bandGap(t.nominalKelvin), gap = DeviceTemperature.bandGap(t.kelvin)
        let builtIn = p.thresholdVoltage - type * p.gamma * p.phi.squareRoot() + (gapNominal - gap) / 2 + type * (q.phi - p.phi) / 2
        q.thresholdVoltage = builtIn + type * p.gamma * q.phi.squareRoot()
        let isFactor = exp(gapNominal / t.nominalVt - gap / t.vt)
        q.saturationCurrent *= isFactor
        q.saturationCurrentDensity *= isFactor
        let bottom = t.junction(potential: p.junctionPotential, capacitance: 1, grading: p.bottomGrading)
        let side = t.junction(potential: p.junctionPotential, capacitance: 1, grading: p.sidewallGrading)
        q.junctionPotential = bottom.potential
        q.bulkDrainCapacitance = p.bulkDrainCapacitance.map { $0 * bottom.capacitance }
        q.bulkSourceCapacitance = p.bulkSourceCapacitance.map { $0 * bottom.capacitance }
        q.bottomCapacitance *= bottom.capacitance
        q.sidewallCapacitance *= side.capacitance
        return q
    }

    /// Threshold voltage Von(Vbs) and dVon/dVbs (SPICE continues √(PHI − Vbs) linearly for Vbs > 0).
    @inlinable @inline(__always)
    public func threshold(vbs: Double) -> (von: Double, dvon: Double) {
        let phi = parameters.phi, gamma = parameters.gamma
        let sqrtPhi = phi.squareRoot()
        var sarg: Double, dsarg: Double
        if vbs <= 0 {
            sarg = (phi - vbs).squareRoot()
            dsarg = -1 / (2 * sarg)
        } else {
            sarg = sqrtPhi - vbs / (2 * sqrtPhi)
            dsarg = -1 / (2 * sqrtPhi)
            if sarg < 0 { sarg = 0; dsarg = 0 }
        }
        return (parameters.thresholdVoltage * polarity + gamma * (sarg - sqrtPhi), gamma * dsarg)
    }

    /// Channel current in normal mode (Vds ≥ 0) and its derivatives (N orientation: the caller
    /// passes polarity-corrected voltages; VTO is read with the model's sign as SPICE does).
    @inlinable @inline(__always)
    func forwardCurrent(vgs: Double, vds: Double, vbs: Double) -> (id: Double, gm: Double, gds: Double, gmbs: Double) {
        if isLevel3 { return Self.level3Current(level3.unsafelyUnwrapped, vgs: vgs, vds: vds, vbs: vbs) }
        let (von, dvon) = threshold(vbs: vbs)
        let vgst = vgs - von
        if vgst <= 0 { return (0, 0, 0, 0) }
        let lambda = parameters.lambda
        let betap = beta * (1 + lambda * vds)
        if vgst <= vds {
            let id = betap * vgst * vgst / 2
            let gm = betap * vgst
            return (id, gm, lambda * beta * vgst * vgst / 2, -gm * dvon)
        }
        let id = betap * vds * (vgst - vds / 2)
        let gm = betap * vds
        return (id, gm, betap * (vgst - vds) + lambda * beta * vds * (vgst - vds / 2), -gm * dvon)
    }

    /// Level 3's channel current and its derivatives, kept out of level 1's inlined path.
    /// (A static function of the channel alone: a method would need the whole device, which the
    /// processor's loop would then copy for every call, level 1 too.)
    @usableFromInline @inline(never)
    static func level3Current(_ channel: MOSFETLevel3, vgs: Double, vds: Double, vbs: Double) -> (id: Double, gm: Double, gds: Double, gmbs: Double) {
        let i = channel.current(vgs: vgs, vds: vds, vbs: vbs)
        return (i.value, i.gradient[0], i.gradient[1], i.gradient[2])
    }

    /// Channel current Id(Vgs, Vds, Vbs) into the drain and its partial derivatives.
    @inlinable @inline(__always)
    public func channelCurrent(vgs: Double, vds: Double, vbs: Double) -> (id: Double, gm: Double, gds: Double, gmbs: Double) {
        // Inverse mode: Id = −f(Vgd, −Vds, Vbd), Vgd = Vgs − Vds, Vbd = Vbs − Vds (one call of f
        // either way, so that it is inlined once).
        let inverse = vds < 0
        let (i, gm, gds, gmbs) = inverse ? forwardCurrent(vgs: vgs - vds, vds: -vds, vbs: vbs - vds)
            : forwardCurrent(vgs: vgs, vds: vds, vbs: vbs)
        return inverse ? (-i, -gm, gm + gds + gmbs, -gmbs) : (i, gm, gds, gmbs)
    }

    /// Bulk junction current and conductance (SPICE's form: linear below −3·Vt).
    @inlinable @inline(__always)
    func bulkJunction(_ v: Double, saturationCurrent isat: Double) -> (i: Double, g: Double) {
        if v <= -3 * vt { return (gmin * v - isat, gmin) }
        let e = exp(min(v / vt, Junction.maxExponent))
        return (isat * (e - 1) + gmin * v, isat * e / vt + gmin)
    }

    // MARK: Ports (g,s), (d,s), (b,s)

    /// Port currents Ig = 0, Id, Ib and their Jacobian with respect to (Vgs, Vds, Vbs).
    @inlinable @inline(__always)
    public func portCurrents(_ v: PortVector) -> PortCurrents {
        let s = polarity
        let vgs = s * v[0], vds = s * v[1], vbs = s * v[2], vbd = vbs - vds
        let (id, gm, gds, gmbs) = channelCurrent(vgs: vgs, vds: vds, vbs: vbs)
        let (ibs, gbs) = bulkJunction(vbs, saturationCurrent: sourceSaturationCurrent)
        let (ibd, gbd) = bulkJunction(vbd, saturationCurrent: drainSaturationCurrent)
        var r = PortCurrents()
        r.current[1] = s * (id - ibd)
        r.current[2] = s * (ibd + ibs)
        r.conductance[1, 0] = gm
        r.conductance[1, 1] = gds + gbd
        r.conductance[1, 2] = gmbs - gbd
        r.conductance[2, 1] = -gbd
        r.conductance[2, 2] = gbd + gbs
        return r
    }

    /// Port charges of the bulk junctions: Qd = −Qbd, Qb = Qbd + Qbs.
    @inlinable @inline(__always)
    public func portCharges(_ v: PortVector) -> PortCharges {
        let s = polarity
        let vbs = s * v[2], vbd = s * (v[2] - v[1])
        let (q1, c1) = drainBottom.charge(vbd), (q2, c2) = drainSidewall.charge(vbd)
        let (q3, c3) = sourceBottom.charge(vbs), (q4, c4) = sourceSidewall.charge(vbs)
        let qbd = q1 + q2, cbd = c1 + c2, qbs = q3 + q4, cbs = c3 + c4
        var r = PortCharges()
        r.charge[1] = -s * qbd
        r.charge[2] = s * (qbd + qbs)
        r.capacitance[1, 1] = cbd
        r.capacitance[1, 2] = -cbd
        r.capacitance[2, 1] = -cbd
        r.capacitance[2, 2] = cbd + cbs
        return r
    }

    /// Whether the bulk junctions store charge.
    public var hasCharge: Bool {
        drainBottom.zeroBiasCapacitance != 0 || drainSidewall.zeroBiasCapacitance != 0
            || sourceBottom.zeroBiasCapacitance != 0 || sourceSidewall.zeroBiasCapacitance != 0
    }

    /// Limits a Newton step as SPICE's level-1 MOSFET does: `fetlim` on the gate voltage, `limvds`
    /// on Vds and `pnjlim` on the forward-biased bulk junction.
    @inlinable @inline(__always)
    public func limit(_ new: PortVector, old: PortVector) -> (PortVector, Bool) {
        let s = polarity
        var vgs = s * new[0], vds = s * new[1], vbs = s * new[2]
        let ogs = s * old[0], ods = s * old[1], obs = s * old[2]
        (vgs, vds) = MOSFET.limitChannel(vgs: vgs, vds: vds, old: (ogs, ods), threshold: limitingThreshold(vds: ods, vbs: obs))
        let critical = Junction.criticalVoltage(saturationCurrent: sourceSaturationCurrent, nvt: vt)
        var limited = false
        if vds >= 0 {
            (vbs, limited) = Junction.limit(vbs, old: obs, nvt: vt, critical: critical)
        } else {
            let (vbd, l) = Junction.limit(vbs - vds, old: obs - ods, nvt: vt, critical: critical)
            vbs = vbd + vds
            limited = l
        }
        // Whether any of the three limits acted. The gate's and drain's limits move volts, the
        // voltages rebuilt above differ from `new` by rounding at most where they did not act.
        let result = PortVector(s * vgs, s * vds, s * vbs, 0)
        let moved = limited || Junction.moved(result[0], from: new[0]) || Junction.moved(result[1], from: new[1])
        return (moved ? result : new, moved)
    }

    /// A MOSFET channel's Newton step from `old` (Vgs, Vds) to (`vgs`, `vds`), limited as SPICE's
    /// level 1 and ngspice's VDMOS limit it: `fetlim` on the gate voltage (Vgs, or Vgd while the
    /// drain acts as the source, Vgd held while Vgs moves) and then `limvds` on Vds.
    @inlinable @inline(__always)
    static func limitChannel(vgs: Double, vds: Double, old: (vgs: Double, vds: Double), threshold von: Double) -> (vgs: Double, vds: Double) {
        if old.vds >= 0 {
            let vgd = vgs - vds  // held while Vgs is limited
            let limited = Junction.limitFET(vgs, old: old.vgs, threshold: von)
            return (limited, limitVDS(limited - vgd, old: old.vds))
        }
        let vgd = Junction.limitFET(vgs - vds, old: old.vgs - old.vds, threshold: von)
        let limited = -limitVDS(-(vgs - vgd), old: -old.vds)
        return (vgd + limited, limited)
    }

    /// Von at (Vds, Vbs), as the gate's limit takes it (level 3: of the side acting as source).
    @inlinable @inline(__always)
    func limitingThreshold(vds: Double, vbs: Double) -> Double {
        if isLevel3 { return Self.level3Threshold(level3.unsafelyUnwrapped, vds: vds, vbs: vbs) }
        return threshold(vbs: vbs).von
    }

    /// `limitingThreshold` at level 3, out of level 1's inlined path.
    @usableFromInline @inline(never)
    static func level3Threshold(_ channel: MOSFETLevel3, vds: Double, vbs: Double) -> Double {
        channel.threshold(vds: Dual(abs(vds)), vbs: Dual(vds >= 0 ? vbs : vbs - vds)).von.value
    }

    /// SPICE's `limvds`: limits large steps of the drain-source voltage.
    @inlinable
    static func limitVDS(_ new: Double, old: Double) -> Double {
        if old >= 3.5 {
            return new > old ? min(new, 3 * old + 2) : (new < 3.5 ? max(new, 2) : new)
        }
        return new > old ? min(new, 4) : max(new, -0.5)
    }

    /// Newton's starting point as SPICE's: Vgs at the threshold, Vds = 0, Vbs = −1.
    public var initialPortVoltages: PortVector {
        PortVector(polarity * parameters.thresholdVoltage, 0, -polarity, 0)
    }
}
