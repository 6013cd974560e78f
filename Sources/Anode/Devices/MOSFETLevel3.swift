import Foundation

/// The channel of SPICE's level-3 MOSFET (Dang's semi-empirical short-channel model), as ngspice's
/// `mos3` computes it, for Vds ≥ 0 with voltages in N orientation (the caller swaps source and
/// drain for Vds < 0 and applies the polarity, as for level 1):
///
///     φb = PHI − Vbs  (Vbs ≤ 0; above, √φb = √PHI/(1 + Vbs/(2·PHI)))
///     Fs = 1 − (XJ/Leff)·((c₀ + c₁·wp/XJ + c₂·(wp/XJ)² + LD/XJ)·√(1 − (wp/(XJ + wp))²) − LD/XJ)
///                                          wp = √α·√φb, α = 2·εsi/(q·NSUB)   (short channel)
///     Fn = DELTA·π·εsi/(2·Cox·Weff)                                         (narrow channel)
///     Vth = Vbi − σ·Vds + GAMMA·Fs·√φb + Fn·φb,   σ = ETA·8.15·10⁻²²/(Cox·Leff³)
///     Fb = GAMMA·Fs/(4·√φb) + Fn
///     Von = Vth (+ Vt·(1 + q·NFS/Cox + (GAMMA·Fs·√φb + Fn·φb)/(2·φb)) with NFS)
///     Vgx = max(Vgs, Von),   μs = UO/(1 + THETA·(Vgx − Vth))
///     Vdsat = (Vgx − Vth)/(1 + Fb), or with VMAX (Vc = Leff·VMAX/μs, Va that ratio):
///             Va + Vc − √(Va² + Vc²)
///     Vdx = min(Vds, Vdsat)
///     Id = β·μs/UO·(Vgx − Vth − (1 + Fb)·Vdx/2)·Vdx          (β = KP·Weff/Leff)
///          ·1/(1 + Vdx/Vc)                                    (VMAX)
///          ·1/(1 − ΔL/Leff)                                   (channel-length modulation)
///          ·exp((Vgs − Von)/(Vt·xn))                           (weak inversion, Vgs < Von)
///
/// ΔL: without VMAX, √(KAPPA·α·(Vds − Vdsat + Vdsat/8)) in saturation and
/// √(KAPPA·α·Vdsat/8)·(Vds/Vdsat)⁴ below it (ngspice's smoothing at Vdsat); with VMAX, only in
/// saturation, √((Ep·α/2)² + KAPPA·α·(Vds − Vdsat)) − Ep·α/2 with Ep = KAPPA·Id/(Leff·gdsat),
/// gdsat = Id·(1 − Fd)/Vc (at least 10⁻¹²); above Leff/2 it becomes Leff − Leff²/(4·ΔL)
/// (punch-through). Its derivatives come exact from dual numbers. Sources: ngspice's mos3load.c and
/// mos3temp.c; the ngspice manual, ch. 11.
public struct MOSFETLevel3: Hashable, Sendable {
    /// β = KP(T)·Weff/Leff, A/V² (Weff of all `m` devices in parallel).
    public let beta: Double
    /// Leff = L − 2·LD + XL and one device's Weff = W − 2·WD + XW, m.
    public let effectiveLength: Double, effectiveWidth: Double
    /// Vbi at the temperature, V (N orientation).
    public let builtIn: Double
    /// PHI at the temperature, V; GAMMA, √V.
    public let phi: Double, gamma: Double
    /// √α (the depletion width coefficient, m/√V) and α = 2·εsi/(q·NSUB), 0 without NSUB.
    public let depletionWidthCoefficient: Double, alpha: Double
    /// XJ and LD, m.
    public let junctionDepth: Double, lateralDiffusion: Double
    /// DELTA·π·εsi/(2·Cox), m.
    public let narrowFactor: Double
    /// σ = ETA·8.15·10⁻²²/(Cox·Leff³), V/V.
    public let staticFeedback: Double
    /// q·NFS/Cox (NFS per m²); 0 without weak inversion.
    public let fastStateFactor: Double
    /// THETA, 1/V; KAPPA; VMAX, m/s.
    public let theta: Double, kappa: Double, maxDriftVelocity: Double
    /// UO at the temperature, m²/V·s.
    public let mobility: Double
    /// Thermal voltage, V.
    public let vt: Double

