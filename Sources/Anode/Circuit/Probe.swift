/// An output of a simulation: a node voltage, a voltage between two nodes or an element's current,
/// optionally viewed as magnitude, decibels, phase, real or imaginary part (for AC results).
public struct Probe: Hashable, Sendable, CustomStringConvertible {
    /// What is measured.
    public enum Quantity: Hashable, Sendable {
        /// V(node) or V(node, reference).
        case voltage(String, String?)
        /// The current through an element, in SPICE's direction (into its first terminal).
        case current(String)
        /// The power an element absorbs (negative for a source that delivers power), W: `.op` and
        /// `.tran` only.
        case power(String)
        /// The current into one terminal of a device, as LTspice's `Ic(Q1)` and PSpice's `IC(Q1)`
        /// give it: the element, and the terminal's letter as `ElementKind.terminalNames` lists it.
        /// `.op`, `.dc` and `.tran` only.
        case terminalCurrent(String, String)
        /// ngspice's `@q1[ic]`: the terminal current as the device reports it, which for a
        /// P-channel JFET or MOSFET (VDMOS too) is in the N-channel orientation — minus the current
        /// into the terminal (a conducting PMOS's `@m1[id]` is positive); for other devices the
        /// same as `terminalCurrent`. `.op`, `.dc` and `.tran` only, as in ngspice.
        case deviceCurrent(String, String)

        /// Whether the quantity is an absorbed power.
        public var isPower: Bool { if case .power = self { true } else { false } }

        /// Whether the quantity exists only for the real operating point and waveforms (not `.ac`).
        public var isRealOnly: Bool {
            switch self {
            case .power, .terminalCurrent, .deviceCurrent: true
            case .voltage, .current: false
            }
        }
    }

    /// How a (complex) value is shown.
    public enum View: String, Hashable, Sendable {
        /// The value itself (complex in AC).
        case value = ""
        /// |x|
        case magnitude = "m"
        /// 20·log10|x|
        case decibel = "db"
        /// arg x, in radians (as ngspice gives it)
        case phase = "p"
        /// Re x
        case real = "r"
        /// Im x
        case imaginary = "i"
    }

    /// What is measured.
    public var quantity: Quantity
    /// How it is shown.
    public var view: View

    /// A probe of `quantity` seen as `view`.
    public init(_ quantity: Quantity, view: View = .value) {
        self.quantity = quantity
        self.view = view
    }

    /// V(node).
    public static func voltage(_ node: String) -> Probe { Probe(.voltage(node.lowercased(), nil)) }
    /// V(node, reference).
    public static func voltage(_ node: String, _ reference: String) -> Probe { Probe(.voltage(node.lowercased(), reference.lowercased())) }
    /// I(element).
    public static func current(_ element: String) -> Probe { Probe(.current(element.lowercased())) }
    /// P(element): the power it absorbs.
    public static func power(_ element: String) -> Probe { Probe(.power(element.lowercased())) }
    /// The current into `terminal` of `element` (`"c"`, `"b"`, `"e"` of a BJT; see
    /// `ElementKind.terminalNames`): LTspice's `Ic(Q1)`.
    public static func terminalCurrent(_ element: String, _ terminal: String) -> Probe {
        Probe(.terminalCurrent(element.lowercased(), terminal.lowercased()))
    }
    /// ngspice's `@q1[ic]` (see `Quantity.deviceCurrent`).
    public static func deviceCurrent(_ element: String, _ terminal: String) -> Probe {
        Probe(.deviceCurrent(element.lowercased(), terminal.lowercased()))
    }

    /// The SPICE vector name: `v(out)`, `v(a,b)`, `vdb(out)`, `i(vcc)`, `ip(l1)`, `@q1[ic]`.
    public var description: String {
        switch quantity {
        case let .voltage(a, b): return "v\(view.rawValue)(\(a)\(b.map { ",\($0)" } ?? ""))"
        case let .current(e): return "i\(view.rawValue)(\(e))"
        case let .power(e): return "p(\(e))"
        // LTspice's name for the physical current, ngspice's for its own reading (see `Quantity`).
        case let .terminalCurrent(e, t): return "i\(t)(\(e))"
        case let .deviceCurrent(e, t): return "@\(e)[i\(t)]"
        }
    }

