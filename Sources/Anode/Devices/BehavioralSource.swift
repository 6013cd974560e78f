import Foundation

/// A behavioral current source: a current I = f(port voltages) given by an expression of the
/// netlist (`B1 n+ n- I={…}`, `G1 n+ n- VALUE={…}`), flowing from its output's + node through the
/// source to its − node, as SPICE defines it. (Behavioral *voltage* sources are elaborated into one
/// of these driving a 1 Ω node, followed by a unit-gain VCVS; see `Elaborator.behavioralSource`.)
///
/// The expression is compiled once into a postfix `program` over at most four port voltages and
/// evaluated with dual numbers (`Dual`), which carry the exact gradient ∂I/∂v that Newton needs.
/// The evaluation uses fixed storage (a stack of `maximumDepth` entries) and allocates nothing.
///
/// Semantics follow ngspice's B source: `log` is the natural logarithm; `x^y`, `x**y` and
/// `pow(x,y)` are |x|^y; `pwr(x,y)` and `pwrs(x,y)` are sign(x)·|x|^y; `u(x)` is 1 for x > 0;
/// comparisons and `&&`, `||`, `!` give 1 or 0; `c ? a : b` and `if(c,a,b)` choose by c ≠ 0.
public struct BehavioralSource: Hashable, Sendable {
    /// One step of the postfix program.
    public enum Operation: Hashable, Sendable {
        /// Pushes a constant.
        case constant(Double)
        /// Pushes v(plus) − v(minus) of two ports (−1: the reference terminal, at 0 V).
        case voltage(plus: Int, minus: Int)
        /// Replaces the top entry x by f(x).
        case unary(UnaryFunction)
        /// Replaces the two top entries a, b (b on top) by f(a, b).
        case binary(BinaryFunction)
        /// Replaces c, a, b (b on top) by c ≠ 0 ? a : b.
        case select
        /// Replaces the top entry x by the piecewise-linear function through the `count` points
        /// (x, y) stored from `tables[start]` on (x non-decreasing): beyond the ends it holds the
        /// end values (`clamped`: PSpice's TABLE, LTspice's table()) or extends the end segments
        /// (ngspice's pwl()).
        case table(start: Int, count: Int, clamped: Bool)
        /// Replaces the top entry x by the line through the `count` points stored from
        /// `tables[start]` on (x increasing), its end segments extended, each interior corner i
        /// rounded over ±dᵢ by the parabola that meets both segments with their slopes; the
        /// count − 2 widths dᵢ follow the points (XSPICE's `pwl` and `core`, see
        /// `roundedPiecewiseLinear`).
        case roundedTable(start: Int, count: Int)
    }

    /// The name under which a rounded piecewise-linear law (`roundedTable`) stands in an
    /// expression built by the elaborator: `call(roundedTableFunction, [x, x₀, y₀, …, d₁, …])`.
    /// No netlist can write it (a name cannot hold `#`).
    public static let roundedTableFunction = "pwl#rounded"

    /// The functions of one argument.
    public enum UnaryFunction: String, Hashable, Sendable, CaseIterable {
        case negate, not, sqrt, exp, log, log10, abs, sin, cos, tan, asin, acos, atan, sinh, cosh, tanh
        case asinh, acosh, atanh
        /// sign(x), the unit step u(x) (½ at 0, as in ngspice), the ramp max(x, 0) and ngspice's
        /// u2(x), x clamped to [0, 1].
        case sign, step, ramp, clampedRamp, floor, ceil
        /// ngspice's `nint`: the nearest integer, halves to the even one (2.5 → 2, 3.5 → 4).
        case nearestInteger

