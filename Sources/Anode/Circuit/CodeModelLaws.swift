import Foundation

/// The laws of XSPICE's nonlinear analog code models (see `Elaborator.codeModel`), as expressions
/// of their inputs that a behavioral source computes: the rounded corners ngspice's
/// `cm_smooth_corner` draws, and the models written with them.
extension Elaborator {
    /// x held within [lower, upper], each corner rounded by the parabola that meets the line y = x
    /// and the limit with their slopes r from the corner (ngspice's `cm_smooth_corner`):
    ///
    ///     y = lower                       x ≤ lower − r
    ///     y = x + (x − lower − r)²/(4r)   lower − r < x < lower + r
    ///     y = x                           lower + r ≤ x ≤ upper − r
    ///     y = x − (x − upper + r)²/(4r)   upper − r < x < upper + r
    ///     y = upper                       x ≥ upper + r
    static func smoothClamp(_ x: Expression, lower: Expression, upper: Expression, range r: Expression) -> Expression {
        func plus(_ a: Expression, _ b: Expression) -> Expression { .binary("+", a, b) }
        func minus(_ a: Expression, _ b: Expression) -> Expression { .binary("-", a, b) }
        let fourR = Expression.binary("*", .number(4), r)
        let low = plus(x, .binary("/", square(minus(x, plus(lower, r))), fourR))
        let high = minus(x, .binary("/", square(minus(x, minus(upper, r))), fourR))
        return .conditional(.binary("<=", x, minus(lower, r)), lower,
               .conditional(.binary("<", x, plus(lower, r)), low,
               .conditional(.binary("<=", x, minus(upper, r)), x,
               .conditional(.binary("<", x, plus(upper, r)), high, upper))))
    }

    /// `aswitch`: the current V/R through a resistance R that the control c moves from r_off at
    /// cntl_off to r_on at cntl_on (r_on at least 1 mΩ), exponentially (`log`, the default:
    /// R = r_on·e^(k·(cntl_on − c)), k = ln(r_off/r_on)/(cntl_on − cntl_off)) or linearly, c held
    /// within the two with `limit`, R at least 1 nΩ; as ngspice computes it.
    static func analogSwitch(across v: Expression, control c: Expression, _ parameters: [String: [Double]], element: String,
                             at location: SourceLocation) throws(NetlistError) -> Expression {
        let (off, on) = (parameters["cntl_off"]![0], parameters["cntl_on"]![0])
        let (rOff, rOn) = (parameters["r_off"]![0], max(parameters["r_on"]![0], 1e-3))
        guard abs(on - off) >= 1e-12 else {
            throw NetlistError("\(element): aswitch's cntl_on and cntl_off must differ (by 1e-12 at least)", at: location)
        }
        let control = parameters["limit"]![0] != 0
            ? Expression.call("min", [.call("max", [c, .number(min(on, off))]), .number(max(on, off))]) : c
        let r: Expression
        if parameters["log"]![0] != 0 {
            guard rOff > 0 else { throw NetlistError("\(element): aswitch's r_off must be positive for a logarithmic law, found \(rOff)", at: location) }
            let k = Foundation.log(rOff / rOn) / (on - off)
            r = .binary("*", .number(rOn), .call("exp", [.binary("*", .number(k), .binary("-", .number(on), control))]))
        } else {
            let slope = (rOn - rOff) / (on - off)
            r = .binary("+", .binary("*", control, .number(slope)), .number((rOff * on - rOn * off) / (on - off)))
        }
        return .binary("/", v, .call("max", [r, .number(1e-9)]))
    }

