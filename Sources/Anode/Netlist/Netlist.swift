/// A value written in a netlist: a number (`4.7k`), a parameter name or an expression (`{2*r}`),
/// kept unevaluated until the circuit is elaborated, because it may depend on subcircuit parameters.
public struct ValueText: Hashable, Sendable, CustomStringConvertible {
    /// The value's text; for an expression, without its braces.
    public var text: String
    /// True when the text is an expression (written in braces or quotes, or a `.param` right-hand side).
    public var isExpression: Bool
    /// Where the value was written.
    public var location: SourceLocation

    /// Creates a value.
    public init(text: String, isExpression: Bool, location: SourceLocation) {
        self.text = text
        self.isExpression = isExpression
        self.location = location
    }

    /// Creates a value from a word or expression token.
    init(_ token: Token) {
        self.init(text: token.text, isExpression: token.kind == .expression, location: token.location)
    }

    /// The value as written.
    public var description: String { isExpression ? "{\(text)}" : text }
}

/// `name = value`, in `.param`, `.model`, `.options`, subcircuit and instance parameter lists.
public struct Assignment: Hashable, Sendable {
    /// The parameter's name, lowercased.
    public var name: String
    /// The value; nil for a bare flag such as `.options uic`.
    public var value: ValueText?
    /// Where the name was written.
    public var location: SourceLocation
}

/// An element line (`R1 a b 1k`) as tokens; its meaning depends on its first letter and on the
/// models in scope, so it is interpreted during elaboration.
public struct ElementLine: Hashable, Sendable {
    /// The element's name as written (`R1`, `Q3`, `Xamp`).
    public var name: String
    /// The tokens after the name.
    public var arguments: [Token]
    /// Where the name was written.
    public var location: SourceLocation
    /// For elements declared by a dot command (`.pot`, `.varres`), that command; nil for SPICE elements.
    public var directive: String? = nil
}

/// A `.model NAME TYPE (params)` card.
public struct ModelStatement: Hashable, Sendable {
    /// The model's name, lowercased.
    public var name: String
    /// The model type, lowercased (`d`, `npn`, `pnp`, `njf`, `pjf`, `nmos`, `pmos`, `triode`, `pentode`).
    public var type: String
    /// The parameters in the order written.
    public var parameters: [Assignment]
    /// Where the card starts.
    public var location: SourceLocation
    /// Where the type was written.
    public var typeLocation: SourceLocation
    /// Whether the card comes from a library included whole by a one-argument `.lib`: a card of
    /// the same name in the netlist takes its place (as in LTspice).
    public var fromLibrary = false
}

/// A `.func NAME(a, b) {expression}` definition: a function of its arguments and of the parameters
/// in scope, usable in any expression after it (as in ngspice and LTspice).
public struct FunctionDefinition: Hashable, Sendable {
    /// The function's name, lowercased.
    public var name: String
    /// Its arguments' names, lowercased, in order.
    public var arguments: [String]
    /// The body, unparsed until the netlist is elaborated.
    public var body: ValueText
    /// Where the definition starts.
    public var location: SourceLocation
}

/// A `.subckt NAME ports... [PARAMS: p=v ...]` ... `.ends` definition.
public struct SubcircuitDefinition: Hashable, Sendable {
    /// The subcircuit's name, lowercased.
    public var name: String
    /// Port node names, in order.
    public var ports: [Token]
    /// Parameters with their default values.
    public var parameters: [Assignment]
    /// The statements inside the definition.
    public var body: [Statement]
    /// Where `.subckt` was written.
    public var location: SourceLocation
    /// Whether it came from a library included whole (LTspice's one-argument `.lib FILE`): such a
    /// definition gives way to one of the same name elsewhere.
    public var fromLibrary = false
}

/// An output to record: `v(out)`, `v(a,b)`, `i(vcc)`, `vdb(out)`, `vp(out)` and the like.
public struct ProbeText: Hashable, Sendable {
    /// The function name, lowercased (`v`, `i`, `vdb`, `vm`, `vp`, `vr`, `vi`, `idb`, ...).
    public var function: String
    /// The names inside the parentheses.
    public var arguments: [Token]
    /// Where the probe was written.
    public var location: SourceLocation

    /// ngspice's device parameter `@q1[ic]` in `token`, as the function `@ic` of the element `q1`;
    /// nil when the token is not one.
    static func deviceParameter(_ token: Token) -> ProbeText? {
        guard token.kind == .word, let (element, parameter) = Probe.deviceParameter(token.text) else { return nil }
        var name = token
        name.text = element
        name.location = token.location.advanced(by: 1)
        return ProbeText(function: "@" + parameter, arguments: [name], location: token.location)
    }

