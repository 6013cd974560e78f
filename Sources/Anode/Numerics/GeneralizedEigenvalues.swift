import CLAPACK
import Numerics

/// The generalized eigenvalues λ of a square pencil (A, B), the λ with det(A − λ·B) = 0, by
/// LAPACK's QZ algorithm (`dggev`). Each comes as α/β, so that a singular B's infinite eigenvalues
/// (β = 0) stay apart from the finite ones. Storage is column-major, as `DenseLU`'s.
public struct GeneralizedEigenvalues: Sendable {
    /// The numerators α, complex.
    public let alpha: [Complex<Double>]
    /// The denominators β, real and ≥ 0.
    public let beta: [Double]

    /// The reason the computation failed.
    public enum Failure: Error, Equatable {
        /// The pencil holds NaN or infinity.
        case notFinite
        /// The QZ iteration did not converge.
        case noConvergence
    }

    /// The eigenvalues of the n×n column-major pencil (`a`, `b`).
    public init(_ a: [Double], _ b: [Double], n: Int) throws(Failure) {
        precondition(a.count == n * n && b.count == n * n, "the pencil's matrices must hold n·n entries")
        guard n > 0 else { alpha = []; beta = []; return }
        for v in a where !v.isFinite { throw .notFinite }
        for v in b where !v.isFinite { throw .notFinite }
        var a = a, b = b
        var alphar = [Double](repeating: 0, count: n), alphai = alphar, beta = alphar
        var left = [Double](repeating: 0, count: 1), right = left  // eigenvectors not referenced
        var nn = Int32(n), lda = Int32(n), ldb = Int32(n), ldv = Int32(1), info: Int32 = 0
        var lwork = Int32(max(8 * n, 1) + 16)
        var work = [Double](repeating: 0, count: Int(lwork))
        "N".withCString { no in
            dggev_(no, no, &nn, &a, &lda, &b, &ldb, &alphar, &alphai, &beta, &left, &ldv, &right, &ldv, &work, &lwork, &info, 1, 1)
        }
        guard info == 0 else { throw .noConvergence }
        self.alpha = (0..<n).map { Complex(alphar[$0], alphai[$0]) }
        // dggev's β is ≥ 0 with α carrying the sign; kept so.
        self.beta = beta
    }

    /// The finite eigenvalues: those with |α| ≤ `limit`·β (the others are B's infinite ones).
    public func finite(upTo limit: Double) -> [Complex<Double>] {
        var values: [Complex<Double>] = []
        for (a, b) in zip(alpha, beta) where b > 0 && a.length <= limit * b {
            values.append(a / Complex(b))
        }
        return values
    }
}
