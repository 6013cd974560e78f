import Foundation

/// The XSPICE code models with a state (see `Elaborator.codeModel`): `s_xfer`'s integrators, `int`,
/// `d_dt`, the `sine` and `triangle` oscillators' phase, and `hyst`'s leg. Each integrator's state
/// is an inner node with a capacitor that every DC solution holds where ngspice's code model
/// starts (`Circuit.dcHolds`); `hyst`'s leg is a switch's state.
extension Elaborator {
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
        let (lower, upper, r) = try Self.roundedLimits(parameters, share: 4, model: "int", element: element, at: model.location)
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

    /// `capacitoric` and `inductoric`: a capacitor C whose voltage starts at ic, an inductor L whose
    /// current starts at ic — at the operating point too, where ngspice's code models hold them
    /// there (a voltage source of ic across the capacitor, a current source of ic through the
    /// inductor) instead of solving for them, so that a transient starts from ic without UIC.
    ///
    /// As ngspice builds them, the state is an integral: an inner node `A1#state` (1 F to ground,
    /// held at ic at DC) integrates i/C of the current into the capacitor's port (`A1#in`, reading
    /// the current of `A1`, the voltage source v(a, b) = v(state)), or v(a, b)/L across the
    /// inductor's port (`A1` is then the current source i = v(state) from a to b). In AC the port
    /// is 1/(jωC) or jωL, as ngspice's.
    mutating func reactanceWithInitialCondition(_ name: String, _ a: Node, _ b: Node, capacitor: Bool, value: Double, initial: Double,
                                                model: ModelStatement, at location: SourceLocation) throws(NetlistError) {
        let what = capacitor ? "capacitoric's c" : "inductoric's l"
        guard value.isFinite, value > 0 else { throw NetlistError("\(name): \(what) must be positive, not \(value)", at: model.location) }
        guard initial.isFinite else { throw NetlistError("\(name): the initial condition ic must be a number, not \(initial)", at: model.location) }
        guard a != b else { throw NetlistError("\(name): both nodes of the port are '\(a.name)'", at: location) }
        let state = parasiticNode(of: name, "state")
        try circuit.add("\(name)#state", .capacitor(state, .ground, capacitance: 1, initialVoltage: initial), at: location)
        circuit.dcHolds[state] = initial
        if capacitor {
            try circuit.add(name, .voltageControlledVoltageSource(a, b, state, .ground, gain: 1), at: location)
            try circuit.add("\(name)#in", .currentControlledCurrentSource(.ground, state, controller: name, gain: 1 / value), at: location)
        } else {
            try circuit.add(name, .voltageControlledCurrentSource(a, b, state, .ground, transconductance: 1), at: location)
            try circuit.add("\(name)#in", .voltageControlledCurrentSource(.ground, state, a, b, transconductance: 1 / value), at: location)
        }
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

    /// `out_lower_limit`, `out_upper_limit` and `limit_range` of `int` and `d_dt`: the range
    /// positive and at most 1/`share` of the span (a half: the two roundings do not meet; a quarter
    /// for `int`, whose gates take as much again).
    static func roundedLimits(_ parameters: [String: [Double]], share: Double, model: String, element: String,
                              at location: SourceLocation) throws(NetlistError) -> (lower: Double, upper: Double, range: Double) {
        let (lower, upper) = (parameters["out_lower_limit"]![0], parameters["out_upper_limit"]![0])
        let r = parameters["limit_range"]![0]
        guard upper > lower, r > 0, share * r <= upper - lower else {
            let part = share == 2 ? "half" : "a quarter"
            throw NetlistError("\(element): \(model) needs out_lower_limit < out_upper_limit and 0 < limit_range ≤ \(part) of their difference, found \(lower), \(upper) and \(r)", at: location)
        }
        return (lower, upper, r)
    }

    /// `d_dt`: y = gain·dx/dt + out_offset, rounded into [out_lower_limit, out_upper_limit] as
    /// `limit` rounds. The derivative is the current of 1 F (`A1#dt`) across which an inner node
    /// `A1#x` copies the input, through a 0 V source `A1#dtsense` to ground: 0 at DC, where, as
    /// in ngspice, the offset is left out too (y is the rounding of 0 there).
    mutating func differentiator(_ name: String, _ control: LinearControl, _ a: Node, _ b: Node, series: Bool,
                                 _ parameters: [String: [Double]], model: ModelStatement, element: String, in scope: Scope,
                                 at location: SourceLocation) throws(NetlistError) {
        let (lower, upper, r) = try Self.roundedLimits(parameters, share: 2, model: "d_dt", element: element, at: model.location)
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
        try addStateSpace(name, input, a, b, series: series, numerator: numerator, denominator: denominator, w0: w0,
                          gain: parameters["gain"]![0], offset: parameters["in_offset"]![0], initial: initial, holdAtDC: true,
                          at: location, coefficientsAt: model.location)
    }

    /// The controller form of y = gain·(x + offset)·N(s/ω₀)/D(s/ω₀) (coefficients highest power
    /// first, D of degree n ≥ 1, N of degree n at most; see `transferFunction`), the states
    /// starting from `initial` (ngspice's integrator outputs zₖ). With `holdAtDC`, every DC
    /// solution holds the states there, as ngspice's `s_xfer` does; without, it solves for them
    /// (`Circuit.dcStates`: their equations at s = 0 determine them when D(0) ≠ 0).
    mutating func addStateSpace(_ name: String, _ input: LinearControl, _ a: Node, _ b: Node, series: Bool, numerator: [Double], denominator: [Double],
                                w0: Double, gain written: Double, offset: Double, initial: [Double], holdAtDC: Bool,
                                at location: SourceLocation, coefficientsAt place: SourceLocation?) throws(NetlistError) {
        let n = denominator.count - 1
        // aₖ and bₖ by power k; u's factor and offset.
        let leading = denominator[0]
        let a_ = (0..<n).map { denominator[n - $0] / leading }
        let b_ = (0...n).map { $0 < numerator.count ? numerator[numerator.count - 1 - $0] : 0 }
        let gain = written / leading
        // States: ζₖ at node int(n − k), starting from zₖ/ω₀ᵏ.
        let states = (0..<n).map { parasiticNode(of: name, "int\(n - $0)") }
        for (k, state) in states.enumerated() {
            let j = n - k
            let start = initial[j - 1] / Foundation.pow(w0, Double(k))
            guard start.isFinite, (1 / w0).isFinite, a_.allSatisfy(\.isFinite), b_.allSatisfy(\.isFinite), gain.isFinite else {
                throw NetlistError("\(name): the transfer function's coefficients, scaled to its frequency \(w0) rad/s, are not finite numbers", at: place)
            }
            try circuit.add("\(name)#int\(j)", .capacitor(state, .ground, capacitance: 1 / w0, initialVoltage: start), at: location)
            if holdAtDC { circuit.dcHolds[state] = start } else { circuit.dcStates.insert(state) }
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
