/// XSPICE's magnetic circuit: `lcouple` windings and a `core`, from which ngspice builds
/// transformers whose core saturates (the manual's example, two windings on one core):
///
///     a1 (2 0) (3 0) primary           .model primary lcouple(num_turns=155)
///     a2 (3 4) iron_core               .model iron_core core(H_array=[…] B_array=[…] area=0.01 length=0.01)
///     a3 (5 0) (4 0) secondary         .model secondary lcouple(num_turns=310)
///
/// The magnetic side is a circuit of its own in which a voltage stands for a magnetomotive force
/// (ampere-turns) and a current for a flux (webers): each winding drives its mmf, N·i, around it,
/// and the core passes the flux its B–H curve gives for that mmf. The winding's voltage is N·dΦ/dt.
extension Elaborator {
    /// `lcouple`: a winding of N turns. On its magnetic port (`mmf_out`) it is an mmf source N·i,
    /// i the current through its electrical port (`l`) from its first node to its second; on the
    /// electrical port a voltage N·dΦ/dt, Φ the flux through the magnetic port from its second
    /// node to its first (ngspice's sign: the core's flux returns through the winding).
    ///
    /// All linear: the electrical port is a current-controlled voltage source `A1` (so `i(A1)` is
    /// the winding's current) reading the derivative, the magnetic one `A1#mmf` reading `A1`;
    /// the flux is copied onto an inner node `A1#phi` (`A1#flux`, V = −i(A1#mmf)), and dΦ/dt is
    /// the current of 1 F across which it stands (`A1#dt`, into the 0 V source `A1#dtsense`), the
    /// trapezoidal rule's derivative. ngspice 39 differentiates over its own last step instead (a
    /// backward difference) and starts from 0 at t = 0: the same equations, discretized otherwise.
    /// At DC the winding is a short, as an inductor is.
    mutating func inductiveCoupling(_ name: String, winding: (Node, Node), mmf: (Node, Node), turns n: Double,
                                    model: ModelStatement, at location: SourceLocation) throws(NetlistError) {
        guard n.isFinite, n != 0 else { throw NetlistError("\(name): lcouple's num_turns must be a number other than 0, not \(n)", at: model.location) }
        guard winding.0 != winding.1 else { throw NetlistError("\(name): both nodes of the winding are '\(winding.0.name)'", at: location) }
        guard mmf.0 != mmf.1 else { throw NetlistError("\(name): both nodes of the magnetic port are '\(mmf.0.name)'", at: location) }
        let (phi, sensed) = (parasiticNode(of: name, "phi"), parasiticNode(of: name, "dt"))
        try circuit.add(name, .currentControlledVoltageSource(winding.0, winding.1, controller: "\(name)#dtsense", transresistance: n), at: location)
        try circuit.add("\(name)#mmf", .currentControlledVoltageSource(mmf.0, mmf.1, controller: name, transresistance: n), at: location)
        try circuit.add("\(name)#flux", .currentControlledVoltageSource(phi, .ground, controller: "\(name)#mmf", transresistance: -1), at: location)
        try circuit.add("\(name)#dt", .capacitor(phi, sensed, capacitance: 1, initialVoltage: nil), at: location)
        try circuit.add("\(name)#dtsense", .voltageSource(sensed, .ground, IndependentSource(dc: 0)), at: location)
    }

    /// `core` in its PWL mode: the flux A·B(H) through the port for the mmf across it, H =
    /// mmf/length, B(H) the line through (H_array, B_array) with its corners rounded and its end
    /// segments extended, exactly as the `pwl` model's (ngspice's core is that model).
    static func magneticCore(mmf: Expression, _ parameters: [String: [Double]], element: String,
                             at location: SourceLocation) throws(NetlistError) -> Expression {
        guard let area = parameters["area"]?.first, let length = parameters["length"]?.first else {
            throw NetlistError("\(element): core needs area and length (its cross-section, m², and its magnetic path, m)", at: location)
        }
        guard area > 0, length > 0, area.isFinite, length.isFinite else {
            throw NetlistError("\(element): core's area and length must be positive, found \(area) and \(length)", at: location)
        }
        guard parameters["mode"]![0] == 1 else {
            throw NetlistError("\(element): core's mode is 1 (pwl) or 2 (hysteresis), not \(parameters["mode"]![0])", at: location)
        }
        let h = Expression.binary("/", mmf, .number(length))
        let b = try smoothPiecewiseLinear(h, parameters, element: element, at: location, names: ("core", "H_array", "B_array"))
        return .binary("*", .number(area), b)
    }
}
