/// Behavioral sources, as ngspice, LTspice and PSpice write them:
///
///     B1 out+ out− I={expression}        a current from out+ through B1 to out−
///     B1 out+ out− V={expression}        V(out+, out−)
///     G1 out+ out− VALUE={expression}    as B … I=
///     E1 out+ out− VALUE={expression}    as B … V=
///     E1 out+ out− TABLE {expression} = (x0,y0) (x1,y1) …   V = the table at the expression's
///                                                             value, held beyond its ends (G: a current)
///
/// The expression reads node voltages, `v(a)` or `v(a,b)`, the parameters in scope, the built-in
/// functions of a B source (see `BehavioralSource`) and the netlist's `.func` functions, which are
/// expanded in place. Its constant parts are folded when the netlist is elaborated. The braces may
/// be left out, as ngspice allows; `=` may be left out after VALUE, as PSpice allows.
///
/// A current source becomes one nonlinear device (`ElementKind.behavioralSource`) whose ports are
/// the node pairs it reads and drives (or the nodes it touches, relative to ground, when those are
/// fewer): at most four. A voltage source is exact without a voltage-type port: its expression
/// drives a current into an inner node `b1#value` that has 1 Ω to ground, so that the node's
/// voltage is the expression's value, and a unit-gain VCVS named as the source (so `i(B1)` is its
/// current) copies that voltage to the output. A branch current in an expression (`i(V1)`: of a
/// voltage source, an inductor, or an E, H or behavioral voltage source) is read through a terminal
/// named `i(v1)` that the network resolves to that branch's unknown. `time` is the voltage of a node
/// `#time` that a source (`#time`, added once) holds at the time in seconds.
extension Elaborator {
    /// Whether the element line is an E or G source with `VALUE` or `TABLE` (or ngspice's
    /// `E1 a b vol='…'`, `G1 a b cur='…'`).
    static func isBehavioral(_ line: ElementLine) -> Bool {
        let t = line.arguments
        return t.count > 2 && t[2].kind == .word && ["value", "table", "vol", "cur"].contains(t[2].lowercased)
    }

    /// A `B` line, or an E or G line with `VALUE` or `TABLE`.
    mutating func behavioralSource(_ line: ElementLine, name: String, letter: Character, in scope: Scope) throws(NetlistError) {
        let t = line.arguments
        guard t.count > 2 else {
            throw NetlistError("\(line.name) needs two nodes and \(letter == "b" ? "V={expression} or I={expression}" : "VALUE={expression}")", at: line.location)
        }
        let keyword = t[2]
        let voltage: Bool
        switch (letter, keyword.kind == .word ? keyword.lowercased : "") {
        case ("b", "v"), ("e", "value"), ("e", "table"), ("e", "vol"): voltage = true
        case ("b", "i"), ("g", "value"), ("g", "table"), ("g", "cur"): voltage = false
        default:
            throw NetlistError("\(line.name): expected \(letter == "b" ? "V= or I=" : "VALUE=") after the two nodes, found '\(keyword.description)'", at: keyword.location)
        }
        var rest = Array(t[3...])
        var table: [Double]? = nil
        if keyword.lowercased == "table" {
            // TABLE {expression} [=] (x0, y0) (x1, y1) …: the expression is one token, then the points.
            guard let expression = rest.first, expression.kind == .expression else {
                throw NetlistError("\(line.name): TABLE needs its expression in braces, as in TABLE {V(a)} = (0,0) (1,1)", at: rest.first?.location ?? keyword.location)
            }
            table = try Self.tablePoints(rest.dropFirst(), element: line.name, at: expression.location, in: scope)
            rest = [expression]
        }
        if rest.first?.kind == .equals { rest.removeFirst() }
        guard let first = rest.first else { throw NetlistError("\(line.name): the expression is missing", at: keyword.location) }
        if first.kind == .expression, rest.count > 1, let equals = rest.dropFirst().firstIndex(where: { $0.kind == .equals }) {
            // LTspice's instance parameters of a B source (Rpar=, Cpar=, ic=, delay=, …). Without
            // one, what follows continues the expression, as ngspice reads `V = '(…)' * v(n)`.
            let name = rest[max(equals - 1, 1)]
            throw NetlistError("\(line.name): '\(name.description)' after the expression: instance parameters of behavioral sources are not supported", at: name.location)
        }
        let text = rest.count == 1 && first.kind == .expression ? first.text : Self.expressionText(rest)
        let p = try node(t[0], in: scope), n = try node(t[1], in: scope)
        let output = try behavioralOutput(name, voltage: voltage, p, n, at: line.location)
        let source = try compileBehavioral(text, at: first.location, output: output, element: line.name, owner: name, table: table, in: scope)
        if source.nodes.contains(Self.timeNode) { try addTimeSource() }
        try addBehavioral(name, voltage: voltage, p, n, output: output, source, at: line.location)
    }

