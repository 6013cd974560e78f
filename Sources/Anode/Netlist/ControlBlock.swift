/// An ngspice `.control` … `.endc` block read as the netlist statements it stands for.
///
/// Many ngspice netlists run their analyses from such a block instead of from dot commands. A
/// block of straight-line commands is read here: `op`, `tran`, `ac`, `dc`, `noise`, `tf` become
/// `.op`, `.tran`, …; `print`, `plot`, `wrdata`, `write` and `asciiplot` record their vectors for
/// the analysis run last (`.print tran v(out)`; for every analysis before one is run or after
/// `run`, which runs the netlist's own dot analyses); `meas`, `save`, `option` and `fourier` become
/// `.meas`, `.save`, `.options` and `.four`. ngspice's vector functions of one output become
/// Anode's probe names (`db(v(out))` is `vdb(out)`, `ph(v(out))` `vp(out)`, `mag`, `real`, `imag`).
/// Other commands (`set`, `echo`, `let`, `quit`, …) and vectors Anode cannot record (expressions,
/// vectors made by `let`) are skipped with a warning each. A block with control flow (`foreach`,
/// `while`, `if`, `alter`, …) would run its analyses another number of times or on another circuit:
/// it is skipped whole, with a warning naming the command.
struct ControlBlock {
    /// The statements of the block, as dot-command lines for the netlist parser.
    private(set) var lines: [LogicalLine] = []
    /// What was skipped, and why.
    private(set) var warnings: [Diagnostic] = []

    /// Commands whose presence means the block is a program, not a list of analyses.
    static let controlFlow: Set<String> = ["foreach", "while", "repeat", "dowhile", "if", "else", "end", "label", "goto",
                                           "break", "continue", "alter", "altermod", "alterparam", "reset", "mc_source",
                                           "source", "load", "loadsnap", "sens", "disto", "sp"]
    /// Analyses, by command.
    static let analyses: Set<String> = ["op", "tran", "ac", "dc", "noise", "tf", "pz"]
    /// Commands that write vectors, and how many file-name arguments come first.
    static let outputs: [String: Int] = ["print": 0, "plot": 0, "asciiplot": 0, "wrdata": 1, "write": 1, "gnuplot": 1]
    /// `plot` options and how many arguments each takes.
    static let plotOptions: [String: Int] = ["xlimit": 2, "ylimit": 2, "xindices": 2, "xdelta": 1, "ydelta": 1, "xcompress": 1,
                                             "title": 1, "xlabel": 1, "ylabel": 1, "xlog": 0, "ylog": 0, "loglog": 0,
                                             "linear": 0, "nogrid": 0, "lingrid": 0, "polar": 0, "smith": 0, "smithgrid": 0,
                                             "combine": 0, "nointerp": 0, "retraceplot": 0, "noretraceplot": 0, "samep": 0]
    /// ngspice vector functions of one output, as Anode's view suffix.
    static let views: [String: String] = ["db": "db", "mag": "m", "abs": "m", "ph": "p", "phase": "p", "cph": "p",
                                          "real": "r", "re": "r", "imag": "i", "im": "i"]

    /// Reads the block's command lines `body` (between `.control` at `start` and `.endc`).
    init(_ body: [LogicalLine], at start: SourceLocation) {
        if let program = body.first(where: { Self.controlFlow.contains($0.tokens[0].lowercased) }) {
            warnings.append(Diagnostic("ngspice .control block skipped: '\(program.tokens[0].text)' makes it a program, which Anode does not run (write its analyses as dot commands)", at: program.location))
            return
        }
        var lastAnalysis: String? = nil
        var defined: Set<String> = []
        for line in body {
            let t = line.tokens
            let command = t[0].lowercased
            if Self.analyses.contains(command) {
                lines.append(Self.dotted(line))
                lastAnalysis = command
            } else if command == "run" {
                lastAnalysis = nil
            } else if Self.outputs[command] != nil, let kind = lastAnalysis, ["noise", "tf", "pz"].contains(kind) {
                let what = kind == "noise" ? "noise spectra and totals" : kind == "tf" ? "transfer function, input and output impedance" : "poles and zeros"
                warnings.append(Diagnostic("ngspice '\(t[0].text)' after '\(kind)' skipped: Anode writes the \(what) itself", at: line.location))
            } else if let files = Self.outputs[command] {
                if files > 0, t.count > 1 {
                    warnings.append(Diagnostic("ngspice '\(t[0].text) \(t[1].description)': Anode writes no \(t[1].description); its outputs go where its results go (`anode simulate -o`, as CSV)", at: t[1].location))
                }
                let vectors = vectors(Array(t.dropFirst(1 + files)), defined: defined, plot: command == "plot" || command == "gnuplot")
                guard !vectors.isEmpty else { continue }
                var head = t[0]
                head.text = lastAnalysis == nil ? ".probe" : ".print"
                var statement = [head]
                if let kind = lastAnalysis {
                    var word = t[0]
                    word.text = kind
                    statement.append(word)
                }
                lines.append(LogicalLine(tokens: statement + vectors, location: line.location))
            } else if ["meas", "measure"].contains(command), let vector = t.first(where: { $0.kind == .word && defined.contains($0.lowercased) }) {
                warnings.append(Diagnostic("ngspice '\(t[0].text)' of the vector '\(vector.text)' made by let skipped: Anode measures node voltages and currents", at: line.location))
            } else if ["meas", "measure", "save", "option", "options", "fourier"].contains(command) {
                var dotted = Self.dotted(line)
                if command == "fourier" { dotted.tokens[0].text = ".four" }
                lines.append(dotted)
            } else {
                if command == "let", t.count > 1 { defined.insert(t[1].lowercased) }
                warnings.append(Diagnostic("ngspice control command '\(t[0].text)' skipped (Anode reads a .control block's analyses and outputs)", at: line.location))
            }
        }
    }

