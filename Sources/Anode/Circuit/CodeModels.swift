import Foundation

/// XSPICE's analog code models, as ngspice reads them: an `A` element names its ports and a
/// `.model` card of the code model's type.
///
///     A1 in out amp                      .model amp gain(gain=5 in_offset=0.1 out_offset=-0.01)
///     A2 [1 %vd(2 5) %i 7] 3 sum1        .model sum1 summer(in_gain=[2 1 1] out_gain=5)
///     A3 %vd(p n) %id(o1 o2) lim         .model lim limit(gain=2 out_lower_limit=-1 out_upper_limit=1)
///
/// How the line and card are read is in CodeModelSyntax.swift, the nonlinear laws in
/// CodeModelLaws.swift.
///
/// A port is single-ended (`%v`, `%i`: one node against ground) or differential (`%vd`, `%id`: two
/// nodes, in parentheses or not); `%vnam V1` reads the current of voltage source V1. Unmarked
/// ports take the model's default, a voltage (for `aswitch`'s output a resistance, `%gd`). A vector port is written in brackets; a modifier
/// before the bracket applies to all of its ports.
///
/// - An input voltage is read; an input current flows through a 0 V source the element adds
///   (`A1#in1`, …) from the port's first node to its second (or ground).
/// - An output voltage is an ideal source from the port's first node to its second; an output
///   current flows from the first node through the element to the second, as a G source's does.
///
/// The models (ngspice manual, chapter 12.2), x the input, y the output:
/// - `gain`: y = out_offset + gain·(x + in_offset).
/// - `summer`: y = out_offset + out_gain·Σₖ in_gainₖ·(xₖ + in_offsetₖ).
/// - `mult`: y = out_offset + out_gain·Πₖ in_gainₖ·(xₖ + in_offsetₖ), two inputs or more.
/// - `divide`: y = out_offset + out_gain·n/d, n = num_gain·(num + num_offset) and d =
///   den_gain·(den + den_offset) kept from 0 by `den_lower_limit` (see `smoothLowerLimit`).
/// - `limit`: y = gain·(x + in_offset) held within `out_lower_limit` … `out_upper_limit`, the
///   corners rounded over `limit_range` (see `smoothClamp`).
/// - `climit`: as `limit`, its limits two more inputs (less `upper_delta`, plus `lower_delta`).
/// - `pwl`: the line through the points (`x_array`, `y_array`), its corners rounded (see
///   `smoothPiecewiseLinear`).
/// - `aswitch`: a resistance between the two nodes of its `%gd` output that the input moves
///   (see `analogSwitch`).
/// - `s_xfer`: the transfer function N(s/ω₀)/D(s/ω₀) (see `transferFunction`).
///
/// `gain`, `summer` and `s_xfer` are the linear elements they add up to (`addLinearSum`), the
/// others one behavioral source each, so that every analysis and both engines take them. Other
/// code models (digital, hybrid, `int`, `d_dt`, …) are an error naming them, as is a parameter the
/// model does not have.
extension Elaborator {
    /// One port of a code model instance as written.
    struct CodeModelPort {
        /// `v`, `vd`, `i`, `id` or `vnam` (or a type Anode does not take, refused later by name).
        var type: String
        /// Its nodes (second: ground for a single-ended port); for `vnam`, none.
        var nodes: [Node]
        /// For `vnam`, the voltage source whose current is read (with the scope's prefix).
        var source: String?
        var location: SourceLocation
    }

    /// What a code model's port position holds: one port, or a vector of them in brackets.
    enum CodeModelConnection {
        case single(CodeModelPort)
        case vector([CodeModelPort], SourceLocation)

        var location: SourceLocation {
            switch self {
            case .single(let p): p.location
            case .vector(_, let location): location
            }
        }
    }

    /// A code model parameter: one number (with its default, nil if it must be given), one per
    /// input of the vector port (with the default of each), or a list of any length (empty if
    /// not given).
    enum CodeModelParameter {
        case real(Double?)
        case perInput(Double)
        case list
    }

    /// A port position of a code model: its name, whether it is a vector, whether an input, the
    /// type of a port written without a modifier, and the types it takes.
    struct CodeModelPosition {
        var name: String
        var vector = false
        var input = true
        var defaultType = "v"
        var allowed = ["v", "vd", "i", "id", "vnam"]

        /// An input, single or a vector, that takes every type or all but `%vnam`.
        static func input(_ name: String, vector: Bool = false, named: Bool = true) -> Self {
            Self(name: name, vector: vector, allowed: named ? ["v", "vd", "i", "id", "vnam"] : ["v", "vd", "i", "id"])
        }
        /// A terminal of a two-terminal element the model places between its ports (`%g`).
        static func terminal(_ name: String) -> Self { Self(name: name, input: false, defaultType: "g", allowed: ["g"]) }
        /// An output: a voltage or a current, or for `aswitch` only a resistance (`%gd`).
        static func output(_ name: String = "out", resistive: Bool = false) -> Self {
            resistive ? Self(name: name, input: false, defaultType: "gd", allowed: ["gd"]) : Self(name: name, input: false, allowed: ["v", "vd", "i", "id"])
        }
    }

