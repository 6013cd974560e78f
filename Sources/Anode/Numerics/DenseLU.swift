import CLAPACK
import Numerics

/// LU factorization with partial pivoting of a square real matrix, by LAPACK (`dgetrf`/`dgetrs`).
/// Storage is column-major: entry (row, column) is at `row + column·n`.
public struct DenseLU: Sendable {
    /// The order of the matrix.
    public let n: Int
    private var factors: [Double]
    private var pivots: [Int32]

    /// The reason a factorization failed.
    public enum Failure: Error, Equatable {
        /// U(k, k) is exactly zero: column k (0-based) depends on the columns before it.
        case singular(column: Int)
        /// The matrix holds NaN or infinity.
        case notFinite
    }

    /// Factors the n×n column-major `matrix`.
    public init(_ matrix: [Double], n: Int) throws(Failure) {
        precondition(matrix.count == n * n, "matrix must hold n·n entries")
        self.n = n
        factors = matrix
        pivots = [Int32](repeating: 0, count: max(n, 1))
        guard n > 0 else { return }
        for v in matrix where !v.isFinite { throw .notFinite }
        var m = Int32(n), nn = Int32(n), lda = Int32(n), info: Int32 = 0
        factors.withUnsafeMutableBufferPointer { a in
            pivots.withUnsafeMutableBufferPointer { p in
                dgetrf_(&m, &nn, a.baseAddress, &lda, p.baseAddress, &info)
            }
        }
        if info > 0 { throw .singular(column: Int(info) - 1) }
    }

    /// Solves A·x = b in place.
    public func solve(_ b: inout [Double]) {
        guard n > 0 else { return }
        var trans = Int8(UInt8(ascii: "N")), nn = Int32(n), nrhs: Int32 = 1, lda = Int32(n), ldb = Int32(n), info: Int32 = 0
        factors.withUnsafeBufferPointer { a in
            pivots.withUnsafeBufferPointer { p in
                b.withUnsafeMutableBufferPointer { x in
                    dgetrs_(&trans, &nn, &nrhs, a.baseAddress, &lda, p.baseAddress, x.baseAddress, &ldb, &info, 1)
                }
            }
        }
    }

    /// The solution of A·x = b.
    public func solving(_ b: [Double]) -> [Double] {
        var x = b
        solve(&x)
        return x
    }
}

/// LU factorization with partial pivoting of a square complex matrix, by LAPACK (`zgetrf`/`zgetrs`).
/// Storage is column-major.
public struct ComplexLU: Sendable {
    /// The order of the matrix.
    public let n: Int
    private var factors: [Complex<Double>]
    private var pivots: [Int32]

    /// Factors the n×n column-major `matrix`.
    public init(_ matrix: [Complex<Double>], n: Int) throws(DenseLU.Failure) {
        precondition(matrix.count == n * n, "matrix must hold n·n entries")
        self.n = n
        factors = matrix
        pivots = [Int32](repeating: 0, count: max(n, 1))
        guard n > 0 else { return }
        for v in matrix where !v.isFinite { throw .notFinite }
        var m = Int32(n), nn = Int32(n), lda = Int32(n), info: Int32 = 0
        factors.withUnsafeMutableBufferPointer { a in
            a.withMemoryRebound(to: Double.self) { d in
                pivots.withUnsafeMutableBufferPointer { p in
                    zgetrf_(&m, &nn, d.baseAddress, &lda, p.baseAddress, &info)
                }
            }
        }
        if info > 0 { throw .singular(column: Int(info) - 1) }
    }

    /// Solves A·x = b in place.
    public func solve(_ b: inout [Complex<Double>]) {
        guard n > 0 else { return }
        var trans = Int8(UInt8(ascii: "N")), nn = Int32(n), nrhs: Int32 = 1, lda = Int32(n), ldb = Int32(n), info: Int32 = 0
        factors.withUnsafeBufferPointer { a in
            a.withMemoryRebound(to: Double.self) { d in
                pivots.withUnsafeBufferPointer { p in
                    b.withUnsafeMutableBufferPointer { x in
                        x.withMemoryRebound(to: Double.self) { xd in
                            zgetrs_(&trans, &nn, &nrhs, d.baseAddress, &lda, p.baseAddress, xd.baseAddress, &ldb, &info, 1)
                        }
                    }
                }
            }
        }
    }
}