    /// Whether a resistor's value is an expression of node voltages, currents or time (a
    /// behavioral resistor) rather than of parameters.
    static func readsCircuit(_ value: ValueText) -> Bool {
        guard value.isExpression, let found = try? voltageReferences(in: value.text, at: value.location) else { return false }
        return !found.references.isEmpty
    }

    /// Resistor `name` from `a` to `b` whose resistance is the expression `value`: a behavioral
    /// current source m·V(a,b)/value, so that `i(R1)` is its current, as ngspice makes it.
    mutating func behavioralResistor(_ name: String, _ a: Node, _ b: Node, _ value: ValueText, multiplier: Double,
                                     element: String, at location: SourceLocation, in scope: Scope) throws(NetlistError) {
        let output = try behavioralOutput(name, voltage: false, a, b, at: location)
        let source = try compileBehavioral(value.text, at: value.location, output: output, element: element, owner: name, conductances: multiplier, in: scope)
        if source.nodes.contains(Self.timeNode) { try addTimeSource() }
        try addBehavioral(name, voltage: false, a, b, output: output, source, at: location)
    }

    /// ngspice's behavioral capacitor `C1 a b C='expr'` and inductor `L1 a b L='expr'`, whose value
    /// reads the circuit: i = C(…)·dV(a,b)/dt and V(a,b) = L(…)·di/dt, i the current from a to b
    /// (not a charge or flux law: for those, `Q=` and `Flux=`). As ngspice's manual builds them:
    ///
    ///     C  the rate dV/dt as the current of a unit capacitor C1#unit that a VCVS C1#copy holds
    ///        at V(a,b) (the copy's current is −dV/dt), and a behavioral current source C1 from a
    ///        to b of expr·dV/dt
    ///     L  a behavioral voltage source L1 of expr·V(w), where a unit inductor L1#unit at an inner
    ///        node w carries the current of L1, driven into w by a behavioral source L1#copy:
    ///        V(w) = di/dt
    mutating func behavioralReactance(_ line: ElementLine, name: String, letter: Character, _ a: Node, _ b: Node, _ value: ValueText,
                                      unsupported: String?, in scope: Scope) throws(NetlistError) {
        let what = letter == "c" ? "capacitance" : "inductance"
        if let unsupported {
            throw NetlistError("\(line.name): \(unsupported) with a\(letter == "c" ? "" : "n") \(what) that reads the circuit is not supported", at: line.location)
        }
        guard a != b else { throw NetlistError("\(line.name): both nodes are '\(a.name)'", at: line.location) }
        let rate = "__rate"
        if letter == "c" {
            let w = parasiticNode(of: name, "dvdt")
            try circuit.add(name + "#copy", .voltageControlledVoltageSource(w, .ground, a, b, gain: 1), at: line.location)
            try circuit.add(name + "#unit", .capacitor(w, .ground, capacitance: 1, initialVoltage: nil), at: line.location)
            let copy = Node("i(" + name + "#copy)")
            let source = try compileBehavioral("-(\(value.text))*\(rate)", at: value.location, output: (a, b), element: line.name, owner: name,
                                               variable: (rate, (copy, .ground)), in: scope)
            if source.nodes.contains(Self.timeNode) { try addTimeSource() }
            return try circuit.add(name, source, at: line.location)
        }
        let w = parasiticNode(of: name, "didt")
        let output = try behavioralOutput(name, voltage: true, a, b, at: line.location)
        let source = try compileBehavioral("(\(value.text))*\(rate)", at: value.location, output: output, element: line.name, owner: name,
                                           variable: (rate, (w, .ground)), in: scope)
        if source.nodes.contains(Self.timeNode) { try addTimeSource() }
        try addBehavioral(name, voltage: true, a, b, output: output, source, at: line.location)
        circuit.inductiveSources.insert(name.lowercased())
        let current = Node("i(" + name + ")")
        let copy = try Self.behavioralElement(output: (.ground, w), reads: [(current, .ground)], element: line.name, at: line.location) { ports in
            ([.voltage(plus: ports[0].0, minus: ports[0].1)], [], [])
        }
        try circuit.add(name + "#copy", copy, at: line.location)
        try circuit.add(name + "#unit", .inductor(w, .ground, inductance: 1, initialCurrent: nil), at: line.location)
    }

