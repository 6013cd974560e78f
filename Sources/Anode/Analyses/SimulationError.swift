/// A failure of an analysis: the circuit could be read, but it cannot be solved as asked.
public struct SimulationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What failed and where (the node or element at fault, the time or sweep value).
    public var message: String

    /// An error with `message`.
    public init(_ message: String) { self.message = message }

    /// `error: message`.
    public var description: String { "error: \(message)" }
}
