/// The names visible at one level of a netlist: `.param` values, `.model` cards and `.subckt`
/// definitions of this level, then those of the enclosing levels. Each subcircuit instance gets
/// its own scope, so its parameters can differ from other instances'.
final class Scope {
    let parent: Scope?
    /// Prefix of the names of elements and internal nodes created in this scope (`x1.x2.`).
    let prefix: String
    /// Subcircuit port name → the node it is connected to outside.
    var ports: [String: Node] = [:]
    /// Parameters not yet evaluated.
    var parameterTexts: [String: ValueText] = [:]
    /// Parameters already evaluated (instance values are put here directly).
    var parameterValues: [String: Double] = [:]
    /// Parameters being evaluated, to catch definitions that depend on themselves.
    var evaluating: Set<String> = []
    /// `.func` definitions of this level, with their bodies once parsed.
    var functions: [String: FunctionDefinition] = [:]
    var parsedFunctions: [String: Expression] = [:]
    /// In the outermost scope: the `.func` calls under way (nested), and how many more the present
    /// outermost call may make — a function calling itself would never end, and functions that
    /// each call the next twice would take 2ⁿ calls.
    var activeCalls = 0, callsLeft = 0
    /// The outermost scope.
    var root: Scope { parent?.root ?? self }
    /// In the outermost scope: the seed and `.step` point of the random functions' draws.
    var draws = RandomDraws()

    /// Where an evaluation's random draws come from: the value's place in the netlist, the
    /// instance evaluating it, and how many it has drawn so far.
    final class DrawSite {
        let location: SourceLocation?, prefix: String
        var count = 0
        init(_ location: SourceLocation?, _ prefix: String) { self.location = location; self.prefix = prefix }
    }
    var models: [String: ModelStatement] = [:]
    var subcircuits: [String: SubcircuitDefinition] = [:]
    /// Subcircuit definitions being expanded, outermost first, to catch recursion.
    let expanding: [String]

    init(parent: Scope?, prefix: String, expanding: [String]) {
        self.parent = parent
        self.prefix = prefix
        self.expanding = expanding
    }

    /// The value of parameter `name`, evaluating its definition on first use; nil if no scope defines it.
    func parameter(_ name: String) throws(NetlistError) -> Double? {
        if let value = parameterValues[name] { return value }
        if let text = parameterTexts[name] {
            if evaluating.contains(name) {
                throw NetlistError("parameter '\(name)' is defined in terms of itself", at: text.location)
            }
            evaluating.insert(name)
            defer { evaluating.remove(name) }
            let value = try evaluate(text)
            parameterValues[name] = value
            return value
        }
        return try parent?.parameter(name)
    }

    /// Evaluates a value written in this scope: a number, or an expression over the parameters in scope.
    func evaluate(_ text: ValueText) throws(NetlistError) -> Double {
        if !text.isExpression, let number = SpiceNumber.parse(text.text) {
            return number
        }
        return try evaluate(try Expression.parse(text.text, at: text.location, functions: functionArities()), at: text.location)
    }

    /// Evaluates an expression parsed from text written at `location` in this scope.
    func evaluate(_ expression: Expression, at location: SourceLocation) throws(NetlistError) -> Double {
        let site = DrawSite(location, prefix)
        return try expression.evaluate(at: location, lookup: { name throws(NetlistError) in try self.parameter(name) },
                                       call: { name, arguments throws(NetlistError) in try self.call(name, arguments, at: location, site: site) })
    }

    /// The argument counts of the `.func` functions visible here (this level's over the enclosing ones').
    func functionArities() -> [String: Int] {
        var arities = parent?.functionArities() ?? [:]
        for (name, f) in functions { arities[name] = f.arguments.count }
        return arities
    }