    /// The node whose voltage is the time, in seconds, for expressions that read `time`.
    static let timeNode = Node("#time")

    /// Adds, once, the source that holds `timeNode` at the time: a PWL ramp of 1 V/s from 0 (so
    /// the operating point sees time 0, as SPICE's does, and `--engine realtime`, which feeds every
    /// source with a waveform as an input, sees the time too).
    mutating func addTimeSource() throws(NetlistError) {
        guard circuit.element(named: "#time") == nil else { return }
        let ramp = Waveform.piecewiseLinear([Waveform.Point(time: 0, value: 0), Waveform.Point(time: 1e9, value: 1e9)])
        try circuit.add("#time", .voltageSource(Self.timeNode, .ground, IndependentSource(dc: 0, waveform: ramp)))
    }

    /// Where behavioral source `name` between `p` and `n` drives its current: from `p` to `n`, or,
    /// for a voltage source (`voltage`), from ground into an inner node `name#value`.
    mutating func behavioralOutput(_ name: String, voltage: Bool, _ p: Node, _ n: Node, at location: SourceLocation) throws(NetlistError) -> (Node, Node) {
        if voltage { return (.ground, parasiticNode(of: name, "value")) }
        guard p != n else { throw NetlistError("\(name): both output nodes are '\(p.name)'", at: location) }
        return (p, n)
    }

    /// Adds behavioral source `name` between `p` and `n`: the current source `source` (driving
    /// `output`, from `behavioralOutput`), and for a voltage source (`voltage`) the 1 Ω from the
    /// inner node to ground and a unit VCVS named `name` that copies the inner node's voltage.
    mutating func addBehavioral(_ name: String, voltage: Bool, _ p: Node, _ n: Node, output: (Node, Node), _ source: ElementKind,
                                at location: SourceLocation) throws(NetlistError) {
        guard voltage else { return try circuit.add(name, source, at: location) }
        try circuit.add(name + "#value", source, at: location)
        try circuit.add(name + "#r", .resistor(output.1, .ground, resistance: 1), at: location)
        try circuit.add(name, .voltageControlledVoltageSource(p, n, output.1, .ground, gain: 1), at: location)
    }

    /// The points of a TABLE source, x₀, y₀, x₁, y₁, … from `(x0, y0) (x1, y1) …` (parentheses and
    /// commas optional), at least two, x non-decreasing.
    static func tablePoints(_ tokens: ArraySlice<Token>, element: String, at location: SourceLocation, in scope: Scope) throws(NetlistError) -> [Double] {
        var values: [Double] = []
        var last = location
        for token in tokens.drop(while: { $0.kind == .equals }) {
            switch token.kind {
            case .word, .expression:
                values.append(try scope.evaluate(ValueText(token)))
                last = token.location
            case .leftParen, .rightParen, .comma: continue
            case .equals: throw NetlistError("\(element): unexpected '=' among the TABLE's points", at: token.location)
            }
        }
        guard values.count >= 4, values.count % 2 == 0 else {
            throw NetlistError("\(element): a TABLE needs pairs (x, y), at least two", at: last)
        }
        if let (a, b) = BehavioralSource.firstDecrease(in: values[...]) {
            throw NetlistError("\(element): the TABLE's x values must not decrease (\(a), then \(b))", at: last)
        }
        return values
    }

