import Foundation

/// PSpice's smooth switches: `S1 a b cp cn MODEL` with a `VSWITCH` card (RON, ROFF, VON, VOFF) and
/// `W1 a b VNAME MODEL` with an `ISWITCH` card (RON, ROFF, ION, IOFF). Unlike SPICE's SW and CSW,
/// they have no state: the resistance follows the control c through a cubic in log R between the
/// two control values (PSpice's reference guide; Xyce reads the same cards the same way):
///
///     R = RON                         c beyond ON (on ON's side of OFF)
///     R = ROFF                        c beyond OFF
///     R = exp(Lm + Lr·(3u/2 − 2u³))   between, u = (c − Cm)/Cd
///
/// with Lm = ln √(RON·ROFF), Lr = ln(RON/ROFF), Cm = (ON + OFF)/2 and Cd = ON − OFF. At u = ±½ the
/// cubic meets RON and ROFF with zero slope, so R and its derivative are continuous: the switch is
/// an ordinary nonlinear conductance v·G(c), a behavioral source to both engines. ON may lie below
/// OFF (a switch that opens as c rises).
extension Elaborator {
    /// A `VSWITCH` or `ISWITCH` card.
    struct SmoothSwitchParameters: ModelParameters {
        /// Whether the card is an ISWITCH (ION, IOFF) rather than a VSWITCH (VON, VOFF).
        var currentControlled = false
        /// RON and ROFF, Ω.
        var onResistance = 1.0, offResistance = 1e6
        /// VON or ION, and VOFF or IOFF: where the resistance reaches RON and ROFF.
        var on = 1.0, off = 0.0

        /// PSpice's defaults of a VSWITCH card (an ISWITCH's ION is 1 mA: `iswitch()`).
        init() {}

        /// PSpice's defaults of an ISWITCH card.
        static func iswitch() -> Self {
            var p = Self()
            p.currentControlled = true
            p.on = 1e-3
            return p
        }

        mutating func set(_ name: String, to value: Double) -> ParameterSupport? {
            switch (name, currentControlled) {
            case ("ron", _): onResistance = value
            case ("roff", _): offResistance = value
            case ("von", false), ("ion", true): on = value
            case ("voff", false), ("ioff", true): off = value
            default: return nil
            }
            return .modeled
        }

        func invalidParameter() -> (name: String, problem: String)? {
            if !(onResistance > 0) || !onResistance.isFinite { return ("ron", "must be positive") }
            if !(offResistance > 0) || !offResistance.isFinite { return ("roff", "must be positive") }
            let (on, off) = currentControlled ? ("ion", "ioff") : ("von", "voff")
            if !self.on.isFinite { return (on, "must be finite") }
            if !self.off.isFinite { return (off, "must be finite") }
            if self.on == self.off { return (on, "must differ from \(off.uppercased())") }
            return nil
        }

        /// The switch's conductance 1/R(c) as an expression of the control c.
        func conductance(_ c: Expression) -> Expression {
            let (lm, lr) = (0.5 * Foundation.log(onResistance * offResistance), Foundation.log(onResistance / offResistance))
            let (middle, width) = (0.5 * (on + off), on - off)
            // c held between ON and OFF, where the cubic ends at RON and ROFF.
            let held = Expression.call("min", [.call("max", [c, .number(Swift.min(on, off))]), .number(Swift.max(on, off))])
            let u = Expression.binary("/", .binary("-", held, .number(middle)), .number(width))
            let cubic = Expression.binary("-", .binary("*", .number(1.5), u), .binary("*", .number(2), .binary("*", u, .binary("*", u, u))))
            // 1/R = exp(−Lm − Lr·(3u/2 − 2u³)).
            return .call("exp", [.binary("-", .number(-lm), .binary("*", .number(lr), cubic))])
        }
    }

    /// Adds switch `name` from `a` to `b` whose control is `control` (the voltage of S's control
    /// nodes, or the current of W's voltage source), with the smooth law of `model` (see above).
    mutating func smoothSwitch(_ name: String, _ a: Node, _ b: Node, control: LinearControl, model: ModelStatement, in modelScope: Scope,
                               state: Token?, element: String, in scope: Scope, at location: SourceLocation) throws(NetlistError) {
        let start = model.type == "iswitch" ? SmoothSwitchParameters.iswitch() : SmoothSwitchParameters()
        let p = try parameters(SmoothSwitchParameters.self, of: model, in: modelScope, from: start)
        if let state {
            circuit.warnings.append(Diagnostic("\(element): \(state.text.uppercased()) ignored: a \(model.type.uppercased()) switch has no state (its resistance follows the control)", at: state.location))
        }
        guard a != b else { throw NetlistError("\(element): both of the switch's nodes are '\(a.name)'", at: location) }
        let value = Expression.binary("*", .parameter("__v0"), p.conductance(.parameter("__v1")))
        try addLaw(name, value, reads: [(a, b), control.read], a, b, voltage: false, element: element, in: scope, at: location)
    }
}
