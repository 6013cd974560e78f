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
        let expression = try Expression.parse(text.text, at: text.location)
        return try expression.evaluate(at: text.location) { name throws(NetlistError) in try self.parameter(name) }
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