    /// The code models Anode has, by type: their port positions and their parameters.
    static let codeModels: [String: (ports: [CodeModelPosition], parameters: [String: CodeModelParameter])] = [
        "gain": ([.input("in"), .output()], ["in_offset": .real(0), "gain": .real(1), "out_offset": .real(0)]),
        "summer": ([.input("in", vector: true), .output()],
                   ["in_offset": .perInput(0), "in_gain": .perInput(1), "out_gain": .real(1), "out_offset": .real(0)]),
        "mult": ([.input("in", vector: true), .output()],
                 ["in_offset": .perInput(0), "in_gain": .perInput(1), "out_gain": .real(1), "out_offset": .real(0)]),
        "divide": ([.input("num"), .input("den"), .output()],
                   ["num_offset": .real(0), "num_gain": .real(1), "den_offset": .real(0), "den_gain": .real(1), "den_lower_limit": .real(1e-10),
                    "den_domain": .real(1e-10), "fraction": .real(0), "out_gain": .real(1), "out_offset": .real(0)]),
        "limit": ([.input("in", named: false), .output()],
                  ["in_offset": .real(0), "gain": .real(1), "out_lower_limit": .real(0), "out_upper_limit": .real(1), "limit_range": .real(1e-6),
                   "fraction": .real(0)]),
        "climit": ([.input("in"), .input("cntl_upper"), .input("cntl_lower"), .output()],
                   ["in_offset": .real(0), "gain": .real(1), "upper_delta": .real(0), "lower_delta": .real(0), "limit_range": .real(1e-6),
                    "fraction": .real(0)]),
        "pwl": ([.input("in"), .output()], ["x_array": .list, "y_array": .list, "input_domain": .real(0.01), "fraction": .real(1)]),
        "aswitch": ([.input("cntl_in", named: false), .output(resistive: true)],
                    ["cntl_off": .real(0), "cntl_on": .real(1), "r_off": .real(1e12), "r_on": .real(1), "log": .real(1), "limit": .real(0)]),
        "zener": ([.output("z", resistive: true)],
                  ["v_breakdown": .real(nil), "i_breakdown": .real(nil), "r_breakdown": .real(1), "i_rev": .real(1e-6), "i_sat": .real(1e-12),
                   "n_forward": .real(1), "limit_switch": .real(0)]),
        "sidiode": ([.output("ds", resistive: true)],
                    ["ron": .real(1), "roff": .real(-1), "vfwd": .real(0), "vrev": .real(1e30), "ilimit": .real(1e30), "revilimit": .real(1e30),
                     "epsilon": .real(0), "revepsilon": .real(0), "rrev": .real(0)]),
        "potentiometer": ([.terminal("r0"), .terminal("wiper"), .terminal("r1")],
                          ["position": .real(0.5), "log": .real(0), "r": .real(1e5), "log_multiplier": .real(1)]),
        "hyst": ([.input("in", named: false), .output()],
                 ["in_low": .real(0), "in_high": .real(1), "hyst": .real(0.1), "out_lower_limit": .real(0), "out_upper_limit": .real(1),
                  "input_domain": .real(0.01), "fraction": .real(1)]),
        "d_dt": ([.input("in", named: false), .output()],
                 ["gain": .real(1), "out_offset": .real(0), "out_lower_limit": .real(nil), "out_upper_limit": .real(nil), "limit_range": .real(1e-6)]),
        "sine": ([.input("cntl_in", named: false), .output()], ["cntl_array": .list, "freq_array": .list, "out_low": .real(-1), "out_high": .real(1)]),
        "triangle": ([.input("cntl_in", named: false), .output()],
                     ["cntl_array": .list, "freq_array": .list, "out_low": .real(-1), "out_high": .real(1), "duty_cycle": .real(0.5)]),
        "int": ([.input("in", named: false), .output()],
                ["in_offset": .real(0), "gain": .real(1), "out_lower_limit": .real(nil), "out_upper_limit": .real(nil), "limit_range": .real(1e-6),
                 "out_ic": .real(0)]),
        "s_xfer": ([.input("in", named: false), .output()],
                   ["in_offset": .real(0), "gain": .real(1), "num_coeff": .list, "den_coeff": .list, "int_ic": .list, "denormalized_freq": .real(1)]),
    ]

    /// The parameters that are TRUE or FALSE (1 or 0 here).
    static let booleanParameters: Set<String> = ["fraction", "log", "limit", "limit_switch"]

    /// XSPICE's other code models, which Anode does not have.
    static let otherCodeModels: Set<String> = [
        "filesource", "multi_input_pwl", "ilimit",
        "slew", "lcouple", "core", "square", "oneshot", "cmeter", "lmeter", "memristor", "table2d", "table3d",
        "delay", "capacitor", "inductor", "adc_bridge", "dac_bridge", "d_to_real", "real_to_v",
    ]