        /// f(x) with its gradient.
        @inlinable @inline(__always)
        public func apply(_ x: Dual) -> Dual {
            let a = x.value
            switch self {
            case .negate: return -x
            case .not: return Dual(a == 0 ? 1 : 0)
            case .sqrt: let r = a.squareRoot(); return x.chain(r, 0.5 / r)
            case .exp: let e = Foundation.exp(a); return x.chain(e, e)
            case .log: return x.chain(Foundation.log(a), 1 / a)
            case .log10: return x.chain(Foundation.log10(a), 1 / (a * M_LN10))
            case .abs: return x.chain(Swift.abs(a), a < 0 ? -1 : 1)
            case .sin: return x.chain(Foundation.sin(a), Foundation.cos(a))
            case .cos: return x.chain(Foundation.cos(a), -Foundation.sin(a))
            case .tan: let t = Foundation.tan(a); return x.chain(t, 1 + t * t)
            case .asin: return x.chain(Foundation.asin(a), 1 / (1 - a * a).squareRoot())
            case .acos: return x.chain(Foundation.acos(a), -1 / (1 - a * a).squareRoot())
            case .atan: return x.chain(Foundation.atan(a), 1 / (1 + a * a))
            case .sinh: return x.chain(Foundation.sinh(a), Foundation.cosh(a))
            case .cosh: return x.chain(Foundation.cosh(a), Foundation.sinh(a))
            case .tanh: let t = Foundation.tanh(a); return x.chain(t, 1 - t * t)
            case .asinh: return x.chain(Foundation.asinh(a), 1 / (a * a + 1).squareRoot())
            case .acosh: return x.chain(Foundation.acosh(a), 1 / (a * a - 1).squareRoot())
            case .atanh: return x.chain(Foundation.atanh(a), 1 / (1 - a * a))
            case .sign: return Dual(a > 0 ? 1 : (a < 0 ? -1 : 0))
            case .step: return Dual(a > 0 ? 1 : (a < 0 ? 0 : 0.5))
            case .ramp: return a > 0 ? x : Dual(0)
            case .clampedRamp: return a <= 0 ? Dual(0) : (a <= 1 ? x : Dual(1))
            case .floor: return Dual(Foundation.floor(a))
            case .ceil: return Dual(Foundation.ceil(a))
            case .nearestInteger: return Dual(a.rounded(.toNearestOrEven))
            }
        }
    }

    /// The functions of two arguments.
    public enum BinaryFunction: String, Hashable, Sendable, CaseIterable {
        case add, subtract, multiply, divide
        /// |a|^b (`^`, `**`, `pow`).
        case power
        /// sign(a)·|a|^b (`pwr`, `pwrs`).
        case signedPower
        case minimum, maximum, atan2
        case less, lessOrEqual, greater, greaterOrEqual, equal, notEqual, and, or

        /// f(a, b) with its gradient.
        @inlinable @inline(__always)
        public func apply(_ a: Dual, _ b: Dual) -> Dual {
            switch self {
            case .add: return a + b
            case .subtract: return a - b
            case .multiply: return a * b
            case .divide: return a / b
            case .power, .signedPower:
                // |a|^b:         d = b·|a|^(b−1)·sign(a)·da + |a|^b·ln|a|·db
                // sign(a)·|a|^b: d = b·|a|^(b−1)·da + sign(a)·|a|^b·ln|a|·db
                // (the db term only where b varies, so that a constant exponent needs no ln|a|).
                let m = Swift.abs(a.value), s: Double = a.value < 0 ? -1 : 1
                // x⁰ is 1 with a zero slope everywhere, 0⁰ included (not 0·0⁻¹, which is NaN).
                let p = Foundation.pow(m, b.value), slope = b.value == 0 ? 0 : b.value * Foundation.pow(m, b.value - 1)
                let signed = self == .signedPower
                var gradient = a.gradient * (signed ? slope : slope * s)
                if b.gradient != PortVector() { gradient += b.gradient * ((signed ? s * p : p) * Foundation.log(m)) }
                return Dual(signed ? s * p : p, gradient)
            case .minimum: return b.value < a.value ? b : a
            case .maximum: return b.value > a.value ? b : a
            case .atan2:
                // d atan2(a, b) = (b·da − a·db)/(a² + b²).
                let r = 1 / (a.value * a.value + b.value * b.value)
                return Dual(Foundation.atan2(a.value, b.value), (a.gradient * b.value - b.gradient * a.value) * r)
            case .less: return Dual(a.value < b.value ? 1 : 0)
            case .lessOrEqual: return Dual(a.value <= b.value ? 1 : 0)
            case .greater: return Dual(a.value > b.value ? 1 : 0)
            case .greaterOrEqual: return Dual(a.value >= b.value ? 1 : 0)
            case .equal: return Dual(a.value == b.value ? 1 : 0)
            case .notEqual: return Dual(a.value != b.value ? 1 : 0)
            case .and: return Dual(a.value != 0 && b.value != 0 ? 1 : 0)
            case .or: return Dual(a.value != 0 || b.value != 0 ? 1 : 0)
            }
        }
    }

