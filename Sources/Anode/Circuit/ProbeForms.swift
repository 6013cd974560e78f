/// ngspice's `.probe` forms that name several outputs at once or name a device's terminals by
/// number (ngspice's `inpc_probe.c`), as the outputs Anode records:
///
/// | written | recorded |
/// |---|---|
/// | `alli` (or a bare `.probe`) | every node voltage, `i(X)` of every two-terminal element and source, every device terminal's current |
/// | `i(Q1)` (a device of three or more terminals) | `@q1[ic]`, `@q1[ib]`, `@q1[ie]` |
/// | `i(M4,3)`, `i(M4,s)` | `@m4[is]`: a terminal by its place on the element line, or its letter |
/// | `vd(R1)` | `v(a,b)` across a two-terminal element |
/// | `vd(a,b)` | `v(a,b)` |
/// | `vd(M4:1:3)`, `vd(M4:d:s)`, `vd(M4:1,M5:3)`, `vd(n1,M5:d)` | between the nodes of those terminals (terminal `0`: ground) |
///
/// Like ngspice, `alli` leaves out the elements inside subcircuits.
extension Elaborator {
    /// The outputs `p` asks for: one of the forms above expanded, anything else resolved as written.
    func expandedProbes(_ p: ProbeText, in kind: AnalysisKind?) throws(NetlistError) -> [Probe] {
        let args = p.arguments
        if p.function == "vd" {
            return [try resolve(differentialVoltage(p), in: kind)]
        }
        if p.function == "i", let first = args.first, let element = circuit.element(named: first.text),
           let letters = element.kind.terminalNames {
            // PSpice's I(Q1) and I(Q1,B) are the currents into the terminals (its sign, not
            // ngspice's N-channel reading of a P-channel FET's).
            func intoTerminal(_ letter: String) throws(NetlistError) -> Probe {
                let probe = try resolve(synthesized(p, "@i" + letter, [first]), in: kind)
                guard case let .deviceCurrent(e, t) = probe.quantity else { return probe }
                return Probe(.terminalCurrent(e, t), view: probe.view)
            }
            if args.count == 2 {
                return [try intoTerminal(letters[try terminalIndex(args[1], of: element, in: p)])]
            }
            if element.kind.nodes.count > 2 {
                return try letters.map { (letter: String) throws(NetlistError) in try intoTerminal(letter) }
            }
        }
        return [try resolve(p, in: kind)]
    }

    /// ngspice's `alli` with the `.save all` it implies: every node voltage, the current of every
    /// two-terminal element and controlled source, and every device terminal's current, for the
    /// elements outside subcircuits.
    func everyVoltageAndCurrent() -> [Probe] {
        var probes = circuit.nodes.dropFirst().map { Probe.voltage($0.name) }
        for element in circuit.elements where !element.name.contains(".") && !element.name.hasPrefix("#") {
            if let letters = element.kind.terminalNames, element.kind.nodes.count > 2 {
                probes += letters.map { Probe.deviceCurrent(element.name, $0) }
                continue
            }
            switch element.kind {
            case .resistor, .capacitor, .inductor, .voltageSource, .currentSource, .diode, .variableResistor, .controlledSwitch,
                 .voltageControlledVoltageSource, .voltageControlledCurrentSource,
                 .currentControlledCurrentSource, .currentControlledVoltageSource, .behavioralSource:
                probes.append(.current(element.name))
            case .coupling, .potentiometer, .bjt, .jfet, .mosfet, .vdmos, .triode, .pentode:
                break
            }
        }
        return probes
    }

    /// `vd(...)` as `v(a)` or `v(a,b)` over node names.
    private func differentialVoltage(_ p: ProbeText) throws(NetlistError) -> ProbeText {
        let args = p.arguments
        var nodes: [Token] = []
        if args.count == 1, !args[0].text.contains(":") {
            // vd(R1): across a two-terminal element; vd(n): a node.
            if let element = circuit.element(named: args[0].text), element.kind.nodes.count == 2 {
                nodes = element.kind.nodes.map { renamed(args[0], $0.name) }
            } else {
                nodes = [args[0]]
            }
        } else if args.count == 1 {
            // vd(M4:1:3): two terminals of one element; vd(M4:1): one terminal's node.
            let parts = args[0].text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard (2...3).contains(parts.count) else {
                throw NetlistError("output vd(\(args[0].text)): write vd(element:terminal) or vd(element:terminal:terminal)", at: p.location)
            }
            for t in parts.dropFirst() { nodes.append(try terminalNode(parts[0], t, token: args[0], in: p)) }
        } else {
            for a in args {
                let parts = a.text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
                guard parts.count <= 2 else {
                    throw NetlistError("output vd(...): '\(a.text)' should be a node or element:terminal", at: a.location)
                }
                nodes.append(parts.count == 2 ? try terminalNode(parts[0], parts[1], token: a, in: p) : a)
            }
        }
        if nodes.count == 2, Node(nodes[1].text) == .ground { nodes.removeLast() }
        return synthesized(p, "v", nodes)
    }

    /// The node of terminal `terminal` (a place from 1, a letter, or 0 for ground) of `element`.
    private func terminalNode(_ element: String, _ terminal: String, token: Token, in p: ProbeText) throws(NetlistError) -> Token {
        if terminal == "0" { return renamed(token, "0") }
        guard let e = circuit.element(named: element) else {
            throw NetlistError("output vd(\(token.text)): no element named '\(element)'", at: token.location)
        }
        return renamed(token, e.kind.nodes[try terminalIndex(renamed(token, terminal), of: e, in: p)].name)
    }

    /// The index into `element`'s nodes of the terminal `token` names: its place from 1, or its letter.
    private func terminalIndex(_ token: Token, of element: Element, in p: ProbeText) throws(NetlistError) -> Int {
        let nodes = element.kind.nodes
        if let place = Int(token.text), (1...nodes.count).contains(place) { return place - 1 }
        if let k = element.kind.terminal(named: token.text.lowercased()) { return k }
        let letters = element.kind.terminalNames.map { ", or \($0.joined(separator: ", "))" } ?? ""
        throw NetlistError("output \(p.function)(...): \(element.name) has no terminal '\(token.text)'; its terminals are 1 to \(nodes.count)\(letters)", at: token.location)
    }

    private func synthesized(_ p: ProbeText, _ function: String, _ arguments: [Token]) -> ProbeText {
        ProbeText(function: function, arguments: arguments, location: p.location)
    }

    private func renamed(_ token: Token, _ text: String) -> Token {
        var t = token
        t.text = text
        return t
    }
}
