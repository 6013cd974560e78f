import Foundation

/// One lexical unit of a netlist line.
public struct Token: Hashable, Sendable, CustomStringConvertible {
    /// What kind of text a token holds.
    public enum Kind: Hashable, Sendable {
        /// A name, a number or a keyword: anything up to whitespace or one of `= ( ) ,`.
        case word
        /// `=`
        case equals
        /// `(`
        case leftParen
        /// `)`
        case rightParen
        /// `,`
        case comma
        /// The inside of `{...}` or `'...'`: an expression to evaluate.
        case expression
    }

    /// The token's kind.
    public var kind: Kind
    /// The token's text; for `.expression`, the text between the delimiters.
    public var text: String
    /// Where the token starts.
    public var location: SourceLocation

    /// The text as written, with `{}` around expressions.
    public var description: String { kind == .expression ? "{\(text)}" : text }

    /// The text lowercased, for case-insensitive comparisons.
    public var lowercased: String { text.lowercased() }

    /// True when this is a word equal to `keyword`, ignoring case.
    public func isWord(_ keyword: String) -> Bool {
        kind == .word && text.lowercased() == keyword
    }
}

/// A statement after comments are stripped and `+` continuation lines are joined.
public struct LogicalLine: Sendable {
    /// The statement's tokens, each with its own location.
    public var tokens: [Token]
    /// Where the statement starts.
    public var location: SourceLocation
    /// Whether it comes from a library file included whole by a one-argument `.lib` (LTspice's
    /// way): its model cards yield to cards of the same name in the netlist.
    public var fromLibrary = false
}

/// Splits netlist text into logical lines of tokens.
///
/// - `*` as the first non-blank character makes a whole-line comment; `;` anywhere, and `$` at the
///   start of a line or after whitespace, begin an inline comment.
/// - A line starting with `+` continues the previous statement.
/// - `{...}` and `'...'` are expression tokens; `"..."` quotes a word (for file names).
enum Lexer {
    /// Tokenizes `text`. When `hasTitle` is true the first line is returned as the title, as SPICE
    /// reads the first line of a netlist whatever it holds.
    static func logicalLines(of text: String, file: String, hasTitle: Bool) throws(NetlistError) -> (title: String?, lines: [LogicalLine]) {
        var title: String? = nil
        var result: [LogicalLine] = []
        var lineNumber = 0
        var start = text.startIndex
        var firstLine = true
        while start < text.endIndex {
            let end = text[start...].firstIndex(where: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) ?? text.endIndex
            let physical = text[start..<end]
            lineNumber += 1
            start = end < text.endIndex ? text.index(after: end) : end
            if firstLine && hasTitle {
                firstLine = false
                title = physical.trimmingCharacters(in: .whitespaces)
                continue
            }
            firstLine = false
            let tokens = try tokenize(physical, file: file, line: lineNumber)
            guard let first = tokens.first else { continue }
            if first.kind == .word && first.text.hasPrefix("+") && first.location.column == firstNonBlankColumn(physical) {
                var rest = tokens
                if first.text == "+" {
                    rest.removeFirst()
                } else {
                    rest[0].text.removeFirst()
                    rest[0].location = rest[0].location.advanced(by: 1)
                }
                guard !result.isEmpty else {
                    throw NetlistError("continuation line '+' has no statement to continue", at: first.location)
                }
                result[result.count - 1].tokens.append(contentsOf: rest)
            } else {
                result.append(LogicalLine(tokens: tokens, location: first.location))
            }
        }
        return (title, result)
    }

    private static func firstNonBlankColumn(_ line: Substring) -> Int {
        var column = 1
        for c in line {
            if c != " " && c != "\t" { return column }
            column += 1
        }
        return column
    }

    /// Tokens of one physical line, comments removed. A `*` comment line gives no tokens.
    static func tokenize(_ line: Substring, file: String, line lineNumber: Int) throws(NetlistError) -> [Token] {
        let chars = Array(line)
        var tokens: [Token] = []
        var i = 0
        func location(_ index: Int) -> SourceLocation { SourceLocation(file: file, line: lineNumber, column: index + 1) }
        func isSpace(_ c: Character) -> Bool { c == " " || c == "\t" || c == "\u{0C}" }

        // Whole-line comment.
        if let first = chars.firstIndex(where: { !isSpace($0) }), chars[first] == "*" { return [] }

        while i < chars.count {
            let c = chars[i]
            if isSpace(c) { i += 1; continue }
            if let scalar = c.unicodeScalars.first, scalar.properties.generalCategory == .control {
                throw NetlistError("unexpected control character U+\(String(scalar.value, radix: 16, uppercase: true)) (is this a text file?)", at: location(i))
            }
            if c == "\u{FFFD}" {
                throw NetlistError("invalid character (the file is not UTF-8 or Latin-1 text)", at: location(i))
            }
            if c == ";" { break }
            if c == "$" && (i == 0 || isSpace(chars[i - 1])) { break }
            switch c {
            case "=": tokens.append(Token(kind: .equals, text: "=", location: location(i))); i += 1
            case "(": tokens.append(Token(kind: .leftParen, text: "(", location: location(i))); i += 1
            case ")": tokens.append(Token(kind: .rightParen, text: ")", location: location(i))); i += 1
            case ",": tokens.append(Token(kind: .comma, text: ",", location: location(i))); i += 1
            case "{":
                var depth = 0
                var j = i
                while j < chars.count {
                    if chars[j] == "{" { depth += 1 }
                    if chars[j] == "}" { depth -= 1; if depth == 0 { break } }
                    j += 1
                }
                guard j < chars.count else { throw NetlistError("'{' is never closed on this line", at: location(i)) }
                tokens.append(Token(kind: .expression, text: String(chars[(i + 1)..<j]), location: location(i + 1)))
                i = j + 1
            case "}":
                throw NetlistError("'}' without a matching '{'", at: location(i))
            case "'":
                guard let j = chars[(i + 1)...].firstIndex(of: "'") else {
                    throw NetlistError("quote ' is never closed on this line", at: location(i))
                }
                tokens.append(Token(kind: .expression, text: String(chars[(i + 1)..<j]), location: location(i + 1)))
                i = j + 1
            case "\"":
                guard let j = chars[(i + 1)...].firstIndex(of: "\"") else {
                    throw NetlistError("quote \" is never closed on this line", at: location(i))
                }
                tokens.append(Token(kind: .word, text: String(chars[(i + 1)..<j]), location: location(i + 1)))
                i = j + 1
            default:
                var j = i
                while j < chars.count, !isSpace(chars[j]), !"=(),{};'\"".contains(chars[j]) {
                    if let scalar = chars[j].unicodeScalars.first, scalar.properties.generalCategory == .control {
                        throw NetlistError("unexpected control character U+\(String(scalar.value, radix: 16, uppercase: true)) (is this a text file?)", at: location(j))
                    }
                    j += 1
                }
                tokens.append(Token(kind: .word, text: String(chars[i..<j]), location: location(i)))
                i = j
            }
        }
        return tokens
    }
}
