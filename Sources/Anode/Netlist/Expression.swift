import Foundation

/// An arithmetic expression from a netlist: a `{...}` value, a `.param` right-hand side or a
/// subcircuit parameter. Names are case-insensitive and stored lowercased.
///
/// Grammar, loosest first: `c ? a : b`; `||`; `&&`; comparisons (`== != < <= > >=`); `+ -`; `* / % \` (`\` ngspice's integer division, truncating);
/// unary `- + !`; `^` or `**` (right-associative); then numbers (with SPICE scale suffixes, `2.2k`),
/// names, calls `f(a, b)` and parentheses.
public indirect enum Expression: Hashable, Sendable {
    /// A literal value.
    case number(Double)
    /// A parameter's value, looked up when the expression is evaluated.
    case parameter(String)
    /// `-x`, `+x` or `!x`.
    case unary(Character, Expression)
    /// `a op b` with op one of `+ - * / % \ ^ == != < <= > >= && ||`.
    case binary(String, Expression, Expression)
    /// A call to one of the built-in functions, or to a `.func` of the netlist.
    case call(String, [Expression])
    /// `condition ? then : else`.
    case conditional(Expression, Expression, Expression)

    /// The built-in functions and how many arguments each takes.
    public static let functions: [String: ClosedRange<Int>] = [
        "sqrt": 1...1, "exp": 1...1, "ln": 1...1, "log": 1...1, "log10": 1...1, "abs": 1...1,
        "sin": 1...1, "cos": 1...1, "tan": 1...1, "asin": 1...1, "acos": 1...1, "atan": 1...1,
        "sinh": 1...1, "cosh": 1...1, "tanh": 1...1, "asinh": 1...1, "acosh": 1...1, "atanh": 1...1, "u2": 1...1, "floor": 1...1, "ceil": 1...1, "int": 1...1,
        "nint": 1...1, "round": 1...1, "sgn": 1...1, "sign": 1...1, "u": 1...1, "uramp": 1...1,
        "pow": 2...2, "pwr": 2...2, "pwrs": 2...2, "atan2": 2...2, "min": 2...16, "max": 2...16, "if": 3...3,
        "limit": 2...3, "db": 1...1, "pwl": 5...201, "table": 5...201,
        "sqr": 1...1, "arctan": 1...1, "ternary_fcn": 3...3,
        // A behavioral source's time derivative (see `derivativeTerms`) and LTspice's time
        // integrals `idt(x[, ic])`, `sdt(…)` (see `Elaborator.replacingIntegrals`); no value elsewhere.
        "ddt": 1...1, "idt": 1...3, "sdt": 1...3,
    ]

    /// Built-in constants, usable wherever a parameter is.
    public static let constants: [String: Double] = ["pi": Double.pi]

    /// Parses `text`; `location` is where its first character stands in the netlist, so that an
    /// error can point at the offending column. `functions` gives the argument counts of the
    /// netlist's own functions (`.func`), which calls may name besides the built-in ones.
    public static func parse(_ text: String, at location: SourceLocation, functions: [String: Int] = [:]) throws(NetlistError) -> Expression {
        var parser = ExpressionParser(text: text, origin: location, userFunctions: functions)
        return try parser.parseWhole()
    }

    /// The names of the parameters the expression reads.
    public var parameterNames: Set<String> {
        switch self {
        case .number: return []
        case .parameter(let name): return Expression.constants[name] == nil ? [name] : []
        case .unary(_, let e): return e.parameterNames
        case .binary(_, let a, let b): return a.parameterNames.union(b.parameterNames)
        case .call(_, let args): return args.reduce(into: []) { $0.formUnion($1.parameterNames) }
        case .conditional(let c, let a, let b): return c.parameterNames.union(a.parameterNames).union(b.parameterNames)
        }
    }

    /// Evaluates the expression. `lookup` gives a parameter's value, or nil when the name is unknown.
    /// Errors name the unknown parameter or the operation that has no real result.
    public func evaluate(at location: SourceLocation?, lookup: (String) throws(NetlistError) -> Double?) throws(NetlistError) -> Double {
        try evaluate(at: location, lookup: lookup) { _, _ throws(NetlistError) in nil }
    }

    /// Evaluates the expression; `call` gives the value of a call to a function that is not built
    /// in (a `.func`) for the arguments' values, or nil when there is no such function.
    public func evaluate(at location: SourceLocation?, lookup: (String) throws(NetlistError) -> Double?,
                         call: (String, [Double]) throws(NetlistError) -> Double?) throws(NetlistError) -> Double {
        let value = try evaluateUnchecked(at: location, lookup: lookup, call: call)
        guard value.isFinite else {
            throw NetlistError("expression evaluates to \(value) (not a finite number)", at: location)
        }
        return value
    }

    private func evaluateUnchecked(at location: SourceLocation?, lookup: (String) throws(NetlistError) -> Double?,
                                   call: (String, [Double]) throws(NetlistError) -> Double?) throws(NetlistError) -> Double {
        switch self {
        case .number(let v):
            return v
        case .parameter(let name):
            if let v = try lookup(name) { return v }
            if let v = Expression.constants[name] { return v }
            throw NetlistError("unknown parameter '\(name)'", at: location)
        case .unary(let op, let e):
            let v = try e.evaluateUnchecked(at: location, lookup: lookup, call: call)
            switch op {
            case "-": return -v
            case "!": return v == 0 ? 1 : 0
            default: return v
            }
        case .binary(let op, let a, let b):
            let x = try a.evaluateUnchecked(at: location, lookup: lookup, call: call)
            // Short-circuit the logical operators as C does.
            if op == "&&" { return x != 0 ? (try b.evaluateUnchecked(at: location, lookup: lookup, call: call) != 0 ? 1 : 0) : 0 }
            if op == "||" { return x != 0 ? 1 : (try b.evaluateUnchecked(at: location, lookup: lookup, call: call) != 0 ? 1 : 0) }
            let y = try b.evaluateUnchecked(at: location, lookup: lookup, call: call)
            switch op {
            case "+": return x + y
            case "-": return x - y
            case "*": return x * y
            case "/":
                guard y != 0 else { throw NetlistError("division by zero in expression", at: location) }
                return x / y
            case "%":
                guard y != 0 else { throw NetlistError("modulo by zero in expression", at: location) }
                return fmod(x, y)
            case "\\":
                // ngspice's integer division: the quotient truncated (7 \ 2 = 3, −7 \ 2 = −3).
                guard y != 0 else { throw NetlistError("division by zero in expression", at: location) }
                return (x / y).rounded(.towardZero)
            case "^", "**": return try Expression.power(x, y, at: location)
            case "==": return x == y ? 1 : 0
            case "!=": return x != y ? 1 : 0
            case "<": return x < y ? 1 : 0
            case "<=": return x <= y ? 1 : 0
            case ">": return x > y ? 1 : 0
            case ">=": return x >= y ? 1 : 0
            default: throw NetlistError("unknown operator '\(op)'", at: location)
            }
        case .conditional(let c, let a, let b):
            return try c.evaluateUnchecked(at: location, lookup: lookup, call: call) != 0
                ? a.evaluateUnchecked(at: location, lookup: lookup, call: call)
                : b.evaluateUnchecked(at: location, lookup: lookup, call: call)
        case .call(let name, let args):
            var v: [Double] = []
            v.reserveCapacity(args.count)
            if name == "if" {
                let c = try args[0].evaluateUnchecked(at: location, lookup: lookup, call: call)
                return try args[c != 0 ? 1 : 2].evaluateUnchecked(at: location, lookup: lookup, call: call)
            }
            for a in args { v.append(try a.evaluateUnchecked(at: location, lookup: lookup, call: call)) }
            if RandomFunctions.isRandom(name, v.count) {
                // Drawn by the scope that evaluates the netlist's values (see `RandomFunctions`).
                guard let value = try call(name, v) else {
                    throw NetlistError("\(name)() draws a random value, which only a netlist's parameters and element values can", at: location)
                }
                return value
            }
            if Expression.functions[name] == nil, let value = try call(name, v) { return value }
            return try Expression.apply(name, v, at: location)
        }
    }

    private static func power(_ x: Double, _ y: Double, at location: SourceLocation?) throws(NetlistError) -> Double {
        if x < 0 && y.rounded() != y {
            throw NetlistError("negative number \(x) raised to the non-integer power \(y)", at: location)
        }
        return pow(x, y)
    }

    private static func apply(_ name: String, _ v: [Double], at location: SourceLocation?) throws(NetlistError) -> Double {
        func domain(_ ok: Bool) throws(NetlistError) {
            if !ok { throw NetlistError("\(name)(\(v.map { "\($0)" }.joined(separator: ", "))) is undefined", at: location) }
        }
        switch name {
        case "sqrt": try domain(v[0] >= 0); return v[0].squareRoot()
        case "exp": return exp(v[0])
        case "ln", "log": try domain(v[0] > 0); return log(v[0])
        case "log10": try domain(v[0] > 0); return log10(v[0])
        case "db": try domain(v[0] != 0); return 20 * log10(abs(v[0]))
        case "abs": return abs(v[0])
        case "sin": return sin(v[0])
        case "cos": return cos(v[0])
        case "tan": return tan(v[0])
        case "asin": try domain(abs(v[0]) <= 1); return asin(v[0])
        case "acos": try domain(abs(v[0]) <= 1); return acos(v[0])
        case "atan": return atan(v[0])
        case "atan2": return atan2(v[0], v[1])
        case "sinh": return sinh(v[0])
        case "cosh": return cosh(v[0])
        case "tanh": return tanh(v[0])
        case "asinh": return asinh(v[0])
        case "acosh": try domain(v[0] >= 1); return acosh(v[0])
        case "atanh": try domain(abs(v[0]) < 1); return atanh(v[0])
        case "u2": return min(max(v[0], 0), 1)
        case "floor": return floor(v[0])
        case "ceil": return ceil(v[0])
        case "int": return v[0].rounded(.towardZero)
        // ngspice's nint takes halves to the even integer (2.5 → 2), as C's rint; `round` is
        // LTspice's, halves away from zero (2.5 → 3), as C's round.
        case "nint": return v[0].rounded(.toNearestOrEven)
        case "round": return v[0].rounded(.toNearestOrAwayFromZero)
        case "sgn", "sign": return v[0] > 0 ? 1 : (v[0] < 0 ? -1 : 0)
        case "u": return v[0] > 0 ? 1 : 0
        case "uramp": return max(v[0], 0)
        case "pow": return try power(v[0], v[1], at: location)
        // ngspice's parameter functions take pwr(x, y) as |x|^y (pwr(-2, 3) = 8; its B source's pwr
        // is signed, see `BehavioralSources`); pwrs keeps the sign, as PSpice's.
        case "pwr": return pow(abs(v[0]), v[1])
        case "pwrs": return (v[0] < 0 ? -1 : 1) * pow(abs(v[0]), v[1])
        // ngspice's parameter functions: sqr(x) = x², arctan = atan, ternary_fcn(c, a, b) = c ? a : b.
        case "sqr": return v[0] * v[0]
        case "arctan": return atan(v[0])
        case "ternary_fcn": return v[0] != 0 ? v[1] : v[2]
        case "min": return v.min()!
        case "max": return v.max()!
        case "limit": return min(max(v[0], min(v[1], v[2])), max(v[1], v[2]))
        case "pwl", "table":
            // pwl(x, x0, y0, x1, y1, …) extends the end segments; table(…) holds the end values.
            guard v.count % 2 == 1 else { throw NetlistError("\(name)() needs its argument and pairs x, y", at: location) }
            let n = (v.count - 1) / 2
            if BehavioralSource.firstDecrease(in: v[1...]) != nil { throw NetlistError("the x values of \(name)() must not decrease", at: location) }
            let x = v[0]
            if name == "table" && !(x > v[1]) { return v[2] }
            if name == "table" && !(x < v[2 * n - 1]) { return v[2 * n] }
            var k = 0
            while k < n - 2 && x >= v[3 + 2 * k] { k += 1 }
            let (x0, y0, x1, y1) = (v[1 + 2 * k], v[2 + 2 * k], v[3 + 2 * k], v[4 + 2 * k])
            return x1 > x0 ? y0 + (y1 - y0) * (x - x0) / (x1 - x0) : y0
        case "ddt": throw NetlistError("ddt() is a time derivative, for a behavioral source's expression (B1 a b I={C*ddt(v(a,b))}), not for a value", at: location)
        case "idt", "sdt": throw NetlistError("\(name)() is a time integral, for a behavioral source's expression (B1 a b V={idt(v(c), 0)}), not for a value", at: location)
        default: throw NetlistError("unknown function '\(name)'", at: location)
        }
    }
}

