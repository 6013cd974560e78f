import Foundation

/// Physical constants and the pn-junction helpers shared by the semiconductor models.
public enum Junction {
    /// Boltzmann's constant k in J/K (the value ngspice uses).
    public static let boltzmann = 1.38064852e-23
    /// Elementary charge q in C (the value ngspice uses).
    public static let charge = 1.6021766208e-19
    /// 0 °C in kelvin.
    public static let zeroCelsius = 273.15
    /// The nominal temperature, 27 °C, at which models are specified and simulated.
    public static let nominalTemperature = 27.0
    /// The default minimum conductance placed across every junction (SPICE's GMIN), in siemens.
    public static let defaultGmin = 1e-12

    /// Thermal voltage V_t = kT/q at `celsius` degrees; 25.865 mV at 27 °C.
    @inlinable
    public static func thermalVoltage(celsius: Double = nominalTemperature) -> Double {
        thermalVoltage(kelvin: celsius + zeroCelsius)
    }

    /// Thermal voltage V_t = kT/q at `kelvin`.
    @inlinable
    public static func thermalVoltage(kelvin: Double) -> Double { boltzmann * kelvin / charge }

    /// Current and conductance of an ideal junction, I = IS·(exp(V/nVt) − 1), as SPICE evaluates it.
    ///
    /// Below −3·nVt the exponential is replaced by SPICE's smooth reverse-bias form
    /// I = −IS·(1 + (3·nVt/(V·e))³), which tends to −IS without the exponential's round-off.
    @inlinable @inline(__always)
    public static func current(_ v: Double, saturationCurrent isat: Double, nvt: Double) -> (i: Double, g: Double) {
        current(v, saturationCurrent: isat, inverseNVt: 1 / nvt)
    }

    /// `current(_:saturationCurrent:nvt:)` with 1/(n·Vt) given, so that the per-sample path divides
    /// nothing (devices keep the reciprocal).
    @inlinable @inline(__always)
    public static func current(_ v: Double, saturationCurrent isat: Double, inverseNVt k: Double) -> (i: Double, g: Double) {
        let x = v * k  // V/nVt
        if x >= -3 { return current(exponential: exp(min(x, maxExponent)), saturationCurrent: isat, inverseNVt: k) }
        var a = 3 / (x * M_E)
        a = a * a * a
        return (-isat * (1 + a), isat * 3 * a / v)
    }

    /// Current and conductance, IS·(e − 1) and IS·e/(n·Vt), from the exponential e = exp(V/nVt)
    /// computed by the caller (for V ≥ −3·nVt, where SPICE uses the exponential).
    @inlinable @inline(__always)
    public static func current(exponential e: Double, saturationCurrent isat: Double, inverseNVt k: Double) -> (i: Double, g: Double) {
        (isat * (e - 1), isat * e * k)
    }

    /// Largest argument passed to `exp` in the junction equations; beyond it the current grows linearly.
    /// Voltage limiting keeps Newton far below it, so it only guards against overflow.
    public static let maxExponent = 80.0

    /// The critical voltage of a junction, nVt·ln(nVt/(√2·IS)), above which Newton steps are limited.
    @inlinable
    public static func criticalVoltage(saturationCurrent isat: Double, nvt: Double) -> Double {
        nvt * log(nvt / (2.0.squareRoot() * isat))
    }

    /// SPICE's `pnjlim`: limits the change of a junction voltage between Newton iterations so that
    /// the exponential cannot overflow or overshoot. Returns the limited voltage and whether it was limited.
    ///
    /// With `jumpToCritical`, a junction below its critical voltage that Newton sends beyond it goes
    /// to the critical voltage in one step (where its current is nVt/√2 amperes, whatever IS),
    /// instead of climbing there by N·Vt·ln(1 + Δv/N·Vt) per iteration, a few tens of millivolts
    /// at a time. Below the critical voltage the exponential cannot overshoot dangerously; what the
    /// climb costs is iterations, and for a transistor whose base resistance depends on its bias
    /// (RBM, IRB: with IRB it collapses from RB to RBM as the base current rises) they are spent
    /// where Newton's linearization of rb is useless, and the steps cycle.
    ///
    /// From `riseOnset` up (below the critical voltage), every rise of a forward-biased junction
    /// (`old` > 0) is taken the same way, in its current: to N·Vt·ln(1 + Δv/N·Vt) above `old`,
    /// where the exponential carries what its tangent at `old` predicted. Below the critical
    /// voltage a step cannot overflow the exponential, but it can still overshoot the solution by
    /// tens of millivolts where the junction turns on into a high resistance — a transistor's
    /// collector junction as it saturates — and Newton then comes back over several iterations.
    /// Such a step counts as limited only where it moved by more than rounding.
    @inlinable @inline(__always)
    public static func limit(_ new: Double, old: Double, nvt: Double, critical: Double, jumpToCritical: Bool = false,
                             riseOnset: Double = .infinity) -> (Double, Bool) {
        let beyond = new > critical && abs(new - old) > 2 * nvt
        if beyond || (new > riseOnset && new > old && old > 0) {
            if beyond && jumpToCritical && old < critical { return (critical, true) }
            if old > 0 {
                let arg = 1 + (new - old) / nvt
                let limited = arg > 0 ? old + nvt * log(arg) : critical
                return (limited, beyond || moved(limited, from: new))
            }
            return (nvt * log(new / nvt), true)
        }
        if new < 0 {
            let floor = old > 0 ? -old - 1 : 2 * old - 1
            if new < floor { return (floor, true) }
        }
        return (new, false)
    }

