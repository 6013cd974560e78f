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
    /// PSpice's and LTspice's `AKO:` ("a kind of"): the model, lowercased, whose parameters this
    /// card starts from (its own replace them); nil for a card of its own. The type may then be
    /// left out (empty until the elaborator takes the base's).
    public var base: String? = nil
    /// Where the base's name was written.
    public var baseLocation: SourceLocation? = nil
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

/// One branch of a `.if` block: its condition (nil for `.else`) and its statements.
public struct ConditionalBranch: Hashable, Sendable {
    /// The condition, an expression that is true where it is not zero; nil for `.else`.
    public var condition: ValueText?
    /// The statements that stand in the netlist when this branch is the first whose condition holds.
    public var statements: [Statement]

    /// A branch of `statements` under `condition`.
    public init(condition: ValueText?, statements: [Statement]) {
        self.condition = condition
        self.statements = statements
    }
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
    /// `.tran tstep tstop [tstart [tmax]] [uic] [startup]`; `startup` is LTspice's (see
    /// `TransientSpec.startup`).
    case tran(values: [ValueText], uic: Bool, startup: Bool)
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
    /// `.step …`: LTspice's sweep of the whole simulation over a parameter, the temperature, a
    /// source or a model parameter.
    case step(StepText)
    /// `.tf OUTPUT SOURCE`: the small-signal DC transfer function and impedances.
    case transferFunction(output: ProbeText, source: Token)
    /// `.noise v(out[,ref]) SOURCE dec|oct|lin points fstart fstop [points per summary]`; in
    /// PSpice's `.noise v(out) SOURCE [interval]` the sweep is the `.ac` statement's (nil here).
    case noise(output: ProbeText, source: Token, variation: Token?, points: ValueText?, start: ValueText?, stop: ValueText?)
    /// `.pz n1 n2 n3 n4 vol|cur pol|zer|pz`: poles and zeros from the port (n1, n2) to V(n3, n4).
    case poleZero(nodes: [Token], input: Token, kind: Token)
    /// `.four FREQ outputs`: the Fourier analysis of the transient's last period.
    case fourier(frequency: ValueText, probes: [ProbeText])
    /// `.wave FILE NBITS RATE outputs`: LTspice's WAV output of the transient (the file name
    /// resolved against the netlist's folder).
    case wave(file: Token, bits: ValueText, rate: ValueText, probes: [ProbeText])
    /// `.meas[ure] [tran|ac|dc] NAME …`: the analysis (nil where LTspice's form leaves it out), the
    /// name and the rest of the line's tokens.
    case measure(analysis: Token?, name: Token, arguments: [Token])
}

/// What a `.step` sweeps.
public enum StepTarget: Hashable, Sendable {
    /// `param NAME`: a parameter of the top level (defined by `.param` or by the sweep alone).
    case parameter(String)
    /// `temp`: the circuit's temperature, °C.
    case temperature
    /// `V1`, `I1`: an independent source's DC value.
    case source(String)
    /// `NPN 2N2222(VAF)`: a parameter of a model card.
    case modelParameter(model: String, parameter: String)

    /// The name of the swept quantity, as a CSV column heads it: `rload`, `temp`, `v1`, `2n2222(vaf)`.
    public var name: String {
        switch self {
        case .parameter(let name), .source(let name): return name.lowercased()
        case .temperature: return "temp"
        case let .modelParameter(model, parameter): return "\(model.lowercased())(\(parameter.lowercased()))"
        }
    }
}

/// A `.step` statement: `.step [lin|dec|oct] ITEM start stop increment` (for dec and oct the last
/// value is the points per decade or octave) or `.step ITEM list v1 v2 …`.
public struct StepText: Hashable, Sendable {
    /// How the values are spaced.
    public enum Spacing: String, Hashable, Sendable {
        case linear = "lin", decade = "dec", octave = "oct", list
    }
    /// What is swept.
    public var target: StepTarget
    /// How the values are spaced.
    public var spacing: Spacing
    /// start, stop and increment (or points), or the listed values.
    public var values: [ValueText]
    /// Where the statement starts.
    public var location: SourceLocation
}

/// One simulation of a stepped netlist: a value for each `.step`'s target.
public struct StepPoint: Hashable, Sendable {
    /// One swept quantity's value.
    public struct Value: Hashable, Sendable {
        /// What is swept.
        public var target: StepTarget
        /// Its value at this point.
        public var value: Double
    }
    /// The values, in the order of the `.step` statements.
    public var values: [Value]
    /// `rload=1000 temp=27 c=2.2e-07`: for people (six significant digits); the values themselves
    /// are exact.
    public var description: String {
        values.map { v in
            let text = v.value == v.value.rounded() && abs(v.value) < 1e15 ? String(Int64(v.value)) : String(format: "%.6g", v.value)
            return "\(v.target.name)=\(text)"
        }.joined(separator: " ")
    }
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
        /// ngspice's `.if (condition)` … `.elseif (condition)` … `.else` … `.endif`: the statements
        /// of the first branch whose condition holds (evaluated with the parameters where it stands).
        case conditional([ConditionalBranch])
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