    /// `zener`: the current from the port's first node through the diode to its second at voltage
    /// v across it, as ngspice computes it (Vt fixed at 26 mV, n = n_forward, k = 1/(i_breakdown·
    /// r_breakdown)), plus i_rev/v_breakdown·v of leakage:
    ///
    /// - where v₂₃ = −v_breakdown + ln(10/(i_sat·r_breakdown))/k lies below v₁₂ = n·Vt·ln(n·Vt/10),
    ///   three regions: i_sat·(e^(v/nVt) − 1) above v₁₂, the line (i_sat/10)·v + b below it down to
    ///   v₂₃, and c − i₀·e^(−k·(v − v₀)) below that (i₀ = 1 µA, v₀ = −v_breakdown + ln(i_breakdown/i₀)/k,
    ///   b and c continuing the curve);
    /// - otherwise two: i_sat·(e^(v/nVt) − 1) for v ≥ 0, −i₀·(e^(−k·v) − 1) below (i₀ = i_breakdown/
    ///   (e^(k·v_breakdown) − 1)), the side with the smaller slope at 0 given the difference as a
    ///   conductance.
    ///
    /// `limit_switch` (ngspice's convergence aid, which changes no converged value) is accepted.
    static func zener(across v: Expression, _ parameters: [String: [Double]], element: String,
                      at location: SourceLocation) throws(NetlistError) -> Expression {
        func p(_ key: String) -> Double { parameters[key]![0] }
        let (vb, ib, rb, iSat, n) = (p("v_breakdown"), p("i_breakdown"), p("r_breakdown"), p("i_sat"), p("n_forward"))
        guard vb > 0, ib > 0, rb > 0, iSat > 0, n > 0 else {
            throw NetlistError("\(element): zener needs positive v_breakdown, i_breakdown, r_breakdown, i_sat and n_forward", at: location)
        }
        let nvt = n * 0.026
        let k = 1 / (ib * rb)
        let v12 = nvt * Foundation.log(nvt / 10)
        let v23 = -vb + Foundation.log(10 / (iSat * rb)) / k
        func forward(_ x: Expression) -> Expression {
            .binary("*", .number(iSat), .binary("-", .call("exp", [.binary("/", x, .number(nvt))]), .number(1)))
        }
        let diode: Expression
        if v23 < v12 {
            let i0 = 1e-6
            let v0 = -vb + Foundation.log(ib / i0) / k
            let a = iSat / 10
            let b = iSat * (Foundation.exp(v12 / nvt) - 1) - a * v12
            let c = a * v23 + b + i0 * Foundation.exp(-k * (v23 - v0))
            let breakdown = Expression.binary("-", .number(c), .binary("*", .number(i0), .call("exp", [.binary("*", .number(-k), .binary("-", v, .number(v0)))])))
            diode = .conditional(.binary(">=", v, .number(v12)), forward(v),
                    .conditional(.binary(">=", v, .number(v23)), .binary("+", .binary("*", .number(a), v), .number(b)), breakdown))
        } else {
            let i0 = ib / (Foundation.exp(k * vb) - 1)
            let (s1, s2) = (iSat / nvt, i0 * k)
            let reverse = Expression.binary("*", .number(-i0), .binary("-", .call("exp", [.binary("*", .number(-k), v)]), .number(1)))
            diode = .conditional(.binary(">=", v, .number(0)),
                                 .binary("+", forward(v), .binary("*", .number(max(s2 - s1, 0)), v)),
                                 .binary("+", reverse, .binary("*", .number(max(s1 - s2, 0)), v)))
        }
        return .binary("+", diode, .binary("*", .number(p("i_rev") / vb), v))
    }

