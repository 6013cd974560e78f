import Foundation

extension Circuit {
    /// Elaborates a parsed netlist: evaluates parameters, expands subcircuits, builds the device
    /// models and collects the analyses and outputs. The devices are built at the netlist's
    /// temperature (`.temp`, `.options temp=`), or at `temperature` °C when it is given; changing
    /// `options.temperature` afterwards changes nothing.
    ///
    /// A netlist with `.step` sweeps is built at `step`, one of its `stepPoints()`; without one, at
    /// the first point, with a warning that says so.
    public init(netlist: Netlist, temperature: Double? = nil, step: StepPoint? = nil) throws(NetlistError) {
        var elaborator = Elaborator(netlist: netlist)
        elaborator.temperatureOverride = temperature
        if let step {
            elaborator.stepPoint = step
        } else if let first = try netlist.stepPoints().first {
            elaborator.stepPoint = first
            elaborator.circuit.warnings.append(Diagnostic(
                "the netlist steps (.step): this circuit is built at its first point, \(first.description); `anode simulate`, `op`, `bench`, `render`, `measure` and `plot waveform` and `response` run every point",
                at: netlist.stepStatements.first?.location))
        }
        if let t = temperature, elaborator.stepPoint?.values.contains(where: { $0.target == .temperature }) == true {
            elaborator.circuit.warnings.append(Diagnostic(
                "the temperature asked for, \(t) °C, gives way to the netlist's .step temp", at: netlist.stepStatements.first?.location))
        }
        self = try elaborator.run()
        self.netlist = netlist
        stepPoint = elaborator.stepPoint
    }

    /// Reads and elaborates a netlist file (at `temperature` °C if given, see `init(netlist:temperature:)`).
    public init(contentsOfFile path: String, temperature: Double? = nil) throws(NetlistError) {
        try self.init(netlist: Netlist(contentsOfFile: path), temperature: temperature)
    }

    /// Reads and elaborates netlist text; `file` names it in messages.
    public init(netlistText text: String, file: String = "<netlist>", directory: String? = nil) throws(NetlistError) {
        try self.init(netlist: Netlist(text: text, file: file, directory: directory))
    }
}

/// Turns a `Netlist` into a flat `Circuit`.
struct Elaborator {
    let netlist: Netlist
    var circuit: Circuit
    /// The temperature, °C, that replaces the netlist's own.
    var temperatureOverride: Double? = nil
    /// The `.step` point to build (its values replace parameters, the temperature, model
    /// parameters and source values).
    var stepPoint: StepPoint? = nil
    var globalNodes: Set<String> = []
    /// The top level's statements with its `.if` blocks resolved (`resolveConditionals`).
    var statements: [Statement] = []
    /// Model cards already warned about (by location), so each card warns once.
    var warnedModels: Set<SourceLocation> = []
    /// Nodes named in `.ic` and `.nodeset`, checked once all elements exist.
    var nodeReferences: [(Node, SourceLocation)] = []
    /// The inner nodes of elements' parasitics (`parasiticNode`), with the element they belong to.
    var parasiticNodes: [(Node, String)] = []
    /// Each resistor's resistance in the circuit per ohm of its written value (`DCSweep.scale`), by
    /// lowercased name.
    var resistanceScales: [String: Double] = [:]

    init(netlist: Netlist) {
        self.netlist = netlist
        circuit = Circuit(title: netlist.title)
        circuit.warnings = netlist.warnings
    }

    mutating func run() throws(NetlistError) -> Circuit {
        let top = Scope(parent: nil, prefix: "", expanding: [])
        try collectDefinitions(netlist.statements, into: top)
        for v in stepPoint?.values ?? [] {
            switch v.target {
            case .parameter(let name):
                top.parameterTexts[name] = nil
                top.parameterValues[name] = v.value
            case let .modelParameter(model, parameter):
                guard var card = top.models[model] else {
                    throw NetlistError(".step: no model '\(model)' to sweep \(parameter.uppercased()) of", at: netlist.stepStatements.first?.location)
                }
                let value = ValueText(text: "\(v.value)", isExpression: false, location: card.location)
                card.parameters.removeAll { $0.name == parameter }
                card.parameters.append(Assignment(name: parameter, value: value, location: card.location))
                top.models[model] = card
                if var kind = top.kindCards[model] {
                    // An `AKO:` card swept: its own value, whatever its base's.
                    kind.parameters.removeAll { $0.name == parameter }
                    kind.parameters.append(Assignment(name: parameter, value: value, location: card.location))
                    top.kindCards[model] = kind
                }
            case .temperature, .source:
                break
            }
        }
        // The kinds of a swept model take its swept value.
        if stepPoint != nil { try top.resolveKinds() }
        // The random functions' draws: new at every `.step` point, from `.options seed=` (read
        // first, as any parameter may draw).
        top.draws.run = stepPoint.map { RandomDraws.hash($0.description) } ?? 0
        for statement in netlist.statements {
            guard case .command(.options(let assignments)) = statement.kind else { continue }
            for a in assignments where a.name == "seed" || a.name == "rseed" {
                guard let value = a.value else { throw NetlistError("option \(a.name) needs a whole number", at: a.location) }
                let seed = try top.evaluate(value)
                guard seed >= 0, seed == seed.rounded(), seed < 9.0e15 else {
                    throw NetlistError("option \(a.name) must be a whole number from 0 on, not \(seed)", at: value.location)
                }
                top.draws.seed = UInt64(seed)
            }
        }
        // `.if` blocks, with the parameters as stepped.
        statements = try resolveConditionals(netlist.statements, in: top)
        for statement in statements {
            if case .command(.global(let nodes)) = statement.kind {
                for n in nodes { globalNodes.insert(Node(n.text).name) }
            }
        }
        // Options and .temp first: GMIN and the temperature enter the device models as they are built.
        for statement in statements {
            if case .command(.options(let assignments)) = statement.kind {
                for a in assignments { try applyOption(a, in: top) }
            }
        }
        for statement in statements {
            if case .command(.temperature(let text)) = statement.kind {
                circuit.options.temperature = try Self.temperature(text, named: ".temp", in: top)
            }
        }
        if let t = temperatureOverride {
            guard t.isFinite, t > -Junction.zeroCelsius else {
                throw NetlistError("temperature \(t) is not a temperature (°C above absolute zero, −273.15 °C)", at: nil)
            }
            circuit.options.temperature = t
        }
        for v in stepPoint?.values ?? [] where v.target == .temperature {
            guard v.value.isFinite, v.value > -Junction.zeroCelsius else {
                throw NetlistError(".step temp \(v.value) is not a temperature (°C above absolute zero, −273.15 °C)", at: netlist.stepStatements.first?.location)
            }
            circuit.options.temperature = v.value
        }
        try instantiate(statements, in: top)
        for v in stepPoint?.values ?? [] {
            if case .source(let name) = v.target {
                do { try circuit.setDCValue(of: name, to: v.value) } catch {
                    throw NetlistError(".step: \(error.message)", at: netlist.stepStatements.first?.location)
                }
            }
        }
        for statement in statements {
            if case .command(let command) = statement.kind {
                try apply(command, at: statement.location, in: top)
            }
        }
        try checkParasiticNodes()
        warnOfWAVTiming()
        for (node, location) in nodeReferences where circuit.index(of: node) == nil {
            throw NetlistError("no element connects to node '\(node.name)'", at: location)
        }
        if circuit.elements.isEmpty {
            throw NetlistError("the netlist has no elements", at: netlist.statements.first?.location)
        }
        return circuit
    }

    // MARK: Definitions

    /// Registers the `.param`, `.model` and `.subckt` statements of one level, so that their order
    /// in the file does not matter.
    func collectDefinitions(_ statements: [Statement], into scope: Scope) throws(NetlistError) {
        for statement in statements {
            switch statement.kind {
            case .parameters(let assignments):
                for a in assignments {
                    guard let value = a.value else { continue }
                    if Expression.functions[a.name] != nil || Expression.constants[a.name] != nil {
                        throw NetlistError("'\(a.name)' is a built-in name and cannot be a parameter", at: a.location)
                    }
                    scope.parameterTexts[a.name] = value
                    scope.parameterValues[a.name] = nil
                }
            case .function(let f):
                if Expression.functions[f.name] != nil {
                    throw NetlistError("'\(f.name)' is a built-in function and cannot be redefined by .func", at: f.location)
                }
                if let other = scope.functions[f.name] {
                    throw NetlistError("duplicate .func '\(f.name)' (first defined at \(other.location))", at: f.location)
                }
                scope.functions[f.name] = f
            case .model(let model):
                if let other = scope.models[model.name] {
                    // A card of a library included whole (LTspice's `.lib FILE`) yields to any other.
                    if model.fromLibrary { continue }
                    if !other.fromLibrary {
                        throw NetlistError("duplicate .model '\(model.name)' (first defined at \(other.location))", at: model.location)
                    }
                }
                scope.models[model.name] = model
                if model.base != nil { scope.kindCards[model.name] = model } else { scope.kindCards[model.name] = nil }
            case .subcircuit(let definition):
                if let other = scope.subcircuits[definition.name] {
                    // As for model cards: a library's definition yields to any other.
                    if definition.fromLibrary { continue }
                    if !other.fromLibrary {
                        throw NetlistError("duplicate .subckt '\(definition.name)' (first defined at \(other.location))", at: definition.location)
                    }
                }
                scope.subcircuits[definition.name] = definition
            case .element, .command, .conditional:
                break  // a `.if` block's definitions count once its branch is chosen (`resolveConditionals`)
            }
        }
        try scope.resolveKinds()
    }

    /// `statements` with each `.if` block replaced by the statements of its first branch whose
    /// condition holds (none if none does), blocks within it likewise; the definitions of a chosen
    /// branch (`.param`, `.model`, `.subckt`, `.func`) are registered in `scope` as it is chosen, so
    /// that a later condition sees them, as ngspice reads the netlist from the top down. The
    /// statements outside any block have been registered already (`collectDefinitions`).
    func resolveConditionals(_ statements: [Statement], in scope: Scope) throws(NetlistError) -> [Statement] {
        guard statements.contains(where: { if case .conditional = $0.kind { true } else { false } }) else { return statements }
        var result: [Statement] = []
        for statement in statements {
            guard case .conditional(let branches) = statement.kind else {
                result.append(statement)
                continue
            }
            for branch in branches {
                // A sweep is read before any branch is chosen (its points decide the conditions).
                if let step = branch.statements.first(where: { if case .command(.step) = $0.kind { true } else { false } }) {
                    throw NetlistError(".step inside .if is not supported: the sweep sets the parameters the conditions read; write it outside the block", at: step.location)
                }
                if let condition = branch.condition, try scope.evaluate(condition) == 0 { continue }
                try collectDefinitions(branch.statements, into: scope)
                result += try resolveConditionals(branch.statements, in: scope)
                break
            }
        }
        return result
    }

    // MARK: Elements

    mutating func instantiate(_ statements: [Statement], in scope: Scope) throws(NetlistError) {
        for statement in statements {
            switch statement.kind {
            case .element(let line):
                try instantiate(line, in: scope)
            case .command(let command):
                if scope.parent != nil {
                    switch command {
                    case .op, .dc, .ac, .tran, .outputs, .options, .initialConditions, .nodeset, .temperature, .measure, .fourier, .wave, .transferFunction, .noise, .poleZero, .step:
                        throw NetlistError("analysis and control statements cannot appear inside a .subckt", at: statement.location)
                    case .global:
                        break
                    }
                }
            case .parameters, .function, .model, .subcircuit, .conditional:
                break
            }
        }
    }

    func node(_ token: Token, in scope: Scope) throws(NetlistError) -> Node {
        guard token.kind == .word else {
            throw NetlistError("expected a node name, found '\(token.description)'", at: token.location)
        }
        let node = Node(token.text)
        if node.isGround || globalNodes.contains(node.name) { return node }
        if let outer = scope.ports[node.name] { return outer }
        return Node(scope.prefix + node.name)
    }

