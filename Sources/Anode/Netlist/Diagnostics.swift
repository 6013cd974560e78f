/// Where a piece of netlist text came from: the file, the 1-based line and the 1-based column.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    /// The file's path as it was given (or `<netlist>` for text without a file).
    public var file: String
    /// 1-based physical line number.
    public var line: Int
    /// 1-based column of the first character.
    public var column: Int

    /// Creates a location.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`, the form compilers and editors understand.
    public var description: String { "\(file):\(line):\(column)" }

    /// The location `offset` characters further along the same line.
    public func advanced(by offset: Int) -> SourceLocation {
        SourceLocation(file: file, line: line, column: column + offset)
    }
}

/// A message about the netlist that does not stop the simulation, such as a model parameter that is
/// accepted but has no effect in Anode.
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible {
    /// Where the construct the message is about was written, when it came from a netlist.
    public var location: SourceLocation?
    /// What is wrong, in one sentence.
    public var message: String

    /// Creates a diagnostic.
    public init(_ message: String, at location: SourceLocation?) {
        self.message = message
        self.location = location
    }

    /// `file:line:column: warning: message`.
    public var description: String {
        if let location { return "\(location): warning: \(message)" }
        return "warning: \(message)"
    }
}

/// An error in a netlist or in a circuit description: it names the place at fault and what is wrong.
public struct NetlistError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Where the offending text was written, when the circuit came from a netlist.
    public var location: SourceLocation?
    /// What is wrong, in one sentence.
    public var message: String

    /// Creates an error.
    public init(_ message: String, at location: SourceLocation?) {
        self.message = message
        self.location = location
    }

    /// `file:line:column: error: message`.
    public var description: String {
        if let location { return "\(location): error: \(message)" }
        return "error: \(message)"
    }
}
