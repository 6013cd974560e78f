import Foundation

/// The temperature a device runs at, and the nominal temperature TNOM at which its model card's
/// parameters hold, with SPICE's laws for how junction parameters follow the difference
/// (ngspice's DIOtemp, BJTtemp, JFETtemp and MOS1temp, TLEV = TLEVC = 0). Temperatures in kelvin:
///
///     Vt = k·T/q
///     Eg(T) = 1.16 − 7.02·10⁻⁴·T²/(T + 1108)                           silicon's band gap, eV
///     φ(T) = −2·Vt·(1.5·ln(T/Tref) + (q/2k)·(1.1150877/Tref − Eg(T)/T))  Tref = 300.15 K
///     IS(T) = IS·exp((T/Tnom − 1)·EG/(N·Vt) + (XTI/N)·ln(T/Tnom))
///     VJ(T) = (T/Tref)·VJ₀ + φ(T),   VJ₀ = (VJ − φ(Tnom))·Tref/Tnom
///     CJ(T) = CJ·(1 + M·(4·10⁻⁴·(T − Tref) − γ(T))) / (1 + M·(4·10⁻⁴·(Tnom − Tref) − γ(Tnom))),
///             γ(T) = VJ(T)/VJ₀ − 1
///
/// At T = Tnom every law is the identity.
public struct DeviceTemperature: Hashable, Sendable {
    /// The device's temperature, K.
    public let kelvin: Double
    /// The model card's nominal temperature TNOM, K.
    public let nominalKelvin: Double

    /// SPICE's reference temperature for the junction potential's law, 27 °C in kelvin.
    public static let referenceKelvin = Junction.nominalTemperature + Junction.zeroCelsius
    /// 27 °C for both: every law the identity.
    public static let nominal = DeviceTemperature()

    /// A device at `celsius` whose model card holds at `nominalCelsius` (TNOM).
    public init(celsius: Double = Junction.nominalTemperature, nominalCelsius: Double = Junction.nominalTemperature) {
        kelvin = celsius + Junction.zeroCelsius
        nominalKelvin = nominalCelsius + Junction.zeroCelsius
    }

    /// The device's temperature, °C.
    public var celsius: Double { kelvin - Junction.zeroCelsius }
    /// The thermal voltage k·T/q at the device's temperature, V.
    public var vt: Double { Junction.thermalVoltage(kelvin: kelvin) }
    /// The thermal voltage at TNOM, V.
    public var nominalVt: Double { Junction.thermalVoltage(kelvin: nominalKelvin) }
    /// T − Tnom, K.
    public var difference: Double { kelvin - nominalKelvin }
    /// T/Tnom.
    public var ratio: Double { kelvin / nominalKelvin }
    /// Whether T = Tnom, where every law is the identity (and is not evaluated, so that the
    /// card's values stay exact).
    public var isNominal: Bool { kelvin == nominalKelvin }

    /// A parameter's quadratic temperature factor, 1 + t1·(T − Tnom) + t2·(T − Tnom)².
    public func polynomial(_ t1: Double, _ t2: Double) -> Double {
        let dt = difference
        return 1 + t1 * dt + t2 * dt * dt
    }

    /// The factor IS(T)/IS of a saturation current of emission `emission`, band gap `energyGap`
    /// (EG, eV) and exponent `exponent` (XTI): exp((T/Tnom − 1)·EG/(N·Vt) + (XTI/N)·ln(T/Tnom)).
    public func saturationFactor(energyGap: Double, exponent: Double, emission: Double = 1) -> Double {
        if isNominal { return 1 }
        return exp((ratio - 1) * energyGap / (emission * vt) + exponent / emission * log(ratio))
    }

    /// Throws unless `value`, the model parameter `name` taken to this temperature, is finite and
    /// positive: the laws give nonsense (a negative potential, an underflowed saturation current)
    /// far enough from TNOM.
    public func require(_ name: String, _ value: Double) throws(NetlistError) {
        guard value > 0, value.isFinite else {
            throw NetlistError("model parameter \(name) is \(value) at \(celsius) °C: the temperature laws give no usable value this far from TNOM (\(nominalKelvin - Junction.zeroCelsius) °C)", at: nil)
        }
    }

    /// Silicon's band gap at `t` kelvin, eV.
    public static func bandGap(_ t: Double) -> Double { 1.16 - 7.02e-4 * t * t / (t + 1108) }

    /// φ(t): the shift of a junction's built-in potential at `t` kelvin (see the type's laws).
    static func potentialShift(_ t: Double) -> Double {
        let vt = Junction.thermalVoltage(kelvin: t)
        let arg = -bandGap(t) / (2 * Junction.boltzmann * t) + 1.1150877 / (2 * Junction.boltzmann * referenceKelvin)
        return -2 * vt * (1.5 * log(t / referenceKelvin) + Junction.charge * arg)
    }

    /// A depletion junction's potential and zero-bias capacitance at the device's temperature, from
    /// their values `potential` (VJ) and `capacitance` (CJ0) at Tnom and its grading `grading` (M).
    public func junction(potential: Double, capacitance: Double, grading: Double) -> (potential: Double, capacitance: Double) {
        if isNominal { return (potential, capacitance) }
        let tref = Self.referenceKelvin
        let base = (potential - Self.potentialShift(nominalKelvin)) * tref / nominalKelvin
        let oldGamma = potential / base - 1
        let hot = kelvin / tref * base + Self.potentialShift(kelvin)
        let newGamma = hot / base - 1
        let scale = (1 + grading * (4e-4 * (kelvin - tref) - newGamma)) / (1 + grading * (4e-4 * (nominalKelvin - tref) - oldGamma))
        return (hot, capacitance * scale)
    }
}

/// A parameter's temperature coefficients, as SPICE's TT1/TT2, TRS1/TRS2 and the like: the value
/// at T is the value at Tnom times 1 + linear·(T − Tnom) + quadratic·(T − Tnom)².
public struct TemperatureCoefficients: Hashable, Sendable {
    /// The coefficient of T − Tnom, 1/K.
    public var linear = 0.0
    /// The coefficient of (T − Tnom)², 1/K².
    public var quadratic = 0.0
    /// No dependence on temperature.
    public init(linear: Double = 0, quadratic: Double = 0) {
        self.linear = linear
        self.quadratic = quadratic
    }
    /// The factor at `temperature`.
    public func factor(at temperature: DeviceTemperature) -> Double {
        temperature.polynomial(linear, quadratic)
    }
}