    /// Splits an element's arguments into leading positional tokens and trailing `name=value` pairs
    /// (a value may be a comma-separated list, as in `ic=0.6,5`). Bare keywords such as `off` are positional.
    func split(_ line: ElementLine) throws(NetlistError) -> (positional: [Token], named: [(name: Token, values: [ValueText])]) {
        var positional: [Token] = []
        var named: [(name: Token, values: [ValueText])] = []
        let t = line.arguments
        var i = 0
        while i < t.count {
            if t[i].kind == .word, i + 1 < t.count, t[i + 1].kind == .equals {
                guard i + 2 < t.count, t[i + 2].kind == .word || t[i + 2].kind == .expression else {
                    throw NetlistError("missing value after '\(t[i].text)='", at: t[i + 1].location)
                }
                let key = t[i]
                var values = [ValueText(t[i + 2])]
                i += 3
                while i + 1 < t.count, t[i].kind == .comma, t[i + 1].kind == .word || t[i + 1].kind == .expression {
                    values.append(ValueText(t[i + 1]))
                    i += 2
                }
                named.append((key, values))
                continue
            }
            if !named.isEmpty {
                throw NetlistError("unexpected '\(t[i].description)' after the named parameters of \(line.name)", at: t[i].location)
            }
            if t[i].kind == .comma { i += 1; continue }
            if t[i].kind != .word && t[i].kind != .expression {
                throw NetlistError("unexpected '\(t[i].text)' in \(line.name)", at: t[i].location)
            }
            positional.append(t[i])
            i += 1
        }
        return (positional, named)
    }

    mutating func instantiate(_ line: ElementLine, in scope: Scope) throws(NetlistError) {
        let letter = line.name.lowercased().first!
        let name = scope.prefix + line.name
        if let directive = line.directive {
            try control(line, name: name, potentiometer: directive == "pot", in: scope)
            return
        }
        switch letter {
        case "r", "c", "l": try passive(line, name: name, letter: letter, in: scope)
        case "k": try coupling(line, name: name, in: scope)
        case "v", "i": try independentSource(line, name: name, voltage: letter == "v", in: scope)
        case "e", "g":
            if Self.isBehavioral(line) { return try behavioralSource(line, name: name, letter: letter, in: scope) }
            try voltageControlled(line, name: name, letter: letter, in: scope)
        case "b": try behavioralSource(line, name: name, letter: letter, in: scope)
        case "f", "h": try currentControlled(line, name: name, letter: letter, in: scope)
        case "s", "w": try controlledSwitch(line, name: name, letter: letter, in: scope)
        case "d", "q", "j", "m": try semiconductor(line, name: name, letter: letter, in: scope)
        case "x": try subcircuitInstance(line, name: name, in: scope)
        case "a": try codeModel(line, name: name, in: scope)
        default: throw NetlistError("unknown element type '\(line.name.prefix(1))'", at: line.location)
        }
    }

    /// Throws unless the element has at least `count` node tokens.
    func requireNodes(_ positional: [Token], _ count: Int, _ line: ElementLine, _ names: String) throws(NetlistError) {
        if positional.count < count {
            throw NetlistError("\(line.name) needs \(count) nodes (\(names)), found \(positional.count)", at: positional.last?.location ?? line.location)
        }
    }

    /// A resistor's, capacitor's or inductor's model card: ngspice's `R`, `C`, `L` (TC1, TC2, TCE,
    /// TNOM and the default value R/RES, CAP/C, IND/L) and PSpice's `RES`, `CAP`, `IND` (R, C, L
    /// multiply the value; TC1, TC2, TCE). Their other parameters (`unmodeled`) are read and
    /// reported; a parameter neither card has is an error.
    struct PassiveModel {
        var value: ValueText?
        var scale = 1.0
        var coefficients = TemperatureCoefficients()
        var exponential = 0.0
        var nominal: Double?

        static let types: [Character: (ngspice: String, pspice: String)] = ["r": ("r", "res"), "c": ("c", "cap"), "l": ("l", "ind")]
        /// Parameters of ngspice's and PSpice's cards that are read and reported, not modeled:
        /// a semiconductor resistor's or capacitor's geometry, noise, PSpice's voltage and current
        /// coefficients and its Monte Carlo tolerances (and `T_…` temperatures).
        static let unmodeled: [Character: Set<String>] = [
            "r": ["rsh", "narrow", "short", "defw", "l", "w", "kf", "af", "lf", "wf", "ef", "bv_max", "noisy", "dev", "lot"],
            "c": ["cj", "cjsw", "defw", "defl", "narrow", "short", "del", "di", "thick", "bv_max", "vc1", "vc2", "dev", "lot"],
            "l": ["csect", "dia", "length", "nt", "mu", "il1", "il2", "dev", "lot"]]

        /// Whether `token` names a card of the element's kind.
        static func isCard(_ token: Token, letter: Character, in scope: Scope) -> Bool {
            guard token.kind == .word, let (card, _) = scope.model(token.lowercased), let t = types[letter] else { return false }
            return card.type == t.ngspice || card.type == t.pspice
        }

        init(_ token: Token, letter: Character, element: String, in scope: Scope, warnings: inout [Diagnostic], warned: inout Set<SourceLocation>) throws(NetlistError) {
            let (card, cardScope) = scope.model(token.lowercased)!
            let pspice = card.type == Self.types[letter]!.pspice
            let valueNames: Set<String> = letter == "r" ? ["r", "res"] : letter == "c" ? ["cap", "c"] : ["ind", "l"]
            var ignored: [String] = []
            for a in card.parameters {
                guard let text = a.value else { ignored.append(a.name); continue }
                let x = try cardScope.evaluate(text)
                switch a.name {
                case "tc1": coefficients.linear = x
                case "tc2": coefficients.quadratic = x
                case "tce": exponential = x
                case "tnom": nominal = x
                case let n where valueNames.contains(n):
                    if pspice { scale = x } else { value = text }
                case let n where Self.unmodeled[letter]!.contains(n) || n.hasPrefix("t_"): ignored.append(a.name)
                default:
                    throw NetlistError("model \(card.name): unknown parameter '\(a.name)' for a \(card.type.uppercased()) card", at: a.location)
                }
            }
            if !ignored.isEmpty && warned.insert(card.location).inserted {
                warnings.append(Diagnostic("model \(card.name): accepted but not modeled: \(ignored.map { $0.uppercased() }.joined(separator: ", "))"
                                           + " (\(element)'s value takes only the card's default, multiplier and temperature coefficients)", at: card.location))
            }
        }
    }

    mutating func passive(_ line: ElementLine, name: String, letter: Character, in scope: Scope) throws(NetlistError) {
        let (positional, named) = try split(line)
        try requireNodes(positional, 2, line, "two")
        let a = try node(positional[0], in: scope), b = try node(positional[1], in: scope)
        var valueText: ValueText? = nil
        var initial: Double? = nil
        var multiplier = 1.0
        var temperature = InstanceTemperature()
        var coefficients = TemperatureCoefficients()
        var givesTC1 = false, givesTC2 = false  // the element's own, which replace a card's
        var scale = 1.0, noiseless = false
        var acValue: (Double, SourceLocation)? = nil  // ngspice's ac= of a resistor
        // LTspice's parasitics of capacitors (Rser, Lser, Rpar, Cpar, RLshunt) and inductors (Rser, Rpar, Cpar).
        var parasitics: [String: (value: Double, location: SourceLocation)] = [:]
        var law: ValueText? = nil  // LTspice's Q= (C) or Flux= (L)
        let parasiticNames: Set<String> = letter == "c" ? ["rser", "lser", "rpar", "cpar", "rlshunt"] : letter == "l" ? ["rser", "rpar", "cpar"] : []
        // A model card (`R1 a b 1k RMOD` or `R1 a b RMOD` as ngspice writes it, `R1 a b RMOD 1k` as
        // PSpice does): the value's default, multiplier and temperature coefficients.
        var values = Array(positional.dropFirst(2))
        var card: PassiveModel? = nil
        if let k = values.firstIndex(where: { PassiveModel.isCard($0, letter: letter, in: scope) }), values.count <= 2 {
            card = try PassiveModel(values[k], letter: letter, element: line.name, in: scope, warnings: &circuit.warnings, warned: &warnedModels)
            values.remove(at: k)
        }
        if values.count > 1 {
            throw NetlistError("unexpected '\(values[1].description)' in \(line.name)", at: values[1].location)
        }
        if let value = values.first { valueText = ValueText(value) }
        let valueName: Set<String> = letter == "r" ? ["r", "resistance"] : letter == "c" ? ["c", "capacitance"] : ["l", "inductance"]
        for (key, values) in named {
            let k = key.lowercased
            if valueName.contains(k) {
                if valueText != nil { throw NetlistError("\(line.name) has two values", at: key.location) }
                valueText = values[0]
            } else if (k == "q" && letter == "c") || (k == "flux" && letter == "l") {
                if valueText != nil || law != nil { throw NetlistError("\(line.name) has two values", at: key.location) }
                law = values[0]
            } else if k == "ic" && letter != "r" {
                initial = try scope.evaluate(values[0])
            } else if k == "m" {
                multiplier = try scope.evaluate(values[0])
                if !(multiplier > 0) { throw NetlistError("\(line.name): multiplier m must be positive", at: key.location) }
            } else if k == "scale" {
                // ngspice's scale: the value times it.
                scale = try scope.evaluate(values[0])
                if !(scale > 0) { throw NetlistError("\(line.name): scale must be positive", at: key.location) }
            } else if k == "ac" && letter == "r" {
                acValue = (try scope.evaluate(values[0]), key.location)
            } else if k == "noisy" && letter == "r" {
                noiseless = try scope.evaluate(values[0]) == 0
            } else if k == "tc1" || k == "tc" {
                // tc=TC1[,TC2] or tc1=TC1: the value at T is the value at TNOM times 1 + TC1·ΔT + TC2·ΔT².
                coefficients.linear = try scope.evaluate(values[0])
                givesTC1 = true
                if values.count > 1 { coefficients.quadratic = try scope.evaluate(values[1]); givesTC2 = true }
            } else if k == "tc2" {
                coefficients.quadratic = try scope.evaluate(values[0])
                givesTC2 = true
            } else if k == "temp" || k == "dtemp" {
                try temperature.set(key, try scope.evaluate(values[0]))
            } else if parasiticNames.contains(k) {
                let value = try scope.evaluate(values[0])
                guard value >= 0 else { throw NetlistError("\(line.name): \(key.text) must not be negative", at: key.location) }
                parasitics[k] = (value, key.location)
            } else {
                throw NetlistError("unknown parameter '\(key.text)' for \(line.name)", at: key.location)
            }
        }
        // What a law of the circuit (Q=, Flux=, or a C or L that reads the circuit) cannot take.
        let unsupported = (multiplier != 1 ? "m" : nil) ?? (initial != nil ? "ic" : nil) ?? (scale != 1 ? "scale" : nil)
            ?? (coefficients != TemperatureCoefficients() ? "temperature coefficients" : nil) ?? parasitics.keys.sorted().first
        if card != nil && (law != nil || (valueText.map(Self.readsCircuit) ?? false)) {
            throw NetlistError("\(line.name): a model card with a value that reads the circuit is not supported", at: line.location)
        }
        if let law {
            return try chargeLaw(line, name: name, letter: letter, a, b, law, unsupported: unsupported, in: scope)
        }
        guard let valueText = valueText ?? card?.value else {
            throw NetlistError(card != nil ? "\(line.name) has no value, and its model gives none" : "\(line.name) has no value",
                               at: positional.last?.location ?? line.location)
        }
        let location = line.location
        if Self.readsCircuit(valueText) {
            guard letter == "r" else {
                return try behavioralReactance(line, name: name, letter: letter, a, b, valueText, unsupported: unsupported, in: scope)
            }
            if coefficients != TemperatureCoefficients() || scale != 1 || acValue != nil {
                let what = coefficients != TemperatureCoefficients() ? "temperature coefficients of a value that reads the circuit are"
                    : "\(scale != 1 ? "scale" : "ac=") with a value that reads the circuit is"
                throw NetlistError("\(line.name): \(what) not supported", at: valueText.location)
            }
            return try behavioralResistor(name, a, b, valueText, multiplier: multiplier, element: line.name, at: location, in: scope)
        }
        var factor = coefficients.factor(at: try temperature.device(in: circuit.options))
        if let card {
            // Each of the card's coefficients where the element does not give its own (as ngspice
            // takes them), from the card's TNOM; TCE's factor 1.01^(TCE·ΔT).
            let t = DeviceTemperature(celsius: try temperature.celsius(in: circuit.options), nominalCelsius: card.nominal ?? circuit.options.nominalTemperature)
            let merged = TemperatureCoefficients(linear: givesTC1 ? coefficients.linear : card.coefficients.linear,
                                                 quadratic: givesTC2 ? coefficients.quadratic : card.coefficients.quadratic)
            factor = card.scale * merged.factor(at: t) * pow(1.01, card.exponential * t.difference)
        }
        let v = try scope.evaluate(valueText) * factor * scale
        if letter == "r" {
            if noiseless { circuit.noiselessResistors.insert(name) }
            if let (ac, at) = acValue {
                guard ac != 0, ac.isFinite else { throw NetlistError("\(line.name): ac= must be a nonzero resistance", at: at) }
                circuit.acResistances[name] = ac * factor * scale / multiplier
            }
            var resistance = v / multiplier
            if resistance == 0 {
                // ngspice's floor for a resistor written as 0 Ω (a schematic's jumper).
                resistance = Self.zeroResistance
                circuit.warnings.append(Diagnostic("\(line.name): 0 Ω taken as 1 mΩ, as ngspice does", at: location))
            }
            try circuit.add(name, .resistor(a, b, resistance: resistance), at: location)
            resistanceScales[name.lowercased()] = factor / multiplier
            return
        }
        // With parasitics (m units in parallel: series parts divided by m, parallel ones multiplied):
        //   C:  a ─ C ─ [Lser ∥ RLshunt] ─ Rser ─ b,  Rpar and Cpar from a to b
        //   L:  a ─ L ─ Rser ─ b,                     Rpar and Cpar from a to b
        func part(_ key: String) -> Double { parasitics[key]?.value ?? 0 }
        let rser = part("rser") / multiplier, lser = part("lser") / multiplier, rlshunt = part("rlshunt") / multiplier
        if rlshunt > 0 && lser == 0, let at = parasitics["rlshunt"]?.location {
            throw NetlistError("\(line.name): RLshunt is a resistance across Lser, which is not given", at: at)
        }
        var end = b
        let isOpen = letter == "c" && v == 0
        if rser > 0 && !isOpen {
            let inner = parasiticNode(of: name, "rser")
            try circuit.add(name + "#rser", .resistor(inner, end, resistance: rser), at: location)
            end = inner
        }
        if lser > 0 && !isOpen {
            let inner = parasiticNode(of: name, "lser")
            try circuit.add(name + "#lser", .inductor(inner, end, inductance: lser, initialCurrent: nil), at: location)
            if rlshunt > 0 { try circuit.add(name + "#rlshunt", .resistor(inner, end, resistance: rlshunt), at: location) }
            end = inner
        }
        if isOpen {
            // 0 F is an open circuit, as in ngspice: nothing is added but the parallel parasitics.
        } else if v == 0 {
            // 0 H is a short, as in ngspice: a 0 V source, which also carries i(L1).
            try circuit.add(name, .voltageSource(a, end, IndependentSource(dc: 0)), at: location)
        } else if letter == "c" {
            try circuit.add(name, .capacitor(a, end, capacitance: v * multiplier, initialVoltage: initial), at: location)
        } else {
            try circuit.add(name, .inductor(a, end, inductance: v / multiplier, initialCurrent: initial), at: location)
        }
        if part("rpar") > 0 { try circuit.add(name + "#rpar", .resistor(a, b, resistance: part("rpar") / multiplier), at: location) }
        if part("cpar") > 0 { try circuit.add(name + "#cpar", .capacitor(a, b, capacitance: part("cpar") * multiplier, initialVoltage: nil), at: location) }
    }