/// Recursive-descent parser for `Expression`.
struct ExpressionParser {
    let s: [Unicode.Scalar]
    let origin: SourceLocation
    /// The netlist's own functions and their argument counts.
    let userFunctions: [String: Int]
    var i = 0

    init(text: String, origin: SourceLocation, userFunctions: [String: Int] = [:]) {
        self.s = Array(text.unicodeScalars)
        self.origin = origin
        self.userFunctions = userFunctions
    }

    private func error(_ message: String, at index: Int? = nil) -> NetlistError {
        NetlistError(message, at: origin.advanced(by: index ?? i))
    }

    mutating func parseWhole() throws(NetlistError) -> Expression {
        skipSpace()
        guard i < s.count else { throw error("empty expression") }
        let e = try parseConditional()
        skipSpace()
        if i < s.count { throw error("unexpected '\(Character(s[i]))' in expression") }
        return e
    }

    private mutating func skipSpace() {
        while i < s.count, s[i] == " " || s[i] == "\t" { i += 1 }
    }

    private mutating func accept(_ token: String) -> Bool {
        skipSpace()
        let t = Array(token.unicodeScalars)
        guard i + t.count <= s.count, Array(s[i..<(i + t.count)]) == t else { return false }
        i += t.count
        return true
    }

    private mutating func peekOperator(_ candidates: [String]) -> String? {
        skipSpace()
        for c in candidates {
            let t = Array(c.unicodeScalars)
            if i + t.count <= s.count, Array(s[i..<(i + t.count)]) == t { return c }
        }
        return nil
    }