    /// The text of an expression written without braces, from its tokens: adjacent words are kept
    /// apart by a space, everything else joined as written.
    static func expressionText(_ tokens: [Token]) -> String {
        var text = ""
        var previousWord = false
        for token in tokens {
            switch token.kind {
            case .word:
                if previousWord { text += " " }
                text += token.text
            case .expression: text += "(" + token.text + ")"
            case .leftParen: text += "("
            case .rightParen: text += ")"
            case .comma: text += ","
            case .equals: text += "="
            }
            previousWord = token.kind == .word
        }
        return text
    }

    /// The behavioral current source of expression `text` (written at `location`), flowing from
    /// `output.0` through it to `output.1`.
    /// `table` (points x₀, y₀, …) makes the value the table at the expression's value, held beyond its ends.
    /// `conductances` (ngspice's and LTspice's `R1 a b r='expr'`): the expression is a resistance,
    /// and the current is that many units in parallel, conductances·V(output)/value.
    /// `variable` binds a name (LTspice's `x`) to the voltage of a node pair; with `charge`, the
    /// expression is a charge (`Q=`, `Flux=`). Otherwise the `ddt(q)` terms of the expression's sum
    /// (see `Expression.derivativeTerms`) become the source's charge program, the rest its current.
    /// Each `idt(x[, ic])` or `sdt(…)` (LTspice's time integrals) becomes a state of its own (see
    /// `replacingIntegrals`), named after `owner` (the element's name in its subcircuit instance).
    mutating func compileBehavioral(_ text: String, at location: SourceLocation, output: (Node, Node), element: String,
                                    owner: String? = nil, table: [Double]? = nil, conductances: Double? = nil,
                                    variable: (name: String, pair: (Node, Node))? = nil,
                                    charge: Bool = false, in scope: Scope) throws(NetlistError) -> ElementKind {
        let (replaced, references) = try Self.voltageReferences(in: text, at: location)
        var pairs: [(Node, Node)] = []
        for r in references {
            if r.current {
                // A branch current, read as the "voltage" of a terminal that names it (see `ElementKind.behavioralSource`).
                pairs.append((Node("i(" + scope.prefix + r.plus + ")"), .ground))
                continue
            }
            if r.plus == Self.timeNode.name {
                pairs.append((Self.timeNode, .ground))
                continue
            }
            let a = try node(Token(kind: .word, text: r.plus, location: location.advanced(by: r.offset)), in: scope)
            let b = try r.minus.map { (m: String) throws(NetlistError) in try node(Token(kind: .word, text: m, location: location.advanced(by: r.offset)), in: scope) } ?? .ground
            pairs.append((a, b))
        }
        let read = pairs
        var integrals = 0
        let parsed = try replacingIntegrals(in: Expression.parse(replaced, at: location, functions: scope.functionArities()),
                                            reads: read, pairs: &pairs, count: &integrals, owner: owner ?? element, element: element,
                                            at: location, in: scope)
        if conductances != nil { pairs.append(output) }
        if let variable { pairs.append(variable.pair) }
        let (expression, chargeExpression): (Expression, Expression?)
        if charge {
            (expression, chargeExpression) = (.number(0), parsed)
        } else {
            guard let split = parsed.derivativeTerms() else {
                throw NetlistError("\(element): ddt() is taken as a term of the expression's sum, times or over constants (I = g(v) + C*ddt(q(v))); not inside another function or product", at: location)
            }
            (expression, chargeExpression) = (split.rest ?? .number(0), split.charge)
            if chargeExpression != nil, table != nil || conductances != nil {
                throw NetlistError("\(element): ddt() in a TABLE or a behavioral resistor is not supported", at: location)
            }
        }
        return try Self.behavioralElement(output: output, reads: pairs, element: element, at: location) { (ports) throws(NetlistError) in
            var compiler = BehavioralCompiler(location: location, element: element, voltages: ports)
            // LTspice's `x` (a Q= capacitor's voltage, a Flux= inductor's current): the last pair read.
            let bound: [String: [BehavioralSource.Operation]] = variable.flatMap { v in ports.last.map { [v.name: [.voltage(plus: $0.0, minus: $0.1)]] } } ?? [:]
            var code = try compiler.compile(expression, in: scope, arguments: bound)
            let chargeCode = try chargeExpression.map { (e: Expression) throws(NetlistError) in try compiler.compile(e, in: scope, arguments: bound) } ?? []
            if let conductances, let across = ports.last {
                // i = m·V(a,b)/R: V, then R, divided; then times m.
                code = [.voltage(plus: across.0, minus: across.1)] + code + [.binary(.divide), .constant(conductances), .binary(.multiply)]
            }
            if let table {
                code.append(.table(start: compiler.tables.count, count: table.count / 2, clamped: true))
                compiler.tables += table
            }
            return (code, chargeCode, compiler.tables)
        }
    }