    /// LTspice's nonlinear capacitor `C1 a b Q=expr` and inductor `L1 a b Flux=expr`, whose `x` is
    /// the capacitor's voltage V(a, b) or the inductor's current from a to b:
    ///
    ///     C  a behavioral charge Q(x) from a to b: i = dQ/dt
    ///     L  a gyrator: the current i(L1) = V(w) of an inner node w (a VCCS named L1 from a to
    ///        b), the voltage V(a, b) driven into w (L1#emf), and there a behavioral charge
    ///        Φ(V(w)) to ground (L1#core): V(a, b) = dΦ(i)/dt. 10¹² Ω from w to ground (L1#shunt,
    ///        a series resistance of 10⁻¹² Ω) and across the inductor (L1#leak) give w, a and b the
    ///        DC paths that a winding has.
    mutating func chargeLaw(_ line: ElementLine, name: String, letter: Character, _ a: Node, _ b: Node, _ law: ValueText,
                            unsupported: String?, in scope: Scope) throws(NetlistError) {
        let what = letter == "c" ? "Q=" : "Flux="
        if let unsupported {
            throw NetlistError("\(line.name): \(unsupported) with \(what) is not supported", at: line.location)
        }
        guard a != b else { throw NetlistError("\(line.name): both nodes are '\(a.name)'", at: line.location) }
        if letter == "c" {
            let kind = try compileBehavioral(law.text, at: law.location, output: (a, b), element: line.name, owner: name, variable: ("x", (a, b)),
                                             charge: true, in: scope)
            try circuit.add(name, kind, at: line.location)
            return
        }
        let w = parasiticNode(of: name, "flux")
        try circuit.add(name, .voltageControlledCurrentSource(a, b, w, .ground, transconductance: 1), at: line.location)
        try circuit.add(name + "#emf", .voltageControlledCurrentSource(.ground, w, a, b, transconductance: 1), at: line.location)
        let core = try compileBehavioral(law.text, at: law.location, output: (w, .ground), element: line.name, owner: name, variable: ("x", (w, .ground)),
                                         charge: true, in: scope)
        try circuit.add(name + "#core", core, at: line.location)
        try circuit.add(name + "#shunt", .resistor(w, .ground, resistance: 1e12), at: line.location)
        try circuit.add(name + "#leak", .resistor(a, b, resistance: 1e12), at: line.location)
    }

    mutating func coupling(_ line: ElementLine, name: String, in scope: Scope) throws(NetlistError) {
        let (positional, named) = try split(line)
        if let first = named.first { throw NetlistError("unknown parameter '\(first.name.text)' for \(line.name)", at: first.name.location) }
        guard positional.count >= 3 else {
            throw NetlistError("\(line.name) needs two or more inductor names and a coupling coefficient", at: line.location)
        }
        var inductors: [String] = []
        for t in positional.dropLast() {
            guard t.kind == .word, t.lowercased.first == "l" else {
                throw NetlistError("\(line.name) couples inductors; '\(t.text)' is not an inductor name", at: t.location)
            }
            inductors.append(scope.prefix + t.text)
        }
        let k = try scope.evaluate(ValueText(positional.last!))
        try circuit.add(name, .coupling(inductors, coefficient: k), at: line.location)
    }

    // MARK: Controls

    mutating func control(_ line: ElementLine, name: String, potentiometer: Bool, in scope: Scope) throws(NetlistError) {
        let (positional, named) = try split(line)
        let count = potentiometer ? 3 : 2
        let command = potentiometer ? ".pot" : ".varres"
        guard positional.count == count else {
            throw NetlistError("\(command) \(line.name) needs \(potentiometer ? "three nodes (end, wiper, end)" : "two nodes") and R=…", at: positional.first?.location ?? line.location)
        }
        let nodes = try positional.map { (t: Token) throws(NetlistError) in try node(t, in: scope) }
        var resistance: Double? = nil, minimum = 0.0
        var control = Control()
        for (key, values) in named {
            switch key.lowercased {
            case "r": resistance = try scope.evaluate(values[0])
            case "min" where !potentiometer: minimum = try scope.evaluate(values[0])
            case "position":
                control.position = try scope.evaluate(values[0])
                if !(0...1).contains(control.position) {
                    throw NetlistError("\(line.name): position must be between 0 and 1", at: values[0].location)
                }
            case "taper":
                guard let taper = Control.Taper(named: values[0].text) else {
                    throw NetlistError("\(line.name): taper must be lin, log or revlog, not '\(values[0].text)'", at: values[0].location)
                }
                control.taper = taper
            default:
                throw NetlistError("unknown parameter '\(key.text)' for \(command) \(line.name)", at: key.location)
            }
        }
        guard let r = resistance else { throw NetlistError("\(command) \(line.name) needs R=…", at: line.location) }
        let kind: ElementKind = potentiometer
            ? .potentiometer(nodes[0], wiper: nodes[1], nodes[2], resistance: r, control)
            : .variableResistor(nodes[0], nodes[1], minimum: minimum, maximum: r, control)
        try circuit.add(name, kind, at: line.location)
    }

    // MARK: Independent sources

    mutating func independentSource(_ line: ElementLine, name: String, voltage: Bool, in scope: Scope) throws(NetlistError) {
        if !scope.prefix.isEmpty { circuit.subcircuitSources.insert(name) }
        let t = line.arguments
        guard t.count >= 2 else {
            throw NetlistError("\(line.name) needs two nodes", at: t.last?.location ?? line.location)
        }
        let p = try node(t[0], in: scope), n = try node(t[1], in: scope)
        var source = IndependentSource()
        var i = 2
        func number(_ k: Int) throws(NetlistError) -> Double {
            try scope.evaluate(ValueText(t[k]))
        }
        func isValue(_ k: Int) -> Bool { Self.isSourceValue(t, k) }
        // LTspice's source parasitics: a series resistance and a capacitance across the terminals.
        var seriesResistance = 0.0, parallelCapacitance = 0.0
        // LTspice's WAV input: `wavefile=FILE [chan=N]` (the reader resolved FILE's path).
        var waveFile: Token?, channel: (value: Double, location: SourceLocation)?
        while i < t.count {
            var word = t[i].kind == .word ? t[i].lowercased : ""
            if word == "sine" { word = "sin" }  // LTspice's name for SIN
            if i + 1 < t.count, t[i + 1].kind == .equals {
                guard i + 2 < t.count, t[i + 2].kind == .word || t[i + 2].kind == .expression else {
                    throw NetlistError("missing value after '\(t[i].text)='", at: t[i + 1].location)
                }
                switch word {
                case "dc":  // ngspice's `Vin 1 0 DC=0V`
                    if source.dc != nil { throw NetlistError("\(line.name) has two DC values", at: t[i].location) }
                    source.dc = try number(i + 2)
                case "rser" where voltage: seriesResistance = try number(i + 2)
                case "wavefile":
                    if waveFile != nil { throw NetlistError("\(line.name) has two wavefile= files", at: t[i].location) }
                    waveFile = t[i + 2]
                case "chan": channel = (try number(i + 2), t[i + 2].location)
                case "cpar" where voltage: parallelCapacitance = try number(i + 2)
                default: throw NetlistError("unknown parameter '\(t[i].text)' for \(line.name)", at: t[i].location)
                }
                i += 3
                continue
            }
            switch word {
            case "dc":
                guard isValue(i + 1) else { throw NetlistError("DC needs a value", at: t[i].location) }
                source.dc = try number(i + 1)
                i += 2
            case "ac":
                source.acMagnitude = 1
                i += 1
                if isValue(i) { source.acMagnitude = try number(i); i += 1 }
                if isValue(i) { source.acPhase = try number(i); i += 1 }
            case "pwl":
                if source.waveform != nil { throw NetlistError("\(line.name) has two transient functions", at: t[i].location) }
                source.waveform = try piecewiseLinear(t, at: &i, in: scope)
            case "sin", "pulse", "exp", "sffm", "am", "trnoise":
                if source.waveform != nil { throw NetlistError("\(line.name) has two transient functions", at: t[i].location) }
                let start = t[i]
                i += 1
                var args: [Double] = []
                if i < t.count, t[i].kind == .leftParen {
                    i += 1
                    while i < t.count, t[i].kind != .rightParen {
                        if t[i].kind == .comma { i += 1; continue }
                        guard t[i].kind == .word || t[i].kind == .expression else {
                            throw NetlistError("unexpected '\(t[i].text)' in \(word.uppercased())(...)", at: t[i].location)
                        }
                        args.append(try number(i))
                        i += 1
                    }
                    guard i < t.count else { throw NetlistError("\(word.uppercased())( is never closed", at: start.location) }
                    i += 1
                } else {
                    while isValue(i) { args.append(try number(i)); i += 1 }
                }
                source.waveform = try waveform(word, args, at: start.location)
                if word == "am", args.count > 5, args[5] != 0 {
                    circuit.warnings.append(Diagnostic("\(line.name): AM's sixth argument (PHASEC) has no effect, as in ngspice 39, whose AM takes its seventh (PHASES) as the phase of both sines", at: start.location))
                }
            case "distof1", "distof2", "trrandom", "external":
                throw NetlistError("source function \(word.uppercased()) is not supported (use DC, AC, SIN, PULSE, PWL, EXP, SFFM, AM or TRNOISE)", at: t[i].location)
            default:
                guard isValue(i) else {
                    throw NetlistError("unexpected '\(t[i].description)' in \(line.name)", at: t[i].location)
                }
                if source.dc != nil { throw NetlistError("\(line.name) has two DC values", at: t[i].location) }
                source.dc = try number(i)
                i += 1
            }
        }
        guard seriesResistance >= 0, parallelCapacitance >= 0 else {
            throw NetlistError("\(line.name): Rser and Cpar must not be negative", at: line.location)
        }
        if let waveFile {
            if source.waveform != nil { throw NetlistError("\(line.name) has two transient functions", at: waveFile.location) }
            source.waveform = .sampled(try sampledSignal(waveFile, channel: channel, of: line.name))
        } else if let channel {
            throw NetlistError("\(line.name): chan= selects a channel of wavefile=, which it does not have", at: channel.location)
        }
        if case let .whiteNoise(na, nt, _, _)? = source.waveform {
            // TRNOISE adds to the DC value; its draws are the source's own (ngspice ignores it with NT = 0).
            source.waveform = nt > 0 ? .whiteNoise(amplitude: na, interval: nt, offset: source.dc ?? 0, key: scope.root.draws.key(for: name)) : nil
        }
        if !voltage {
            try circuit.add(name, .currentSource(p, n, source), at: line.location)
            return
        }
        // V with Rser is the source behind a resistor from its + terminal; Cpar is across both.
        let inner = seriesResistance > 0 ? parasiticNode(of: name, "rser") : p
        if seriesResistance > 0 { try circuit.add(name + "#rser", .resistor(p, inner, resistance: seriesResistance), at: line.location) }
        try circuit.add(name, .voltageSource(inner, n, source), at: line.location)
        if parallelCapacitance > 0 {
            try circuit.add(name + "#cpar", .capacitor(p, n, capacitance: parallelCapacitance, initialVoltage: nil), at: line.location)
        }
    }

