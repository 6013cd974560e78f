import Foundation

extension Netlist {
    /// Reads a netlist from text. `file` names it in error messages; `.include` and `.lib` paths
    /// are resolved against `directory` (the current directory when nil).
    public init(text: String, file: String = "<netlist>", directory: String? = nil) throws(NetlistError) {
        var reader = NetlistReader()
        self = try reader.read(text: text, file: file, directory: directory ?? FileManager.default.currentDirectoryPath)
    }

    /// Reads a netlist file; `.include` and `.lib` paths are relative to the file's folder.
    public init(contentsOfFile path: String) throws(NetlistError) {
        let text = try NetlistReader.load(path, from: nil)
        let directory = (path as NSString).deletingLastPathComponent
        var reader = NetlistReader()
        reader.openFiles = [NetlistReader.canonical(path)]
        self = try reader.read(text: text, file: path, directory: directory.isEmpty ? "." : directory)
    }
}

/// Turns netlist text into `Netlist` statements: reads included files, joins continuation lines,
/// gathers subcircuit bodies and parses the dot commands.
struct NetlistReader {
    var warnings: [Diagnostic] = []
    /// The text of a `.title` line in the body, which replaces the first line as the title.
    var titleStatement: String? = nil
    /// Files being read, outermost first, to catch `.include` loops.
    var openFiles: [String] = []
    /// LTspice libraries named by `.lib` that are not here (see `includeLibrary`).
    var missingLibraries: [String] = []
    /// The netlist's own file (as its locations name it) and the folder its file names are relative to.
    var topFile = "", topDirectory = "."

    /// The model libraries that come with LTspice, which its netlists name by their install path.
    static let ltspiceLibraries: Set<String> = [
        "standard.bjt", "standard.dio", "standard.jft", "standard.mos", "standard.cap", "standard.ind", "standard.res", "standard.bead",
    ]

    /// Element letters Anode knows, with what each is.
    static let elementLetters: Set<Character> = ["r", "c", "l", "k", "v", "i", "e", "f", "g", "h", "b", "d", "q", "j", "m", "s", "w", "x", "a"]

