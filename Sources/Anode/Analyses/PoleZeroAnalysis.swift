import Numerics

/// A `.pz n1 n2 n3 n4 vol|cur pol|zer|pz` statement (ngspice's and SPICE3's): the poles and zeros
/// of the transfer function from the input port (n1, n2) to the output voltage V(n3, n4), with
/// the circuit linearized at its operating point.
public struct PoleZeroRequest: Hashable, Sendable {
    /// What drives the input port.
    public enum Input: String, Hashable, Sendable {
        /// A voltage across (n1, n2): the transfer is a voltage gain (`vol`).
        case voltage = "vol"
        /// A current into n1 and out of n2: the transfer is an impedance (`cur`).
        case current = "cur"
    }
    /// What to find.
    public enum Kind: String, Hashable, Sendable {
        /// The poles alone (`pol`).
        case poles = "pol"
        /// The zeros alone (`zer`).
        case zeros = "zer"
        /// Both (`pz`).
        case both = "pz"
    }
    /// The input port's nodes.
    public var inputPlus: Node, inputMinus: Node
    /// The output port's nodes.
    public var outputPlus: Node, outputMinus: Node
    /// Voltage or current input.
    public var input: Input
    /// Poles, zeros, or both.
    public var kind: Kind
    /// Where it was written.
    public var location: SourceLocation?

    /// A request.
    public init(input: (Node, Node), output: (Node, Node), _ transfer: Input, _ kind: Kind, location: SourceLocation? = nil) {
        (inputPlus, inputMinus) = input
        (outputPlus, outputMinus) = output
        self.input = transfer
        self.kind = kind
        self.location = location
    }
}

/// The poles and zeros of a `.pz`, in rad/s (s = σ + jω), each list in order of magnitude.
///
/// With the circuit linearized at its operating point, G + s·C (`MNAEngine.smallSignalMatrices`,
/// independent sources at rest: V shorted, I open) is its MNA system:
///
///     poles  det(G + s·C) = 0                    the pencil (G, −C)
///     zeros  det([G + s·C, b; cᵀ, 0]) = 0        Rosenbrock's system matrix
///
/// b drives the input port (a unit voltage source across it for `vol`: the netlist's own source
/// there if it has one; a unit current for `cur`) and cᵀ reads V(n3, n4). Both are generalized
/// eigenvalue problems (`GeneralizedEigenvalues`, LAPACK's QZ); C's singular part gives infinite
/// eigenvalues, dropped as beyond 10¹² times the circuit's own rate max|G|/max|C|; parts below
/// 10⁻¹² of that rate are taken as 0. A zero that cancels a pole is listed with the zeros, as
/// ngspice lists it.
public struct PoleZeroResult: Sendable {
    /// The poles found (empty when only zeros were asked for), rad/s.
    public var poles: [Complex<Double>]
    /// The zeros found (empty when only poles were asked for), rad/s.
    public var zeros: [Complex<Double>]
    /// The request.
    public var request: PoleZeroRequest

    /// ngspice's names and values: `pole(1)`, …, `zero(1)`, … with their real and imaginary parts.
    public var values: [(name: String, value: Complex<Double>)] {
        poles.enumerated().map { ("pole(\($0.offset + 1))", $0.element) } + zeros.enumerated().map { ("zero(\($0.offset + 1))", $0.element) }
    }
}

extension Simulator {
    /// The netlist's `.pz` statements, each at the operating point.
    public func poleZeroAnalyses() throws(SimulationError) -> [PoleZeroResult] {
        var results: [PoleZeroResult] = []
        for request in circuit.poleZeroAnalyses { results.append(try poleZero(request)) }
        return results
    }