    /// The channel `channel` (default 0) of the WAV file `file` (LTspice's `wavefile=`): its samples
    /// at full scale ±1 V or A.
    mutating func sampledSignal(_ file: Token, channel: (value: Double, location: SourceLocation)?, of name: String) throws(NetlistError) -> SampledSignal {
        let wav: WAVFile
        if FileManager.default.fileExists(atPath: file.text) && !NetlistReader.isRegularFile(file.text) {
            throw NetlistError("\(name): wavefile= \(file.text) is not a regular file (a device or a pipe may never end)", at: file.location)
        }
        do { wav = try WAVFile(contentsOfFile: file.text) } catch {
            throw NetlistError("\(name): wavefile= \(error.description)", at: file.location)
        }
        let c = channel?.value ?? 0
        guard c >= 0, c == c.rounded(), c < Double(wav.channels.count) else {
            let range = wav.channels.count == 1 ? "0, its only channel" : "0 to \(wav.channels.count - 1)"
            throw NetlistError("\(name): chan= must be a channel of \(file.text), \(range), not \(c)", at: channel?.location ?? file.location)
        }
        guard wav.frameCount > 0 else { throw NetlistError("\(name): \(file.text) holds no samples", at: file.location) }
        if wav.missingFrames > 0 {
            circuit.warnings.append(Diagnostic("\(name): \(file.text) is cut short: \(wav.missingFrames) of its frames are missing, the source holds its last sample from \(wav.duration) s on", at: file.location))
        }
        return SampledSignal(wav, channel: Int(c), origin: "\(file.text) (channel \(Int(c)))")
    }

    /// Warns of a WAV file that ends before the transient does (its source holds the last sample)
    /// and of a `.wave` whose samples fall between the transient's recorded points.
    mutating func warnOfWAVTiming() {
        let transients = circuit.analyses.compactMap { if case .transient(let spec) = $0 { spec } else { nil } }
        let stop = transients.map(\.stop).max() ?? 0
        for request in circuit.waveOutputs {
            for spec in transients where spec.step * request.sampleRate > 1 + 1e-9 {
                circuit.warnings.append(Diagnostic(".wave \((request.path as NSString).lastPathComponent): the transient records a point every \(spec.step) s, so its samples (every \(1 / request.sampleRate) s) are read on straight lines between them; make TSTEP 1/\(Int(request.sampleRate)) for the samples themselves", at: request.location))
            }
        }
        for element in circuit.elements {
            let source: IndependentSource
            switch element.kind {
            case .voltageSource(_, _, let s), .currentSource(_, _, let s): source = s
            default: continue
            }
            guard case .sampled(let signal)? = source.waveform else { continue }
            let length = Double(signal.samples.count) / signal.rate
            if length < stop * (1 - 1e-9) {
                circuit.warnings.append(Diagnostic("\(element.name): \(signal.origin) lasts \(length) s, less than .tran's \(stop) s: the source holds its last sample from \(signal.duration) s on", at: element.location))
            }
        }
    }

    /// A node of an element's parasitics (LTspice's Rser, Lser), named after the element and the part:
    /// `c1#rser`. Checked at the end (`checkParasiticNodes`) against nodes of the same name in the netlist.
    mutating func parasiticNode(of element: String, _ part: String) -> Node {
        let node = Node(element + "#" + part)
        parasiticNodes.append((node, element))
        return node
    }

    /// Throws when an element of the netlist uses a node named like an element's parasitic node.
    func checkParasiticNodes() throws(NetlistError) {
        for (node, owner) in parasiticNodes {
            let users = circuit.elements.filter { $0.kind.nodes.contains(node) && $0.name.lowercased() != owner.lowercased() && !$0.name.lowercased().hasPrefix(owner.lowercased() + "#") }
            if let user = users.first {
                throw NetlistError("node '\(node.name)' of \(user.name) is the name Anode gives an inner node of \(owner) (of its parasitics Rser, Lser, of its POLY terms or of a behavioral source's value); rename it", at: user.location)
            }
        }
    }

    func waveform(_ kind: String, _ a: [Double], at location: SourceLocation) throws(NetlistError) -> Waveform {
        func arg(_ k: Int) -> Double? { k < a.count ? a[k] : nil }
        func need(_ range: ClosedRange<Int>, _ usage: String) throws(NetlistError) {
            if !range.contains(a.count) {
                throw NetlistError("\(kind.uppercased()) takes \(usage) (\(a.count) given)", at: location)
            }
        }
        switch kind {
        case "sin":
            try need(2...7, "VO VA [FREQ [TD [THETA [PHASE [NCYCLES]]]]]")
            // NCYCLES is LTspice's (ngspice reads six arguments): the sine ends after that many
            // periods and holds the value it ended on.
            if let cycles = arg(6), !(cycles > 0 && cycles.isFinite) {
                throw NetlistError("SIN's number of cycles NCYCLES must be positive, not \(cycles)", at: location)
            }
            return .sine(offset: a[0], amplitude: a[1], frequency: arg(2).flatMap { $0 == 0 ? nil : $0 }, delay: arg(3) ?? 0,
                         damping: arg(4) ?? 0, phase: arg(5) ?? 0, cycles: arg(6))
        case "pulse":
            try need(2...8, "V1 V2 [TD [TR [TF [PW [PER [NP]]]]]]")
            func positive(_ k: Int) -> Double? { arg(k).flatMap { $0 > 0 ? $0 : nil } }
            var count: Int? = nil
            if let np = arg(7) {
                guard np >= 1, np <= 1e9, np == np.rounded() else {
                    throw NetlistError("PULSE's number of pulses NP must be a whole number from 1 on, not \(np)", at: location)
                }
                count = Int(np)
            }
            if let per = positive(6), let tr = positive(3), let tf = positive(4), let pw = arg(5), per < tr + max(pw, 0) + tf {
                throw NetlistError("PULSE period \(per) s is shorter than its rise, width and fall together (\(tr + max(pw, 0) + tf) s)", at: location)
            }
            return .pulse(initial: a[0], pulsed: a[1], delay: arg(2) ?? 0, rise: positive(3), fall: positive(4), width: positive(5), period: positive(6), count: count)
        case "pwl":
            guard a.count >= 2, a.count % 2 == 0 else {
                throw NetlistError("PWL takes pairs of time and value (\(a.count) numbers given)", at: location)
            }
            var points: [Waveform.Point] = []
            for k in stride(from: 0, to: a.count, by: 2) {
                if let last = points.last, a[k] < last.time {
                    throw NetlistError("PWL times must not decrease (\(a[k]) after \(last.time))", at: location)
                }
                points.append(Waveform.Point(time: a[k], value: a[k + 1]))
            }
            return .piecewiseLinear(points)
        case "sffm":
            try need(2...7, "VO VA [FC [MDI [FS [PHASEC [PHASES]]]]]")
            // A frequency of 0 is 1/TSTOP, as an absent one (ngspice's).
            return .frequencyModulated(offset: a[0], amplitude: a[1], carrier: arg(2).flatMap { $0 == 0 ? nil : $0 }, index: arg(3) ?? 0,
                                       signal: arg(4).flatMap { $0 == 0 ? nil : $0 }, carrierPhase: arg(5) ?? 0, signalPhase: arg(6) ?? 0)
        case "trnoise":
            try need(2...7, "NA NT [NALPHA NAMP [RTSAM RTSCAPT RTSEMT]]")
            guard a[0] >= 0, a[1] >= 0 else {
                throw NetlistError("TRNOISE's NA and NT must not be negative", at: location)
            }
            if (arg(3) ?? 0) != 0 { throw NetlistError("TRNOISE's 1/f noise (NALPHA, NAMP) is not supported; its white noise (NA, NT) is", at: location) }
            if (arg(4) ?? 0) != 0 { throw NetlistError("TRNOISE's random telegraph noise (RTSAM, RTSCAPT, RTSEMT) is not supported; its white noise (NA, NT) is", at: location) }
            return .whiteNoise(amplitude: a[0], interval: a[1], offset: 0, key: 0)
        case "am":
            try need(2...7, "VA VO [MF [FC [TD [PHASEC [PHASES]]]]]")
            return .amplitudeModulated(amplitude: a[0], offset: a[1], modulation: arg(2).flatMap { $0 == 0 ? nil : $0 }, carrier: arg(3) ?? 0,
                                       delay: arg(4) ?? 0, phase: arg(6) ?? 0)
        default:
            try need(2...6, "V1 V2 [TD1 [TAU1 [TD2 [TAU2]]]]")
            return .exponential(initial: a[0], pulsed: a[1], riseDelay: arg(2) ?? 0, riseTime: arg(3), fallDelay: arg(4), fallTime: arg(5))
        }
    }

    // MARK: Controlled sources

    mutating func voltageControlled(_ line: ElementLine, name: String, letter: Character, in scope: Scope) throws(NetlistError) {
        if Self.isPolynomial(line) { return try polynomialSource(line, name: name, letter: letter, in: scope) }
        if try laplaceSource(line, name: name, letter: letter, in: scope) { return }
        // PSpice's other frequency-domain sources (`E1 out 0 FREQ {V(in)} = …`), before their
        // `=` can read as a stray parameter.
        if line.arguments.count > 2, line.arguments[2].kind == .word,
           ["freq", "chebyshev"].contains(line.arguments[2].lowercased) {
            let keyword = line.arguments[2]
            throw NetlistError("\(line.name): PSpice's \(keyword.text.uppercased()) sources are not supported; build the filter from R, C, L "
                               + "and controlled sources", at: keyword.location)
        }
        // `E1 (out 0) (in 0) 10`: node pairs in parentheses, as ngspice and PSpice allow.
        var line = line
        if line.arguments.first?.kind == .leftParen {
            line.arguments.removeAll { $0.kind == .leftParen || $0.kind == .rightParen || $0.kind == .comma }
        }
        let (positional, named) = try split(line)
        if let first = named.first {
            throw NetlistError("\(line.name): behavioral (\(first.name.text)=) controlled sources are not supported; use a linear gain", at: first.name.location)
        }
        guard positional.count == 5 else {
            throw NetlistError("\(line.name) needs four nodes (out+, out−, control+, control−) and a \(letter == "e" ? "gain" : "transconductance")", at: line.location)
        }
        let nodes = try (0..<4).map { (k: Int) throws(NetlistError) in try node(positional[k], in: scope) }
        let value = try scope.evaluate(ValueText(positional[4]))
        let kind: ElementKind = letter == "e"
            ? .voltageControlledVoltageSource(nodes[0], nodes[1], nodes[2], nodes[3], gain: value)
            : .voltageControlledCurrentSource(nodes[0], nodes[1], nodes[2], nodes[3], transconductance: value)
        try circuit.add(name, kind, at: line.location)
    }

