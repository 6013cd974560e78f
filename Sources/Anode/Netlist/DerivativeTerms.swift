/// The `ddt(q)` terms of a behavioral source's expression (ngspice's and LTspice's time
/// derivative), which the source carries as a charge: `I = g(v) + C*ddt(q(v))` is the current
/// g(v) and the charge C·q(v), whose time derivative the analyses add.
extension Expression {
    /// Whether one of the functions `names` is called anywhere in the expression.
    func calls(_ names: Set<String>) -> Bool {
        switch self {
        case .number, .parameter: return false
        case .unary(_, let e): return e.calls(names)
        case .binary(_, let a, let b): return a.calls(names) || b.calls(names)
        case .call(let name, let args): return names.contains(name) || args.contains { $0.calls(names) }
        case .conditional(let c, let a, let b): return c.calls(names) || a.calls(names) || b.calls(names)
        }
    }

    /// Whether `ddt` is called anywhere in the expression.
    var containsDerivative: Bool { calls(["ddt"]) }

    /// Whether the expression reads no node voltage, current or time (the behavioral compiler's
    /// `__vk` names): a constant over the circuit's state.
    var isConstantOverCircuit: Bool { !parameterNames.contains { $0.hasPrefix("__v") } }

    /// The expression split into its terms without `ddt` (`rest`) and the sum of the `ddt`
    /// arguments (`charge`), each nil when empty: `ddt` may stand in the expression's top-level sum,
    /// negated, or times or over factors that read nothing of the circuit (a time derivative of a
    /// product with a voltage would not be the product's). Nil when a `ddt` stands elsewhere.
    func derivativeTerms() -> (rest: Expression?, charge: Expression?)? {
        func combine(_ x: Expression?, _ y: Expression?, _ op: String) -> Expression? {
            switch (x, y) {
            case (nil, nil): return nil
            case (let x?, nil): return x
            case (nil, let y?): return op == "-" ? .unary("-", y) : y
            case (let x?, let y?): return .binary(op, x, y)
            }
        }
        switch self {
        case .call("ddt", let args) where args.count == 1:
            return args[0].containsDerivative ? nil : (nil, args[0])
        case .binary(let op, let a, let b) where op == "+" || op == "-":
            guard let x = a.derivativeTerms(), let y = b.derivativeTerms() else { return nil }
            return (combine(x.rest, y.rest, op), combine(x.charge, y.charge, op))
        case .unary(let op, let e) where op == "-" || op == "+":
            guard let x = e.derivativeTerms() else { return nil }
            return op == "-" ? (x.rest.map { .unary("-", $0) }, x.charge.map { .unary("-", $0) }) : x
        case .binary(let op, let a, let b) where op == "*" || op == "/":
            // k·ddt(q), ddt(q)·k, ddt(q)/k with k constant over the circuit.
            if !containsDerivative { return (self, nil) }
            if op == "*", !a.containsDerivative, a.isConstantOverCircuit, let y = b.derivativeTerms() {
                return (y.rest.map { .binary("*", a, $0) }, y.charge.map { .binary("*", a, $0) })
            }
            if !b.containsDerivative, b.isConstantOverCircuit, let x = a.derivativeTerms() {
                return (x.rest.map { .binary(op, $0, b) }, x.charge.map { .binary(op, $0, b) })
            }
            return nil
        default:
            return containsDerivative ? nil : (self, nil)
        }
    }
}
