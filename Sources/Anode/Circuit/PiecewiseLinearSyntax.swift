import Foundation

/// The `PWL` source function in the forms SPICE programs write it:
///
///     PWL(0 0 1m 1 2m 0)                       SPICE: time-value pairs
///     PWL(0 0 1m 1 2m 0) r=0 td=0.5m           ngspice: repeat from r, delay by td (inside or after the parentheses)
///     PWL (0,0) (1m,1) (+1m,0)                 PSpice and LTspice: pairs in parentheses, +t relative to the previous time
///     PWL TIME_SCALE_FACTOR=2 VALUE_SCALE_FACTOR=0.5 (…)
///     PWL file=points.txt                      LTspice (PSpice: FILE points.txt): the pairs in a text file
extension Elaborator {
    /// Whether token k of a source line is a value of its function: a number, an expression or a
    /// parameter's name, not a keyword, a `name=` or a function's name before its parenthesis.
    static func isSourceValue(_ t: [Token], _ k: Int) -> Bool {
        guard k < t.count else { return false }
        if t[k].kind == .expression { return true }
        guard t[k].kind == .word else { return false }
        let keywords: Set<String> = ["dc", "ac", "sin", "sine", "pulse", "pwl", "exp", "sffm", "am", "trnoise", "distof1", "distof2",
                                     "file", "repeat", "endrepeat", "forever"]
        if keywords.contains(t[k].lowercased) { return false }
        if k + 1 < t.count, t[k + 1].kind == .equals { return false }
        return SpiceNumber.parse(t[k].text) != nil || (k + 1 >= t.count || t[k + 1].kind != .leftParen)
    }

    /// The `PWL` whose word is t[i]; leaves i after its last token. A time written with a leading
    /// `+` is relative to the time before it (PSpice's and LTspice's rule; ngspice 39 reads the `+`
    /// as a sign); a file's times are relative to the last time written before it, as PSpice's
    /// `FILE` defines them.
    mutating func piecewiseLinear(_ t: [Token], at i: inout Int, in scope: Scope) throws(NetlistError) -> Waveform {
        let start = t[i]
        i += 1
        var times: [Double] = [], values: [Double] = []
        var timeScale = 1.0, valueScale = 1.0, repeatFrom: Double?, delay = 0.0
        var depth = 0
        /// Appends a time (relative to the last one when `relative`, else after `offset`) or the
        /// value that pairs with it.
        func add(_ x: Double, relative: Bool, offset: Double = 0) {
            if times.count == values.count {
                times.append(relative ? (times.last ?? 0) + x : offset + x)
            } else {
                values.append(x)
            }
        }
        scan: while i < t.count {
            let token = t[i]
            switch token.kind {
            case .leftParen:
                depth += 1
                i += 1
                continue
            case .rightParen:
                guard depth > 0 else { break scan }
                depth -= 1
                i += 1
                continue
            case .comma:
                i += 1
                continue
            case .equals:
                throw NetlistError("unexpected '=' in PWL", at: token.location)
            case .word, .expression:
                break
            }
            let word = token.kind == .word ? token.lowercased : ""
            if ["repeat", "endrepeat", "forever"].contains(word) {
                throw NetlistError("PWL's REPEAT … ENDREPEAT (PSpice's and LTspice's) is not supported: write the points out, or repeat them with ngspice's r=", at: token.location)
            }
            if word == "file" {
                // `file=NAME` (LTspice) or `FILE NAME` (PSpice); the reader resolved the path.
                let k = i + 1 < t.count && t[i + 1].kind == .equals ? i + 2 : i + 1
                guard k < t.count, t[k].kind == .word else { throw NetlistError("PWL FILE needs a file name", at: token.location) }
                guard times.count == values.count else { throw NetlistError("PWL FILE after a time without its value", at: token.location) }
                let offset = times.last ?? 0
                for (x, relative) in try pointsFile(t[k]) {
                    add(x, relative: relative, offset: offset)
                }
                i = k + 1
                continue
            }
            if i + 1 < t.count, t[i + 1].kind == .equals {
                guard i + 2 < t.count, t[i + 2].kind == .word || t[i + 2].kind == .expression else {
                    throw NetlistError("missing value after '\(token.text)='", at: t[i + 1].location)
                }
                let x = try scope.evaluate(ValueText(t[i + 2]))
                switch word {
                case "r": repeatFrom = x
                case "td": delay = x
                case "time_scale_factor": timeScale = x
                case "value_scale_factor": valueScale = x
                default:
                    // A parameter of the source itself (DC=, Rser=, …) ends the function outside its parentheses.
                    guard depth > 0 else { break scan }
                    throw NetlistError("unknown PWL parameter '\(token.text)' (r, td, TIME_SCALE_FACTOR, VALUE_SCALE_FACTOR, file)", at: token.location)
                }
                i += 3
                continue
            }
            guard depth > 0 || Self.isSourceValue(t, i) else { break scan }
            add(try scope.evaluate(ValueText(token)), relative: token.kind == .word && token.text.hasPrefix("+"))
            i += 1
        }
        guard depth == 0 else { throw NetlistError("PWL( is never closed", at: start.location) }
        guard timeScale > 0, timeScale.isFinite else {
            throw NetlistError("PWL's TIME_SCALE_FACTOR must be positive, not \(timeScale)", at: start.location)
        }
        let flat = zip(times, values).flatMap { [$0 * timeScale, $1 * valueScale] } + (times.count > values.count ? [times[times.count - 1]] : [])
        guard case .piecewiseLinear(let points, _) = try waveform("pwl", flat, at: start.location) else { return .piecewiseLinear([]) }
        guard repeatFrom != nil || delay != 0 else { return .piecewiseLinear(points) }
        guard delay >= 0 else { throw NetlistError("PWL's td= must not be negative, not \(delay)", at: start.location) }
        if let r = repeatFrom {
            guard r >= points[0].time, r < points[points.count - 1].time else {
                throw NetlistError("PWL's r= must be from its first time to before its last (\(points[0].time) to \(points[points.count - 1].time)), not \(r)", at: start.location)
            }
        }
        let shifted = points.map { Waveform.Point(time: $0.time + delay, value: $0.value) }
        return .piecewiseLinear(shifted, repeatFrom: repeatFrom.map { $0 + delay })
    }

    /// The numbers of a PWL points file, each with whether it is written relative (`+1m`): pairs of
    /// time and value separated by spaces, tabs, commas or parentheses, with SPICE's scale factors;
    /// blank lines and lines starting with `*`, `;` or `#` are skipped.
    func pointsFile(_ name: Token) throws(NetlistError) -> [(Double, Bool)] {
        let path = name.text
        if FileManager.default.fileExists(atPath: path) && !NetlistReader.isRegularFile(path) {
            throw NetlistError("PWL file \(path) is not a regular file (a device or a pipe may never end)", at: name.location)
        }
        let text = try NetlistReader.load(path, from: name.location)
        var numbers: [(Double, Bool)] = []
        for (n, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let body = line.drop { $0 == " " || $0 == "\t" }
            if body.isEmpty || "*;#".contains(body.first!) { continue }
            var column = 1
            for field in line.split(omittingEmptySubsequences: false, whereSeparator: { " \t\r,()".contains($0) }) {
                defer { column += field.count + 1 }
                guard !field.isEmpty else { continue }
                guard let x = SpiceNumber.parse(field), x.isFinite else {
                    throw NetlistError("'\(field)' is not a number (a PWL file holds pairs of time and value)", at: SourceLocation(file: path, line: n + 1, column: column))
                }
                numbers.append((x, field.hasPrefix("+")))
            }
        }
        return numbers
    }
}