    /// `sidiode`: ngspice's simple diode, three lines in the voltage v across its port — Rrev below
    /// −vrev, Roff between, Ron above vfwd (Rrev = Ron unless given, Roff = Ron unless given) —
    /// joined by parabolas over `epsilon` above vfwd and `revepsilon` below −vrev (ngspice 39's
    /// knees; later ngspice centres them on vfwd and −vrev), and beyond them, where `ilimit`/
    /// `revilimit` are given, a tanh towards that current. As in ngspice's code, a current limit
    /// takes its tanh's slope from its parabola: without one (`epsilon` or `revepsilon` 0) the
    /// current beyond the knee stays at the knee's.
    static func simpleDiode(across v: Expression, _ parameters: [String: [Double]], element: String,
                            at location: SourceLocation) throws(NetlistError) -> Expression {
        func p(_ key: String) -> Double { parameters[key]![0] }
        let ron = p("ron"), roff = parameters["roff"]?.first ?? ron
        guard ron > 0, roff > 0, p("rrev") >= 0, p("epsilon") >= 0, p("revepsilon") >= 0, p("ilimit") > 0, p("revilimit") > 0 else {
            throw NetlistError("\(element): sidiode needs positive ron, roff, ilimit and revilimit, and rrev, epsilon and revepsilon not negative", at: location)
        }
        let (gon, goff) = (1 / ron, 1 / roff)
        let grev = p("rrev") == 0 ? gon : 1 / p("rrev")
        let (vrev, vfwd, ilimit, revlimit) = (-p("vrev"), p("vfwd"), p("ilimit"), -p("revilimit"))
        let (va, vb) = (vrev - p("revepsilon"), vrev)
        let (vc, vd) = (vfwd, vfwd + p("epsilon"))
        let (a1, a2) = p("revepsilon") > 0 ? ((goff - grev) / p("revepsilon"), grev / revlimit) : (0, 0)
        let (b1, b2) = p("epsilon") > 0 ? ((gon - goff) / p("epsilon"), gon / ilimit) : (0, 0)
        func n(_ x: Double) -> Expression { .number(x) }
        func line(_ x0: Double, _ g: Double, _ x1: Double, _ g1: Double) -> Expression {  // x0·g + (v − x1)·g1
            .binary("+", n(x0 * g), .binary("*", .binary("-", v, n(x1)), n(g1)))
        }
        func knee(_ at: Double, _ curvature: Double) -> Expression {  // ½(v − at)²·curvature + v·goff
            .binary("+", .binary("*", n(0.5 * curvature), square(.binary("-", v, n(at)))), .binary("*", v, n(goff)))
        }
        func limited(_ limit: Double, _ start: Double, _ slope: Double, from i: Double) -> Expression {  // (limit − i)·tanh(slope·(v − start)) + i
            .binary("+", .binary("*", n(limit - i), .call("tanh", [.binary("*", n(slope), .binary("-", v, n(start)))])), n(i))
        }
        let reverse = revlimit > -1e29 ? limited(revlimit, va, a2, from: goff * va + 0.5 * (va - vb) * (va - vb) * a1) : line(vrev, goff, vrev, grev)
        let forward = ilimit < 1e29 ? limited(ilimit, vd, b2, from: goff * vd + 0.5 * (vd - vc) * (vd - vc) * b1) : line(vfwd, goff, vfwd, gon)
        var above: Expression = forward
        if p("epsilon") > 0 { above = .conditional(.binary("<", v, n(vd)), knee(vc, b1), above) }
        above = .conditional(.binary("<", v, n(vc)), .binary("*", v, n(goff)), above)
        if p("revepsilon") > 0 { above = .conditional(.binary("<", v, n(vb)), knee(vb, a1), above) }
        return .conditional(.binary("<", v, n(va)), reverse, above)
    }