    /// The output `f(a)` or `f(a,b)` written at `tokens[i]` (a word, then a parenthesis); `i` moves past it.
    static func parse(_ tokens: [Token], at i: inout Int) throws(NetlistError) -> ProbeText {
        let start = tokens[i]
        var args: [Token] = []
        var j = i + 2
        while j < tokens.count, tokens[j].kind != .rightParen {
            if tokens[j].kind == .word { args.append(tokens[j]) }
            else if tokens[j].kind != .comma { throw NetlistError("unexpected '\(tokens[j].text)' in output \(start.text)(...)", at: tokens[j].location) }
            j += 1
        }
        guard j < tokens.count else { throw NetlistError("output \(start.text)( is never closed", at: start.location) }
        guard (1...2).contains(args.count) else { throw NetlistError("output \(start.text)(...) takes one or two names", at: start.location) }
        i = j + 1
        return ProbeText(function: start.lowercased, arguments: args, location: start.location)
    }
}

/// One swept source of a `.dc` statement.
public struct SweepText: Hashable, Sendable {
    /// The independent source swept.
    public var source: Token
    /// First value.
    public var start: ValueText
    /// Last value.
    public var stop: ValueText
    /// Increment.
    public var step: ValueText
}

/// `v(node) = value` in `.ic` and `.nodeset`.
public struct NodeValueText: Hashable, Sendable {
    /// The node's name.
    public var node: Token
    /// Its value.
    public var value: ValueText
}

/// Analyses and control statements.
public enum Command: Hashable, Sendable {
    /// `.op`
    case op
    /// `.dc SRC start stop step [SRC2 start2 stop2 step2]`
    case dc([SweepText])
    /// `.ac dec|oct|lin points fstart fstop`
    case ac(variation: Token, points: ValueText, start: ValueText, stop: ValueText)
    /// `.tran tstep tstop [tstart [tmax]] [uic]`
    case tran(values: [ValueText], uic: Bool)
    /// `.print TYPE probes`, `.probe probes`, `.save probes`; analysis nil means every analysis.
    /// `allCurrents`: ngspice's `.probe alli` (or a bare `.probe`), every element's current too.
    case outputs(analysis: String?, probes: [ProbeText], all: Bool, allCurrents: Bool)
    /// `.options name[=value] ...`
    case options([Assignment])
    /// `.ic v(node)=value ...`
    case initialConditions([NodeValueText])
    /// `.nodeset v(node)=value ...`
    case nodeset([NodeValueText])
    /// `.global node ...`
    case global([Token])
    /// `.temp value`
    case temperature(ValueText)
    /// `.tf OUTPUT SOURCE`: the small-signal DC transfer function and impedances.
    case transferFunction(output: ProbeText, source: Token)
    /// `.noise v(out[,ref]) SOURCE dec|oct|lin points fstart fstop [points per summary]`.
    case noise(output: ProbeText, source: Token, variation: Token, points: ValueText, start: ValueText, stop: ValueText)
    /// `.four FREQ outputs`: the Fourier analysis of the transient's last period.
    case fourier(frequency: ValueText, probes: [ProbeText])
    /// `.meas[ure] [tran|ac|dc] NAME …`: the analysis (nil where LTspice's form leaves it out), the
    /// name and the rest of the line's tokens.
    case measure(analysis: Token?, name: Token, arguments: [Token])
}

/// One statement of a netlist, with where it was written.
public struct Statement: Hashable, Sendable {
    /// What the statement says.
    public enum Kind: Hashable, Sendable {
        /// An element line.
        case element(ElementLine)
        /// A `.model` card.
        case model(ModelStatement)
        /// A `.subckt` definition.
        case subcircuit(SubcircuitDefinition)
        /// `.param` assignments.
        case parameters([Assignment])
        /// A `.func` definition.
        case function(FunctionDefinition)
        /// An analysis or control statement.
        case command(Command)
    }

    /// What the statement says.
    public var kind: Kind
    /// Where it starts.
    public var location: SourceLocation
}

/// A parsed netlist: its title and its statements, with `.include` and `.lib` already read in.
/// Turn it into a simulatable `Circuit` with `Circuit(netlist:)`.
public struct Netlist: Sendable {
    /// The first line of the file.
    public var title: String
    /// The top-level statements; subcircuit bodies are nested inside their definitions.
    public var statements: [Statement]
    /// Warnings met while reading (ignored control blocks, unsupported but harmless commands).
    public var warnings: [Diagnostic]
    /// LTspice's own libraries (`standard.bjt`, …) that the netlist names with `.lib` but that are
    /// not here; an unknown model then says where it may have come from.
    public var missingLibraries: [String] = []
}