    /// εsi, F/m.
    public static let siliconPermittivity = 11.7 * 8.854214871e-12
    /// The short-channel polynomial's coefficients c₀, c₁, c₂.
    @usableFromInline static let shortChannel = (0.0631353, 0.8013292, -0.01110777)

    /// The channel of a card `p` already taken to its temperature (with PHI, GAMMA, VTO derived from
    /// NSUB at TNOM by `MOSFET.Parameters.level3Derived`); `width` is one device's drawn W,
    /// `multiplier` the count in parallel.
    init(_ p: MOSFET.Parameters, length: Double, width: Double, multiplier: Double, polarity: Double, temperature t: DeviceTemperature) {
        let cox = 3.9 * 8.854214871e-12 / (p.oxideThickness ?? 1e-7)
        effectiveLength = length - 2 * p.lateralDiffusion + p.lengthAdjust
        effectiveWidth = width - 2 * p.widthNarrowing + p.widthAdjust
        beta = p.effectiveTransconductance * multiplier * effectiveWidth / effectiveLength
        phi = p.phi
        gamma = p.gamma
        // Vbi = VTO(T) − type·GAMMA·√PHI(T), read in N orientation (the threshold's sign as SPICE's).
        builtIn = polarity * p.thresholdVoltage - p.gamma * p.phi.squareRoot()
        alpha = p.level3Alpha
        depletionWidthCoefficient = alpha.squareRoot()
        junctionDepth = p.junctionDepth
        lateralDiffusion = p.lateralDiffusion
        narrowFactor = p.narrowWidthFactor * 0.5 * Double.pi * Self.siliconPermittivity / cox
        staticFeedback = p.staticFeedback * 8.15e-22 / (cox * effectiveLength * effectiveLength * effectiveLength)
        fastStateFactor = Junction.charge * p.fastSurfaceStateDensity * 1e4 / cox
        theta = p.mobilityModulation
        kappa = p.saturationFieldFactor
        maxDriftVelocity = p.maximumDriftVelocity
        mobility = p.mobility * 1e-4 / (t.ratio * t.ratio.squareRoot())
        vt = t.vt
    }

    /// √φb = √(PHI − Vbs), continued as √PHI/(1 + Vbs/(2·PHI)) for Vbs > 0.
    @inlinable
    func rootSurfacePotential(_ vbs: Dual) -> Dual {
        if vbs.value <= 0 { return sqrt(Dual(phi) - vbs) }
        return Dual(phi.squareRoot()) / (Dual(1) + vbs / Dual(2 * phi))
    }

    /// The threshold Vth and Von at (Vds, Vbs), with weak inversion's slope factor xn (1 without NFS).
    @inlinable
    func threshold(vds: Dual, vbs: Dual) -> (vth: Dual, von: Dual, xn: Dual, bodyFactor: Dual) {
        let sq = rootSurfacePotential(vbs)
        let phibs = sq * sq
        var fshort = Dual(1)
        if junctionDepth != 0 && depletionWidthCoefficient != 0 {
            let (c0, c1, c2) = Self.shortChannel
            let wpOverXj = sq * Dual(depletionWidthCoefficient / junctionDepth)
            let ldOverXj = lateralDiffusion / junctionDepth
            let a = Dual(c0) + wpOverXj * Dual(c1) + wpOverXj * wpOverXj * Dual(c2) + Dual(ldOverXj)
            let c = wpOverXj / (Dual(1) + wpOverXj)
            let b = sqrt(Dual(1) - c * c)
            fshort = Dual(1) - Dual(junctionDepth / effectiveLength) * (a * b - Dual(ldOverXj))
        }
        let gammas = Dual(gamma) * fshort
        let narrow = narrowFactor / effectiveWidth
        let bodyFactor = gammas / (Dual(4) * sq) + Dual(narrow)
        let depletion = gammas * sq + Dual(narrow) * phibs
        let vth = Dual(builtIn) - Dual(staticFeedback) * vds + depletion
        guard fastStateFactor != 0 else { return (vth, vth, Dual(1), bodyFactor) }
        let xn = Dual(1 + fastStateFactor) + depletion / (Dual(2) * phibs)
        return (vth, vth + Dual(vt) * xn, xn, bodyFactor)
    }

