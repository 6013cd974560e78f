/// A controlled source whose value is a constant plus a weighted sum of controls, built from the
/// linear elements it adds up to, which every analysis and both engines solve exactly: SPICE2's
/// `POLY` sources of degree one and the linear XSPICE code models (`gain`, `summer`).
///
/// A voltage, V(a, b) = c + Σ gₖ·xₖ, is a chain of sources in series from a to b (E for a voltage
/// control, H for a current, through inner nodes `name#poly1`, `name#poly2`, …) ending in a DC
/// source c; a current from a through the source to b is the same terms in parallel (G, F and a
/// DC current source).
extension Elaborator {
    /// What a term reads: a node pair's voltage, or the branch current of the element named.
    enum LinearControl {
        case voltage(Node, Node)
        case current(String)

        /// The node pair a behavioral source reads for it (a branch current through a terminal
        /// `i(name)`, see `Elaborator.behavioralSource`).
        var read: (Node, Node) {
            switch self {
            case let .voltage(p, n): (p, n)
            case let .current(v): (Node("i(" + v + ")"), .ground)
            }
        }
    }

    /// One term gₖ·xₖ, and the name of the element that carries it.
    struct LinearTerm {
        var control: LinearControl
        var coefficient: Double
        var name: String
    }

    /// Adds the source between `a` and `b`: a voltage (`series`) or a current of `constant` plus
    /// the terms. A sum that is 0 everywhere is still there (0 V across it, or no current); the
    /// constant's element is `constantName`, or the source's `name` when there are no terms.
    mutating func addLinearSum(_ name: String, _ a: Node, _ b: Node, series: Bool, terms: [LinearTerm], constant: Double,
                               constantName: String, at location: SourceLocation) throws(NetlistError) {
        func kind(_ term: LinearTerm, _ p: Node, _ n: Node) -> ElementKind {
            switch (term.control, series) {
            case let (.voltage(cp, cn), true): .voltageControlledVoltageSource(p, n, cp, cn, gain: term.coefficient)
            case let (.voltage(cp, cn), false): .voltageControlledCurrentSource(p, n, cp, cn, transconductance: term.coefficient)
            case let (.current(v), true): .currentControlledVoltageSource(p, n, controller: v, transresistance: term.coefficient)
            case let (.current(v), false): .currentControlledCurrentSource(p, n, controller: v, gain: term.coefficient)
            }
        }
        let hasConstant = constant != 0 || terms.isEmpty
        let constantName = terms.isEmpty ? name : constantName
        guard series else {
            for term in terms { try circuit.add(term.name, kind(term, a, b), at: location) }
            if hasConstant { try circuit.add(constantName, .currentSource(a, b, IndependentSource(dc: constant)), at: location) }
            return
        }
        // V(a, b) is the sum of the terms' voltages along a chain a → poly1 → … → b.
        let count = terms.count + (hasConstant ? 1 : 0)
        var from = a
        for (index, term) in terms.enumerated() {
            let to = index == count - 1 ? b : parasiticNode(of: name, "poly\(index + 1)")
            try circuit.add(term.name, kind(term, from, to), at: location)
            from = to
        }
        if hasConstant { try circuit.add(constantName, .voltageSource(from, b, IndependentSource(dc: constant)), at: location) }
    }
}