    /// The deepest stack a program may need.
    public static let maximumDepth = 16

    /// The program, in postfix order.
    public let program: [Operation]
    /// The points of its tables, x₀, y₀, x₁, y₁, … (see `Operation.table`).
    public let tables: [Double]
    /// Number of ports (the distinct nodes the source touches, besides its reference terminal).
    public let portCount: Int
    /// The ports of the output's + and − nodes (−1: the reference terminal).
    public let outputPlus: Int, outputMinus: Int
    /// A second program whose value is a charge Q at the output (empty for none): the source then
    /// carries dQ/dt besides `program`'s current — a `ddt(…)` term of the expression, LTspice's
    /// `C1 a b Q=…`, and the core of `L1 a b Flux=…`. It reads the same ports and tables.
    public let chargeProgram: [Operation]

    /// The port whose current is the output's (+1) or its negative (−1).
    public var outputPort: (port: Int, sign: Double) { outputPlus >= 0 ? (outputPlus, 1) : (outputMinus, -1) }

    /// A source of `ports` ports whose current, from the port `outputPlus` through the source to
    /// `outputMinus`, is `program`'s value (and, with a `chargeProgram`, the time derivative of its value). Nil when the program is malformed: it must leave exactly
    /// one value, need no more than `maximumDepth` entries and read only ports below `ports`.
    /// `tables` holds the points its `table` steps read, which must lie inside it, at least two per
    /// table, with x non-decreasing.
    public init?(program: [Operation], tables: [Double] = [], ports: Int, outputPlus: Int, outputMinus: Int, chargeProgram: [Operation] = []) {
        guard (1...4).contains(ports), (-1..<ports).contains(outputPlus), (-1..<ports).contains(outputMinus),
              outputPlus != outputMinus, let depth = Self.depth(of: program, ports: ports),
              depth <= Self.maximumDepth, Self.tablesAreValid(program, tables) else { return nil }
        if !chargeProgram.isEmpty {
            guard let chargeDepth = Self.depth(of: chargeProgram, ports: ports), chargeDepth <= Self.maximumDepth,
                  Self.tablesAreValid(chargeProgram, tables) else { return nil }
        }
        self.program = program
        self.tables = tables
        portCount = ports
        self.outputPlus = outputPlus
        self.outputMinus = outputMinus
        self.chargeProgram = chargeProgram
    }

    /// The largest stack the program needs, or nil if it leaves anything but one value or reads a
    /// port outside 0..<ports.
    public static func depth(of program: [Operation], ports: Int) -> Int? {
        var height = 0, deepest = 0
        for op in program {
            switch op {
            case .constant: height += 1
            case .voltage(let a, let b):
                guard (-1..<ports).contains(a), (-1..<ports).contains(b) else { return nil }
                height += 1
            case .unary, .table, .roundedTable: guard height >= 1 else { return nil }
            case .binary: guard height >= 2 else { return nil }; height -= 1
            case .select: guard height >= 3 else { return nil }; height -= 2
            }
            deepest = max(deepest, height)
        }
        return height == 1 ? deepest : nil
    }