    /// The line with a dot before its command.
    static func dotted(_ line: LogicalLine) -> LogicalLine {
        var copy = line
        copy.tokens[0].text = "." + copy.tokens[0].text
        return copy
    }

    /// The probes among `tokens` as `.print` tokens (`v(out)`, `vdb(out)`, `@q1[ic]`, a bare node
    /// name, ngspice's `vs#branch` as `i(vs)`); `plot`'s options and `vs` scales are dropped, anything
    /// else is skipped with a warning.
    mutating func vectors(_ tokens: [Token], defined: Set<String>, plot: Bool) -> [Token] {
        var out: [Token] = []
        var i = 0
        func skip(_ what: String, at location: SourceLocation) {
            warnings.append(Diagnostic("ngspice vector \(what) skipped: Anode records node voltages, currents and their views (vdb, vp, …), not expressions or vectors made by let", at: location))
        }
        /// The extent of a parenthesized call starting at `k` (a word, then `(`): the index after its `)`.
        func callEnd(_ k: Int) -> Int? {
            guard k + 1 < tokens.count, tokens[k].kind == .word, tokens[k + 1].kind == .leftParen else { return nil }
            var depth = 0
            for j in (k + 1)..<tokens.count {
                if tokens[j].kind == .leftParen { depth += 1 }
                if tokens[j].kind == .rightParen { depth -= 1; if depth == 0 { return j + 1 } }
            }
            return nil
        }
        while i < tokens.count {
            let t = tokens[i]
            let word = t.lowercased
            if t.kind == .comma { i += 1; continue }
            if plot, t.kind == .word, let count = Self.plotOptions[word] { i += 1 + count; continue }
            if t.isWord("vs") { i += 1; if let end = callEnd(i) { i = end } else { i += 1 }; continue }
            guard t.kind == .word else { skip("'\(t.description)'", at: t.location); i += 1; continue }
            if var end = callEnd(i) {
                // A call that an operator continues without a space, `v(4)-0.5` or `v(a)*v(b)`, is
                // an expression: skipped whole, not recorded as its first call.
                func touches(_ a: Token, _ b: Token) -> Bool {
                    a.location.line == b.location.line && b.location.column == a.location.column + a.description.count
                }
                if end < tokens.count, touches(tokens[end - 1], tokens[end]), tokens[end].kind == .word,
                   let first = tokens[end].text.first, "+-*/^".contains(first) {
                    while end < tokens.count, touches(tokens[end - 1], tokens[end]) { end += 1 }
                    skip("'\(tokens[i..<end].map(\.description).joined())'", at: t.location)
                    i = end
                    continue
                }
                let call = Array(tokens[i..<end])
                defer { i = end }
                // A probe as written: v(a), v(a,b), i(x), vdb(x), …: two or four tokens around one or two names.
                let inner = Array(call[2..<(call.count - 1)])
                let names = inner.filter { $0.kind == .word }
                let simple = inner.allSatisfy { $0.kind == .word || $0.kind == .comma } && !names.isEmpty
                if simple, ["v", "i"].contains(where: { word.hasPrefix($0) }), !names.contains(where: { defined.contains($0.lowercased) }) {
                    out += call
                } else if let view = Self.views[word], let nested = callEnd(i + 2), nested == end - 1, nested - 1 > i + 4,
                          ["v", "i"].contains(tokens[i + 2].lowercased),
                          tokens[(i + 4)..<(nested - 1)].allSatisfy({ $0.kind == .word || $0.kind == .comma }) {
                    // db(v(out)) → vdb(out).
                    var head = tokens[i + 2]
                    head.text += view
                    out += [head] + tokens[(i + 3)..<nested]
                } else {
                    skip("'\(call.map(\.description).joined())'", at: t.location)
                }
                continue
            }
            if defined.contains(word) || word.contains(where: { "+-*/^".contains($0) }) && !word.hasPrefix("@") {
                skip("'\(t.text)'", at: t.location)
            } else if word.hasSuffix("#branch"), word.count > 7 {
                // ngspice's name of a source's (or inductor's) branch current, `vs#branch`: i(vs).
                let name = String(t.text.dropLast(7))
                out += [Token(kind: .word, text: "i", location: t.location), Token(kind: .leftParen, text: "(", location: t.location),
                        Token(kind: .word, text: name, location: t.location), Token(kind: .rightParen, text: ")", location: t.location)]
            } else {
                out.append(t)  // a node name, `all`, or a device parameter `@q1[ic]`
            }
            i += 1
        }
        return out
    }
}