    /// The poles and zeros of `request`'s transfer function around the operating point.
    public func poleZero(_ request: PoleZeroRequest) throws(SimulationError) -> PoleZeroResult {
        func index(_ node: Node) throws(SimulationError) -> Int {
            guard let k = circuit.index(of: node) else { throw SimulationError(".pz: no node named '\(node.name)'") }
            return k
        }
        let (n1, n2) = (try index(request.inputPlus), try index(request.inputMinus))
        let (n3, n4) = (try index(request.outputPlus), try index(request.outputMinus))
        if n1 == n2 { throw SimulationError(".pz: the input port's two nodes are the same node") }
        if n3 == n4 { throw SimulationError(".pz: the output port's two nodes are the same node") }
        let engine = MNAEngine(network, options: circuit.options)
        let op = try engine.solveDC(MNAEngine.Context(), guess: nil, nodesets: nodesetIndices(), iterationLimit: circuit.options.dcIterationLimit).x
        let (g, c) = engine.smallSignalMatrices(at: op)
        let n = engine.size

        // The input: the netlist's voltage source across (n1, n2), or an added branch (then n + 1
        // unknowns), or a unit current.
        var size = n
        var input = [Double](repeating: 0, count: n + 1)
        var extraBranch = false
        switch request.input {
        case .voltage:
            if let v = network.voltageSources.first(where: { ($0.p, $0.n) == (n1, n2) || ($0.p, $0.n) == (n2, n1) }) {
                input[network.unknown(ofBranch: v.branch)] = v.p == n1 ? 1 : -1
            } else {
                size = n + 1
                extraBranch = true
                input[n] = 1
            }
        case .current:
            if n1 != 0 { input[n1 - 1] += 1 }
            if n2 != 0 { input[n2 - 1] -= 1 }
        }
        // Column-major (size + 1)², the last row and column for the zeros' border.
        let m = size + 1
        var a = [Double](repeating: 0, count: m * m), b = a
        for col in 0..<n {
            for row in 0..<n {
                a[row + col * m] = g[row + col * n]
                b[row + col * m] = -c[row + col * n]
            }
        }
        if extraBranch {
            // V(n1) − V(n2) = u on the new row, the branch current in KCL's rows.
            if n1 != 0 { a[n + (n1 - 1) * m] = 1; a[(n1 - 1) + n * m] = 1 }
            if n2 != 0 { a[n + (n2 - 1) * m] = -1; a[(n2 - 1) + n * m] = -1 }
        }
        let scale = g.map(abs).max() ?? 0, capacitance = c.map(abs).max() ?? 0
        guard capacitance > 0 else {
            // No capacitance or inductance: a constant transfer, without poles or zeros.
            return PoleZeroResult(poles: [], zeros: [], request: request)
        }
        let rate = max(scale / capacitance, 1), limit = 1e12 * rate
        // Parts below 10⁻¹² of the circuit's rate are rounding (QZ's is about 10⁻¹⁶ of it): 0.
        func cleaned(_ s: Complex<Double>) -> Complex<Double> {
            Complex(abs(s.real) < 1e-12 * rate ? 0 : s.real, abs(s.imaginary) < 1e-12 * rate ? 0 : s.imaginary)
        }
        func eigenvalues(_ a: [Double], _ b: [Double], _ order: Int, _ what: String) throws(SimulationError) -> [Complex<Double>] {
            var aa = [Double](repeating: 0, count: order * order), bb = aa
            for col in 0..<order { for row in 0..<order { aa[row + col * order] = a[row + col * m]; bb[row + col * order] = b[row + col * m] } }
            do {
                let values = try GeneralizedEigenvalues(aa, bb, n: order).finite(upTo: limit).map(cleaned)
                // By magnitude; a conjugate pair's (equal to rounding) positive member first.
                return values.sorted { x, y in
                    abs(x.length - y.length) <= 1e-9 * max(x.length, y.length) ? x.imaginary > y.imaginary : x.length < y.length
                }
            } catch {
                throw SimulationError(".pz: the \(what) could not be computed (\(error == .notFinite ? "the linearized circuit holds a value that is not finite" : "the QZ iteration did not converge"))")
            }
        }
        var poles: [Complex<Double>] = [], zeros: [Complex<Double>] = []
        if request.kind != .zeros { poles = try eigenvalues(a, b, size, "poles") }
        if request.kind != .poles {
            for row in 0..<size { a[row + size * m] = input[row] }
            if n3 != 0 { a[size + (n3 - 1) * m] += 1 }
            if n4 != 0 { a[size + (n4 - 1) * m] -= 1 }
            zeros = try eigenvalues(a, b, m, "zeros")
        }
        return PoleZeroResult(poles: poles, zeros: zeros, request: request)
    }
}