    /// An `A` line.
    mutating func codeModel(_ line: ElementLine, name: String, in scope: Scope) throws(NetlistError) {
        guard let last = line.arguments.last, last.kind == .word, line.arguments.count >= 2 else {
            throw NetlistError("\(line.name) needs its ports and then a model name", at: line.location)
        }
        let (model, modelScope) = try lookupModel(last, for: line, in: scope)
        guard let spec = Self.codeModels[model.type] else {
            let what = Self.otherCodeModels.contains(model.type) || model.type.hasPrefix("d_")
                ? "the XSPICE code model '\(model.type)' is not supported by Anode"
                : "'\(model.name)' is a model of type \(model.type.uppercased()), not an XSPICE code model"
            throw NetlistError("\(line.name): \(what); it has \(Self.codeModels.keys.sorted().joined(separator: ", "))", at: last.location)
        }
        let connections = try codeModelConnections(Array(line.arguments.dropLast()), defaults: spec.ports.map(\.defaultType),
                                                   element: line.name, in: scope)
        guard connections.count == spec.ports.count else {
            let names = spec.ports.map { $0.vector ? "[\($0.name) …]" : $0.name }.joined(separator: " ")
            throw NetlistError("\(line.name): a \(model.type) takes \(spec.ports.count) ports (\(names)), found \(connections.count)",
                               at: connections.last?.location ?? line.location)
        }
        // Each position's ports, checked against what it takes.
        var inputs: [[CodeModelPort]] = []
        var output: CodeModelPort? = nil
        for (connection, position) in zip(connections, spec.ports) {
            let ports: [CodeModelPort]
            switch (connection, position.vector) {
            case (.single(let p), false): ports = [p]
            case (.vector(let ps, _), true): ports = ps
            case (.single, true):
                throw NetlistError("\(line.name): the \(model.type)'s '\(position.name)' is a vector of ports, written in brackets as in [a b]", at: connection.location)
            case (.vector, false):
                throw NetlistError("\(line.name): the \(model.type)'s '\(position.name)' is one port, not a vector", at: connection.location)
            }
            for p in ports where !position.allowed.contains(p.type) {
                throw NetlistError("\(line.name): the \(model.type)'s '\(position.name)' port cannot be %\(p.type); it takes \(position.allowed.map { "%" + $0 }.joined(separator: ", "))", at: p.location)
            }
            if position.input { inputs.append(ports) } else { output = ports[0] }
        }
        if model.type == "potentiometer" {
            let parameters = try codeModelParameters(model, spec.parameters, inputs: 0, element: line.name, in: modelScope)
            return try potentiometer(name, connections.map { if case .single(let p) = $0 { p.nodes[0] } else { .ground } }, parameters,
                                     model: model, at: line.location)
        }
        if model.type == "mult", inputs[0].count < 2 {
            throw NetlistError("\(line.name): a mult takes two inputs or more", at: connections[0].location)
        }
        // The inputs as controls: voltages as written, currents through 0 V sources added here.
        var controls: [[LinearControl]] = []
        var senses = 0
        for ports in inputs {
            var row: [LinearControl] = []
            for p in ports {
                switch p.type {
                case "v", "vd": row.append(.voltage(p.nodes[0], p.nodes[1]))
                case "vnam": row.append(.current(p.source!))
                default:
                    senses += 1
                    let sense = "\(name)#in\(senses)"
                    try circuit.add(sense, .voltageSource(p.nodes[0], p.nodes[1], IndependentSource(dc: 0)), at: p.location)
                    row.append(.current(sense))
                }
            }
            controls.append(row)
        }
        let parameters = try codeModelParameters(model, spec.parameters, inputs: inputs.first?.count ?? 0, element: line.name, in: modelScope)
        func parameter(_ key: String) -> Double { parameters[key]![0] }
        guard let out = output else { throw NetlistError("\(line.name): the \(model.type) has no output", at: line.location) }
        let series = out.type == "v" || out.type == "vd"
        let (a, b) = (out.nodes[0], out.nodes[1])
        guard a != b else { throw NetlistError("\(line.name): both of the output's nodes are '\(a.name)'", at: out.location) }

        switch model.type {
        case "gain", "summer":
            // y = c + Σ gₖ·xₖ with gₖ = out_gain·in_gainₖ and c = out_offset + Σ gₖ·in_offsetₖ.
            let (gains, offsets, outGain) = model.type == "gain"
                ? ([parameter("gain")], [parameter("in_offset")], 1.0)
                : (parameters["in_gain"]!, parameters["in_offset"]!, parameter("out_gain"))
            var terms: [LinearTerm] = []
            var constant = parameter("out_offset")
            for (k, control) in controls[0].enumerated() {
                let g = outGain * gains[k]
                constant += g * offsets[k]
                if g != 0 { terms.append(LinearTerm(control: control, coefficient: g, name: terms.isEmpty ? name : "\(name)#\(k + 1)")) }
            }
            try addLinearSum(name, a, b, series: series, terms: terms, constant: constant, constantName: name + "#0", at: line.location)
        case "s_xfer":
            try transferFunction(name, controls[0][0], a, b, series: series, parameters, model: model, at: line.location)
        case "hyst":
            try hysteresis(name, controls[0][0], a, b, series: series, parameters, model: model, element: line.name, in: scope, at: line.location)
        case "d_dt":
            try differentiator(name, controls[0][0], a, b, series: series, parameters, model: model, element: line.name, in: scope, at: line.location)
        case "int":
            try integrator(name, controls[0][0], a, b, series: series, parameters, model: model, element: line.name, in: scope, at: line.location)
        case "sine", "triangle":
            try oscillator(name, triangle: model.type == "triangle", controls[0][0], a, b, series: series, parameters,
                           model: model, element: line.name, in: scope, at: line.location)
        default:
            var reads: [(Node, Node)] = []
            func input(_ control: LinearControl) -> Expression {
                reads.append(control.read)
                return .parameter("__v\(reads.count - 1)")
            }
            func affine(_ x: Expression, _ gain: Double, _ offset: Double) -> Expression {
                .binary("*", .number(gain), .binary("+", x, .number(offset)))
            }
            let value: Expression
            switch model.type {
            case "mult":
                let (gains, offsets) = (parameters["in_gain"]!, parameters["in_offset"]!)
                var product: Expression = .number(parameter("out_gain"))
                for (k, control) in controls[0].enumerated() { product = .binary("*", product, affine(input(control), gains[k], offsets[k])) }
                value = .binary("+", product, .number(parameter("out_offset")))
            case "divide":
                let numerator = affine(input(controls[0][0]), parameter("num_gain"), parameter("num_offset"))
                let denominator = affine(input(controls[1][0]), parameter("den_gain"), parameter("den_offset"))
                let limit = parameter("den_lower_limit")
                let domain = parameter("den_domain") * (parameter("fraction") != 0 ? limit : 1)
                guard limit > 0, domain > 0, domain < limit else {
                    throw NetlistError("\(line.name): divide needs 0 < den_domain < den_lower_limit (as an absolute value), found \(domain) and \(limit)", at: model.location)
                }
                let limited = Self.smoothLowerLimit(denominator, limit: limit, range: domain)
                value = .binary("+", .binary("*", .number(parameter("out_gain")), .binary("/", numerator, limited)), .number(parameter("out_offset")))
            case "pwl":
                value = try Self.smoothPiecewiseLinear(input(controls[0][0]), parameters, element: line.name, at: model.location)
            case "climit":
                // The limits are the control inputs less the deltas; a fractional range scales with their span.
                let x = affine(input(controls[0][0]), parameter("gain"), parameter("in_offset"))
                let upper = Expression.binary("-", input(controls[1][0]), .number(parameter("upper_delta")))
                let lower = Expression.binary("+", input(controls[2][0]), .number(parameter("lower_delta")))
                let range = parameter("limit_range")
                guard range > 0 else { throw NetlistError("\(line.name): climit's limit_range must be positive, found \(range)", at: model.location) }
                let r: Expression = parameter("fraction") != 0 ? .binary("*", .number(range), .binary("-", upper, lower)) : .number(range)
                value = Self.smoothClamp(x, lower: lower, upper: upper, range: r)
            case "sidiode":
                value = try Self.simpleDiode(across: input(.voltage(a, b)), parameters, element: line.name, at: model.location)
            case "zener":
                value = try Self.zener(across: input(.voltage(a, b)), parameters, element: line.name, at: model.location)
            case "aswitch":
                value = try Self.analogSwitch(across: input(.voltage(a, b)), control: input(controls[0][0]), parameters, element: line.name, at: model.location)
            default:  // limit
                let (lower, upper) = (parameter("out_lower_limit"), parameter("out_upper_limit"))
                let range = parameter("limit_range") * (parameter("fraction") != 0 ? upper - lower : 1)
                guard upper > lower, range > 0, 2 * range <= upper - lower else {
                    throw NetlistError("\(line.name): limit needs out_lower_limit < out_upper_limit and 0 < limit_range ≤ half their difference, found \(lower), \(upper) and \(range)", at: model.location)
                }
                value = Self.smoothClamp(affine(input(controls[0][0]), parameter("gain"), parameter("in_offset")),
                                         lower: .number(lower), upper: .number(upper), range: .number(range))
            }
            try addLaw(name, value, reads: reads, a, b, voltage: series, element: line.name, in: scope, at: line.location)
        }
    }

