/// SPICE2's polynomial controlled sources, `POLY(N)`, as op-amp macromodels write them:
///
///     E1 out+ out− POLY(2) (c1+,c1−) (c2+,c2−) p0 p1 p2 [p3 …]     V(out+, out−) = P(V(c1), V(c2))
///     G1 out+ out− POLY(2) c1+ c1− c2+ c2− p0 p1 p2 [p3 …]         current P(…) from out+ through G1 to out−
///     F1 out+ out− POLY(3) V1 V2 V3 p0 p1 p2 p3 [p4 …]             current P(i(V1), i(V2), i(V3))
///     H1 out+ out− POLY(1) V1 p0 p1 [p2 …]                          V(out+, out−) = P(i(V1))
///
/// P(x₁ … x_N) = p0 + p1·x₁ + … + pN·x_N + p(N+1)·x₁² + p(N+2)·x₁·x₂ + … (the higher terms in
/// SPICE's order: all products of degree 2 with indices non-decreasing, then degree 3, …). A POLY(1)
/// with a single coefficient is an error: SPICE2 and PSpice read it as the gain p1, ngspice-39 as the
/// constant p0, and Anode does not pick one silently.
///
/// The polynomial's constant and first-degree terms are built from the linear elements they add up
/// to, which both engines solve exactly: a sum of voltages is a chain of sources in series (through
/// inner nodes named `e1#poly1`, `e1#poly2`, …), a sum of currents is sources in parallel. The first
/// element keeps the source's name (so `i(E1)` is its current), the others are `E1#2` for the second
/// control's term and `E1#0` for the constant. A polynomial with products of voltages (degree two
/// or more, nonzero coefficients) is one behavioral source instead (see `behavioralSource`); a
/// product of currents is an error naming it, as behavioral sources read voltages only.
extension Elaborator {
    /// Whether the element line is a `POLY(N)` controlled source.
    static func isPolynomial(_ line: ElementLine) -> Bool {
        let t = line.arguments
        return t.count > 2 && t[2].kind == .word && t[2].lowercased == "poly"
    }

