import Foundation

/// Controlled sources given by a transfer function of s:
///
///     E1 out 0 in 0 Laplace=w0^2/(s^2 + s*w0/Q + w0^2)       LTspice (also G: a current)
///     E1 out 0 LAPLACE {V(in)} = {1/(1 + s*tau)}             PSpice (input V(a), V(a,b) or I(Vx))
///
/// The function must be rational in s, and proper (the numerator's degree at most the
/// denominator's): the expression is multiplied out into N(s)/D(s), the parameters evaluated
/// where they stand, and built as the controller form of `addStateSpace` — capacitors and
/// controlled sources, linear, so that every analysis takes it exactly (`.ac` gives N(jω)/D(jω)
/// itself) and the real-time engine folds it into its matrices. Its time scale is ω₀ =
/// |d₀/dₙ|^(1/n) (the geometric mean of the poles' magnitudes), which keeps the states of a
/// filter at kilohertz near the input's size. At DC the states are solved for: the source gives
/// N(0)/D(0) times its input, as LTspice's does; where D(0) = 0 (an integrator) they are held at 0.
extension Elaborator {
    /// Builds the E or G line `line` if it is a LAPLACE source; false if it is not one.
    mutating func laplaceSource(_ line: ElementLine, name: String, letter: Character, in scope: Scope) throws(NetlistError) -> Bool {
        let t = line.arguments
        let input: LinearControl
        let function: (text: String, location: SourceLocation)
        if t.count > 2, t[2].isWord("laplace") {
            // PSpice: n+ n- LAPLACE {input} [=] {H(s)}.
            var rest = Array(t[3...])
            guard let first = rest.first, first.kind == .expression else {
                throw NetlistError("\(line.name): LAPLACE needs its input in braces, as in LAPLACE {V(in)} = {1/(1+s)}", at: rest.first?.location ?? t[2].location)
            }
            rest.removeFirst()
            if rest.first?.kind == .equals { rest.removeFirst() }
            guard let h = rest.first else { throw NetlistError("\(line.name): LAPLACE's transfer function is missing", at: first.location) }
            guard rest.count == 1, h.kind == .expression else {
                throw NetlistError("\(line.name): LAPLACE needs its transfer function in braces, as in LAPLACE {V(in)} = {1/(1+s)}", at: h.location)
            }
            input = try laplaceInput(first, of: line.name, in: scope)
            function = (h.text, h.location)
        } else if t.count > 6, t[4].isWord("laplace"), t[5].kind == .equals {
            // LTspice: n+ n- nc+ nc- Laplace=H(s) [window=… nfft=… mtol=…].
            var end = t.count
            var k = 6
            while k + 1 < t.count {
                if t[k].kind == .word, t[k + 1].kind == .equals {
                    guard ["window", "nfft", "mtol"].contains(t[k].lowercased) else {
                        throw NetlistError("unknown parameter '\(t[k].text)' for \(line.name) (Laplace= takes window=, nfft= and mtol=)", at: t[k].location)
                    }
                    end = min(end, k)
                    circuit.warnings.append(Diagnostic("\(line.name): \(t[k].text)= shapes LTspice's FFT of a transfer function it cannot build exactly; Anode builds the rational function exactly and ignores it", at: t[k].location))
                }
                k += 1
            }
            guard end > 6 else { throw NetlistError("\(line.name): Laplace= is missing its transfer function", at: t[5].location) }
            let expression = Array(t[6..<end])
            function = (expression.count == 1 && expression[0].kind == .expression ? expression[0].text : Self.expressionText(expression), expression[0].location)
            input = .voltage(try node(t[2], in: scope), try node(t[3], in: scope))
        } else {
            return false
        }
        let a = try node(t[0], in: scope), b = try node(t[1], in: scope)
        let h = try rationalFunction(function.text, at: function.location, of: line.name, in: scope)
        let n = RationalFunction.degree(h.denominator)
        guard RationalFunction.degree(h.numerator) <= n else {
            throw NetlistError("\(line.name): the transfer function's numerator is of degree \(RationalFunction.degree(h.numerator)), above its denominator's (\(n)): it has no state-space form (an ideal differentiator's gain grows without bound)", at: function.location)
        }
        if n == 0 {
            // A constant: a plain gain.
            let gain = h.numerator[0] / h.denominator[0]
            let kind: ElementKind
            switch (input, letter) {
            case let (.voltage(p, m), "e"): kind = .voltageControlledVoltageSource(a, b, p, m, gain: gain)
            case let (.voltage(p, m), _): kind = .voltageControlledCurrentSource(a, b, p, m, transconductance: gain)
            case let (.current(v), "e"): kind = .currentControlledVoltageSource(a, b, controller: v, transresistance: gain)
            case let (.current(v), _): kind = .currentControlledCurrentSource(a, b, controller: v, gain: gain)
            }
            try circuit.add(name, kind, at: line.location)
            return true
        }
        // ω₀ from the lowest power of D with a coefficient: |dₖ/dₙ|^(1/(n−k)).
        let d = h.denominator
        let lowest = d.firstIndex { $0 != 0 } ?? n
        let w0 = lowest < n ? Foundation.pow(abs(d[lowest] / d[n]), 1 / Double(n - lowest)) : 1
        guard w0.isFinite, w0 > 0 else {
            throw NetlistError("\(line.name): the transfer function's coefficients span too wide a range to scale (\(d))", at: function.location)
        }
        // Coefficients of s′ = s/ω₀, highest power first.
        func scaled(_ p: [Double]) -> [Double] {
            (0...RationalFunction.degree(p)).reversed().map { p[$0] * Foundation.pow(w0, Double($0)) }
        }
        try addStateSpace(name, input, a, b, series: letter == "e", numerator: scaled(h.numerator), denominator: scaled(h.denominator), w0: w0,
                          gain: 1, offset: 0, initial: [Double](repeating: 0, count: n), holdAtDC: d[0] == 0,
                          at: line.location, coefficientsAt: function.location)
        return true
    }