    /// Adds behavioral source `name` between `a` and `b` whose value (a voltage, or a current from a
    /// through it to b) is `value`, its `__vk` reading the node pairs `reads`.
    mutating func addLaw(_ name: String, _ value: Expression, reads: [(Node, Node)], _ a: Node, _ b: Node, voltage: Bool,
                         element: String, in scope: Scope, at location: SourceLocation) throws(NetlistError) {
        let output = try behavioralOutput(name, voltage: voltage, a, b, at: location)
        let source = try Self.behavioralElement(output: output, reads: reads, element: element, at: location) { (ports) throws(NetlistError) in
            var compiler = BehavioralCompiler(location: location, element: element, voltages: ports)
            return (try compiler.compile(value, in: scope), [], compiler.tables)
        }
        try addBehavioral(name, voltage: voltage, a, b, output: output, source, at: location)
    }

    /// `int`: y = the state z, rounded into [out_lower_limit, out_upper_limit] as `limit` rounds
    /// (ngspice's output), where z = out_ic + ∫gain·(x + in_offset) dt is an inner node
    /// `A1#state` (1 F to ground, into which the integrand flows), held at out_ic at DC.
    ///
    /// ngspice rounds its stored state into the limits at every time step, so that a state at a
    /// limit stores nothing more ("once a limit is reached, additional storage does not occur")
    /// and turns back at once when the input does; as its steps shrink, the state stops where the
    /// rounding begins, limit_range r inside each limit. Here the integrand is gated off over the
    /// last r before that point, in the direction that would pass it:
    ///
    ///     i = g·(x + in_offset)·min(1, max(0, (upper − r − z)/r))   for g·(x + in_offset) > 0,
    ///     i = g·(x + in_offset)·min(1, max(0, (z − lower − r)/r))   otherwise,
    ///
    /// so that the state comes to rest at the rounding's start (ngspice's, at finite steps, a
    /// little beyond it, by 2√(r·g·u·h)). Within the limits it is the exact integral.
    mutating func integrator(_ name: String, _ control: LinearControl, _ a: Node, _ b: Node, series: Bool,
                             _ parameters: [String: [Double]], model: ModelStatement, element: String, in scope: Scope,
                             at location: SourceLocation) throws(NetlistError) {
        let (lower, upper) = (parameters["out_lower_limit"]![0], parameters["out_upper_limit"]![0])
        let r = parameters["limit_range"]![0]
        guard upper > lower, r > 0, 4 * r <= upper - lower else {
            throw NetlistError("\(element): int needs out_lower_limit < out_upper_limit and 0 < limit_range ≤ a quarter of their difference, found \(lower), \(upper) and \(r)", at: model.location)
        }
        let state = parasiticNode(of: name, "state")
        let start = parameters["out_ic"]![0]
        try circuit.add("\(name)#state", .capacitor(state, .ground, capacitance: 1, initialVoltage: start), at: location)
        circuit.dcHolds[state] = start
        let reads = [control.read, (state, .ground)]
        let (x, z) = (Expression.parameter("__v0"), Expression.parameter("__v1"))
        let u = Expression.binary("*", .number(parameters["gain"]![0]), .binary("+", x, .number(parameters["in_offset"]![0])))
        func gate(_ room: Expression) -> Expression {
            .call("min", [.number(1), .call("max", [.number(0), .binary("/", room, .number(r))])])
        }
        let rising = gate(.binary("-", .number(upper - r), z)), falling = gate(.binary("-", z, .number(lower + r)))
        let integrand = Expression.binary("*", u, .conditional(.binary(">", u, .number(0)), rising, falling))
        try addLaw("\(name)#in", integrand, reads: reads, .ground, state, voltage: false, element: element, in: scope, at: location)
        let output = Self.smoothClamp(.parameter("__v0"), lower: .number(lower), upper: .number(upper), range: .number(r))
        try addLaw(name, output, reads: [(state, .ground)], a, b, voltage: series, element: element, in: scope, at: location)
    }

