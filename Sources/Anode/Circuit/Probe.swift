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

    /// The SPICE vector name: `v(out)`, `v(a,b)`, `vdb(out)`, `i(vcc)`, `ip(l1)`.
    public var description: String {
        switch quantity {
        case let .voltage(a, b): return "v\(view.rawValue)(\(a)\(b.map { ",\($0)" } ?? ""))"
        case let .current(e): return "i\(view.rawValue)(\(e))"
        case let .power(e): return "p(\(e))"
        }
    }

    /// Parses `v(out)`, `vdb(a,b)`, `i(vcc)`, `p(q1)` and the like; nil if `text` is not a probe.
    public init?(_ text: String) {
        let t = text.lowercased().filter { $0 != " " }
        guard let open = t.firstIndex(of: "("), t.hasSuffix(")") else { return nil }
        let function = String(t[..<open])
        let args = t[t.index(after: open)..<t.index(before: t.endIndex)].split(separator: ",").map(String.init)
        guard (1...2).contains(args.count), args.allSatisfy({ !$0.isEmpty }) else { return nil }
        guard let (quantity, view) = Probe.parseFunction(function, args) else { return nil }
        self.init(quantity, view: view)
    }

    /// Interprets a SPICE output function name with its arguments.
    static func parseFunction(_ function: String, _ args: [String]) -> (Quantity, View)? {
        if function == "p" { return args.count == 1 ? (.power(args[0]), .value) : nil }
        guard let letter = function.first, letter == "v" || letter == "i" else { return nil }
        guard let view = View(rawValue: String(function.dropFirst())) else { return nil }
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