    mutating func currentControlled(_ line: ElementLine, name: String, letter: Character, in scope: Scope) throws(NetlistError) {
        if Self.isPolynomial(line) { return try polynomialSource(line, name: name, letter: letter, in: scope) }
        let (positional, named) = try split(line)
        if let first = named.first { throw NetlistError("unknown parameter '\(first.name.text)' for \(line.name)", at: first.name.location) }
        guard positional.count == 4 else {
            throw NetlistError("\(line.name) needs two nodes, a controlling voltage source and a \(letter == "f" ? "gain" : "transresistance")", at: line.location)
        }
        let a = try node(positional[0], in: scope), b = try node(positional[1], in: scope)
        // ngspice senses any branch current: a voltage source's, an inductor's, or an E, H or B
        // (voltage) source's.
        guard positional[2].kind == .word, let first = positional[2].lowercased.first, "vlehb".contains(first) else {
            throw NetlistError("\(line.name): the controlling element must be a voltage source (or an inductor, or an E, H or B voltage source), not '\(positional[2].text)'", at: positional[2].location)
        }
        let controller = scope.prefix + positional[2].text
        let value = try scope.evaluate(ValueText(positional[3]))
        let kind: ElementKind = letter == "f"
            ? .currentControlledCurrentSource(a, b, controller: controller, gain: value)
            : .currentControlledVoltageSource(a, b, controller: controller, transresistance: value)
        try circuit.add(name, kind, at: line.location)
    }

    /// `S1 a b cp cn MODEL [ON|OFF]` (a voltage switch, model SW) or `W1 a b VNAME MODEL [ON|OFF]`
    /// (a current switch, model CSW, sensing the voltage source VNAME's current).
    mutating func controlledSwitch(_ line: ElementLine, name: String, letter: Character, in scope: Scope) throws(NetlistError) {
        let (positional, named) = try split(line)
        if let first = named.first { throw NetlistError("unknown parameter '\(first.name.text)' for \(line.name)", at: first.name.location) }
        var tokens = positional
        var state: Token? = nil
        if let last = tokens.last, last.isWord("on") || last.isWord("off") {
            state = last
            tokens.removeLast()
        }
        let usage = letter == "s" ? "two nodes, two control nodes and a model (SW)" : "two nodes, a controlling voltage source and a model (CSW)"
        guard tokens.count == (letter == "s" ? 5 : 4) else {
            throw NetlistError("\(line.name) needs \(usage), then ON or OFF if wanted", at: tokens.last?.location ?? line.location)
        }
        let a = try node(tokens[0], in: scope), b = try node(tokens[1], in: scope)
        let control: ControlledSwitch.Control
        if letter == "s" {
            control = .voltage(try node(tokens[2], in: scope), try node(tokens[3], in: scope))
        } else {
            guard tokens[2].kind == .word, tokens[2].lowercased.first == "v" else {
                throw NetlistError("\(line.name): the controlling element must be a voltage source, not '\(tokens[2].text)'", at: tokens[2].location)
            }
            control = .current(controller: scope.prefix + tokens[2].text)
        }
        let modelToken = tokens[tokens.count - 1]
        if modelToken.kind == .word, let (model, modelScope) = scope.model(modelToken.lowercased), ["vswitch", "iswitch"].contains(model.type) {
            guard model.type == (letter == "s" ? "vswitch" : "iswitch") else {
                throw NetlistError("\(line.name) needs a model of type \(letter == "s" ? "SW or VSWITCH" : "CSW or ISWITCH"), but '\(model.name)' is \(model.type.uppercased())", at: modelToken.location)
            }
            let sensed: LinearControl = switch control {
            case let .voltage(p, n): .voltage(p, n)
            case let .current(controller): .current(controller)
            }
            return try smoothSwitch(name, a, b, control: sensed, model: model, in: modelScope, state: state, element: line.name,
                                    in: scope, at: line.location)
        }
        let (model, modelScope) = try lookupModel(modelToken, for: line, in: scope)
        var start = SwitchParameters()
        start.currentControlled = letter == "w"
        let p = try parameters(SwitchParameters.self, of: model, in: modelScope, from: start)
        try circuit.add(name, .controlledSwitch(a, b, control, p.controlledSwitch(initiallyOn: state?.isWord("on") == true)), at: line.location)
    }

    // MARK: Semiconductors and tubes

    /// Evaluates a model card in the scope that defines it; warns once per card about parameters
    /// that are accepted but not modeled.
    mutating func parameters<P: ModelParameters>(_ type: P.Type, of model: ModelStatement, in scope: Scope, from start: P? = nil) throws(NetlistError) -> P {
        var p = start ?? P()
        var ignored: [(name: String, reason: String)] = []
        for a in model.parameters {
            guard let text = a.value else { continue }
            if Self.partMetadata.contains(a.name) {
                ignored.append((a.name.uppercased(), Self.partMetadataReason))
                continue
            }
            let value = try scope.evaluate(text)
            guard let support = p.set(a.name, to: value) else {
                if a.name == "level" {
                    if model.type == "vdmos" {
                        throw NetlistError("a VDMOS card has no LEVEL (LTspice and ngspice know one VDMOS model); leave it out", at: a.location)
                    }
                    throw NetlistError("LEVEL=\(format(value)) \(model.type.uppercased()) models are not supported; Anode has level 1 (and level 2 for triodes)", at: a.location)
                }
                throw NetlistError("unknown parameter '\(a.name)' for a \(model.type.uppercased()) model", at: a.location)
            }
            if case let .ignored(reason, neutral) = support, neutral != value {
                ignored.append((a.name.uppercased(), reason))
            }
        }
        if let (name, problem) = p.invalidParameter() {
            let at = model.parameters.last(where: { $0.name == name })?.location ?? model.location
            throw NetlistError("model \(model.name): parameter \(name.uppercased()) \(problem)", at: at)
        }
        if !ignored.isEmpty, !warnedModels.contains(model.location) {
            warnedModels.insert(model.location)
            // The names that share a reason together, the reasons in the order they first came.
            var reasons: [String] = []
            for (_, reason) in ignored where !reasons.contains(reason) { reasons.append(reason) }
            let text = reasons.map { reason in
                "\(ignored.filter { $0.reason == reason }.map(\.name).joined(separator: ", ")) (\(reason))"
            }
            circuit.warnings.append(Diagnostic("model \(model.name): accepted but not modeled: \(text.joined(separator: "; "))", at: model.location))
        }
        return p
    }

    /// The resistance ngspice gives a resistor written as 0 Ω (its RES_MIN).
    static let zeroResistance = 1e-3

    /// Model-card entries that LTspice's libraries carry for its component browser (manufacturer,
    /// kind, ratings) and its simulator ignores; their values may be words (`mfg=NXP`, `type=zener`).
    static let partMetadata: Set<String> = ["mfg", "type", "vceo", "icrating", "iave", "vpk", "ipk"]
    /// Why `partMetadata` is not simulated.
    static let partMetadataReason = "LTspice's part data for its component browser, not simulation parameters"

    static let modelTypes: [Character: Set<String>] = [
        "d": ["d"], "q": ["npn", "pnp"], "j": ["njf", "pjf"], "m": ["nmos", "pmos", "vdmos"], "s": ["sw"], "w": ["csw"],
    ]

    func lookupModel(_ token: Token, for line: ElementLine, in scope: Scope) throws(NetlistError) -> (ModelStatement, Scope) {
        guard token.kind == .word, let found = scope.model(token.lowercased) else {
            let hint = netlist.missingLibraries.isEmpty ? "" :
                " (LTspice's \(netlist.missingLibraries.joined(separator: ", ")), which may define it, is not here: add its .model card, or .include a file with it; circuits/models has cards of common parts)"
            throw NetlistError("unknown model '\(token.text)' for \(line.name)\(hint)", at: token.location)
        }
        let letter = line.name.lowercased().first!
        if let allowed = Self.modelTypes[letter], !allowed.contains(found.0.type) {
            throw NetlistError("\(line.name) needs a model of type \(allowed.sorted().map { $0.uppercased() }.joined(separator: " or ")), but '\(found.0.name)' is \(found.0.type.uppercased())", at: token.location)
        }
        return found
    }

    /// An element's own temperature: `temp=` (°C), or `dtemp=` (kelvin above the circuit's).
    struct InstanceTemperature {
        var absolute: Double? = nil
        var offset = 0.0
        /// Where `temp=` or `dtemp=` was written.
        var location: SourceLocation? = nil

        mutating func set(_ key: Token, _ value: Double) throws(NetlistError) {
            guard value.isFinite else { throw NetlistError("\(key.text) must be a finite temperature", at: key.location) }
            if key.lowercased == "temp" { absolute = value } else { offset = value }
            location = key.location
        }

        /// The element's temperature, °C: its own `temp=`, or the circuit's plus `dtemp=`; an
        /// error at or below absolute zero.
        func celsius(in options: SimulationOptions) throws(NetlistError) -> Double {
            let t = absolute ?? options.temperature + offset
            guard t > -Junction.zeroCelsius else {
                throw NetlistError("the element's temperature, \(t) °C, is at or below absolute zero", at: location)
            }
            return t
        }

        /// The element's temperature against the circuit's nominal temperature.
        func device(in options: SimulationOptions) throws(NetlistError) -> DeviceTemperature {
            DeviceTemperature(celsius: try celsius(in: options), nominalCelsius: options.nominalTemperature)
        }
    }

