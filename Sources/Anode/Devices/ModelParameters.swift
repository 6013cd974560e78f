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
    /// TLEV / TLEVC: sets `level` to 0 or 1; another level is reported and left at 0.
    static func temperatureLevel(_ value: Double, into level: inout Int) -> ParameterSupport {
        guard value == 0 || value == 1 else { return .ignored(reason: "only temperature levels 0 and 1 are modeled", neutral: 0) }
        level = Int(value)
        return .modeled
    }
    /// Temperature coefficients of what Anode does not model (sidewalls, substrate, TLEV = 2).
    static let otherTemperatureLevel = ParameterSupport.ignored(reason: "it belongs to a part or temperature level that is not modeled", neutral: 0)
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