    /// `e` with each call `idt(x[, ic])` or `sdt(x[, ic])` — LTspice's time integral of x from ic
    /// (0 when not given) — replaced by the voltage of a state node `OWNER#idtK`: a 1 F capacitor to
    /// ground that a behavioral current source `OWNER#idtKin` charges by x, held at ic at DC and
    /// starting from it (as `int` of the code models). The integrand reads the voltages `reads`
    /// (the `__vk` names of the expression); each state's pair is appended to `pairs`, the call
    /// becoming `__vk` of its index. LTspice's third argument, a reset, is not supported.
    mutating func replacingIntegrals(in e: Expression, reads: [(Node, Node)], pairs: inout [(Node, Node)], count: inout Int,
                                     owner: String, element: String, at location: SourceLocation, in scope: Scope) throws(NetlistError) -> Expression {
        func inner(_ x: Expression) throws(NetlistError) -> Expression {
            try replacingIntegrals(in: x, reads: reads, pairs: &pairs, count: &count, owner: owner, element: element, at: location, in: scope)
        }
        switch e {
        case .number, .parameter: return e
        case .unary(let op, let x): return .unary(op, try inner(x))
        case .binary(let op, let a, let b): return .binary(op, try inner(a), try inner(b))
        case .conditional(let c, let a, let b): return .conditional(try inner(c), try inner(a), try inner(b))
        case .call(let name, let args) where name == "idt" || name == "sdt":
            guard args.count <= 2 else {
                throw NetlistError("\(element): \(name)()'s third argument (LTspice's reset) is not supported; \(name)(x) or \(name)(x, ic)", at: location)
            }
            guard !args.contains(where: { $0.calls(["idt", "sdt"]) }), !args[0].containsDerivative else {
                throw NetlistError("\(element): \(name)() of an integral or a ddt() is not supported", at: location)
            }
            var start = 0.0
            if args.count == 2 {
                guard args[1].isConstantOverCircuit else {
                    throw NetlistError("\(element): \(name)()'s initial condition must be a constant, not read from the circuit", at: location)
                }
                start = try args[1].evaluate(at: location, lookup: { name throws(NetlistError) in try scope.parameter(name) })
            }
            count += 1
            let state = parasiticNode(of: owner, "idt\(count)")
            try circuit.add("\(owner)#idt\(count)", .capacitor(state, .ground, capacitance: 1, initialVoltage: start), at: location)
            circuit.dcHolds[state] = start
            try addLaw("\(owner)#idt\(count)in", args[0], reads: reads, .ground, state, voltage: false, element: element, in: scope, at: location)
            pairs.append((state, .ground))
            return .parameter("__v\(pairs.count - 1)")
        case .call(let name, let args):
            var replaced: [Expression] = []
            for a in args { replaced.append(try inner(a)) }
            return .call(name, replaced)
        }
    }

