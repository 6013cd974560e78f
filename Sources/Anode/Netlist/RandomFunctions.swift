import Foundation

/// The random functions of netlist expressions, for Monte Carlo runs (a `.step param run 1 100 1`
/// draws new values at every point):
///
///     agauss(nom, avar, sigma)   nom + (avar/sigma)·N(0, 1)          ngspice
///     gauss(nom, rvar, sigma)    nom + (nom·rvar/sigma)·N(0, 1)      ngspice
///     aunif(nom, avar)           nom + avar·U(−1, 1)                 ngspice
///     unif(nom, rvar)            nom + nom·rvar·U(−1, 1)             ngspice
///     limit(nom, avar)           nom + avar or nom − avar, evenly    ngspice (two arguments)
///     gauss(sigma)               sigma·N(0, 1)                       LTspice (one argument)
///     flat(x)                    x·U(−1, 1)                          LTspice
///     mc(x, tol)                 x·(1 + tol·U(−1, 1))                LTspice
///
/// The draws are not a sequence but a hash (`RandomDraws`): each call's value depends on the seed,
/// the `.step` point, where the expression is written and which subcircuit instance evaluates it,
/// and its place among the expression's calls. So a netlist elaborates to the same circuit every
/// time, every element gets its own value, and a `.param` holds one value wherever it is used.
enum RandomFunctions {
    /// Names and argument counts (`gauss` takes 1 or 3, `limit` 2 here and 3 as the clamp).
    static let arities: [String: ClosedRange<Int>] = [
        "agauss": 3...3, "gauss": 1...3, "aunif": 2...2, "unif": 2...2, "flat": 1...1, "mc": 2...2,
    ]

    /// Whether a call of `name` with `count` arguments is a random function's.
    static func isRandom(_ name: String, _ count: Int) -> Bool {
        (name == "limit" && count == 2) || arities[name] != nil
    }

    /// The value of random function `name` at `v`, drawing uniform numbers in (0, 1) from `uniform`.
    static func value(_ name: String, _ v: [Double], at location: SourceLocation?, uniform: () -> Double) throws(NetlistError) -> Double {
        /// A standard normal number (Box–Muller).
        func normal() -> Double {
            let u1 = uniform(), u2 = uniform()
            return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
        }
        func symmetric() -> Double { 2 * uniform() - 1 }
        func sigma(_ s: Double) throws(NetlistError) -> Double {
            guard s > 0 else { throw NetlistError("\(name)'s sigma must be positive, not \(s)", at: location) }
            return s
        }
        switch (name, v.count) {
        case ("agauss", 3): return v[0] + v[1] / (try sigma(v[2])) * normal()
        case ("gauss", 3): return v[0] + v[0] * v[1] / (try sigma(v[2])) * normal()
        case ("gauss", 1): return v[0] * normal()
        case ("aunif", 2): return v[0] + v[1] * symmetric()
        case ("unif", 2): return v[0] + v[0] * v[1] * symmetric()
        case ("limit", 2): return v[0] + (uniform() < 0.5 ? -v[1] : v[1])
        case ("flat", 1): return v[0] * symmetric()
        case ("mc", 2): return v[0] * (1 + v[1] * symmetric())
        case ("gauss", _): throw NetlistError("gauss takes one argument (LTspice's, a sigma) or three (ngspice's nom, rvar, sigma), not \(v.count)", at: location)
        default: throw NetlistError("unknown random function '\(name)'", at: location)
        }
    }
}

/// Reproducible uniform numbers for the random functions: SplitMix64's mixer over the seed, the
/// `.step` point, the call site and the draw's index.
struct RandomDraws: Sendable {
    /// `.options seed=` (ngspice's), 1 by default, so that a run repeats.
    var seed: UInt64 = 1
    /// A hash of the `.step` point (0 without `.step`).
    var run: UInt64 = 0

    /// SplitMix64's finalizer.
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A stable hash of `text` (FNV-1a; Swift's own hashing changes from run to run).
    static func hash(_ text: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return h
    }

    /// The key of a waveform's draws: the seed, the `.step` point and the source's name.
    func key(for name: String) -> UInt64 { Self.mix(Self.mix(seed ^ Self.mix(run)) ^ Self.hash(name.lowercased())) }

    /// A uniform number in (0, 1) from 53 bits of `h`.
    static func unit(_ h: UInt64) -> Double { (Double(h >> 11) + 0.5) / 9_007_199_254_740_992 }

    /// The `index`-th standard normal number of `key` (Box–Muller on two hashed uniforms).
    static func normal(key: UInt64, index: Int) -> Double {
        let h = mix(key ^ mix(UInt64(bitPattern: Int64(index))))
        let u1 = unit(h), u2 = unit(mix(h))
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// The `index`-th uniform number in (0, 1) of the expression written at `site`, evaluated in
    /// the scope named `prefix`.
    func uniform(site: SourceLocation?, prefix: String, index: Int) -> Double {
        var h = Self.mix(seed ^ Self.mix(run))
        h = Self.mix(h ^ Self.hash(site?.file ?? ""))
        h = Self.mix(h ^ UInt64(truncatingIfNeeded: site?.line ?? 0) &* 0x1_0000_0001 ^ UInt64(truncatingIfNeeded: site?.column ?? 0))
        h = Self.mix(h ^ Self.hash(prefix))
        h = Self.mix(h ^ UInt64(truncatingIfNeeded: index))
        // 53 random bits, shifted off 0: (k + 0.5)/2⁵³.
        return Self.unit(h)
    }
}