    /// Whether every table step of `program` reads at least two points inside `tables`, x non-decreasing.
    public static func tablesAreValid(_ program: [Operation], _ tables: [Double]) -> Bool {
        for case let .table(start, count, _) in program {
            guard count >= 2, start >= 0, start + 2 * count <= tables.count,
                  firstDecrease(in: tables[start..<(start + 2 * count)]) == nil else { return false }
        }
        // A rounded table's x increase, and each corner's range stays between its neighbours'
        // (the first and last corners' may reach past the end points): then only the corners at
        // the ends of x's segment can be in range (`roundedPiecewiseLinear`).
        for case let .roundedTable(start, count) in program {
            guard count >= 2, start >= 0, start + 3 * count - 2 <= tables.count else { return false }
            func x(_ k: Int) -> Double { tables[start + 2 * k] }
            func d(_ i: Int) -> Double { tables[start + 2 * count + i - 1] }
            for k in 1..<count where !(x(k) > x(k - 1)) { return false }
            for i in 1..<max(count - 1, 1) where !(d(i) >= 0) { return false }
            // Between two corners, their ranges may meet but not cross.
            for k in 2..<max(count - 1, 2) where !(d(k - 1) + d(k) <= (x(k) - x(k - 1)) * (1 + 1e-12)) { return false }
        }
        return true
    }

    /// The first two neighbouring x values of points x₀, y₀, x₁, y₁, … where x decreases (or is not
    /// a number), nil when there is none.
    public static func firstDecrease(in points: ArraySlice<Double>) -> (Double, Double)? {
        var k = points.startIndex + 2
        while k < points.endIndex {
            if !(points[k] >= points[k - 2]) { return (points[k - 2], points[k]) }
            k += 2
        }
        return nil
    }

    /// The program's value and gradient at port voltages `v`.
    @inlinable
    public func value(at v: PortVector) -> Dual {
        Self.run(program, tables: tables, at: v)
    }

    /// The piecewise-linear function through the `count` points at `points` (x₀, y₀, x₁, y₁, …)
    /// at x, held or extended (`clamped`) beyond the ends.
    @inlinable @inline(__always)
    static func piecewiseLinear(_ x: Dual, _ points: UnsafePointer<Double>, _ count: Int, clamped: Bool) -> Dual {
        let a = x.value
        if clamped && !(a > points[0]) { return Dual(points[1]) }
        if clamped && !(a < points[2 * count - 2]) { return Dual(points[2 * count - 1]) }
        // The segment [k, k + 1] holding a (the first or last one beyond the ends), by bisection.
        var low = 0, high = count - 1
        while high - low > 1 {
            let middle = (low + high) / 2
            if points[2 * middle] > a { high = middle } else { low = middle }
        }
        let x0 = points[2 * low], y0 = points[2 * low + 1], x1 = points[2 * high], y1 = points[2 * high + 1]
        let slope = x1 > x0 ? (y1 - y0) / (x1 - x0) : 0
        return x.chain(y0 + slope * (a - x0), slope)
    }

    /// The line through the `count` points at `points` (x₀, y₀, x₁, y₁, …, x increasing), its end
    /// segments extended, each interior corner i (slopes mₗ below, mᵤ above) rounded over ±dᵢ
    /// (`points[2·count + i − 1]`) by adding
    ///
    ///     (mᵤ − mₗ)·((s + dᵢ)²/(4dᵢ) − max(s, 0)),   s = x − xᵢ within ±dᵢ,
    ///
    /// which is 0 outside the range: the parabola through both segments' ends with their slopes
    /// (ngspice's `cm_smooth_corner`). The ranges do not overlap, so only the corners at the ends
    /// of x's segment can add.
    @inlinable @inline(__always)
    static func roundedPiecewiseLinear(_ x: Dual, _ points: UnsafePointer<Double>, _ count: Int) -> Dual {
        let a = x.value
        var low = 0, high = count - 1
        while high - low > 1 {
            let middle = (low + high) / 2
            if points[2 * middle] > a { high = middle } else { low = middle }
        }
        func slope(_ k: Int) -> Double { (points[2 * k + 3] - points[2 * k + 1]) / (points[2 * k + 2] - points[2 * k]) }
        var y = points[2 * low + 1] + slope(low) * (a - points[2 * low]), dy = slope(low)
        // The corners at the segment's two ends (no array: this runs per evaluation).
        for i in low...high where i >= 1 && i <= count - 2 {
            let d = points[2 * count + i - 1], s = a - points[2 * i]
            guard abs(s) < d else { continue }
            let bend = slope(i) - slope(i - 1)
            y += bend * ((s + d) * (s + d) / (4 * d) - max(s, 0))
            dy += bend * ((s + d) / (2 * d) - (s > 0 ? 1 : 0))
        }
        return x.chain(y, dy)
    }