    /// `hyst`: a backlash between two legs, each the line from out_lower_limit to out_upper_limit
    /// with slope (upper − lower)/(in_high − in_low), its corners rounded over ±d (`input_domain`,
    /// with `fraction` that fraction of in_high − in_low): the rising leg from in_low + hyst to
    /// in_high + hyst, the falling leg hyst lower. The input moves along the rising leg until it
    /// passes in_high + hyst + d, then along the falling leg until it passes in_low − hyst − d;
    /// the output is continuous, both legs flat where the leg changes. As in ngspice, it starts on
    /// the rising leg unless the input starts beyond its top.
    ///
    /// The leg is a switch's state (`A1#leg`, the machinery of `S`, turns located in time, the
    /// state carried through `.dc`): on above VT + VH = in_high + hyst + d, off below VT − VH =
    /// in_low − hyst − d, in a loop of its own (`A1#legsource`, 1 V, through the switch into 1 Ω,
    /// `A1#legload`) whose node `A1#leg` the output reads: the falling leg where it is above ½ V.
    mutating func hysteresis(_ name: String, _ control: LinearControl, _ a: Node, _ b: Node, series: Bool,
                             _ parameters: [String: [Double]], model: ModelStatement, element: String, in scope: Scope,
                             at location: SourceLocation) throws(NetlistError) {
        let (inLow, inHigh, h) = (parameters["in_low"]![0], parameters["in_high"]![0], parameters["hyst"]![0])
        let (low, high) = (parameters["out_lower_limit"]![0], parameters["out_upper_limit"]![0])
        let d = parameters["input_domain"]![0] * (parameters["fraction"]![0] != 0 ? inHigh - inLow : 1)
        guard inHigh > inLow, h >= 0, d > 0, 2 * d <= inHigh - inLow else {
            throw NetlistError("\(element): hyst needs in_low < in_high, hyst ≥ 0 and 0 < input_domain ≤ half of in_high − in_low, found \(inLow), \(inHigh), \(h) and \(d)", at: model.location)
        }
        // The leg's switch and the loop that shows its state.
        let (top, leg) = (parasiticNode(of: name, "legtop"), parasiticNode(of: name, "leg"))
        let law = ControlledSwitch(threshold: (inHigh + inLow) / 2, hysteresis: (inHigh - inLow) / 2 + h + d,
                                   onResistance: 1e-6, offResistance: 1e12)
        let sense: ControlledSwitch.Control
        switch control {
        case let .voltage(p, n): sense = .voltage(p, n)
        case let .current(v): sense = .current(controller: v)
        }
        try circuit.add("\(name)#legsource", .voltageSource(top, .ground, IndependentSource(dc: 1)), at: location)
        try circuit.add("\(name)#legswitch", .controlledSwitch(top, leg, sense, law), at: location)
        try circuit.add("\(name)#legload", .resistor(leg, .ground, resistance: 1), at: location)
        // The output: the leg the switch's state picks, each rounded at its two corners.
        let reads = [control.read, (leg, .ground)]
        let (x, state) = (Expression.parameter("__v0"), Expression.parameter("__v1"))
        func legLaw(_ shift: Double) -> Expression {
            Self.smoothPiecewiseLinear(x, through: [inLow + shift - 1, inLow + shift, inHigh + shift, inHigh + shift + 1],
                                       [low, low, high, high], domain: d)
        }
        let value = Expression.conditional(.binary(">", state, .number(0.5)), legLaw(-h), legLaw(h))
        try addLaw(name, value, reads: reads, a, b, voltage: series, element: element, in: scope, at: location)
    }