    /// The value of `.func` function `name` for `arguments`, nil if none is visible here, or of a
    /// random function (drawn for `site`). A `.func`'s body sees its arguments, then the parameters
    /// and functions of the level that defines it.
    func call(_ name: String, _ arguments: [Double], at location: SourceLocation, site: DrawSite) throws(NetlistError) -> Double? {
        if RandomFunctions.isRandom(name, arguments.count) {
            let draws = root.draws
            return try RandomFunctions.value(name, arguments, at: location) {
                site.count += 1
                return draws.uniform(site: site.location, prefix: site.prefix, index: site.count)
            }
        }
        guard let f = functions[name] else { return try parent?.call(name, arguments, at: location, site: site) }
        let root = self.root
        if root.activeCalls == 0 { root.callsLeft = 100_000 }
        guard root.activeCalls < 100 else {
            throw NetlistError("function '\(name)' calls itself without end (calls nested more than 100 deep)", at: f.location)
        }
        guard root.callsLeft > 0 else {
            throw NetlistError("function '\(name)': evaluating this call takes more than 100000 function calls", at: f.location)
        }
        root.callsLeft -= 1
        let body: Expression
        if let parsed = parsedFunctions[name] {
            body = parsed
        } else {
            body = try Expression.parse(f.body.text, at: f.body.location, functions: functionArities())
            parsedFunctions[name] = body
        }
        root.activeCalls += 1
        defer { root.activeCalls -= 1 }
        return try body.evaluate(at: f.body.location, lookup: { parameter throws(NetlistError) in
            if let k = f.arguments.firstIndex(of: parameter) { return arguments[k] }
            return try self.parameter(parameter)
        }, call: { inner, values throws(NetlistError) in try self.call(inner, values, at: f.body.location, site: site) })
    }

    /// The `.func` definition called `name` visible here, with the scope that defines it.
    func functionDefinition(_ name: String) -> (FunctionDefinition, Scope)? {
        if let f = functions[name] { return (f, self) }
        return parent?.functionDefinition(name)
    }

    /// `AKO:` cards of this level as written (their base not yet merged in); `models` holds them
    /// merged (`resolveKinds`).
    var kindCards: [String: ModelStatement] = [:]

    /// Each `AKO:` card of this level (in `kindCards`) into `models` as its base's parameters
    /// followed by its own, with its base's type: a card may be a kind of a card of this level or
    /// of an enclosing one, itself a kind of another.
    func resolveKinds() throws(NetlistError) {
        for name in kindCards.keys.sorted() { models[name] = try resolvedKind(name, visiting: []) }
    }

    /// The `AKO:` card `name` of this level merged with its base.
    private func resolvedKind(_ name: String, visiting: [String]) throws(NetlistError) -> ModelStatement {
        guard let card = kindCards[name], let baseName = card.base else { return models[name]! }
        guard !visiting.contains(name) else {
            throw NetlistError("AKO: '\(name)' is a kind of itself (\((visiting + [name]).joined(separator: " → ")))", at: card.baseLocation ?? card.location)
        }
        // The base: a card of this level other than this one (merged first if it is a kind too),
        // or of an enclosing level.
        let base: ModelStatement?
        if baseName != name, kindCards[baseName] != nil {
            base = try resolvedKind(baseName, visiting: visiting + [name])
        } else if baseName != name, let own = models[baseName] {
            base = own
        } else {
            base = parent?.model(baseName)?.0
        }
        guard let base else {
            throw NetlistError("AKO: no model '\(baseName)' for '\(name)' to be a kind of", at: card.baseLocation ?? card.location)
        }
        guard card.type.isEmpty || card.type == base.type else {
            throw NetlistError("AKO: '\(name)' is declared \(card.type.uppercased()) but its base '\(baseName)' is \(base.type.uppercased())", at: card.typeLocation)
        }
        var merged = card
        merged.type = base.type
        let own = Set(card.parameters.map(\.name))
        merged.parameters = base.parameters.filter { !own.contains($0.name) } + card.parameters
        merged.base = nil
        return merged
    }

    /// The model called `name` and the scope it was defined in.
    func model(_ name: String) -> (ModelStatement, Scope)? {
        if let m = models[name] { return (m, self) }
        return parent?.model(name)
    }

    /// The subcircuit definition called `name`.
    func subcircuit(_ name: String) -> SubcircuitDefinition? {
        subcircuits[name] ?? parent?.subcircuit(name)
    }
}