    /// A LAPLACE source's input `{V(a)}`, `{V(a,b)}` or `{I(Vx)}`, read as an output is (`Probe`).
    func laplaceInput(_ token: Token, of element: String, in scope: Scope) throws(NetlistError) -> LinearControl {
        func name(_ s: String) -> Token { Token(kind: .word, text: s, location: token.location) }
        switch Probe(token.text).map({ ($0.quantity, $0.view) }) {
        case let (.voltage(a, b), .value)?:
            return .voltage(try node(name(a), in: scope), try b.map { (n: String) throws(NetlistError) in try node(name(n), in: scope) } ?? .ground)
        case let (.current(v), .value)? where "vlehb".contains(v.first!):
            return .current(scope.prefix + v)
        default:
            throw NetlistError("\(element): LAPLACE's input must be V(node), V(node,node) or I(source), not {\(token.text)}", at: token.location)
        }
    }

    /// `text` multiplied out as a rational function of s, the other names its parameters.
    func rationalFunction(_ text: String, at location: SourceLocation, of element: String, in scope: Scope) throws(NetlistError) -> RationalFunction {
        let expression = try Expression.parse(text, at: location, functions: scope.functionArities())
        func mentionsS(_ e: Expression) -> Bool { e.parameterNames.contains("s") }
        func notRational(_ what: String) -> NetlistError {
            NetlistError("\(element): the transfer function must be a ratio of polynomials in s; \(what) is not (LTspice takes such a function through an FFT, Anode builds rational ones exactly)", at: location)
        }
        func wholePower(_ e: Expression) throws(NetlistError) -> Int {
            let k = try scope.evaluate(e, at: location)
            guard k == k.rounded() else { throw notRational("a power \(k) of s") }
            guard abs(k) <= 64 else { throw NetlistError("\(element): a power \(Int(k)) in the transfer function: Anode multiplies out powers up to 64", at: location) }
            return Int(k)
        }
        func power(_ x: Expression, _ y: Expression) throws(NetlistError) -> RationalFunction {
            guard let p = try build(x).power(try wholePower(y)) else { throw NetlistError("\(element): the transfer function divides by zero", at: location) }
            return p
        }
        func build(_ e: Expression) throws(NetlistError) -> RationalFunction {
            guard mentionsS(e) else { return RationalFunction(try scope.evaluate(e, at: location)) }
            switch e {
            case .parameter: return .s
            case .unary("-", let x): return -(try build(x))
            case .unary("+", let x): return try build(x)
            case let .binary("+", x, y): return try build(x) + build(y)
            case let .binary("-", x, y): return try build(x) - build(y)
            case let .binary("*", x, y): return try build(x) * build(y)
            case let .binary("/", x, y):
                guard let q = try build(x) / build(y) else {
                    throw NetlistError("\(element): the transfer function divides by zero", at: location)
                }
                return q
            case let .binary("^", x, y) where !mentionsS(y):
                return try power(x, y)
            case let .call(f, arguments) where f == "pow" && arguments.count == 2 && !mentionsS(arguments[1]):
                return try power(arguments[0], arguments[1])
            case let .call(f, arguments) where f == "sqr" && arguments.count == 1:
                return try build(arguments[0]) * build(arguments[0])
            case .call(let f, _):
                throw notRational("\(f)(…) of s")
            default:
                throw notRational("this expression of s")
            }
        }
        let h = try build(expression)
        guard h.numerator.allSatisfy(\.isFinite), h.denominator.allSatisfy(\.isFinite) else {
            throw NetlistError("\(element): the transfer function's coefficients are not finite numbers", at: location)
        }
        guard h.denominator.contains(where: { $0 != 0 }) else { throw NetlistError("\(element): the transfer function divides by zero", at: location) }
        return h
    }
}