    /// Parses `v(out)`, `vdb(a,b)`, `i(vcc)`, `p(q1)`, `@q1[ic]`, `ic(q1)` and the like; nil if
    /// `text` is not a probe.
    public init?(_ text: String) {
        let t = text.lowercased().filter { $0 != " " }
        if let (element, parameter) = Probe.deviceParameter(t) {
            guard let (quantity, view) = Probe.parseFunction("@" + parameter, [element]) else { return nil }
            self.init(quantity, view: view)
            return
        }
        guard let open = t.firstIndex(of: "("), t.hasSuffix(")") else { return nil }
        let function = String(t[..<open])
        let args = t[t.index(after: open)..<t.index(before: t.endIndex)].split(separator: ",").map(String.init)
        guard (1...2).contains(args.count), args.allSatisfy({ !$0.isEmpty }) else { return nil }
        guard let (quantity, view) = Probe.parseFunction(function, args) else { return nil }
        self.init(quantity, view: view)
    }

    /// ngspice's device parameter `@name[param]` as its two parts (lowercased); nil for other text.
    public static func deviceParameter(_ text: String) -> (element: String, parameter: String)? {
        let t = text.lowercased()
        guard t.hasPrefix("@"), t.hasSuffix("]"), let open = t.firstIndex(of: "[") else { return nil }
        let element = t[t.index(after: t.startIndex)..<open], parameter = t[t.index(after: open)..<t.index(before: t.endIndex)]
        guard !element.isEmpty, !parameter.isEmpty, !parameter.contains("["), !element.contains("]") else { return nil }
        return (String(element), String(parameter))
    }

    /// Interprets a SPICE output function name with its arguments: `v`, `vdb`, `i`, `ip`, `p`, …;
    /// a terminal current as `@ic` (from `@q1[ic]`) or LTspice's `ic`, `ib`, `id`, `ig`, `is`;
    /// ngspice's `@i` and `@p` (from `@c1[i]`, `@q1[p]`) as `i` and `p`.
    static func parseFunction(_ function: String, _ args: [String]) -> (Quantity, View)? {
        if function == "p" || function == "@p" { return args.count == 1 ? (.power(args[0]), .value) : nil }
        // ngspice's @r1[i], @c1[i]: an element's current, as i(r1).
        if function == "@i" { return args.count == 1 ? (.current(args[0]), .value) : nil }
        if function.hasPrefix("@i"), args.count == 1 { return (.deviceCurrent(args[0], String(function.dropFirst(2))), .value) }
        guard let letter = function.first, letter == "v" || letter == "i" else { return nil }
        guard let view = View(rawValue: String(function.dropFirst())) else {
            // LTspice's Ic(Q1), Id(M1): a terminal letter where a view would stand.
            let rest = function.dropFirst()
            if letter == "i", args.count == 1, !rest.isEmpty, rest.allSatisfy(\.isLetter) || rest == "g1" || rest == "g2" {
                return (.terminalCurrent(args[0], String(rest)), .value)
            }
            return nil
        }
        if letter == "v" { return (.voltage(args[0], args.count > 1 ? args[1] : nil), view) }
        guard args.count == 1 else { return nil }
        return (.current(args[0]), view)
    }
}

/// A request to record a probe in one kind of analysis (or in all, when `analysis` is nil).
public struct OutputRequest: Hashable, Sendable {
    /// The analysis the request applies to; nil for every analysis.
    public var analysis: AnalysisKind?
    /// What to record.
    public var probe: Probe

    /// A request for `probe` in `analysis`.
    public init(_ probe: Probe, in analysis: AnalysisKind? = nil) {
        self.probe = probe
        self.analysis = analysis
    }
}