    /// `d_dt`: y = gain·dx/dt + out_offset, rounded into [out_lower_limit, out_upper_limit] as
    /// `limit` rounds. The derivative is the current of 1 F (`A1#dt`) across which an inner node
    /// `A1#x` copies the input, through a 0 V source `A1#dtsense` to ground: 0 at DC, where, as
    /// in ngspice, the offset is left out too (y is the rounding of 0 there).
    mutating func differentiator(_ name: String, _ control: LinearControl, _ a: Node, _ b: Node, series: Bool,
                                 _ parameters: [String: [Double]], model: ModelStatement, element: String, in scope: Scope,
                                 at location: SourceLocation) throws(NetlistError) {
        let (lower, upper) = (parameters["out_lower_limit"]![0], parameters["out_upper_limit"]![0])
        let r = parameters["limit_range"]![0]
        guard upper > lower, r > 0, 2 * r <= upper - lower else {
            throw NetlistError("\(element): d_dt needs out_lower_limit < out_upper_limit and 0 < limit_range ≤ half their difference, found \(lower), \(upper) and \(r)", at: location)
        }
        let copy = parasiticNode(of: name, "x"), sensed = parasiticNode(of: name, "dt")
        switch control {
        case let .voltage(p, n): try circuit.add("\(name)#x", .voltageControlledVoltageSource(copy, .ground, p, n, gain: 1), at: location)
        case let .current(v): try circuit.add("\(name)#x", .currentControlledVoltageSource(copy, .ground, controller: v, transresistance: 1), at: location)
        }
        try circuit.add("\(name)#dt", .capacitor(copy, sensed, capacitance: 1, initialVoltage: nil), at: location)
        try circuit.add("\(name)#dtsense", .voltageSource(sensed, .ground, IndependentSource(dc: 0)), at: location)
        try addTimeSource()
        let (derivative, time) = (Expression.parameter("__v0"), Expression.parameter("__v1"))
        let offset = Expression.conditional(.binary(">", time, .number(0)), .number(parameters["out_offset"]![0]), .number(0))
        let value = Self.smoothClamp(.binary("+", .binary("*", .number(parameters["gain"]![0]), derivative), offset),
                                     lower: .number(lower), upper: .number(upper), range: .number(r))
        try addLaw(name, value, reads: [(Node("i(" + name + "#dtsense)"), .ground), (Self.timeNode, .ground)], a, b, voltage: series,
                   element: element, in: scope, at: location)
    }