    static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// Reads a file as text, or throws an error naming it. The encodings LTspice reads: UTF-8
    /// (with or without a byte-order mark), UTF-16 (little-endian with or without a byte-order
    /// mark — what LTspice writes for a file with characters beyond its code page — or big-endian
    /// with one), and Latin-1 when the bytes are not UTF-8 (LTspice's older files, whose micro sign
    /// µ is the byte 0xB5).
    static func load(_ path: String, from location: SourceLocation?) throws(NetlistError) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw NetlistError("cannot open '\(path)': no such file", at: location)
        }
        guard !isDirectory.boolValue else { throw NetlistError("cannot read '\(path)': it is a directory", at: location) }
        guard isRegularFile(path) else { throw NetlistError("cannot read '\(path)': not a regular file (a device or a pipe may never end)", at: location) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw NetlistError("cannot read '\(path)'", at: location)
        }
        let bytes = [UInt8](data.prefix(3))
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) || looksLikeUTF16LittleEndian(data) {
            let bigEndian = bytes.starts(with: [0xFE, 0xFF])
            let body = bytes.starts(with: [0xFF, 0xFE]) || bigEndian ? data.dropFirst(2) : data[...]
            guard body.count % 2 == 0, let text = String(data: body, encoding: bigEndian ? .utf16BigEndian : .utf16LittleEndian) else {
                throw NetlistError("'\(path)' looks like UTF-16 text but is not valid UTF-16",
                                   at: location ?? SourceLocation(file: path, line: 1, column: 1))
            }
            return text
        }
        if bytes == [0xEF, 0xBB, 0xBF], let text = String(data: data.dropFirst(3), encoding: .utf8) { return text }  // UTF-8 byte-order mark
        if let text = String(data: data, encoding: .utf8) { return text }
        if let text = String(data: data, encoding: .isoLatin1) { return text }
        throw NetlistError("'\(path)' is not a text file", at: location)
    }

    /// Whether `path` (after its symbolic links) is a regular file: not a device such as
    /// /dev/zero or a pipe, whose reading may never end.
    static func isRegularFile(_ path: String) -> Bool {
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        return (try? FileManager.default.attributesOfItem(atPath: target)[.type] as? FileAttributeType) == .typeRegular
    }

    /// UTF-16 little-endian without a byte-order mark, as LTspice writes it: text whose first
    /// characters are ASCII has a zero in every second byte.
    static func looksLikeUTF16LittleEndian(_ data: Data) -> Bool {
        let pairs = min(data.count / 2, 256)
        guard pairs >= 2, data.count % 2 == 0 else { return false }
        let start = data.startIndex
        var ascii = 0
        for k in 0..<pairs where data[start + 2 * k] != 0 && data[start + 2 * k + 1] == 0 { ascii += 1 }
        return ascii * 10 >= pairs * 9
    }

    mutating func read(text: String, file: String, directory: String) throws(NetlistError) -> Netlist {
        (topFile, topDirectory) = (file, directory)
        let (title, lines) = try Lexer.logicalLines(of: text, file: file, hasTitle: true)
        let expanded = try expand(lines, directory: directory, topLevel: true)
        var index = 0
        let (statements, _) = try parseStatements(expanded, index: &index, inside: nil)
        // `.title TEXT` names the circuit (ngspice's; KiCad writes it as the first line).
        var name = title ?? ""
        if name.lowercased().hasPrefix(".title") && (name.count == 6 || name.dropFirst(6).first?.isWhitespace == true) {
            name = name.dropFirst(6).trimmingCharacters(in: .whitespaces)
        }
        return Netlist(title: titleStatement ?? name, statements: statements, warnings: warnings, missingLibraries: missingLibraries)
    }

    // MARK: Files

    /// Replaces `.include` and `.lib file section` lines by the lines they name and `.control`
    /// blocks by the dot commands they stand for (`ControlBlock`); drops library section
    /// definitions met in passing, and everything after `.end`.
    mutating func expand(_ lines: [LogicalLine], directory: String, topLevel: Bool) throws(NetlistError) -> [LogicalLine] {
        var out: [LogicalLine] = []
        var i = 0
        while i < lines.count {
            let line = lines[i]
            let head = line.tokens[0].lowercased
            switch head {
            case ".end":
                return out
            case ".include", ".inc":
                guard line.tokens.count == 2 else {
                    throw NetlistError("\(head) takes one file name", at: line.location)
                }
                let (path, text) = try open(line.tokens[1], directory: directory)
                let (_, included) = try Lexer.logicalLines(of: text, file: path, hasTitle: false)
                openFiles.append(Self.canonical(path))
                out += try expand(included, directory: (path as NSString).deletingLastPathComponent, topLevel: false)
                openFiles.removeLast()
            case ".lib":
                if line.tokens.count == 2 {
                    // `.lib NAME … .endl` defines a section, skipped when the whole file is read:
                    // then the next `.lib` or `.endl` is its `.endl` (sections do not nest).
                    // Otherwise `.lib FILE` includes a whole library file, as LTspice reads it.
                    let next = lines[(i + 1)...].firstIndex { [".lib", ".endl"].contains($0.tokens[0].lowercased) }
                    if let end = next, lines[end].tokens[0].lowercased == ".endl" {
                        i = end
                    } else {
                        out += try includeLibrary(line.tokens[1], directory: directory)
                    }
                } else if line.tokens.count == 3 {
                    let (path, text) = try open(line.tokens[1], directory: directory)
                    let (_, libraryLines) = try Lexer.logicalLines(of: text, file: path, hasTitle: false)
                    let section = line.tokens[2].lowercased
                    guard let start = libraryLines.firstIndex(where: { $0.tokens.count == 2 && $0.tokens[0].lowercased == ".lib" && $0.tokens[1].lowercased == section }) else {
                        throw NetlistError("library '\(path)' has no section '\(line.tokens[2].text)'", at: line.tokens[2].location)
                    }
                    guard let end = libraryLines[(start + 1)...].firstIndex(where: { $0.tokens[0].lowercased == ".endl" }) else {
                        throw NetlistError(".lib section '\(line.tokens[2].text)' has no .endl", at: libraryLines[start].location)
                    }
                    openFiles.append(Self.canonical(path) + "#" + section)
                    out += try expand(Array(libraryLines[(start + 1)..<end]), directory: (path as NSString).deletingLastPathComponent, topLevel: false)
                    openFiles.removeLast()
                } else {
                    throw NetlistError(".lib takes a file name and a section name", at: line.location)
                }
            case ".endl":
                break
            case ".control":
                guard let end = lines[(i + 1)...].firstIndex(where: { $0.tokens[0].lowercased == ".endc" }) else {
                    throw NetlistError(".control block has no .endc", at: line.location)
                }
                let block = ControlBlock(Array(lines[(i + 1)..<end]), at: line.location)
                warnings += block.warnings
                out += block.lines
                i = end
            case ".endc":
                throw NetlistError(".endc without .control", at: line.location)
            default:
                out.append(line)
            }
            i += 1
        }
        return out
    }

    /// The lines of a library file named by a one-argument `.lib` (LTspice's include of a whole
    /// library), marked `fromLibrary`. LTspice writes its install path (`C:\…\lib\cmp\standard.bjt`),
    /// looked for by its file name in the netlist's folder (`resolve`); LTspice's own libraries that
    /// are not there either are skipped with a warning.
    mutating func includeLibrary(_ token: Token, directory: String) throws(NetlistError) -> [LogicalLine] {
        let fileName = String(token.text.split(whereSeparator: { $0 == "\\" || $0 == "/" }).last ?? "")
        if !FileManager.default.fileExists(atPath: Self.resolve(token.text, in: directory)) && Self.ltspiceLibraries.contains(fileName.lowercased()) {
            warnings.append(Diagnostic("LTspice's library \(fileName) is not here and was skipped: models it would supply must be in the netlist or an .include", at: token.location))
            missingLibraries.append(fileName)
            return []
        }
        let (path, text) = try open(token, directory: directory)
        let (_, lines) = try Lexer.logicalLines(of: text, file: path, hasTitle: false)
        openFiles.append(Self.canonical(path))
        defer { openFiles.removeLast() }
        return try expand(lines, directory: (path as NSString).deletingLastPathComponent, topLevel: false).map {
            var line = $0
            line.fromLibrary = true
            return line
        }
    }

    /// The path of an included file: `name` against the including file's folder. A Windows path
    /// (`C:\…\parts.lib`, as LTspice writes them) that is not here is looked for by its file name
    /// in that folder.
    static func resolve(_ name: String, in directory: String) -> String {
        var name = name
        if name.hasPrefix("~/") { name = NSHomeDirectory() + name.dropFirst() }
        let path = name.hasPrefix("/") ? name : (directory as NSString).appendingPathComponent(name)
        if name.contains("\\") && !FileManager.default.fileExists(atPath: path),
           let fileName = name.split(separator: "\\").last {
            let local = (directory as NSString).appendingPathComponent(String(fileName))
            if FileManager.default.fileExists(atPath: local) { return local }
        }
        return path
    }

    /// A file named on a line at `location` (an audio file of `wavefile=` or `.wave`), resolved as
    /// an included file is: against the folder of the file that line is in.
    func resolveFileName(_ token: Token) -> Token {
        let folder = token.location.file == topFile ? topDirectory : (token.location.file as NSString).deletingLastPathComponent
        var resolved = token
        resolved.text = Self.resolve(token.text, in: folder.isEmpty ? "." : folder)
        return resolved
    }

    /// Resolves an include path against the including file's folder (`resolve`) and reads it.
    mutating func open(_ token: Token, directory: String) throws(NetlistError) -> (String, String) {
        let path = Self.resolve(token.text, in: directory)
        let canonicalPath = Self.canonical(path)
        if openFiles.contains(where: { $0 == canonicalPath || $0.hasPrefix(canonicalPath + "#") }) {
            throw NetlistError("'\(token.text)' includes itself (include loop)", at: token.location)
        }
        guard openFiles.count < 64 else { throw NetlistError("includes nested more than 64 deep", at: token.location) }
        return (path, try Self.load(path, from: token.location))
    }

    // MARK: Statements

    /// Parses lines from `index` until the end (top level) or the `.ends` closing `inside`; in a
    /// branch of a `.if` block (`conditional`), until its `.elseif`, `.else` or `.endif`, which is
    /// returned as `end` (nil at the end of the lines).
    mutating func parseStatements(_ lines: [LogicalLine], index: inout Int, inside subcircuit: (name: String, location: SourceLocation)?,
                                  conditional: Bool = false) throws(NetlistError) -> (statements: [Statement], end: LogicalLine?) {
        var statements: [Statement] = []
        while index < lines.count {
            let line = lines[index]
            index += 1
            let first = line.tokens[0]
            guard first.kind == .word else {
                throw NetlistError("a statement must start with an element name or a dot command, not '\(first.text)'", at: first.location)
            }
            let head = first.lowercased
            if head.hasPrefix(".") {
                switch head {
                case ".subckt":
                    statements.append(try parseSubcircuit(line, lines: lines, index: &index))
                case ".ends":
                    guard let subcircuit else { throw NetlistError(".ends without .subckt", at: first.location) }
                    if conditional { throw NetlistError(".ends inside a .if block: close the block with .endif first", at: first.location) }
                    if line.tokens.count > 1, line.tokens[1].lowercased != subcircuit.name {
                        throw NetlistError(".ends \(line.tokens[1].text) closes .subckt \(subcircuit.name)", at: line.tokens[1].location)
                    }
                    return (statements, line)
                case ".if":
                    statements.append(try parseConditional(line, lines: lines, index: &index, inside: subcircuit))
                case ".elseif", ".else", ".endif":
                    guard conditional else { throw NetlistError("\(first.text) without .if", at: first.location) }
                    return (statements, line)
                default:
                    guard let statement = try parseCommand(line) else { break }
                    if subcircuit != nil, case .command(let command) = statement.kind {
                        if case .global = command {} else {
                            throw NetlistError("\(first.text) cannot appear inside a .subckt (analysis and control statements belong at the top level)", at: first.location)
                        }
                    }
                    statements.append(statement)
                }
                continue
            }
            guard let letter = head.first, Self.elementLetters.contains(letter) else {
                if let letter = head.first, let kind = Self.unsupportedElements[letter] {
                    throw NetlistError("\(first.text): \(kind) are not supported by Anode", at: first.location)
                }
                throw NetlistError("unknown element type '\(first.text.prefix(1))' in '\(first.text)'", at: first.location)
            }
            var arguments = Array(line.tokens.dropFirst())
            // LTspice's `wavefile=FILE` on a source and a PWL's `file=FILE` (PSpice: `FILE NAME`)
            // name files relative to the netlist's folder.
            if letter == "v" || letter == "i" {
                for k in arguments.indices.dropLast(2) where arguments[k].isWord("wavefile") && arguments[k + 1].kind == .equals {
                    arguments[k + 2] = resolveFileName(arguments[k + 2])
                }
                if let pwl = arguments.firstIndex(where: { $0.isWord("pwl") }) {
                    for k in (pwl + 1)..<arguments.count where arguments[k].isWord("file") {
                        let name = k + 1 < arguments.count && arguments[k + 1].kind == .equals ? k + 2 : k + 1
                        if name < arguments.count, arguments[name].kind == .word { arguments[name] = resolveFileName(arguments[name]) }
                    }
                }
            }
            statements.append(Statement(kind: .element(ElementLine(name: first.text, arguments: arguments, location: first.location)), location: first.location))
        }
        if let subcircuit, !conditional {
            throw NetlistError(".subckt \(subcircuit.name) has no .ends", at: subcircuit.location)
        }
        return (statements, nil)
    }

    /// A `.if (condition)` block from its first line to its `.endif`, with its `.elseif (condition)`
    /// and `.else` branches; blocks nest.
    mutating func parseConditional(_ line: LogicalLine, lines: [LogicalLine], index: inout Int,
                                   inside subcircuit: (name: String, location: SourceLocation)?) throws(NetlistError) -> Statement {
        func condition(_ l: LogicalLine) throws(NetlistError) -> ValueText {
            let tokens = l.tokens.dropFirst()
            guard let start = tokens.first else { throw NetlistError("\(l.tokens[0].text) needs a condition, such as (gain > 1)", at: l.location) }
            return ValueText(text: Self.expressionText(tokens), isExpression: true, location: start.location)
        }
        var branches: [ConditionalBranch] = []
        var current: ValueText? = try condition(line)
        var sawElse = false
        while true {
            let (body, end) = try parseStatements(lines, index: &index, inside: subcircuit, conditional: true)
            branches.append(ConditionalBranch(condition: current, statements: body))
            guard let end else { throw NetlistError(".if without .endif", at: line.location) }
            let word = end.tokens[0]
            switch word.lowercased {
            case ".elseif":
                if sawElse { throw NetlistError(".elseif after .else", at: word.location) }
                current = try condition(end)
            case ".else":
                if sawElse { throw NetlistError("a second .else in one .if block", at: word.location) }
                if end.tokens.count > 1 { throw NetlistError("unexpected '\(end.tokens[1].text)' after .else (write .elseif for a condition)", at: end.tokens[1].location) }
                sawElse = true
                current = nil
            default:  // .endif
                return Statement(kind: .conditional(branches), location: line.location)
            }
        }
    }

    mutating func parseSubcircuit(_ line: LogicalLine, lines: [LogicalLine], index: inout Int) throws(NetlistError) -> Statement {
        let tokens = line.tokens
        guard tokens.count >= 2, tokens[1].kind == .word else {
            throw NetlistError(".subckt needs a name", at: line.location)
        }
        let name = tokens[1].lowercased
        var ports: [Token] = []
        var i = 2
        while i < tokens.count {
            let t = tokens[i]
            if t.isWord("params:") { i += 1; break }
            if i + 1 < tokens.count, tokens[i + 1].kind == .equals { break }
            guard t.kind == .word else { throw NetlistError("unexpected '\(t.text)' among the ports of .subckt \(name)", at: t.location) }
            if ports.contains(where: { $0.lowercased == t.lowercased }) {
                throw NetlistError("port '\(t.text)' appears twice in .subckt \(name)", at: t.location)
            }
            ports.append(t)
            i += 1
        }
        let parameters = try parseAssignments(Array(tokens[i...]), context: ".subckt \(name)", expressions: true)
        let (body, _) = try parseStatements(lines, index: &index, inside: (name, line.location))
        return Statement(kind: .subcircuit(SubcircuitDefinition(name: name, ports: ports, parameters: parameters, body: body, location: line.location,
                                                                fromLibrary: line.fromLibrary)), location: line.location)
    }

    /// Parses `name = value` pairs (commas between them allowed). With `expressions`, a value may
    /// run over several tokens (`.param x = 2 * y`) and is always read as an expression.
    func parseAssignments(_ tokens: [Token], context: String, expressions: Bool, allowFlags: Bool = false) throws(NetlistError) -> [Assignment] {
        var result: [Assignment] = []
        var i = 0
        while i < tokens.count {
            let t = tokens[i]
            if t.kind == .comma { i += 1; continue }
            guard t.kind == .word else {
                throw NetlistError("expected a parameter name in \(context), found '\(t.description)'", at: t.location)
            }
            guard i + 1 < tokens.count, tokens[i + 1].kind == .equals else {
                if allowFlags {
                    result.append(Assignment(name: t.lowercased, value: nil, location: t.location))
                    i += 1
                    continue
                }
                throw NetlistError("expected '=' after '\(t.text)' in \(context)", at: i + 1 < tokens.count ? tokens[i + 1].location : t.location.advanced(by: t.text.count))
            }
            guard i + 2 < tokens.count else {
                throw NetlistError("missing value after '\(t.text)=' in \(context)", at: tokens[i + 1].location)
            }
            // The value runs to the next `name =` or top-level comma (or to the end).
            if expressions {
                var end = i + 3
                while end < tokens.count, parenthesisDepth(tokens[(i + 2)..<end]) != 0
                        || !(tokens[end].kind == .comma || (tokens[end].kind == .word && end + 1 < tokens.count && tokens[end + 1].kind == .equals
                                                            && !Self.isComparison(tokens, at: end + 1))) {
                    end += 1
                }
                let slice = tokens[(i + 2)..<end]
                let value: ValueText
                if slice.count == 1 {
                    value = ValueText(text: slice.first!.text, isExpression: true, location: slice.first!.location)
                } else {
                    value = ValueText(text: Self.expressionText(slice), isExpression: true, location: slice.first!.location)
                }
                result.append(Assignment(name: t.lowercased, value: value, location: t.location))
                i = end
            } else {
                let v = tokens[i + 2]
                guard v.kind == .word || v.kind == .expression else {
                    throw NetlistError("expected a value after '\(t.text)=' in \(context), found '\(v.text)'", at: v.location)
                }
                result.append(Assignment(name: t.lowercased, value: ValueText(v), location: t.location))
                i += 3
            }
        }
        return result
    }

    /// Whether the `=` token at `index` belongs to a comparison (`==`, `<=`, `>=`, `!=`): written
    /// against another `=` or after a word that ends in `<`, `>` or `!`. The lexer splits
    /// `x==1` into `x`, `=`, `=`, `1`, so an unbraced `.param y = x==1 ? 2 : 3` needs this to tell
    /// its comparison from the start of the next assignment.
    static func isComparison(_ tokens: [Token], at index: Int) -> Bool {
        func adjacent(_ a: Token, _ b: Token) -> Bool {
            a.location.line == b.location.line && a.location.column + a.text.count == b.location.column
        }
        let t = tokens[index]
        if index + 1 < tokens.count, tokens[index + 1].kind == .equals, adjacent(t, tokens[index + 1]) { return true }
        guard index > 0 else { return false }
        let before = tokens[index - 1]
        if before.kind == .equals, adjacent(before, t) { return true }
        return before.kind == .word && adjacent(before, t) && ["<", ">", "!"].contains(before.text.last)
    }

    /// The text of an unbraced expression written over several tokens: tokens written against each
    /// other stay together (`==`, `>=`), others are separated by a space; a braced or quoted part
    /// is parenthesized.
    static func expressionText(_ tokens: ArraySlice<Token>) -> String {
        var text = ""
        var previous: Token?
        for t in tokens {
            if let p = previous, !(p.kind != .expression && t.kind != .expression && p.location.line == t.location.line
                                   && p.location.column + p.text.count == t.location.column) {
                text += " "
            }
            text += t.kind == .expression ? "(\(t.text))" : t.text
            previous = t
        }
        return text
    }

    private func parenthesisDepth(_ tokens: ArraySlice<Token>) -> Int {
        var depth = 0
        for t in tokens {
            if t.kind == .leftParen { depth += 1 }
            if t.kind == .rightParen { depth -= 1 }
        }
        return depth
    }

    /// A value token (number, name or expression), or an error naming what was expected.
    func value(_ tokens: [Token], _ i: Int, _ what: String, after line: LogicalLine) throws(NetlistError) -> ValueText {
        guard i < tokens.count else {
            throw NetlistError("\(tokens[0].text) is missing \(what)", at: line.tokens.last.map { $0.location.advanced(by: $0.text.count + 1) } ?? line.location)
        }
        let t = tokens[i]
        guard t.kind == .word || t.kind == .expression else {
            throw NetlistError("expected \(what), found '\(t.text)'", at: t.location)
        }
        return ValueText(t)
    }

    /// `.step [lin|dec|oct] ITEM start stop increment`, `.step ITEM list v1 v2 …` (the spacing
    /// may also follow the item, as `.step param r dec 1k 100k 5`); ITEM is `param NAME`, `temp`,
    /// a source name, or `TYPE MODEL(PARAMETER)`.
    func stepText(_ tokens: [Token], at loc: SourceLocation) throws(NetlistError) -> StepText {
        var i = 1
        var spacing: StepText.Spacing? = nil
        func readSpacing() {
            if i < tokens.count, tokens[i].kind == .word, let s = StepText.Spacing(rawValue: tokens[i].lowercased) {
                spacing = s
                i += 1
            }
        }
        readSpacing()
        guard i < tokens.count, tokens[i].kind == .word else {
            throw NetlistError(".step needs what it sweeps: param NAME, temp, a source or TYPE MODEL(PARAMETER)", at: i < tokens.count ? tokens[i].location : loc)
        }
        let item = tokens[i]
        let target: StepTarget
        let modelTypes: Set<String> = ["d", "npn", "pnp", "njf", "pjf", "nmos", "pmos", "vdmos", "sw", "csw", "vswitch", "iswitch"]
        if item.isWord("param") {
            guard i + 1 < tokens.count, tokens[i + 1].kind == .word else { throw NetlistError(".step param needs a parameter name", at: item.location) }
            target = .parameter(tokens[i + 1].lowercased)
            i += 2
        } else if item.isWord("temp") {
            target = .temperature
            i += 1
        } else if modelTypes.contains(item.lowercased) {
            guard i + 4 < tokens.count, tokens[i + 1].kind == .word, tokens[i + 2].kind == .leftParen,
                  tokens[i + 3].kind == .word, tokens[i + 4].kind == .rightParen else {
                throw NetlistError(".step \(item.text) needs a model and its parameter, as MODEL(PARAMETER)", at: item.location)
            }
            target = .modelParameter(model: tokens[i + 1].lowercased, parameter: tokens[i + 3].lowercased)
            i += 5
        } else if let first = item.lowercased.first, first == "v" || first == "i" {
            target = .source(item.text)
            i += 1
        } else {
            throw NetlistError(".step cannot sweep '\(item.text)': it sweeps param NAME, temp, an independent source (V…, I…) or TYPE MODEL(PARAMETER)", at: item.location)
        }
        if spacing == nil { readSpacing() }
        var values: [ValueText] = []
        for t in tokens[i...] {
            if t.kind == .comma { continue }
            guard t.kind == .word || t.kind == .expression else { throw NetlistError("unexpected '\(t.text)' in .step", at: t.location) }
            values.append(ValueText(t))
        }
        let s = spacing ?? .linear
        if s == .list {
            guard !values.isEmpty else { throw NetlistError(".step … list needs at least one value", at: loc) }
        } else if values.count != 3 {
            throw NetlistError(".step needs a start, a stop and \(s == .linear ? "an increment" : "points per \(s == .decade ? "decade" : "octave")") (or list and values)",
                               at: values.count > 3 ? values[3].location : loc)
        }
        return StepText(target: target, spacing: s, values: values, location: loc)
    }

    mutating func parseCommand(_ line: LogicalLine) throws(NetlistError) -> Statement? {
        let tokens = line.tokens
        let head = tokens[0].lowercased
        let loc = line.location
        func statement(_ command: Command) -> Statement { Statement(kind: .command(command), location: loc) }
        func noArguments() throws(NetlistError) {
            if tokens.count > 1 { throw NetlistError("\(head) takes no arguments", at: tokens[1].location) }
        }
        switch head {
        case ".model":
            return try parseModel(line)
        case ".param", ".params":
            let assignments = try parseAssignments(Array(tokens.dropFirst()), context: ".param", expressions: true)
            guard !assignments.isEmpty else { throw NetlistError(".param needs at least one name=value", at: loc) }
            return Statement(kind: .parameters(assignments), location: loc)
        case ".func":
            return try parseFunction(line)
        case ".op":
            try noArguments()
            return statement(.op)
        case ".dc":
            var sweeps: [SweepText] = []
            var i = 1
            while i < tokens.count {
                guard tokens[i].kind == .word else { throw NetlistError("expected a source name in .dc", at: tokens[i].location) }
                sweeps.append(SweepText(source: tokens[i], start: try value(tokens, i + 1, "a start value", after: line),
                                        stop: try value(tokens, i + 2, "a stop value", after: line),
                                        step: try value(tokens, i + 3, "an increment", after: line)))
                i += 4
            }
            guard !sweeps.isEmpty else { throw NetlistError(".dc needs a source, a start, a stop and an increment", at: loc) }
            guard sweeps.count <= 2 else { throw NetlistError(".dc sweeps at most two sources", at: sweeps[2].source.location) }
            return statement(.dc(sweeps))
        case ".ac":
            guard tokens.count == 5 else {
                throw NetlistError(".ac takes dec|oct|lin, a number of points, a start and a stop frequency", at: loc)
            }
            guard ["dec", "oct", "lin"].contains(tokens[1].lowercased) else {
                throw NetlistError(".ac sweep must be dec, oct or lin, not '\(tokens[1].text)'", at: tokens[1].location)
            }
            return statement(.ac(variation: tokens[1], points: try value(tokens, 2, "a number of points", after: line),
                                 start: try value(tokens, 3, "a start frequency", after: line), stop: try value(tokens, 4, "a stop frequency", after: line)))
        case ".tran", ".tran/op":
            // PSpice's `.TRAN/OP` also prints the bias point in detail (Anode's `.op` does), and
            // its SKIPBP skips the bias point: SPICE's UIC.
            var values: [ValueText] = []
            var uic = false, startup = false
            for t in tokens.dropFirst() {
                if t.isWord("uic") || t.isWord("skipbp") { uic = true; continue }
                if t.isWord("startup") && !values.isEmpty { startup = true; continue }
                if !values.isEmpty, let modifier = ["steady", "nodiscard", "step"].first(where: { t.isWord($0) }) {
                    throw NetlistError(".tran \(modifier) is LTspice's, for its switching-regulator macromodels' steady-state detection, "
                                       + "which Anode does not have: remove it", at: t.location)
                }
                if uic || startup { throw NetlistError("unexpected '\(t.text)' after \(uic ? "uic" : "startup")", at: t.location) }
                guard t.kind == .word || t.kind == .expression else { throw NetlistError("unexpected '\(t.text)' in .tran", at: t.location) }
                values.append(ValueText(t))
            }
            guard (1...4).contains(values.count) else {
                throw NetlistError(".tran takes tstep tstop [tstart [tmax]] [uic] [startup] (or LTspice's tstop alone)", at: loc)
            }
            return statement(.tran(values: values, uic: uic, startup: startup))
        case ".print", ".plot":
            if head == ".plot" {
                warnings.append(Diagnostic(".plot is read as .print (Anode writes CSV; use `anode plot` for pictures)", at: loc))
            }
            if tokens.count >= 2, ["noise", "tf", "pz"].contains(tokens[1].lowercased) {
                // ngspice's `.print noise onoise_spectrum`, `.print pz all`: what those analyses
                // compute is written whole.
                warnings.append(Diagnostic("\(head) \(tokens[1].lowercased) is not needed: Anode writes the \(tokens[1].lowercased == "noise" ? "noise spectra and totals" : tokens[1].lowercased == "tf" ? "transfer function and its impedances" : "poles and zeros") by itself", at: loc))
                return nil
            }
            guard tokens.count >= 2, ["tran", "ac", "dc", "op"].contains(tokens[1].lowercased) else {
                throw NetlistError("\(head) needs an analysis type (tran, ac, dc or op) before the outputs", at: tokens.count > 1 ? tokens[1].location : loc)
            }
            let outputs = Array(tokens.dropFirst(2))
            let (probes, all) = try parseProbes(head == ".plot" ? Self.plottedOutputs(outputs) : outputs)
            return statement(.outputs(analysis: tokens[1].lowercased, probes: probes, all: all, allCurrents: false))
        case ".probe", ".save":
            var rest = Array(tokens.dropFirst())
            var analysis: String? = nil
            if let first = rest.first, ["tran", "ac", "dc", "op"].contains(first.lowercased), rest.count > 1, rest[1].kind != .leftParen {
                analysis = first.lowercased
                rest.removeFirst()
            }
            // ngspice: `.probe alli`, and a `.probe` with nothing after it, record every element's
            // current besides the node voltages (`.save all`).
            var allCurrents = head == ".probe" && rest.isEmpty
            var wildcardVoltages = false
            if head == ".probe" {
                rest.removeAll { t in
                    guard t.isWord("alli") else { return false }
                    allCurrents = true
                    return true
                }
                // PSpice's wildcards: `V(*)` every node voltage, `I(*)` every current; its powers,
                // digital states and noise (`W(*)`, `D(*)`, `NOISE(*)`) have no counterpart here.
                var k = 0
                while k + 3 < rest.count {
                    guard rest[k].kind == .word, rest[k + 1].kind == .leftParen, rest[k + 2].isWord("*"), rest[k + 3].kind == .rightParen else {
                        k += 1
                        continue
                    }
                    switch rest[k].lowercased {
                    case "v": wildcardVoltages = true
                    case "i": allCurrents = true
                    default:
                        warnings.append(Diagnostic(".probe \(rest[k].text)(*) (PSpice's) has no counterpart in Anode and was ignored", at: rest[k].location))
                    }
                    rest.removeSubrange(k..<(k + 4))
                }
            }
            let (probes, all) = try parseProbes(rest)
            return statement(.outputs(analysis: analysis, probes: probes, all: all || allCurrents || wildcardVoltages, allCurrents: allCurrents))
        case ".options", ".option", ".opt", ".opts":
            return statement(.options(try parseAssignments(Array(tokens.dropFirst()), context: head, expressions: false, allowFlags: true)))
        case ".ic", ".nodeset":
            var pairs: [NodeValueText] = []
            var i = 1
            while i < tokens.count {
                // v ( node ) = value
                guard i + 5 < tokens.count, tokens[i].isWord("v"), tokens[i + 1].kind == .leftParen, tokens[i + 2].kind == .word,
                      tokens[i + 3].kind == .rightParen, tokens[i + 4].kind == .equals else {
                    throw NetlistError("\(head) expects v(node)=value", at: tokens[i].location)
                }
                pairs.append(NodeValueText(node: tokens[i + 2], value: try value(tokens, i + 5, "a value", after: line)))
                i += 6
            }
            guard !pairs.isEmpty else { throw NetlistError("\(head) expects v(node)=value", at: loc) }
            return statement(head == ".ic" ? .initialConditions(pairs) : .nodeset(pairs))
        case ".global":
            return statement(.global(Array(tokens.dropFirst())))
        case ".pot", ".varres":
            // Anode's controls: `.pot NAME end wiper end R=… [taper=lin|log] [position=…]`,
            // `.varres NAME a b R=… [min=…] [taper=…] [position=…]`.
            guard tokens.count >= 2, tokens[1].kind == .word else {
                throw NetlistError("\(head) needs a name", at: loc)
            }
            var line = ElementLine(name: tokens[1].text, arguments: Array(tokens.dropFirst(2)), location: tokens[1].location)
            line.directive = String(head.dropFirst())
            return Statement(kind: .element(line), location: loc)
        case ".temp":
            guard tokens.count >= 2 else { throw NetlistError(".temp needs a temperature", at: loc) }
            let values = try (1..<tokens.count).filter { tokens[$0].kind != .comma }.map { (i: Int) throws(NetlistError) in try value(tokens, i, "a temperature", after: line) }
            // SPICE2's `.temp T1 T2 …` runs every analysis at each: LTspice's `.step temp list T1 T2 …`.
            if values.count > 1 { return statement(.step(StepText(target: .temperature, spacing: .list, values: values, location: loc))) }
            return statement(.temperature(values[0]))
        case ".step":
            return statement(.step(try stepText(tokens, at: loc)))
        case ".wave":
            // LTspice's `.wave FILE NBITS RATE V(out) [V(out2) …]`.
            guard tokens.count >= 5, tokens[1].kind == .word, tokens[2].kind != .equals, tokens[3].kind != .equals else {
                throw NetlistError(".wave takes a file name, the bits per sample, the sample rate and the outputs, as in .wave out.wav 16 48k V(out)", at: loc)
            }
            let (probes, all) = try parseProbes(Array(tokens.dropFirst(4)))
            if all { throw NetlistError(".wave names its outputs; 'all' is not one", at: tokens[4].location) }
            return statement(.wave(file: resolveFileName(tokens[1]), bits: ValueText(tokens[2]), rate: ValueText(tokens[3]), probes: probes))
        case ".backanno":
            warnings.append(Diagnostic(".backanno (LTspice's note to label its schematic with currents) has no effect here and was ignored", at: loc))
            return nil
        case ".meas", ".measure":
            // LTspice may leave the analysis out: `.meas NAME …` measures the netlist's one analysis.
            let named = tokens.count > 1 && ["tran", "ac", "dc", "op", "tf", "noise"].contains(tokens[1].lowercased)
            let first = named ? 2 : 1
            guard tokens.count >= first + 2, tokens[1].kind == .word, tokens[first].kind == .word else {
                throw NetlistError("\(head) takes an analysis (tran, ac or dc), a name and what to measure", at: loc)
            }
            return statement(.measure(analysis: named ? tokens[1] : nil, name: tokens[first], arguments: Array(tokens.dropFirst(first + 1))))
        case ".four", ".fourier":
            guard tokens.count >= 3, tokens[1].kind == .word || tokens[1].kind == .expression else {
                throw NetlistError("\(head) takes a fundamental frequency and the outputs to analyse", at: loc)
            }
            let (probes, all) = try parseProbes(Array(tokens.dropFirst(2)))
            if all { throw NetlistError("\(head) names its outputs; 'all' is not one", at: tokens[2].location) }
            return statement(.fourier(frequency: ValueText(tokens[1]), probes: probes))
        case ".tf":
            let usage = ".tf takes one output and an independent source, as in .tf v(out) Vin"
            guard tokens.count >= 3, let source = tokens.last, source.kind == .word else { throw NetlistError(usage, at: loc) }
            let (probes, all) = try parseProbes(Array(tokens.dropFirst().dropLast()))
            guard !all, probes.count == 1 else { throw NetlistError(usage, at: loc) }
            return statement(.transferFunction(output: probes[0], source: source))
        case ".noise":
            // .noise v(out[,ref]) SRC dec|oct|lin N fstart fstop [points per summary]
            let usage = ".noise takes an output voltage, an input source and a sweep, as in .noise v(out) Vin dec 10 10 100k"
            var i = 1
            guard tokens.count > 2, tokens[1].kind == .word, tokens[2].kind == .leftParen else { throw NetlistError(usage, at: loc) }
            let output = try ProbeText.parse(tokens, at: &i)
            let rest = Array(tokens[i...])
            if (rest.count == 1 || rest.count == 2), rest[0].kind == .word, rest.count == 1 || SpiceNumber.parse(rest[1].text) != nil {
                // PSpice: `.NOISE V(out) SRC [interval]`, over the `.ac` statement's frequencies.
                if rest.count == 2 {
                    warnings.append(Diagnostic(".noise's print interval (PSpice's per-device tables) is not printed; the totals per element are", at: rest[1].location))
                }
                return statement(.noise(output: output, source: rest[0], variation: nil, points: nil, start: nil, stop: nil))
            }
            guard rest.count == 5 || rest.count == 6, rest[0].kind == .word, rest[1].kind == .word,
                  ["dec", "oct", "lin"].contains(rest[1].lowercased) else { throw NetlistError(usage, at: rest.first?.location ?? loc) }
            if rest.count == 6 {
                warnings.append(Diagnostic(".noise's points per summary (ngspice's per-device tables) are not printed; the totals per element are", at: rest[5].location))
            }
            return statement(.noise(output: output, source: rest[0], variation: rest[1], points: ValueText(rest[2]), start: ValueText(rest[3]), stop: ValueText(rest[4])))
        case ".title":
            titleStatement = tokens.dropFirst().map(\.text).joined(separator: " ")
            return nil
        case ".pz":
            let usage = ".pz takes the input's two nodes, the output's two nodes, vol or cur, and pol, zer or pz, as in .pz in 0 out 0 vol pz"
            guard tokens.count == 7, tokens[1...].allSatisfy({ $0.kind == .word }),
                  ["vol", "cur"].contains(tokens[5].lowercased), ["pol", "zer", "pz"].contains(tokens[6].lowercased) else {
                throw NetlistError(usage, at: tokens.count > 1 ? tokens[1].location : loc)
            }
            return statement(.poleZero(nodes: Array(tokens[1...4]), input: tokens[5], kind: tokens[6]))
        case ".width", ".csparam", ".disto", ".sens":
            warnings.append(Diagnostic("\(head) is not supported by Anode and was ignored", at: loc))
            return nil
        default:
            throw NetlistError("unknown command '\(tokens[0].text)'", at: loc)
        }
    }

    /// Element letters of other SPICE programs that Anode does not have, by what they are.
    static let unsupportedElements: [Character: String] = [
        "t": "transmission lines (T)", "o": "lossy transmission lines (O)", "u": "RC lines (U)", "y": "transmission lines (Y)",
    ]

    /// The outputs of a `.plot` line without what only shapes the plot: SPICE2's limits after an
    /// output, `v(4) (0,5)`, and ngspice's plot options (`xlog`, `ylimit 0 5`, …).
    static func plottedOutputs(_ tokens: [Token]) -> [Token] {
        var out: [Token] = []
        var i = 0
        while i < tokens.count {
            let t = tokens[i]
            if t.kind == .word, let count = ControlBlock.plotOptions[t.lowercased] {
                i += 1 + count
            } else if t.kind == .leftParen, out.last?.kind != .word {
                while i < tokens.count, tokens[i].kind != .rightParen { i += 1 }
                i += 1
            } else {
                out.append(t)
                i += 1
            }
        }
        return out
    }

    /// `v(out) v(a,b) i(vcc) vdb(out)`; a bare name means its node voltage; `all` (and ngspice's
    /// `allv`) asks for every node.
    func parseProbes(_ tokens: [Token]) throws(NetlistError) -> ([ProbeText], Bool) {
        var probes: [ProbeText] = []
        var all = false
        var i = 0
        while i < tokens.count {
            let t = tokens[i]
            if t.kind == .comma { i += 1; continue }
            guard t.kind == .word else { throw NetlistError("expected an output such as v(node), found '\(t.text)'", at: t.location) }
            if t.isWord("all") || t.isWord("allv") { all = true; i += 1; continue }
            if let parameter = ProbeText.deviceParameter(t) { probes.append(parameter); i += 1; continue }
            if i + 1 < tokens.count, tokens[i + 1].kind == .leftParen {
                probes.append(try ProbeText.parse(tokens, at: &i))
            } else {
                probes.append(ProbeText(function: "v", arguments: [t], location: t.location))
                i += 1
            }
        }
        return (probes, all)
    }

    /// `.func NAME(a, b) {body}`, also with `=` before the body.
    func parseFunction(_ line: LogicalLine) throws(NetlistError) -> Statement {
        let t = line.tokens
        let usage = ".func takes a name, its arguments in parentheses and a {body}: .func f(x, y) {x*y}"
        guard t.count >= 5, t[1].kind == .word, t[2].kind == .leftParen else {
            throw NetlistError(usage, at: t.count > 1 ? t[1].location : line.location)
        }
        var arguments: [String] = []
        var i = 3
        while i < t.count, t[i].kind != .rightParen {
            if t[i].kind == .comma { i += 1; continue }
            guard t[i].kind == .word else { throw NetlistError("unexpected '\(t[i].text)' among the arguments of .func \(t[1].text)", at: t[i].location) }
            let name = t[i].lowercased
            if arguments.contains(name) { throw NetlistError(".func \(t[1].text) names argument '\(t[i].text)' twice", at: t[i].location) }
            arguments.append(name)
            i += 1
        }
        guard i < t.count else { throw NetlistError("the arguments of .func \(t[1].text) are never closed", at: t[2].location) }
        i += 1
        if i < t.count, t[i].kind == .equals { i += 1 }
        guard i == t.count - 1, t[i].kind == .expression || t[i].kind == .word else {
            throw NetlistError(usage, at: i < t.count ? t[i].location : line.location)
        }
        let body = ValueText(text: t[i].text, isExpression: true, location: t[i].location)
        return Statement(kind: .function(FunctionDefinition(name: t[1].lowercased, arguments: arguments, body: body, location: line.location)), location: line.location)
    }

    mutating func parseModel(_ line: LogicalLine) throws(NetlistError) -> Statement {
        var tokens = line.tokens
        guard tokens.count >= 3, tokens[1].kind == .word, tokens[2].kind == .word else {
            throw NetlistError(".model needs a name and a type", at: tokens.count > 1 ? tokens[1].location : line.location)
        }
        // `AKO:BASE [TYPE]` (PSpice writes `AKO: BASE TYPE`; LTspice may leave the type out): the
        // base taken off, an empty type put in when none follows (a type is a word not followed by
        // '=' or a value).
        var base: (name: String, location: SourceLocation)?
        if tokens[2].lowercased.hasPrefix("ako:") {
            let named = String(tokens[2].text.dropFirst(4))
            if named.isEmpty {
                guard tokens.count >= 4, tokens[3].kind == .word else {
                    throw NetlistError("AKO: needs the name of the model this one is a kind of", at: tokens[2].location)
                }
                base = (tokens[3].lowercased, tokens[3].location)
                tokens.remove(at: 3)
            } else {
                base = (named.lowercased(), tokens[2].location.advanced(by: 4))
            }
            tokens.remove(at: 2)
            let hasType = tokens.count > 2 && tokens[2].kind == .word
                && !(tokens.count > 3 && (tokens[3].kind == .equals || tokens[3].kind == .expression || SpiceNumber.parse(tokens[3].text) != nil))
            if !hasType { tokens.insert(Token(kind: .word, text: "", location: tokens[1].location), at: 2) }
        }
        var rest = try Self.joiningVectors(Array(tokens.dropFirst(3)))
        if let first = rest.first, first.kind == .leftParen {
            guard let last = rest.last, last.kind == .rightParen else {
                throw NetlistError("'(' after the model type is never closed", at: first.location)
            }
            rest = Array(rest.dropFirst().dropLast())
        }
        // PSpice's Monte Carlo tolerances after a parameter (`R=1 DEV=5%`, `BF=100 LOT/GAUSS=10%`):
        // read and reported, not modeled (Anode runs no PSpice Monte Carlo).
        var k = 0
        var tolerances: [String] = []
        while k + 2 < rest.count {
            let word = rest[k].lowercased
            if rest[k].kind == .word, ["dev", "lot"].contains(word.split(separator: "/").first.map(String.init) ?? ""), rest[k + 1].kind == .equals {
                tolerances.append(rest[k].text.uppercased() + "=" + rest[k + 2].text)
                rest.removeSubrange(k...(k + 2))
            } else {
                k += 1
            }
        }
        if !tolerances.isEmpty {
            warnings.append(Diagnostic("model \(tokens[1].text): PSpice's Monte Carlo tolerances \(tolerances.joined(separator: ", ")) are not modeled (the nominal values are used)", at: line.location))
        }
        // SPICE2's `BF 20 RB 100`: a name followed by its value, without '='.
        k = 0
        while k + 1 < rest.count {
            let (name, value) = (rest[k], rest[k + 1])
            if name.kind == .word, SpiceNumber.parse(name.text) == nil, value.kind == .expression || (value.kind == .word && SpiceNumber.parse(value.text) != nil) {
                rest.insert(Token(kind: .equals, text: "=", location: value.location), at: k + 1)
                k += 3
            } else {
                k += 1
            }
        }
        // A VDMOS card's channel type is a flag, PCHAN or NCHAN (VDMOSP, VDMOSN), without a value.
        var flags: [Assignment] = []
        if tokens[2].lowercased == "vdmos" {
            rest.removeAll { t in
                let isFlag = t.kind == .word && ["pchan", "nchan", "vdmosp", "vdmosn"].contains(t.lowercased)
                if isFlag { flags.append(Assignment(name: t.lowercased, value: nil, location: t.location)) }
                return isFlag
            }
        }
        let parameters = try flags + parseAssignments(rest, context: ".model \(tokens[1].text)", expressions: false)
        return Statement(kind: .model(ModelStatement(name: tokens[1].lowercased, type: tokens[2].lowercased, parameters: parameters, location: line.location,
                                                     typeLocation: tokens[2].location, fromLibrary: line.fromLibrary,
                                                     base: base?.name, baseLocation: base?.location)), location: line.location)
    }

    /// The tokens with each vector value of an XSPICE code model's card (`in_gain=[2.0 1.0]`,
    /// `num_coeff=[1 {a}]`) made one word, `[2.0 1.0]`, its elements apart by spaces (expressions
    /// in braces); `Elaborator.vectorElements` splits them again.
    static func joiningVectors(_ tokens: [Token]) throws(NetlistError) -> [Token] {
        var out: [Token] = []
        var i = 0
        while i < tokens.count {
            let t = tokens[i]
            guard t.kind == .word, t.text.hasPrefix("[") else { out.append(t); i += 1; continue }
            var elements: [String] = []
            var text = String(t.text.dropFirst())
            var k = i
            while true {
                let closed = text.hasSuffix("]")
                if closed { text.removeLast() }
                if !text.isEmpty { elements.append(text) }
                if closed { break }
                k += 1
                guard k < tokens.count else { throw NetlistError("'[' is never closed", at: t.location) }
                switch tokens[k].kind {
                case .word: text = tokens[k].text
                case .expression: elements.append("{\(tokens[k].text)}"); text = ""
                default: throw NetlistError("unexpected '\(tokens[k].text)' in a vector", at: tokens[k].location)
                }
            }
            out.append(Token(kind: .word, text: "[" + elements.joined(separator: " ") + "]", location: t.location))
            i = k + 1
        }
        return out
    }
}