    private mutating func parseConditional() throws(NetlistError) -> Expression {
        let condition = try parseBinary(level: 0)
        if accept("?") {
            let a = try parseConditional()
            guard accept(":") else { throw error("expected ':' in conditional expression") }
            let b = try parseConditional()
            return .conditional(condition, a, b)
        }
        return condition
    }

    /// Operator levels, loosest first. Longer spellings come first so `<=` wins over `<`.
    private static let levels: [[String]] = [
        ["||"], ["&&"], ["==", "!=", "<=", ">=", "<", ">"], ["+", "-"], ["*", "/", "%", "\\"],
    ]

    private mutating func parseBinary(level: Int) throws(NetlistError) -> Expression {
        if level == Self.levels.count { return try parseUnary() }
        var lhs = try parseBinary(level: level + 1)
        while true {
            // `**` is power, not two multiplications.
            if level == 4, peekOperator(["**"]) != nil { return lhs }
            guard let op = peekOperator(Self.levels[level]) else { return lhs }
            i += op.unicodeScalars.count
            let rhs = try parseBinary(level: level + 1)
            lhs = .binary(op, lhs, rhs)
        }
    }

    private mutating func parseUnary() throws(NetlistError) -> Expression {
        skipSpace()
        if i < s.count, s[i] == "-" || s[i] == "+" || s[i] == "!" {
            let op = Character(s[i])
            i += 1
            return .unary(op, try parseUnary())
        }
        return try parsePower()
    }