    /// `sine` and `triangle`: oscillators whose frequency f the control sets through the points
    /// (cntl_array, freq_array), the end segments extended (below the first point at least
    /// 10⁻¹⁶ Hz), as ngspice's. The phase φ (in cycles) is an inner node `A1#phase` with 1 F to
    /// ground into which f flows, so φ = ∫f dt, held at 0 at DC. The output, from φ alone:
    ///
    ///     sine:      (out_high + out_low)/2 + (out_high − out_low)/2·sin(2π·φ)
    ///     triangle:  out_low up to out_high over the first duty_cycle of each cycle, then back,
    ///                with the cycle's fraction p = φ − ⌊φ⌋.
    ///
    /// At DC φ = 0: the sine's centre, the triangle's low value, as in ngspice.
    mutating func oscillator(_ name: String, triangle: Bool, _ control: LinearControl, _ a: Node, _ b: Node, series: Bool,
                             _ parameters: [String: [Double]], model: ModelStatement, element: String, in scope: Scope,
                             at location: SourceLocation) throws(NetlistError) {
        var (xs, fs) = (parameters["cntl_array"]!, parameters["freq_array"]!)
        if xs.isEmpty && fs.isEmpty { (xs, fs) = ([0], [1e3]) }  // ngspice's defaults
        guard xs.count == fs.count, !xs.isEmpty else {
            throw NetlistError("\(element): \(model.type) needs cntl_array and freq_array of the same length (found \(xs.count) and \(fs.count))", at: model.location)
        }
        if let k = xs.indices.dropFirst().first(where: { xs[$0] <= xs[$0 - 1] }) {
            throw NetlistError("\(element): \(model.type)'s cntl_array must increase (\(xs[k - 1]), then \(xs[k]))", at: model.location)
        }
        let (low, high) = (parameters["out_low"]![0], parameters["out_high"]![0])
        let duty = parameters["duty_cycle"]?[0] ?? 0.5
        if triangle, !(duty > 0 && duty < 1) {
            throw NetlistError("\(element): triangle's duty_cycle must lie between 0 and 1, found \(duty)", at: model.location)
        }
        // The frequency into the phase node.
        let phase = parasiticNode(of: name, "phase")
        try circuit.add("\(name)#phase", .capacitor(phase, .ground, capacitance: 1, initialVoltage: 0), at: location)
        circuit.dcHolds[phase] = 0
        let frequency: Expression
        let (reads, c) = ([control.read], Expression.parameter("__v0"))
        if xs.count == 1 {
            guard fs[0] > 0 else {
                throw NetlistError("\(element): \(model.type)'s one frequency must be positive, found \(fs[0])", at: model.location)
            }
            frequency = .number(fs[0])
        } else {
            var points: [Expression] = [c]
            for (x, f) in zip(xs, fs) { points += [.number(x), .number(f)] }
            let line = Expression.call("pwl", points)
            frequency = .conditional(.binary("<=", c, .number(xs[0])), .call("max", [line, .number(1e-16)]), line)
        }
        try addLaw("\(name)#f", frequency, reads: reads, .ground, phase, voltage: false, element: element, in: scope, at: location)
        // The output from the phase.
        let p = Expression.parameter("__v0")
        let value: Expression
        if triangle {
            let fraction = Expression.binary("-", p, .call("floor", [p]))
            let rising = Expression.binary("+", .number(low), .binary("*", fraction, .number((high - low) / duty)))
            let falling = Expression.binary("-", .number(high), .binary("*", .binary("-", fraction, .number(duty)), .number((high - low) / (1 - duty))))
            value = .conditional(.binary("<", fraction, .number(duty)), rising, falling)
        } else {
            value = .binary("+", .number((high + low) / 2), .binary("*", .number((high - low) / 2), .call("sin", [.binary("*", .number(2 * Double.pi), p)])))
        }
        try addLaw(name, value, reads: [(phase, .ground)], a, b, voltage: series, element: element, in: scope, at: location)
    }

    /// `potentiometer`: two resistances, r_lower from r0 to the wiper and r − r_lower from the wiper
    /// to r1, with r_lower = position·r, or with `log` r/10^(position·log_multiplier); fixed, as in
    /// ngspice (a pot turned while the circuit runs is Anode's `.pot`, see the netlist reference).
    /// A part of 0 Ω is 1 mΩ, as for a resistor written so.
    mutating func potentiometer(_ name: String, _ nodes: [Node], _ parameters: [String: [Double]], model: ModelStatement,
                                at location: SourceLocation) throws(NetlistError) {
        let (position, r) = (parameters["position"]![0], parameters["r"]![0])
        guard (0...1).contains(position), r > 0 else {
            throw NetlistError("\(name): potentiometer needs a position from 0 to 1 and a positive r, found \(position) and \(r)", at: model.location)
        }
        let lower = parameters["log"]![0] != 0 ? r / Foundation.pow(10, position * parameters["log_multiplier"]![0]) : position * r
        guard lower.isFinite, lower <= r else {
            throw NetlistError("\(name): potentiometer's log law gives \(lower) Ω of the track's \(r) Ω (a negative log_multiplier?)", at: model.location)
        }
        for (part, (a, b, value)) in [("lower", (nodes[0], nodes[1], lower)), ("upper", (nodes[1], nodes[2], r - lower))] {
            if value == 0 { circuit.warnings.append(Diagnostic("\(name): its \(part) part is 0 Ω, taken as 1 mΩ", at: location)) }
            try circuit.add("\(name)#\(part)", .resistor(a, b, resistance: value == 0 ? Self.zeroResistance : value), at: location)
        }
    }

