import Foundation

/// A junction (saturation current IS, emission N) in series with a resistance R, solved in closed form:
///
///     V = R·I + N·Vt·ln(1 + I/IS)   ⇒   I = (N·Vt/R)·ω(y) − IS,
///     y = (V + R·IS)/(N·Vt) + ln(R·IS/(N·Vt)),   dI/dV = ω/((1 + ω)·R)
///
/// with ω the Wright omega function. Anode uses it for the grid current of tube models (Koren's
/// diode-plus-RGI grid circuit) so that no internal node is needed. With R = 0 it is the bare junction.
public struct SeriesDiode: Hashable, Sendable {
    /// Junction saturation current IS, A.
    public let saturationCurrent: Double
    /// N·Vt, V.
    public let nvt: Double
    /// Series resistance R, Ω.
    public let resistance: Double
    @usableFromInline let offset: Double
    /// 1/(N·Vt), N·Vt/R and 1/R (R > 0), so that an evaluation divides once.
    @usableFromInline let inverseNVt: Double, nvtOverR: Double, inverseR: Double

    /// A junction of saturation current `saturationCurrent` and emission `emission` in series with `resistance`.
    public init(saturationCurrent: Double, emission: Double = 1, resistance: Double) {
        self.saturationCurrent = saturationCurrent
        self.nvt = emission * Junction.thermalVoltage()
        self.resistance = resistance
        offset = resistance > 0 ? log(resistance * saturationCurrent / nvt) : 0
        inverseNVt = 1 / nvt
        nvtOverR = resistance > 0 ? nvt / resistance : 0
        inverseR = resistance > 0 ? 1 / resistance : 0
    }

    /// Current I(V), conductance dI/dV and curvature d²I/dV²: with R > 0,
    /// d²I/dV² = ω/(R·N·Vt·(1 + ω)³) = (dI/dV)/(N·Vt·(1 + ω)²); with R = 0 the junction's.
    @inlinable @inline(__always)
    public func currentAndCurvature(_ v: Double) -> (i: Double, g: Double, c: Double) {
        let r = resistance, isat = saturationCurrent
        guard r > 0 else {
            let (i, g) = Junction.current(v, saturationCurrent: isat, inverseNVt: inverseNVt)
            // The exponential: g/(N·Vt); SPICE's reverse form I = −IS·(1 + a), a ∝ V⁻³: −4·g/V.
            return (i, g, v * inverseNVt >= -3 ? g * inverseNVt : -4 * g / v)
        }
        let y = (v + r * isat) * inverseNVt + offset
        let w = wrightOmega(y)
        let u = 1 / (1 + w)
        let g = w * inverseR * u
        return (nvtOverR * w - isat, g, g * inverseNVt * u * u)
    }

    /// Current I(V) and conductance dI/dV.
    @inlinable @inline(__always)
    public func current(_ v: Double) -> (i: Double, g: Double) {
        let (i, g, _) = currentAndCurvature(v)
        return (i, g)
    }
}