    /// The behavioral current source from `output.0` through it to `output.1` whose value reads
    /// the voltages `pairs`. Its ports are the output's node pair and each distinct pair it reads (a
    /// pair read the other way round is the same port, negated), or, when that makes fewer, the
    /// nodes it touches relative to ground (or to `output.1`); at most four. `program` writes its
    /// program for the (port, port) pairs that `pairs` become (−1: 0 V).
    static func behavioralElement(output: (Node, Node), reads pairs: [(Node, Node)], element: String, at location: SourceLocation,
                                  program: ([(Int, Int)]) throws(NetlistError) -> (current: [BehavioralSource.Operation], charge: [BehavioralSource.Operation], tables: [Double]))
        throws(NetlistError) -> ElementKind {
        // Ports as node pairs: the output's first (its current is the source's), then those read.
        var ports: [(Node, Node)] = [output]
        var reads: [(Int, Int)] = []
        for (a, b) in pairs {
            if a == b { reads.append((-1, -1)); continue }
            if let k = ports.firstIndex(where: { $0 == (a, b) }) { reads.append((k, -1)); continue }
            if let k = ports.firstIndex(where: { $0 == (b, a) }) { reads.append((-1, k)); continue }
            ports.append((a, b))
            reads.append((ports.count - 1, -1))
        }
        var (outputPlus, outputMinus) = (0, -1)
        // Or ports as nodes against one reference, when fewer.
        let nodes = [output.0, output.1] + pairs.flatMap { [$0.0, $0.1] }
        let reference = nodes.contains(.ground) ? Node.ground : output.1
        var terminals: [Node] = []
        for node in nodes where node != reference && !terminals.contains(node) { terminals.append(node) }
        if terminals.count < ports.count {
            func port(_ node: Node) -> Int { terminals.firstIndex(of: node) ?? -1 }
            ports = terminals.map { ($0, reference) }
            reads = pairs.map { (port($0.0), port($0.1)) }
            (outputPlus, outputMinus) = (port(output.0), port(output.1))
        }
        guard ports.count <= 4 else {
            throw NetlistError("\(element): a behavioral source reads at most four voltages (node pairs, its output's included, or five nodes); this one needs \(ports.count)", at: location)
        }
        let (code, chargeCode, tables) = try program(reads)
        let count = max(ports.count, 1)
        guard let source = BehavioralSource(program: code, tables: tables, ports: count, outputPlus: outputPlus, outputMinus: outputMinus, chargeProgram: chargeCode) else {
            let depth = max(BehavioralSource.depth(of: code, ports: count) ?? 0, BehavioralSource.depth(of: chargeCode, ports: count) ?? 0)
            throw NetlistError("\(element): the expression nests too deeply (it needs a stack of \(depth) values, at most \(BehavioralSource.maximumDepth)); split it with .func", at: location)
        }
        return .behavioralSource(terminals: ports.flatMap { [$0.0, $0.1] }, source)
    }

    /// `text` with each `v(a)`, `v(a,b)` or `i(V1)` replaced by a name `__v0`, `__v1`, …, and the
    /// node or element names with their offsets in `text` (`current` for an `i(…)`).
    static func voltageReferences(in text: String, at location: SourceLocation) throws(NetlistError)
        -> (text: String, references: [(plus: String, minus: String?, offset: Int, current: Bool)]) {
        let s = Array(text.unicodeScalars)
        func isNameBody(_ c: Unicode.Scalar) -> Bool { c.properties.isAlphabetic || c == "_" || c == "." || ("0"..."9").contains(c) }
        var out = String.UnicodeScalarView()
        var references: [(plus: String, minus: String?, offset: Int, current: Bool)] = []
        var i = 0
        while i < s.count {
            let c = s[i]
            let lower = Character(c).lowercased()
            // `time`, a name of its own (not a part of one, not a call): read as node `#time`.
            if lower == "t", i == 0 || !isNameBody(s[i - 1]), i + 4 <= s.count,
               String(String.UnicodeScalarView(s[i..<(i + 4)])).lowercased() == "time", i + 4 == s.count || !isNameBody(s[i + 4]) {
                var j = i + 4
                while j < s.count, s[j] == " " || s[j] == "\t" { j += 1 }
                if j == s.count || s[j] != "(" {
                    out.append(contentsOf: "__v\(references.count)".unicodeScalars)
                    references.append((Self.timeNode.name, nil, i, false))
                    i += 4
                    continue
                }
            }
            if lower == "v" || lower == "i", i == 0 || !isNameBody(s[i - 1]) {
                var j = i + 1
                while j < s.count, s[j] == " " || s[j] == "\t" { j += 1 }
                if j < s.count, s[j] == "(" {
                    guard let close = s[j...].firstIndex(of: ")") else {
                        throw NetlistError("expected ')' after \(lower)(", at: location.advanced(by: j))
                    }
                    let inside = String(String.UnicodeScalarView(s[(j + 1)..<close]))
                    let names = inside.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                    if lower == "i" {
                        guard names.count == 1, !names[0].isEmpty, !names[0].contains(" ") else {
                            throw NetlistError("i(\(inside)): expected the name of one element, as in i(V1)", at: location.advanced(by: i))
                        }
                    } else {
                        guard (1...2).contains(names.count), names.allSatisfy({ !$0.isEmpty && !$0.contains(" ") }) else {
                            throw NetlistError("v(\(inside)): expected one node or two, as in v(a) or v(a,b)", at: location.advanced(by: i))
                        }
                    }
                    out.append(contentsOf: "__v\(references.count)".unicodeScalars)
                    references.append((names[0], names.count == 2 ? names[1] : nil, j + 1, lower == "i"))
                    i = close + 1
                    continue
                }
            }
            out.append(c)
            i += 1
        }
        return (String(out), references)
    }
}