    private mutating func parsePower() throws(NetlistError) -> Expression {
        let base = try parsePrimary()
        if let op = peekOperator(["**", "^"]) {
            i += op.unicodeScalars.count
            return .binary("^", base, try parseUnary())
        }
        return base
    }

    private static func isNameStart(_ c: Unicode.Scalar) -> Bool {
        c.properties.isAlphabetic || c == "_"
    }

    private static func isNameBody(_ c: Unicode.Scalar) -> Bool {
        c.properties.isAlphabetic || c == "_" || (c.value >= 48 && c.value <= 57) || c == "."
    }

    private mutating func parsePrimary() throws(NetlistError) -> Expression {
        skipSpace()
        guard i < s.count else { throw error("expression ends where a value was expected") }
        let c = s[i]
        if c == "(" {
            i += 1
            let e = try parseConditional()
            guard accept(")") else { throw error("expected ')'") }
            return e
        }
        if c == "{" {
            // `{param}` inside a quoted expression, as ngspice writes it: a parenthesized term.
            i += 1
            let e = try parseConditional()
            guard accept("}") else { throw error("expected '}'") }
            return e
        }
        if (c.value >= 48 && c.value <= 57) || c == "." {
            let start = i
            guard let (value, end) = SpiceNumber.scanDecimal(s, from: i) else { throw error("malformed number") }
            i = end
            var suffixEnd = i
            while suffixEnd < s.count, s[suffixEnd].properties.isAlphabetic { suffixEnd += 1 }
            let suffix = String(String.UnicodeScalarView(s[i..<suffixEnd])).lowercased()
            guard let scale = SpiceNumber.scaleFactor(of: suffix) else { throw error("malformed number", at: start) }
            i = suffixEnd
            return .number(value * scale)
        }
        if Self.isNameStart(c) {
            let start = i
            while i < s.count, Self.isNameBody(s[i]) { i += 1 }
            let name = String(String.UnicodeScalarView(s[start..<i])).lowercased()
            skipSpace()
            if i < s.count, s[i] == "(" {
                i += 1
                var args: [Expression] = []
                if !accept(")") {
                    repeat { args.append(try parseConditional()) } while accept(",")
                    guard accept(")") else { throw error("expected ')' after the arguments of \(name)") }
                }
                if Expression.functions[name] == nil, let count = userFunctions[name] {
                    guard args.count == count else { throw error("\(name) takes \(count) argument(s), not \(args.count)", at: start) }
                    return .call(name, args)
                }
                guard let arity = Expression.functions[name] ?? RandomFunctions.arities[name] else { throw error("unknown function '\(name)'", at: start) }
                guard arity.contains(args.count) else {
                    throw error("\(name) takes \(arity.lowerBound == arity.upperBound ? "\(arity.lowerBound)" : "\(arity.lowerBound) to \(arity.upperBound)") argument(s), not \(args.count)", at: start)
                }
                return .call(name, args)
            }
            return .parameter(name)
        }
        throw error("unexpected '\(Character(c))' in expression")
    }
}
