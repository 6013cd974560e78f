/// `.meas[ure]` lines into `SpiceMeasurement`s (see there for the forms read).
extension Elaborator {
    mutating func measure(_ analysisToken: Token?, _ nameToken: Token, _ t: [Token], at location: SourceLocation, in scope: Scope) throws(NetlistError) {
        let analysis: AnalysisKind
        if let analysisToken {
            guard let kind = AnalysisKind(rawValue: analysisToken.lowercased), kind != .op else {
                throw NetlistError(".meas measures a tran, ac or dc result, not '\(analysisToken.text)'", at: analysisToken.location)
            }
            analysis = kind
        } else {
            // LTspice's form without the analysis: the netlist's one .tran, .ac or .dc.
            var kinds: [AnalysisKind] = []
            for statement in statements {
                guard case .command(let command) = statement.kind else { continue }
                let kind: AnalysisKind? = switch command { case .tran: .tran; case .ac: .ac; case .dc: .dc; default: nil }
                if let kind, !kinds.contains(kind) { kinds.append(kind) }
            }
            guard kinds.count == 1 else {
                throw NetlistError(".meas \(nameToken.text) does not say which analysis it measures, and the netlist runs \(kinds.isEmpty ? "no .tran, .ac or .dc" : "several"); write .meas tran|ac|dc \(nameToken.text) …", at: nameToken.location)
            }
            analysis = kinds[0]
        }
        let name = nameToken.lowercased
        if circuit.measurements.contains(where: { $0.name == name }) {
            throw NetlistError("a second .meas named '\(nameToken.text)'", at: nameToken.location)
        }
        var i = 0
        func word() -> String? { i < t.count && t[i].kind == .word ? t[i].lowercased : nil }
        func here() -> SourceLocation { i < t.count ? t[i].location : (t.last?.location ?? nameToken.location) }
        func probe() throws(NetlistError) -> Probe {
            if i < t.count, let parameter = ProbeText.deviceParameter(t[i]) {
                i += 1
                return try resolve(parameter, in: analysis)
            }
            guard i + 1 < t.count, t[i].kind == .word, t[i + 1].kind == .leftParen else {
                throw NetlistError(".meas \(nameToken.text): expected an output such as v(out) here", at: here())
            }
            let text = try ProbeText.parse(t, at: &i)
            let start = text.function
            if analysis == .ac && (start == "v" || start == "i") {
                throw NetlistError(".meas \(nameToken.text): say which part of the phasor to measure: \(start)m(), \(start)db(), \(start)p(), \(start)r() or \(start)i() (ngspice measures the real part of a plain \(start)(), LTspice its magnitude)", at: text.location)
            }
            return try resolve(text, in: analysis)
        }
        func value() throws(NetlistError) -> Double {
            guard i < t.count, t[i].kind == .word || t[i].kind == .expression else {
                throw NetlistError(".meas \(nameToken.text): expected a value here", at: here())
            }
            defer { i += 1 }
            return try scope.evaluate(ValueText(t[i]))
        }
        /// `KEY=value` pairs from i on, while the key is one of `keys`.
        func options(_ keys: Set<String>) throws(NetlistError) -> [String: (token: Token, value: Token)] {
            var found: [String: (token: Token, value: Token)] = [:]
            while let key = word(), keys.contains(key), i + 2 < t.count, t[i + 1].kind == .equals {
                guard found[key] == nil else { throw NetlistError(".meas \(nameToken.text): \(t[i].text) is given twice", at: t[i].location) }
                found[key] = (t[i], t[i + 2])
                i += 3
            }
            return found
        }
        func number(_ o: (token: Token, value: Token)) throws(NetlistError) -> Double { try scope.evaluate(ValueText(o.value)) }
        /// The crossing options of a condition on `probe` at `level`.
        func condition(_ probe: Probe?, level: Double) throws(NetlistError) -> SpiceMeasurement.Condition {
            let o = try options(["rise", "fall", "cross", "td"])
            var c = SpiceMeasurement.Condition(probe: probe, level: level)
            let edges = o.keys.filter { $0 != "td" }
            if edges.count > 1 {
                throw NetlistError(".meas \(nameToken.text): give one of RISE, FALL and CROSS", at: o[edges[1]]!.token.location)
            }
            if let edge = edges.first, let (key, text) = o[edge] {
                c.edge = SpiceMeasurement.Edge(rawValue: edge)!
                if text.kind == .word && text.lowercased == "last" {
                    c.count = nil
                } else {
                    let n = try scope.evaluate(ValueText(text))
                    guard n >= 1, n <= 1e9, n == n.rounded() else {
                        throw NetlistError(".meas \(nameToken.text): \(key.text) must be a whole number from 1 on, or LAST", at: text.location)
                    }
                    c.count = Int(n)
                }
            }
            if let td = o["td"] { c.delay = try number(td) }
            return c
        }
        /// `v(x)=level [RISE=…]` after WHEN.
        func when() throws(NetlistError) -> SpiceMeasurement.Condition {
            let p = try probe()
            guard i < t.count, t[i].kind == .equals else {
                throw NetlistError(".meas \(nameToken.text): WHEN needs output=level, as in WHEN v(out)=0.5", at: here())
            }
            i += 1
            if i + 1 < t.count, t[i].kind == .word, t[i + 1].kind == .leftParen {
                // Two outputs: where their difference crosses 0.
                let other = try probe()
                var c = try condition(p, level: 0)
                c.reference = other
                return c
            }
            return try condition(p, level: try value())
        }
        /// `AT=point` or `WHEN output=level …` after FIND's or DERIV's output.
        func place(_ what: String) throws(NetlistError) -> SpiceMeasurement.Place {
            if word() == "when" {
                i += 1
                return .when(try when())
            }
            guard let at = try options(["at"])["at"] else {
                throw NetlistError(".meas \(nameToken.text): \(what) needs AT=point or WHEN output=level", at: here())
            }
            return .at(try number(at))
        }
        /// `v(x) VAL=level [RISE=…]` or `AT=point` after TRIG or TARG.
        func edge(_ what: String) throws(NetlistError) -> SpiceMeasurement.Condition {
            if word() == "at", i + 1 < t.count, t[i + 1].kind == .equals {
                i += 2
                return SpiceMeasurement.Condition(probe: nil, level: try value())
            }
            let p = try probe()
            let o = try options(["val"])
            guard let level = o["val"] else {
                throw NetlistError(".meas \(nameToken.text): \(what) needs VAL=level after its output", at: here())
            }
            return try condition(p, level: try number(level))
        }

        guard let keyword = word() else { throw NetlistError(".meas \(nameToken.text): expected what to measure", at: here()) }
        let keywordLocation = t[i].location
        i += 1
        let kind: SpiceMeasurement.Kind
        switch keyword {
        case "avg", "rms", "min", "max", "pp", "integ", "integral", "min_at", "max_at":
            let statistic = keyword == "integral" ? .integ : SpiceMeasurement.Statistic(rawValue: keyword)!
            let p = try probe()
            let o = try options(["from", "to"])
            kind = .statistic(statistic, p, from: try o["from"].map { (x) throws(NetlistError) in try number(x) },
                              to: try o["to"].map { (x) throws(NetlistError) in try number(x) })
        case "find":
            let p = try probe()
            kind = .find(p, try place("FIND"))
        case "when":
            kind = .when(try when())
        case "deriv", "derivative":
            let p = try probe()
            kind = .derivative(p, try place("DERIV"))
        case "param":
            guard i + 1 < t.count, t[i].kind == .equals, t[i + 1].kind == .word || t[i + 1].kind == .expression else {
                throw NetlistError(".meas \(nameToken.text): PARAM needs ='expression'", at: here())
            }
            let text = t[i + 1]
            i += 2
            // Built-in functions only: a .func would need its scope when the measurement is evaluated.
            let expression = try Expression.parse(text.text, at: text.location)
            let earlier = Set(circuit.measurements.map(\.name))
            var constants: [String: Double] = [:]
            for name in expression.parameterNames where !earlier.contains(name) {
                guard let value = try scope.parameter(name) else {
                    throw NetlistError(".meas \(nameToken.text): '\(name)' is neither a parameter nor a measurement before this one", at: text.location)
                }
                constants[name] = value
            }
            kind = .param(expression, constants: constants)
        case "trig":
            let trigger = try edge("TRIG")
            guard word() == "targ" else { throw NetlistError(".meas \(nameToken.text): TRIG needs a TARG", at: here()) }
            i += 1
            kind = .trigTarg(trigger: trigger, target: try edge("TARG"))
        default:
            throw NetlistError(".meas \(nameToken.text): '\(t[i - 1].text)' is not supported; Anode measures AVG, RMS, MIN, MAX, PP, INTEG, MIN_AT, MAX_AT, FIND, WHEN, DERIV, TRIG/TARG and PARAM", at: keywordLocation)
        }
        if i < t.count {
            throw NetlistError(".meas \(nameToken.text): unexpected '\(t[i].text)'", at: t[i].location)
        }
        circuit.measurements.append(SpiceMeasurement(name: name, analysis: analysis, kind: kind, location: location))
    }
}
