/// How Anode treats a model parameter it accepts.
public enum ParameterSupport: Hashable, Sendable {
    /// The parameter enters the model's equations.
    case modeled
    /// The parameter is read but has no effect; `reason` says why. A card that sets it to `neutral`
    /// (the value at which it would have no effect anyway) is not warned about.
    case ignored(reason: String, neutral: Double?)
}

/// A device model's parameter set, as set by a `.model` card.
public protocol ModelParameters: Sendable, Hashable {
    /// The parameters' defaults.
    init()
    /// Sets the parameter named `name` (lowercase) to `value`. Returns nil when the model has no
    /// parameter of that name.
    mutating func set(_ name: String, to value: Double) -> ParameterSupport?
    /// A description of the first parameter with an impossible value, as (name, problem), or nil.
    func invalidParameter() -> (name: String, problem: String)?
}

/// Reasons shared by several models for parameters that are accepted but not modeled.
enum Unmodeled {
    /// TLEV / TLEVC: Anode has SPICE's original temperature laws (level 0) only.
    static func temperatureLevel(_ value: Double) -> ParameterSupport {
        value == 0 ? .modeled : .ignored(reason: "only temperature level 0 (SPICE's laws) is modeled", neutral: 0)
    }
    /// The coefficients of ngspice's other temperature levels (TLEV, TLEVC 1 and 2).
    static let otherTemperatureLevel = ParameterSupport.ignored(reason: "it belongs to a temperature level (TLEV, TLEVC) other than 0, which is not modeled", neutral: 0)
    static func notModeled(_ neutral: Double? = 0) -> ParameterSupport {
        .ignored(reason: "this effect is not modeled", neutral: neutral)
    }
}

extension ModelParameters {
    /// Throws an error naming the first impossible parameter, or an impossible area factor.
    public func validate(area: Double = 1) throws(NetlistError) {
        if let (name, problem) = invalidParameter() {
            throw NetlistError("model parameter \(name.uppercased()) \(problem)", at: nil)
        }
        if !(area > 0 && area.isFinite) {
            throw NetlistError("area factor must be positive, not \(area)", at: nil)
        }
    }
}