    /// Whether a limited voltage `a` moved from the unlimited `b` by more than rounding (10⁻⁹
    /// relative, 10⁻⁹ V absolute): a FET's limits move volts, while its voltages rebuilt from
    /// differences (Vds from Vgs − Vgd) differ from the input by rounding where no limit acted.
    @inlinable @inline(__always)
    public static func moved(_ a: Double, from b: Double) -> Bool { !(abs(a - b) <= 1e-9 * (1 + abs(b))) }

    /// SPICE's `fetlim`: limits the change of a FET's gate voltage between Newton iterations
    /// depending on where it stands relative to the threshold `vto`.
    @inlinable @inline(__always)
    public static func limitFET(_ new: Double, old: Double, threshold vto: Double) -> Double {
        let vtsthi = abs(2 * (old - vto)) + 2
        let vtstlo = abs(old - vto) + 1
        let vtox = vto + 3.5
        let delta = new - old
        var v = new
        if old >= vto {
            if old >= vtox {
                if delta <= 0 {
                    if v >= vtox {
                        if -delta > vtstlo { v = old - vtstlo }
                    } else {
                        v = max(v, vto + 2)
                    }
                } else if delta >= vtsthi {
                    v = old + vtsthi
                }
            } else {
                v = delta <= 0 ? max(v, vto - 0.5) : min(v, vto + 4)
            }
        } else {
            if delta <= 0 {
                if -delta > vtsthi { v = old - vtsthi }
            } else {
                let vtemp = vto + 0.5
                if v <= vtemp {
                    if delta > vtstlo { v = old + vtstlo }
                } else {
                    v = vtemp
                }
            }
        }
        return v
    }
}

/// The charge of a junction's depletion capacitance, C(V) = CJ0/(1 − V/VJ)^M, continued linearly
/// above FC·VJ as SPICE does so that it stays finite in forward bias.
public struct DepletionCharge: Hashable, Sendable {
    /// Zero-bias capacitance CJ0 in farads.
    public let zeroBiasCapacitance: Double
    /// Built-in potential VJ in volts.
    public let potential: Double
    /// Grading coefficient M.
    public let grading: Double
    /// The voltage FC·VJ above which the capacitance is linearized.
    public let linearizationVoltage: Double
    @usableFromInline let f1: Double
    @usableFromInline let f2: Double
    @usableFromInline let f3: Double
    /// 1/VJ, VJ·CJ0/(1 − M), CJ0/f2 and M/(2·VJ), so that an evaluation divides nothing.
    @usableFromInline let inversePotential: Double, chargeScale: Double, forwardScale: Double, forwardSlope: Double
    /// a ↦ a^−M.
    @usableFromInline let power: FixedPower

    /// A depletion charge with zero-bias capacitance `cj0`, potential `vj`, grading `m` and
    /// forward-bias coefficient `fc`.
    public init(cj0: Double, vj: Double, m: Double, fc: Double) {
        zeroBiasCapacitance = cj0
        potential = vj
        grading = m
        linearizationVoltage = fc * vj
        // f1 = VJ·(1 − (1 − FC)^(1−M))/(1 − M); f2 = (1 − FC)^(1+M); f3 = 1 − FC·(1 + M)
        f1 = vj * (1 - pow(1 - fc, 1 - m)) / (1 - m)
        f2 = pow(1 - fc, 1 + m)
        f3 = 1 - fc * (1 + m)
        inversePotential = 1 / vj
        chargeScale = vj * cj0 / (1 - m)
        forwardScale = cj0 / f2
        forwardSlope = m / (2 * vj)
        power = FixedPower(exponent: -m)
    }

    /// Charge and capacitance below FC·VJ from a = 1 − V/VJ and s = a^−M computed by the caller:
    /// Q = VJ·CJ0·(1 − a·s)/(1 − M), C = CJ0·s.
    @inlinable @inline(__always)
    public func charge(argument a: Double, power s: Double) -> (q: Double, c: Double) {
        (chargeScale * (1 - a * s), zeroBiasCapacitance * s)
    }

    /// Charge Q(V) and capacitance dQ/dV.
    @inlinable @inline(__always)
    public func charge(_ v: Double) -> (q: Double, c: Double) {
        let cj0 = zeroBiasCapacitance
        if cj0 == 0 { return (0, 0) }
        if v < linearizationVoltage {
            let arg = 1 - v * inversePotential
            return charge(argument: arg, power: power(arg))
        }
        let fcv = linearizationVoltage
        let k = forwardScale
        let q = cj0 * f1 + k * (f3 * (v - fcv) + forwardSlope * (v * v - fcv * fcv))
        return (q, k * (f3 + grading * v * inversePotential))
    }
}