/// Compiles an `Expression` into a `BehavioralSource` program: node voltages become port
/// voltages, parameters and constant parts become numbers, `.func` calls are expanded.
struct BehavioralCompiler {
    typealias Operation = BehavioralSource.Operation
    let location: SourceLocation
    let element: String
    /// The ports of each `__vk` reference.
    let voltages: [(Int, Int)]
    /// `.func` expansions under way, to stop one that calls itself.
    var expanding = 0
    /// The points of the program's tables (`pwl`, `table`).
    var tables: [Double] = []

    init(location: SourceLocation, element: String, voltages: [(Int, Int)]) {
        self.location = location
        self.element = element
        self.voltages = voltages
    }

    func failure(_ message: String) -> NetlistError { NetlistError("\(element): \(message)", at: location) }

    mutating func compile(_ e: Expression, in scope: Scope, arguments: [String: [Operation]] = [:]) throws(NetlistError) -> [Operation] {
        let code: [Operation]
        switch e {
        case .number(let x):
            code = [.constant(x)]
        case .parameter(let name):
            if let bound = arguments[name] {
                code = bound
            } else if name.hasPrefix("__v"), let k = Int(name.dropFirst(3)), k < voltages.count {
                code = [.voltage(plus: voltages[k].0, minus: voltages[k].1)]
            } else if let value = Expression.constants[name] ?? (name == "temper" ? 27 : nil) {
                code = [.constant(value)]
            } else if let value = try scope.parameter(name) {
                code = [.constant(value)]
            } else {
                throw failure("unknown parameter '\(name)' in the expression")
            }
        case .unary(let op, let x):
            let inner = try compile(x, in: scope, arguments: arguments)
            switch op {
            case "-": code = inner + [.unary(.negate)]
            case "!": code = inner + [.unary(.not)]
            default: code = inner
            }
        case .binary(let op, let a, let b):
            let table: [String: BehavioralSource.BinaryFunction] = [
                "+": .add, "-": .subtract, "*": .multiply, "/": .divide, "^": .power,
                "<": .less, "<=": .lessOrEqual, ">": .greater, ">=": .greaterOrEqual, "==": .equal, "!=": .notEqual,
                "&&": .and, "||": .or,
            ]
            guard let f = table[op] else { throw failure("the operator '\(op)' is not available in a behavioral expression") }
            code = try compile(a, in: scope, arguments: arguments) + compile(b, in: scope, arguments: arguments) + [.binary(f)]
        case .conditional(let c, let a, let b):
            code = try compile(c, in: scope, arguments: arguments) + compile(a, in: scope, arguments: arguments)
                + compile(b, in: scope, arguments: arguments) + [.select]
        case .call(let name, let args):
            var compiled: [[Operation]] = []
            for a in args { compiled.append(try compile(a, in: scope, arguments: arguments)) }
            code = try call(name, compiled, in: scope)
        }
        guard code.count <= Self.maximumLength else {
            throw failure("the expression expands to more than \(Self.maximumLength) operations (through its functions)")
        }
        return try fold(code)
    }

    /// The longest program an expression may expand to.
    static let maximumLength = 4096