    /// Runs a well-formed `program` (see `depth(of:ports:)`, `tablesAreValid`) at port voltages `v`.
    @inlinable
    public static func run(_ program: [Operation], tables: [Double] = [], at v: PortVector) -> Dual {
        // The stack: sixteen entries in place (`maximumDepth`), so that nothing is allocated.
        // (The program is read through a buffer pointer: iterating the array itself goes through
        // a coroutine whose frame unoptimized builds allocate.)
        var storage = Stack()
        return withUnsafeMutableBytes(of: &storage) { bytes in program.withUnsafeBufferPointer { code in tables.withUnsafeBufferPointer { points in
            let stack = bytes.baseAddress!.assumingMemoryBound(to: Dual.self)
            var top = -1
            for k in 0..<code.count {
                switch code[k] {
                case .constant(let c):
                    top += 1
                    stack[top] = Dual(c)
                case .voltage(let a, let b):
                    var d = Dual(0)
                    if a >= 0 { d.value += v[a]; d.gradient[a] += 1 }
                    if b >= 0 { d.value -= v[b]; d.gradient[b] -= 1 }
                    top += 1
                    stack[top] = d
                case .unary(let f):
                    stack[top] = f.apply(stack[top])
                case .binary(let f):
                    let b = stack[top]
                    top -= 1
                    stack[top] = f.apply(stack[top], b)
                case .select:
                    let b = stack[top], a = stack[top - 1]
                    top -= 2
                    stack[top] = stack[top].value != 0 ? a : b
                case .table(let start, let count, let clamped):
                    stack[top] = piecewiseLinear(stack[top], points.baseAddress! + start, count, clamped: clamped)
                case .roundedTable(let start, let count):
                    stack[top] = roundedPiecewiseLinear(stack[top], points.baseAddress! + start, count)
                }
            }
            return stack[0]
        } } }
    }

    /// Storage for `maximumDepth` entries of the evaluation stack.
    @usableFromInline
    struct Stack {
        @usableFromInline var entries = (Dual(0), Dual(0), Dual(0), Dual(0), Dual(0), Dual(0), Dual(0), Dual(0),
                                         Dual(0), Dual(0), Dual(0), Dual(0), Dual(0), Dual(0), Dual(0), Dual(0))
        @inlinable init() {}
    }
}

extension BehavioralSource: PortDevice {
    /// Whether the source has a charge program.
    public var hasCharge: Bool { !chargeProgram.isEmpty }

    /// Port currents and their Jacobian: +I into the output's + terminal, −I into its − terminal.
    @inlinable @inline(__always)
    public func portCurrents(_ v: PortVector) -> PortCurrents {
        var r = PortCurrents()
        (r.current, r.conductance) = atOutput(value(at: v))
        return r
    }

    /// The charge program's Q: +Q at the output's + terminal, −Q at its − terminal, and the
    /// capacitances ∂Q/∂v; none without one.
    @inlinable public func portCharges(_ v: PortVector) -> PortCharges {
        var r = PortCharges()
        guard !chargeProgram.isEmpty else { return r }
        (r.charge, r.capacitance) = atOutput(Self.run(chargeProgram, tables: tables, at: v))
        return r
    }

    /// A program's value and gradient placed at the output's ports: +d at its + terminal's port,
    /// −d at its − terminal's.
    @inlinable @inline(__always)
    func atOutput(_ d: Dual) -> (PortVector, PortMatrix) {
        var value = PortVector(), gradient = PortMatrix()
        if outputPlus >= 0 {
            value[outputPlus] = d.value
            for c in 0..<4 { gradient[outputPlus, c] = d.gradient[c] }
        }
        if outputMinus >= 0 {
            value[outputMinus] = -d.value
            for c in 0..<4 { gradient[outputMinus, c] = -d.gradient[c] }
        }
        return (value, gradient)
    }

    /// No limiting: an expression has no junction whose steps to bound.
    @inlinable public func limit(_ new: PortVector, old: PortVector) -> (PortVector, Bool) { (new, false) }
}