    mutating func polynomialSource(_ line: ElementLine, name: String, letter: Character, in scope: Scope) throws(NetlistError) {
        let t = line.arguments
        let keyword = t[2]
        guard t.count > 5, t[3].kind == .leftParen, t[4].kind == .word, t[5].kind == .rightParen,
              let dimensions = Int(t[4].text), (1...20).contains(dimensions) else {
            throw NetlistError("\(line.name): POLY needs its number of controls in parentheses, from 1 to 20, as in POLY(2)", at: keyword.location)
        }
        let a = try node(t[0], in: scope), b = try node(t[1], in: scope)
        // The rest: controls then coefficients; parentheses and commas around node pairs are decoration.
        var values: [Token] = []
        for token in t[6...] {
            switch token.kind {
            case .word, .expression: values.append(token)
            case .leftParen, .rightParen, .comma: continue
            case .equals:
                throw NetlistError("\(line.name): unexpected '=' in a POLY source", at: token.location)
            }
        }
        let voltageControlled = letter == "e" || letter == "g"
        let controlTokens = voltageControlled ? 2 * dimensions : dimensions
        guard values.count > controlTokens else {
            let what = voltageControlled ? "\(controlTokens) control nodes" : "\(dimensions) controlling voltage source\(dimensions == 1 ? "" : "s")"
            throw NetlistError("\(line.name): POLY(\(dimensions)) needs \(what) and at least one coefficient", at: values.last?.location ?? keyword.location)
        }
        var controls: [LinearControl] = []
        for k in 0..<dimensions {
            if voltageControlled {
                controls.append(.voltage(try node(values[2 * k], in: scope), try node(values[2 * k + 1], in: scope)))
            } else {
                let source = values[k]
                guard source.kind == .word, source.lowercased.first == "v" else {
                    throw NetlistError("\(line.name): the controlling element must be a voltage source, not '\(source.text)'", at: source.location)
                }
                controls.append(.current(scope.prefix + source.text))
            }
        }
        var coefficients: [Double] = []
        for token in values[controlTokens...] {
            let c = try scope.evaluate(ValueText(token))
            guard c.isFinite else { throw NetlistError("\(line.name): POLY coefficient '\(token.text)' is not finite", at: token.location) }
            coefficients.append(c)
        }
        if dimensions == 1 && coefficients.count == 1 {
            throw NetlistError("\(line.name): a POLY(1) with one coefficient is read as the gain p1 by SPICE2 and PSpice but as the constant p0 by ngspice; write both, as in POLY(1) … 0 \(values[controlTokens].text)",
                               at: values[controlTokens].location)
        }
        if let k = coefficients.indices.dropFirst(dimensions + 1).first(where: { coefficients[$0] != 0 }) {
            guard voltageControlled else {
                let factors = Self.polynomialTerm(k, dimensions: dimensions)
                let term = factors.map { "x\($0 + 1)" }.joined(separator: "·")
                throw NetlistError("\(line.name): POLY coefficient p\(k) multiplies \(term), a term of degree \(factors.count); of a current-controlled source only the constant and first-degree terms are supported",
                                   at: values[controlTokens + k].location)
            }
            // Products of voltages: the whole polynomial as one behavioral source.
            let pairs = controls.map { control -> (Node, Node) in
                if case let .voltage(p, n) = control { return (p, n) }
                return (.ground, .ground)
            }
            let output = try behavioralOutput(name, voltage: letter == "e", a, b, at: line.location)
            let source = try Self.behavioralElement(output: output, reads: pairs, element: line.name, at: line.location) { ports in
                (Self.polynomialProgram(coefficients, dimensions: dimensions, ports: ports), [], [])
            }
            return try addBehavioral(name, voltage: letter == "e", a, b, output: output, source, at: line.location)
        }
        // The nonzero terms of the first degree, and the constant.
        var terms: [LinearTerm] = []
        for k in 0..<dimensions where k + 1 < coefficients.count && coefficients[k + 1] != 0 {
            terms.append(LinearTerm(control: controls[k], coefficient: coefficients[k + 1], name: terms.isEmpty ? name : "\(name)#\(k + 1)"))
        }
        try addLinearSum(name, a, b, series: letter == "e" || letter == "h", terms: terms, constant: coefficients[0],
                         constantName: name + "#0", at: line.location)
    }

    /// Σₖ pₖ·Πᵢ xᵢ over the nonzero coefficients, as a behavioral program: a running sum of
    /// products, so that the stack never holds more than three values.
    static func polynomialProgram(_ coefficients: [Double], dimensions: Int, ports: [(Int, Int)]) -> [BehavioralSource.Operation] {
        var code: [BehavioralSource.Operation] = [.constant(coefficients[0])]
        for k in coefficients.indices.dropFirst() where coefficients[k] != 0 {
            code.append(.constant(coefficients[k]))
            for factor in polynomialTerm(k, dimensions: dimensions) {
                code += [.voltage(plus: ports[factor].0, minus: ports[factor].1), .binary(.multiply)]
            }
            code.append(.binary(.add))
        }
        return code
    }

    /// The controls (0-based, non-decreasing) that coefficient `k` of a POLY(`dimensions`) multiplies:
    /// [] for p0, [i] for p(i+1), then the products of degree 2, 3, … in SPICE's order.
    static func polynomialTerm(_ k: Int, dimensions n: Int) -> [Int] {
        if k == 0 { return [] }
        var index = 0
        var degree = 1
        while true {
            // All non-decreasing index tuples of this degree, in lexicographic order.
            var tuple = [Int](repeating: 0, count: degree)
            while true {
                index += 1
                if index == k { return tuple }
                var position = degree - 1
                while position >= 0 && tuple[position] == n - 1 { position -= 1 }
                if position < 0 { break }
                tuple[position] += 1
                for q in (position + 1)..<degree { tuple[q] = tuple[position] }
            }
            degree += 1
        }
    }
}