    /// A built-in function, or a `.func` of the netlist expanded with its arguments.
    mutating func call(_ name: String, _ args: [[Operation]], in scope: Scope) throws(NetlistError) -> [Operation] {
        let unary: [String: BehavioralSource.UnaryFunction] = [
            "sqrt": .sqrt, "exp": .exp, "ln": .log, "log": .log, "log10": .log10, "abs": .abs, "sin": .sin, "cos": .cos,
            "tan": .tan, "asin": .asin, "acos": .acos, "atan": .atan, "sinh": .sinh, "cosh": .cosh, "tanh": .tanh,
            "asinh": .asinh, "acosh": .acosh, "atanh": .atanh,
            "sgn": .sign, "sign": .sign, "u": .step, "uramp": .ramp, "u2": .clampedRamp, "floor": .floor, "ceil": .ceil,
            "nint": .nearestInteger,
        ]
        let binary: [String: BehavioralSource.BinaryFunction] = ["pow": .power, "pwr": .signedPower, "pwrs": .signedPower, "atan2": .atan2]
        if Expression.functions[name] == nil, let (definition, defined) = scope.functionDefinition(name), definition.arguments.count == args.count {
            guard expanding < 100 else { throw failure("function '\(name)' calls itself without end") }
            let body = try Expression.parse(definition.body.text, at: definition.body.location, functions: defined.functionArities())
            var bound: [String: [Operation]] = [:]
            for (k, a) in definition.arguments.enumerated() { bound[a] = args[k] }
            expanding += 1
            defer { expanding -= 1 }
            return try compile(body, in: defined, arguments: bound)
        }
        if let f = unary[name] { return args[0] + [.unary(f)] }
        if let f = binary[name] { return args[0] + args[1] + [.binary(f)] }
        /// The arguments after the first, which must be constants.
        func constants(_ what: String) throws(NetlistError) -> [Double] {
            var numbers: [Double] = []
            for a in args.dropFirst() {
                guard a.count == 1, case .constant(let c) = a[0] else { throw failure("the points of \(what) must be constants") }
                numbers.append(c)
            }
            return numbers
        }
        switch name {
        case "min", "max":
            var code = args[0]
            for a in args.dropFirst() { code += a + [.binary(name == "min" ? .minimum : .maximum)] }
            return code
        case "if", "ternary_fcn": return args[0] + args[1] + args[2] + [.select]  // ternary_fcn: ngspice's name for it
        case "limit":
            // PSpice's and LTspice's limit(x, a, b): x clamped between a and b, in either order
            // (ngspice-39's B source has no such function: it reads it as 0).
            return args[0] + args[1] + args[2] + [.binary(.minimum), .binary(.maximum)] + args[1] + args[2] + [.binary(.maximum), .binary(.minimum)]
        case "pwl", "table":
            // pwl(x, x0, y0, x1, y1, …): ngspice's, extended beyond the ends; table(…): LTspice's, held there.
            let points = try constants("\(name)()")
            guard points.count >= 4, points.count % 2 == 0 else { throw failure("\(name)() needs its argument and pairs x, y, at least two") }
            if let (a, b) = BehavioralSource.firstDecrease(in: points[...]) {
                throw failure("the x values of \(name)() must not decrease (\(a), then \(b))")
            }
            defer { tables += points }
            return args[0] + [.table(start: tables.count, count: points.count / 2, clamped: name == "table")]
        case BehavioralSource.roundedTableFunction:
            // x, then the points, then a width per interior corner (see `smoothPiecewiseLinear`).
            let numbers = try constants("a rounded PWL")
            let count = (numbers.count + 2) / 3
            guard count >= 2, 3 * count - 2 == numbers.count else { throw failure("a rounded PWL needs two points or more and a width per corner") }
            defer { tables += numbers }
            return args[0] + [.roundedTable(start: tables.count, count: count)]
        case "idt", "sdt": throw failure("\(name)() integrates in a behavioral source's own expression, not inside a .func or a TABLE")
        default: throw failure("the function '\(name)' is not available in a behavioral expression")
        }
    }

    /// `code` as one constant when it reads no voltage; throws when that constant is not a number.
    func fold(_ code: [Operation]) throws(NetlistError) -> [Operation] {
        guard code.count > 1, !code.contains(where: { if case .voltage = $0 { true } else { false } }) else { return code }
        let value = BehavioralSource.run(code, tables: tables, at: PortVector()).value
        guard value.isFinite else { throw failure("a constant part of the expression has no finite value (\(value))") }
        return [.constant(value)]
    }
}
