/// A dense row-major matrix for set-up work (deriving state-space models). Not for the per-sample
/// path, which uses preallocated buffers.
public struct Matrix: Sendable, Equatable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// Row-major entries.
    public var entries: [Double]

    /// The zero matrix.
    public init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        entries = [Double](repeating: 0, count: rows * columns)
    }

    /// The identity.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for k in 0..<n { m[k, k] = 1 }
        return m
    }

    /// Entry (row, column).
    @inlinable
    public subscript(row: Int, column: Int) -> Double {
        get { entries[row * columns + column] }
        set { entries[row * columns + column] = newValue }
    }

    /// Row `r` as a 1 × columns matrix.
    public func row(_ r: Int) -> Matrix {
        Matrix(rows: 1, columns: columns, entries: Array(entries[(r * columns)..<((r + 1) * columns)]))
    }

    /// This matrix with the rows of `other` below.
    public func appendingRows(_ other: Matrix) -> Matrix {
        precondition(other.columns == columns, "matrix dimensions do not match")
        var m = Matrix(rows: rows + other.rows, columns: columns)
        m.entries = entries + other.entries
        return m
    }

    /// This matrix with the columns of `other` to the right.
    public func appendingColumns(_ other: Matrix) -> Matrix {
        precondition(other.rows == rows, "matrix dimensions do not match")
        var m = Matrix(rows: rows, columns: columns + other.columns)
        for r in 0..<rows {
            for c in 0..<columns { m[r, c] = self[r, c] }
            for c in 0..<other.columns { m[r, columns + c] = other[r, c] }
        }
        return m
    }

    /// The matrix product.
    public static func * (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.columns == b.rows, "matrix dimensions do not match")
        var c = Matrix(rows: a.rows, columns: b.columns)
        for i in 0..<a.rows {
            for k in 0..<a.columns {
                let x = a[i, k]
                if x == 0 { continue }
                for j in 0..<b.columns { c.entries[i * c.columns + j] += x * b.entries[k * b.columns + j] }
            }
        }
        return c
    }

    /// The sum.
    public static func + (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.rows == b.rows && a.columns == b.columns, "matrix dimensions do not match")
        var c = a
        for k in c.entries.indices { c.entries[k] += b.entries[k] }
        return c
    }

    /// The difference.
    public static func - (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.rows == b.rows && a.columns == b.columns, "matrix dimensions do not match")
        var c = a
        for k in c.entries.indices { c.entries[k] -= b.entries[k] }
        return c
    }

    /// Every entry times `s`.
    public static func * (s: Double, a: Matrix) -> Matrix {
        var c = a
        for k in c.entries.indices { c.entries[k] *= s }
        return c
    }

    /// The transpose.
    public var transposed: Matrix {
        var t = Matrix(rows: columns, columns: rows)
        for i in 0..<rows { for j in 0..<columns { t[j, i] = self[i, j] } }
        return t
    }

    /// The largest absolute entry.
    public var maxAbs: Double { entries.map(abs).max() ?? 0 }
}

extension DenseLU {
    /// Factors a square `Matrix`.
    public init(_ m: Matrix) throws(Failure) {
        precondition(m.rows == m.columns, "LU needs a square matrix")
        // LAPACK wants column-major: the transpose's row-major entries.
        try self.init(m.transposed.entries, n: m.rows)
    }

    /// A⁻¹·B for a matrix right-hand side.
    public func solving(_ b: Matrix) -> Matrix {
        precondition(b.rows == n, "right-hand side has the wrong number of rows")
        var x = Matrix(rows: b.rows, columns: b.columns)
        var column = [Double](repeating: 0, count: n)
        for j in 0..<b.columns {
            for i in 0..<n { column[i] = b[i, j] }
            solve(&column)
            for i in 0..<n { x[i, j] = column[i] }
        }
        return x
    }
}
