/// Numbers as SPICE writes them: a decimal number, then an optional scale factor, then optional unit
/// letters that are ignored (`4.7k`, `10uF`, `1Meg`, `2.2kOhm`); also the scale factor in place of
/// the decimal point (`4k7`, `2R2`), as LTspice reads it.
///
/// Scale factors (case-insensitive): `t` 1e12, `g` 1e9, `meg` 1e6, `k` 1e3, `m` 1e-3, `mil` 25.4e-6,
/// `u` (or `µ`, the micro sign LTspice writes, or the Greek `μ`) 1e-6, `n` 1e-9, `p` 1e-12, `f` 1e-15. As in every SPICE, `1M` is one milli: mega is `1Meg`.
public enum SpiceNumber {
    /// Parses `text` as a SPICE number, or returns nil when it is not one.
    public static func parse<S: StringProtocol>(_ text: S) -> Double? {
        let scalars = Array(text.unicodeScalars)
        guard let (mantissa, end) = scanDecimal(scalars, from: 0) else { return nil }
        let rest = String(String.UnicodeScalarView(scalars[end...])).lowercased()
        guard let scale = scaleFactor(of: rest) else { return letterForPoint(scalars, wholeEnd: end) }
        return mantissa * scale
    }

    /// `4k7`, `2R2`, `1u5`, `2meg2`: the scale factor (or `R`, for none) written in place of the
    /// decimal point, as European schematics and LTspice write values. Only after a whole number,
    /// and only digits after the scale factor, then unit letters if any (`4k7Ohm`).
    static func letterForPoint(_ s: [Unicode.Scalar], wholeEnd end: Int) -> Double? {
        func isDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 48 && c.value <= 57 }
        guard s[..<end].allSatisfy({ isDigit($0) || $0 == "+" || $0 == "-" }) else { return nil }
        var i = end
        while i < s.count, !isDigit(s[i]) { i += 1 }
        var j = i
        while j < s.count, isDigit(s[j]) { j += 1 }
        let letters = String(String.UnicodeScalarView(s[end..<i])).lowercased()
        guard j > i, !letters.isEmpty, s[j...].allSatisfy({ $0.properties.isAlphabetic }),
              let scale = scaleFactor(of: letters),
              let value = Double(String(String.UnicodeScalarView(s[..<end])) + "." + String(String.UnicodeScalarView(s[i..<j]))) else { return nil }
        return value * scale
    }

    /// Reads the longest decimal number (sign, digits, point, exponent) at `start`.
    /// Returns the value and the index just past it.
    static func scanDecimal(_ s: [Unicode.Scalar], from start: Int) -> (Double, Int)? {
        func isDigit(_ k: Int) -> Bool { k < s.count && s[k].value >= 48 && s[k].value <= 57 }
        var i = start
        if i < s.count, s[i] == "+" || s[i] == "-" { i += 1 }
        var sawDigit = false
        while isDigit(i) { i += 1; sawDigit = true }
        if i < s.count, s[i] == "." {
            i += 1
            while isDigit(i) { i += 1; sawDigit = true }
        }
        guard sawDigit else { return nil }
        // An exponent needs a digit after `e` and its optional sign; otherwise the `e` is a unit letter.
        if i < s.count, s[i] == "e" || s[i] == "E" {
            var j = i + 1
            if j < s.count, s[j] == "+" || s[j] == "-" { j += 1 }
            if isDigit(j) {
                i = j
                while isDigit(i) { i += 1 }
            }
        }
        let text = String(String.UnicodeScalarView(s[start..<i]))
        guard let value = Double(text) else { return nil }
        return (value, i)
    }

    /// The multiplier named by a suffix such as `k`, `meg` or `uF`; nil when the suffix is not letters.
    static func scaleFactor(of suffix: String) -> Double? {
        if suffix.isEmpty { return 1 }
        guard suffix.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || $0 == "µ" || $0 == "_" }) else { return nil }
        if suffix.hasPrefix("meg") { return 1e6 }
        if suffix.hasPrefix("mil") { return 25.4e-6 }
        switch suffix.unicodeScalars.first! {
        case "t": return 1e12
        case "g": return 1e9
        case "k": return 1e3
        case "m": return 1e-3
        case "u", "µ", "μ": return 1e-6
        case "n": return 1e-9
        case "p": return 1e-12
        case "f": return 1e-15
        default: return 1  // unit letters only, e.g. `5V`
        }
    }
}
