/// How an XSPICE code model instance and its `.model` card are written (see `Elaborator.codeModel`):
/// the `A` line's ports, with their modifiers, vectors and parentheses, and the card's numbers,
/// vectors and TRUE/FALSE switches.
extension Elaborator {
    /// The port positions of an `A` line's tokens (its model name left off).
    func codeModelConnections(_ tokens: [Token], defaults: [String], element: String, in scope: Scope) throws(NetlistError) -> [CodeModelConnection] {
        // Brackets split off the words they are written against: `%i[1` is `%i`, `[`, `1`.
        var atoms: [Token] = []
        for t in tokens {
            guard t.kind == .word else { atoms.append(t); continue }
            var piece = ""
            var start = 0
            for (k, c) in t.text.enumerated() {
                if c == "[" || c == "]" {
                    if !piece.isEmpty { atoms.append(Token(kind: .word, text: piece, location: t.location.advanced(by: start))) }
                    atoms.append(Token(kind: .word, text: String(c), location: t.location.advanced(by: k)))
                    piece = ""
                    start = k + 1
                } else {
                    piece.append(c)
                }
            }
            if !piece.isEmpty { atoms.append(Token(kind: .word, text: piece, location: t.location.advanced(by: start))) }
        }
        var i = 0
        func isModifier(_ t: Token) -> Bool { t.kind == .word && t.text.hasPrefix("%") }
        var connections: [CodeModelConnection] = []
        func port(type given: String?) throws(NetlistError) -> CodeModelPort {
            var type = given ?? (connections.count < defaults.count ? defaults[connections.count] : "v")
            var location = i < atoms.count ? atoms[i].location : tokens.last?.location ?? SourceLocation(file: "", line: 0, column: 0)
            if i < atoms.count, isModifier(atoms[i]) {
                type = String(atoms[i].text.dropFirst()).lowercased()
                location = atoms[i].location
                i += 1
            }
            let count = ["vd", "id", "gd", "hd"].contains(type) ? 2 : 1
            let parenthesized = i < atoms.count && atoms[i].kind == .leftParen
            if parenthesized { i += 1 }
            var names: [Token] = []
            while names.count < count, i < atoms.count, atoms[i].kind == .word, !["[", "]"].contains(atoms[i].text), !isModifier(atoms[i]) {
                names.append(atoms[i])
                i += 1
            }
            guard names.count == count else {
                throw NetlistError("\(element): a %\(type) port takes \(count == 2 ? "two nodes" : type == "vnam" ? "a voltage source's name" : "a node")", at: location)
            }
            if parenthesized {
                guard i < atoms.count, atoms[i].kind == .rightParen else {
                    throw NetlistError("\(element): ')' expected after the port's nodes", at: names.last!.location)
                }
                i += 1
            }
            if names.contains(where: { $0.lowercased == "null" }) {
                throw NetlistError("\(element): 'null' (no connection) is not taken by the analog code models Anode has", at: names[0].location)
            }
            if type == "vnam" {
                return CodeModelPort(type: type, nodes: [], source: scope.prefix + names[0].text, location: location)
            }
            let nodes = try names.map { (t: Token) throws(NetlistError) in try node(t, in: scope) }
            return CodeModelPort(type: type, nodes: count == 2 ? nodes : [nodes[0], .ground], source: nil, location: location)
        }
        while i < atoms.count {
            // A modifier before a bracket applies to the vector's ports.
            var vectorType: String? = nil
            if isModifier(atoms[i]), i + 1 < atoms.count, atoms[i + 1].text == "[" {
                vectorType = String(atoms[i].text.dropFirst()).lowercased()
                i += 1
            }
            if atoms[i].kind == .word, atoms[i].text == "[" {
                let open = atoms[i].location
                i += 1
                var ports: [CodeModelPort] = []
                while i < atoms.count, atoms[i].text != "]" { ports.append(try port(type: vectorType)) }
                guard i < atoms.count else { throw NetlistError("\(element): '[' is never closed", at: open) }
                i += 1
                connections.append(.vector(ports, open))
            } else if atoms[i].kind == .word, atoms[i].text == "]" {
                throw NetlistError("\(element): ']' without '['", at: atoms[i].location)
            } else if atoms[i].kind == .word || atoms[i].kind == .leftParen {
                connections.append(.single(try port(type: nil)))
            } else {
                throw NetlistError("\(element): unexpected '\(atoms[i].description)' among the ports", at: atoms[i].location)
            }
        }
        return connections
    }

    /// A code model card's parameters by name, as `spec` declares them (see `CodeModelParameter`).
    /// An unknown name, a missing value that has no default, a vector of the wrong length or a
    /// value that is not a number is an error.
    func codeModelParameters(_ model: ModelStatement, _ spec: [String: CodeModelParameter], inputs: Int, element: String,
                             in scope: Scope) throws(NetlistError) -> [String: [Double]] {
        var values: [String: [Double]] = [:]
        for (key, kind) in spec {
            switch kind {
            case .real(let value): if let value { values[key] = [value] }
            case .optional: break
            case .perInput(let value): values[key] = Array(repeating: value, count: inputs)
            case .list: values[key] = []
            }
        }
        for assignment in model.parameters {
            guard let kind = spec[assignment.name] else {
                throw NetlistError("\(model.type) has no parameter '\(assignment.name)'; it takes \(spec.keys.sorted().joined(separator: ", "))", at: assignment.location)
            }
            guard let text = assignment.value else {
                throw NetlistError("missing value after '\(assignment.name)'", at: assignment.location)
            }
            let elements = text.text.hasPrefix("[") && !text.isExpression ? Self.vectorElements(text) : [text]
            switch kind {
            case .real, .optional:
                if elements.count != 1 { throw NetlistError("\(assignment.name) of \(model.type) is one value, not a vector", at: text.location) }
            case .perInput:
                if elements.count != inputs {
                    throw NetlistError("\(assignment.name) of \(element)'s \(model.type) needs \(inputs) value\(inputs == 1 ? "" : "s"), one per input; found \(elements.count)", at: text.location)
                }
            case .list: break
            }
            var numbers: [Double] = []
            for e in elements {
                if Self.booleanParameters.contains(assignment.name) {
                    switch e.text.lowercased() {
                    case "true", "t", "1": numbers.append(1)
                    case "false", "f", "0": numbers.append(0)
                    default: throw NetlistError("\(assignment.name) is TRUE or FALSE, not '\(e.text)'", at: e.location)
                    }
                    continue
                }
                let x = try scope.evaluate(e)
                guard x.isFinite else { throw NetlistError("\(assignment.name) is not finite", at: e.location) }
                numbers.append(x)
            }
            values[assignment.name] = numbers
        }
        for (key, kind) in spec.sorted(by: { $0.key < $1.key }) where values[key] == nil {
            if case .real(nil) = kind { throw NetlistError("\(element): \(model.type) needs \(key) (it has no default)", at: model.location) }
        }
        return values
    }

    /// The elements of a vector value written `[a b {c}]` (see `NetlistReader.joiningVectors`).
    static func vectorElements(_ text: ValueText) -> [ValueText] {
        func element(_ s: String) -> ValueText {
            s.hasPrefix("{") && s.hasSuffix("}") ? ValueText(text: String(s.dropFirst().dropLast()), isExpression: true, location: text.location)
                : ValueText(text: s, isExpression: false, location: text.location)
        }
        var elements: [ValueText] = []
        var current = ""
        var depth = 0
        for c in text.text.dropFirst().dropLast() {
            if c == "{" { depth += 1 }
            if c == "}" { depth -= 1 }
            if c == " " && depth == 0 {
                if !current.isEmpty { elements.append(element(current)) }
                current = ""
            } else {
                current.append(c)
            }
        }
        if !current.isEmpty { elements.append(element(current)) }
        return elements
    }
}
