import Foundation

/// XSPICE's analog code models, as ngspice reads them: an `A` element names its ports and a
/// `.model` card of the code model's type.
///
///     A1 in out amp                      .model amp gain(gain=5 in_offset=0.1 out_offset=-0.01)
///     A2 [1 %vd(2 5) %i 7] 3 sum1        .model sum1 summer(in_gain=[2 1 1] out_gain=5)
///     A3 %vd(p n) %id(o1 o2) lim         .model lim limit(gain=2 out_lower_limit=-1 out_upper_limit=1)
///
/// How the line and card are read is in CodeModelSyntax.swift, the nonlinear laws in
/// CodeModelLaws.swift, the models with a state in CodeModelStates.swift.
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
/// - `lcouple` and `core`: a winding and a magnetic core, from which transformers are built (see
///   `inductiveCoupling` and `magneticCore`).
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

    /// A code model parameter: one number (with its default, nil if it must be given), one number
    /// that may be left out (absent then, for a default the model derives), one per input of the
    /// vector port (with the default of each), or a list of any length (empty if not given).
    enum CodeModelParameter {
        case real(Double?)
        case optional
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
                    ["ron": .real(1), "roff": .optional, "vfwd": .real(0), "vrev": .real(1e30), "ilimit": .real(1e30), "revilimit": .real(1e30),
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
        "lcouple": ([CodeModelPosition(name: "l", input: false, defaultType: "hd", allowed: ["h", "hd"]),
                     CodeModelPosition(name: "mmf_out", input: false, defaultType: "hd", allowed: ["hd"])], ["num_turns": .real(1)]),
        "capacitoric": ([CodeModelPosition(name: "cap", input: false, defaultType: "hd", allowed: ["hd"])], ["c": .real(nil), "ic": .real(0)]),
        "inductoric": ([CodeModelPosition(name: "ind", input: false, defaultType: "gd", allowed: ["gd"])], ["l": .real(nil), "ic": .real(0)]),
        "core": ([CodeModelPosition(name: "mc", input: false, defaultType: "gd", allowed: ["g", "gd"])],
                 ["h_array": .list, "b_array": .list, "area": .optional, "length": .optional, "input_domain": .real(0.01), "fraction": .real(1),
                  "mode": .real(1), "in_low": .real(0), "in_high": .real(1), "hyst": .real(0.1), "out_lower_limit": .real(0), "out_upper_limit": .real(1)]),
    ]

    /// The parameters that are TRUE or FALSE (1 or 0 here).
    static let booleanParameters: Set<String> = ["fraction", "log", "limit", "limit_switch"]

    /// XSPICE's other code models, which Anode does not have.
    static let otherCodeModels: Set<String> = [
        "filesource", "multi_input_pwl", "ilimit",
        "slew", "square", "oneshot", "cmeter", "lmeter", "memristor", "table2d", "table3d",
        "delay", "adc_bridge", "dac_bridge", "d_to_real", "real_to_v",
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
        if model.type == "lcouple" {
            let parameters = try codeModelParameters(model, spec.parameters, inputs: 0, element: line.name, in: modelScope)
            let ports: [[Node]] = connections.map { if case .single(let p) = $0 { p.nodes } else { [] } }
            return try inductiveCoupling(name, winding: (ports[0][0], ports[0][1]), mmf: (ports[1][0], ports[1][1]),
                                         turns: parameters["num_turns"]![0], model: model, at: line.location)
        }
        if model.type == "capacitoric" || model.type == "inductoric" {
            let parameters = try codeModelParameters(model, spec.parameters, inputs: 0, element: line.name, in: modelScope)
            guard case .single(let port) = connections[0] else { throw NetlistError("\(line.name): the \(model.type)'s port is one port", at: line.location) }
            return try reactanceWithInitialCondition(name, port.nodes[0], port.nodes[1], capacitor: model.type == "capacitoric",
                                                      value: parameters[model.type == "capacitoric" ? "c" : "l"]![0], initial: parameters["ic"]![0],
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
        case "core" where parameter("mode") == 2:
            // The hysteresis block's law, from the mmf across the port to the flux through it.
            try hysteresis(name, .voltage(a, b), a, b, series: false, parameters, model: model, element: line.name, in: scope, at: line.location)
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
            case "core":
                value = try Self.magneticCore(mmf: input(.voltage(a, b)), parameters, element: line.name, at: model.location)
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
}