    /// `pwl`: the line through the points (x_array, y_array), its end segments extended, each
    /// interior corner rounded over ±d about its x as `smoothClamp` rounds a limit (ngspice's
    /// `cm_smooth_corner`): d is `input_domain`, or with `fraction` (the default) that fraction of
    /// the shorter of the corner's two segments: the piecewise-linear function plus, for each
    /// corner i with slopes mₗ below and mᵤ above, the parabola's departure from it,
    ///
    ///     (mᵤ − mₗ)·((s + d)²/(4d) − max(s, 0)),   s = x − xᵢ clamped to [−d, d],
    ///
    /// which is 0 outside the corner's range (one step of the behavioral program,
    /// `BehavioralSource.Operation.roundedTable`). `names` are the model's and its arrays'
    /// (`core` has the same law, of H_array and B_array).
    static func smoothPiecewiseLinear(_ x: Expression, _ parameters: [String: [Double]], element: String, at location: SourceLocation,
                                      names: (model: String, x: String, y: String) = ("pwl", "x_array", "y_array")) throws(NetlistError) -> Expression {
        let (xs, ys) = (parameters[names.x.lowercased()]!, parameters[names.y.lowercased()]!)
        let (model, xName, yName) = names
        guard xs.count >= 2, xs.count == ys.count else {
            throw NetlistError("\(element): \(model) needs \(xName) and \(yName) of the same length, two points or more (found \(xs.count) and \(ys.count))", at: location)
        }
        if let k = xs.indices.dropFirst().first(where: { xs[$0] <= xs[$0 - 1] }) {
            throw NetlistError("\(element): \(model)'s \(xName) must increase (\(xs[k - 1]), then \(xs[k]))", at: location)
        }
        guard xs.count <= 100 else { throw NetlistError("\(element): \(model) takes at most 100 points, found \(xs.count)", at: location) }
        let domain = parameters["input_domain"]![0]
        let fraction = parameters["fraction"]![0] != 0
        let corners = xs.indices.dropFirst().dropLast()
        if fraction {
            guard domain >= 1e-12 && domain <= 0.5 else {
                throw NetlistError("\(element): \(model)'s input_domain, as a fraction of a segment, must lie within 1e-12 … 0.5; found \(domain)", at: location)
            }
        } else {
            guard domain > 0 else { throw NetlistError("\(element): \(model)'s input_domain must be positive; found \(domain)", at: location) }
            if let i = corners.first(where: { 2 * domain > min(xs[$0] - xs[$0 - 1], xs[$0 + 1] - xs[$0]) }) {
                throw NetlistError("\(element): \(model)'s input_domain (\(domain)) must be at most half of each segment next to a corner; the corner at \(xs[i]) has less", at: location)
            }
        }
        return smoothPiecewiseLinear(x, through: xs, ys, domain: { i in fraction ? domain * min(xs[i] - xs[i - 1], xs[i + 1] - xs[i]) : domain })
    }

    /// The line through the points (`xs` increasing, `ys`), its end segments extended, each
    /// interior corner i rounded over ±`domain(i)` (see above): one step of the behavioral program
    /// (`BehavioralSource.roundedTable`), which finds x's segment by bisection and adds the one or
    /// two corners in range, where the sum written out as an expression evaluated every corner.
    static func smoothPiecewiseLinear(_ x: Expression, through xs: [Double], _ ys: [Double], domain: (Int) -> Double) -> Expression {
        var arguments: [Expression] = [x]
        for (a, b) in zip(xs, ys) { arguments += [.number(a), .number(b)] }
        for i in xs.indices.dropFirst().dropLast() { arguments.append(.number(domain(i))) }
        return .call(BehavioralSource.roundedTableFunction, arguments)
    }

    /// The same with one absolute rounding range for every corner.
    static func smoothPiecewiseLinear(_ x: Expression, through xs: [Double], _ ys: [Double], domain: Double) -> Expression {
        smoothPiecewiseLinear(x, through: xs, ys, domain: { _ in domain })
    }

    /// A denominator d kept at least `limit` from 0 on its side, the corner rounded over `range`
    /// as in `smoothClamp`: for d ≥ 0, limit up to limit − r, the parabola to limit + r, then d;
    /// for d < 0 the mirror image. (ngspice 39 rounds the negative side's corner about −limit + r
    /// instead, a curve that jumps at both ends of its range; Anode keeps the two sides alike.)
    static func smoothLowerLimit(_ d: Expression, limit: Double, range r: Double) -> Expression {
        func side(_ x: Expression) -> Expression {
            .conditional(.binary("<=", x, .number(limit - r)), .number(limit),
            .conditional(.binary("<", x, .number(limit + r)),
                         .binary("+", x, .binary("/", square(.binary("-", x, .number(limit + r))), .number(4 * r))), x))
        }
        return .conditional(.binary(">=", d, .number(0)), side(d), .unary("-", side(.unary("-", d))))
    }

    static func square(_ x: Expression) -> Expression { .binary("*", x, x) }
}