    mutating func semiconductor(_ line: ElementLine, name: String, letter: Character, in scope: Scope) throws(NetlistError) {
        let (positional, named) = try split(line)
        let nodeCount: Int
        switch letter {
        case "d": nodeCount = 2
        case "j": nodeCount = 3
        case "m":
            // M d g s MODEL for a VDMOS (three terminals; ngspice also reads one or two more, its
            // junction- and case-temperature nodes), M d g s b MODEL otherwise.
            nodeCount = (3...5).first { k in positional.count > k && scope.model(positional[k].lowercased)?.0.type == "vdmos" } ?? 4
        default:
            // Q c b e [s] model: a fourth word is the substrate unless it names a model.
            nodeCount = positional.count >= 5 && scope.model(positional[3].lowercased) == nil ? 4 : 3
        }
        let nodeNames = ["d": "anode, cathode", "j": "drain, gate, source", "m": nodeCount == 3 ? "drain, gate, source" : "drain, gate, source, bulk", "q": "collector, base, emitter"][String(letter)]!
        try requireNodes(positional, nodeCount, line, nodeNames)
        guard positional.count > nodeCount else {
            throw NetlistError("\(line.name) needs a model name after its nodes", at: positional.last?.location ?? line.location)
        }
        let (model, modelScope) = try lookupModel(positional[nodeCount], for: line, in: scope)
        var rest = Array(positional[(nodeCount + 1)...])
        // A VDMOS's fourth and fifth nodes are ngspice's thermal nodes, which only its `thermal`
        // flag connects: without it they stay unconnected there, and here.
        let connected = model.type == "vdmos" ? 3 : nodeCount
        if model.type == "vdmos" {
            if let flag = rest.first(where: { $0.isWord("thermal") }) {
                throw NetlistError("\(line.name): the VDMOS's self-heating (`thermal`) is not modeled", at: flag.location)
            }
            if nodeCount > 3 {
                let extra = positional[3..<nodeCount].map(\.text).joined(separator: ", ")
                circuit.warnings.append(Diagnostic("\(line.name): a VDMOS has three terminals (drain, gate, source); \(extra) (ngspice's temperature node\(nodeCount > 4 ? "s" : ""), connected only by its `thermal` flag) left unconnected, as ngspice leaves \(nodeCount > 4 ? "them" : "it") without the flag", at: positional[3].location))
            }
        }
        let nodes = try positional[0..<connected].map { (t: Token) throws(NetlistError) in try node(t, in: scope) }
        var area = 1.0
        rest.removeAll { $0.isWord("off") }  // OFF only changes SPICE's first guess
        if let a = rest.first, letter != "m" {
            area = try scope.evaluate(ValueText(a))
            rest.removeFirst()
        }
        if let extra = rest.first {
            throw NetlistError("unexpected '\(extra.description)' in \(line.name)", at: extra.location)
        }
        var geometry = circuit.options.defaultMOSFETGeometry
        let scale = circuit.options.geometryScale
        var multiplier = 1.0
        var temperature = InstanceTemperature()
        for (key, values) in named {
            let k = key.lowercased
            let v = try scope.evaluate(values[0])
            switch (letter, k) {
            case (_, "area") where letter != "m": area = v
            case (_, "m"): multiplier = v
            case (_, "ic"): break  // initial guesses: no effect on the solution
            case (_, "temp"), (_, "dtemp"): try temperature.set(key, v)
            case ("m", _) where model.type == "vdmos":
                throw NetlistError("unknown parameter '\(key.text)' for \(line.name): a VDMOS instance takes m, temp and dtemp", at: key.location)
            case ("m", "l"): geometry.length = v * scale
            case ("m", "w"): geometry.width = v * scale
            case ("m", "ad"): geometry.drainArea = v * scale * scale
            case ("m", "as"): geometry.sourceArea = v * scale * scale
            case ("m", "pd"): geometry.drainPerimeter = v * scale
            case ("m", "ps"): geometry.sourcePerimeter = v * scale
            case ("m", "nrd"), ("m", "nrs"): break  // multipliers of RSH, which level 1 here does not use
            default:
                throw NetlistError("unknown parameter '\(key.text)' for \(line.name)", at: key.location)
            }
        }
        if !(multiplier > 0 && multiplier.isFinite) {
            throw NetlistError("\(line.name): multiplier m must be positive", at: line.location)
        }
        area *= multiplier
        if letter == "d", Self.isIdealizedDiode(model) {
            return try idealizedDiode(name, nodes[0], nodes[1], model, in: modelScope, multiplier: multiplier, area: area,
                                      element: line.name, in: scope, at: line.location)
        }
        let gmin = circuit.options.gmin
        let celsius = try temperature.celsius(in: circuit.options), nominal = circuit.options.nominalTemperature
        func located<T>(_ make: () throws(NetlistError) -> T) throws(NetlistError) -> T {
            do { return try make() } catch { throw NetlistError("\(line.name): \(error.message)", at: line.location) }
        }
        let kind: ElementKind
        switch letter {
        case "d":
            let p = try parameters(Diode.Parameters.self, of: model, in: modelScope)
            kind = .diode(anode: nodes[0], cathode: nodes[1], try located { () throws(NetlistError) in try Diode(p, area: area, gmin: gmin, temperature: celsius, nominalTemperature: nominal) })
            let grading = p.gradingCoefficient(at: p.temperature(celsius: celsius, nominal: nominal))
            if grading > Diode.maximumGrading {
                circuit.warnings.append(Diagnostic("\(line.name): grading coefficient M = \(String(format: "%g", grading)) at \(String(format: "%g", celsius)) °C is limited to \(Diode.maximumGrading), as ngspice does", at: line.location))
            }
        case "q":
            let p = try parameters(GummelPoon.Parameters.self, of: model, in: modelScope)
            let polarity: GummelPoon.Polarity = model.type == "npn" ? .npn : .pnp
            kind = .bjt(collector: nodes[0], base: nodes[1], emitter: nodes[2], try located { () throws(NetlistError) in try GummelPoon(polarity, p, area: area, gmin: gmin, temperature: celsius, nominalTemperature: nominal) })
        case "j":
            let p = try parameters(ShichmanHodges.Parameters.self, of: model, in: modelScope)
            kind = .jfet(drain: nodes[0], gate: nodes[1], source: nodes[2], try located { () throws(NetlistError) in try ShichmanHodges(nChannel: model.type == "njf", p, area: area, gmin: gmin, temperature: celsius, nominalTemperature: nominal) })
        case "m" where model.type == "vdmos":
            var start = VDMOS.Parameters()
            start.pChannel = model.parameters.contains { $0.value == nil && ($0.name == "pchan" || $0.name == "vdmosp") }
            let p = try parameters(VDMOS.Parameters.self, of: model, in: modelScope, from: start)
            kind = .vdmos(drain: nodes[0], gate: nodes[1], source: nodes[2], try located { () throws(NetlistError) in try VDMOS(p, multiplier: multiplier, gmin: gmin, temperature: celsius, nominalTemperature: nominal) })
            // Quasi-saturation needs both RQ and VQ, and acts on RD (as ngspice's). Said once per
            // card: keyed by where its type stands (its own location keys `parameters`' warning).
            if (p.quasiSaturationResistance == nil) != (p.quasiSaturationVoltage == nil) || (p.quasiSaturationResistance != nil && p.drainResistance == 0),
               !warnedModels.contains(model.typeLocation) {
                warnedModels.insert(model.typeLocation)
                let why = p.drainResistance == 0 && p.quasiSaturationResistance != nil && p.quasiSaturationVoltage != nil ? "it acts on RD, which is 0" : "it needs both RQ and VQ"
                circuit.warnings.append(Diagnostic("model \(model.name): no quasi-saturation: \(why) (ngspice's has no effect either)", at: model.location))
            }
        default:
            let level = try MOSFET.Parameters.level(of: model, in: modelScope)
            let p = try parameters(MOSFET.Parameters.self, of: model, in: modelScope, from: MOSFET.Parameters(level: level))
            let m = try located { () throws(NetlistError) in
                try MOSFET(nChannel: model.type == "nmos", p, geometry: geometry, multiplier: multiplier, gmin: gmin,
                           temperature: celsius, nominalTemperature: nominal)
            }
            kind = .mosfet(drain: nodes[0], gate: nodes[1], source: nodes[2], bulk: nodes[3], m)
            if level == 3, !warnedModels.contains(model.typeLocation) {
                warnedModels.insert(model.typeLocation)
                circuit.warnings.append(Diagnostic("model \(model.name): level 3's Meyer gate capacitances (Cox·W·L, TOX \(p.oxideThickness ?? 1e-7) m) are not modeled; the overlap capacitances CGSO, CGDO, CGBO are", at: model.location))
            }
        }
        try circuit.add(name, kind, at: line.location)
    }

    // MARK: Subcircuits

    mutating func subcircuitInstance(_ line: ElementLine, name: String, in scope: Scope) throws(NetlistError) {
        // X nodes... NAME [params:] [p=v ...]
        var tokens = line.arguments
        var assignmentStart = tokens.count
        for (k, t) in tokens.enumerated() {
            if t.isWord("params:") || (t.kind == .word && k + 1 < tokens.count && tokens[k + 1].kind == .equals) {
                assignmentStart = k
                break
            }
        }
        var assignmentTokens = Array(tokens[assignmentStart...])
        if assignmentTokens.first?.isWord("params:") == true { assignmentTokens.removeFirst() }
        tokens = Array(tokens[..<assignmentStart])
        guard let nameToken = tokens.last, nameToken.kind == .word else {
            throw NetlistError("\(line.name) needs its nodes and a subcircuit name", at: line.location)
        }
        let nodeTokens = Array(tokens.dropLast())
        let target = nameToken.lowercased

        // A tube: X plate grid cathode MODEL, or X plate screen grid cathode MODEL.
        if let (model, modelScope) = scope.model(target), model.type == "triode" || model.type == "pentode" {
            guard assignmentTokens.isEmpty else {
                throw NetlistError("\(line.name): a tube instance takes no parameters", at: assignmentTokens[0].location)
            }
            try tube(line, name: name, nodes: nodeTokens, model: model, modelScope: modelScope, in: scope)
            return
        }
        guard let definition = scope.subcircuit(target) else {
            if let (model, _) = scope.model(target) {
                throw NetlistError("\(line.name): '\(nameToken.text)' is a \(model.type.uppercased()) model, not a subcircuit", at: nameToken.location)
            }
            throw NetlistError("unknown subcircuit '\(nameToken.text)'", at: nameToken.location)
        }
        if scope.expanding.contains(definition.name) {
            throw NetlistError("subcircuit '\(definition.name)' contains itself (recursive .subckt)", at: line.location)
        }
        guard scope.expanding.count < 100 else {
            throw NetlistError("subcircuits nested more than 100 deep", at: line.location)
        }
        guard nodeTokens.count == definition.ports.count else {
            throw NetlistError("\(line.name) connects \(nodeTokens.count) nodes but subcircuit \(definition.name) has \(definition.ports.count) ports", at: nameToken.location)
        }
        // Names are lexically scoped: the body sees what is visible where the subcircuit was defined.
        let definingScope = Scope(parent: definitionParent(of: definition, from: scope),
                                  prefix: scope.prefix + line.name.lowercased() + ".", expanding: scope.expanding + [definition.name])
        for (port, outer) in zip(definition.ports, nodeTokens) {
            definingScope.ports[Node(port.text).name] = try node(outer, in: scope)
        }
        for p in definition.parameters {
            if let value = p.value { definingScope.parameterTexts[p.name] = value }
        }
        let reader = NetlistReader()
        let assignments = try reader.parseAssignments(assignmentTokens, context: line.name, expressions: true)
        for a in assignments {
            guard definition.parameters.contains(where: { $0.name == a.name }) else {
                throw NetlistError("subcircuit \(definition.name) has no parameter '\(a.name)'", at: a.location)
            }
            // Instance values are evaluated where the instance is written.
            if let value = a.value {
                definingScope.parameterValues[a.name] = try scope.evaluate(value)
                definingScope.parameterTexts[a.name] = nil
            }
        }
        try collectDefinitions(definition.body, into: definingScope)
        try instantiate(try resolveConditionals(definition.body, in: definingScope), in: definingScope)
    }

    func topScope(of scope: Scope) -> Scope {
        var s = scope
        while let p = s.parent { s = p }
        return s
    }

    /// The scope in which a subcircuit's body resolves names that it does not define itself: the
    /// scope chain from which the definition is visible.
    func definitionParent(of definition: SubcircuitDefinition, from scope: Scope) -> Scope {
        var s: Scope? = scope
        while let current = s {
            if current.subcircuits[definition.name] == definition { return current }
            s = current.parent
        }
        return topScope(of: scope)
    }

    mutating func tube(_ line: ElementLine, name: String, nodes tokens: [Token], model: ModelStatement, modelScope: Scope, in scope: Scope) throws(NetlistError) {
        let isTriode = model.type == "triode"
        let expected = isTriode ? 3 : 4
        guard tokens.count == expected else {
            throw NetlistError("\(line.name): a \(model.type) connects \(expected) nodes (\(isTriode ? "plate grid cathode" : "plate screen grid cathode")), found \(tokens.count)", at: line.location)
        }
        let nodes = try tokens.map { (t: Token) throws(NetlistError) in try node(t, in: scope) }
        func located<T>(_ make: () throws(NetlistError) -> T) throws(NetlistError) -> T {
            do { return try make() } catch { throw NetlistError("\(line.name): \(error.message)", at: line.location) }
        }
        let gmin = circuit.options.gmin
        if isTriode {
            let levelText = model.parameters.first(where: { $0.name == "level" })?.value
            let level = try levelText.map { (t: ValueText) throws(NetlistError) in try modelScope.evaluate(t) } ?? 1
            let triode: Triode
            switch level {
            case 1:
                let p = try parameters(KorenTriode.Parameters.self, of: model, in: modelScope)
                triode = .koren(try located { () throws(NetlistError) in try KorenTriode(p, gmin: gmin) })
            case 2:
                let p = try parameters(DempwolfZolzerTriode.Parameters.self, of: model, in: modelScope)
                triode = .dempwolfZolzer(try located { () throws(NetlistError) in try DempwolfZolzerTriode(p) })
            default:
                throw NetlistError("triode LEVEL must be 1 (Koren) or 2 (Dempwolf–Zölzer), not \(level)", at: levelText?.location ?? model.location)
            }
            try circuit.add(name, .triode(plate: nodes[0], grid: nodes[1], cathode: nodes[2], triode), at: line.location)
        } else {
            let p = try parameters(KorenPentode.Parameters.self, of: model, in: modelScope)
            let pentode = try located { () throws(NetlistError) in try KorenPentode(p, gmin: gmin) }
            try circuit.add(name, .pentode(plate: nodes[0], screen: nodes[1], grid: nodes[2], cathode: nodes[3], pentode), at: line.location)
        }
    }

