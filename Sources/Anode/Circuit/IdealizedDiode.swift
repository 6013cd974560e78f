/// LTspice's idealized diode: a `D` card with any of Ron, Roff, Vfwd, Vrev or Rrev is three
/// straight lines in the voltage v across it, joined where they meet (LTspice's help and ADI's
/// "LTspice: Simple Idealized Diode"):
///
///     v ≤ −Vrev:         (v + Vrev)/Rrev − Vrev/Roff      reverse breakdown
///     −Vrev < v < Vfwd:  v/Roff                           off
///     v ≥ Vfwd:          (v − Vfwd)/Ron + Vfwd/Roff       on
///
/// with LTspice's defaults Ron = 1 Ω, Roff = 1/GMIN, Vfwd = 0, no breakdown, Rrev = Ron. The same
/// law as XSPICE's `sidiode` without its knees and limits, whose code builds it (one behavioral
/// source, so both engines take it). LTspice's Epsilon, RevEpsilon, Ilimit and RevIlimit — the
/// rounded knees and the current limits — are refused: how LTspice shapes them is not published
/// closely enough to reproduce (ngspice's `sidiode` has its own forms of them).
extension Elaborator {
    /// The parameters that make a `D` card LTspice's idealized diode.
    static let idealizedDiodeParameters: Set<String> = ["ron", "roff", "vfwd", "vrev", "rrev", "ilimit", "revilimit", "epsilon", "revepsilon"]

    /// Whether `model` is LTspice's idealized diode.
    static func isIdealizedDiode(_ model: ModelStatement) -> Bool {
        model.type == "d" && model.parameters.contains { idealizedDiodeParameters.contains($0.name) }
    }

    /// Diode `name` from `anode` to `cathode` of the idealized card `model`, `m` in parallel.
    mutating func idealizedDiode(_ name: String, _ anode: Node, _ cathode: Node, _ model: ModelStatement, in modelScope: Scope,
                                 multiplier m: Double, area: Double, element: String, in scope: Scope, at location: SourceLocation) throws(NetlistError) {
        var values: [String: Double] = [:]
        var ignored: [String] = []
        for a in model.parameters {
            guard let text = a.value else { continue }
            if ["ilimit", "revilimit", "epsilon", "revepsilon"].contains(a.name) {
                throw NetlistError("model \(model.name): LTspice's \(a.name.uppercased()) of its idealized diode is not supported (how it rounds the knees and limits the current is not published closely enough to reproduce; XSPICE's sidiode has its own forms)", at: a.location)
            }
            if Self.idealizedDiodeParameters.contains(a.name) {
                values[a.name] = try modelScope.evaluate(text)
            } else {
                ignored.append(a.name.uppercased())
            }
        }
        if !warnedModels.contains(model.location) {
            warnedModels.insert(model.location)
            if !ignored.isEmpty {
                circuit.warnings.append(Diagnostic("model \(model.name): LTspice's idealized diode (Ron, Roff, Vfwd, Vrev, Rrev) leaves out \(ignored.joined(separator: ", ")), as LTspice does", at: model.location))
            }
        }
        if area != m {
            circuit.warnings.append(Diagnostic("\(element): an area has no effect on LTspice's idealized diode (m= puts parts in parallel)", at: location))
        }
        let ron = values["ron"] ?? 1, roff = values["roff"] ?? 1 / circuit.options.gmin
        let rrev = values["rrev"] ?? ron, vfwd = values["vfwd"] ?? 0, vrev = values["vrev"] ?? 1e30
        guard ron > 0, roff > 0, rrev > 0, vfwd >= 0, vrev >= 0, [ron, roff, rrev, vfwd].allSatisfy(\.isFinite) else {
            throw NetlistError("model \(model.name): the idealized diode needs positive Ron, Roff and Rrev, and Vfwd and Vrev not negative", at: model.location)
        }
        let parameters: [String: [Double]] = ["ron": [ron], "roff": [roff], "rrev": [rrev], "vfwd": [vfwd], "vrev": [vrev],
                                              "ilimit": [1e30], "revilimit": [1e30], "epsilon": [0], "revepsilon": [0]]
        let law = try Self.simpleDiode(across: .parameter("__v0"), parameters, element: element, at: model.location)
        try addLaw(name, .binary("*", .number(m), law), reads: [(anode, cathode)], anode, cathode, voltage: false,
                   element: element, in: scope, at: location)
    }
}