    /// `s_xfer`: y = H(s/ω₀)·gain·(x + in_offset), H = N/D with the coefficients written from the
    /// highest power down, ω₀ = `denormalized_freq`.
    ///
    /// With D = dₙ·(sⁿ + aₙ₋₁·sⁿ⁻¹ + … + a₀) and u = gain·(x + in_offset)/dₙ, in the time scaled by
    /// ω₀ (s′ = s/ω₀), the controller form's states ζ₀ … ζₙ₋₁ follow
    ///
    ///     ζ′ₖ = ζₖ₊₁ (k < n − 1),   ζ′ₙ₋₁ = u − Σₖ aₖ·ζₖ,   y = bₙ·u + Σₖ (bₖ − bₙ·aₖ)·ζₖ.
    ///
    /// Each state is an inner node `A1#int1` … `A1#intn` (int1 is ζₙ₋₁, next to the input) with
    /// 1/ω₀ farad to ground, into which a sum of controlled currents (`A1#d1`, …) drives its
    /// derivative; the output is a linear sum of the input and the states. All linear, so every
    /// analysis takes it exactly and the real-time engine folds it into its matrices.
    ///
    /// As ngspice does, every DC solution holds the states at their initial conditions (`int_ic`,
    /// ngspice's integrator outputs zₖ = ω₀ᵏ·ζₖ, first the one next to the input; 0 if not
    /// given) instead of solving for them (`Circuit.dcHolds`): the operating point's output is
    /// bₙ·u + Σ (bₖ − bₙ·aₖ)·ζₖ at those states, and a transient starts from them.
    mutating func transferFunction(_ name: String, _ input: LinearControl, _ a: Node, _ b: Node, series: Bool,
                                   _ parameters: [String: [Double]], model: ModelStatement, at location: SourceLocation) throws(NetlistError) {
        let (numerator, denominator) = (parameters["num_coeff"]!, parameters["den_coeff"]!)
        let w0 = parameters["denormalized_freq"]![0]
        guard numerator.count >= 1, denominator.count >= 2, denominator[0] != 0 else {
            throw NetlistError("\(name): s_xfer needs num_coeff and den_coeff, the denominator of degree 1 or more with a leading coefficient other than 0", at: model.location)
        }
        guard numerator.count <= denominator.count else {
            throw NetlistError("\(name): the numerator's degree (\(numerator.count - 1)) exceeds the denominator's (\(denominator.count - 1))", at: model.location)
        }
        guard w0 > 0 else { throw NetlistError("\(name): denormalized_freq must be positive", at: model.location) }
        let n = denominator.count - 1
        let initial = parameters["int_ic"]!.isEmpty ? [Double](repeating: 0, count: n) : parameters["int_ic"]!
        guard initial.count == n else {
            throw NetlistError("\(name): int_ic needs \(n) value\(n == 1 ? "" : "s"), one per integrator (the denominator's degree); found \(initial.count)", at: model.location)
        }
        // aₖ and bₖ by power k; u's factor and offset.
        let leading = denominator[0]
        let a_ = (0..<n).map { denominator[n - $0] / leading }
        let b_ = (0...n).map { $0 < numerator.count ? numerator[numerator.count - 1 - $0] : 0 }
        let (gain, offset) = (parameters["gain"]![0] / leading, parameters["in_offset"]![0])
        // States: ζₖ at node int(n − k), starting from zₖ/ω₀ᵏ.
        let states = (0..<n).map { parasiticNode(of: name, "int\(n - $0)") }
        for (k, state) in states.enumerated() {
            let j = n - k
            let start = initial[j - 1] / Foundation.pow(w0, Double(k))
            guard start.isFinite, (1 / w0).isFinite, a_.allSatisfy(\.isFinite), gain.isFinite else {
                throw NetlistError("\(name): the transfer function's coefficients, scaled by denormalized_freq, are not finite numbers", at: model.location)
            }
            try circuit.add("\(name)#int\(j)", .capacitor(state, .ground, capacitance: 1 / w0, initialVoltage: start), at: location)
            circuit.dcHolds[state] = start
            // The current into the state node is its derivative in the scaled time.
            var terms: [LinearTerm] = []
            var constant = 0.0
            if k < n - 1 {
                terms.append(LinearTerm(control: .voltage(states[k + 1], .ground), coefficient: 1, name: "\(name)#d\(j)"))
            } else {
                if gain != 0 { terms.append(LinearTerm(control: input, coefficient: gain, name: "\(name)#d\(j)")) }
                constant = gain * offset
                for (i, s) in states.enumerated() where a_[i] != 0 {
                    terms.append(LinearTerm(control: .voltage(s, .ground), coefficient: -a_[i], name: "\(name)#d\(j)a\(i)"))
                }
            }
            try addLinearSum("\(name)#d\(j)", .ground, state, series: false, terms: terms, constant: constant,
                             constantName: "\(name)#d\(j)c", at: location)
        }
        // y = bₙ·u + Σ (bₖ − bₙ·aₖ)·ζₖ.
        var terms: [LinearTerm] = []
        if b_[n] * gain != 0 { terms.append(LinearTerm(control: input, coefficient: b_[n] * gain, name: name)) }
        for (k, s) in states.enumerated() {
            let c = b_[k] - b_[n] * a_[k]
            if c != 0 { terms.append(LinearTerm(control: .voltage(s, .ground), coefficient: c, name: terms.isEmpty ? name : "\(name)#y\(k)")) }
        }
        try addLinearSum(name, a, b, series: series, terms: terms, constant: b_[n] * gain * offset, constantName: name + "#0", at: location)
    }
}
