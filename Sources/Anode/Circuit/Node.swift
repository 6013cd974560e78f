/// A circuit node, named as in the netlist. Names are case-insensitive; `0` and `gnd` are ground.
public struct Node: Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The node's name, lowercased; `0` for ground.
    public let name: String

    /// The node called `name`.
    public init(_ name: String) {
        let lower = name.lowercased()
        self.name = lower == "gnd" ? "0" : lower
    }

    /// The node called `value`.
    public init(stringLiteral value: String) { self.init(value) }

    /// The reference node.
    public static let ground = Node("0")

    /// Whether this is the reference node.
    public var isGround: Bool { name == "0" }

    /// Whether this names a branch current, `i(v1)`, as a behavioral source's terminal may.
    public var isBranchCurrent: Bool { name.hasPrefix("i(") && name.hasSuffix(")") }

    /// The name.
    public var description: String { name }
}