    /// The channel current Id(Vgs, Vds, Vbs) for Vds ≥ 0 with its gradient in (Vgs, Vds, Vbs).
    @inlinable
    public func current(vgs: Double, vds: Double, vbs: Double) -> Dual {
        let g = Dual(vgs, PortVector(1, 0, 0, 0)), d = Dual(vds, PortVector(0, 1, 0, 0)), b = Dual(vbs, PortVector(0, 0, 1, 0))
        let (vth, von, xn, fbody) = threshold(vds: d, vbs: b)
        if fastStateFactor == 0 && vgs <= von.value { return Dual(0) }
        let vgx = vgs > von.value ? g : von
        let onfg = Dual(1) + Dual(theta) * (vgx - vth)
        let overdrive = (vgx - vth) / (Dual(1) + fbody)
        var vdsat = overdrive
        var vdsc = Dual(0)
        if maxDriftVelocity > 0 {
            // Vc = Leff·VMAX/μs with μs = UO/onfg.
            vdsc = Dual(effectiveLength * maxDriftVelocity / mobility) * onfg
            vdsat = overdrive + vdsc - sqrt(overdrive * overdrive + vdsc * vdsc)
        }
        let saturated = vds > vdsat.value
        let vdx = saturated ? vdsat : d
        var id = Dual(beta) * (vgx - vth - Dual(0.5) * (Dual(1) + fbody) * vdx) * vdx / onfg
        var fdrain = Dual(1)
        if maxDriftVelocity > 0 {
            fdrain = Dual(1) / (Dual(1) + vdx / vdsc)
            id = id * fdrain
        }
        // Channel-length modulation.
        var delta: Dual? = nil
        let ka = kappa * alpha
        if !saturated {
            if maxDriftVelocity <= 0, alpha != 0, ka > 0, vdsat.value > 0 {
                let r = d / vdsat, r2 = r * r
                delta = sqrt(Dual(ka / 8) * vdsat) * r2 * r2
            }
        } else if maxDriftVelocity <= 0 {
            if ka > 0 { delta = sqrt(Dual(ka) * (d - vdsat + vdsat / Dual(8))) }
        } else if alpha != 0 {
            var gdsat = id * (Dual(1) - fdrain) / vdsc
            if gdsat.value < 1e-12 { gdsat = Dual(1e-12) }
            let emax = Dual(kappa / effectiveLength) * id / gdsat
            let a = emax * Dual(0.5 * alpha)
            let root = sqrt(a * a + Dual(ka) * (d - vdsat))
            delta = root.value != 0 ? root - a : Dual(root.value - a.value)
        }
        if var dl = delta {
            let l = effectiveLength
            if dl.value > 0.5 * l { dl = Dual(l) - Dual(l * l / 4) / dl }
            id = id / (Dual(1) - dl / Dual(l))
        }
        if vgs < von.value {
            // Weak inversion (NFS): the current at Von, falling off by exp((Vgs − Von)/(Vt·xn)).
            id = id * exp((g - von) / (Dual(vt) * xn))
        }
        return id
    }
}

/// √x with its gradient.
@inlinable @inline(__always)
func sqrt(_ x: Dual) -> Dual {
    let r = x.value.squareRoot()
    return x.chain(r, 0.5 / r)
}

/// eˣ with its gradient.
@inlinable @inline(__always)
func exp(_ x: Dual) -> Dual {
    let e = Foundation.exp(x.value)
    return x.chain(e, e)
}
