/// SPICE's switch (S, controlled by a voltage, model `SW`; W, controlled by the current of a
/// voltage source, model `CSW`): a resistance RON while on and ROFF while off.
///
///     on   once the control c > threshold + hysteresis
///     off  once c < threshold − hysteresis
///     as it was (the last accepted time point's state) while c stays between
///
/// The state is decided from each Newton iterate's control value, as in ngspice; it has no
/// derivative, so a switch is a conductance that Newton re-decides until it holds. Without
/// hysteresis the switch is on above the threshold and off below it.
public struct ControlledSwitch: Hashable, Sendable {
    /// VT (V) or IT (A): the control value the switch turns at.
    public var threshold: Double
    /// VH (V) or IH (A), ≥ 0: half the width of the window in which the switch keeps its state.
    public var hysteresis: Double
    /// RON, Ω.
    public var onResistance: Double
    /// ROFF, Ω.
    public var offResistance: Double
    /// The state before the first operating point is found (the element line's `ON` or `OFF`);
    /// it decides only while the control starts inside the hysteresis window.
    public var initiallyOn: Bool

    /// A switch; ngspice's defaults: VT = 0, VH = 0, RON = 1 Ω, ROFF = 1/GMIN = 10¹² Ω, off.
    public init(threshold: Double = 0, hysteresis: Double = 0, onResistance: Double = 1, offResistance: Double = 1e12,
                initiallyOn: Bool = false) {
        self.threshold = threshold
        self.hysteresis = hysteresis
        self.onResistance = onResistance
        self.offResistance = offResistance
        self.initiallyOn = initiallyOn
    }

    /// Whether the switch is on at control value `control`, given whether it was on before.
    @inlinable
    public func isOn(control: Double, wasOn: Bool) -> Bool {
        if control > threshold + hysteresis { return true }
        if control < threshold - hysteresis { return false }
        return wasOn
    }

    /// Its conductance in state `on`, S.
    @inlinable
    public func conductance(on: Bool) -> Double { on ? 1 / onResistance : 1 / offResistance }

    /// How the switch is controlled.
    public enum Control: Hashable, Sendable {
        /// By the voltage between two nodes (S).
        case voltage(Node, Node)
        /// By the branch current of the named element, a voltage source (W).
        case current(controller: String)
    }
}

/// A switch model card: `.model NAME SW(VT= VH= RON= ROFF=)` for S, `.model NAME CSW(IT= IH= RON=
/// ROFF=)` for W (ngspice's and LTspice's names and defaults).
public struct SwitchParameters: ModelParameters {
    /// Whether the card is a CSW (IT, IH) rather than an SW (VT, VH).
    public var currentControlled = false
    /// VT or IT.
    public var threshold = 0.0
    /// VH or IH.
    public var hysteresis = 0.0
    /// RON, Ω.
    public var onResistance = 1.0
    /// ROFF, Ω (1/GMIN, as in ngspice).
    public var offResistance = 1e12

    /// The defaults of an SW card.
    public init() {}

    /// Sets VT/IT, VH/IH (as the card's kind has them), RON or ROFF; nil for any other name.
    public mutating func set(_ name: String, to value: Double) -> ParameterSupport? {
        switch (name, currentControlled) {
        case ("vt", false), ("it", true): threshold = value
        case ("vh", false), ("ih", true): hysteresis = value
        case ("ron", _): onResistance = value
        case ("roff", _): offResistance = value
        default: return nil
        }
        return .modeled
    }

    /// The first impossible value: a threshold or hysteresis that is not finite, a negative
    /// hysteresis, a resistance that is not positive.
    public func invalidParameter() -> (name: String, problem: String)? {
        let (t, h) = currentControlled ? ("it", "ih") : ("vt", "vh")
        if !threshold.isFinite { return (t, "must be finite") }
        if !hysteresis.isFinite { return (h, "must be finite") }
        if hysteresis < 0 { return (h, "must not be negative (a negative hysteresis, LTspice's smooth transition, is not supported)") }
        if !(onResistance > 0) || !onResistance.isFinite { return ("ron", "must be positive") }
        if !(offResistance > 0) || !offResistance.isFinite { return ("roff", "must be positive") }
        return nil
    }

    /// The switch this card makes, starting on or off.
    public func controlledSwitch(initiallyOn: Bool) -> ControlledSwitch {
        ControlledSwitch(threshold: threshold, hysteresis: hysteresis, onResistance: onResistance,
                         offResistance: offResistance, initiallyOn: initiallyOn)
    }
}
