/// A rational function N(s)/D(s) with real coefficients, each polynomial's lowest power first:
/// the transfer function a LAPLACE source writes, built by the arithmetic its expression spells
/// out. Nothing is cancelled: (s + 1)/(s + 1) stays of degree one over one.
public struct RationalFunction: Hashable, Sendable {
    /// n₀, n₁, … of N(s) = n₀ + n₁·s + …
    public var numerator: [Double]
    /// d₀, d₁, … of D(s) = d₀ + d₁·s + …
    public var denominator: [Double]

    /// N/D.
    public init(numerator: [Double], denominator: [Double]) {
        self.numerator = numerator
        self.denominator = denominator
    }

    /// The constant c.
    public init(_ c: Double) { self.init(numerator: [c], denominator: [1]) }

    /// s itself.
    public static let s = RationalFunction(numerator: [0, 1], denominator: [1])

    /// The degree of a polynomial: its highest power with a coefficient other than 0 (0 for the zero polynomial).
    public static func degree(_ p: [Double]) -> Int { p.lastIndex { $0 != 0 } ?? 0 }

    /// The product of two polynomials.
    static func product(_ a: [Double], _ b: [Double]) -> [Double] {
        var c = [Double](repeating: 0, count: a.count + b.count - 1)
        for (i, x) in a.enumerated() where x != 0 {
            for (j, y) in b.enumerated() { c[i + j] += x * y }
        }
        return c
    }

    /// The sum of two polynomials.
    static func sum(_ a: [Double], _ b: [Double]) -> [Double] {
        (0..<max(a.count, b.count)).map { ($0 < a.count ? a[$0] : 0) + ($0 < b.count ? b[$0] : 0) }
    }

    /// Without the zero coefficients above each polynomial's degree.
    var trimmed: RationalFunction {
        RationalFunction(numerator: Array(numerator.prefix(Self.degree(numerator) + 1)),
                         denominator: Array(denominator.prefix(Self.degree(denominator) + 1)))
    }

    /// a/b + c/d = (a·d + c·b)/(b·d), or over the common denominator when b = d.
    public static func + (x: RationalFunction, y: RationalFunction) -> RationalFunction {
        if x.denominator == y.denominator { return RationalFunction(numerator: sum(x.numerator, y.numerator), denominator: x.denominator).trimmed }
        return RationalFunction(numerator: sum(product(x.numerator, y.denominator), product(y.numerator, x.denominator)),
                                denominator: product(x.denominator, y.denominator)).trimmed
    }

    /// −N/D.
    public static prefix func - (x: RationalFunction) -> RationalFunction {
        RationalFunction(numerator: x.numerator.map { -$0 }, denominator: x.denominator)
    }

    /// x − y.
    public static func - (x: RationalFunction, y: RationalFunction) -> RationalFunction { x + -y }

    /// (a·c)/(b·d).
    public static func * (x: RationalFunction, y: RationalFunction) -> RationalFunction {
        RationalFunction(numerator: product(x.numerator, y.numerator), denominator: product(x.denominator, y.denominator)).trimmed
    }

    /// (a·d)/(b·c); nil when y is the zero function.
    public static func / (x: RationalFunction, y: RationalFunction) -> RationalFunction? {
        guard y.numerator.contains(where: { $0 != 0 }) else { return nil }
        return RationalFunction(numerator: product(x.numerator, y.denominator), denominator: product(x.denominator, y.numerator)).trimmed
    }

    /// xᵏ for a whole k (negative: the reciprocal's power); nil for 0⁻ᵏ.
    public func power(_ k: Int) -> RationalFunction? {
        var base = k < 0 ? (RationalFunction(1) / self) : self
        guard base != nil else { return nil }
        var result = RationalFunction(1)
        var e = k.magnitude
        while e > 0 {
            if e & 1 == 1 { result = result * base! }
            e >>= 1
            if e > 0 { base = base! * base! }
        }
        return result
    }

    /// N(s)/D(s) at a complex s = re + j·im, as (re, im).
    public func value(re: Double, im: Double) -> (re: Double, im: Double) {
        func horner(_ p: [Double]) -> (Double, Double) {
            var (a, b) = (0.0, 0.0)
            for c in p.reversed() { (a, b) = (a * re - b * im + c, a * im + b * re) }
            return (a, b)
        }
        let (nr, ni) = horner(numerator), (dr, di) = horner(denominator)
        let m = dr * dr + di * di
        return ((nr * dr + ni * di) / m, (ni * dr - nr * di) / m)
    }
}