    // MARK: Commands

    mutating func apply(_ command: Command, at location: SourceLocation, in scope: Scope) throws(NetlistError) {
        func positive(_ text: ValueText, _ what: String) throws(NetlistError) -> Double {
            let v = try scope.evaluate(text)
            if !(v > 0) { throw NetlistError("\(what) must be positive, not \(v)", at: text.location) }
            return v
        }
        /// The frequencies of `.ac` or `.noise` (`what`).
        func sweep(_ what: String, _ variation: Token, _ points: ValueText, _ start: ValueText, _ stop: ValueText) throws(NetlistError) -> ACSweep {
            let n = try scope.evaluate(points)
            guard n >= 1, n == n.rounded(), n <= 1_000_000 else {
                throw NetlistError("\(what) needs a whole number of points from 1 to 1000000, not \(n)", at: points.location)
            }
            let f1 = try positive(start, "\(what) start frequency"), f2 = try positive(stop, "\(what) stop frequency")
            guard f2 >= f1 else { throw NetlistError("\(what) stop frequency is below the start frequency", at: stop.location) }
            return ACSweep(ACSweep.Spacing(rawValue: variation.lowercased)!, points: Int(n), start: f1, stop: f2)
        }
        switch command {
        case .op:
            circuit.analyses.append(.operatingPoint)
        case .dc(let sweeps):
            var result: [DCSweep] = []
            for s in sweeps {
                let source = s.source.text
                // What is swept: the temperature (ngspice's `.dc TEMP`, the circuit built again at each
                // value, `Simulator.dcSweep`), a source, or a resistor (the value written on it; its m
                // and temperature coefficients apply, as ngspice has it).
                let name: String, scale: Double
                var limit = 10_000_000.0
                // The values must stay above `bound`, or the sweep reaches `what`.
                var floor: (bound: Double, unit: String, what: String)?
                if source.lowercased() == "temp" {
                    (name, scale, limit) = ("temp", 1, 10_000)
                    floor = (-Junction.zeroCelsius, " °C", "below absolute zero (−273.15 °C)")
                } else {
                    guard let element = circuit.element(named: source) else {
                        throw NetlistError(".dc: no source named '\(source)'", at: s.source.location)
                    }
                    switch element.kind {
                    case .voltageSource, .currentSource:
                        (name, scale) = (element.name, 1)
                    case .resistor:
                        guard let factor = resistanceScales[element.name.lowercased()] else {
                            throw NetlistError(".dc: '\(source)' is a part of another element (a parasitic), not a resistor of the netlist", at: s.source.location)
                        }
                        (name, scale) = (element.name, factor)
                        floor = (0, " Ω", "\(element.name)'s resistance must stay positive")
                    default: throw NetlistError(".dc sweeps an independent V or I source or a resistor; '\(source)' is neither", at: s.source.location)
                    }
                }
                let sweep = DCSweep(source: name, start: try scope.evaluate(s.start), stop: try scope.evaluate(s.stop), step: try scope.evaluate(s.step),
                                    scale: scale)
                if sweep.step == 0 && sweep.start != sweep.stop {
                    throw NetlistError(".dc increment must not be zero", at: s.step.location)
                }
                if sweep.step != 0, abs(sweep.stop - sweep.start) / abs(sweep.step) > limit {
                    throw NetlistError(".dc sweep has more than \(Int(limit)) points", at: s.step.location)
                }
                if let floor, let bad = sweep.values.first(where: { !($0 > floor.bound) }) {
                    throw NetlistError(".dc \(source) reaches \(bad)\(floor.unit): \(floor.what)", at: s.start.location)
                }
                result.append(sweep)
            }
            circuit.analyses.append(.dcSweep(result))
        case let .ac(variation, points, start, stop):
            circuit.analyses.append(.ac(try sweep(".ac", variation, points, start, stop)))
        case let .tran(written, uic, startup):
            // LTspice writes `.tran TSTOP` alone, and `.tran 0 TSTOP …` for no TSTEP of its own.
            let values = written.count == 1 ? [ValueText(text: "0", isExpression: false, location: written[0].location)] + written : written
            let stop = try positive(values[1], ".tran TSTOP")
            let start = values.count > 2 ? try scope.evaluate(values[2]) : 0
            guard start >= 0, start < stop else {
                throw NetlistError(".tran TSTART must be at least 0 and below TSTOP", at: values.count > 2 ? values[2].location : location)
            }
            let maxStep = values.count > 3 ? try positive(values[3], ".tran TMAX") : nil
            let step: Double
            let writtenStep = try scope.evaluate(values[0])
            if writtenStep == 0 {
                // Anode reports at multiples of TSTEP: TMAX's, or the sample period of the netlist's
                // `.wave` (its highest rate), or a thousandth of the span.
                var waveRate = 0.0
                for statement in statements {
                    if case .command(.wave(_, _, let rate, _)) = statement.kind { waveRate = max(waveRate, try scope.evaluate(rate)) }
                }
                step = maxStep ?? (waveRate >= 1 ? 1 / waveRate : (stop - start) / 1000)
                let why = maxStep != nil ? "TMAX" : waveRate >= 1 ? "the sample period of .wave" : "a thousandth of the span"
                circuit.warnings.append(Diagnostic(".tran gives no TSTEP (LTspice's and PSpice's form): points are recorded every \(String(format: "%g", step)) s (\(why)); give TSTEP to choose", at: values[0].location))
            } else {
                step = try positive(values[0], ".tran TSTEP")
            }
            if (stop - start) / step > TransientSpec.maximumOutputPoints {
                throw NetlistError(".tran would record \(String(format: "%.3g", (stop - start) / step)) points (TSTOP/TSTEP); at most \(Int(TransientSpec.maximumOutputPoints)) are allowed", at: values[0].location)
            }
            if stop / min(step, maxStep ?? step) > 1e10 {
                throw NetlistError(".tran would take more than ten billion steps (TSTOP/TMAX)", at: values[0].location)
            }
            if step > stop - start {
                // Points are recorded at multiples of TSTEP from TSTART on: at most one here.
                circuit.warnings.append(Diagnostic(".tran TSTEP (\(step) s) is longer than the recorded span TSTOP − TSTART (\(stop - start) s): at most one point is recorded", at: values[0].location))
            }
            circuit.analyses.append(.transient(TransientSpec(step: step, stop: stop, start: start, maxStep: maxStep, useInitialConditions: uic,
                                                             startup: startup)))
        case let .outputs(analysis, probes, all, allCurrents):
            let kind = analysis.flatMap { AnalysisKind(rawValue: $0) }
            var requested: [Probe] = []
            for p in probes { requested += try expandedProbes(p, in: kind) }
            // `all` beside other outputs (`.save all @q1[ic]`, ngspice's idiom): every node voltage
            // too. Alone it adds nothing: every node voltage is recorded unless something else is
            // asked for (a `.print`, whose list then stands, as what ngspice prints does).
            if all && !allCurrents && !probes.isEmpty { requested += circuit.nodes.dropFirst().map { Probe.voltage($0.name) } }
            if allCurrents { requested += everyVoltageAndCurrent() }
            for probe in requested where !circuit.outputs.contains(OutputRequest(probe, in: kind)) {
                circuit.outputs.append(OutputRequest(probe, in: kind))
            }
        case let .measure(analysis, name, arguments):
            try measure(analysis, name, arguments, at: location, in: scope)
        case let .transferFunction(output, source):
            let probe = try resolve(output, in: .dc)
            let outputOK: Bool
            switch probe.quantity {
            case .voltage: outputOK = probe.view == .value
            case .current(let e): outputOK = probe.view == .value && e.lowercased().hasPrefix("v") && circuit.element(named: e).map { if case .voltageSource = $0.kind { true } else { false } } == true
            case .power, .terminalCurrent, .deviceCurrent: outputOK = false
            }
            guard outputOK else {
                throw NetlistError(".tf's output is a voltage, v(a) or v(a,b), or a voltage source's current, i(Vx); not \(probe)", at: output.location)
            }
            let name = scope.prefix + source.text
            guard let element = circuit.element(named: name), element.kind.isIndependentSource else {
                throw NetlistError(".tf's input must be an independent source (V or I), not '\(source.text)'", at: source.location)
            }
            if let first = circuit.transferFunctions.first {
                throw NetlistError("a second .tf (SPICE runs one per netlist; the first is at \(first.location.map { "\($0)" } ?? "?"))", at: location)
            }
            circuit.transferFunctions.append(TransferFunctionRequest(output: probe, source: element.name, location: location))
        case let .noise(output, source, variation, points, start, stop):
            let probe = try resolve(output, in: .ac)
            guard case .voltage = probe.quantity, probe.view == .value else {
                throw NetlistError(".noise's output is a voltage, v(out) or v(out,ref), not \(probe)", at: output.location)
            }
            let name = scope.prefix + source.text
            guard let element = circuit.element(named: name), element.kind.isIndependentSource else {
                throw NetlistError(".noise's input must be an independent source (V or I), not '\(source.text)'", at: source.location)
            }
            let frequencies: ACSweep
            if let variation, let points, let start, let stop {
                frequencies = try sweep(".noise", variation, points, start, stop)
            } else {
                // PSpice's form: the `.ac` statement's frequencies.
                let ac = netlist.statements.lazy.compactMap { s -> (Token, ValueText, ValueText, ValueText)? in
                    if case let .command(.ac(variation, points, start, stop)) = s.kind { return (variation, points, start, stop) }
                    return nil
                }.first
                guard let (variation, points, start, stop) = ac else {
                    throw NetlistError(".noise without a sweep (PSpice's form) takes the .ac statement's frequencies, and there is no .ac", at: location)
                }
                frequencies = try sweep(".noise", variation, points, start, stop)
            }
            circuit.noiseAnalyses.append(NoiseRequest(output: probe, source: element.name, sweep: frequencies, location: location))
        case let .poleZero(nodes, input, kind):
            let n = try nodes.map { (t: Token) throws(NetlistError) in try node(t, in: scope) }
            for (t, node) in zip(nodes, n) where circuit.index(of: node) == nil {
                throw NetlistError(".pz: no element connects to node '\(t.text)'", at: t.location)
            }
            if n[0] == n[1] { throw NetlistError(".pz: the input's two nodes are one node", at: nodes[1].location) }
            if n[2] == n[3] { throw NetlistError(".pz: the output's two nodes are one node", at: nodes[3].location) }
            circuit.poleZeroAnalyses.append(PoleZeroRequest(input: (n[0], n[1]), output: (n[2], n[3]),
                                                            PoleZeroRequest.Input(rawValue: input.lowercased)!,
                                                            PoleZeroRequest.Kind(rawValue: kind.lowercased)!, location: location))
        case let .fourier(frequency, probes):
            let f = try positive(frequency, ".four's fundamental frequency")
            var resolved: [Probe] = []
            for p in probes {
                let probe = try resolve(p, in: .tran)
                guard probe.view == .value else {
                    throw NetlistError(".four analyses a waveform: write \(p.function.prefix(1))(...), not \(p.function)(...)", at: p.location)
                }
                if !resolved.contains(probe) { resolved.append(probe) }
            }
            circuit.fourierAnalyses.append(FourierRequest(fundamental: f, probes: resolved, location: location))
        case let .wave(file, bits, rate, probes):
            let n = try scope.evaluate(bits)
            guard n >= 1, n <= 32, n == n.rounded() else {
                throw NetlistError(".wave's bits per sample must be a whole number from 1 to 32, not \(n)", at: bits.location)
            }
            var r = try scope.evaluate(rate)
            if abs(r - r.rounded()) <= 1e-9 * r { r = r.rounded() }  // 44.1k and the like, as written
            guard r >= 1, r < 4_294_967_296, r == r.rounded() else {
                throw NetlistError(".wave's sample rate must be a whole number of hertz from 1 to 4294967295, not \(r)", at: rate.location)
            }
            var resolved: [Probe] = []
            for p in probes {
                let probe = try resolve(p, in: .tran)
                guard probe.view == .value else {
                    throw NetlistError(".wave writes a waveform: write \(p.function.prefix(1))(...), not \(p.function)(...)", at: p.location)
                }
                resolved.append(probe)
            }
            circuit.waveOutputs.append(WaveRequest(path: file.text, bits: Int(n), sampleRate: r, probes: resolved, location: location))
        case .options:
            break  // applied before the elements were built
        case .initialConditions(let pairs), .nodeset(let pairs):
            for pair in pairs {
                let node = try self.node(pair.node, in: scope)
                let value = try scope.evaluate(pair.value)
                nodeReferences.append((node, pair.node.location))
                if case .initialConditions = command { circuit.initialConditions[node] = value } else { circuit.nodesets[node] = value }
            }
        case .global:
            break
        case .temperature, .step:
            break  // applied before the elements were built
        }
    }

    /// The probe `p` names, checked against the circuit (its nodes and elements exist; no p() in .ac).
    func resolve(_ p: ProbeText, in kind: AnalysisKind?) throws(NetlistError) -> Probe {
        let args = p.arguments.map { $0.text }
        guard let (quantity, view) = Probe.parseFunction(p.function, args.map { $0.lowercased() }) else {
            if p.function.hasPrefix("@") {
                throw NetlistError("unknown device parameter '@\(args.joined())[\(p.function.dropFirst())]'; Anode records the currents into a device's terminals, such as @q1[ic], @q1[ib], @q1[ie], @d1[id], @m1[id]", at: p.location)
            }
            throw NetlistError("unknown output '\(p.function)(\(args.joined(separator: ",")))'; use v(node), v(a,b), i(element), p(element), vdb/vp/vm/vr/vi or a terminal current such as @q1[ic]", at: p.location)
        }
        let probe = Probe(quantity, view: view)
        switch quantity {
        case let .voltage(a, b):
            for n in [a] + (b.map { [$0] } ?? []) {
                let node = Node(n)
                guard circuit.index(of: node) != nil else {
                    throw NetlistError("output \(probe): no element connects to node '\(n)'", at: p.location)
                }
            }
        case let .current(e):
            guard let element = circuit.element(named: e) else {
                throw NetlistError("output \(probe): no element named '\(e)'", at: p.location)
            }
            // Two-terminal elements, and the controlled and behavioral sources, whose output carries the current.
            let controlled: Bool
            switch element.kind {
            case .voltageControlledVoltageSource, .voltageControlledCurrentSource, .behavioralSource, .controlledSwitch: controlled = true
            default: controlled = false
            }
            if element.kind.nodes.count != 2 && !controlled {
                throw NetlistError("output \(probe): i() needs a two-terminal element; \(element.name) has \(element.kind.nodes.count) terminals", at: p.location)
            }
        case let .power(e):
            guard circuit.element(named: e) != nil else {
                throw NetlistError("output \(probe): no element named '\(e)'", at: p.location)
            }
            if kind == .ac {
                throw NetlistError("output \(probe): p() is for .op and .tran, not .ac", at: p.location)
            }
        case let .terminalCurrent(e, letter), let .deviceCurrent(e, letter):
            guard let element = circuit.element(named: e) else {
                throw NetlistError("output \(probe): no element named '\(e)'", at: p.location)
            }
            guard let names = element.kind.terminalNames else {
                throw NetlistError("output \(probe): \(element.name) is not a device with terminals to probe (a diode, transistor or tube); for a two-terminal element write i(\(element.name))", at: p.location)
            }
            guard element.kind.terminal(named: letter) != nil else {
                throw NetlistError("output \(probe): \(element.name) has no terminal '\(letter)'; its terminal currents are \(names.map { "i\($0)" }.joined(separator: ", "))", at: p.location)
            }
            if kind == .ac {
                throw NetlistError("output \(probe): device terminal currents are for .op, .dc and .tran, not .ac (as in ngspice)", at: p.location)
            }
        }
        return probe
    }

    /// A temperature in °C (`.temp`, `.options temp=` or `tnom=`): finite and above absolute zero.
    static func temperature(_ text: ValueText, named name: String, in scope: Scope) throws(NetlistError) -> Double {
        let t = try scope.evaluate(text)
        guard t.isFinite, t > -Junction.zeroCelsius else {
            throw NetlistError("\(name) \(t) is not a temperature (°C above absolute zero, −273.15 °C)", at: text.location)
        }
        return t
    }

    mutating func applyOption(_ a: Assignment, in scope: Scope) throws(NetlistError) {
        var o = circuit.options
        func number() throws(NetlistError) -> Double {
            guard let value = a.value else { throw NetlistError("option \(a.name) needs a value", at: a.location) }
            let v = try scope.evaluate(value)
            if !(v > 0) { throw NetlistError("option \(a.name) must be positive, not \(v)", at: value.location) }
            return v
        }
        func count() throws(NetlistError) -> Int {
            let v = try number()
            guard v == v.rounded(), v <= 1_000_000 else { throw NetlistError("option \(a.name) must be a whole number", at: a.location) }
            return Int(v)
        }
        switch a.name {
        case "reltol": o.relativeTolerance = try number()
        case "abstol": o.currentTolerance = try number()
        case "vntol": o.voltageTolerance = try number()
        case "chgtol": o.chargeTolerance = try number()
        case "trtol": o.truncationErrorFactor = try number()
        case "gmin": o.gmin = try number()
        case "itl1": o.dcIterationLimit = try count()
        case "itl2": o.sweepIterationLimit = try count()
        case "itl4": o.transientIterationLimit = try count()
        case "fixedstep": o.fixedStep = true
        case "maxstep": o.maxStep = try number()
        case "scale": o.geometryScale = try number()
        case "rshunt": o.shuntConductance = 1 / (try number())
        case "maxord":
            let order = try count()
            if order > 2 { circuit.warnings.append(Diagnostic("option maxord=\(order): orders above 2 are not modeled; 2 is used", at: a.location)) }
            o.maxOrder = min(order, 2)
        case "defl": o.defaultMOSFETGeometry.length = try number()
        case "defw": o.defaultMOSFETGeometry.width = try number()
        case "defad", "defas":
            guard let value = a.value else { throw NetlistError("option \(a.name) needs a value", at: a.location) }
            let area = try scope.evaluate(value)
            guard area >= 0, area.isFinite else { throw NetlistError("option \(a.name) must be an area of 0 m² or more, not \(area)", at: value.location) }
            if a.name.lowercased() == "defad" { o.defaultMOSFETGeometry.drainArea = area } else { o.defaultMOSFETGeometry.sourceArea = area }
        case "xmu":
            guard let value = a.value else { throw NetlistError("option xmu needs a value", at: a.location) }
            let xmu = try scope.evaluate(value)
            guard (0...0.5).contains(xmu) else {
                throw NetlistError("option xmu must be between 0 and 0.5 (0.5: the trapezoidal rule, 0: backward Euler), not \(xmu)", at: value.location)
            }
            o.xmu = xmu
        case "method":
            guard let value = a.value else { throw NetlistError("option method needs a value", at: a.location) }
            switch value.text.lowercased() {
            case "trap", "trapezoidal": o.method = .trapezoidal
            case "euler", "be": o.method = .backwardEuler
            case "gear": o.method = .gear
            default: throw NetlistError("method must be trap, euler or gear, not '\(value.text)'", at: value.location)
            }
        case "seed", "rseed":
            break  // read before the parameters (`run`)
        case "temp", "tnom":
            guard let value = a.value else { throw NetlistError("option \(a.name) needs a temperature", at: a.location) }
            let t = try Self.temperature(value, named: "option \(a.name)", in: scope)
            if a.name.lowercased() == "temp" { o.temperature = t } else { o.nominalTemperature = t }
        case "interp", "noacct", "acct", "nopage", "numdgt", "filetype", "list", "node", "nomod", "noinit", "norefvalue", "post", "ingold", "savecurrents", "keepopinfo", "warn", "maxwarns", "opts",
             "plotwinsize", "plotreltol", "plotvntol", "plotabstol", "nomarch", "measdgt", "fastaccess", "flagloads", "meascplxfmt":  // LTspice's waveform file and printout
            break  // output formatting of SPICE programs: no effect on results
        case "itl3", "itl5", "itl6", "gminsteps", "srcsteps", "pivtol", "pivrel", "gshunt", "cshunt", "bypass", "trytocompact", "autostop", "solver", "topologycheck",
             "mindeltagmin", "mindeltasrc", "noopiter", "srcstepmethod", "ptrantau", "ptranmax", "sstol",  // LTspice's DC convergence aids and steady-state detection
             "baudrate", "maxclockskew", "minclockwidth", "startclocks",  // LTspice's digital devices
             "gminfactor", "klu", "sparse", "noopalter", "oldlimit", "spice3", "noautoconv", "lvltim", "newconv", "dcap",  // ngspice's solver choices
             "ramptime":  // ngspice's supply ramping (an XSPICE build's; Debian's ngspice ignores it too)
            circuit.warnings.append(Diagnostic("option \(a.name) is not used by Anode and was ignored", at: a.location))
        default:
            throw NetlistError("unknown option '\(a.name)'", at: a.location)
        }
        circuit.options = o
    }
}

extension Netlist {
    /// The `.step` statements, in order.
    public var stepStatements: [StepText] {
        statements.compactMap { if case .command(.step(let step)) = $0.kind { step } else { nil } }
    }

    /// The most simulations a netlist's `.step` sweeps may ask for.
    public static let maximumStepPoints = 10_000

    /// Every combination of the `.step` sweeps' values (empty without `.step`): the first
    /// statement's values change fastest (an odometer). Values are evaluated with the
    /// netlist's top-level parameters.
    public func stepPoints() throws(NetlistError) -> [StepPoint] {
        let steps = stepStatements
        if steps.isEmpty { return [] }
        let elaborator = Elaborator(netlist: self)
        let top = Scope(parent: nil, prefix: "", expanding: [])
        try elaborator.collectDefinitions(statements, into: top)
        var dimensions: [[StepPoint.Value]] = []
        for step in steps {
            let values = try step.values.map { (t: ValueText) throws(NetlistError) -> Double in
                let v = try top.evaluate(t)
                guard v.isFinite else { throw NetlistError(".step value \(v) is not finite", at: t.location) }
                return v
            }
            var points: [Double] = []
            switch step.spacing {
            case .list:
                points = values
            case .linear:
                let (start, stop, increment) = (values[0], values[1], values[2])
                guard increment != 0, (stop - start) / increment >= -1e-9 else {
                    throw NetlistError(".step increment \(increment) does not lead from \(start) to \(stop)", at: step.values[2].location)
                }
                let intervals = ((stop - start) / increment * (1 + 1e-9)).rounded(.down)
                guard intervals < Double(Netlist.maximumStepPoints) else {
                    throw NetlistError(".step asks for \(intervals + 1) values; at most \(Netlist.maximumStepPoints)", at: step.location)
                }
                let count = Int(intervals) + 1
                points = (0..<count).map { start + Double($0) * increment }
            case .decade, .octave:
                let (start, stop, perInterval) = (values[0], values[1], values[2])
                guard start > 0, stop > 0, perInterval >= 1 else {
                    throw NetlistError(".step \(step.spacing.rawValue) needs positive start and stop values and at least one point per \(step.spacing == .decade ? "decade" : "octave")", at: step.location)
                }
                let base = step.spacing == .decade ? 10.0 : 2.0
                let intervals = log(stop / start) / log(base) * perInterval.rounded(.down)
                guard intervals >= -1e-9, intervals < Double(Netlist.maximumStepPoints) else {
                    throw NetlistError(".step \(step.spacing.rawValue) from \(start) to \(stop) gives no values or too many", at: step.location)
                }
                let count = Int((intervals * (1 + 1e-9)).rounded(.down)) + 1
                points = (0..<count).map { start * pow(base, Double($0) / perInterval.rounded(.down)) }
            }
            dimensions.append(points.map { StepPoint.Value(target: step.target, value: $0) })
        }
        let total = dimensions.reduce(1) { $0 * $1.count }
        guard total <= Netlist.maximumStepPoints else {
            throw NetlistError("the .step sweeps ask for \(total) simulations; at most \(Netlist.maximumStepPoints)", at: steps[0].location)
        }
        // Odometer order: the first dimension changes fastest.
        var result: [StepPoint] = []
        var index = [Int](repeating: 0, count: dimensions.count)
        for _ in 0..<total {
            result.append(StepPoint(values: index.enumerated().map { dimensions[$0.offset][$0.element] }))
            var d = 0
            while d < dimensions.count {
                index[d] += 1
                if index[d] < dimensions[d].count { break }
                index[d] = 0
                d += 1
            }
        }
        return result
    }
}
